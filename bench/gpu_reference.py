#!/usr/bin/env python3
"""PyTorch on the same GPU, in the same run as bench/gpu_steps (issues 20 and 21's tables): the
same workloads and protocol, eager and replayed as a CUDA graph (":graph" rows). float32, TF32 off; zero_grad + forward + cross-entropy + backward +
update; batches from a pool of 8; the median and best ms per step over 7 samples of n steps (n
doubled until a sample lasts 0.2 s, the GPU synchronised at each sample's end). For the MLPs
the GEMM-only bound too. One JSON line per measurement, as gpu_steps prints.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--only", default="")
args = p.parse_args()
dev = torch.device("cuda")
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.manual_seed(0)


def bench(fn):
    for _ in range(10):
        fn()
    torch.cuda.synchronize()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        torch.cuda.synchronize()
        if time.perf_counter() - t0 >= 0.2 or n >= 1 << 16:
            break
        n *= 2
    samples = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        torch.cuda.synchronize()
        samples.append((time.perf_counter() - t0) / n * 1e3)
    samples.sort()
    return samples[len(samples) // 2], samples[0], n


def mlp(sizes, relu):
    layers = []
    for i in range(len(sizes) - 1):
        lin = nn.Linear(sizes[i], sizes[i + 1])
        nn.init.normal_(lin.weight, 0, 0.01)
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(nn.ReLU() if relu else nn.Sigmoid())
    return nn.Sequential(*layers)


def keras_cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(128, 10))


class LstmNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(64, 256)
        self.fc = nn.Linear(256, 10)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.fc(y[-1])


WORKLOADS = [
    ("mlp_784_50_10_b100", lambda: mlp([784, 50, 10], False), (100, 784), "sgd", [(100, 784, 50)]),
    ("mlp_784_100_10_b100", lambda: mlp([784, 100, 10], False), (100, 784), "sgd", [(100, 784, 100)]),
    ("mlp_784_1024_1024_10_b256", lambda: mlp([784, 1024, 1024, 10], True), (256, 784), "sgd",
     [(256, 784, 1024), (256, 1024, 1024), (256, 1024, 10)]),
    ("mlp_784_1024_1024_10_b4096", lambda: mlp([784, 1024, 1024, 10], True), (4096, 784), "sgd",
     [(4096, 784, 1024), (4096, 1024, 1024), (4096, 1024, 10)]),
    ("simple_convnet_b100", lambda: nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                                  nn.Linear(4320, 100), nn.ReLU(), nn.Linear(100, 10)),
     (100, 1, 28, 28), "adam", []),
    ("keras_cnn_b128", keras_cnn, (128, 1, 28, 28), "adadelta", []),
    ("keras_cnn_b1024", keras_cnn, (1024, 1, 28, 28), "adadelta", []),
    ("lstm_i64_h256_b64_t50", LstmNet, (50, 64, 64), "adam", []),
]


def optimizer(name, params, capturable=False):
    if name == "sgd":
        return torch.optim.SGD(params, lr=0.1)
    extra = {"capturable": True} if capturable else {}
    if name == "adam":
        return torch.optim.Adam(params, lr=1e-3, eps=1e-7, **extra)
    return torch.optim.Adadelta(params, lr=1.0, rho=0.95, eps=1e-7, **extra)


def graphed_step(make, opt_name, xs, ts):
    """PyTorch's whole-network capture (the CUDA graphs notes): warm up on a side stream, capture
    one step on static tensors, then per step copy the batch in and replay."""
    net = make().to(dev).train()
    opt = optimizer(opt_name, net.parameters(), capturable=True)
    static_x, static_t = xs[0].clone(), ts[0].clone()
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(net(static_x), static_t).backward()
            opt.step()
    torch.cuda.current_stream().wait_stream(side)
    g = torch.cuda.CUDAGraph()
    opt.zero_grad(set_to_none=True)
    with torch.cuda.graph(g):
        F.cross_entropy(net(static_x), static_t).backward()
        opt.step()
    it = [0]

    def step():
        k = it[0] % 8
        it[0] += 1
        static_x.copy_(xs[k])
        static_t.copy_(ts[k])
        g.replay()

    return step


def out(**kw):
    kw.update(framework="pytorch " + torch.__version__)
    print(json.dumps(kw), flush=True)


for name, make, xshape, opt_name, gemms in WORKLOADS:
    if args.only and args.only not in name:
        continue
    net = make().to(dev).train()
    opt = optimizer(opt_name, net.parameters())
    batch = xshape[1] if name.startswith("lstm") else xshape[0]
    xs = [torch.rand(*xshape, device=dev) for _ in range(8)]
    ts = [torch.randint(0, 10, (batch,), device=dev) for _ in range(8)]
    it = [0]

    def step():
        k = it[0] % 8
        it[0] += 1
        opt.zero_grad()
        F.cross_entropy(net(xs[k]), ts[k]).backward()
        opt.step()

    med, best, n = bench(step)
    out(workload=name, ms_med=round(med, 5), ms_min=round(best, 5), n=n)
    try:
        med, best, n = bench(graphed_step(make, opt_name, xs, ts))
        out(workload=name + ":graph", ms_med=round(med, 5), ms_min=round(best, 5), n=n)
    except Exception as e:  # an optimizer without capturable=True in this PyTorch, say
        out(workload=name + ":graph", error=str(e)[:200])
    if gemms:
        mats = [(torch.rand(m, k, device=dev), torch.rand(k, n_, device=dev), torch.rand(m, n_, device=dev))
                for m, k, n_ in gemms]

        def gemm_only():
            for X, W, G in mats:
                X @ W
                G @ W.t()
                X.t() @ G

        med, best, n = bench(gemm_only)
        out(workload=name + ":gemm_only", ms_med=round(med, 5), ms_min=round(best, 5), n=n)

if not args.only or "overhead" in args.only:
    x = torch.rand(10, device=dev, requires_grad=True)

    def chain():
        y = x
        for _ in range(100):
            y = y * 1.0001
        y.sum().backward()

    med, _, _ = bench(chain)
    out(workload="per_op_overhead_us", us_per_op=round(med * 1e3 / 100, 3))
