#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_layers_more.npz: PyTorch 1.13's conv_transpose1d,
local_response_norm, channel_shuffle, Softmax2d, rrelu (eval), multi_margin_loss and
multilabel_margin_loss in float64, with the gradients of sum(y * gy) for a fixed random gy.
Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_layer_fixtures.py
Keys: <case>.in<i>, <case>.y, <case>.gy, <case>.g<i> (for float inputs), mirrored in
tests/nn/test_channel_layers.cpp.
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


record("conv_transpose1d", lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
       [torch.randn(2, 4, 5), torch.randn(4, 3, 3), torch.randn(3)])
record("conv_transpose1d_groups", lambda x, w: F.conv_transpose1d(x, w, groups=2, dilation=2),
       [torch.randn(2, 4, 6), torch.randn(4, 3, 2)])
record("lrn3", lambda x: F.local_response_norm(x, 3, alpha=0.5, beta=0.75, k=1.5), [torch.randn(2, 6, 5)])
record("lrn4", lambda x: F.local_response_norm(x, 4, alpha=1e-2, beta=0.6, k=2.0), [torch.randn(2, 5, 3, 4)])
# PyTorch 1.13's channel_shuffle has no derivative: its values, and the gradient of the same
# permutation written as reshape / transpose (what xgrad's is).
shuffle_in = torch.randn(2, 6, 2, 3)
record("channel_shuffle", lambda x: x.reshape(2, 3, 2, 2, 3).transpose(1, 2).reshape(2, 6, 2, 3), [shuffle_in])
out["channel_shuffle.torch"] = F.channel_shuffle(shuffle_in, 3)
record("softmax2d", lambda x: torch.nn.Softmax2d()(x), [torch.randn(2, 3, 2, 2)])
record("rrelu_eval", lambda x: F.rrelu(x, 0.1, 0.3, training=False), [torch.randn(3, 4)])
labels = torch.tensor([2, 0, 4])
record("multi_margin", lambda x, y: F.multi_margin_loss(x, y, reduction="none"), [torch.randn(3, 5), labels])
record("multi_margin_p2", lambda x, y: F.multi_margin_loss(x, y, p=2, margin=0.7, weight=torch.tensor(
    [0.5, 1.0, 2.0, 1.5, 0.25])), [torch.randn(3, 5), labels])
record("multilabel_margin", lambda x, y: F.multilabel_margin_loss(x, y, reduction="none"),
       [torch.randn(3, 4), torch.tensor([[3, 0, -1, 1], [1, 1, 2, -1], [0, 1, 2, 3]])])
record("multilabel_margin_1d", lambda x, y: F.multilabel_margin_loss(x, y, reduction="sum"),
       [torch.randn(4), torch.tensor([2, -1, 0, 0])])

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_layers_more.npz"
np.savez(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {len(out)} arrays to {path}")
