#!/usr/bin/python3
"""PyTorch's side of bench/composition_steps: the same workloads, shapes and order, timed the
same way (best_ms of bench/reference.py), float32. Prints one JSON object per workload.

    /usr/bin/python3 bench/composition_reference.py [--threads 1] [--repeats 3]
"""
import argparse
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

from reference import best_ms


def bce_pos_weight_step():
    t, w = (torch.rand(4096, 128) > 0.9).float(), torch.rand(4096, 1)
    pw = torch.full((128,), 9.0)
    return fwd_bwd(torch.randn(4096, 128), lambda x: F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw))


def fwd_bwd(x, f):
    g = torch.randn_like(f(x.detach()))

    def step():
        v = x.detach().requires_grad_(True)
        (f(v) * g).sum().backward()
    return step


def workloads():
    def conv_step():
        conv = nn.Conv2d(64, 64, 3, padding=1, padding_mode="reflect")
        x, g = torch.randn(4, 64, 64, 64), torch.randn(4, 64, 64, 64)

        def step():
            conv.zero_grad()
            v = x.detach().requires_grad_(True)
            (conv(v) * g).sum().backward()
        return step

    def einsum_step():
        k = torch.randn(8, 8, 256, 64, requires_grad=True)
        return fwd_bwd(torch.randn(8, 8, 256, 64), lambda q: torch.einsum("bhqd,bhkd->bhqk", q, k))

    def elementwise_step():
        b = torch.rand(1 << 20) + 0.5
        return fwd_bwd(torch.randn(1 << 20), lambda a: torch.atan2(a, b) + torch.remainder(a, 1.5) * torch.tan(b))

    def solve_step():
        b = torch.randn(256, 64, requires_grad=True)
        return fwd_bwd(torch.randn(256, 256) + 16 * torch.eye(256), lambda a: torch.linalg.solve(a, b))

    def cholesky_step():
        m = torch.randn(256, 256)
        return fwd_bwd(m @ m.T + 256 * torch.eye(256), torch.linalg.cholesky)

    def eigh_step():
        m = torch.randn(128, 128)
        return fwd_bwd(m + m.T, torch.linalg.eigvalsh)

    def searchsorted_step():
        seq, v = torch.sort(torch.randn(4096))[0], torch.randn(1 << 16)
        return lambda: torch.searchsorted(seq, v)

    def binary_math_step():
        b = torch.rand(1 << 20) + 0.5
        return fwd_bwd(torch.randn(1 << 20), lambda a: torch.logaddexp(a, b) + torch.hypot(a, b) + torch.xlogy(a, b))

    def embedding_bag_step():
        offsets = [0]
        for i in range(1, 1024):
            offsets.append(offsets[-1] + 1 + (i * 7) % 31)
        idx, off = torch.randint(0, 20000, (offsets[-1] + 17,)), torch.tensor(offsets)
        return fwd_bwd(torch.randn(20000, 64), lambda w: F.embedding_bag(idx, w, off, mode="sum"))

    def special_step():
        y = torch.rand(1 << 20) * 1.8 - 0.9
        return fwd_bwd(torch.rand(1 << 20) * 5 + 0.1,
                       lambda x: torch.lgamma(x) + torch.digamma(x) + torch.erfinv(y * x.detach() / 5.2) + torch.erfc(x))

    def addmm_step():
        bias, W, m = torch.randn(512), torch.randn(512, 512), torch.randn(64, 64)
        b1, b2 = torch.randn(16, 64, 64), torch.randn(16, 64, 64)
        return fwd_bwd(torch.randn(256, 512), lambda x: torch.addmm(bias, x, W, beta=0.5, alpha=2).sum() +
                       torch.baddbmm(m, b1 * x[0, :64].reshape(1, 1, 64), b2).sum())

    def ctc_step():
        targets, input_lengths = torch.randint(1, 28, (16, 20)), torch.full((16,), 50)
        target_lengths = torch.tensor([12 + i % 9 for i in range(16)])
        return fwd_bwd(torch.randn(50, 16, 28),
                       lambda x: F.ctc_loss(x.log_softmax(-1), targets, input_lengths, target_lengths))

    def conv3d_step():
        W, b = torch.randn(32, 16, 3, 3, 3, requires_grad=True), torch.randn(32, requires_grad=True)
        return fwd_bwd(torch.randn(4, 16, 16, 32, 32), lambda x: F.conv3d(x, W, b, padding=1))

    def conv_transpose3d_step():
        W = torch.randn(32, 16, 2, 2, 2, requires_grad=True)
        return fwd_bwd(torch.randn(4, 32, 8, 16, 16), lambda x: F.conv_transpose3d(x, W, stride=2))

    def unique_step():
        v = torch.randint(0, 5000, (1 << 18,))
        return lambda: torch.unique(v, sorted=True, return_inverse=True, return_counts=True)

    def bitwise_step():
        a, b = torch.randint(-(1 << 30), 1 << 30, (1 << 20,)), torch.randint(0, 1 << 20, (1 << 20,))
        return lambda: ~(((a ^ (a >> 7)) & 0xFFFF) | (b << 3))

    def int_divide_step():
        flat, width = torch.randint(-(1 << 20), 1 << 30, (1 << 20,)), torch.tensor(1000)

        def step():
            torch.div(flat, width, rounding_mode="floor")
            flat % 1000
            torch.fmod(flat, 977)
        return step

    def histc_step():
        v = torch.randn(1 << 20)
        return lambda: torch.histc(v, 100, -3, 3)

    def lbfgs_step():
        x, y = torch.randn(512, 64), torch.randn(512, 10)
        start = [torch.randn(64, 32) * 0.1, torch.zeros(32), torch.randn(32, 10) * 0.1, torch.zeros(10)]

        def step():
            p = [t.clone().requires_grad_(True) for t in start]
            opt = torch.optim.LBFGS(p, lr=1, max_iter=20, line_search_fn="strong_wolfe")

            def closure():
                opt.zero_grad()
                loss = ((torch.tanh(x @ p[0] + p[1]) @ p[2] + p[3] - y) ** 2).mean()
                loss.backward()
                return loss
            opt.step(closure)
        return step

    def grid_sample_step():
        x = torch.randn(32, 16, 48, 48, requires_grad=True)
        theta = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]) + 0.1 * torch.randn(32, 2, 3)
        return fwd_bwd(theta, lambda t: F.grid_sample(x, F.affine_grid(t, [32, 16, 48, 48], align_corners=False),
                                                      align_corners=False))

    def quantile_step():
        q = torch.tensor([0.1, 0.25, 0.5, 0.75, 0.9])
        return fwd_bwd(torch.randn(256, 1024), lambda x: torch.quantile(x, q, 1))

    def scatter_reduce_step():
        idx = torch.randint(0, 8192, (65536, 1)).expand(65536, 64)
        z = torch.zeros(8192, 64)
        return fwd_bwd(torch.randn(65536, 64), lambda x: z.scatter_reduce(0, idx, x, "mean", include_self=False)
                       + z.scatter_reduce(0, idx, x, "amax", include_self=False))

    lstsq_B = torch.randn(16, 512, 4)
    lu_B = torch.randn(16, 128, 8)

    def draw(p, replacement):
        return lambda: torch.multinomial(p, 1, replacement)

    return [
        ("reflect_pad", 50, lambda: fwd_bwd(torch.randn(4, 64, 64, 64), lambda x: F.pad(x, (1, 1, 1, 1), mode="reflect"))),
        ("reflect_conv", 5, conv_step),
        ("upsample", 20, lambda: fwd_bwd(torch.randn(8, 32, 32, 32),
                                         lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False))),
        ("einsum", 5, einsum_step),
        ("cumprod", 50, lambda: fwd_bwd(torch.rand(256, 1024) + 0.5, lambda x: torch.cumprod(x, 1))),
        ("prod", 50, lambda: fwd_bwd(torch.rand(256, 1024) + 0.5, lambda x: torch.prod(x, 1))),
        ("elementwise", 20, elementwise_step),
        ("multinomial_char", 2000, lambda: draw(torch.softmax(torch.randn(65), 0), False)),
        ("multinomial_rows", 20, lambda: draw(torch.rand(256, 1000), True)),
        ("inv", 20, lambda: fwd_bwd(torch.randn(64, 32, 32) + 6 * torch.eye(32), torch.linalg.inv)),
        ("solve", 20, solve_step),
        ("cholesky", 20, cholesky_step),
        ("eigh", 10, eigh_step),
        ("slogdet", 20, lambda: fwd_bwd(torch.randn(64, 32, 32) + 6 * torch.eye(32), lambda a: torch.linalg.slogdet(a)[1])),
        ("svd", 10, lambda: fwd_bwd(torch.randn(256, 128), torch.linalg.svdvals)),
        ("qr", 10, lambda: fwd_bwd(torch.randn(256, 128), lambda a: torch.cat([t.flatten() for t in torch.linalg.qr(a)]))),
        ("grid_sample", 10, grid_sample_step),
        ("quantile", 20, quantile_step),
        ("adaptive_max", 20, lambda: fwd_bwd(torch.randn(32, 64, 28, 28), lambda x: F.adaptive_max_pool2d(x, 5))),
        ("fractional_pool", 20, lambda: fwd_bwd(torch.randn(32, 64, 28, 28),
                                                lambda x: F.fractional_max_pool2d(x, 3, output_ratio=0.5))),
        ("median", 20, lambda: fwd_bwd(torch.randn(256, 1024), lambda x: torch.median(x, 1)[0])),
        ("logcumsumexp", 20, lambda: fwd_bwd(torch.randn(256, 1024), lambda x: torch.logcumsumexp(x, 1))),
        ("cummax", 20, lambda: fwd_bwd(torch.randn(256, 1024), lambda x: torch.cummax(x, 1)[0])),
        ("searchsorted", 20, searchsorted_step),
        ("binary_math", 20, binary_math_step),
        ("embedding_bag", 20, embedding_bag_step),
        ("unique", 20, unique_step),
        ("bitwise", 20, bitwise_step),
        ("int_divide", 20, int_divide_step),
        ("histc", 20, histc_step),
        ("special", 10, special_step),
        ("addmm", 20, addmm_step),
        ("ctc", 20, ctc_step),
        ("conv3d", 5, conv3d_step),
        ("conv_transpose3d", 5, conv_transpose3d_step),
        ("pool3d", 10, lambda: fwd_bwd(torch.randn(4, 16, 16, 32, 32),
                                       lambda x: F.max_pool3d(x, 2).sum() + F.avg_pool3d(x, 3, 1, 1).sum())),
        ("pool_ceil", 10, lambda: fwd_bwd(torch.randn(16, 64, 55, 55),
                                          lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True).sum()
                                          + F.avg_pool2d(x, 3, 2, 1, ceil_mode=True).sum())),
        ("bce_pos_weight", 20, bce_pos_weight_step),
        ("lbfgs", 5, lbfgs_step),
        ("scatter_reduce", 20, scatter_reduce_step),
        ("lstsq", 10, lambda: fwd_bwd(torch.randn(16, 512, 32), lambda A: torch.linalg.lstsq(A, lstsq_B).solution)),
        ("matrix_exp", 10, lambda: fwd_bwd(torch.randn(32, 64, 64) * 0.05, torch.linalg.matrix_exp)),
        ("lu", 10, lambda: fwd_bwd(torch.randn(16, 128, 128), lambda A: torch.linalg.lu_solve(*torch.linalg.lu_factor(A), lu_B))),
    ]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--workload", default="")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    for name, iters, make in workloads():
        if a.workload and a.workload != name:
            continue
        print(json.dumps({"workload": name, "ms": best_ms(make(), iters, a.repeats)}), flush=True)


if __name__ == "__main__":
    main()
