#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_special.npz: PyTorch 1.13's special functions (lgamma,
digamma, polygamma, erfc, erfinv, mvlgamma, sinc, copysign, heaviside, signbit), scaled products
(addmm, addmv, addbmm, baddbmm, addr, addcmul, addcdiv, tensordot, kron) and the functions that
assemble tensors (meshgrid, broadcast_tensors, tensor_split, block_diag, cartesian_prod,
tril_indices, triu_indices, rot90, take_along_dim, index_fill, aminmax, count_nonzero) in
float64, with the gradients of sum(y * gy) for a fixed random gy; and mpmath's values (40
digits) where PyTorch's own are less exact than double allows (exact.*).
Run with Debian's python3-torch and python3-mpmath:
    /usr/bin/python3 scripts/make_special_fixtures.py
Keys: <case>.in<i>, <case>.y, <case>.gy, <case>.g<i> (mirrored in
tests/autograd/test_ops_special.cpp and test_ops_assemble.cpp, which name the cases).
"""
import pathlib

import mpmath
import numpy as np
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
mpmath.mp.dps = 40
out = {}


def record(name, fn, ins, grad=True):
    ins = [x.detach().clone().requires_grad_(grad and x.is_floating_point()) for x in ins]
    y = fn(*ins)
    for i, x in enumerate(ins):
        out[f"{name}.in{i}"] = x.detach()
    out[f"{name}.y"] = y.detach()
    if not grad:
        return
    gy = torch.randn_like(y)
    diff = [x for x in ins if x.requires_grad]
    grads = iter(torch.autograd.grad((y * gy).sum(), diff, allow_unused=True))
    out[f"{name}.gy"] = gy
    for i, x in enumerate(ins):
        if x.requires_grad:
            g = next(grads)
            out[f"{name}.g{i}"] = torch.zeros_like(x) if g is None else g


def between(lo, hi, *shape):
    return torch.rand(*shape) * (hi - lo) + lo


# ---- special functions ----
gamma_x = torch.cat([between(0.2, 6.0, 10), torch.tensor([-2.5, -0.3])]).reshape(3, 4)
record("lgamma", torch.lgamma, [gamma_x])
record("digamma", torch.digamma, [gamma_x])
positive = between(0.3, 5.0, 3, 4)
for n in (1, 2, 3):
    record(f"polygamma{n}", lambda x, n=n: torch.polygamma(n, x), [positive])
record("polygamma0", lambda x: torch.polygamma(0, x), [positive])
record("erfc", torch.erfc, [between(-3.0, 3.0, 3, 4)])
record("erfinv", torch.erfinv, [between(-0.95, 0.95, 3, 4)])
record("mvlgamma", lambda x: torch.mvlgamma(x, 3), [between(1.2, 5.0, 3, 4)])
record("sinc", torch.sinc, [torch.tensor([[0.0, 0.3, -1.7, 2.0], [1e-3, -0.5, 4.25, -3.0]])])
record("copysign", torch.copysign,
       [torch.tensor([[1.5, -2.0, 0.0, 3.0], [-0.7, 0.25, 4.0, -1.0]]),
        torch.tensor([[-1.0, 2.0, -3.0, -0.0], [0.0, -0.0, 5.0, -2.0]])])
record("heaviside", torch.heaviside,
       [torch.tensor([[-1.5, 0.0, 2.0], [0.0, -0.0, float("nan")]]), torch.tensor([0.5, 0.25, 0.75])], grad=False)
# mpmath's values where PyTorch's trigamma (a short series, ~1e-10 relative) and erfinv near
# ±1 (~1e-5 relative at 1 - 1e-16) lose digits.
exact_x = torch.tensor([0.1, 0.5, 1.0, 1.5, 2.5, 7.3, 10.0, 30.0, 1e5, -0.5, -1.3, -7.7, -100.25])
out["exact.x"] = exact_x
out["exact.digamma"] = torch.tensor([float(mpmath.digamma(mpmath.mpf(float(v)))) for v in exact_x])
for n in (1, 2, 5):
    out[f"exact.polygamma{n}"] = torch.tensor([float(mpmath.polygamma(n, mpmath.mpf(float(v)))) for v in exact_x])
exact_y = torch.tensor([1e-300, 0.001, 0.3, 0.5, 0.7, 0.99, 0.999999, 1 - 1e-12, 1 - 2.0 ** -53, -0.8])
out["exact.y"] = exact_y
out["exact.erfinv"] = torch.tensor([float(mpmath.erfinv(mpmath.mpf(float(v)))) for v in exact_y])

# ---- scaled products ----
m1, m2 = torch.randn(3, 4), torch.randn(4, 5)
record("addmm", lambda i, a, b: torch.addmm(i, a, b, beta=0.5, alpha=2.0), [torch.randn(3, 5), m1, m2])
record("addmm_bias", torch.addmm, [torch.randn(5), m1, m2])
record("addmm_row", lambda i, a, b: torch.addmm(i, a, b, alpha=-1.5), [torch.randn(1, 5), m1, m2])
record("addmv", lambda i, a, b: torch.addmv(i, a, b, beta=2.0, alpha=0.5), [torch.randn(3), m1, torch.randn(4)])
b1, b2 = torch.randn(2, 3, 4), torch.randn(2, 4, 5)
record("addbmm", lambda i, a, b: torch.addbmm(i, a, b, beta=0.25, alpha=3.0), [torch.randn(3, 5), b1, b2])
record("baddbmm", lambda i, a, b: torch.baddbmm(i, a, b, beta=-1.0, alpha=0.5), [torch.randn(3, 5), b1, b2])
record("addr", lambda i, a, b: torch.addr(i, a, b, beta=1.5, alpha=2.0), [torch.randn(3, 4), torch.randn(3), torch.randn(4)])
record("addcmul", lambda i, a, b: torch.addcmul(i, a, b, value=0.5), [torch.randn(3, 4), torch.randn(3, 1), torch.randn(4)])
record("addcdiv", lambda i, a, b: torch.addcdiv(i, a, b, value=-2.0),
       [torch.randn(3, 4), torch.randn(3, 1), between(0.5, 2.0, 4)])
record("tensordot2", lambda a, b: torch.tensordot(a, b, 2), [torch.randn(2, 3, 4), torch.randn(3, 4, 5)])
record("tensordot0", lambda a, b: torch.tensordot(a, b, 0), [torch.randn(2, 3), torch.randn(4)])
record("tensordot_lists", lambda a, b: torch.tensordot(a, b, ([0, 2], [2, 0])),
       [torch.randn(2, 3, 4), torch.randn(4, 5, 2)])
record("kron", torch.kron, [torch.randn(2, 3), torch.randn(3, 2)])
record("kron_ranks", torch.kron, [torch.randn(2), torch.randn(2, 3)])
record("kron3", torch.kron, [torch.randn(2, 1, 2), torch.randn(1, 3, 2)])

# ---- assembling ----
v2, v3, v4 = torch.randn(2), torch.randn(3), torch.randn(4)
record("meshgrid_ij", lambda a, b, c: torch.stack(torch.meshgrid(a, b, c, indexing="ij")), [v2, v3, v4])
record("meshgrid_xy", lambda a, b, c: torch.stack(torch.meshgrid(a, b, c, indexing="xy")), [v2, v3, v4])
record("broadcast_tensors", lambda a, b, c: torch.stack(torch.broadcast_tensors(a, b, c)),
       [torch.randn(3, 1), torch.randn(4), torch.randn(2, 1, 1)])
x7 = torch.randn(3, 7)
record("tensor_split3", lambda x: torch.cat([p.flatten() for p in torch.tensor_split(x, 3, dim=1)]), [x7])
record("tensor_split_idx", lambda x: torch.cat([p.flatten() for p in torch.tensor_split(x, [2, -2, 9, 1], dim=1)]), [x7])
record("block_diag", lambda a, b, c, d: torch.block_diag(a, b, c, d),
       [torch.randn(2, 3), torch.randn(4), torch.tensor(2.5), torch.randn(1, 2)])
record("cartesian_prod", lambda a, b, c: torch.cartesian_prod(a, b, c), [v2, v3, torch.randn(2)])
out["tril_indices_4_5_1"] = torch.tril_indices(4, 5, 1)
out["triu_indices_4_3_m1"] = torch.triu_indices(4, 3, -1)
out["tril_indices_3_3_m5"] = torch.tril_indices(3, 3, -5)
cube = torch.randn(2, 3, 4)
for k in (1, 2, 3, -1, 4):
    record(f"rot90_{k}".replace("-", "m"), lambda x, k=k: torch.rot90(x, k, [0, 1]), [cube])
record("rot90_dims12", lambda x: torch.rot90(x, 1, [2, 1]), [cube])
x34 = torch.randn(3, 4)
record("take_along_dim", lambda x, i: torch.take_along_dim(x, i, dim=1), [x34, torch.argsort(x34, 1)[:, :2]])
record("take_along_dim_bcast", lambda x, i: torch.take_along_dim(x, i, dim=1),
       [torch.randn(3, 4, 1), torch.randint(0, 4, (1, 2, 5))])
record("take_along_dim_flat", lambda x, i: torch.take_along_dim(x, i), [x34, torch.tensor([[11, 0], [5, 5]])])
record("index_fill_d1", lambda x, i: torch.index_fill(x, 1, i, -1.5), [x34, torch.tensor([0, 2])])
record("index_fill_d0", lambda x, i: torch.index_fill(x, 0, i, 7.0), [x34, torch.tensor([1, 1])])
ties = torch.tensor([[1.0, 3.0, 3.0, -2.0], [0.5, 0.5, 0.5, 0.5], [-1.0, 4.0, -1.0, 2.0]])
# PyTorch 1.13's aminmax has no derivative (2.x's is amin's and amax's): the values are
# aminmax's, the gradients those of amin and amax, which xgrad's aminmax composes.
record("aminmax_d1", lambda x: torch.stack((torch.amin(x, 1), torch.amax(x, 1))), [ties])
record("aminmax_all", lambda x: torch.stack((torch.amin(x), torch.amax(x))), [ties])
out["aminmax_d1.torch"] = torch.stack(torch.aminmax(ties, dim=1))
out["aminmax_all.torch"] = torch.stack(torch.aminmax(ties))
counted = torch.tensor([[0.0, 1.0, float("nan"), 0.0], [2.0, 0.0, -0.0, 3.0]])
out["count_nonzero.in0"] = counted
out["count_nonzero.all"] = torch.count_nonzero(counted)
out["count_nonzero.d1"] = torch.count_nonzero(counted, dim=1)
out["count_nonzero.d01"] = torch.count_nonzero(counted, dim=(0, 1))

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_special.npz"
np.savez(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {len(out)} arrays to {path}")
