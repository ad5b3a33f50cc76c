#!/usr/bin/python3
"""The reference implementations of bench/compare.py's workloads: PyTorch (Debian's
python3-torch) and numpy with the textbook's layers (Affine, Sigmoid/Relu, SoftmaxWithLoss,
SGD), each timing one training step exactly as bench/steps.cpp times xgrad's.

Run with /usr/bin/python3 (Debian's numpy and torch). Prints one JSON object per workload.
"""
import argparse
import json
import time

import numpy as np

WORKLOADS = {
    "784-50-10 sigmoid b100": ([784, 50, 10], 100, False, 2000),
    "784-100-10 sigmoid b100": ([784, 100, 10], 100, False, 1000),
    "784-1024-1024-10 relu b256": ([784, 1024, 1024, 10], 256, True, 40),
}


def best_ms(step, iters, repeats):
    for _ in range(max(1, iters // 10)):
        step()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(iters):
            step()
        best = min(best, (time.perf_counter() - t0) * 1000 / iters)
    return best


def numpy_step(sizes, batch, relu, dtype):
    """The textbook's layers: forward keeps what backward needs; backward returns gradients."""
    rng = np.random.default_rng(0)
    Ws = [(0.01 * rng.standard_normal((a, b))).astype(dtype) for a, b in zip(sizes, sizes[1:])]
    bs = [np.zeros(b, dtype) for b in sizes[1:]]
    pool = max(8, (64 << 20) // (batch * sizes[0] * np.dtype(dtype).itemsize))  # >= 64 MiB, as steps.cpp
    xs = [rng.random((batch, sizes[0])).astype(dtype) for _ in range(pool)]
    ts = [rng.integers(0, sizes[-1], batch) for _ in range(pool)]
    lr = dtype(0.1)
    state = {"i": 0}

    def step():
        x, t = xs[state["i"] % pool], ts[state["i"] % pool]
        state["i"] += 1
        hs, acts = [x], []
        h = x
        for i, (W, b) in enumerate(zip(Ws, bs)):
            h = h @ W + b
            if i + 1 < len(Ws):
                h = np.maximum(h, 0) if relu else 1 / (1 + np.exp(-h))
                acts.append(h)
                hs.append(h)
        # SoftmaxWithLoss with label indices
        y = np.exp(h - h.max(axis=1, keepdims=True))
        y /= y.sum(axis=1, keepdims=True)
        dout = y.copy()
        dout[np.arange(batch), t] -= 1
        dout /= batch
        for i in range(len(Ws) - 1, -1, -1):
            dW = hs[i].T @ dout
            db = dout.sum(axis=0)
            if i > 0:
                dh = dout @ Ws[i].T
                a = acts[i - 1]
                dout = dh * (a > 0) if relu else dh * a * (1 - a)
            Ws[i] -= lr * dW
            bs[i] -= lr * db

    return step


def torch_step(sizes, batch, relu, dtype):
    import torch

    torch.manual_seed(0)
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i + 2 < len(sizes):
            layers.append(torch.nn.ReLU() if relu else torch.nn.Sigmoid())
    net = torch.nn.Sequential(*layers).to(torch.float32 if dtype == np.float32 else torch.float64)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    pool = max(8, (64 << 20) // (batch * sizes[0] * (4 if dtype == np.float32 else 8)))
    xs = [torch.rand(batch, sizes[0], dtype=net[0].weight.dtype) for _ in range(pool)]
    ts = [torch.randint(0, sizes[-1], (batch,)) for _ in range(pool)]
    state = {"i": 0}

    def step():
        i = state["i"] % pool
        state["i"] += 1
        loss = loss_fn(net(xs[i]), ts[i])
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def torch_overhead_us(repeats):
    """Forward + backward of one tiny recorded operation: 100 multiplications of 10-element tensors."""
    import torch

    a = torch.randn(10, requires_grad=True)
    w = torch.randn(10, requires_grad=True)
    g = torch.ones(10)

    def chain():
        y = a
        for _ in range(100):
            y = y * w
        y.backward(g)
        a.grad = None
        w.grad = None

    return best_ms(chain, 200, repeats) * 1000 / 100


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--impl", choices=["torch", "numpy"], required=True)
    p.add_argument("--dtype", default="float32")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--workload")
    a = p.parse_args()
    dtype = np.float32 if a.dtype == "float32" else np.float64
    if a.impl == "torch":
        import torch

        torch.set_num_threads(a.threads)
    if a.impl == "torch" and not a.workload:
        print(json.dumps({"impl": "torch", "workload": "overhead", "us_per_op": round(torch_overhead_us(a.repeats), 3)}), flush=True)
    for name, (sizes, batch, relu, iters) in WORKLOADS.items():
        if a.workload and name != a.workload:
            continue
        make = torch_step if a.impl == "torch" else numpy_step
        ms = best_ms(make(sizes, batch, relu, dtype), iters, a.repeats)
        print(json.dumps({"impl": a.impl, "workload": name, "dtype": a.dtype, "threads": a.threads, "ms": round(ms, 4)}), flush=True)


if __name__ == "__main__":
    main()
