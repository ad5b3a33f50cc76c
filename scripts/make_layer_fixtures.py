#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_layers.npz: PyTorch 1.13's nn.Bilinear in float64 (with
and without bias, a batch of vectors and a batch with two leading axes), its output and the
gradients of sum(y * gy) for a fixed random gy, for both inputs, weight and bias. Run with
Debian's python3-torch:
    /usr/bin/python3 scripts/make_layer_fixtures.py
Case <name> stores _x1, _x2, _w, _b (when biased), _y, _gy, _gx1, _gx2, _gw, _gb.
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}
for name, lead, (in1, in2, n_out), bias in (("bilinear", (5,), (3, 4, 2), True),
                                            ("bilinear_nobias", (5,), (3, 4, 2), False),
                                            ("bilinear_lead", (2, 3), (4, 2, 3), True)):
    x1, x2 = torch.randn(*lead, in1, requires_grad=True), torch.randn(*lead, in2, requires_grad=True)
    w = torch.randn(n_out, in1, in2, requires_grad=True)
    b = torch.randn(n_out, requires_grad=True) if bias else None
    y = F.bilinear(x1, x2, w, b)
    gy = torch.randn_like(y)
    ins = [x1, x2, w] + ([b] if bias else [])
    grads = torch.autograd.grad((y * gy).sum(), ins)
    out.update({f"{name}_x1": x1, f"{name}_x2": x2, f"{name}_w": w, f"{name}_y": y, f"{name}_gy": gy,
                f"{name}_gx1": grads[0], f"{name}_gx2": grads[1], f"{name}_gw": grads[2]})
    if bias:
        out.update({f"{name}_b": b, f"{name}_gb": grads[3]})
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_layers.npz"
np.savez_compressed(path, **{k: v.detach().numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
