#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_margin_losses.npz: PyTorch 1.13's ranking, embedding and
likelihood losses in float64 with the gradients of the loss (times gy for reduction none)
for every input. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_margin_loss_fixtures.py
Case <name> (mirrored in tests/nn/test_margin_losses.cpp, in this order) stores <name>.in<i>,
<name>.y, <name>.gy and <name>.g<i> (zeros where an input gets no gradient: the labels).
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def record(name, fn, ins, grads_for):
    ins = [x.detach().clone().requires_grad_(i in grads_for) for i, x in enumerate(ins)]
    y = fn(*ins)
    gy = torch.randn_like(y)
    wrt = [ins[i] for i in grads_for]
    grads = dict(zip(grads_for, torch.autograd.grad((y * gy).sum(), wrt)))
    for i, x in enumerate(ins):
        out[f"{name}.in{i}"] = x.detach()
        out[f"{name}.g{i}"] = grads.get(i, torch.zeros_like(x))
    out[f"{name}.y"], out[f"{name}.gy"] = y.detach(), gy


def signs(*shape):
    return torch.randint(0, 2, shape).double() * 2 - 1


record("margin_ranking", lambda a, b, y: F.margin_ranking_loss(a, b, y, margin=0.3), [torch.randn(6), torch.randn(6), signs(6)], [0, 1])
record("margin_ranking_none", lambda a, b, y: F.margin_ranking_loss(a, b, y, reduction="none"),
       [torch.randn(2, 3), torch.randn(2, 3), signs(2, 3)], [0, 1])
record("hinge_embedding", lambda x, y: F.hinge_embedding_loss(x, y, margin=1.5), [torch.rand(3, 4) * 2, signs(3, 4)], [0])
record("soft_margin", lambda x, y: F.soft_margin_loss(x, y, reduction="sum"), [torch.randn(3, 4), signs(3, 4)], [0])
record("multilabel_soft_margin", lambda x, y: F.multilabel_soft_margin_loss(x, y),
       [torch.randn(3, 5), torch.randint(0, 2, (3, 5)).double()], [0])
record("multilabel_soft_margin_weight",
       lambda x, y, w: F.multilabel_soft_margin_loss(x, y, weight=w, reduction="none"),
       [torch.randn(3, 5), torch.randint(0, 2, (3, 5)).double(), torch.rand(5)], [0])
record("cosine_embedding", lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.2),
       [torch.randn(4, 6), torch.randn(4, 6), signs(4)], [0, 1])
record("cosine_embedding_none", lambda a, b, y: F.cosine_embedding_loss(a, b, y, reduction="none"),
       [torch.randn(4, 6), torch.randn(4, 6), signs(4)], [0, 1])
record("triplet", lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=2.0),
       [torch.randn(5, 4), torch.randn(5, 4), torch.randn(5, 4)], [0, 1, 2])
record("triplet_swap_p1", lambda a, p, n: F.triplet_margin_loss(a, p, n, p=1, swap=True, reduction="sum"),
       [torch.randn(5, 4), torch.randn(5, 4), torch.randn(5, 4)], [0, 1, 2])
record("poisson", lambda x, t: F.poisson_nll_loss(x, t), [torch.randn(3, 4), torch.randint(0, 5, (3, 4)).double()], [0])
record("poisson_full", lambda x, t: F.poisson_nll_loss(x, t, log_input=False, full=True, reduction="none"),
       [torch.rand(3, 4) + 0.1, torch.randint(0, 5, (3, 4)).double()], [0])
record("gaussian", lambda x, t, v: F.gaussian_nll_loss(x, t, v), [torch.randn(4, 3), torch.randn(4, 3), torch.rand(4, 3) + 0.1],
       [0, 1, 2])
var_rows = torch.rand(4, 1) + 0.1
var_rows[1, 0] = 1e-9  # clamped at eps, the gradient passing the clamp
record("gaussian_rows_full", lambda x, t, v: F.gaussian_nll_loss(x, t, v, full=True, reduction="sum"),
       [torch.randn(4, 3), torch.randn(4, 3), var_rows], [0, 2])
record("gaussian_unsqueezed", lambda x, t, v: F.gaussian_nll_loss(x, t, v, reduction="none"),
       [torch.randn(4, 3), torch.randn(4, 3), torch.rand(4) + 0.1], [0, 2])

# TripletMarginWithDistanceLoss, seeded apart so the cases above keep their arrays.
torch.manual_seed(5)
record("triplet_distance", lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n),
       [torch.randn(5, 4), torch.randn(5, 4), torch.randn(5, 4)], [0, 1, 2])
negatives = torch.randn(5, 4)  # positives near them, so the swap picks d(p, n) on some rows
record("triplet_distance_cosine_swap",
       lambda a, p, n: F.triplet_margin_with_distance_loss(
           a, p, n, distance_function=lambda x, y: 1.0 - F.cosine_similarity(x, y), margin=0.5, swap=True,
           reduction="none"),
       [torch.randn(5, 4), negatives + 0.4 * torch.randn(5, 4), negatives], [0, 1, 2])

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_margin_losses.npz"
np.savez_compressed(path, **{k: np.array(v.numpy(), order="C") for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
