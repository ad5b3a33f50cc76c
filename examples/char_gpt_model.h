// The model of examples/char_gpt.cpp, as nanoGPT's model.py: a GPT of pre-norm blocks of
// causal self-attention (xg::nn::MultiheadAttention) and an MLP, with learned positions and a
// head tied to the token embedding. Each block can also step one position at a time with a
// key-value cache. (bench/attention_steps.cpp times its training step against PyTorch's.)
#pragma once

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <xgrad/xgrad.h>

namespace char_gpt {

namespace nn = xg::nn;
using xg::Tensor;

struct Config {
  int vocab = 0, block = 64, layers = 4, heads = 4, embd = 64;
  double dropout = 0.0;
};

// One position's keys and values per head, kept between sampling steps: (1, heads, t, d).
struct KV {
  Tensor k, v;
};

struct Block : nn::Module {
  nn::LayerNorm ln_1, ln_2;
  nn::MultiheadAttention attn;
  nn::Linear c_fc, c_proj;
  double dropout;
  Tensor causal;  // (T, T) int64 on the input's device, 1 above the diagonal: no attending to later positions

  Block(const Config& c)
      : ln_1(xg::Shape{c.embd}), ln_2(xg::Shape{c.embd}),
        attn(nn::MultiheadAttentionOptions(c.embd, c.heads).dropout(c.dropout).batch_first(true)),
        c_fc(c.embd, 4 * c.embd), c_proj(4 * c.embd, c.embd), dropout(c.dropout) {
    register_module("ln_1", ln_1);
    register_module("attn", attn);
    register_module("ln_2", ln_2);
    register_module("c_fc", c_fc);
    register_module("c_proj", c_proj);
  }
  Tensor mlp(const Tensor& x) { return xg::dropout(c_proj(xg::gelu(c_fc(x))), dropout, is_training()); }

  Tensor forward(const Tensor& x) override {  // (B, T, C)
    const auto T = x.size(1);
    if (!causal.defined() || causal.size(0) != T || causal.device() != x.device())
      causal = xg::triu(xg::ones({T, T}, xg::TensorOptions(xg::kInt64).device(x.device())), 1);
    auto h = ln_1(x);
    auto y = x + std::get<0>(attn(h, h, h, Tensor(), false, causal));
    return y + mlp(ln_2(y));
  }

  // The newest position only (1, 1, C): its query against every cached key and value.
  Tensor step(const Tensor& x, KV& cache) {
    const std::int64_t C = x.size(2), H = attn.options().num_heads(), d = C / H;
    auto qkv = xg::chunk(xg::linear_t(ln_1(x).reshape({1, C}), attn.in_proj_weight, attn.in_proj_bias), 3, 1);
    auto heads = [&](const Tensor& t) { return t.reshape({1, H, 1, d}); };
    cache.k = cache.k.defined() ? xg::cat({cache.k, heads(qkv[1])}, 2) : heads(qkv[1]);
    cache.v = cache.v.defined() ? xg::cat({cache.v, heads(qkv[2])}, 2) : heads(qkv[2]);
    auto att = xg::scaled_dot_product_attention(heads(qkv[0]), cache.k, cache.v);  // sees only the past
    auto y = x + (*attn.out_proj)(att.reshape({1, C})).reshape({1, 1, C});
    return y + mlp(ln_2(y));
  }
};

struct GPT : nn::Module {
  Config config;
  nn::Embedding wte, wpe;
  nn::ModuleList h;
  std::vector<std::shared_ptr<Block>> blocks;
  nn::LayerNorm ln_f;
  std::shared_ptr<nn::Linear> lm_head;  // only when untied

  GPT(const Config& c, bool tie) : config(c), wte(c.vocab, c.embd), wpe(c.block, c.embd), ln_f(xg::Shape{c.embd}) {
    register_module("wte", wte);
    register_module("wpe", wpe);
    for (int i = 0; i < c.layers; ++i) {
      blocks.push_back(std::make_shared<Block>(c));
      h.push_back(blocks.back());
    }
    register_module("h", h);
    register_module("ln_f", ln_f);
    if (!tie) {
      lm_head = std::make_shared<nn::Linear>(nn::LinearOptions(c.embd, c.vocab).bias(false));
      register_module("lm_head", *lm_head);
    }
    // nanoGPT's initialisation: N(0, 0.02) weights, the residual projections scaled by 1/sqrt(2 layers).
    for (auto& [name, p] : named_parameters())
      if (p.dim() == 2) nn::init::normal_(p, 0.0, name.find("c_proj") != std::string::npos || name.find("out_proj") != std::string::npos
                                                      ? 0.02 / std::sqrt(2.0 * c.layers) : 0.02);
  }
  // Tied, the head is the token embedding transposed: one matrix, in parameters() once, so
  // AdamW updates it once per step with the sum of both uses' gradients.
  Tensor head(const Tensor& x) {
    auto h = ln_f(x).reshape({-1, config.embd});
    return (lm_head ? (*lm_head)(h) : xg::linear_t(h, wte.W)).reshape({x.size(0), x.size(1), config.vocab});
  }
  Tensor forward(const Tensor& idx) override {  // (B, T) int64 -> (B, T, vocab) logits
    auto x = wte(idx) + wpe(xg::arange(static_cast<double>(idx.size(1)), idx.device()));
    for (auto& b : blocks) x = (*b)(x);
    return head(x);
  }
  Tensor step(std::int64_t token, std::int64_t pos, std::vector<KV>& cache) {  // -> (vocab) logits
    const xg::Device on = wte.W.device();
    auto x = wte(xg::tensor({static_cast<double>(token)}, {1, 1}, xg::kInt64).to(on)) +
             wpe(xg::tensor({static_cast<double>(pos)}, {1}, xg::kInt64).to(on));
    for (std::size_t i = 0; i < blocks.size(); ++i) x = blocks[i]->step(x, cache[i]);
    return head(x).reshape({-1});
  }
};

}  // namespace char_gpt
