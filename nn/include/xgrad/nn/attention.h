// Multi-head attention, libtorch's torch::nn::MultiheadAttention: its options, PyTorch's
// parameter names, layouts and initialisation, and its forward's arguments and results.
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>

#include <xgrad/nn/layers.h>
#include <xgrad/nn/module.h>

namespace xg::nn {

class MultiheadAttentionOptions {
 public:
  MultiheadAttentionOptions(std::int64_t embed_dim, std::int64_t num_heads) : embed_dim_(embed_dim), num_heads_(num_heads) {}
  MultiheadAttentionOptions& embed_dim(std::int64_t v) { embed_dim_ = v; return *this; }
  std::int64_t embed_dim() const { return embed_dim_; }
  MultiheadAttentionOptions& num_heads(std::int64_t v) { num_heads_ = v; return *this; }
  std::int64_t num_heads() const { return num_heads_; }
  /// Dropout on the attention weights, in training mode.
  MultiheadAttentionOptions& dropout(double v) { dropout_ = v; return *this; }
  double dropout() const { return dropout_; }
  /// Biases of the input and output projections.
  MultiheadAttentionOptions& bias(bool v) { bias_ = v; return *this; }
  bool bias() const { return bias_; }
  /// A learned key and value, parameters bias_k and bias_v (1, 1, embed_dim), appended to
  /// every sequence's projected keys and values (always attended: the masks are extended).
  MultiheadAttentionOptions& add_bias_kv(bool v) { add_bias_kv_ = v; return *this; }
  bool add_bias_kv() const { return add_bias_kv_; }
  /// A zero key and value appended to every head's keys and values (after bias_k's), always
  /// attended: a query can put weight on "nothing".
  MultiheadAttentionOptions& add_zero_attn(bool v) { add_zero_attn_ = v; return *this; }
  bool add_zero_attn() const { return add_zero_attn_; }
  /// Feature sizes of key and value (default embed_dim); when either differs, the projections
  /// are separate parameters q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim).
  MultiheadAttentionOptions& kdim(std::int64_t v) { kdim_ = v; return *this; }
  std::int64_t kdim() const { return kdim_.value_or(embed_dim_); }
  MultiheadAttentionOptions& vdim(std::int64_t v) { vdim_ = v; return *this; }
  std::int64_t vdim() const { return vdim_.value_or(embed_dim_); }
  /// Inputs and outputs (batch, seq, feature) instead of PyTorch's default (seq, batch, feature).
  MultiheadAttentionOptions& batch_first(bool v) { batch_first_ = v; return *this; }
  bool batch_first() const { return batch_first_; }
  MultiheadAttentionOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t embed_dim_, num_heads_;
  double dropout_ = 0.0;
  bool bias_ = true, add_bias_kv_ = false, add_zero_attn_ = false, batch_first_ = false;
  std::optional<std::int64_t> kdim_, vdim_;
  Dtype dtype_ = kFloat32;
};

/// Attention with num_heads heads of embed_dim / num_heads features each (Vaswani et al.):
/// q, k, v = the input projections of query, key, value; each head computes
/// softmax(q k^T / sqrt(head_dim) + masks) v; the heads are concatenated and projected by
/// out_proj. Parameters as PyTorch: in_proj_weight (3E, E) (rows q, k, v), in_proj_bias
/// (3E), out_proj.weight (E, E) (xgrad's Linear keeps it as out_proj.W, transposed),
/// out_proj.bias; PyTorch's initialisation (xavier_uniform_ in-projection, zero biases,
/// out_proj.weight U(±1/sqrt(E))), so a PyTorch state_dict loads with xg::load.
///
/// Masks, with PyTorch's meanings: `key_padding_mask` (N, S), or (S) unbatched: int64 nonzero
/// = that key is padding and ignored, or float, added. `attn_mask` (L, S) or (N·num_heads,
/// L, S): int64 nonzero = that query may not attend to that key, or float, added (e.g.
/// generate_square_subsequent_mask). A query whose keys are all masked gets zero weights and
/// a zero attention output (PyTorch 1.13's module gives NaN there; PyTorch >= 2.5's
/// scaled_dot_product_attention gives zeros, as here).
class MultiheadAttention : public Module {
 public:
  explicit MultiheadAttention(const MultiheadAttentionOptions& options);
  MultiheadAttention(std::int64_t embed_dim, std::int64_t num_heads)
      : MultiheadAttention(MultiheadAttentionOptions(embed_dim, num_heads)) {}

  /// Self-attention without masks: the output of forward(x, x, x).
  Tensor forward(const Tensor& x) override;
  /// (attn_output, attn_weights). query (L, N, E) ((N, L, E) with batch_first, (L, E)
  /// unbatched), key (S, N, kdim), value (S, N, vdim). Weights (N, L, S) averaged over heads,
  /// or (N, num_heads, L, S) without averaging; undefined unless need_weights. As libtorch's.
  /// add_bias_kv and add_zero_attn add one key each: the weights' last axis is then S + 1 or S + 2.
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const Tensor& key_padding_mask = Tensor(), bool need_weights = true,
                                     const Tensor& attn_mask = Tensor(), bool average_attn_weights = true);
  using Module::operator();
  /// forward through the module's hooks: they see the query and attn_output.
  std::tuple<Tensor, Tensor> operator()(const Tensor& query, const Tensor& key, const Tensor& value,
                                        const Tensor& key_padding_mask = Tensor(), bool need_weights = true,
                                        const Tensor& attn_mask = Tensor(), bool average_attn_weights = true);

  const MultiheadAttentionOptions& options() const { return options_; }
  std::int64_t head_dim() const { return options_.embed_dim() / options_.num_heads(); }

  Tensor in_proj_weight, in_proj_bias;                // when kdim == vdim == embed_dim
  Tensor q_proj_weight, k_proj_weight, v_proj_weight;  // otherwise (and in_proj_bias)
  Tensor bias_k, bias_v;                               // (1, 1, embed_dim), with add_bias_kv
  std::shared_ptr<Linear> out_proj;
  /// Dropout on the attention weights (N, num_heads, L, S), a child module so that its
  /// forward hooks see every call's weights (as timm's attn_drop): how xg::viz reads
  /// attention maps. Parameter-free, so PyTorch's state_dict names are unchanged.
  std::shared_ptr<Dropout> attn_drop;

 private:
  MultiheadAttentionOptions options_;
};

/// PyTorch's nn.Transformer.generate_square_subsequent_mask: an (sz, sz) float mask, 0 on
/// and below the diagonal and -inf above it, so that position i attends to positions <= i.
/// The options give its dtype (a float type; float32 by default) and its device (PyTorch's
/// device= and dtype= arguments): xg::nn::generate_square_subsequent_mask(T, xg::kCUDA).
Tensor generate_square_subsequent_mask(std::int64_t sz, const TensorOptions& options = kFloat32);

}  // namespace xg::nn
