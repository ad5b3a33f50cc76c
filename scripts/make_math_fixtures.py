#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_math_ops.npz: PyTorch 1.13's rounding, trigonometric,
hyperbolic and logarithmic functions, atan2, fmod, remainder, lerp, nan_to_num, prod, cumprod,
amax, amin, index_add, scatter_add, masked_select, div's rounding modes, logaddexp, logaddexp2,
hypot and xlogy in float64 with the
gradients of sum(y * gy), and linspace / logspace values.
Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_math_fixtures.py
Case <name> (mirrored in tests/autograd/test_math_ops.cpp, in this order) stores
<name>.in<i>, <name>.y, <name>.gy and <name>.g<i>; space<k> holds a linspace or logspace.
"""
import math
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def record(name, fn, ins):
    ins = [x.detach().clone().requires_grad_(True) for x in ins]
    y = fn(*ins)
    gy = torch.randn_like(y)
    grads = torch.autograd.grad((y * gy).sum(), ins, allow_unused=True)
    for i, (x, g) in enumerate(zip(ins, grads)):
        out[f"{name}.in{i}"] = x.detach()
        out[f"{name}.g{i}"] = torch.zeros_like(x) if g is None else g
    out[f"{name}.y"], out[f"{name}.gy"] = y.detach(), gy


def between(lo, hi, *shape):
    return torch.rand(*shape) * (hi - lo) + lo


wide = torch.randn(3, 4) * 3
record("floor", torch.floor, [wide])
record("ceil", torch.ceil, [wide])
record("round", torch.round, [torch.tensor([[0.5, 1.5, 2.5, -0.5], [-1.5, 2.4999, -2.5001, 3.0]])])
record("round_decimals", lambda x: torch.round(x, decimals=2), [wide])
record("round_negative_decimals", lambda x: torch.round(x * 1000, decimals=-2), [wide])
record("trunc", torch.trunc, [wide])
record("frac", torch.frac, [wide])
record("sign", torch.sign, [torch.tensor([[-2.0, 0.0, 3.0], [0.5, -0.0, -1e-300]])])
record("tan", torch.tan, [between(-1.2, 1.2, 3, 4)])
record("asin", torch.asin, [between(-0.9, 0.9, 3, 4)])
record("acos", torch.acos, [between(-0.9, 0.9, 3, 4)])
record("atan", torch.atan, [wide])
record("sinh", torch.sinh, [between(-2, 2, 3, 4)])
record("cosh", torch.cosh, [between(-2, 2, 3, 4)])
record("asinh", torch.asinh, [wide])
record("acosh", torch.acosh, [between(1.1, 3, 3, 4)])
record("atanh", torch.atanh, [between(-0.9, 0.9, 3, 4)])
record("log2", torch.log2, [between(0.1, 5, 3, 4)])
record("log10", torch.log10, [between(0.1, 5, 3, 4)])
record("exp2", torch.exp2, [between(-3, 3, 3, 4)])
record("atan2", torch.atan2, [torch.randn(3, 4), torch.randn(4)])
away = between(0.5, 2, 4) * torch.tensor([1.0, -1.0, 1.0, -1.0])
record("fmod", torch.fmod, [wide, away])
record("remainder", torch.remainder, [wide, away])
record("fmod_scalar", lambda x: torch.fmod(x, 1.5), [wide])
record("remainder_scalar", lambda x: torch.remainder(x, -1.5), [wide])
record("lerp", torch.lerp, [torch.randn(3, 4), torch.randn(3, 1), torch.rand(4)])
record("lerp_scalar", lambda a, b: torch.lerp(a, b, 0.3), [torch.randn(3, 4), torch.randn(4)])
special = torch.randn(2, 4)
special[0, 1], special[1, 0], special[1, 3] = math.nan, math.inf, -math.inf
record("nan_to_num", torch.nan_to_num, [special])
record("nan_to_num_given", lambda x: torch.nan_to_num(x, nan=1.5, posinf=9.0, neginf=-9.0), [special])
record("prod_all", torch.prod, [between(0.5, 1.5, 3, 4)])
record("prod_dim", lambda x: torch.prod(x, 1, keepdim=True), [torch.randn(3, 4, 2)])
zeros = torch.randn(4, 5)
zeros[0, 2] = 0
zeros[1, 1] = zeros[1, 3] = 0
zeros[2, 0] = 0
zeros[3, 4] = 0
record("prod_zeros", lambda x: torch.prod(x, 1), [zeros])
record("cumprod", lambda x: torch.cumprod(x, 0), [torch.randn(4, 3)])
record("cumprod_zeros", lambda x: torch.cumprod(x, 1), [zeros])
record("cumprod_middle", lambda x: torch.cumprod(x, 1), [torch.randn(2, 3, 2)])
record("amax", lambda x: torch.amax(x, (0, 2)), [torch.randn(3, 4, 2)])
record("amin", lambda x: torch.amin(x, 1, keepdim=True), [torch.randn(3, 4)])
record("index_add", lambda x, s: x.index_add(1, torch.tensor([2, 0, 2]), s, alpha=0.5), [torch.randn(2, 4, 3), torch.randn(2, 3, 3)])
record("scatter_add", lambda x, s: x.scatter_add(0, torch.tensor([[1, 0, 2], [1, 1, 0]]), s), [torch.randn(3, 4), torch.randn(2, 3)])
record("masked_select", lambda x: torch.masked_select(x, torch.tensor([[True], [False], [True]])), [torch.randn(3, 4)])
quotients = torch.tensor([[1.0, -7.5, 7.5, 5.0], [-5.0, 0.3, 2.0, -2.5]])
record("div_trunc", lambda a, b: torch.div(a, b, rounding_mode="trunc"), [quotients, torch.tensor([0.1, 2.0, -2.0, 0.7])])
record("div_floor", lambda a, b: torch.div(a, b, rounding_mode="floor"), [quotients, torch.tensor([0.1, 2.0, -2.0, 0.7])])
# floor_divide is div(rounding_mode="floor"); PyTorch 1.13 has no derivative for floor_divide itself
record("floor_divide", lambda a, b: torch.div(a, b, rounding_mode="floor"), [torch.randn(3, 4) * 5, torch.randn(4)])
# libtorch's indexing: x.index({...}) and index_put_ (Python's x[...] and x[...] = v).
record("index_a", lambda x: x[1:, 0], [torch.randn(3, 4, 2)])
record("index_b", lambda x: x[..., None, ::2], [torch.randn(2, 3, 5)])
record("index_c", lambda x: x[torch.tensor([[2, 0], [1, 1]]), 1:3], [torch.randn(3, 4)])
record("index_d", lambda x: x[-1, :, torch.tensor([0, 0, 3])], [torch.randn(2, 3, 4)])
record("index_e", lambda x: x[None, 1, -3:-1], [torch.randn(3, 5)])
with torch.no_grad():
    base = torch.randn(3, 4)
    out["put.in0"] = base.clone()
    put = base.clone()
    put[1:, 0] = torch.tensor([5.0, 6.0])
    out["put.y"] = put
    put = base.clone()
    put[..., torch.tensor([1, 3, 1])] = 2.5
    out["put_scalar.y"] = put
    put = base.clone()
    put.index_put_((torch.tensor([0, 2, 0]),), torch.ones(3, 4), accumulate=True)
    out["put_accumulate.y"] = put
record("pad_sequence", lambda a, b, c: torch.nn.utils.rnn.pad_sequence([a, b, c], batch_first=True, padding_value=-1.0),
       [torch.randn(3, 2), torch.randn(1, 2), torch.randn(4, 2)])
record("pad_sequence_time", lambda a, b: torch.nn.utils.rnn.pad_sequence([a, b]), [torch.randn(2), torch.randn(5)])
record("cdist_exact", lambda a, b: torch.cdist(a, b, p=3), [torch.randn(2, 4, 3), torch.randn(1, 5, 3)])
record("cdist_mm", lambda a, b: torch.cdist(a, b), [torch.randn(30, 4), torch.randn(6, 4)])
record("cdist_p2_small", lambda a, b: torch.cdist(a, b), [torch.randn(3, 4), torch.randn(6, 4)])
record("softplus_beta", lambda x: F.softplus(x, beta=2.0, threshold=3.0), [torch.randn(3, 4) * 3])
record("softplus_negative_beta", lambda x: F.softplus(x, beta=-0.5, threshold=1.0), [torch.randn(3, 4) * 3])
record("softplus_default", lambda x: F.softplus(x), [torch.tensor([-30.0, -1.0, 0.5, 19.5, 20.5, 40.0])])
# Two-operand log-sum-exp, hypot and xlogy (broadcasting; operands far apart, zeros, x = 0).
record("logaddexp", torch.logaddexp, [torch.randn(3, 4) * 4, torch.randn(4) * 4])
record("logaddexp_far", torch.logaddexp, [torch.tensor([[-1000.0, 30.0, 0.5], [2.0, -2.0, 800.0]]), torch.tensor([0.0, -40.0, 0.5])])
record("logaddexp2", torch.logaddexp2, [torch.randn(3, 4) * 4, torch.randn(3, 1) * 4])
record("hypot", torch.hypot, [torch.randn(3, 4), torch.randn(4)])
record("hypot_large", torch.hypot, [torch.tensor([1e200, -3e-200, 3.0]), torch.tensor([1e200, 4e-200, -4.0])])
record("xlogy", torch.xlogy, [torch.tensor([[0.0, 1.5, -2.0, 0.0], [3.0, 0.0, 0.7, 2.0]]), between(0.1, 3, 2, 4)])
record("xlogy_scalar_x", lambda y: torch.xlogy(2.0, y), [between(0.1, 3, 5)])
SPACES = [
    lambda: torch.linspace(-1, 2, 7),
    lambda: torch.linspace(0.1, 1, 10, dtype=torch.float32),
    lambda: torch.linspace(3, -2, 6),
    lambda: torch.linspace(-2.7, 10.3, 9, dtype=torch.int64),
    lambda: torch.logspace(-2, 3, 8),
    lambda: torch.logspace(0, 1, 5, base=2, dtype=torch.float32),
    lambda: torch.linspace(5, 5, 1),
]
for k, make in enumerate(SPACES):
    out[f"space{k}"] = make()

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_math_ops.npz"
np.savez_compressed(path, **{k: np.array(v.numpy(), order="C") for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
