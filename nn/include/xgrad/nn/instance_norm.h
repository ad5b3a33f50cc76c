// Instance normalisation, libtorch's names and meanings:
//   xg::nn::InstanceNorm2d norm(xg::nn::InstanceNorm2dOptions(64).affine(true));
//   F::instance_norm(x, F::InstanceNormFuncOptions().weight(w).bias(b));
// Each (sample, channel) is normalised over its own positions (mean, biased variance). By
// default (as in PyTorch) there are no parameters and no running statistics; with
// track_running_stats, training also folds the instances' mean and unbiased variance,
// averaged over the batch, into running_mean / running_var (momentum: the new batch's
// weight), and evaluation normalises with those instead.
#pragma once

#include <cstdint>
#include <string>

#include <xgrad/nn/module.h>

namespace xg::nn {

namespace functional {

class InstanceNormFuncOptions {
 public:
  InstanceNormFuncOptions& running_mean(const Tensor& v) { running_mean_ = v; return *this; }
  const Tensor& running_mean() const { return running_mean_; }
  InstanceNormFuncOptions& running_var(const Tensor& v) { running_var_ = v; return *this; }
  const Tensor& running_var() const { return running_var_; }
  InstanceNormFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  const Tensor& weight() const { return weight_; }
  InstanceNormFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  const Tensor& bias() const { return bias_; }
  /// true: normalise with each instance's own statistics (and update the running ones if
  /// given); false: with the running statistics, which must then be given.
  InstanceNormFuncOptions& use_input_stats(bool v) { use_input_stats_ = v; return *this; }
  bool use_input_stats() const { return use_input_stats_; }
  InstanceNormFuncOptions& momentum(double v) { momentum_ = v; return *this; }
  double momentum() const { return momentum_; }
  InstanceNormFuncOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }

 private:
  Tensor running_mean_, running_var_, weight_, bias_;
  bool use_input_stats_ = true;
  double momentum_ = 0.1, eps_ = 1e-5;
};
/// x (N, C, ...) normalised per (sample, channel) over the remaining axes.
Tensor instance_norm(const Tensor& x, const InstanceNormFuncOptions& options = {});

}  // namespace functional

class InstanceNormOptions {
 public:
  InstanceNormOptions(std::int64_t num_features) : num_features_(num_features) {}  // NOLINT: implicit, as libtorch
  InstanceNormOptions& num_features(std::int64_t v) { num_features_ = v; return *this; }
  std::int64_t num_features() const { return num_features_; }
  InstanceNormOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }
  InstanceNormOptions& momentum(double v) { momentum_ = v; return *this; }
  double momentum() const { return momentum_; }
  /// Learnable per-channel gamma (ones) and beta (zeros); off by default, as PyTorch.
  InstanceNormOptions& affine(bool v) { affine_ = v; return *this; }
  bool affine() const { return affine_; }
  /// Running statistics for evaluation; off by default, as PyTorch.
  InstanceNormOptions& track_running_stats(bool v) { track_running_stats_ = v; return *this; }
  bool track_running_stats() const { return track_running_stats_; }
  InstanceNormOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t num_features_;
  double eps_ = 1e-5, momentum_ = 0.1;
  bool affine_ = false, track_running_stats_ = false;
  Dtype dtype_ = kFloat32;
};
using InstanceNorm1dOptions = InstanceNormOptions;
using InstanceNorm2dOptions = InstanceNormOptions;
using InstanceNorm3dOptions = InstanceNormOptions;

/// What InstanceNorm1d/2d/3d share: gamma, beta (with affine; PyTorch's weight, bias),
/// running_mean, running_var, num_batches_tracked (with track_running_stats; the counter is
/// registered for PyTorch's state_dicts and, as there, not advanced). Inputs are batched
/// (N, C, spatial...) or unbatched (C, spatial...).
class InstanceNormBase : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  /// "InstanceNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=False)".
  std::string describe() const;
  const InstanceNormOptions& options() const { return options_; }
  std::vector<TorchName> torch_names() const override { return {{"gamma", "weight"}, {"beta", "bias"}}; }
  Tensor gamma, beta;
  Tensor running_mean, running_var, num_batches_tracked;

 protected:
  /// `name` is the class's name (a literal), `spatial` its number of spatial axes.
  InstanceNormBase(const char* name, std::int64_t spatial, const InstanceNormOptions& options);

 private:
  const char* name_;
  std::int64_t spatial_;
  InstanceNormOptions options_;
};

class InstanceNorm1d : public InstanceNormBase {
 public:
  explicit InstanceNorm1d(const InstanceNormOptions& options) : InstanceNormBase("InstanceNorm1d", 1, options) {}
};
class InstanceNorm2d : public InstanceNormBase {
 public:
  explicit InstanceNorm2d(const InstanceNormOptions& options) : InstanceNormBase("InstanceNorm2d", 2, options) {}
};
class InstanceNorm3d : public InstanceNormBase {
 public:
  explicit InstanceNorm3d(const InstanceNormOptions& options) : InstanceNormBase("InstanceNorm3d", 3, options) {}
};

}  // namespace xg::nn
