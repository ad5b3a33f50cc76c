#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_bitwise.npz: PyTorch 1.13's bitwise operations on int64
tensors (torch.bitwise_and, bitwise_or, bitwise_xor, bitwise_not, bitwise_left_shift,
bitwise_right_shift) over every sign pair, magnitudes up to 2^62 and INT64_MIN, broadcasting,
and shift counts 0 to 63. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_bitwise_fixtures.py
Keys: <case>.a, <case>.b, <case>.and, <case>.or, <case>.xor, <case>.not (of a); shift cases
<case>.a, <case>.b, <case>.left, <case>.right. (Counts outside [0, 63] are left out: PyTorch
1.13's CPU takes them mod 64, which PyTorch 2 replaced by 0 and the sign; xgrad follows
PyTorch 2 and tests that by itself.)
"""
import pathlib

import numpy as np
import torch

torch.manual_seed(0)
out = {}


def logic(name, a, b):
    out[f"{name}.a"], out[f"{name}.b"] = a, b
    out[f"{name}.and"] = torch.bitwise_and(a, b)
    out[f"{name}.or"] = torch.bitwise_or(a, b)
    out[f"{name}.xor"] = torch.bitwise_xor(a, b)
    out[f"{name}.not"] = torch.bitwise_not(a)


def shifts(name, a, b):
    out[f"{name}.a"], out[f"{name}.b"] = a, b
    out[f"{name}.left"] = torch.bitwise_left_shift(a, b)
    out[f"{name}.right"] = torch.bitwise_right_shift(a, b)


int64_min, int64_max = -(2**63), 2**63 - 1
logic("signs", torch.tensor([12, -12, 12, -12, 0, -1, int64_min, int64_max, int64_min, 5]),
      torch.tensor([10, 10, -10, -10, -1, -1, -1, int64_min, int64_max, 0]))
logic("large", torch.randint(-(2**62), 2**62, (64,)), torch.randint(-(2**62), 2**62, (64,)))
logic("broadcast", torch.randint(-100, 100, (4, 1, 3)), torch.randint(-100, 100, (5, 1)))
counts = torch.arange(0, 64)
shifts("counts", torch.tensor([1, -1, 5, -5, 2**62, int64_min, int64_max, -(2**40)]).repeat_interleave(64),
       counts.repeat(8))
shifts("broadcast_shift", torch.randint(-(2**40), 2**40, (3, 1)), torch.randint(0, 63, (4,)))

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_bitwise.npz"
np.savez(path, **{k: np.ascontiguousarray(v.numpy()).reshape(tuple(v.shape)) for k, v in out.items()})
print(f"wrote {len(out)} arrays to {path}")
