#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_losses.npz: PyTorch's values at the edges of the
losses (binary cross-entropy at p = 0 and 1, Huber at a zero residual) and its
cross-entropy / NLL over a class axis (K-dimensional, ignore_index, reductions, label
smoothing), so the suite compares against PyTorch without needing it. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_torch_fixtures.py
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

out = {}
torch.set_default_dtype(torch.float64)

# Binary cross-entropy, mean over elements: p exactly 0 and 1 (sigmoid(20) in float32 is 1.0).
p = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.3, float(torch.sigmoid(torch.tensor(20.0, dtype=torch.float32)))],
                 requires_grad=True)
t = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5, 1.0], requires_grad=True)
loss = F.binary_cross_entropy(p, t)
gp, gt = torch.autograd.grad(loss, (p, t))
out.update(bce_p=p.detach().numpy(), bce_t=t.detach().numpy(), bce_loss=loss.detach().numpy(),
           bce_grad_p=gp.numpy(), bce_grad_t=gt.numpy())

# Huber (delta 1), mean: residuals 0, small, at delta, large; first and second derivatives.
y = torch.tensor([0.5, 0.7, 2.0, -3.0], requires_grad=True)
target = torch.tensor([0.5, 0.2, 1.0, 1.0])
loss = F.huber_loss(y, target, delta=1.0)
(g,) = torch.autograd.grad(loss, y, create_graph=True)
(gg,) = torch.autograd.grad(g.sum(), y)
out.update(huber_y=y.detach().numpy(), huber_t=target.numpy(), huber_loss=loss.detach().numpy(),
           huber_grad=g.detach().numpy(), huber_grad2=gg.numpy())

# Cross-entropy and NLL over a class axis: (N, C) and (N, C, d1, d2) with (N, d1, d2)
# labels, ignore_index -100 (and 2), reductions mean/sum/none, label smoothing, probability
# targets of the logits' shape; gradient of sum(loss * w) with respect to the logits.
torch.manual_seed(7)
cases = {
    "ce2d": ((5, 4), (5,)),
    "ce4d": ((2, 4, 3, 2), (2, 3, 2)),
    "ce3d": ((3, 5, 6), (3, 6)),
}
for name, (xs, ts) in cases.items():
    x = torch.randn(*xs, requires_grad=True)
    t = torch.randint(0, xs[1], ts)
    t_ign = t.clone().reshape(-1)
    t_ign[::3] = -100
    t_ign = t_ign.reshape(ts)
    probs = torch.softmax(torch.randn(*xs), 1)
    out[f"{name}_x"], out[f"{name}_t"], out[f"{name}_t_ignore"], out[f"{name}_p"] = x.detach(), t, t_ign, probs
    variants = {
        "mean": lambda x: F.cross_entropy(x, t),
        "ignore": lambda x: F.cross_entropy(x, t_ign),
        "sum": lambda x: F.cross_entropy(x, t_ign, reduction="sum"),
        "none": lambda x: F.cross_entropy(x, t_ign, reduction="none"),
        "smooth": lambda x: F.cross_entropy(x, t_ign, label_smoothing=0.2),
        "smooth_none": lambda x: F.cross_entropy(x, t, label_smoothing=0.1, reduction="none"),
        "probs": lambda x: F.cross_entropy(x, probs),
        "probs_none": lambda x: F.cross_entropy(x, probs, reduction="none"),
        "nll": lambda x: F.nll_loss(F.log_softmax(x, 1), t_ign),
        "nll_none": lambda x: F.nll_loss(F.log_softmax(x, 1), t, reduction="none"),
        "nll_ignore2": lambda x: F.nll_loss(F.log_softmax(x, 1), t, ignore_index=2, reduction="sum"),
    }
    for v, f in variants.items():
        y = f(x)
        w = torch.randn_like(y)
        (g,) = torch.autograd.grad((y * w).sum(), x)
        out[f"{name}_{v}_y"], out[f"{name}_{v}_w"], out[f"{name}_{v}_gx"] = y.detach(), w, g

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_losses.npz"
np.savez(path, **{k: (v.numpy() if torch.is_tensor(v) and v.dtype == torch.int64 else np.asarray(v, dtype=np.float64))
                  for k, v in out.items()})
print(f"wrote {path} (torch {torch.__version__}, {len(out)} arrays)")
