// The activation layers of xgrad/nn/activations.h that check their options or compose.
#include <xgrad/detail/format.h>

#include <xgrad/nn/activations.h>

#include "tensor/checked.h"

namespace xg::nn {

Hardtanh::Hardtanh(const HardtanhOptions& options) : options_(options) {
  if (!(options.min_val() <= options.max_val()))
    fail("Hardtanh: min_val ", options.min_val(), " must not exceed max_val ", options.max_val());
}

Softshrink::Softshrink(const SoftshrinkOptions& options) : lambda_(options.lambda()) {
  if (!(lambda_ >= 0)) fail("Softshrink: lambda must be non-negative, got ", lambda_);
}

Hardshrink::Hardshrink(const HardshrinkOptions& options) : lambda_(options.lambda()) {
  if (!(lambda_ >= 0)) fail("Hardshrink: lambda must be non-negative, got ", lambda_);
}

Tensor Softmin::forward(const Tensor& x) { return functional::softmin(x, dim_); }

Tensor functional::softmin(const Tensor& x, const SoftminFuncOptions& o) {
  detail::CallScope call("softmin");
  return softmax(-x, o.dim());
}

}  // namespace xg::nn
