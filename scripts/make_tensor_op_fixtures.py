#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_einsum.npz (PyTorch's einsum, diagonal and trace) and
torch_tensor_ops.npz (std, norm, flip, roll, repeat, tile, repeat_interleave, movedim,
rsqrt, reciprocal, clamp_min, clamp_max, dot, outer) in float64 with the gradients of
sum(y * gy). Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_tensor_op_fixtures.py
Einsum case k (its equation in CASES below, mirrored in tests/autograd/test_einsum.cpp)
stores e<k>.in<i>, e<k>.y, e<k>.gy and e<k>.g<i>; the diagonal cases d<k>.* and the tensor
operations <name>.* (mirrored in tests/autograd/test_tensor_ops.cpp) likewise.
"""
import pathlib

import numpy as np
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("iij->ji", [(3, 3, 2)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ij,jk", [(2, 1), (3, 4)]),
    ("b...i,b...i->b...", [(2, 3, 4), (2, 1, 4)]),
    ("zA,Ay", [(2, 3), (3, 4)]),
    ("ijk->kji", [(2, 3, 4)]),
    ("ij,kl->", [(2, 3), (4, 5)]),
    ("i,i,i->i", [(3,), (3,), (3,)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    (" i j -> j i ", [(2, 3)]),
]
DIAGONALS = [((3, 4, 5), 1, 0, 2), ((3, 4, 5), -2, 2, 1), ((4, 4), 0, 0, 1), ((2, 3), 5, 0, 1)]
out = {}


def record(name, fn, shapes):
    ins = [torch.randn(*s).requires_grad_(True) for s in shapes]
    y = fn(*ins)
    gy = torch.randn_like(y)
    grads = torch.autograd.grad((y * gy).sum(), ins, allow_unused=True)
    for i, (x, g) in enumerate(zip(ins, grads)):
        out[f"{name}.in{i}"] = x.detach()
        out[f"{name}.g{i}"] = torch.zeros_like(x) if g is None else g
    out[f"{name}.y"], out[f"{name}.gy"] = y.detach(), gy


for k, (eq, shapes) in enumerate(CASES):
    record(f"e{k}", lambda *xs, eq=eq: torch.einsum(eq, *xs), shapes)
for k, (shape, offset, d1, d2) in enumerate(DIAGONALS):
    record(f"d{k}", lambda x, o=offset, a=d1, b=d2: torch.diagonal(x, o, a, b), [shape])
record("trace", torch.trace, [(4, 4)])


def save(name):
    path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / name
    np.savez_compressed(path, **{k: np.array(v.numpy(), order="C") for k, v in out.items()})
    print(f"wrote {path} ({len(out)} arrays)")
    out.clear()


save("torch_einsum.npz")
torch.manual_seed(1)
pos = [(3, 4)]
record("std_dim", lambda x: torch.std(x, dim=(0, 2), unbiased=True, keepdim=True), [(3, 4, 5)])
record("std_all", lambda x: torch.std(x, unbiased=False), [(3, 4)])
record("norm2", lambda x: torch.norm(x, 2, dim=1), [(3, 4)])
record("norm3", lambda x: torch.linalg.vector_norm(x, 3, dim=(0, 2), keepdim=True), [(3, 4, 2)])
record("norm_inf", lambda x: torch.linalg.vector_norm(x, float("inf"), dim=0), [(3, 4)])
record("norm_all", lambda x: torch.norm(x), [(3, 4)])
record("flip", lambda x: torch.flip(x, (0, 2)), [(2, 3, 4)])
record("roll", lambda x: torch.roll(x, (1, -3), (2, 0)), [(3, 2, 5)])
record("roll_flat", lambda x: torch.roll(x, 4), [(2, 3)])
record("repeat", lambda x: x.repeat(2, 1, 3), [(2, 3)])
record("tile", lambda x: torch.tile(x, (2,)), [(2, 3)])
record("repeat_interleave", lambda x: torch.repeat_interleave(x, 3, dim=1), [(2, 3)])
record("repeat_interleave_flat", lambda x: torch.repeat_interleave(x, 2), [(2, 3)])
record("movedim", lambda x: torch.movedim(x, (0, 3), (2, 0)), [(2, 3, 4, 5)])
record("rsqrt", lambda x: torch.rsqrt(x.abs() + 0.5), [(3, 4)])
record("reciprocal", lambda x: torch.reciprocal(x.abs() + 0.5), [(3, 4)])
record("clamp_min", lambda x: torch.clamp_min(x, 0.2), [(3, 4)])
record("clamp_max", lambda x: torch.clamp_max(x, -0.1), [(3, 4)])
record("dot", torch.dot, [(5,), (5,)])
record("outer", torch.outer, [(3,), (4,)])
save("torch_tensor_ops.npz")
