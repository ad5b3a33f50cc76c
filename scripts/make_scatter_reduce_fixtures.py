#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_scatter_reduce.npz: PyTorch 1.13's scatter_reduce and
index_reduce in float64 with every reduction, with and without include_self, over both axes,
with repeated targets, untouched targets, ties with the extremes (among src, and with self),
zeros for prod (a lone zero, a zero in self, two zeros in one group), and the gradients of
sum(y * gy) for self and src; int64 values too. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_scatter_reduce_fixtures.py
Keys: <case>.in0 (self), <case>.in1 (src), <case>.index, <case>.y, <case>.gy, <case>.g0, <case>.g1.
"""
import pathlib

import numpy as np
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}
REDUCES = ["sum", "prod", "mean", "amax", "amin"]


def record(name, fn, self, index, src):
    ins = [self.clone().requires_grad_(True), src.clone().requires_grad_(True)]
    y = fn(ins[0], index, ins[1])
    gy = torch.randn_like(y)
    grads = torch.autograd.grad((y * gy).sum(), ins, allow_unused=True)
    out[f"{name}.y"], out[f"{name}.gy"], out[f"{name}.index"] = y.detach(), gy, index
    for i, (x, g) in enumerate(zip(ins, grads)):
        out[f"{name}.in{i}"], out[f"{name}.g{i}"] = x.detach(), torch.zeros_like(x) if g is None else g


# scatter along dim 0 of a (4, 3) self from a (5, 3) src: target row 3 is never written;
# column 1 sends three entries to row 0. (A src larger than index breaks PyTorch 1.13's
# backward, so the tests check that case against a narrowed src.)
self = torch.randn(4, 3)
src = torch.randn(5, 3)
index = torch.tensor([[0, 0, 2], [1, 0, 2], [0, 2, 1], [2, 0, 1], [1, 1, 0]])
src[2, 0] = src[0, 0]  # a tie among src for the extremes at (0, 0)
src[3, 2] = self[1, 2] = 5.0  # a tie between src and self at (1, 2), above the rest
src[1, 1] = 0.0  # prod: a lone zero in src's group at (0, 1)
self[2, 0] = 0.0  # prod: a zero in self, at (2, 0), whose group also has src[3, 0]
src[0, 2] = src[4, 2] = 0.0  # prod: two zeros, at targets (2, 2) and (0, 2)
# PyTorch 1.13 gives a share of amax's gradient to an element of self equal to the result
# even without include_self, and then drops it (the src element gets half): xgrad gives that
# element nothing and src all (tests/autograd/test_scatter_reduce.cpp pins it), so the
# cases without self take a self that ties with nothing.
self_apart = self.clone()
self_apart[1, 2] = 4.0
for reduce in REDUCES:
    for include in (True, False):
        name = f"dim0_{reduce}_{'self' if include else 'noself'}"
        record(name, lambda s, i, x: s.scatter_reduce(0, i, x, reduce, include_self=include),
               self if include else self_apart, index, src)

# along dim 1 (the last), 3-D; two zeros in one group for prod.
self = torch.randn(2, 3, 4)
src = torch.randn(2, 3, 5)
index = torch.randint(0, 4, (2, 3, 5))
index[0, 0] = torch.tensor([1, 1, 1, 3, 1])
src[0, 0, 0] = src[0, 0, 1] = 0.0
for reduce in REDUCES:
    for include in (True, False):
        name = f"dim2_{reduce}_{'self' if include else 'noself'}"
        record(name, lambda s, i, x: s.scatter_reduce(-1, i, x, reduce, include_self=include), self, index, src)

# index_reduce: rows of a (6, 4) source into a (5, 4) self along dim 0 (row 4 untouched).
self = torch.randn(5, 4)
source = torch.randn(6, 4)
index = torch.tensor([0, 2, 0, 1, 2, 0])
source[2, 1] = source[0, 1]
source[3, 3] = 0.0
for reduce in REDUCES[1:]:
    for include in (True, False):
        name = f"index_{reduce}_{'self' if include else 'noself'}"
        record(name, lambda s, i, x: s.index_reduce(0, i, x, reduce, include_self=include), self, index, source)

# int64 values: mean floors (negative sums too), extremes, products.
a = torch.tensor([[5, -7, 2], [3, 1, -4], [-6, 0, 9]])
b = torch.tensor([[-3, 4, 9, 1], [2, -5, 8, 6], [7, 7, -1, 0]])
i = torch.tensor([[0, 1, 1, 0], [0, 0, 1, 1], [1, 0, 1, 2]])
for reduce in REDUCES:
    for include in (True, False):
        name = f"int64_{reduce}_{'self' if include else 'noself'}"
        out[f"{name}.in0"], out[f"{name}.in1"], out[f"{name}.index"] = a, b, i
        out[f"{name}.y"] = a.scatter_reduce(1, i, b, reduce, include_self=include)

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_scatter_reduce.npz"
np.savez_compressed(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
