#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_embedding_bag.npz: PyTorch 1.13's F.embedding_bag in
float64 (sum, mean, max; offsets with an empty bag, include_last_offset, per_sample_weights,
a 2-D input, padding_idx), values and the gradients of sum(y * gy) for the weight (g0) and the
per-sample weights (g1). Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_embedding_bag_fixtures.py
Keys: <case>.in0 (weight), <case>.in1 (per_sample_weights, if any), <case>.idx, <case>.off
(if any), <case>.y, <case>.gy, <case>.g0, <case>.g1.
PyTorch 1.13 corrupts its heap (an abort at a later allocation) on mode='mean' with a
padding_idx, and with include_last_offset when the closing offset is short of the input's
length: the first is tested by hand, the second is an error in xgrad.
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}
weight = torch.randn(10, 3)
idx = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9])


def case(name, idx, off=None, psw=None, **kw):
    w = weight.clone().requires_grad_(True)
    ins = [w]
    if psw is not None:
        ins.append(psw.clone().requires_grad_(True))
    y = F.embedding_bag(idx, w, off, per_sample_weights=ins[1] if psw is not None else None, **kw)
    gy = torch.randn_like(y)
    grads = torch.autograd.grad((y * gy).sum(), ins)
    out[f"{name}.idx"], out[f"{name}.y"], out[f"{name}.gy"] = idx, y.detach(), gy
    if off is not None:
        out[f"{name}.off"] = off
    for i, (x, g) in enumerate(zip(ins, grads)):
        out[f"{name}.in{i}"], out[f"{name}.g{i}"] = x.detach(), g


off = torch.tensor([0, 4, 4])  # the middle bag is empty
for mode in ("sum", "mean", "max"):
    case(mode, idx, off, mode=mode)
    case(f"{mode}_2d", idx.reshape(2, 4), mode=mode)
case("last_offset", idx, torch.tensor([0, 4, 8]), mode="sum", include_last_offset=True)
case("last_offset_max", idx, torch.tensor([0, 3, 8]), mode="max", include_last_offset=True)
case("weights", idx, off, psw=torch.randn(8), mode="sum")
case("padding_sum", idx, off, mode="sum", padding_idx=4)
case("padding_max", idx, off, mode="max", padding_idx=2)
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_embedding_bag.npz"
np.savez_compressed(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
