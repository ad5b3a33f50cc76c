#!/usr/bin/python3
"""PyTorch's side of bench/conv_steps: the same CNN training steps (SimpleConvNet with Adam,
Keras's mnist_cnn with Adadelta, training mode), batches drawn from a pool of at least
64 MiB, timed the same way. --mode onednn is PyTorch's default CPU convolution; --mode
im2col disables oneDNN (torch.backends.mkldnn.flags(enabled=False)): im2col + GEMM per sample.

    /usr/bin/python3 bench/conv_reference.py --mode onednn [--threads 1] [--repeats 3] [--workload NAME]
"""
import argparse
import json
import resource

import torch
import torch.nn as nn

from reference import best_ms  # the MLP benchmark's timing, shared

WORKLOADS = {"SimpleConvNet b100": (100, 40), "Keras mnist_cnn b128": (128, 6)}


def model(name):
    if name.startswith("SimpleConvNet"):
        net = nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4320, 100),
                            nn.ReLU(), nn.Linear(100, 10))
        return net, torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                        nn.Linear(128, 10))
    return net, torch.optim.Adadelta(net.parameters(), lr=1.0, rho=0.95, eps=1e-7)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["onednn", "im2col"], default="onednn")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--workload")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    for name, (batch, iters) in WORKLOADS.items():
        if a.workload and name != a.workload:
            continue
        net, opt = model(name)
        loss_fn = nn.CrossEntropyLoss()
        pool = max(8, (64 << 20) // (batch * 28 * 28 * 4))
        xs = [torch.rand(batch, 1, 28, 28) for _ in range(pool)]
        ts = [torch.randint(0, 10, (batch,)) for _ in range(pool)]
        state = {"i": 0}

        def step():
            i = state["i"] % pool
            state["i"] += 1
            loss = loss_fn(net(xs[i]), ts[i])
            opt.zero_grad()
            loss.backward()
            opt.step()

        with torch.backends.mkldnn.flags(enabled=a.mode == "onednn"):
            ms = best_ms(step, iters, a.repeats)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"impl": f"torch-{a.mode}", "workload": name, "threads": a.threads, "ms": round(ms, 3),
                          "peak_rss_mb": round(rss, 1)}), flush=True)


if __name__ == "__main__":
    main()
