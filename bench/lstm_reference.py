#!/usr/bin/python3
"""PyTorch's side of bench/lstm_steps: the same LSTM (or, with --cell gru, GRU) training step
(nn.LSTM(64, 256), T = 50, batch 64, a Linear(256, 10) head on the last hidden state,
cross-entropy, Adam), batches drawn from a pool of at least 64 MiB, timed the same way
(best_ms of bench/reference.py).

    /usr/bin/python3 bench/lstm_reference.py [--threads 1] [--repeats 3] [--iters 20] [--seq 50] [--cell lstm|gru] [--proj 0] [--packed 0]
(--proj P: nn.LSTM(64, 256, proj_size=P) and a Linear(P, 10) head; --packed 1: lstm_steps's
lengths, pack_padded_sequence(enforce_sorted=False), the head on each sequence's last state.)
"""
import argparse
import json

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence

from reference import best_ms

N, I, H, C = 64, 64, 256, 10


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--seq", type=int, default=50)
    p.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    p.add_argument("--proj", type=int, default=0)
    p.add_argument("--packed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    lstm = nn.LSTM(I, H, proj_size=a.proj) if a.cell == "lstm" else nn.GRU(I, H)
    fc = nn.Linear(a.proj if a.proj > 0 else H, C)
    params = list(lstm.parameters()) + list(fc.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    pool = max(8, (64 << 20) // (a.seq * N * I * 4))
    xs = [torch.randn(a.seq, N, I) for _ in range(pool)]
    ts = [torch.randint(0, C, (N,)) for _ in range(pool)]
    state = {"i": 0}
    lengths = torch.tensor([a.seq - ((b * 37) % N) * (a.seq // 2) // N for b in range(N)])

    def step():
        i = state["i"] % pool
        state["i"] += 1
        x = pack_padded_sequence(xs[i], lengths, enforce_sorted=False) if a.packed else xs[i]
        _, last = lstm(x)
        h = last[0] if a.cell == "lstm" else last
        loss = loss_fn(fc(h[0]), ts[i])
        opt.zero_grad()
        loss.backward()
        opt.step()

    ms = best_ms(step, a.iters, a.repeats)
    name = a.cell.upper() + (f" P{a.proj}" if a.proj > 0 else "") + (" packed" if a.packed else "")
    print(json.dumps({"impl": "torch", "workload": f"{name} h{H} i{I} b{N} T{a.seq}", "threads": a.threads, "ms": ms,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
