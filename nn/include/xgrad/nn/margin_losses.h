// libtorch's ranking, embedding and likelihood losses (nn/margin_losses.cpp): the module
// structs (`xg::nn::TripletMarginLoss loss(options); loss(a, p, n)`), their options with
// libtorch's chainable setters, and the `F::` functions. Compositions of differentiable
// operations with PyTorch 1.13's formulas, so every order and both devices come with them.
#pragma once

#include <functional>

#include <xgrad/nn/losses.h>
#include <xgrad/tensor.h>

namespace xg::nn {

/// A loss's reduction, the one option every loss below has: mean (default), sum or none.
template <class Self>
class WithReduction {
 public:
  Self& reduction(Reduction v) { reduction_ = v; return static_cast<Self&>(*this); }
  Reduction reduction() const { return reduction_; }

 private:
  Reduction reduction_ = Reduction::Mean;
};

/// max(0, -y (x1 - x2) + margin), y = 1 or -1: x1 should rank above x2 where y = 1.
class MarginRankingLossOptions : public WithReduction<MarginRankingLossOptions> {
 public:
  MarginRankingLossOptions& margin(double v) { margin_ = v; return *this; }
  double margin() const { return margin_; }

 private:
  double margin_ = 0.0;
};
/// x where y = 1, max(0, margin - x) where y = -1 (x a distance).
class HingeEmbeddingLossOptions : public WithReduction<HingeEmbeddingLossOptions> {
 public:
  HingeEmbeddingLossOptions& margin(double v) { margin_ = v; return *this; }
  double margin() const { return margin_; }

 private:
  double margin_ = 1.0;
};
/// log(1 + e^(-y x)), the two-class logistic loss for y = 1 or -1.
class SoftMarginLossOptions : public WithReduction<SoftMarginLossOptions> {};
/// For x (N, C) and 0/1 targets (N, C): the mean over classes of -(y log σ(x) + (1 - y)
/// log σ(-x)), each class scaled by `weight` (C) when given; reduced over the batch.
class MultiLabelSoftMarginLossOptions : public WithReduction<MultiLabelSoftMarginLossOptions> {
 public:
  MultiLabelSoftMarginLossOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  const Tensor& weight() const { return weight_; }

 private:
  Tensor weight_;
};
/// 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1; rows of (N, D)
/// with targets (N,), or one (D,) pair with a 0-d target.
class CosineEmbeddingLossOptions : public WithReduction<CosineEmbeddingLossOptions> {
 public:
  CosineEmbeddingLossOptions& margin(double v) { margin_ = v; return *this; }
  double margin() const { return margin_; }

 private:
  double margin_ = 0.0;
};
/// max(d(a, p) - d(a, n) + margin, 0) with d the p-norm pairwise distance (eps added to the
/// difference, as pairwise_distance); with swap, d(a, n) is min(d(a, n), d(p, n)).
class TripletMarginLossOptions : public WithReduction<TripletMarginLossOptions> {
 public:
  TripletMarginLossOptions& margin(double v) { margin_ = v; return *this; }
  double margin() const { return margin_; }
  TripletMarginLossOptions& p(double v) { p_ = v; return *this; }
  double p() const { return p_; }
  TripletMarginLossOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }
  TripletMarginLossOptions& swap(bool v) { swap_ = v; return *this; }
  bool swap() const { return swap_; }

 private:
  double margin_ = 1.0, p_ = 2.0, eps_ = 1e-6;
  bool swap_ = false;
};
/// max(d(a, p) - d(a, n) + margin, 0) with any distance d (libtorch's
/// TripletMarginWithDistanceLoss): a function of two (N, D) or (D) tensors giving their
/// distances, pairwise_distance when none is given; margin must be positive; with swap,
/// d(a, n) is min(d(a, n), d(p, n)).
class TripletMarginWithDistanceLossOptions : public WithReduction<TripletMarginWithDistanceLossOptions> {
 public:
  using DistanceFunction = std::function<Tensor(const Tensor&, const Tensor&)>;
  TripletMarginWithDistanceLossOptions& distance_function(DistanceFunction v) { distance_ = std::move(v); return *this; }
  const DistanceFunction& distance_function() const { return distance_; }
  TripletMarginWithDistanceLossOptions& margin(double v) { margin_ = v; return *this; }
  double margin() const { return margin_; }
  TripletMarginWithDistanceLossOptions& swap(bool v) { swap_ = v; return *this; }
  bool swap() const { return swap_; }

 private:
  DistanceFunction distance_;
  double margin_ = 1.0;
  bool swap_ = false;
};
/// The Poisson negative log-likelihood: e^x - t x (log_input) or x - t log(x + eps); with
/// full, Stirling's t log t - t + ½ log(2π t) added where t > 1.
class PoissonNLLLossOptions : public WithReduction<PoissonNLLLossOptions> {
 public:
  PoissonNLLLossOptions& log_input(bool v) { log_input_ = v; return *this; }
  bool log_input() const { return log_input_; }
  PoissonNLLLossOptions& full(bool v) { full_ = v; return *this; }
  bool full() const { return full_; }
  PoissonNLLLossOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }

 private:
  bool log_input_ = true, full_ = false;
  double eps_ = 1e-8;
};
/// The Gaussian negative log-likelihood ½ (log v + (x - t)² / v) (+ ½ log 2π with full), v
/// the variance clamped below at eps as PyTorch's (the gradient passes the clamp as if it
/// were not there); v of the input's shape, or one per row (its last axis 1 or missing).
class GaussianNLLLossOptions : public WithReduction<GaussianNLLLossOptions> {
 public:
  GaussianNLLLossOptions& full(bool v) { full_ = v; return *this; }
  bool full() const { return full_; }
  GaussianNLLLossOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }

 private:
  bool full_ = false;
  double eps_ = 1e-6;
};

/// The multi-class hinge loss on scores x (N, C) or (C) and int64 labels y:
/// Σ_{i≠y} w_y max(0, margin - x_y + x_i)^p / C, p 1 or 2, w an optional weight per class.
class MultiMarginLossOptions : public WithReduction<MultiMarginLossOptions> {
 public:
  MultiMarginLossOptions& p(std::int64_t v) { p_ = v; return *this; }
  std::int64_t p() const { return p_; }
  MultiMarginLossOptions& margin(double v) { margin_ = v; return *this; }
  double margin() const { return margin_; }
  MultiMarginLossOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  const Tensor& weight() const { return weight_; }

 private:
  std::int64_t p_ = 1;
  double margin_ = 1.0;
  Tensor weight_;
};
/// The multi-label hinge loss: y (N, C) int64 holds each sample's target classes, ended by the
/// first -1; Σ over targets j and non-targets i of max(0, 1 - (x_j - x_i)) / C (a class listed
/// twice counts twice, as PyTorch's loop does).
class MultiLabelMarginLossOptions : public WithReduction<MultiLabelMarginLossOptions> {};

namespace functional {
using MarginRankingLossFuncOptions = MarginRankingLossOptions;
using HingeEmbeddingLossFuncOptions = HingeEmbeddingLossOptions;
using SoftMarginLossFuncOptions = SoftMarginLossOptions;
using MultilabelSoftMarginLossFuncOptions = MultiLabelSoftMarginLossOptions;
using CosineEmbeddingLossFuncOptions = CosineEmbeddingLossOptions;
using TripletMarginLossFuncOptions = TripletMarginLossOptions;
using PoissonNLLLossFuncOptions = PoissonNLLLossOptions;
using GaussianNLLLossFuncOptions = GaussianNLLLossOptions;
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           const MarginRankingLossFuncOptions& options = {});
Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, const HingeEmbeddingLossFuncOptions& options = {});
Tensor soft_margin_loss(const Tensor& input, const Tensor& target, const SoftMarginLossFuncOptions& options = {});
Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target,
                                   const MultilabelSoftMarginLossFuncOptions& options = {});
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             const CosineEmbeddingLossFuncOptions& options = {});
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           const TripletMarginLossFuncOptions& options = {});
using TripletMarginWithDistanceLossFuncOptions = TripletMarginWithDistanceLossOptions;
Tensor triplet_margin_with_distance_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                                         const TripletMarginWithDistanceLossFuncOptions& options = {});
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, const PoissonNLLLossFuncOptions& options = {});
using MultiMarginLossFuncOptions = MultiMarginLossOptions;
using MultilabelMarginLossFuncOptions = MultiLabelMarginLossOptions;
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, const MultiMarginLossFuncOptions& options = {});
Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target,
                              const MultilabelMarginLossFuncOptions& options = {});
Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         const GaussianNLLLossFuncOptions& options = {});
}  // namespace functional

/// The modules: callable structs holding their options, as the other losses.
struct MarginRankingLoss {
  MarginRankingLossOptions options;
  MarginRankingLoss() = default;
  explicit MarginRankingLoss(const MarginRankingLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& input1, const Tensor& input2, const Tensor& target) const {
    return functional::margin_ranking_loss(input1, input2, target, options);
  }
};
struct HingeEmbeddingLoss {
  HingeEmbeddingLossOptions options;
  HingeEmbeddingLoss() = default;
  explicit HingeEmbeddingLoss(const HingeEmbeddingLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return functional::hinge_embedding_loss(input, target, options);
  }
};
struct SoftMarginLoss {
  SoftMarginLossOptions options;
  SoftMarginLoss() = default;
  explicit SoftMarginLoss(const SoftMarginLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return functional::soft_margin_loss(input, target, options);
  }
};
struct MultiLabelSoftMarginLoss {
  MultiLabelSoftMarginLossOptions options;
  MultiLabelSoftMarginLoss() = default;
  explicit MultiLabelSoftMarginLoss(const MultiLabelSoftMarginLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return functional::multilabel_soft_margin_loss(input, target, options);
  }
};
struct CosineEmbeddingLoss {
  CosineEmbeddingLossOptions options;
  CosineEmbeddingLoss() = default;
  explicit CosineEmbeddingLoss(const CosineEmbeddingLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& input1, const Tensor& input2, const Tensor& target) const {
    return functional::cosine_embedding_loss(input1, input2, target, options);
  }
};
struct TripletMarginLoss {
  TripletMarginLossOptions options;
  TripletMarginLoss() = default;
  explicit TripletMarginLoss(const TripletMarginLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& anchor, const Tensor& positive, const Tensor& negative) const {
    return functional::triplet_margin_loss(anchor, positive, negative, options);
  }
};
struct TripletMarginWithDistanceLoss {
  TripletMarginWithDistanceLossOptions options;
  TripletMarginWithDistanceLoss() = default;
  explicit TripletMarginWithDistanceLoss(const TripletMarginWithDistanceLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& anchor, const Tensor& positive, const Tensor& negative) const {
    return functional::triplet_margin_with_distance_loss(anchor, positive, negative, options);
  }
};
struct PoissonNLLLoss {
  PoissonNLLLossOptions options;
  PoissonNLLLoss() = default;
  explicit PoissonNLLLoss(const PoissonNLLLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return functional::poisson_nll_loss(input, target, options);
  }
};
struct MultiMarginLoss {
  MultiMarginLossOptions options;
  MultiMarginLoss() = default;
  explicit MultiMarginLoss(const MultiMarginLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return functional::multi_margin_loss(input, target, options);
  }
};
struct MultiLabelMarginLoss {
  MultiLabelMarginLossOptions options;
  MultiLabelMarginLoss() = default;
  explicit MultiLabelMarginLoss(const MultiLabelMarginLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return functional::multilabel_margin_loss(input, target, options);
  }
};
struct GaussianNLLLoss {
  GaussianNLLLossOptions options;
  GaussianNLLLoss() = default;
  explicit GaussianNLLLoss(const GaussianNLLLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& input, const Tensor& target, const Tensor& var) const {
    return functional::gaussian_nll_loss(input, target, var, options);
  }
};

}  // namespace xg::nn
