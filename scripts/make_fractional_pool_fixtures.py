#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_fractional_pool.npz: PyTorch 1.13's fractional_max_pool2d
and fractional_max_pool3d with fixed _random_samples, for tests/nn/test_fractional_pool.cpp.
Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_fractional_pool_fixtures.py
Keys per case: <case>.x, <case>.samples, <case>.y, <case>.indices, <case>.gy, <case>.gx (the
gradient of sum(y * gy) in x). float64 unless the case's name says float32 (whose windows come
from float32 arithmetic, as PyTorch computes them in the input's dtype).
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(5)
out = {}


def case(name, x, kernel, samples, output_size=None, output_ratio=None):
    x = x.clone().requires_grad_(True)
    pool = F.fractional_max_pool2d if samples.shape[-1] == 2 else F.fractional_max_pool3d
    y, idx = pool(x, kernel, output_size=output_size, output_ratio=output_ratio, return_indices=True,
                  _random_samples=samples)
    gy = torch.randn_like(y)
    (gx,) = torch.autograd.grad((y * gy).sum(), [x])
    for key, v in {"x": x.detach(), "samples": samples, "y": y.detach(), "indices": idx, "gy": gy, "gx": gx}.items():
        out[f"{name}.{key}"] = np.ascontiguousarray(v.numpy()).reshape(tuple(v.shape))


torch.set_default_dtype(torch.float64)
case("size", torch.randn(2, 3, 9, 11), (2, 3), torch.rand(2, 3, 2), output_size=(4, 5))
case("ratio", torch.randn(1, 2, 10, 10), 3, torch.rand(1, 2, 2), output_ratio=(0.5, 0.5))
case("unbatched", torch.randn(3, 7, 8), 2, torch.rand(1, 3, 2), output_size=(3, 7))
case("one", torch.randn(2, 2, 5, 6), (2, 2), torch.rand(2, 2, 2), output_size=1)
# Integers: many ties, each window's first maximum (rows, then columns) wins, as its gradient's target.
case("ties", torch.randint(0, 3, (2, 2, 8, 8)).double(), 3, torch.rand(2, 2, 2), output_size=(4, 3))
nan = torch.randn(1, 2, 6, 6)
nan[0, 1, 2, 3] = float("nan")
case("nan", nan, 2, torch.rand(1, 2, 2), output_size=(3, 3))
case("vol", torch.randn(2, 2, 6, 7, 8), (2, 2, 3), torch.rand(2, 2, 3), output_size=(3, 4, 3))
case("vol_unbatched", torch.randn(2, 5, 5, 9), 2, torch.rand(1, 2, 3), output_ratio=(0.6, 0.5, 0.7))
torch.set_default_dtype(torch.float32)
case("float32", torch.randn(2, 4, 50, 50), 2, torch.rand(2, 4, 2), output_size=(17, 23))
case("vol_float32", torch.randn(1, 3, 20, 30, 25), (3, 2, 2), torch.rand(1, 3, 3), output_size=(7, 13, 11))

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_fractional_pool.npz"
np.savez(path, **out)
print(f"wrote {len(out)} arrays to {path}")
