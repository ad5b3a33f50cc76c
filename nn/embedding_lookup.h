// How every embedding reads its table's rows (F::embedding, Embedding, F::embedding_bag,
// EmbeddingBag): libtorch's max_norm, norm_type and scale_grad_by_freq in one place.
#pragma once

#include <cstdint>
#include <optional>

#include <xgrad/nn/options.h>
#include <xgrad/tensor.h>

namespace xg::nn::detail_lookup {

struct LookupRule {
  std::optional<double> max_norm;
  double norm_type = 2.0;
  bool scale_grad_by_freq = false;
};

template <class Options>
LookupRule lookup_rule(const EmbeddingLookupOptions<Options>& o) {
  return {o.max_norm(), o.norm_type(), o.scale_grad_by_freq()};
}

/// Refuses a max_norm that is not positive, a norm_type that is not a p-norm's, and
/// scale_grad_by_freq in EmbeddingBag's max mode (PyTorch's rule), naming op.
void check_lookup_rule(const LookupRule& rule, const char* op, bool max_mode = false);

/// The rows of weight at flat (checked int64 indices, 1-D): with max_norm, the rows read are
/// first renormalised in weight itself, without a gradient (PyTorch's embedding_renorm_:
/// a row whose p-norm exceeds max_norm is scaled by max_norm / (norm + 1e-7)); with
/// scale_grad_by_freq, each row's gradient is divided by how often flat reads its index.
Tensor read_rows(const Tensor& weight, const Tensor& flat, const LookupRule& rule);

}  // namespace xg::nn::detail_lookup
