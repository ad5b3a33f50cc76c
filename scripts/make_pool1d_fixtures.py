#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_pool1d.npz: PyTorch 1.13's adaptive_avg_pool1d and
adaptive_max_pool1d (with indices) in float64, uneven and overlapping windows, a 2-D input
and global pooling, with the gradient of sum(y * gy). Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_pool1d_fixtures.py
Keys: <case>.in0, <case>.y, <case>.gy, <case>.g0, and <case>.i for max's indices.
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def case(name, fn, x):
    xi = x.clone().requires_grad_(True)
    r = fn(xi)
    y, i = (r[0], r[1]) if isinstance(r, tuple) else (r, None)
    gy = torch.randn_like(y)
    (g,) = torch.autograd.grad((y * gy).sum(), [xi])
    out[f"{name}.in0"], out[f"{name}.y"], out[f"{name}.gy"], out[f"{name}.g0"] = x, y.detach(), gy, g
    if i is not None:
        out[f"{name}.i"] = i


x = torch.randn(2, 3, 11)
for size in (1, 4, 7, 11, 15):
    case(f"avg{size}", lambda t: F.adaptive_avg_pool1d(t, size), x)
    case(f"max{size}", lambda t: F.adaptive_max_pool1d(t, size, return_indices=True), x)
case("avg_2d", lambda t: F.adaptive_avg_pool1d(t, 3), torch.randn(4, 9))
case("max_2d", lambda t: F.adaptive_max_pool1d(t, 5, return_indices=True), torch.randn(4, 9))
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_pool1d.npz"
np.savez_compressed(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
