#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_embedding_lookup.npz: PyTorch 1.13's max_norm, norm_type
and scale_grad_by_freq of F.embedding and F.embedding_bag in float64, values, the table after
the lookup's in-place renormalisation (<case>.after) and the gradient of sum(y * gy) for the
table (g0) and per_sample_weights (g1). Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_embedding_lookup_fixtures.py
Keys: <case>.in0 (the table before), <case>.in1 (per_sample_weights, if any), <case>.idx,
<case>.y, <case>.gy, <case>.g0, <case>.g1, <case>.after.
PyTorch's CPU embedding_bag divides a bag's gradient by the wrong count under
scale_grad_by_freq (pytorch/pytorch#190063, fixed after 1.13), so the bags' references
with scale_grad_by_freq are composed of F.embedding's correct rule and the bag reduction.
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}
table = torch.randn(9, 4) * 1.5  # norms about 3: max_norm 2 renormalises most rows
idx = torch.tensor([[1, 4, 4, 0], [7, 4, 1, 8], [2, 2, 4, 6]])  # repeats: 4 four times, 1 and 2 twice


def case(name, fn, psw=None):
    w = table.clone().requires_grad_(True)
    ins = [w] if psw is None else [w, psw.clone().requires_grad_(True)]
    y = fn(*ins)
    gy = torch.randn_like(y)
    grads = torch.autograd.grad((y * gy).sum(), ins)
    out[f"{name}.idx"], out[f"{name}.y"], out[f"{name}.gy"] = idx, y.detach(), gy
    out[f"{name}.in0"], out[f"{name}.after"] = table, w.detach().clone()
    for i, g in enumerate(grads):
        out[f"{name}.g{i}"] = g
    if psw is not None:
        out[f"{name}.in1"] = psw


case("max_norm", lambda w: F.embedding(idx, w, max_norm=2.0))
case("max_norm_p1", lambda w: F.embedding(idx, w, max_norm=3.0, norm_type=1.0))
case("max_norm_inf", lambda w: F.embedding(idx, w, max_norm=1.0, norm_type=float("inf")))
case("max_norm_pad", lambda w: F.embedding(idx, w, max_norm=2.0, padding_idx=4))
case("freq", lambda w: F.embedding(idx, w, scale_grad_by_freq=True))
case("freq_pad", lambda w: F.embedding(idx, w, scale_grad_by_freq=True, padding_idx=1))
case("freq_max_norm", lambda w: F.embedding(idx, w, max_norm=2.0, scale_grad_by_freq=True))
for mode in ("sum", "mean", "max"):
    case(f"bag_{mode}_max_norm", lambda w: F.embedding_bag(idx, w, mode=mode, max_norm=2.0))


def bag_by_rows(w, mode, psw=None):  # each row of idx a bag, the rows read as F.embedding's
    rows = F.embedding(idx, w, scale_grad_by_freq=True, max_norm=2.5)
    if psw is not None:
        rows = rows * psw.unsqueeze(-1)
    return rows.sum(1) if mode == "sum" else rows.mean(1)


case("bag_sum_freq", lambda w: bag_by_rows(w, "sum"))
case("bag_mean_freq", lambda w: bag_by_rows(w, "mean"))
case("bag_weights_freq", lambda w, p: bag_by_rows(w, "sum", p), psw=torch.randn(3, 4))
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_embedding_lookup.npz"
np.savez_compressed(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
