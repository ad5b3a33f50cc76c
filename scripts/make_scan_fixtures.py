#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_scan.npz: PyTorch 1.13's running reductions and sorted
searches in float64: logcumsumexp, cummax and cummin (values, positions and the gradient of
sum(y * gy) for a fixed random gy) along each axis, searchsorted / bucketize positions, and
histc, bincount, unique and unique_consecutive.
Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_scan_fixtures.py
Keys: <case>.in0 (the input), <case>.y, <case>.gy, <case>.g0 (the input's gradient),
<case>.i (positions); searchsorted cases <case>.seq, <case>.v, <case>.i.
"""
import pathlib

import numpy as np
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def case(name, fn, x):
    xi = x.clone().requires_grad_(True)
    r = fn(xi)
    y, i = (r[0], r[1]) if isinstance(r, tuple) else (r, None)
    gy = torch.randn_like(y)
    (gx,) = torch.autograd.grad(y, [xi], gy)
    out[f"{name}.in0"], out[f"{name}.y"], out[f"{name}.gy"], out[f"{name}.g0"] = x, y.detach(), gy, gx
    if i is not None:
        out[f"{name}.i"] = i


x = torch.randn(3, 4, 5)
# Ties: values drawn from a few levels, so running extremes meet equal elements often.
ties = torch.randint(0, 4, (3, 4, 5)).to(torch.float64) - 1.5
xn = ties.clone()
xn[0, 1, 2] = xn[1, 3, 0] = xn[1, 3, 4] = xn[2, 0, 1] = float("nan")
# A line of very different magnitudes (the max-shift form loses its start) and -inf.
wide = torch.tensor([[-1000.0, 0.0, 5.0, -float("inf"), 700.0, -3.0], [-float("inf"), -float("inf"), 2.0, 1.0, 0.5, 30.0]])
for dim in (0, 1, 2):
    case(f"logcumsumexp_d{dim}", lambda t: torch.logcumsumexp(t, dim), x)
    case(f"cummax_d{dim}", lambda t: torch.cummax(t, dim), ties)
    case(f"cummin_d{dim}", lambda t: torch.cummin(t, dim), ties)
    case(f"cummaxn_d{dim}", lambda t: torch.cummax(t, dim), xn)
    case(f"cumminn_d{dim}", lambda t: torch.cummin(t, dim), xn)
case("logcumsumexp_wide", lambda t: torch.logcumsumexp(t, 1), wide)
case("logcumsumexp_neg", lambda t: torch.logcumsumexp(t, -1), x)
# +inf: y is inf from there on; the gradient before it stays finite, NaN at the inf.
case("logcumsumexp_inf", lambda t: torch.logcumsumexp(t, 1),
     torch.tensor([[0.0, 1.0, float("inf"), 2.0], [3.0, float("inf"), float("inf"), 1.0]]))

seq = torch.tensor([-2.0, -1.0, -1.0, 0.0, 0.5, 0.5, 0.5, 3.0])
v = torch.tensor([[-3.0, -2.0, -1.0, -0.5, 0.0, 0.5], [1.0, 3.0, 4.0, float("inf"), -float("inf"), float("nan")]])
seq2 = torch.sort(torch.randint(0, 6, (3, 7)).to(torch.float64), dim=1)[0]
v2 = torch.randint(-1, 8, (3, 5)).to(torch.float64)
for right in (False, True):
    r = int(right)
    out[f"ss1_r{r}.seq"], out[f"ss1_r{r}.v"], out[f"ss1_r{r}.i"] = seq, v, torch.searchsorted(seq, v, right=right)
    out[f"ss2_r{r}.seq"], out[f"ss2_r{r}.v"], out[f"ss2_r{r}.i"] = seq2, v2, torch.searchsorted(seq2, v2, right=right)
    out[f"bucket_r{r}.i"] = torch.bucketize(v, seq, right=right)
# An unsorted sequence with the positions that sort it.
perm = torch.randperm(8)
shuffled = seq[perm]
sorter = torch.argsort(shuffled, stable=True)
out["sorter.seq"], out["sorter.sorter"], out["sorter.v"] = shuffled, sorter, v
out["sorter.i"] = torch.searchsorted(shuffled, v, sorter=sorter)
# Counting: histc (given and data ranges, values on the edges and outside), bincount (with
# weights and minlength), unique and unique_consecutive (inverse and counts; no NaN: PyTorch
# 1.13's unique gives wrong inverses and zero counts for NaN, which xgrad makes values of their own).
h = torch.randn(1000) * 2
h[:6] = torch.tensor([-3.0, 3.0, 0.0, -3.5, 3.5, 1.5])
out["histc.x"] = h
out["histc_given.y"] = torch.histc(h, bins=12, min=-3, max=3)
out["histc_data.y"] = torch.histc(h, bins=17)
out["histc_f32.y"] = torch.histc(h.float(), bins=7, min=-2, max=2.5).double()
b = torch.randint(0, 9, (50,))
bw = torch.randn(50)
out["bincount.x"], out["bincount.w"] = b, bw
out["bincount.y"] = torch.bincount(b)
out["bincount_w.y"] = torch.bincount(b, weights=bw, minlength=12)
u = torch.randint(-3, 4, (4, 6)).to(torch.float64)
u[1, 2:5] = 2.0  # a run
out["unique.x"] = u
vals, inv, cnt = torch._unique2(u, True, True, True)
out["unique.values"], out["unique.inverse"], out["unique.counts"] = vals, inv, cnt
vals, inv, cnt = torch.unique_consecutive(u, return_inverse=True, return_counts=True)
out["consecutive.values"], out["consecutive.inverse"], out["consecutive.counts"] = vals, inv, cnt
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_scan.npz"
np.savez_compressed(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
