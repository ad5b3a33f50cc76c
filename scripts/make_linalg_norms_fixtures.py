#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_linalg_norms.npz: PyTorch 1.13's torch.linalg.norm (every
way it picks a vector or a matrix norm: no ord, an ord for 1-D and 2-D input, one dim, two
dims, string ords, keepdim), torch.linalg.cond (each p), torch.linalg.vecdot (broadcasting)
and torch.linalg.vander, in float64, with the gradients of sum(y * gy) for every input. Run
with Debian's python3-torch:
    /usr/bin/python3 scripts/make_linalg_norms_fixtures.py
Keys: <case>.in<i>, <case>.y, <case>.gy, <case>.g<i>; <case>.cond for cond by norms.
"""
import pathlib

import numpy as np
import torch

from fixture_cases import recorder

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}
record = recorder(out)


x3 = torch.randn(2, 3, 4)
v = torch.randn(5)
M = torch.randn(4, 3)
record("norm_flat", lambda a: torch.linalg.norm(a), [x3])
record("norm_vector_ord3", lambda a: torch.linalg.norm(a, 3), [v])
record("norm_vector_inf", lambda a: torch.linalg.norm(a, float("inf")), [v])
record("norm_matrix_ord1", lambda a: torch.linalg.norm(a, 1), [M])
record("norm_matrix_ord2", lambda a: torch.linalg.norm(a, 2), [M])
record("norm_matrix_fro", lambda a: torch.linalg.norm(a, "fro"), [M])
record("norm_matrix_nuc", lambda a: torch.linalg.norm(a, "nuc"), [M])
record("norm_dim1", lambda a: torch.linalg.norm(a, dim=1), [x3])
record("norm_dim1_ord0_5_keep", lambda a: torch.linalg.norm(a, 0.5, dim=-1, keepdim=True), [x3])
record("norm_dims_02", lambda a: torch.linalg.norm(a, dim=(0, 2)), [x3])
record("norm_dims_inf_keep", lambda a: torch.linalg.norm(a, float("-inf"), dim=(2, 1), keepdim=True), [x3])
record("norm_dims_nuc", lambda a: torch.linalg.norm(a, "nuc", dim=(-2, -1)), [x3])

A = torch.randn(2, 3, 3) + 2 * torch.eye(3)
for p, name in [(None, "none"), (2, "2"), (-2, "m2")]:
    record(f"cond_{name}", lambda a, p=p: torch.linalg.cond(a, p), [A])
# The other p are norm(A) norm(A^-1); PyTorch 1.13's cond cannot differentiate them (an in-place
# write into inv_ex's output), so the gradients come from that definition and the values from
# cond itself (key <case>.cond).
for p, name in [(1, "1"), (-1, "m1"), (float("inf"), "inf"), (float("-inf"), "minf"), ("fro", "fro"), ("nuc", "nuc")]:
    record(f"cond_{name}", lambda a, p=p: torch.linalg.matrix_norm(a, p) * torch.linalg.matrix_norm(torch.linalg.inv(a), p), [A])
    out[f"cond_{name}.cond"] = torch.linalg.cond(A, p)
record("cond_wide", lambda a: torch.linalg.cond(a), [torch.randn(3, 5)])

record("vecdot", lambda a, b: torch.linalg.vecdot(a, b), [torch.randn(2, 3, 4), torch.randn(3, 4)])
record("vecdot_dim0", lambda a, b: torch.linalg.vecdot(a, b, dim=0), [torch.randn(4, 2), torch.randn(4, 1)])
record("vander", lambda a: torch.linalg.vander(a), [torch.randn(2, 3)])
record("vander_n5", lambda a: torch.linalg.vander(a, N=5), [torch.randn(4)])

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_linalg_norms.npz"
np.savez(path, **{k: np.ascontiguousarray(v.numpy()).reshape(tuple(v.shape)) for k, v in out.items()})  # 0-d stays 0-d
print(f"wrote {len(out)} arrays to {path}")
