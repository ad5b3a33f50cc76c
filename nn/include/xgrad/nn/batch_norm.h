// Batch normalisation layers (BatchNorm1d, BatchNorm2d, BatchNorm3d) and their options, with
// libtorch's names, meanings and defaults; F::batch_norm is their functional form
// (nn/normalization.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <xgrad/nn/module.h>

namespace xg::nn {

/// Options of BatchNorm1d and BatchNorm2d, with libtorch's names, meanings and defaults:
///   xg::nn::BatchNorm2d bn(xg::nn::BatchNorm2dOptions(8).momentum(0.1).eps(1e-5));
/// momentum is the weight of the new batch: running = (1 − momentum)·running + momentum·batch
/// (unset, std::nullopt, gives the cumulative average over num_batches_tracked batches). The
/// textbook's momentum 0.9 is the weight of the *old* value: momentum(0.1) here.
class BatchNormOptions {
 public:
  BatchNormOptions() = default;
  explicit BatchNormOptions(std::int64_t num_features) : num_features_(num_features) {}
  BatchNormOptions& num_features(std::int64_t v) { num_features_ = v; return *this; }
  std::int64_t num_features() const { return num_features_; }
  BatchNormOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }
  BatchNormOptions& momentum(std::optional<double> v) { momentum_ = v; return *this; }
  std::optional<double> momentum() const { return momentum_; }
  /// Learnable per-channel scale and shift (gamma, beta); false: neither exists.
  BatchNormOptions& affine(bool v) { affine_ = v; return *this; }
  bool affine() const { return affine_; }
  /// Keep running statistics for evaluation; false: always normalise with the batch's own.
  BatchNormOptions& track_running_stats(bool v) { track_running_stats_ = v; return *this; }
  bool track_running_stats() const { return track_running_stats_; }
  BatchNormOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

  /// Older spellings, kept for existing code: set_eps(v) is eps(v); set_momentum(keep) takes
  /// the textbook's keep factor (0.9 means momentum(0.1)), as it always has.
  BatchNormOptions& set_eps(double v) { return eps(v); }
  BatchNormOptions& set_momentum(double keep) { return momentum(1.0 - keep); }

 private:
  std::int64_t num_features_ = 0;
  double eps_ = 1e-5;
  std::optional<double> momentum_ = 0.1;
  bool affine_ = true, track_running_stats_ = true;
  Dtype dtype_ = kFloat32;
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;
using BatchNorm3dOptions = BatchNormOptions;

/// What BatchNorm1d and BatchNorm2d share: gamma = 1, beta = 0 (parameters, PyTorch's
/// weight and bias), running_mean = 0, running_var = 1 and num_batches_tracked = 0 (buffers),
/// per feature or channel. Training normalises with the batch's mean and biased variance and
/// updates the running statistics with the batch's mean and *unbiased* variance, as PyTorch;
/// evaluation uses them. So a model with PyTorch's weights gives PyTorch's outputs.
class BatchNormBase : public Module {
 public:
  const BatchNormOptions& options() const { return options_; }
  std::vector<TorchName> torch_names() const override { return {{"gamma", "weight"}, {"beta", "bias"}}; }
  Tensor gamma, beta;  // undefined without affine
  Tensor running_mean, running_var, num_batches_tracked;  // undefined without track_running_stats

 protected:
  BatchNormBase(const char* name, BatchNormOptions options);
  /// x normalised over every axis but the channel axis 1 (functional::batch_norm), the
  /// running statistics and batch counter updated in training.
  Tensor normalize(const Tensor& x);

 private:
  BatchNormOptions options_;
};

/// Batch normalisation over the batch axis of (N, C) inputs (BatchNormBase).
class BatchNorm1d : public BatchNormBase {
 public:
  explicit BatchNorm1d(const BatchNormOptions& options);
  /// The older forms: num_features, then options (their num_features unused) and a dtype
  /// (which replaces the options' dtype).
  explicit BatchNorm1d(std::int64_t num_features, BatchNormOptions options = BatchNormOptions());
  BatchNorm1d(std::int64_t num_features, BatchNormOptions options, Dtype dtype);
  Tensor forward(const Tensor& x) override;
};

/// Batch normalisation per channel of (N, C, H, W) inputs: statistics over N, H and W;
/// otherwise as BatchNorm1d (BatchNormBase).
class BatchNorm2d : public BatchNormBase {
 public:
  explicit BatchNorm2d(const BatchNormOptions& options);
  explicit BatchNorm2d(std::int64_t num_features, BatchNormOptions options = BatchNormOptions());
  BatchNorm2d(std::int64_t num_features, BatchNormOptions options, Dtype dtype);
  Tensor forward(const Tensor& x) override;
};

/// Batch normalisation per channel of (N, C, D, H, W) volumes: statistics over N, D, H and
/// W; otherwise as BatchNorm1d (BatchNormBase).
class BatchNorm3d : public BatchNormBase {
 public:
  explicit BatchNorm3d(const BatchNormOptions& options);
  explicit BatchNorm3d(std::int64_t num_features, BatchNormOptions options = BatchNormOptions());
  Tensor forward(const Tensor& x) override;
};

}  // namespace xg::nn
