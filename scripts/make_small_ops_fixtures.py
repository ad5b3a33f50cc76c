#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_small_ops.npz: PyTorch 1.13's diag (both directions,
offsets), mv, inner (matrices, a scalar), vdot, ger, deg2rad, rad2deg in float64, with the
gradients of sum(y * gy) for every input. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_small_ops_fixtures.py
Keys: <case>.in<i>, <case>.y, <case>.gy, <case>.g<i>.
"""
import pathlib

import numpy as np
import torch

from fixture_cases import recorder

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}
record = recorder(out)


v, m = torch.randn(4), torch.randn(3, 5)
record("diag_vector", lambda v: torch.diag(v), [v])
record("diag_vector_above", lambda v: torch.diag(v, 2), [v])
record("diag_vector_below", lambda v: torch.diag(v, -1), [v])
record("diag_matrix", lambda m: torch.diag(m), [m])
record("diag_matrix_above", lambda m: torch.diag(m, 3), [m])
record("diag_matrix_below", lambda m: torch.diag(m, -2), [m])
record("mv", torch.mv, [torch.randn(3, 5), torch.randn(5)])
record("inner", torch.inner, [torch.randn(2, 3, 4), torch.randn(5, 4)])
record("inner_scalar", torch.inner, [torch.tensor(1.5), torch.randn(2, 3)])
record("vdot", torch.vdot, [torch.randn(6), torch.randn(6)])
record("ger", torch.ger, [torch.randn(3), torch.randn(4)])
record("deg2rad", torch.deg2rad, [torch.randn(7) * 200])
record("rad2deg", torch.rad2deg, [torch.randn(7) * 4])
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_small_ops.npz"
np.savez_compressed(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
