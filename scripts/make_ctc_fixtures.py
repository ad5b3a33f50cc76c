#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_ctc.npz: PyTorch 1.13's CTC loss in float64 on
log_softmax(logits), with the gradient of sum(loss * gy) for the logits (through log_softmax,
where PyTorch's gradient for log_probs, which differs from the true one by exp(log_probs),
becomes the true one). Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_ctc_fixtures.py
Case <name> (mirrored in tests/nn/test_ctc_loss.cpp) stores <name>.logits, .targets,
.input_lengths, .target_lengths, .y, .gy, .g (the logits' gradient).
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def case(name, logits, targets, input_lengths, target_lengths, **kw):
    x = logits.clone().requires_grad_(True)
    lp = x.log_softmax(-1)
    y = F.ctc_loss(lp, targets, torch.tensor(input_lengths), torch.tensor(target_lengths), **kw)
    gy = torch.randn_like(y)
    finite = torch.isfinite(y)
    (g,) = torch.autograd.grad((torch.where(finite, y, torch.zeros_like(y)) * gy).sum(), [x])
    out.update({f"{name}.logits": logits, f"{name}.targets": targets, f"{name}.input_lengths": torch.tensor(input_lengths),
                f"{name}.target_lengths": torch.tensor(target_lengths), f"{name}.y": y.detach(), f"{name}.gy": gy,
                f"{name}.g": g})


T, N, C = 12, 3, 5
padded = torch.tensor([[1, 2, 2, 3], [4, 1, 0, 0], [3, 3, 3, 1]])
case("padded_mean", torch.randn(T, N, C) * 2, padded, [12, 9, 11], [4, 2, 4])
concat = torch.tensor([1, 3, 4, 4, 0, 1, 3])  # blank = 2: sequences (1 3 4 4), (0 1 3)
case("concat_sum", torch.randn(10, 2, C), concat, [10, 8], [4, 3], blank=2, reduction="sum")
case("none_empty_target", torch.randn(T, N, C), torch.tensor([[2, 2, 1], [0, 0, 0], [4, 3, 4]]), [7, 5, 12], [3, 0, 3],
     reduction="none")
# Sequence 1 is impossible: 3 labels with a repeat need 4 frames, it has 3.
case("infeasible_none", torch.randn(6, 2, C), torch.tensor([[1, 2, 3], [2, 2, 1]]), [6, 3], [3, 3], reduction="none")
case("infeasible_zero", torch.randn(6, 2, C), torch.tensor([[1, 2, 3], [2, 2, 1]]), [6, 3], [3, 3], reduction="sum",
     zero_infinity=True)
case("unbatched", torch.randn(8, C), torch.tensor([1, 4, 1]), 8, 3, reduction="none")
case("long", torch.randn(60, 4, 20) * 3, torch.randint(1, 20, (4, 15)), [60, 55, 41, 60], [15, 12, 9, 1])

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_ctc.npz"
np.savez(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {len(out)} arrays to {path}")
