#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_schedulers.npz: the learning rates PyTorch's schedulers
set over 40 steps (index 0: after construction), for the cases mirrored in
tests/optim/test_schedulers_more.cpp. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_scheduler_fixtures.py
"""
import pathlib

import numpy as np
import torch
from torch.optim import lr_scheduler as S

out = {}


def run(name, make, steps=40, base=0.1, momentum=0.0):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base, momentum=momentum)
    sched = make(opt)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    out[name] = torch.tensor(lrs, dtype=torch.float64)


run("multistep", lambda o: S.MultiStepLR(o, [5, 12, 12, 30], gamma=0.5))
run("constant", lambda o: S.ConstantLR(o, factor=0.25, total_iters=7))
run("polynomial", lambda o: S.PolynomialLR(o, total_iters=25, power=2.0))
run("warm_restarts", lambda o: S.CosineAnnealingWarmRestarts(o, 5, eta_min=0.01))
run("warm_restarts_mult", lambda o: S.CosineAnnealingWarmRestarts(o, 3, T_mult=2, eta_min=0.001))
run("onecycle", lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=40, cycle_momentum=False), momentum=0.9)
run("onecycle_linear3", lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=40, pct_start=0.25, anneal_strategy="linear",
                                               div_factor=10, final_div_factor=100, three_phase=True,
                                               cycle_momentum=False))
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_schedulers.npz"
np.savez_compressed(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
