#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_take_put_mode.npz: PyTorch 1.13's take, put (with and
without accumulate, indices counting from the end) and mode (values, indices: ties between
values and repeated values, every axis, int64) in float64, with the gradients of
sum(y * gy) for every float input. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_take_put_mode_fixtures.py
Keys: <case>.in<i>, <case>.index, <case>.y, <case>.gy, <case>.g<i>; mode: <case>.indices.
"""
import pathlib

import numpy as np
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def record(name, fn, ins, index=None):
    ins = [x.clone().requires_grad_(True) for x in ins]
    y = fn(*ins)
    if isinstance(y, tuple):
        y, out[f"{name}.indices"] = y[0], y[1]
    gy = torch.randn_like(y)
    grads = torch.autograd.grad((y * gy).sum(), ins, allow_unused=True)
    out[f"{name}.y"], out[f"{name}.gy"] = y.detach(), gy
    if index is not None:
        out[f"{name}.index"] = index
    for i, (x, g) in enumerate(zip(ins, grads)):
        out[f"{name}.in{i}"], out[f"{name}.g{i}"] = x.detach(), torch.zeros_like(x) if g is None else g


x = torch.randn(3, 4, 2)
index = torch.tensor([[0, -1, 5], [23, -24, 5]])  # repeats, both ends
record("take", lambda x: torch.take(x, index), [x], index)
source = torch.randn(2, 3)
put_index = torch.tensor([[1, -1, 7], [22, 1, 0]])  # 1 twice: both add (accumulate only: PyTorch leaves the winner open)
record("put", lambda x, s: x.put(torch.tensor([[2, -1, 7], [22, 1, 0]]), s), [x, source],
       torch.tensor([[2, -1, 7], [22, 1, 0]]))
record("put_accumulate", lambda x, s: x.put(put_index, s, accumulate=True), [x, source], put_index)

# mode: small integers as floats, so values repeat; ties of frequency between values.
m = torch.randint(0, 4, (3, 5, 6)).double()
m[0, 0, :] = torch.tensor([2.0, 1.0, 1.0, 2.0, 3.0, 0.0])  # 1 and 2 twice each: 1, last at 2
for d in (0, 1, -1):
    record(f"mode_dim{d % 3}", lambda t: torch.mode(t, d), [m])
record("mode_keepdim", lambda t: torch.mode(t, 1, keepdim=True), [m])
i64 = torch.randint(-3, 3, (4, 7))
v, i = torch.mode(i64, 1)
out["mode_int64.in0"], out["mode_int64.y"], out["mode_int64.indices"] = i64, v, i

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_take_put_mode.npz"
np.savez_compressed(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
