// The Transformer layers and stacks, as PyTorch 1.13's torch/nn/modules/transformer.py
// computes them (its reference path, not the inference fast path, which gives the same
// values): post-norm x = norm(x + block(x)) or pre-norm x = x + block(norm(x)).
#include <xgrad/detail/format.h>

#include <cmath>

#include <xgrad/nn/init.h>
#include <xgrad/nn/transformer.h>
#include <xgrad/ops.h>

#include "tensor/checked.h"

namespace xg::nn {

namespace {

// nn.Linear as PyTorch initialises it: weight and bias U(±1/sqrt(in)).
std::shared_ptr<Linear> torch_linear(std::int64_t in, std::int64_t out, Dtype dtype) {
  auto l = std::make_shared<Linear>(LinearOptions(in, out).dtype(dtype));
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  init::kaiming_uniform_(l->W, std::sqrt(5.0));
  init::uniform_(l->b, -bound, bound);
  return l;
}

void check_layer(const char* op, const TransformerLayerOptions& o) {
  if (o.d_model() <= 0 || o.nhead() <= 0 || o.dim_feedforward() <= 0)
    fail(op, ": d_model, nhead and dim_feedforward must be positive, got ", o.d_model(), ", ", o.nhead(), ", ",
         o.dim_feedforward());
  if (o.d_model() % o.nhead() != 0) fail(op, ": d_model ", o.d_model(), " is not divisible by nhead ", o.nhead());
  if (!(o.dropout() >= 0 && o.dropout() <= 1)) fail(op, ": dropout must be in [0, 1], got ", o.dropout());
  if (!(o.layer_norm_eps() > 0)) fail(op, ": layer_norm_eps must be positive, got ", o.layer_norm_eps());
}

std::shared_ptr<MultiheadAttention> attention_of(const TransformerLayerOptions& o) {
  return std::make_shared<MultiheadAttention>(MultiheadAttentionOptions(o.d_model(), o.nhead())
                                                  .dropout(o.dropout())
                                                  .batch_first(o.batch_first())
                                                  .dtype(o.dtype()));
}

std::shared_ptr<LayerNorm> norm_of(const TransformerLayerOptions& o) {
  return std::make_shared<LayerNorm>(Shape{o.d_model()}, o.layer_norm_eps(), true, o.dtype());
}

// Every parameter of `to` set to `from`'s (same architecture): PyTorch's deep copy of a layer.
void copy_state(const Module& from, Module& to) {
  for (const auto& [name, t] : from.state()) to.set_parameter(name, t);
}

}  // namespace

TransformerActivation::TransformerActivation(const std::string& name) : name_(name) {
  if (name == "relu")
    fn_ = [](const Tensor& x) { return relu(x); };
  else if (name == "gelu")
    fn_ = [](const Tensor& x) { return gelu(x); };
  else
    fail("Transformer: activation must be \"relu\" or \"gelu\" (or a function), got \"", name, "\"");
}

// ---- encoder layer ----

TransformerEncoderLayer::TransformerEncoderLayer(const TransformerLayerOptions& o) : options_(o) {
  xg::detail::CallScope call("TransformerEncoderLayer");
  check_layer("TransformerEncoderLayer", o);
  self_attn = attention_of(o);
  linear1 = torch_linear(o.d_model(), o.dim_feedforward(), o.dtype());
  linear2 = torch_linear(o.dim_feedforward(), o.d_model(), o.dtype());
  norm1 = norm_of(o);
  norm2 = norm_of(o);
  register_module("self_attn", *self_attn);
  register_module("linear1", *linear1);
  register_module("linear2", *linear2);
  register_module("norm1", *norm1);
  register_module("norm2", *norm2);
}

Tensor TransformerEncoderLayer::operator()(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask) {
  return call(src, [&](const Tensor& x) { return forward(x, src_mask, src_key_padding_mask); });
}

Tensor TransformerEncoderLayer::forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask) {
  xg::detail::CallScope call("TransformerEncoderLayer");
  const double p = options_.dropout();
  const bool train = is_training();
  const auto sa = [&](const Tensor& x) {
    return dropout(std::get<0>((*self_attn)(x, x, x, src_key_padding_mask, false, src_mask)), p, train);
  };
  const auto ff = [&](const Tensor& x) {
    return dropout((*linear2)(dropout(options_.activation()((*linear1)(x)), p, train)), p, train);
  };
  Tensor x = src;
  if (options_.norm_first()) {
    x = x + sa((*norm1)(x));
    return x + ff((*norm2)(x));
  }
  x = (*norm1)(x + sa(x));
  return (*norm2)(x + ff(x));
}

// ---- decoder layer ----

TransformerDecoderLayer::TransformerDecoderLayer(const TransformerLayerOptions& o) : options_(o) {
  xg::detail::CallScope call("TransformerDecoderLayer");
  check_layer("TransformerDecoderLayer", o);
  self_attn = attention_of(o);
  multihead_attn = attention_of(o);
  linear1 = torch_linear(o.d_model(), o.dim_feedforward(), o.dtype());
  linear2 = torch_linear(o.dim_feedforward(), o.d_model(), o.dtype());
  norm1 = norm_of(o);
  norm2 = norm_of(o);
  norm3 = norm_of(o);
  register_module("self_attn", *self_attn);
  register_module("multihead_attn", *multihead_attn);
  register_module("linear1", *linear1);
  register_module("linear2", *linear2);
  register_module("norm1", *norm1);
  register_module("norm2", *norm2);
  register_module("norm3", *norm3);
}

Tensor TransformerDecoderLayer::forward(const Tensor&) {
  fail("TransformerDecoderLayer: needs the encoder's output: call forward(tgt, memory, ...)");
}

Tensor TransformerDecoderLayer::operator()(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                           const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                           const Tensor& memory_key_padding_mask) {
  return call(tgt, [&](const Tensor& x) {
    return forward(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
  });
}

Tensor TransformerDecoderLayer::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                        const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                        const Tensor& memory_key_padding_mask) {
  xg::detail::CallScope call("TransformerDecoderLayer");
  const double p = options_.dropout();
  const bool train = is_training();
  const auto sa = [&](const Tensor& x) {
    return dropout(std::get<0>((*self_attn)(x, x, x, tgt_key_padding_mask, false, tgt_mask)), p, train);
  };
  const auto mha = [&](const Tensor& x) {
    return dropout(std::get<0>((*multihead_attn)(x, memory, memory, memory_key_padding_mask, false, memory_mask)), p,
                   train);
  };
  const auto ff = [&](const Tensor& x) {
    return dropout((*linear2)(dropout(options_.activation()((*linear1)(x)), p, train)), p, train);
  };
  Tensor x = tgt;
  if (options_.norm_first()) {
    x = x + sa((*norm1)(x));
    x = x + mha((*norm2)(x));
    return x + ff((*norm3)(x));
  }
  x = (*norm1)(x + sa(x));
  x = (*norm2)(x + mha(x));
  return (*norm3)(x + ff(x));
}

// ---- stacks ----

namespace {

template <class Layer>
std::vector<std::shared_ptr<Layer>> make_stack(Module& owner, const char* op, const TransformerEncoderOptions& o,
                                               std::shared_ptr<ModuleList>& list) {
  if (o.num_layers() < 0) fail(op, ": num_layers must be non-negative, got ", o.num_layers());
  check_layer(op, o.encoder_layer());
  xg::detail::size_mul(o.num_layers(), o.encoder_layer().d_model(), op, "the layers");
  std::vector<std::shared_ptr<Layer>> layers;
  list = std::make_shared<ModuleList>();
  for (std::int64_t i = 0; i < o.num_layers(); ++i) {
    layers.push_back(std::make_shared<Layer>(o.encoder_layer()));
    if (i > 0) copy_state(*layers.front(), *layers.back());
    list->push_back(layers.back());
  }
  owner.register_module("layers", *list);
  return layers;
}

}  // namespace

TransformerEncoder::TransformerEncoder(const TransformerEncoderOptions& o) {
  xg::detail::CallScope call("TransformerEncoder");
  layers = make_stack<TransformerEncoderLayer>(*this, "TransformerEncoder", o, list_);
  if (o.norm()) {
    norm = norm_of(o.encoder_layer());
    register_module("norm", *norm);
  }
}

Tensor TransformerEncoder::operator()(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask) {
  return call(src, [&](const Tensor& x) { return forward(x, mask, src_key_padding_mask); });
}

Tensor TransformerEncoder::forward(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask) {
  Tensor x = src;
  for (auto& layer : layers) x = (*layer)(x, mask, src_key_padding_mask);
  return norm ? (*norm)(x) : x;
}

TransformerDecoder::TransformerDecoder(const TransformerDecoderOptions& o) {
  xg::detail::CallScope call("TransformerDecoder");
  layers = make_stack<TransformerDecoderLayer>(*this, "TransformerDecoder", o, list_);
  if (o.norm()) {
    norm = norm_of(o.encoder_layer());
    register_module("norm", *norm);
  }
}

Tensor TransformerDecoder::forward(const Tensor&) {
  fail("TransformerDecoder: needs the encoder's output: call forward(tgt, memory, ...)");
}

Tensor TransformerDecoder::operator()(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                      const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                      const Tensor& memory_key_padding_mask) {
  return call(tgt, [&](const Tensor& x) {
    return forward(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
  });
}

Tensor TransformerDecoder::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                   const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                   const Tensor& memory_key_padding_mask) {
  Tensor x = tgt;
  for (auto& layer : layers)
    x = (*layer)(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
  return norm ? (*norm)(x) : x;
}

// ---- Transformer ----

Transformer::Transformer(const TransformerOptions& o) {
  xg::detail::CallScope call("Transformer");
  encoder = std::make_shared<TransformerEncoder>(TransformerEncoderOptions(o.layer(), o.num_encoder_layers()).norm(true));
  decoder = std::make_shared<TransformerDecoder>(TransformerDecoderOptions(o.layer(), o.num_decoder_layers()).norm(true));
  register_module("encoder", *encoder);
  register_module("decoder", *decoder);
  for (auto& p : parameters())
    if (p.dim() > 1) init::xavier_uniform_(p);
}

Tensor Transformer::forward(const Tensor&) {
  fail("Transformer: needs a source and a target: call forward(src, tgt, ...)");
}

Tensor Transformer::operator()(const Tensor& src, const Tensor& tgt, const Tensor& src_mask, const Tensor& tgt_mask,
                               const Tensor& memory_mask, const Tensor& src_key_padding_mask,
                               const Tensor& tgt_key_padding_mask, const Tensor& memory_key_padding_mask) {
  return call(tgt, [&](const Tensor& t) {
    return forward(src, t, src_mask, tgt_mask, memory_mask, src_key_padding_mask, tgt_key_padding_mask,
                   memory_key_padding_mask);
  });
}

Tensor Transformer::forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask, const Tensor& tgt_mask,
                            const Tensor& memory_mask, const Tensor& src_key_padding_mask,
                            const Tensor& tgt_key_padding_mask, const Tensor& memory_key_padding_mask) {
  xg::detail::CallScope call("Transformer");
  const std::int64_t bax = encoder->layers.empty() || !encoder->layers.front()->options().batch_first() ? 1 : 0;
  if (src.dim() == 3 && tgt.dim() == 3 && src.shape()[bax] != tgt.shape()[bax])
    fail("Transformer: src ", xg::detail::shape_str(src.shape()), " and tgt ", xg::detail::shape_str(tgt.shape()),
         ": batch sizes (axis ", bax, ") differ");
  const Tensor memory = (*encoder)(src, src_mask, src_key_padding_mask);
  return (*decoder)(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
}

// ---- positions ----

Tensor sinusoidal_positional_encoding(std::int64_t max_len, std::int64_t d_model, Dtype dtype) {
  constexpr const char* op = "sinusoidal_positional_encoding";
  xg::detail::CallScope call(op);
  if (max_len < 0 || d_model <= 0) fail(op, ": max_len must be >= 0 and d_model positive, got ", max_len, ", ", d_model);
  xg::detail::checked_buffer(xg::detail::size_mul(max_len, d_model, op, "the table"), 8, op, "the table");
  std::vector<double> pe(static_cast<std::size_t>(max_len * d_model));
  for (std::int64_t p = 0; p < max_len; ++p)
    for (std::int64_t i = 0; i < d_model; ++i) {
      const double angle = static_cast<double>(p) *
                           std::exp(-std::log(10000.0) * static_cast<double>(i - i % 2) / static_cast<double>(d_model));
      pe[static_cast<std::size_t>(p * d_model + i)] = i % 2 == 0 ? std::sin(angle) : std::cos(angle);
    }
  return tensor(pe, {max_len, d_model}, dtype);
}

PositionalEncoding::PositionalEncoding(std::int64_t d_model, std::int64_t max_len, Dtype dtype) {
  pe = sinusoidal_positional_encoding(max_len, d_model, dtype);
  register_buffer("pe", pe);
}

Tensor PositionalEncoding::forward(const Tensor& x) {
  xg::detail::CallScope call("PositionalEncoding");
  const std::int64_t d = pe.shape()[1];
  if (x.dim() < 2 || x.shape().back() != d)
    fail("PositionalEncoding: input ", xg::detail::shape_str(x.shape()), " must be (..., T, ", d, ")");
  const std::int64_t T = x.shape()[x.dim() - 2];
  if (T > pe.shape()[0])
    fail("PositionalEncoding: a sequence of ", T, " positions is longer than the table's ", pe.shape()[0],
         " (max_len)");
  return x + pe.narrow(0, 0, T);
}

}  // namespace xg::nn
