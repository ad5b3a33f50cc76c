#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_lu.npz: PyTorch 1.13's LU family in float64 (square,
wide, tall and batched A), with the gradients of sum(y * gy) for every input:
torch.linalg.lu_factor (the packed factors; pivots as int64), torch.linalg.lu (P, L, U),
torch.lu_unpack, and torch.linalg.lu_solve in each (left, adjoint) combination. Run with
Debian's python3-torch:
    /usr/bin/python3 scripts/make_lu_fixtures.py
Keys: <case>.in<i>, <case>.y<j> (the outputs), <case>.gy<j> (their cotangents), <case>.g<i>,
and <case>.pivots for the factorizations.
"""
import pathlib

import numpy as np
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def record(name, fn, ins, differentiable):
    """fn(*ins) -> tuple of outputs; the float outputs get cotangents."""
    ins = [x.clone().requires_grad_(d) for x, d in zip(ins, differentiable)]
    ys = fn(*ins)
    loss = 0
    for j, y in enumerate(ys):
        out[f"{name}.y{j}"] = y.detach()
        if y.is_floating_point() and y.requires_grad:
            gy = torch.randn_like(y)
            out[f"{name}.gy{j}"] = gy
            loss = loss + (y * gy).sum()
    wrt = [x for x, d in zip(ins, differentiable) if d]
    grads = torch.autograd.grad(loss, wrt, allow_unused=True)
    k = 0
    for i, (x, d) in enumerate(zip(ins, differentiable)):
        out[f"{name}.in{i}"] = x.detach()
        if d:
            out[f"{name}.g{i}"] = torch.zeros_like(x) if grads[k] is None else grads[k]
            k += 1


def factor(name, A):
    record(name, lambda a: (torch.linalg.lu_factor(a)[0],), [A], [True])
    out[f"{name}.pivots"] = torch.linalg.lu_factor(A)[1].long()
    record(name + "_plu", lambda a: torch.linalg.lu(a), [A], [True])


factor("square", torch.randn(5, 5))
factor("batch", torch.randn(2, 3, 4, 4))
factor("wide", torch.randn(3, 5))
factor("tall", torch.randn(6, 4))
factor("wide_batch", torch.randn(2, 2, 4))

# lu_unpack of a factorization: differentiable in LU.
LU, piv = torch.linalg.lu_factor(torch.randn(2, 4, 4))
record("unpack", lambda lu: torch.lu_unpack(lu, piv), [LU], [True])
out["unpack.pivots"] = piv.long()

# lu_solve: gradients for LU (as an independent input) and B.
A = torch.randn(2, 4, 4)
LU, piv = torch.linalg.lu_factor(A)
out["solve.pivots"] = piv.long()
for left in (True, False):
    for adjoint in (False, True):
        B = torch.randn(2, 4, 3) if left else torch.randn(2, 3, 4)
        name = f"solve_{'left' if left else 'right'}{'_adjoint' if adjoint else ''}"
        record(name, lambda lu, b: (torch.linalg.lu_solve(lu, piv, b, left=left, adjoint=adjoint),), [LU, B],
               [True, True])
# A broadcast batch of B against one factorization.
LU1, piv1 = torch.linalg.lu_factor(torch.randn(3, 3))
out["solve_broadcast.pivots"] = piv1.long()
record("solve_broadcast", lambda lu, b: (torch.linalg.lu_solve(lu, piv1, b),), [LU1, torch.randn(2, 3, 2)], [True, True])

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_lu.npz"
np.savez(path, **{k: np.ascontiguousarray(v.numpy()) for k, v in out.items()})
print(f"wrote {len(out)} arrays to {path}")
