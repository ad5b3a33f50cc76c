#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_packed.npz from PyTorch (Debian's python3-torch), float64:
    /usr/bin/python3 scripts/make_packed_fixtures.py

Packing (torch.nn.utils.rnn), each case <c> with its input <c>.x, lengths <c>.lengths:
  pack (T 5, B 4, unsorted lengths), pack_bf (batch_first, sorted lengths with a tie),
  pack_ties (unsorted lengths with ties): <c>.data, .batch_sizes, .sorted_indices (-1s when
  PyTorch keeps none), .g (a random cotangent of data) and .gx (the gradient of sum(data * g)
  with respect to x);
  unpack (pad_packed_sequence of pack's packing, batch_first, padding_value -1.5,
  total_length 7): .y, .out_lengths, .gy, .gdata (with respect to the packed data).

Layers over a packed batch (T 6, B 4, I 4, H 5, lengths 3 6 1 4, enforce_sorted False), for
rnn_tanh (2 layers), rnn_relu_bi, lstm, lstm_stack_bi, lstm_proj_bi (proj_size 3), gru_stack_bi
and lstm_bf (batch_first): <c>.<parameter> under PyTorch's names, <c>.x (padded), <c>.h0 (and
<c>.c0) in the batch's order, the padded output <c>.y (pad_packed_sequence, zeros after each
end), <c>.h_n (and <c>.c_n), and the gradients of sum(y gy) + sum(h_n gh) (+ sum(c_n gc)):
<c>.grad.x, .grad.h0, .grad.c0, .grad.<parameter>.
"""
import pathlib

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_default_dtype(torch.float64)
fixtures = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures"
out = {}
torch.manual_seed(11)


def pack_case(name, x, lengths, batch_first, enforce_sorted):
    x = x.clone().requires_grad_(True)
    p = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=enforce_sorted)
    g = torch.randn_like(p.data)
    (gx,) = torch.autograd.grad((p.data * g).sum(), [x])
    out[f"{name}.x"], out[f"{name}.lengths"] = x.detach(), torch.tensor(lengths, dtype=torch.float64)
    out[f"{name}.data"], out[f"{name}.batch_sizes"] = p.data.detach(), p.batch_sizes.double()
    out[f"{name}.sorted_indices"] = (p.sorted_indices if p.sorted_indices is not None
                                     else -torch.ones(len(lengths), dtype=torch.long)).double()
    out[f"{name}.g"], out[f"{name}.gx"] = g, gx
    return p


packed = pack_case("pack", torch.randn(5, 4, 3), [2, 5, 1, 4], False, False)
pack_case("pack_bf", torch.randn(3, 4, 2), [4, 4, 2], True, True)
pack_case("pack_ties", torch.randn(3, 5, 2), [2, 3, 2, 3, 1], False, False)

data = packed.data.detach().clone().requires_grad_(True)
y, lengths = pad_packed_sequence(packed._replace(data=data), batch_first=True, padding_value=-1.5, total_length=7)
gy = torch.randn_like(y)
(gdata,) = torch.autograd.grad((y * gy).sum(), [data])
out.update({"unpack.y": y.detach(), "unpack.out_lengths": lengths.double(), "unpack.gy": gy, "unpack.gdata": gdata})

T, B, I, H = 6, 4, 4, 5
lengths = [3, 6, 1, 4]
cases = [
    ("rnn_tanh", nn.RNN(I, H, num_layers=2)),
    ("rnn_relu_bi", nn.RNN(I, H, nonlinearity="relu", bidirectional=True)),
    ("lstm", nn.LSTM(I, H)),
    ("lstm_stack_bi", nn.LSTM(I, H, num_layers=2, bidirectional=True)),
    ("lstm_proj_bi", nn.LSTM(I, H, bidirectional=True, proj_size=3)),
    ("gru_stack_bi", nn.GRU(I, H, num_layers=2, bidirectional=True)),
    ("lstm_bf", nn.LSTM(I, H, batch_first=True)),
]
for name, m in cases:
    D = 2 if m.bidirectional else 1
    lstm = isinstance(m, nn.LSTM)
    F = m.proj_size if lstm and m.proj_size > 0 else H
    x = (torch.randn(B, T, I) if m.batch_first else torch.randn(T, B, I)).requires_grad_(True)
    state = [torch.randn(m.num_layers * D, B, F, requires_grad=True)]
    if lstm:
        state.append(torch.randn(m.num_layers * D, B, H, requires_grad=True))
    p = pack_padded_sequence(x, torch.tensor(lengths), batch_first=m.batch_first, enforce_sorted=False)
    po, finals = m(p, tuple(state) if lstm else state[0])
    finals = list(finals) if lstm else [finals]
    y, _ = pad_packed_sequence(po, batch_first=m.batch_first)
    gy = torch.randn_like(y)
    loss = (y * gy).sum()
    out[f"{name}.gy"], out[f"{name}.y"], out[f"{name}.x"] = gy, y.detach(), x.detach()
    for tag, f in zip("hc", finals):
        g = torch.randn_like(f)
        loss = loss + (f * g).sum()
        out[f"{name}.g{tag}"], out[f"{name}.{tag}_n"] = g, f.detach()
    params = dict(m.named_parameters())
    grads = torch.autograd.grad(loss, [x] + state + list(params.values()))
    names = ["x"] + ["h0", "c0"][: len(state)] + list(params.keys())
    for n, g in zip(names, grads):
        out[f"{name}.grad.{n}"] = g
    for tag, s in zip(("h0", "c0"), state):
        out[f"{name}.{tag}"] = s.detach()
    for n, prm in params.items():
        out[f"{name}.{n}"] = prm.detach()

np.savez_compressed(fixtures / "torch_packed.npz", **{k: v.detach().numpy() for k, v in out.items()})
print(f"wrote torch_packed.npz ({len(out)} arrays)")
print("pack_ties sorted_indices:", out["pack_ties.sorted_indices"])
