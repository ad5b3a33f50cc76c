#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_einsum.npz: PyTorch's einsum, diagonal and trace in
float64 with the gradients of sum(y * gy). Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_einsum_fixtures.py
Case k (its equation in CASES below, mirrored in tests/autograd/test_einsum.cpp) stores
e<k>.in<i>, e<k>.y, e<k>.gy and e<k>.g<i>; the diagonal cases d<k>.* likewise.
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
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_einsum.npz"
np.savez_compressed(path, **{k: np.array(v.numpy(), order="C") for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
