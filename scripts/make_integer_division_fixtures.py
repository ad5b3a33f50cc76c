#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_integer_division.npz: PyTorch 1.13's integer division of
int64 tensors (torch.div with rounding_mode "floor" and "trunc", torch.remainder, torch.fmod)
over every sign pair, divisors of 1 and -1, magnitudes up to 2^62 and INT64_MIN as a dividend,
broadcasting, and an int64 tensor beside a float64 one (promoted). Run with Debian's
python3-torch:
    /usr/bin/python3 scripts/make_integer_division_fixtures.py
Keys: <case>.a, <case>.b, <case>.floor, <case>.trunc, <case>.remainder, <case>.fmod.
(INT64_MIN // -1 is left out: it kills PyTorch 1.13 with SIGFPE; xgrad's answer is tested by itself.)
"""
import pathlib

import numpy as np
import torch

torch.manual_seed(0)
out = {}


def record(name, a, b):
    out[f"{name}.a"], out[f"{name}.b"] = a, b
    out[f"{name}.floor"] = torch.div(a, b, rounding_mode="floor")
    out[f"{name}.trunc"] = torch.div(a, b, rounding_mode="trunc")
    out[f"{name}.remainder"] = torch.remainder(a, b)
    out[f"{name}.fmod"] = torch.fmod(a, b)


def nonzero(t):
    return torch.where(t == 0, torch.ones_like(t), t)


# Every sign pair, exact multiples and not, divisors 1 and -1.
small_a = torch.tensor([7, -7, 7, -7, 6, -6, 0, 0, 5, -5, 5, -5, 1, -1])
small_b = torch.tensor([2, 2, -2, -2, 3, 3, 4, -4, 1, 1, -1, -1, 7, 7])
record("signs", small_a, small_b)
record("random", torch.randint(-1000, 1000, (5, 7)), nonzero(torch.randint(-30, 30, (5, 7))))
big = torch.randint(-(2**62), 2**62, (64,))
record("large", big, nonzero(torch.randint(-(2**40), 2**40, (64,))))
record("large_small_divisor", big, nonzero(torch.randint(-9, 9, (64,))))
int64_min = torch.tensor([-(2**63)] * 6)
record("int64_min", int64_min, torch.tensor([1, 2, -2, 3, 2**62, -(2**63)]))
record("broadcast", torch.randint(-50, 50, (4, 1, 3)), nonzero(torch.randint(-6, 6, (5, 1))))
# An int64 dividend beside a float64 divisor, and the other way round: float64 results.
record("mixed_int_float", torch.randint(-50, 50, (9,)), torch.tensor([2.5, -2.5, 3.0, -0.75, 7.0, 1.0, -1.0, 0.3, 4.0],
                                                                     dtype=torch.float64))
record("mixed_float_int", torch.linspace(-9.5, 9.5, 9, dtype=torch.float64), torch.tensor([2, -2, 3, -3, 4, 5, -5, 1, 7]))

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_integer_division.npz"
np.savez(path, **{k: np.ascontiguousarray(v.numpy()) for k, v in out.items()})
print(f"wrote {len(out)} arrays to {path}")
