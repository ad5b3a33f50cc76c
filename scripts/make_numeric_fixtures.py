#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_numeric.npz: PyTorch 1.13's scatter and index_copy, numpy-style stacking
(hstack, vstack, dstack, column_stack, atleast_3d, fliplr, flipud, msort, diag_embed,
diagflat) and numeric conveniences (diff, trapezoid, cumulative_trapezoid, cov, corrcoef,
pdist, logit, xlog1py, float_power, isclose, isin, isposinf, isneginf) in float64, with the
gradients of sum(y * gy) for a fixed random gy. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_numeric_fixtures.py
Keys: <case>.in<i>, <case>.y, <case>.gy, <case>.g<i> (for float inputs), mirrored in
tests/autograd/test_ops_numeric.cpp.
"""
import pathlib

import numpy as np
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def record(name, fn, ins, grad=True):
    ins = [x.detach().clone().requires_grad_(grad and x.is_floating_point()) for x in ins]
    y = fn(*ins)
    for i, x in enumerate(ins):
        out[f"{name}.in{i}"] = x.detach()
    out[f"{name}.y"] = y.detach()
    diff = [x for x in ins if x.requires_grad]
    if not diff:
        return
    gy = torch.randn_like(y)
    grads = iter(torch.autograd.grad((y * gy).sum(), diff))
    out[f"{name}.gy"] = gy
    for i, x in enumerate(ins):
        if x.requires_grad:
            out[f"{name}.g{i}"] = next(grads)


a, b, c = torch.randn(2, 3), torch.randn(2, 2), torch.randn(2, 1)
record("hstack", lambda a, b, c: torch.hstack((a, b, c)), [a, b, c])
record("hstack_1d", lambda a, b: torch.hstack((a, b)), [torch.randn(3), torch.randn(2)])
record("vstack", lambda a, b, c: torch.vstack((a, b, c)), [torch.randn(3), torch.randn(2, 3), torch.randn(1, 3)])
record("dstack", lambda a, b: torch.dstack((a, b)), [torch.randn(2, 3), torch.randn(2, 3, 2)])
record("dstack_1d", lambda a, b: torch.dstack((a, b)), [torch.randn(3), torch.randn(3)])
record("column_stack", lambda a, b, c: torch.column_stack((a, b, c)), [torch.randn(3), torch.randn(3, 2), torch.randn(3)])
record("fliplr", torch.fliplr, [torch.randn(2, 3, 2)])
record("flipud", torch.flipud, [torch.randn(3, 2)])
record("msort", torch.msort, [torch.randn(4, 3)])
record("diag_embed", lambda x: torch.diag_embed(x), [torch.randn(2, 3)])
record("diag_embed_up", lambda x: torch.diag_embed(x, 1), [torch.randn(2, 3)])
record("diag_embed_down_dims", lambda x: torch.diag_embed(x, -2, 0, 2), [torch.randn(2, 3)])
record("diagflat", lambda x: torch.diagflat(x, -1), [torch.randn(2, 2)])
x45 = torch.randn(4, 5)
record("diff", lambda x: torch.diff(x), [x45])
record("diff2_dim0", lambda x: torch.diff(x, 2, 0), [x45])
record("diff_prepend_append", lambda x, p, q: torch.diff(x, 1, 1, p, q), [x45, torch.randn(4, 2), torch.randn(4, 1)])
record("diff_int", lambda x: torch.diff(x), [torch.tensor([[1, 4, 9, 16], [2, 3, 5, 7]])], grad=False)
record("trapezoid", lambda y: torch.trapezoid(y, dx=0.5), [x45])
record("trapezoid_x", lambda y, x: torch.trapezoid(y, x), [x45, torch.tensor([0.0, 0.5, 1.5, 1.75, 3.0])])
record("trapezoid_x_dim0", lambda y, x: torch.trapezoid(y, x, dim=0), [x45, torch.randn(4, 5).cumsum(0)])
record("cumulative_trapezoid", lambda y: torch.cumulative_trapezoid(y, dx=2.0), [x45])
record("cumulative_trapezoid_x", lambda y, x: torch.cumulative_trapezoid(y, x), [x45, torch.tensor([0.0, 0.5, 1.5, 1.75, 3.0])])
obs = torch.randn(3, 8)
record("cov", torch.cov, [obs])
record("cov_c0", lambda x: torch.cov(x, correction=0), [obs])
record("cov_1d", torch.cov, [torch.randn(6)])
record("corrcoef", torch.corrcoef, [obs])
record("pdist", torch.pdist, [torch.randn(5, 3)])
record("pdist_p1", lambda x: torch.pdist(x, 1.0), [torch.randn(4, 3)])
record("logit", torch.logit, [torch.rand(3, 4) * 0.9 + 0.05])
record("logit_eps", lambda x: torch.logit(x, 0.1), [torch.tensor([[0.05, 0.2, 0.5], [0.95, 0.7, 0.1]])])
record("xlog1py", torch.special.xlog1py, [torch.tensor([[0.0, 1.5, -2.0], [0.0, 3.0, 0.5]]), torch.tensor([[-0.5, 0.5, 2.0], [3.0, -0.5, 0.0]])])
record("float_power", lambda x, e: torch.float_power(x, e), [torch.rand(3, 4) + 0.5, torch.randn(4)])
# scatter and index_copy without repeated targets (PyTorch leaves repeats undefined).
out["scatter_wide.y"] = torch.scatter(torch.zeros(2, 4), 1, torch.tensor([[3], [0]]), torch.arange(6.0).reshape(2, 3))
# (PyTorch 1.13's backward fails for a src larger than index, as scatter_add's: src is
# index's shape here; the larger src is tested by value in C++.)
record("scatter_src", lambda s, i, x: torch.scatter(s, 1, i, x),
       [torch.randn(3, 5), torch.tensor([[4, 0], [1, 2], [3, 1]]), torch.randn(3, 2)])
record("scatter_dim0", lambda s, i, x: torch.scatter(s, 0, i, x),
       [torch.randn(4, 3), torch.tensor([[3, 0, 1], [0, 2, 3]]), torch.randn(2, 3)])
record("scatter_value", lambda s, i: torch.scatter(s, 1, i, 2.5), [torch.randn(3, 4), torch.tensor([[0, 3], [2, 1], [1, 0]])])
record("index_copy", lambda s, i, x: torch.index_copy(s, 0, i, x), [torch.randn(5, 3), torch.tensor([4, 0, 2]), torch.randn(3, 3)])
record("index_copy_dim1", lambda s, i, x: torch.index_copy(s, 1, i, x), [torch.randn(2, 4), torch.tensor([3, 1]), torch.randn(2, 2)])
close_a = torch.tensor([1.0, 1.0 + 1e-6, float("inf"), float("nan"), 1e-9, -2.0])
close_b = torch.tensor([1.0, 1.0, float("inf"), float("nan"), 0.0, -2.001])
out["isclose.a"], out["isclose.b"] = close_a, close_b
out["isclose.default"] = torch.isclose(close_a, close_b).to(torch.int64)
out["isclose.nan_loose"] = torch.isclose(close_a, close_b, rtol=1e-3, atol=0.0, equal_nan=True).to(torch.int64)
elements = torch.tensor([[1.0, 2.5, float("nan")], [-3.0, 4.0, 1.0]])
tests = torch.tensor([4.0, 1.0, float("nan"), 7.0])
out["isin.elements"], out["isin.tests"] = elements, tests
out["isin.y"] = torch.isin(elements, tests).to(torch.int64)
out["isin.invert"] = torch.isin(elements, tests, invert=True).to(torch.int64)
infs = torch.tensor([float("inf"), -float("inf"), 0.0, float("nan"), 2.0])
out["inf.x"], out["inf.pos"], out["inf.neg"] = infs, torch.isposinf(infs).to(torch.int64), torch.isneginf(infs).to(torch.int64)

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_numeric.npz"
np.savez(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {len(out)} arrays to {path}")
