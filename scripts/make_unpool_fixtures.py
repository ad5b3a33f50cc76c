#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_unpool.npz: PyTorch 1.13's lp_pool1d/2d and max_pool1d/2d/3d with
return_indices and max_unpool1d/2d/3d in float64: the pooled values, their indices, the
unpooled tensor and the gradient with respect to x of sum(unpool(pool(x)) * gy) for a fixed
random gy. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_unpool_fixtures.py
Keys: <case>.x, .values, .indices, .unpooled, .gy, .gx; mirrored in tests/nn/test_unpool.cpp.
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def record(name, x, pool, unpool):
    x = x.detach().clone().requires_grad_(True)
    values, indices = pool(x)
    y = unpool(values, indices)
    gy = torch.randn_like(y)
    (gx,) = torch.autograd.grad((y * gy).sum(), [x])
    out.update({f"{name}.x": x.detach(), f"{name}.values": values.detach(), f"{name}.indices": indices,
                f"{name}.unpooled": y.detach(), f"{name}.gy": gy, f"{name}.gx": gx})


record("pool1d", torch.randn(2, 3, 9), lambda x: F.max_pool1d(x, 2, return_indices=True),
       lambda v, i: F.max_unpool1d(v, i, 2, output_size=(9,)))
record("pool2d", torch.randn(2, 3, 7, 8), lambda x: F.max_pool2d(x, 3, 2, 1, return_indices=True),
       lambda v, i: F.max_unpool2d(v, i, 3, 2, 1, output_size=(7, 8)))
# Dilated windows: their positions (no unpooling: its output could not hold them).
record("pool2d_dilated", torch.randn(1, 2, 8, 9), lambda x: F.max_pool2d(x, 2, 2, 1, dilation=(2, 1), return_indices=True),
       lambda v, i: v)
record("pool3d_dilated", torch.randn(1, 2, 5, 6, 7),
       lambda x: F.max_pool3d(x, 3, (2, 1, 2), 1, dilation=(1, 2, 2), return_indices=True), lambda v, i: v)
record("pool3d", torch.randn(1, 2, 4, 6, 5), lambda x: F.max_pool3d(x, 2, return_indices=True),
       lambda v, i: F.max_unpool3d(v, i, 2, output_size=(4, 6, 5)))
record("pool3d_padded", torch.randn(2, 2, 5, 6, 7),
       lambda x: F.max_pool3d(x, 3, (2, 1, 2), 1, return_indices=True),
       lambda v, i: F.max_unpool3d(v, i, 3, (2, 1, 2), 1, output_size=(5, 6, 7)))
record("pool2d_unbatched", torch.randn(3, 6, 6), lambda x: F.max_pool2d(x, 2, return_indices=True),
       lambda v, i: F.max_unpool2d(v, i, 2))

# Power-average pooling (appended: the draws above stay): <case>.x, .y, .gy, .gx.
for name, x, f in (("lp1d", torch.randn(2, 3, 9), lambda x: F.lp_pool1d(x, 2, 3, stride=2)),
                   ("lp2d", torch.rand(2, 3, 6, 7) + 0.1, lambda x: F.lp_pool2d(x, 1.5, (2, 3))),
                   ("lp2d_p3", torch.randn(1, 2, 5, 5), lambda x: F.lp_pool2d(x, 3, 2, stride=1))):
    x = x.requires_grad_(True)
    y = f(x)
    gy = torch.randn_like(y)
    (gx,) = torch.autograd.grad((y * gy).sum(), [x])
    out.update({f"{name}.x": x.detach(), f"{name}.y": y.detach(), f"{name}.gy": gy, f"{name}.gx": gx})

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_unpool.npz"
np.savez(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {len(out)} arrays to {path}")
