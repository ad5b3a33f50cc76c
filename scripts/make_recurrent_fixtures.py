#!/usr/bin/python3
"""Regenerates the recurrent and activation fixtures from PyTorch (Debian's python3-torch):
    /usr/bin/python3 scripts/make_recurrent_fixtures.py

tests/fixtures/torch_recurrent.npz, float64. For each case <c> (a layer or cell built with a
fixed seed): <c>.<parameter> under PyTorch's names, <c>.x, the initial state <c>.h0 (and
<c>.c0), the outputs <c>.y, <c>.h_n (and <c>.c_n), and the gradients of
L = sum(y * gy) + sum(h_n * gh) (+ sum(c_n * gc)) for fixed random gy, gh, gc:
<c>.gy, <c>.gh, <c>.gc (a cell's y is its next h; the LSTM cell's next c is <c>.c_n), <c>.grad.x, <c>.grad.h0, <c>.grad.c0, <c>.grad.<parameter>.

The cases lstm_proj and lstm_proj_stack_bi are LSTMs with proj_size 3 (weight_hr_l<k>).

tests/fixtures/torch_lstm_state.npz: the float32 state_dict of LSTM(3, 5, num_layers=2,
bidirectional=True), as numpy.savez writes it, for xg::load; torch_recurrent.npz holds an
input load.x (7, 2, 3) and PyTorch's float32 output load.y.

tests/fixtures/torch_activations.npz, float64: x and, for gelu, gelu_tanh, silu, elu
(alpha 0.7), log1p, expm1, erf and layer_norm over the last two axes with weight and bias,
the output <f>.y and the gradient <f>.gx of sum(y * gy) (layer_norm also .gw, .gb); group_norm
(its own .x, 3 groups, weight and bias: .gw, .gb) and group_norm_plain (x, 2 groups, no affine);
selu, celu (alpha 0.7), mish, hardswish, hardsigmoid, softsign, normalize (dim 1) and
normalize_p3 (p 3, last axis) on x; and for prelu, cosine_similarity, pairwise_distance(_p3)
smooth_l1_loss (beta 0.5), kl_div_batchmean (a zero in the target) and kl_div_log_target (sum)
the inputs <f>.in0, .in1 and their gradients .g0, .g1; class weights cw (4,) and, for
cross_entropy / nll_loss cases ce_w_* and nll_w, <c>.x, .t (labels as float64), .y, .gy, .gx;
instance_norm cases in.<case>.* (input, affine, running statistics before and after);
hardtanh, relu6, logsigmoid, tanhshrink, softshrink, hardshrink, threshold, glu, softmin as
act.<name>.in0, .y, .gy, .g0.
"""
import pathlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
fixtures = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures"
out = {}


def record(name, module, x, state, run, tags=("h", "c")):
    """Runs `run(module, x, state)` -> (y, [final states]) and stores values and gradients."""
    x = x.clone().requires_grad_(True)
    state = [s.clone().requires_grad_(True) for s in state]
    y, finals = run(module, x, state)
    gy = torch.randn_like(y)
    loss = (y * gy).sum()
    out[f"{name}.gy"] = gy
    for tag, f in zip(tags, finals):
        g = torch.randn_like(f)
        loss = loss + (f * g).sum()
        out[f"{name}.g{tag}"] = g
        out[f"{name}.{tag}_n"] = f.detach()
    params = dict(module.named_parameters())
    inputs = [x] + state + list(params.values())
    grads = torch.autograd.grad(loss, inputs)
    out[f"{name}.x"] = x.detach()
    out[f"{name}.y"] = y.detach()
    for tag, s in zip(("h0", "c0"), state):
        out[f"{name}.{tag}"] = s.detach()
    names = ["x"] + ["h0", "c0"][: len(state)] + list(params.keys())
    for n, g in zip(names, grads):
        out[f"{name}.grad.{n}"] = g
    for n, p in params.items():
        out[f"{name}.{n}"] = p.detach()


def layer(m, x, state):
    if isinstance(m, nn.LSTM):
        y, (h, c) = m(x, tuple(state))
        return y, [h, c]
    y, h = m(x, state[0])
    return y, [h]


def cell(m, x, state):
    if isinstance(m, nn.LSTMCell):
        h, c = m(x, tuple(state))
        return h, [c]  # y is h; c is the extra state
    return m(x, state[0]), []


torch.manual_seed(0)
T, N, I, H = 5, 3, 4, 6
cases = [
    ("rnn_tanh", nn.RNN(I, H, num_layers=2), False),
    ("rnn_relu_bi", nn.RNN(I, H, nonlinearity="relu", bidirectional=True), False),
    ("lstm", nn.LSTM(I, H), False),
    ("lstm_stack_bi", nn.LSTM(I, H, num_layers=2, bidirectional=True), False),
    ("lstm_batch_first_nobias", nn.LSTM(I, H, batch_first=True, bias=False), True),
    ("gru", nn.GRU(I, H), False),
    ("gru_stack_bi", nn.GRU(I, H, num_layers=2, bidirectional=True), False),
]
for name, m, batch_first in cases:
    D = 2 if m.bidirectional else 1
    x = torch.randn(N, T, I) if batch_first else torch.randn(T, N, I)
    state = [torch.randn(m.num_layers * D, N, H) for _ in range(2 if isinstance(m, nn.LSTM) else 1)]
    record(name, m, x, state, layer)

for name, m in (("rnn_cell", nn.RNNCell(I, H)), ("lstm_cell", nn.LSTMCell(I, H)), ("gru_cell", nn.GRUCell(I, H))):
    state = [torch.randn(N, H) for _ in range(2 if isinstance(m, nn.LSTMCell) else 1)]
    record(name, m, torch.randn(N, I), state, cell, tags=("c",))

# LSTMs with projections (proj_size P): h0, h_n and y have P features, c0 and c_n H. Seeded
# apart, so the cases above keep their arrays.
torch.manual_seed(7)
P = 3
for name, m in (("lstm_proj", nn.LSTM(I, H, proj_size=P)),
                ("lstm_proj_stack_bi", nn.LSTM(I, H, num_layers=2, bidirectional=True, proj_size=P))):
    D = 2 if m.bidirectional else 1
    state = [torch.randn(m.num_layers * D, N, P), torch.randn(m.num_layers * D, N, H)]
    record(name, m, torch.randn(T, N, I), state, layer)

# A float32 state_dict for xg::load, and what PyTorch computes with it.
torch.manual_seed(1)
lstm32 = nn.LSTM(3, 5, num_layers=2, bidirectional=True).float()
x32 = torch.randn(7, 2, 3, dtype=torch.float32)
with torch.no_grad():
    y32, _ = lstm32(x32)
out["load.x"], out["load.y"] = x32, y32
np.savez(fixtures / "torch_lstm_state.npz", **{k: v.detach().numpy() for k, v in lstm32.state_dict().items()})

np.savez_compressed(fixtures / "torch_recurrent.npz", **{k: v.detach().numpy() for k, v in out.items()})
print(f"wrote torch_recurrent.npz ({len(out)} arrays) and torch_lstm_state.npz")

# Activations and normalisation.
torch.manual_seed(2)
act = {}
x = torch.randn(3, 4, 5) * 2
act["x"] = x
funcs = {
    "gelu": lambda t: F.gelu(t),
    "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
    "silu": F.silu,
    "elu": lambda t: F.elu(t, alpha=0.7),
    "log1p": lambda t: torch.log1p(t.abs()),  # on |x| so that the domain holds
    "expm1": torch.expm1,
    "erf": torch.erf,
}
for name, f in funcs.items():
    xi = x.clone().requires_grad_(True)
    y = f(xi)
    gy = torch.randn_like(y)
    (gx,) = torch.autograd.grad((y * gy).sum(), [xi])
    act[f"{name}.y"], act[f"{name}.gy"], act[f"{name}.gx"] = y.detach(), gy, gx
xi = x.clone().requires_grad_(True)
w = torch.randn(4, 5, requires_grad=True)
b = torch.randn(4, 5, requires_grad=True)
y = F.layer_norm(xi, (4, 5), w, b, eps=1e-5)
gy = torch.randn_like(y)
gx, gw, gb = torch.autograd.grad((y * gy).sum(), [xi, w, b])
act.update({"layer_norm.w": w.detach(), "layer_norm.b": b.detach(), "layer_norm.y": y.detach(),
            "layer_norm.gy": gy, "layer_norm.gx": gx, "layer_norm.gw": gw, "layer_norm.gb": gb})
# group_norm: (2, 6, 3, 4) in 3 groups with weight and bias, and (3, 4, 5) in 2 groups without.
xg_ = (torch.randn(2, 6, 3, 4) * 3 + 1).requires_grad_(True)
w = torch.randn(6, requires_grad=True)
b = torch.randn(6, requires_grad=True)
y = F.group_norm(xg_, 3, w, b, eps=1e-5)
gy = torch.randn_like(y)
gx, gw, gb = torch.autograd.grad((y * gy).sum(), [xg_, w, b])
act.update({"group_norm.x": xg_.detach(), "group_norm.w": w.detach(), "group_norm.b": b.detach(),
            "group_norm.y": y.detach(), "group_norm.gy": gy, "group_norm.gx": gx, "group_norm.gw": gw,
            "group_norm.gb": gb})
xi = x.clone().requires_grad_(True)
y = F.group_norm(xi, 2, eps=1e-5)
gy = torch.randn_like(y)
(gx,) = torch.autograd.grad((y * gy).sum(), [xi])
act.update({"group_norm_plain.y": y.detach(), "group_norm_plain.gy": gy, "group_norm_plain.gx": gx})
# Further activations on x; PReLU with a weight per channel; distances and smooth L1.
torch.manual_seed(3)
more = {
    "selu": F.selu,
    "celu": lambda t: F.celu(t, alpha=0.7),
    "mish": F.mish,
    "hardswish": F.hardswish,
    "hardsigmoid": F.hardsigmoid,
    "softsign": F.softsign,
    "normalize": lambda t: F.normalize(t, dim=1),
    "normalize_p3": lambda t: F.normalize(t, p=3, dim=-1),
}
for name, f in more.items():
    xi = x.clone().requires_grad_(True)
    y = f(xi)
    gy = torch.randn_like(y)
    (gx,) = torch.autograd.grad((y * gy).sum(), [xi])
    act[f"{name}.y"], act[f"{name}.gy"], act[f"{name}.gx"] = y.detach(), gy, gx


def pair(name, f, *inputs):
    ins = [t.clone().requires_grad_(True) for t in inputs]
    y = f(*ins)
    gy = torch.randn_like(y)
    grads = torch.autograd.grad((y * gy).sum(), ins)
    act[f"{name}.y"], act[f"{name}.gy"] = y.detach(), gy
    for i, (t, g) in enumerate(zip(inputs, grads)):
        act[f"{name}.in{i}"], act[f"{name}.g{i}"] = t, g


pair("prelu", F.prelu, x, torch.rand(4) * 0.5)
pair("cosine_similarity", lambda a, b: F.cosine_similarity(a, b, dim=1), x, torch.randn(1, 4, 5))
pair("pairwise_distance", F.pairwise_distance, torch.randn(6, 5), torch.randn(6, 5))
pair("pairwise_distance_p3", lambda a, b: F.pairwise_distance(a, b, p=3, keepdim=True), torch.randn(6, 5), torch.randn(6, 5))
pair("smooth_l1_loss", lambda a, b: F.smooth_l1_loss(a, b, beta=0.5), torch.randn(4, 6), torch.randn(4, 6))
probs = torch.softmax(torch.randn(4, 6), 1)
probs[0, 2] = 0.0  # a zero target: t log t is 0 there
pair("kl_div_batchmean", lambda a, b: F.kl_div(a, b, reduction="batchmean"), torch.log_softmax(torch.randn(4, 6), 1), probs)
pair("kl_div_log_target", lambda a, b: F.kl_div(a, b, reduction="sum", log_target=True),
     torch.log_softmax(torch.randn(4, 6), 1), torch.log_softmax(torch.randn(4, 6), 1))
# Class weights: cross_entropy / nll_loss with weight (4,), an ignored label, smoothing,
# sum, probability targets, and (N, C, d) sequences; <c>.x, .t, .w, .y, .gy (scalar losses:
# 1) and the logits' gradient .gx.
cw = torch.rand(4) + 0.5
labels = torch.tensor([0, 3, -100, 1, 3])


def weighted(name, f, xin, t):
    xi = xin.clone().requires_grad_(True)
    y = f(xi, t)
    gy = torch.randn_like(y)
    (gx,) = torch.autograd.grad((y * gy).sum(), [xi])
    act.update({f"{name}.x": xin, f"{name}.t": t.double(), f"{name}.y": y.detach(), f"{name}.gy": gy, f"{name}.gx": gx})


act["cw"] = cw
weighted("ce_w_smooth", lambda a, t: F.cross_entropy(a, t, weight=cw, label_smoothing=0.1), torch.randn(5, 4), labels)
weighted("ce_w_sum", lambda a, t: F.cross_entropy(a, t, weight=cw, reduction="sum"), torch.randn(5, 4), labels)
weighted("ce_w_none", lambda a, t: F.cross_entropy(a, t, weight=cw, reduction="none", label_smoothing=0.2),
         torch.randn(5, 4), labels)
weighted("ce_w_prob", lambda a, t: F.cross_entropy(a, t, weight=cw), torch.randn(5, 4), torch.softmax(torch.randn(5, 4), 1))
weighted("nll_w", lambda a, t: F.nll_loss(a, t, weight=cw), torch.log_softmax(torch.randn(5, 4), 1), labels)
weighted("ce_w_seq", lambda a, t: F.cross_entropy(a, t, weight=cw, label_smoothing=0.1), torch.randn(2, 4, 3),
         torch.tensor([[0, 1, 3], [2, -100, 1]]))
# Instance normalisation (appended: the draws above stay): in.<case>.x, .w, .b, .rm, .rv
# (running statistics before), .y, .gy, .gx, .gw, .gb, and .rm1, .rv1 after the call.
torch.manual_seed(5)


def inorm(name, x, affine, running, training, momentum=0.1):
    xi = x.clone().requires_grad_(True)
    C = x.shape[1]
    w = (torch.rand(C) + 0.5).requires_grad_(True) if affine else None
    b = torch.randn(C).requires_grad_(True) if affine else None
    rm = torch.randn(C) if running else None
    rv = (torch.rand(C) + 0.5) if running else None
    rm0 = rm.clone() if running else None
    rv0 = rv.clone() if running else None
    y = F.instance_norm(xi, rm, rv, w, b, use_input_stats=training, momentum=momentum, eps=1e-5)
    gy = torch.randn_like(y)
    ins = [xi] + ([w, b] if affine else [])
    grads = torch.autograd.grad((y * gy).sum(), ins)
    act.update({f"in.{name}.x": x, f"in.{name}.y": y.detach(), f"in.{name}.gy": gy, f"in.{name}.gx": grads[0]})
    if affine:
        act.update({f"in.{name}.w": w.detach(), f"in.{name}.b": b.detach(), f"in.{name}.gw": grads[1],
                    f"in.{name}.gb": grads[2]})
    if running:
        act.update({f"in.{name}.rm": rm0, f"in.{name}.rv": rv0, f"in.{name}.rm1": rm, f"in.{name}.rv1": rv})


inorm("train2d", torch.randn(2, 3, 4, 5) * 2 + 1, True, True, True)
inorm("plain1d", torch.randn(3, 4, 6), False, False, True)
inorm("eval2d", torch.randn(2, 3, 4, 5), True, True, False)
inorm("momentum3d", torch.randn(2, 2, 3, 2, 3), False, True, True, momentum=0.3)
# Still more activations (appended): act.<name>.in0 (x scaled so every piece is reached),
# .y, .gy, .g0.
torch.manual_seed(6)
still_more = {
    "hardtanh": (lambda t: F.hardtanh(t, -0.7, 1.2), 1.0),
    "relu6": (F.relu6, 4.0),
    "logsigmoid": (F.logsigmoid, 10.0),
    "tanhshrink": (F.tanhshrink, 1.0),
    "softshrink": (lambda t: F.softshrink(t, 0.3), 1.0),
    "hardshrink": (lambda t: F.hardshrink(t, 0.3), 1.0),
    "threshold": (lambda t: F.threshold(t, 0.1, -2.0), 1.0),
    "glu": (lambda t: F.glu(t, 1), 1.0),
    "softmin": (lambda t: F.softmin(t, 2), 1.0),
}
for name, (f, scale) in still_more.items():
    pair(f"act.{name}", f, x * scale)
np.savez_compressed(fixtures / "torch_activations.npz", **{k: v.detach().numpy() for k, v in act.items()})
print(f"wrote torch_activations.npz ({len(act)} arrays)")
