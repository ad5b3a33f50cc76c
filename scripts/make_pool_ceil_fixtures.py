#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_pool_ceil.npz: PyTorch 1.13's pools with ceil_mode and
divisor_override in float64 (max, average and power-average pooling in 1-D, 2-D and 3-D),
and a table of pooled lengths with and without ceil_mode. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_pool_ceil_fixtures.py
Keys: <case>.in0 (x), .y, .gy (a fixed random upstream gradient), .g0 (the gradient of
sum(y * gy) with respect to x), .idx for the max pools' indices; sizes.args (L, k, s, p, d)
rows and sizes.floor / sizes.ceil (the output length, -1 where PyTorch refuses). Mirrored in
tests/nn/test_pool_ceil.cpp.
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def record(name, x, f):
    x = x.detach().clone().requires_grad_(True)
    y = f(x)
    if isinstance(y, tuple):
        y, idx = y
        out[f"{name}.idx"] = idx
    gy = torch.randn_like(y)
    (gx,) = torch.autograd.grad((y * gy).sum(), [x])
    out.update({f"{name}.in0": x.detach(), f"{name}.y": y.detach(), f"{name}.gy": gy, f"{name}.g0": gx})


record("max1d", torch.randn(2, 3, 10), lambda x: F.max_pool1d(x, 3, 2, 1, ceil_mode=True, return_indices=True))
record("max2d", torch.randn(2, 2, 7, 8), lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True, return_indices=True))
record("max2d_dilated", torch.randn(1, 2, 9, 8),
       lambda x: F.max_pool2d(x, (2, 3), 2, 1, dilation=(2, 1), ceil_mode=True, return_indices=True))
record("max2d_2x2", torch.randn(1, 2, 5, 7), lambda x: F.max_pool2d(x, 2, 2, ceil_mode=True, return_indices=True))
record("max2d_past", torch.randn(1, 1, 2, 2), lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True, return_indices=True))
record("max3d", torch.randn(1, 2, 5, 6, 7), lambda x: F.max_pool3d(x, 3, 2, 1, ceil_mode=True, return_indices=True))
record("avg1d", torch.randn(2, 3, 9), lambda x: F.avg_pool1d(x, 4, 3, 1, ceil_mode=True))
record("avg1d_exclude", torch.randn(2, 3, 9), lambda x: F.avg_pool1d(x, 4, 3, 1, ceil_mode=True, count_include_pad=False))
record("avg2d", torch.randn(2, 2, 7, 8), lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True))
record("avg2d_exclude", torch.randn(2, 2, 7, 8), lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False))
record("avg2d_divisor", torch.randn(1, 2, 6, 7), lambda x: F.avg_pool2d(x, 3, 2, 1, divisor_override=4))
record("avg2d_divisor_ceil", torch.randn(1, 2, 6, 7), lambda x: F.avg_pool2d(x, (2, 3), 2, ceil_mode=True, divisor_override=-3))
record("avg2d_past", torch.randn(1, 1, 2, 2), lambda x: F.avg_pool2d(x, 3, 2, ceil_mode=True))
record("avg3d", torch.randn(1, 2, 5, 6, 7), lambda x: F.avg_pool3d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False))
record("avg3d_divisor", torch.randn(1, 2, 5, 6, 7), lambda x: F.avg_pool3d(x, (2, 3, 2), 2, ceil_mode=True, divisor_override=5))
record("lp1d", torch.randn(2, 3, 9), lambda x: F.lp_pool1d(x, 2, 4, 3, ceil_mode=True))
record("lp2d", torch.rand(1, 2, 7, 8) + 0.1, lambda x: F.lp_pool2d(x, 1.5, 3, 2, ceil_mode=True))
# PyTorch 1.13 has no lp_pool3d: this is the composition of 2.x's F.lp_pool3d, p = 2.
record("lp3d", torch.randn(1, 2, 5, 5, 6),
       lambda x: (lambda s: (torch.sign(s) * F.relu(torch.abs(s))).mul(8).pow(0.5))(F.avg_pool3d(x.pow(2), 2, 2, 0, True)))

args, floor, ceil = [], [], []
for L in range(1, 10):
    for k in range(1, 5):
        for s in range(1, 4):
            for p in range(0, k // 2 + 1):
                for d in (1, 2):
                    args.append([L, k, s, p, d])
                    for table, mode in ((floor, False), (ceil, True)):
                        try:
                            table.append(F.max_pool2d(torch.zeros(1, 1, 1, L), (1, k), (1, s), (0, p), (1, d), mode).shape[-1])
                        except RuntimeError:
                            table.append(-1)
out["sizes.args"] = torch.tensor(args)
out["sizes.floor"] = torch.tensor(floor)
out["sizes.ceil"] = torch.tensor(ceil)

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_pool_ceil.npz"
np.savez(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {len(out)} arrays to {path}")
