#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_lbfgs.npz: PyTorch 1.13's torch.optim.LBFGS in float64,
the parameters after each step() call and what step() returned, with and without the
strong-Wolfe line search. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_lbfgs_fixtures.py
Mirrored in tests/optim/test_lbfgs.cpp. The problem: W (3, 2), b (2,) fitting
tanh(X W + b) to Y with 0.01 sum(W^4), X (8, 3) and Y (8, 2) stored; and Rosenbrock's
function from (-1.5, 2), and a bumpy one that exercises the line search's zoom.
"""
import pathlib

import numpy as np
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}
X, Y = torch.randn(8, 3), torch.randn(8, 2) * 0.5
W0, b0 = torch.randn(3, 2), torch.randn(2)
out["X"], out["Y"], out["W0"], out["b0"] = X, Y, W0, b0


def fit(name, steps, **options):
    W, b = W0.clone().requires_grad_(), b0.clone().requires_grad_()
    opt = torch.optim.LBFGS([W, b], **options)

    def closure():
        opt.zero_grad()
        loss = ((torch.tanh(X @ W + b) - Y) ** 2).mean() + 0.01 * (W ** 4).sum()
        loss.backward()
        return loss

    for k in range(steps):
        returned = opt.step(closure)
        state = opt.state[opt._params[0]]
        out[f"{name}.{k}.W"], out[f"{name}.{k}.b"] = W.detach().clone(), b.detach().clone()
        out[f"{name}.{k}.loss"] = returned.detach().clone()
        out[f"{name}.{k}.counts"] = torch.tensor([state["n_iter"], state["func_evals"]], dtype=torch.int64)


fit("plain", 3, lr=0.5, max_iter=4, history_size=3)
fit("wolfe", 3, lr=1, max_iter=10, history_size=4, line_search_fn="strong_wolfe")

x = torch.tensor([-1.5, 2.0], requires_grad=True)
opt = torch.optim.LBFGS([x], lr=1, max_iter=100, line_search_fn="strong_wolfe")


def rosenbrock():
    opt.zero_grad()
    loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    loss.backward()
    return loss


opt.step(rosenbrock)
state = opt.state[x]
out["rosenbrock.x"] = x.detach().clone()
out["rosenbrock.counts"] = torch.tensor([state["n_iter"], state["func_evals"]], dtype=torch.int64)

# A bumpy function with a long first step (lr 200): the zoom moves its fifth trial point off
# the bracket's ends (the insufficient-progress rule). Two iterations per call: further on,
# sin's last-bit differences between libraries grow through the interpolations.
x = torch.tensor([2.5, 0.3, -2.2], requires_grad=True)
opt = torch.optim.LBFGS([x], lr=200, max_iter=2, max_eval=100, line_search_fn="strong_wolfe")


def bumpy():
    opt.zero_grad()
    loss = torch.where(x.abs() < 1, x ** 2, 2 * x.abs() - 1).sum() + 0.5 * torch.sin(7 * x).sum()
    loss.backward()
    return loss


for k in range(3):
    opt.step(bumpy)
    out[f"bumpy.{k}.x"] = x.detach().clone()
    out[f"bumpy.{k}.counts"] = torch.tensor([opt.state[x]["n_iter"], opt.state[x]["func_evals"]], dtype=torch.int64)

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_lbfgs.npz"
np.savez_compressed(path, **{k: np.array(v.numpy(), order="C") for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
