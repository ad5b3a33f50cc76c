#!/usr/bin/python3
"""PyTorch's side of bench/attention_steps, timed the same way (best_ms of bench/reference.py),
with the peak memory the workload adds (ru_maxrss before and after; one workload per process):
  --workload mha: nn.MultiheadAttention(512, 8) self-attention, batch 8, sequence T, forward +
    backward of sum(out * g), need_weights=False;
  --workload gpt: examples/char_gpt's model written in PyTorch (4 pre-norm blocks of
    nn.MultiheadAttention with a causal mask and a GELU MLP, width 64, context 64, learned
    positions, head tied to the token embedding), batch 32: cross-entropy, backward,
    clip_grad_norm_ 1.0, AdamW with decay on matrices only.

    /usr/bin/python3 bench/attention_reference.py --workload mha --seq 512 [--threads 1] [--repeats 2] [--iters 0]
"""
import argparse
import json
import resource

import torch
import torch.nn as nn
import torch.nn.functional as F

from reference import best_ms


def max_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Block(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.attn = nn.MultiheadAttention(C, H, batch_first=True)
        self.c_fc, self.c_proj = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)

    def forward(self, x, mask):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=mask)[0]
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, vocab=74, block=64, layers=4, heads=4, C=64):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, C), nn.Embedding(block, C)
        self.h = nn.ModuleList(Block(C, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(C)
        self.register_buffer("mask", torch.triu(torch.ones(block, block, dtype=torch.bool), 1))

    def forward(self, idx):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for b in self.h:
            x = b(x, self.mask[:T, :T])
        return self.ln_f(x) @ self.wte.weight.t()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", choices=["mha", "gpt"], default="mha")
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--iters", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.workload == "mha":
        mha = nn.MultiheadAttention(512, 8)
        x = torch.randn(a.seq, 8, 512, requires_grad=True)
        g = torch.randn(a.seq, 8, 512)
        base = max_rss_mib()
        iters = a.iters or (20 if a.seq <= 128 else 4 if a.seq <= 512 else 1)

        def step():
            y = mha(x, x, x, need_weights=False)[0]
            (y * g).sum().backward()
            x.grad = None
            mha.zero_grad(set_to_none=True)

        name = f"MHA d512 h8 b8 T{a.seq}"
    else:
        model = GPT()
        decay = [p for p in model.parameters() if p.dim() >= 2]
        no_decay = [p for p in model.parameters() if p.dim() < 2]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                                lr=4e-3, betas=(0.9, 0.99))
        x, t = torch.randint(0, 74, (32, 64)), torch.randint(0, 74, (32 * 64,))
        base = max_rss_mib()
        iters = a.iters or 10

        def step():
            loss = F.cross_entropy(model(x).reshape(-1, 74), t)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()

        name = "char_gpt step b32 T64"
    ms = best_ms(step, iters, a.repeats)
    print(json.dumps({"impl": "torch", "workload": name, "threads": a.threads, "ms": ms,
                      "peak_mib": max_rss_mib() - base, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
