#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_optim_more.npz: PyTorch's Adamax, NAdam, RAdam, Rprop and
Adam/AdamW with amsgrad, SGD with dampening, RMSprop centered and with momentum
in float64 over 10 steps of fixed gradients (zeros among them; Rprop's signs flip), for two
parameters p0 (3, 4) and p1 (5), each case with its options. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_optim_more_fixtures.py
Keys: p0, p1 (the start), g<k>.0, g<k>.1 (step k's gradients), <case>.p0, <case>.p1 (after
the 10 steps) and <case>.after1.p0 (after the first).

NAdam follows PyTorch 2's rule (mu_product · mu_next in the second term); PyTorch 1.13's
counts mu twice there, so its reference is PyTorch 2's _single_tensor_nadam written out
below with torch operations, and nadam_113 keeps 1.13's own result to show the difference.
"""
import math
import pathlib

import numpy as np
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}
STEPS = 10
p_start = [torch.randn(3, 4), torch.randn(5)]
grads = []
for k in range(STEPS):
    gs = [torch.randn(3, 4), torch.randn(5)]
    gs[0][0, k % 4] = 0.0  # a zero gradient now and then (Rprop's third sign)
    grads.append(gs)
out["p0"], out["p1"] = p_start
for k, gs in enumerate(grads):
    out[f"g{k}.0"], out[f"g{k}.1"] = gs


class NAdam2(torch.optim.Optimizer):
    """PyTorch 2's NAdam (single-tensor path), for the reference."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                st = self.state[p]
                if not st:
                    st.update(step=0, mu_product=1.0, exp_avg=torch.zeros_like(p), exp_avg_sq=torch.zeros_like(p))
                st["step"] += 1
                step = st["step"]
                grad = p.grad
                if group["weight_decay"] != 0:
                    grad = grad.add(p, alpha=group["weight_decay"])
                bias_correction2 = 1 - beta2 ** step
                mu = beta1 * (1. - 0.5 * (0.96 ** (step * group["momentum_decay"])))
                mu_next = beta1 * (1. - 0.5 * (0.96 ** ((step + 1) * group["momentum_decay"])))
                st["mu_product"] *= mu
                st["exp_avg"].lerp_(grad, 1 - beta1)
                st["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = st["exp_avg_sq"].div(bias_correction2).sqrt().add_(group["eps"])
                mu_product_next = st["mu_product"] * mu_next
                p.addcdiv_(grad, denom, value=-group["lr"] * (1. - mu) / (1. - st["mu_product"]))
                p.addcdiv_(st["exp_avg"], denom, value=-group["lr"] * mu_next / (1. - mu_product_next))


def run(name, make):
    params = [p.clone().requires_grad_(True) for p in p_start]
    opt = make(params)
    for k in range(STEPS):
        for p, g in zip(params, grads[k]):
            p.grad = g.clone()
        opt.step()
        if k == 0:
            out[f"{name}.after1.p0"] = params[0].detach().clone()
    out[f"{name}.p0"], out[f"{name}.p1"] = (p.detach() for p in params)


run("adamax", lambda p: torch.optim.Adamax(p))
run("adamax_wd", lambda p: torch.optim.Adamax(p, lr=0.05, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1))
run("nadam", lambda p: NAdam2(p))
run("nadam_wd", lambda p: NAdam2(p, lr=0.01, betas=(0.85, 0.99), eps=1e-6, weight_decay=0.05, momentum_decay=0.01))
run("nadam_113", lambda p: torch.optim.NAdam(p))
run("radam", lambda p: torch.optim.RAdam(p))
run("radam_wd", lambda p: torch.optim.RAdam(p, lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1))
run("rprop", lambda p: torch.optim.Rprop(p))
run("rprop_opts", lambda p: torch.optim.Rprop(p, lr=0.1, etas=(0.3, 1.5), step_sizes=(0.02, 0.4)))
run("adam_amsgrad", lambda p: torch.optim.Adam(p, amsgrad=True))
run("adam_amsgrad_wd", lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1, amsgrad=True))
run("adamw_amsgrad", lambda p: torch.optim.AdamW(p, lr=0.05, betas=(0.8, 0.9), weight_decay=0.05, amsgrad=True))
run("sgd_dampening", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01))
run("rmsprop_centered", lambda p: torch.optim.RMSprop(p, lr=0.01, centered=True))
run("rmsprop_momentum", lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.9))
run("rmsprop_both", lambda p: torch.optim.RMSprop(p, lr=0.02, centered=True, momentum=0.5))

np.savez_compressed(pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_optim_more.npz",
                    **{k: np.ascontiguousarray(v.numpy()) for k, v in out.items()})
print(f"wrote torch_optim_more.npz ({len(out)} arrays); NAdam 2 vs 1.13 differ by",
      float((out["nadam.p0"] - out["nadam_113.p0"]).abs().max()))
