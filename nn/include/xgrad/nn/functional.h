// libtorch's torch::nn::functional: the same function names and *FuncOptions, each meaning
// what it means there, so that `namespace F = xg::nn::functional;` makes libtorch's
//   F::conv2d(x, w, F::Conv2dFuncOptions().stride(1).padding(1))
//   F::cross_entropy(logits, target, F::CrossEntropyFuncOptions().ignore_index(-100))
// compile unchanged. Weights are in PyTorch's layouts (F::linear's weight is (out, in)).
// The linear, convolution, pooling and resampling forms are in xgrad/nn/functional_spatial.h
// (included here).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <xgrad/nn/functional_spatial.h>
#include <xgrad/nn/stochastic.h>
#include <xgrad/nn/layers.h>
#include <xgrad/nn/losses.h>
#include <xgrad/nn/options.h>
#include <xgrad/ops.h>

namespace xg::nn::functional {

// ---- activations ----
using ReLUFuncOptions = ReLUOptions;
/// With inplace(true), x itself is rectified and returned (x's handles all see it).
inline Tensor relu(const Tensor& x, const ReLUFuncOptions& o = {}) {
  if (!o.inplace()) return xg::relu(x);
  Tensor y = x;  // the same tensor: a handle shares its state, as in libtorch
  return y.relu_();
}
using LeakyReLUFuncOptions = LeakyReLUOptions;
inline Tensor leaky_relu(const Tensor& x, const LeakyReLUFuncOptions& o = {}) { return xg::leaky_relu(x, o.negative_slope()); }
using GELUFuncOptions = GELUOptions;
inline Tensor gelu(const Tensor& x, const GELUFuncOptions& o = {}) { return xg::gelu(x, o.approximate()); }
using ELUFuncOptions = ELUOptions;
inline Tensor elu(const Tensor& x, const ELUFuncOptions& o = {}) { return xg::elu(x, o.alpha()); }
inline Tensor silu(const Tensor& x) { return xg::silu(x); }
inline Tensor selu(const Tensor& x) { return xg::selu(x); }
using CELUFuncOptions = CELUOptions;
inline Tensor celu(const Tensor& x, const CELUFuncOptions& o = {}) { return xg::celu(x, o.alpha()); }
inline Tensor mish(const Tensor& x) { return xg::mish(x); }
inline Tensor hardswish(const Tensor& x) { return xg::hardswish(x); }
inline Tensor hardsigmoid(const Tensor& x) { return xg::hardsigmoid(x); }
inline Tensor softsign(const Tensor& x) { return xg::softsign(x); }
inline Tensor prelu(const Tensor& x, const Tensor& weight) { return xg::prelu(x, weight); }

/// x / max(‖x‖_p along dim, eps) (PyTorch's F::normalize).
class NormalizeFuncOptions {
 public:
  NormalizeFuncOptions& p(double v) { p_ = v; return *this; }
  double p() const { return p_; }
  NormalizeFuncOptions& dim(std::int64_t v) { dim_ = v; return *this; }
  std::int64_t dim() const { return dim_; }
  NormalizeFuncOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }

 private:
  double p_ = 2.0;
  std::int64_t dim_ = 1;
  double eps_ = 1e-12;
};
Tensor normalize(const Tensor& x, const NormalizeFuncOptions& options = {});

/// x1·x2 / (max(‖x1‖, eps) max(‖x2‖, eps)) along dim, the inputs broadcast (PyTorch 1.13's).
class CosineSimilarityFuncOptions {
 public:
  CosineSimilarityFuncOptions& dim(std::int64_t v) { dim_ = v; return *this; }
  std::int64_t dim() const { return dim_; }
  CosineSimilarityFuncOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }

 private:
  std::int64_t dim_ = 1;
  double eps_ = 1e-8;
};
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, const CosineSimilarityFuncOptions& options = {});

/// ‖x1 - x2 + eps‖_p over the last axis (PyTorch's F::pairwise_distance).
class PairwiseDistanceFuncOptions {
 public:
  PairwiseDistanceFuncOptions& p(double v) { p_ = v; return *this; }
  double p() const { return p_; }
  PairwiseDistanceFuncOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }
  PairwiseDistanceFuncOptions& keepdim(bool v) { keepdim_ = v; return *this; }
  bool keepdim() const { return keepdim_; }

 private:
  double p_ = 2.0, eps_ = 1e-6;
  bool keepdim_ = false;
};
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, const PairwiseDistanceFuncOptions& options = {});
}  // namespace xg::nn::functional

namespace xg {
/// libtorch's top-level spellings of the two functions above: torch::cosine_similarity(x1, x2,
/// dim, eps) and torch::pairwise_distance(x1, x2, p, eps, keepdim).
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, std::int64_t dim = 1, double eps = 1e-8);
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p = 2.0, double eps = 1e-6, bool keepdim = false);
}  // namespace xg

namespace xg::nn::functional {
using SoftplusFuncOptions = SoftplusOptions;
/// PyTorch's F::softplus: beta 1, threshold 20 unless given (x itself where beta x > threshold).
inline Tensor softplus(const Tensor& x, const SoftplusFuncOptions& o = {}) {
  return xg::softplus(x, o.beta(), o.threshold());
}
using SoftmaxFuncOptions = SoftmaxOptions;
using LogSoftmaxFuncOptions = SoftmaxOptions;
inline Tensor softmax(const Tensor& x, const SoftmaxFuncOptions& o) { return xg::softmax(x, o.dim()); }
inline Tensor log_softmax(const Tensor& x, const LogSoftmaxFuncOptions& o) { return xg::log_softmax(x, o.dim()); }

// ---- dropout and normalisation ----
class DropoutFuncOptions {
 public:
  DropoutFuncOptions& p(double v) { p_ = v; return *this; }
  double p() const { return p_; }
  DropoutFuncOptions& training(bool v) { training_ = v; return *this; }
  bool training() const { return training_; }
  /// Accepted and ignored: xgrad's dropout always makes a new tensor.
  DropoutFuncOptions& inplace(bool v) { inplace_ = v; return *this; }
  bool inplace() const { return inplace_; }

 private:
  double p_ = 0.5;
  bool training_ = true, inplace_ = false;
};
using Dropout2dFuncOptions = DropoutFuncOptions;
inline Tensor dropout(const Tensor& x, const DropoutFuncOptions& o = {}) { return xg::dropout(x, o.p(), o.training()); }
/// Whole channels of (N, C, H, W) zeroed with probability p, the rest scaled by 1/(1 - p).
Tensor dropout2d(const Tensor& x, const Dropout2dFuncOptions& options = {});

/// F::batch_norm: normalises over every axis but the channel axis 1. In training (or with
/// undefined running statistics) with the batch's mean and biased variance, updating the
/// running statistics in place (momentum: the new batch's weight; the unbiased variance);
/// otherwise with the running statistics.
class BatchNormFuncOptions {
 public:
  BatchNormFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  const Tensor& weight() const { return weight_; }
  BatchNormFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  const Tensor& bias() const { return bias_; }
  BatchNormFuncOptions& training(bool v) { training_ = v; return *this; }
  bool training() const { return training_; }
  BatchNormFuncOptions& momentum(double v) { momentum_ = v; return *this; }
  double momentum() const { return momentum_; }
  BatchNormFuncOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }

 private:
  Tensor weight_, bias_;
  bool training_ = false;
  double momentum_ = 0.1, eps_ = 1e-5;
};
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options = {});

class LayerNormFuncOptions {
 public:
  LayerNormFuncOptions(Shape normalized_shape) : shape_(std::move(normalized_shape)) {}  // NOLINT: implicit, as libtorch
  const Shape& normalized_shape() const { return shape_; }
  LayerNormFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  const Tensor& weight() const { return weight_; }
  LayerNormFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  const Tensor& bias() const { return bias_; }
  LayerNormFuncOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }

 private:
  Shape shape_;
  Tensor weight_, bias_;
  double eps_ = 1e-5;
};
inline Tensor layer_norm(const Tensor& x, const LayerNormFuncOptions& o) {
  return xg::layer_norm(x, o.normalized_shape(), o.weight(), o.bias(), o.eps());
}

class GroupNormFuncOptions {
 public:
  GroupNormFuncOptions(std::int64_t num_groups) : groups_(num_groups) {}  // NOLINT: implicit, as libtorch
  std::int64_t num_groups() const { return groups_; }
  GroupNormFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  const Tensor& weight() const { return weight_; }
  GroupNormFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  const Tensor& bias() const { return bias_; }
  GroupNormFuncOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }

 private:
  std::int64_t groups_;
  Tensor weight_, bias_;
  double eps_ = 1e-5;
};
inline Tensor group_norm(const Tensor& x, const GroupNormFuncOptions& o) {
  return xg::group_norm(x, o.num_groups(), o.weight(), o.bias(), o.eps());
}

class EmbeddingFuncOptions : public EmbeddingLookupOptions<EmbeddingFuncOptions> {
 public:
  /// That index's rows of the output receive no gradient into the weight.
  EmbeddingFuncOptions& padding_idx(std::int64_t v) { padding_idx_ = v; return *this; }
  std::optional<std::int64_t> padding_idx() const { return padding_idx_; }

 private:
  std::optional<std::int64_t> padding_idx_;
};
/// The rows of weight (num_embeddings, dim) at int64 indices of any shape. With max_norm,
/// the rows read are renormalised in weight itself first (libtorch's rule: a weight another
/// operation saved for its backward then fails that backward, naming it).
Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options = {});

inline Tensor one_hot(const Tensor& labels, std::int64_t num_classes) { return xg::one_hot(labels, num_classes); }

// ---- losses ----
using CrossEntropyFuncOptions = CrossEntropyLossOptions;
inline Tensor cross_entropy(const Tensor& x, const Tensor& t, const CrossEntropyFuncOptions& o = {}) {
  return nn::cross_entropy(x, t, o);
}
using NLLLossFuncOptions = NLLLossOptions;
inline Tensor nll_loss(const Tensor& x, const Tensor& t, const NLLLossFuncOptions& o = {}) { return nn::nll_loss(x, t, o); }

/// The reduction option of the elementwise losses (MSELossFuncOptions, ...).
class ReductionOptions {
 public:
  ReductionOptions& reduction(Reduction v) { reduction_ = v; return *this; }
  Reduction reduction() const { return reduction_; }

 private:
  Reduction reduction_ = Reduction::Mean;
};
using MSELossFuncOptions = ReductionOptions;
using L1LossFuncOptions = ReductionOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
class HuberLossFuncOptions {
 public:
  HuberLossFuncOptions& reduction(Reduction v) { reduction_ = v; return *this; }
  Reduction reduction() const { return reduction_; }
  HuberLossFuncOptions& delta(double v) { delta_ = v; return *this; }
  double delta() const { return delta_; }

 private:
  Reduction reduction_ = Reduction::Mean;
  double delta_ = 1.0;
};
using SmoothL1LossFuncOptions = SmoothL1LossOptions;
using KLDivFuncOptions = KLDivLossOptions;
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& options = {});
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& options = {});
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options = {});
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options = {});
Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossFuncOptions& options = {});
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BinaryCrossEntropyFuncOptions& options = {});
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options = {});

}  // namespace xg::nn::functional
