#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_bce.npz: PyTorch 1.13's binary_cross_entropy with a
weight and every reduction, and binary_cross_entropy_with_logits with weight and pos_weight,
in float64: the loss and the gradient of sum(loss * gy) with respect to the input (and, for
the logits form, the target). Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_bce_fixtures.py
Keys: <case>.in0 (the input), .in1 (the target, where its gradient is recorded), .t, .w,
.pw (constants), .y, .gy, .g0, .g1. Mirrored in tests/nn/test_bce_weights.cpp.
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def record(name, inputs, f, consts):
    inputs = [t.detach().clone().requires_grad_(True) for t in inputs]
    y = f(*inputs)
    gy = torch.randn_like(y)
    grads = torch.autograd.grad((y * gy).sum(), inputs)
    for i, (t, g) in enumerate(zip(inputs, grads)):
        out[f"{name}.in{i}"] = t.detach()
        out[f"{name}.g{i}"] = g
    out.update({f"{name}.y": y.detach(), f"{name}.gy": gy})
    out.update({f"{name}.{k}": v for k, v in consts.items()})


p = torch.sigmoid(torch.randn(4, 3) * 2)
t = (torch.rand(4, 3) > 0.5).double()
w = torch.tensor([0.5, 1.0, 2.0])
for red in ("mean", "sum", "none"):
    record(f"bce_{red}", [p], lambda p: F.binary_cross_entropy(p, t, weight=w, reduction=red), {"t": t, "w": w})
soft = torch.rand(4, 3)
record("bce_soft_none", [p], lambda p: F.binary_cross_entropy(p, soft, reduction="none"), {"t": soft})

x = torch.randn(5, 4) * 3
x[0, 0], x[1, 1] = 40.0, -40.0  # stable far out
t = (torch.rand(5, 4) > 0.5).double()
pw = torch.tensor([0.5, 1.0, 2.0, 3.0])
w = torch.rand(5, 1) + 0.5
for red in ("mean", "sum", "none"):
    record(f"logits_{red}", [x, t], lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw, reduction=red),
           {"w": w, "pw": pw})
record("logits_pos_only", [x, t], lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=pw), {"pw": pw})
record("logits_weight_sum", [x, t], lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight=w, reduction="sum"), {"w": w})

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_bce.npz"
np.savez(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {len(out)} arrays to {path}")
