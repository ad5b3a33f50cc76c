#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_adaptive_softmax.npz: PyTorch 1.13's
nn.AdaptiveLogSoftmaxWithLoss(16, 20, cutoffs=[5, 12], div_value=2.0, head_bias=True) in
float64. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_adaptive_softmax_fixtures.py
Keys: p.<name> (the state_dict under PyTorch's names), x (9, 16), t (9: every cluster),
output, loss, gy, and the gradients of sum(output * gy) + loss: grad.x, grad.<name>;
log_prob (9, 20), predict (9: some rows in a cluster); one.x (16), one.t (0-d), one.output,
one.loss for an unbatched sample.
"""
import pathlib

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
m = nn.AdaptiveLogSoftmaxWithLoss(16, 20, cutoffs=[5, 12], div_value=2.0, head_bias=True)
with torch.no_grad():
    m.head.bias[5:] += 1.5  # the cluster tokens win some rows, so predict reads the tails
out = {f"p.{k}": v.detach().clone() for k, v in m.state_dict().items()}
x = torch.randn(9, 16, requires_grad=True)
t = torch.tensor([0, 4, 5, 11, 12, 19, 7, 2, 15])
res = m(x, t)
gy = torch.randn(9)
params = dict(m.named_parameters())
grads = torch.autograd.grad((res.output * gy).sum() + res.loss, [x] + list(params.values()))
out.update({"x": x.detach(), "t": t, "output": res.output.detach(), "loss": res.loss.detach(), "gy": gy,
            "grad.x": grads[0]})
for name, g in zip(params, grads[1:]):
    out[f"grad.{name}"] = g
with torch.no_grad():
    out["log_prob"] = m.log_prob(x)
    out["predict"] = m.predict(x)
    one = torch.randn(16)
    r1 = m(one, torch.tensor(13))
out.update({"one.x": one, "one.t": torch.tensor(13), "one.output": r1.output, "one.loss": r1.loss})
assert 0 < int((out["predict"] >= 5).sum()) < 9, "predict should mix shortlist and cluster rows"
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_adaptive_softmax.npz"
np.savez_compressed(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays); predict {out['predict'].tolist()}")
