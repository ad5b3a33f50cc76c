#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_unbatched.npz: PyTorch 1.13's convolutions and pools of
unbatched inputs, (C, H, W) and (C, L), in float64: the output, the max pools' indices, and
the gradient of sum(y * gy) for a fixed random gy with respect to every input. Run with
Debian's python3-torch:
    /usr/bin/python3 scripts/make_unbatched_fixtures.py
Keys: <case>.in0 (x), .in1 (the weight), .in2 (the bias), .y, .idx, .gy, .g0, .g1, .g2;
mirrored in tests/nn/test_unbatched.cpp.
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def record(name, inputs, f):
    inputs = [t.detach().clone().requires_grad_(True) for t in inputs]
    y = f(*inputs)
    if isinstance(y, tuple):
        y, idx = y
        out[f"{name}.idx"] = idx
    gy = torch.randn_like(y)
    grads = torch.autograd.grad((y * gy).sum(), inputs)
    for i, (t, g) in enumerate(zip(inputs, grads)):
        out[f"{name}.in{i}"] = t.detach()
        out[f"{name}.g{i}"] = g
    out.update({f"{name}.y": y.detach(), f"{name}.gy": gy})


r = torch.randn
record("conv2d", [r(4, 7, 6), r(6, 2, 3, 2), r(6)], lambda x, w, b: F.conv2d(x, w, b, (2, 1), 1, (1, 2), groups=2))
record("conv_transpose2d", [r(4, 5, 4), r(4, 3, 2, 3), r(3)], lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1))
record("max_pool2d", [r(3, 7, 6)], lambda x: F.max_pool2d(x, 3, 2, 1, return_indices=True))
record("avg_pool2d", [r(3, 7, 6)], lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False))
record("adaptive_avg_pool2d", [r(3, 7, 6)], lambda x: F.adaptive_avg_pool2d(x, (3, 4)))
record("adaptive_max_pool2d", [r(3, 7, 6)], lambda x: F.adaptive_max_pool2d(x, (3, 4), return_indices=True))
record("lp_pool2d", [torch.rand(3, 6, 6) + 0.1], lambda x: F.lp_pool2d(x, 2, 3, 2))
record("conv1d", [r(4, 9), r(6, 2, 3), r(6)], lambda x, w, b: F.conv1d(x, w, b, 2, 1, 1, groups=2))
record("conv_transpose1d", [r(4, 6), r(4, 3, 3), r(3)], lambda x, w, b: F.conv_transpose1d(x, w, b, 2, 1, 1))
record("max_pool1d", [r(3, 9)], lambda x: F.max_pool1d(x, 3, 2, 1, return_indices=True))
record("avg_pool1d", [r(3, 9)], lambda x: F.avg_pool1d(x, 3, 2, 1))
record("lp_pool1d", [r(3, 9)], lambda x: F.lp_pool1d(x, 2, 3, 2))
# The modules, padding modes included.
torch.manual_seed(1)
conv = torch.nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")
record("Conv2d_reflect", [r(3, 5, 6), conv.weight, conv.bias],
       lambda x, w, b: F.conv2d(F.pad(x.unsqueeze(0), (1, 1, 1, 1), mode="reflect").squeeze(0), w, b))

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_unbatched.npz"
np.savez(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {len(out)} arrays to {path}")
