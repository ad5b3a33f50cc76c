"""PyTorch's optimizer step on the parameters of bench/ops's OptimizerStep, for the side-by-side
table of docs/benchmarks.md: SGD, SGD momentum 0.9, Adam, Adadelta (rho 0.95, eps 1e-7), Adam
with amsgrad, over
the 784-50-10 and 784-1024-1024-10 MLPs' parameters, float32, one thread, PyTorch's default
implementation on the CPU (foreach=False there, as 1.13 chooses for CPU tensors).

    OPENBLAS_CORETYPE=Haswell taskset -c 1 /usr/bin/python3 bench/optim_reference.py
"""
import json
import time

import torch

torch.set_num_threads(1)
NETS = {0: [(784, 50), (50,), (50, 10), (10,)],
        1: [(784, 1024), (1024,), (1024, 1024), (1024,), (1024, 10), (10,)]}
RULES = {0: lambda p: torch.optim.SGD(p, lr=0.01),
         1: lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
         2: lambda p: torch.optim.Adam(p, lr=1e-3),
         3: lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.95, eps=1e-7),
         4: lambda p: torch.optim.Adam(p, lr=1e-3, amsgrad=True)}


def best_us(step, iters, repeats=5):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(iters):
            step()
        best = min(best, (time.perf_counter() - t0) / iters * 1e6)
    return best


for net, shapes in NETS.items():
    for rule, make in RULES.items():
        params = [torch.randn(s, requires_grad=True) for s in shapes]
        for p in params:
            p.grad = torch.randn(p.shape) * 0.01
        opt = make(params)
        with torch.no_grad():
            us = best_us(opt.step, 2000 if net == 0 else 30)
        print(json.dumps({"impl": "torch", "rule": rule, "net": net, "us": round(us, 1)}))
