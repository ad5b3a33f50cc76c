#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_volume.npz: PyTorch 1.13's conv3d, conv_transpose3d,
max_pool3d, avg_pool3d, adaptive_avg_pool3d, adaptive_max_pool3d and batch_norm over
(N, C, D, H, W) in float64, with the gradients of sum(y * gy) for a fixed random gy.
Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_volume_fixtures.py
Keys: <case>.in<i>, <case>.y, <case>.gy, <case>.g<i> (for float inputs), mirrored in
tests/nn/test_volume.cpp; adaptive_max.indices, bn3d.running_mean, bn3d.running_var.
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def record(name, fn, ins):
    ins = [x.detach().clone().requires_grad_(x.is_floating_point()) for x in ins]
    y = fn(*ins)
    gy = torch.randn_like(y)
    diff = [x for x in ins if x.requires_grad]
    grads = iter(torch.autograd.grad((y * gy).sum(), diff))
    for i, x in enumerate(ins):
        out[f"{name}.in{i}"] = x.detach()
        if x.requires_grad:
            out[f"{name}.g{i}"] = next(grads)
    out[f"{name}.y"], out[f"{name}.gy"] = y.detach(), gy


r = torch.randn
record("conv3d", lambda x, w, b: F.conv3d(x, w, b, stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1)),
       [r(2, 4, 5, 6, 5), r(6, 4, 3, 2, 3), r(6)])
record("conv3d_groups", lambda x, w: F.conv3d(x, w, groups=2, padding=(1, 1, 0), dilation=(2, 1, 1)),
       [r(1, 4, 4, 5, 4), r(6, 2, 2, 3, 2)])
record("conv3d_unbatched", lambda x, w, b: F.conv3d(x, w, b, padding=1), [r(3, 4, 4, 4), r(2, 3, 3, 3, 3), r(2)])
record("conv_transpose3d",
       lambda x, w, b: F.conv_transpose3d(x, w, b, stride=(2, 1, 2), padding=(1, 0, 1), output_padding=(1, 0, 0)),
       [r(2, 4, 3, 4, 3), r(4, 3, 3, 2, 3), r(3)])
record("conv_transpose3d_groups",
       lambda x, w: F.conv_transpose3d(x, w, stride=2, output_padding=(1, 1, 1), groups=2, dilation=(3, 2, 1)),
       [r(1, 4, 3, 3, 3), r(4, 2, 2, 2, 2)])
record("max_pool3d", lambda x: F.max_pool3d(x, (3, 2, 3), stride=(2, 2, 1), padding=1), [r(2, 3, 6, 7, 6)])
record("max_pool3d_dilated", lambda x: F.max_pool3d(x, 2, stride=1, dilation=(2, 1, 2)), [r(1, 2, 5, 4, 5)])
record("max_pool3d_unbatched", lambda x: F.max_pool3d(x, 2), [r(3, 5, 5, 5)])
record("avg_pool3d", lambda x: F.avg_pool3d(x, (3, 2, 3), stride=(2, 1, 2), padding=1), [r(2, 3, 6, 5, 7)])
record("avg_pool3d_exclude", lambda x: F.avg_pool3d(x, (3, 2, 3), stride=(2, 1, 2), padding=1,
                                                     count_include_pad=False), [r(2, 3, 6, 5, 7)])
record("adaptive_avg", lambda x: F.adaptive_avg_pool3d(x, (3, 2, 4)), [r(2, 3, 7, 5, 6)])
record("adaptive_max", lambda x: F.adaptive_max_pool3d(x, (3, 2, 4)), [r(2, 3, 7, 5, 6)])
out["adaptive_max.indices"] = F.adaptive_max_pool3d(out["adaptive_max.in0"], (3, 2, 4), return_indices=True)[1]
record("bn3d_train", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [r(3, 4, 2, 3, 2), r(4), r(4)])
bn = torch.nn.BatchNorm3d(4)
bn(out["bn3d_train.in0"])
out["bn3d.running_mean"], out["bn3d.running_var"] = bn.running_mean.detach(), bn.running_var.detach()

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_volume.npz"
np.savez(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {len(out)} arrays to {path}")
