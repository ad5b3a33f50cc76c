#!/usr/bin/env python3
"""Predicts data-parallel efficiency from the ring all-reduce's cost (docs/benchmarks.md).

Ring all-reduce over p ranks: each rank sends and receives 2(p-1)/p * N bytes in 2(p-1)
steps, so t(N) = 2(p-1) * alpha + 2(p-1)/p * N / BW. A step computes for T (one rank's
forward + backward + update on its batch) and then waits for what communication did not hide:
  no overlap:        exposed = t(N)
  bucketed overlap:  exposed = max(t(N_last), t(N) - T_backward)
where N_last is the bucket backward produces last (the first layer's gradient: backward's
last matrix product) and T_backward = 5/8 T (five of a dense step's eight GEMMs). Efficiency =
T / (T + exposed): the fraction of p times one rank's throughput that p ranks reach.

  python3 scripts/cost_model.py                  # the table of docs/benchmarks.md
  python3 scripts/cost_model.py --check run.json # also fit alpha and BW to bench/allreduce's
                                                 # JSON line and predict its first-layer figure
Plain Python 3, no packages.
"""
import argparse
import json

# Float32 gradients and one thread's step time measured by bench/compare.py (docs/benchmarks.md).
MODELS = [
    # name, per-rank batch, bytes of all gradients, bytes of the last-ready bucket, step ms
    ("TwoLayerNet 784-50-10", 100, 39_760 * 4, (784 * 50 + 50) * 4, 0.184),
    ("MLP 784-1024-1024-10", 256, 1_863_690 * 4, (784 * 1024 + 1024) * 4, 22.8),
]
# Assumed, not measured here (no network on this machine): latency per step and bandwidth.
LINKS = [("1 Gbit/s", 50e-6, 125e6), ("10 Gbit/s", 25e-6, 1.25e9)]
RANKS = [2, 4, 8, 16, 32, 64]


def ring_seconds(n_bytes, p, alpha, bw):
    return 2 * (p - 1) * alpha + 2 * (p - 1) / p * n_bytes / bw


def table():
    """One row per model and link; each p shows the all-reduce's time and the efficiency without
    overlap / with bucketed overlap."""
    print("| model, batch per rank | link | " + " | ".join(f"p = {p}" for p in RANKS) + " |")
    print("|---|---|" + "---|" * len(RANKS))
    for name, batch, n, last, step_ms in MODELS:
        step = step_ms / 1e3
        for link, alpha, bw in LINKS:
            cells = []
            for p in RANKS:
                t = ring_seconds(n, p, alpha, bw)
                exposed = max(ring_seconds(last, p, alpha, bw), t - 5 / 8 * step)
                cells.append(f"{t * 1e3:.2f} ms: {step / (step + t):.0%} / {step / (step + exposed):.0%}")
            print(f"| {name}, {batch} | {link} | " + " | ".join(cells) + " |")


def check(path):
    """Fits alpha (from the 1-value all-reduce) and BW (from the whole MLP's) to a bench/allreduce
    run, then predicts its first-layer all-reduce, which it also measured."""
    run = json.loads(open(path).read().strip().splitlines()[-1])
    p = run["ranks"]
    if p < 2:
        raise SystemExit(f"{path}: a run of {p} rank has no communication to model")
    n, first = run["values"] * 4, 784 * 1024 * 4
    alpha = run["latency_median_ms"] / 1e3 / (2 * (p - 1))
    bw = 2 * (p - 1) / p * n / (run["allreduce_min_ms"] / 1e3 - 2 * (p - 1) * alpha)
    predicted = ring_seconds(first, p, alpha, bw) * 1e3
    print(f"fitted on {path}: alpha {alpha * 1e6:.2f} us, BW {bw / 1e9:.2f} GB/s (p = {p})")
    print(f"first layer's 3.2 MB: predicted {predicted:.3f} ms, measured {run['layer1_allreduce_min_ms']:.3f} ms (min)")
    print(f"exposed after backward, bucketed overlap: predicted {predicted:.3f} ms "
          f"(the first layer's bucket), measured {run['wait_after_backward_ms']:.3f} ms (median)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", metavar="JSON", help="a bench/allreduce output line to check the model against")
    args = parser.parse_args()
    table()
    if args.check:
        print()
        check(args.check)
