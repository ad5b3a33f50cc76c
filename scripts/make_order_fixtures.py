#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_order.npz: PyTorch 1.13's order statistics and
NaN-ignoring reductions in float64 (kthvalue, median, nanmedian, quantile, nanquantile with
each interpolation, nansum, nanmean), values, positions and the gradient of sum(y * gy) for
a fixed random gy. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_order_fixtures.py
The input x (3, 4, 5) has distinct values (PyTorch leaves open which tied element a position
names); xn is x with NaN in some lines (one line all NaN), xk the same without the line of
NaNs. Keys: <case>_y, _i (positions),
_gy and _gx, the gradient of y with gy as its output gradient (finite where y is NaN).
"""
import pathlib

import numpy as np
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
x = torch.randn(3, 4, 5)
xn = x.clone()
xn[0, 1, 2] = xn[1, 3, 0] = xn[1, 3, 4] = float("nan")
xn[2, 2, :] = float("nan")
xk = xn.clone()  # for kthvalue: which of a line of NaNs is the k-th is left open by PyTorch
xk[2, 2, :] = x[2, 2, :]
q = torch.tensor([0.0, 0.1, 0.5, 0.77, 1.0])
out = {"x": x, "xn": xn, "xk": xk, "q": q}


def case(name, fn, src):
    xi = src.clone().requires_grad_(True)
    r = fn(xi)
    y, i = (r[0], r[1]) if isinstance(r, tuple) else (r, None)
    gy = torch.randn_like(y)
    (gx,) = torch.autograd.grad(y, [xi], gy)
    out[f"{name}_y"], out[f"{name}_gy"], out[f"{name}_gx"] = y.detach(), gy, gx
    if i is not None:
        out[f"{name}_i"] = i


for dim in (0, 1, -1):
    for keep in (False, True):
        tag = f"d{dim % 3}_k{int(keep)}"
        case(f"kth2_{tag}", lambda t: torch.kthvalue(t, 2, dim, keep), x)
        case(f"median_{tag}", lambda t: torch.median(t, dim, keep), x)
        case(f"nanmedian_{tag}", lambda t: torch.nanmedian(t, dim, keep), xn)
        case(f"mediann_{tag}", lambda t: torch.median(t, dim, keep), xn)
        case(f"kthn_{tag}", lambda t: torch.kthvalue(t, 3, dim, keep), xk)
case("median_all", torch.median, x)
case("nanmedian_all", torch.nanmedian, xn)
for interp in ("linear", "lower", "higher", "midpoint", "nearest"):
    # keepdim only reshapes: two shapes of it, for linear.
    for dim, keep in ((None, False), (1, False), (2, False)) + (((None, True), (2, True)) if interp == "linear" else ()):
        tag = f"{interp}_d{'n' if dim is None else dim}_k{int(keep)}"
        case(f"quantile_{tag}", lambda t: torch.quantile(t, q, dim, keep, interpolation=interp), x)
        case(f"nanquantile_{tag}", lambda t: torch.nanquantile(t, q, dim, keep, interpolation=interp), xn)
        case(f"quantilen_{tag}", lambda t: torch.quantile(t, q, dim, keep, interpolation=interp), xn)
    case(f"quantile_scalar_{interp}", lambda t: torch.quantile(t, 0.3, 2, interpolation=interp), x)
for dims, keep in (((), False), ((1,), False), ((0, 2), True)):
    tag = "".join(map(str, dims)) or "all"
    case(f"nansum_{tag}", lambda t: torch.nansum(t, dims, keep) if dims else torch.nansum(t), xn)
    case(f"nanmean_{tag}", lambda t: torch.nanmean(t, dims, keep) if dims else torch.nanmean(t), xn)
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_order.npz"
np.savez_compressed(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
