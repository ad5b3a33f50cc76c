#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_adagrad.npz: PyTorch 1.13's Adagrad with lr_decay,
initial_accumulator_value and weight_decay, six steps in float64 on two parameters (one
skips step 3, so the step counts differ), the loss sum(p^3) / 3 + sum(p * c). Run with
Debian's python3-torch:
    /usr/bin/python3 scripts/make_adagrad_fixtures.py
Keys: p0.in, p1.in, c0, c1, p0.step<k>, p1.step<k> (after step k = 1..6).
"""
import pathlib

import numpy as np
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}
p = [torch.randn(3, 4).requires_grad_(), torch.randn(5).requires_grad_()]
c = [torch.randn(3, 4), torch.randn(5)]
for i in range(2):
    out[f"p{i}.in"], out[f"c{i}"] = p[i].detach().clone(), c[i]
opt = torch.optim.Adagrad(p, lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.3, eps=1e-10)
for k in range(1, 7):
    opt.zero_grad()
    used = p if k != 3 else p[:1]  # p1 has no gradient at step 3: it keeps its own count
    sum(((q ** 3) / 3 + q * ci).sum() for q, ci in zip(used, c)).backward()
    if k == 3:
        p[1].grad = None
    opt.step()
    for i in range(2):
        out[f"p{i}.step{k}"] = p[i].detach().clone()
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_adagrad.npz"
np.savez_compressed(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
