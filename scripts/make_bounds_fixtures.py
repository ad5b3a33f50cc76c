#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_bounds.npz: PyTorch 1.13's clamp with tensor bounds,
clamp_min / clamp_max with a tensor, fmax and fmin in float64, with ties and crossed bounds,
and the gradients of sum(y * gy) for every input. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_bounds_fixtures.py
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


x = torch.randn(4, 5)
lo = torch.randn(5) - 0.5
hi = torch.randn(4, 1) + 0.5
hi[3, 0] = -3.0  # row 3: hi < lo everywhere (crossed bounds give hi)
x[0, 0], x[1, 1] = lo[0], hi[1, 0]  # ties with each bound
lo2, hi2 = lo.clone(), lo.clone().expand(4, 5).clone()
hi2[2] += 0.5  # lo = hi on rows 0, 1, 3: no gradient outside
record("clamp", lambda x, lo, hi: torch.clamp(x, lo, hi), [x, lo, hi])
record("clamp_equal", lambda x, lo, hi: torch.clamp(x, lo, hi), [x, lo2, hi2])
record("clamp_min", lambda x, lo: torch.clamp_min(x, lo), [x, lo])
record("clamp_max", lambda x, hi: torch.clamp_max(x, hi), [x, hi])
a, b = torch.randn(3, 4), torch.randn(4)
a[0, 0] = b[0]  # a tie: the gradient goes to a
record("fmax", torch.fmax, [a, b])
record("fmin", torch.fmin, [a, b])
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_bounds.npz"
np.savez_compressed(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
