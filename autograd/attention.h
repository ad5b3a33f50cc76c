// Private: the attention core shared by scaled_dot_product_attention (autograd/) and
// nn::MultiheadAttention (nn/). The callers translate their APIs' mask conventions into
// one: `keep` (int64, nonzero = the key takes part) and `bias` (float, added to the scores).
#pragma once

#include <functional>
#include <tuple>

#include <xgrad/tensor.h>

namespace xg::autograd {

struct AttentionMasks {
  Tensor keep;          // int64, broadcasts to (..., L, S); undefined = every key
  Tensor bias;          // float, broadcasts to (..., L, S); undefined = none
  bool causal = false;  // key j takes part for query i only when j <= i
};

/// What happens to the attention weights between the softmax and the product with v:
/// dropout, or a module (MultiheadAttention's attn_drop, whose hooks see the weights).
using WeightsFn = std::function<Tensor(const Tensor&)>;

/// softmax(q k^T · scale + masks) v for q (..., L, E), k (..., S, E), v (..., S, Ev) of one
/// float dtype, leading axes broadcasting (the masks' too). The weights pass through
/// `on_weights`. Returns (output (..., L, Ev), weights (..., L, S) after on_weights, or
/// undefined unless want_weights). A query row with no key taking part gives zero weights
/// and a zero output.
std::tuple<Tensor, Tensor> attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionMasks& masks,
                                     const WeightsFn& on_weights, double scale, bool want_weights);

/// Checks that `mask` (named `what` in messages of `op`) broadcasts to `scores` shape
/// (..., L, S), and that a boolean mask is int64 (floats are refused where `allow_float`
/// is false).
void check_attention_mask(const char* op, const char* what, const Tensor& mask, const Shape& scores,
                          bool allow_float);

}  // namespace xg::autograd
