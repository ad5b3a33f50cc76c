#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_attention/ and tests/fixtures/torch_attention_io.npz:
PyTorch 1.13's attention in float64, for tests/nn/test_transformer.cpp and
tests/autograd/test_ops_attention.cpp to compare with to 1e-10.

- sdpa.*: PyTorch 2's scaled_dot_product_attention composed from its documented definition
  (1.13 has no such function): outputs and the gradients of sum(out * g) for q, k, v, with
  a boolean mask, an additive mask, is_causal, broadcasting and an explicit scale.
- mha_* / enc_* / dec_* / stack_* / transformer: a module's state_dict saved as a user saves
  one (numpy.savez of state_dict()), and in torch_attention_io.npz its inputs, masks, outputs
  (and attention weights), the gradients of sum(out * g) for the first input and for some
  parameters. Modules are in eval mode (dropout off). Boolean masks are saved as int64 0/1:
  xgrad's boolean.

Run with Debian's python3-torch: /usr/bin/python3 scripts/make_attention_fixtures.py
"""
import math
import pathlib

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(22)
torch.set_default_dtype(torch.float64)
root = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures"
state_dir = root / "torch_attention"
state_dir.mkdir(exist_ok=True)
io = {}


def sdpa(q, k, v, attn_mask=None, is_causal=False, scale=None):
    """torch.nn.functional.scaled_dot_product_attention's definition in PyTorch 2's docs."""
    L, S = q.size(-2), k.size(-2)
    scale_factor = 1 / math.sqrt(q.size(-1)) if scale is None else scale
    attn_bias = torch.zeros(L, S, dtype=q.dtype)
    if is_causal:
        temp_mask = torch.ones(L, S, dtype=torch.bool).tril(diagonal=0)
        attn_bias = attn_bias.masked_fill(temp_mask.logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            attn_bias = attn_bias.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            attn_bias = attn_mask + attn_bias
    attn_weight = q @ k.transpose(-2, -1) * scale_factor
    attn_weight += attn_bias
    attn_weight = torch.softmax(attn_weight, dim=-1)
    return attn_weight @ v


def mask_np(m):
    return m.to(torch.int64).numpy() if m.dtype == torch.bool else m.numpy()


def sdpa_case(name, q_shape, k_shape, v_shape, mask=None, is_causal=False, scale=None):
    q, k, v = (torch.randn(s, requires_grad=True) for s in (q_shape, k_shape, v_shape))
    out = sdpa(q, k, v, mask, is_causal, scale)
    g = torch.randn_like(out)
    (out * g).sum().backward()
    for key, t in dict(q=q, k=k, v=v, out=out, g=g, gq=q.grad, gk=k.grad, gv=v.grad).items():
        io[f"sdpa.{name}.{key}"] = t.detach().numpy()
    if mask is not None:
        io[f"sdpa.{name}.mask"] = mask_np(mask)
    io[f"sdpa.{name}.causal"] = np.array(int(is_causal))
    io[f"sdpa.{name}.scale"] = np.array(-1.0 if scale is None else scale)


def keep_some(L, S):
    """A boolean (L, S) mask where every row keeps at least its diagonal key."""
    m = torch.rand(L, S) > 0.4
    m[torch.arange(L), torch.arange(L) % S] = True
    return m


sdpa_case("plain", (2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6))
sdpa_case("bool", (2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6), mask=keep_some(4, 5))
sdpa_case("float", (2, 4, 8), (2, 5, 8), (2, 5, 6), mask=torch.randn(2, 1, 5))
sdpa_case("causal", (2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 3), is_causal=True)
sdpa_case("broadcast", (2, 3, 4, 8), (5, 8), (5, 6), scale=0.3)


def randomize(model):
    """Non-trivial values everywhere, also where PyTorch initialises to 0 or 1."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.3)


def save_state(name, model):
    np.savez(state_dir / f"{name}.npz", **{k: v.detach().numpy() for k, v in model.state_dict().items()})


def grads(name, model, params):
    for p in params:
        io[f"{name}.grad.{p}"] = dict(model.named_parameters())[p].grad.numpy()


def padding_mask(N, S):
    """(N, S) bool, True = padding: the last keys of every sequence but the first."""
    m = torch.zeros(N, S, dtype=torch.bool)
    for n in range(1, N):
        m[n, S - n:] = True
    return m


# ---- MultiheadAttention ----
def mha_case(name, E, H, L, S, N, batch_first=False, kdim=None, vdim=None, self_attention=False, kpm=False,
             attn_mask=None, average=True, bias=True, add_bias_kv=False, add_zero_attn=False):
    m = nn.MultiheadAttention(E, H, bias=bias, kdim=kdim, vdim=vdim, batch_first=batch_first,
                              add_bias_kv=add_bias_kv, add_zero_attn=add_zero_attn)
    randomize(m)
    m.eval()
    shape = lambda T, F: (N, T, F) if batch_first else (T, N, F)
    q = torch.randn(shape(L, E), requires_grad=True)
    if self_attention:
        k = v = q
    else:
        k = torch.randn(shape(S, kdim or E))
        v = torch.randn(shape(S, vdim or E))
    key_padding = padding_mask(N, S) if kpm else None
    out, w = m(q, k, v, key_padding_mask=key_padding, need_weights=True, attn_mask=attn_mask,
               average_attn_weights=average)
    g = torch.randn_like(out)
    (out * g).sum().backward()
    save_state(name, m)
    io[f"{name}.q"] = q.detach().numpy()
    if not self_attention:
        io[f"{name}.k"] = k.numpy()
        io[f"{name}.v"] = v.numpy()
    if key_padding is not None:
        io[f"{name}.kpm"] = mask_np(key_padding)
    if attn_mask is not None:
        io[f"{name}.attn_mask"] = mask_np(attn_mask)
    io[f"{name}.out"] = out.detach().numpy()
    io[f"{name}.weights"] = w.detach().numpy()
    io[f"{name}.g"] = g.numpy()
    io[f"{name}.grad.q"] = q.grad.numpy()
    grads(name, m, ["in_proj_weight" if kdim is None else "q_proj_weight", "out_proj.weight"] +
          (["in_proj_bias"] if bias else []) + (["bias_k", "bias_v"] if add_bias_kv else []))


mha_case("mha_self", 8, 2, 5, 5, 3, self_attention=True)
mha_case("mha_cross_bf", 8, 4, 4, 6, 2, batch_first=True, kpm=True)
mha_case("mha_causal_heads", 6, 3, 5, 5, 2, self_attention=True, attn_mask=nn.Transformer.generate_square_subsequent_mask(5),
         average=False)
mha_case("mha_bool_mask", 8, 2, 4, 5, 2, attn_mask=~keep_some(4, 5), kpm=True)
mha_case("mha_kvdim", 8, 2, 3, 4, 2, kdim=5, vdim=7, bias=False)


# ---- encoder and decoder layers, stacks, the Transformer ----
def layer_input(N, T, E, batch_first):
    return torch.randn((N, T, E) if batch_first else (T, N, E), requires_grad=True)


def enc_case(name, norm_first, batch_first, activation="relu"):
    E, H, F, N, T = 8, 2, 16, 3, 5
    m = nn.TransformerEncoderLayer(E, H, F, dropout=0.1, activation=activation, batch_first=batch_first,
                                   norm_first=norm_first)
    randomize(m)
    m.eval()
    x = layer_input(N, T, E, batch_first)
    mask = nn.Transformer.generate_square_subsequent_mask(T)
    kpm = padding_mask(N, T)
    # The reference path (PyTorch's inference fast path gives the same values but is skipped
    # while an input requires grad).
    out = m(x, src_mask=mask, src_key_padding_mask=kpm)
    g = torch.randn_like(out)
    (out * g).sum().backward()
    save_state(name, m)
    io.update({f"{name}.x": x.detach().numpy(), f"{name}.mask": mask.numpy(), f"{name}.kpm": mask_np(kpm),
               f"{name}.out": out.detach().numpy(), f"{name}.g": g.numpy(), f"{name}.grad.x": x.grad.numpy()})
    grads(name, m, ["self_attn.in_proj_weight", "linear1.weight", "norm1.weight"])


enc_case("enc_post", False, False)
enc_case("enc_pre_bf", True, True, "gelu")


def dec_case(name, norm_first, batch_first):
    E, H, F, N, T, S = 8, 2, 16, 2, 4, 6
    m = nn.TransformerDecoderLayer(E, H, F, dropout=0.1, batch_first=batch_first, norm_first=norm_first)
    randomize(m)
    m.eval()
    x = layer_input(N, T, E, batch_first)
    memory = torch.randn((N, S, E) if batch_first else (S, N, E))
    mask = nn.Transformer.generate_square_subsequent_mask(T)
    mkpm = padding_mask(N, S)
    out = m(x, memory, tgt_mask=mask, memory_key_padding_mask=mkpm)
    g = torch.randn_like(out)
    (out * g).sum().backward()
    save_state(name, m)
    io.update({f"{name}.x": x.detach().numpy(), f"{name}.memory": memory.numpy(), f"{name}.mask": mask.numpy(),
               f"{name}.mkpm": mask_np(mkpm), f"{name}.out": out.detach().numpy(), f"{name}.g": g.numpy(),
               f"{name}.grad.x": x.grad.numpy()})
    grads(name, m, ["multihead_attn.in_proj_weight", "linear2.weight", "norm3.bias"])


dec_case("dec_post_bf", False, True)
dec_case("dec_pre", True, False)

# A two-layer pre-norm encoder with a final norm, and a small whole Transformer.
enc_layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, norm_first=True, batch_first=True)
stack = nn.TransformerEncoder(enc_layer, 2, norm=nn.LayerNorm(8), enable_nested_tensor=False)
randomize(stack)
stack.eval()
x = torch.randn(2, 5, 8, requires_grad=True)
out = stack(x, mask=nn.Transformer.generate_square_subsequent_mask(5))
(out * out).sum().backward()
save_state("stack_enc", stack)
io.update({"stack_enc.x": x.detach().numpy(), "stack_enc.out": out.detach().numpy(), "stack_enc.grad.x": x.grad.numpy()})

tr = nn.Transformer(8, 2, 2, 1, 16, dropout=0.0)
randomize(tr)
tr.eval()
src, tgt = torch.randn(6, 2, 8), torch.randn(4, 2, 8, requires_grad=True)
out = tr(src, tgt, tgt_mask=tr.generate_square_subsequent_mask(4), src_key_padding_mask=padding_mask(2, 6),
         memory_key_padding_mask=padding_mask(2, 6))
(out * out).sum().backward()
save_state("transformer", tr)
io.update({"transformer.src": src.numpy(), "transformer.tgt": tgt.detach().numpy(),
           "transformer.kpm": mask_np(padding_mask(2, 6)), "transformer.out": out.detach().numpy(),
           "transformer.grad.tgt": tgt.grad.numpy()})

# ---- warmup schedules: the learning rate at each of 12 steps ----
def lrs(make):
    opt = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=0.5)
    sched = make(opt)
    out = []
    for _ in range(12):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(out)


io["sched.lambda"] = lrs(lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 1.0 / (1 + e)))
io["sched.linear"] = lrs(lambda o: torch.optim.lr_scheduler.LinearLR(o, 0.2, 1.0, 4))
io["sched.sequential"] = lrs(lambda o: torch.optim.lr_scheduler.SequentialLR(
    o, [torch.optim.lr_scheduler.LinearLR(o, 0.1, 1.0, 4), torch.optim.lr_scheduler.CosineAnnealingLR(o, 6, 0.01)], [4]))

# add_bias_kv and add_zero_attn (made last, so the arrays above keep their values): the extra
# keys with every mask kind, kdim/vdim, batch_first and per-head weights.
mha_case("mha_bias_kv", 8, 2, 4, 5, 3, attn_mask=~keep_some(4, 5), kpm=True, average=False, add_bias_kv=True)
mha_case("mha_zero_attn_bf", 6, 3, 3, 4, 2, batch_first=True, attn_mask=torch.randn(3, 4), add_zero_attn=True)
mha_case("mha_both_kvdim", 8, 2, 3, 4, 2, kdim=5, vdim=7, kpm=True, add_bias_kv=True, add_zero_attn=True)
mha_case("mha_both_self", 6, 2, 5, 5, 2, self_attention=True, attn_mask=nn.Transformer.generate_square_subsequent_mask(5),
         add_bias_kv=True, add_zero_attn=True)

np.savez(root / "torch_attention_io.npz", **io)
print(f"wrote {len(io)} arrays and {len(list(state_dir.glob('*.npz')))} state_dicts")
