#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_losses.npz: PyTorch's values at the edges of the
losses (binary cross-entropy at p = 0 and 1, Huber at a zero residual), so the suite
compares against PyTorch without needing it. Run with Debian's python3-torch:
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

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_losses.npz"
np.savez(path, **{k: np.asarray(v, dtype=np.float64) for k, v in out.items()})
print(f"wrote {path} (torch {torch.__version__})")
for k, v in out.items():
    print(f"  {k}: {np.asarray(v).tolist()}")
