// AlphaDropout, FeatureAlphaDropout and gumbel_softmax: libtorch's random layers for
// self-normalising networks (SELU) and for sampling discrete choices differentiably.
//   xg::nn::AlphaDropout drop(xg::nn::AlphaDropoutOptions(0.1));
//   auto y = F::gumbel_softmax(logits, F::GumbelSoftmaxFuncOptions().tau(0.5).hard(true));
// The draws come from the generator of the input's device, so xg::manual_seed repeats them.
#pragma once

#include <cstdint>

#include <xgrad/nn/module.h>
#include <xgrad/nn/options.h>

namespace xg::nn {

using AlphaDropoutOptions = DropoutOptions;
using FeatureAlphaDropoutOptions = DropoutOptions;

namespace functional {

/// F::alpha_dropout's options: p and training (true by default, as libtorch's functional).
class AlphaDropoutFuncOptions {
 public:
  AlphaDropoutFuncOptions& p(double v) { p_ = v; return *this; }
  double p() const { return p_; }
  AlphaDropoutFuncOptions& training(bool v) { training_ = v; return *this; }
  bool training() const { return training_; }
  /// libtorch's in-place flag: accepted and ignored (a new tensor is made).
  AlphaDropoutFuncOptions& inplace(bool v) { inplace_ = v; return *this; }
  bool inplace() const { return inplace_; }

 private:
  double p_ = 0.5;
  bool training_ = true, inplace_ = false;
};
using FeatureAlphaDropoutFuncOptions = AlphaDropoutFuncOptions;

/// PyTorch's alpha dropout: each element dropped with probability p is set to SELU's
/// negative saturation, and an affine map a·x + b restores the mean and variance of a
/// zero-mean, unit-variance input (Klambauer et al. 2017). Identity when not training.
Tensor alpha_dropout(const Tensor& x, const AlphaDropoutFuncOptions& options = {});
/// The same with one draw per (sample, channel) of x (N, C, ...), the whole map kept or
/// dropped.
Tensor feature_alpha_dropout(const Tensor& x, const FeatureAlphaDropoutFuncOptions& options = {});

/// F::gumbel_softmax's options (libtorch's): temperature tau > 0, hard, dim.
class GumbelSoftmaxFuncOptions {
 public:
  GumbelSoftmaxFuncOptions& tau(double v) { tau_ = v; return *this; }
  double tau() const { return tau_; }
  /// One-hot samples forward, the soft sample's gradient backward (straight-through).
  GumbelSoftmaxFuncOptions& hard(bool v) { hard_ = v; return *this; }
  bool hard() const { return hard_; }
  GumbelSoftmaxFuncOptions& dim(std::int64_t v) { dim_ = v; return *this; }
  std::int64_t dim() const { return dim_; }

 private:
  double tau_ = 1.0;
  bool hard_ = false;
  std::int64_t dim_ = -1;
};

/// softmax((logits + g) / tau) along dim, g standard Gumbel noise (Jang et al. 2017), as
/// PyTorch's: a differentiable sample of the categorical distribution softmax(logits);
/// with hard, its one-hot argmax whose gradient is the soft sample's.
Tensor gumbel_softmax(const Tensor& logits, const GumbelSoftmaxFuncOptions& options = {});

}  // namespace functional

class AlphaDropout : public Module {
 public:
  explicit AlphaDropout(const AlphaDropoutOptions& options = {});
  Tensor forward(const Tensor& x) override;

 private:
  double p_;
};

class FeatureAlphaDropout : public Module {
 public:
  explicit FeatureAlphaDropout(const FeatureAlphaDropoutOptions& options = {});
  Tensor forward(const Tensor& x) override;

 private:
  double p_;
};

}  // namespace xg::nn
