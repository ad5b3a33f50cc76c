// Private: layer normalisation over the trailing `cols` elements of each row as one pass
// forward and one backward (tensor/layer_norm.cpp; on a GPU tensor/cuda/norm.cu). Composed,
// layer_norm recorded about 14 operations forward and 30 backward, each a pass over x.
#pragma once

#include <xgrad/tensor.h>

namespace xg::kernel {

struct LayerNormOut {
  Tensor y;
  /// (rows, 3) in x's dtype: per row s (a power of two near its largest magnitude, which x is
  /// divided by first so that squares cannot overflow), the mean of x / s and 1 / sqrt(its
  /// variance + eps / s²): what backward needs.
  Tensor stats;
};
/// x (contiguous, float) seen as rows of `cols`; weight and bias (cols elements each) may be
/// undefined. y = (x - mean) / sqrt(var + eps) (* weight) (+ bias), the biased variance.
LayerNormOut layer_norm_forward(const Tensor& x, std::int64_t cols, const Tensor& weight, const Tensor& bias, double eps,
                                const char* op);

struct LayerNormGrads {
  Tensor x, weight, bias;  // weight's and bias's (cols,) and only where asked for
};
/// The gradients from the forward's stats and y's gradient gy (x's shape).
LayerNormGrads layer_norm_backward(const Tensor& x, std::int64_t cols, const Tensor& stats, const Tensor& weight,
                                   const Tensor& gy, bool weight_grad, bool bias_grad, const char* op);

}  // namespace xg::kernel
