// Layers whose training and evaluation behaviour differ: Dropout, Dropout2d, Dropout3d,
// BatchNorm1d, BatchNorm2d and BatchNorm3d; and GroupNorm, which normalises each sample alone.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/nn/functional.h>
#include <xgrad/nn/layers.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "nn/batch_norm.h"
#include "tensor/checked.h"

namespace xg::nn {

// One rule for every dropout, as PyTorch: p in [0, 1]; p = 1 drops everything (zeros, and
// zero gradients), where 1/(1 - p) would be infinite.
Dropout::Dropout(double p, Mode mode) : p_(p), mode_(mode) {
  if (!(p >= 0.0 && p <= 1.0)) fail("Dropout: probability must be in [0, 1], got ", p);
}

Tensor Dropout::forward(const Tensor& x) {
  if (mode_ == Mode::Inverted) return xg::dropout(x, p_, is_training());
  if (!is_training()) return x * (1.0 - p_);
  // The textbook's mask: keep where a uniform draw exceeds the ratio.
  return x * (rand_like(x) > p_);
}

namespace {
// Dropout2d's and Dropout3d's rule: one draw per (sample, channel), broadcast over the plane
// or volume: neighbouring pixels are correlated, so dropping single ones regularises little
// (Tompson et al. 2015).
Tensor drop_channels(const Tensor& x, double p, bool training) {
  if (!training || p == 0) return x;
  if (p == 1) return x * 0.0;
  Shape draws(x.shape().size(), 1);
  draws[0] = x.shape()[0], draws[1] = x.shape()[1];
  const Tensor mask = rand(draws, TensorOptions().dtype(x.dtype()).device(x.device())) >= p;
  return x * mask / (1.0 - p);
}
}  // namespace

Dropout2d::Dropout2d(double p) : p_(p) {
  if (!(p >= 0.0 && p <= 1.0)) fail("Dropout2d: probability must be in [0, 1], got ", p);
}

Tensor Dropout2d::forward(const Tensor& x) {
  if (x.dim() != 4) fail("Dropout2d: expected input (N, C, H, W), got ", detail::shape_str(x.shape()));
  return drop_channels(x, p_, is_training());
}

Dropout3d::Dropout3d(double p) : p_(p) {
  if (!(p >= 0.0 && p <= 1.0)) fail("Dropout3d: probability must be in [0, 1], got ", p);
}

Tensor Dropout3d::forward(const Tensor& x) {
  if (!x.defined() || x.dim() != 5)
    fail("Dropout3d: expected input (N, C, D, H, W), got ",
         x.defined() ? detail::shape_str(x.shape()) : std::string("an undefined tensor"));
  return drop_channels(x, p_, is_training());
}

BatchNormBase::BatchNormBase(const char* name, BatchNormOptions options) : options_(std::move(options)) {
  detail::CallScope call(name);
  const auto& o = options_;
  const std::int64_t n = o.num_features();
  if (n <= 0) fail(name, ": num_features must be positive, got ", n);
  if (!(o.eps() >= 0)) fail(name, ": eps must be non-negative, got ", o.eps());
  if (o.momentum() && !(*o.momentum() >= 0 && *o.momentum() <= 1))
    fail(name, ": momentum (the weight of the new batch, libtorch's meaning) must be in [0, 1], got ", *o.momentum());
  if (!is_floating(o.dtype())) fail(name, ": dtype must be a float type, got ", dtype_name(o.dtype()));
  detail_bn::make_norm_state(*this, n, o.dtype(), o.affine(), o.track_running_stats(),
                             {gamma, beta, running_mean, running_var, num_batches_tracked});
}

void detail_bn::make_norm_state(Module& m, std::int64_t n, Dtype dtype, bool affine, bool track, const NormState& s) {
  if (affine) {
    s.gamma = ones({n}, dtype);
    s.beta = zeros({n}, dtype);
    m.register_parameter("gamma", s.gamma);
    m.register_parameter("beta", s.beta);
  }
  if (track) {
    s.running_mean = zeros({n}, dtype);
    s.running_var = ones({n}, dtype);
    s.num_batches_tracked = scalar_tensor(0, kInt64);
    m.register_buffer("running_mean", s.running_mean);
    m.register_buffer("running_var", s.running_var);
    m.register_buffer("num_batches_tracked", s.num_batches_tracked);
  }
}

Tensor BatchNormBase::normalize(const Tensor& x) {
  const auto& o = options_;
  const bool track = o.track_running_stats();
  // libtorch: the new batch's weight is momentum, or 1/t (a cumulative average) without one.
  // libtorch reads t back from the device for that; here 1/t stays a 0-d tensor beside the
  // counter, so a step waits for no GPU and fits in a CUDA graph capture.
  Tensor cumulative_weight;
  if (is_training() && track) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(1.0);
    if (!o.momentum()) cumulative_weight = 1.0 / num_batches_tracked.to(kFloat64);
  }
  return detail_bn::batch_norm(x, track ? running_mean : Tensor(), track ? running_var : Tensor(),
                               functional::BatchNormFuncOptions()
                                   .weight(gamma)
                                   .bias(beta)
                                   .training(is_training() || !track)
                                   .momentum(o.momentum().value_or(0.0))
                                   .eps(o.eps()),
                               cumulative_weight);
}

BatchNorm1d::BatchNorm1d(const BatchNormOptions& options) : BatchNormBase("BatchNorm1d", options) {}
BatchNorm1d::BatchNorm1d(std::int64_t num_features, BatchNormOptions options)
    : BatchNorm1d(options.num_features(num_features)) {}
BatchNorm1d::BatchNorm1d(std::int64_t num_features, BatchNormOptions options, Dtype dtype)
    : BatchNorm1d(options.num_features(num_features).dtype(dtype)) {}

Tensor BatchNorm1d::forward(const Tensor& x) {
  const std::int64_t C = options().num_features();
  if (!x.defined()) fail("BatchNorm1d(", C, "): the input is undefined");
  if (x.dim() != 2 || x.shape()[1] != C)
    fail("BatchNorm1d: expected input of shape (N,", C, "), got ", detail::shape_str(x.shape()));
  if ((is_training() || !options().track_running_stats()) && x.shape()[0] < 2)
    fail("BatchNorm1d: training needs a batch of at least 2 (got ", detail::shape_str(x.shape()),
         "): the batch variance of one sample is 0");
  return normalize(x);
}

BatchNorm2d::BatchNorm2d(const BatchNormOptions& options) : BatchNormBase("BatchNorm2d", options) {}
BatchNorm2d::BatchNorm2d(std::int64_t num_features, BatchNormOptions options)
    : BatchNorm2d(options.num_features(num_features)) {}
BatchNorm2d::BatchNorm2d(std::int64_t num_features, BatchNormOptions options, Dtype dtype)
    : BatchNorm2d(options.num_features(num_features).dtype(dtype)) {}

Tensor BatchNorm2d::forward(const Tensor& x) {
  const std::int64_t C = options().num_features();
  if (!x.defined()) fail("BatchNorm2d(", C, "): the input is undefined");
  if (x.dim() != 4 || x.shape()[1] != C)
    fail("BatchNorm2d(", C, "): expected input (N, ", C, ", H, W), got ", detail::shape_str(x.shape()));
  if ((is_training() || !options().track_running_stats()) && x.shape()[0] * x.shape()[2] * x.shape()[3] < 2)
    fail("BatchNorm2d: training needs at least 2 values per channel (got ", detail::shape_str(x.shape()), ")");
  return normalize(x);
}

BatchNorm3d::BatchNorm3d(const BatchNormOptions& options) : BatchNormBase("BatchNorm3d", options) {}
BatchNorm3d::BatchNorm3d(std::int64_t num_features, BatchNormOptions options)
    : BatchNorm3d(options.num_features(num_features)) {}

Tensor BatchNorm3d::forward(const Tensor& x) {
  const std::int64_t C = options().num_features();
  if (!x.defined()) fail("BatchNorm3d(", C, "): the input is undefined");
  if (x.dim() != 5 || x.shape()[1] != C)
    fail("BatchNorm3d(", C, "): expected input (N, ", C, ", D, H, W), got ", detail::shape_str(x.shape()));
  if ((is_training() || !options().track_running_stats()) && x.numel() / C < 2)
    fail("BatchNorm3d: training needs at least 2 values per channel (got ", detail::shape_str(x.shape()), ")");
  return normalize(x);
}

GroupNorm::GroupNorm(std::int64_t num_groups, std::int64_t num_channels, double eps, bool affine, Dtype dtype)
    : num_groups_(num_groups), num_channels_(num_channels), eps_(eps) {
  detail::CallScope call("GroupNorm");
  if (num_groups <= 0 || num_channels <= 0 || num_channels % num_groups != 0)
    fail("GroupNorm: num_groups must be positive and divide num_channels, got num_groups ", num_groups,
         ", num_channels ", num_channels);
  if (!(eps > 0)) fail("GroupNorm: eps must be positive, got ", eps);
  if (!is_floating(dtype)) fail("GroupNorm: dtype must be a float type, got ", dtype_name(dtype));
  if (affine) {
    gamma = ones({num_channels}, dtype);
    beta = zeros({num_channels}, dtype);
    register_parameter("gamma", gamma);
    register_parameter("beta", beta);
  }
}

Tensor GroupNorm::forward(const Tensor& x) {
  if (x.dim() < 2 || x.shape()[1] != num_channels_)
    fail("GroupNorm(", num_groups_, ", ", num_channels_, "): expected an input (N, ", num_channels_, ", ...), got ",
         detail::shape_str(x.shape()));
  return group_norm(x, num_groups_, gamma, beta, eps_);
}

}  // namespace xg::nn
