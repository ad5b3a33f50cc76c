// Layers whose training and evaluation behaviour differ: Dropout, Dropout2d, BatchNorm1d
// and BatchNorm2d.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/nn/layers.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "tensor/checked.h"

namespace xg::nn {

Dropout::Dropout(double p, Mode mode) : p_(p), mode_(mode) {
  if (!(p >= 0.0 && p < 1.0)) fail("Dropout: ratio must be in [0, 1), got ", p);
}

Tensor Dropout::forward(const Tensor& x) {
  if (!is_training()) return mode_ == Mode::Textbook ? x * (1.0 - p_) : x;
  // The textbook's mask: keep where a uniform draw exceeds the ratio.
  const Tensor mask = rand(x.shape(), x.dtype()) > p_;
  return mode_ == Mode::Textbook ? x * mask : x * mask / (1.0 - p_);
}

namespace {

// gamma = 1, beta = 0 (parameters), running_mean = 0, running_var = 1 (buffers): what
// BatchNorm1d and BatchNorm2d both hold, per feature or channel.
void make_batchnorm_state(Module& m, const char* who, std::int64_t n, Dtype dtype, Tensor& gamma, Tensor& beta,
                          Tensor& running_mean, Tensor& running_var) {
  detail::CallScope call(who);
  if (n <= 0) fail(who, ": num_features must be positive, got ", n);
  gamma = ones({n}, dtype);
  beta = zeros({n}, dtype);
  running_mean = zeros({n}, dtype);
  running_var = ones({n}, dtype);
  m.register_parameter("gamma", gamma);
  m.register_parameter("beta", beta);
  m.register_buffer("running_mean", running_mean);
  m.register_buffer("running_var", running_var);
}

// running = momentum * running + (1 - momentum) * batch (the textbook's convention), outside the graph.
void update_running(Tensor& running, const Tensor& batch, double momentum) {
  NoGradGuard no_grad;
  running.mul_(momentum).add_(reshape(batch.detach(), running.shape()).to(running.dtype()), 1.0 - momentum);
}

}  // namespace

Dropout2d::Dropout2d(double p) : p_(p) {
  if (!(p >= 0.0 && p < 1.0)) fail("Dropout2d: ratio must be in [0, 1), got ", p);
}

Tensor Dropout2d::forward(const Tensor& x) {
  if (x.dim() != 4) fail("Dropout2d: expected input (N, C, H, W), got ", detail::shape_str(x.shape()));
  if (!is_training()) return x;
  // One draw per (sample, channel), broadcast over the plane: neighbouring pixels are
  // correlated, so dropping single ones regularises little (Tompson et al. 2015).
  const Tensor mask = rand({x.shape()[0], x.shape()[1], 1, 1}, x.dtype()) > p_;
  return x * mask / (1.0 - p_);
}

BatchNorm1d::BatchNorm1d(std::int64_t num_features, BatchNormOptions options, Dtype dtype) : options_(options) {
  make_batchnorm_state(*this, "BatchNorm1d", num_features, dtype, gamma, beta, running_mean, running_var);
}

Tensor BatchNorm1d::forward(const Tensor& x) {
  if (x.dim() != 2 || x.shape()[1] != gamma.shape()[0])
    fail("BatchNorm1d: expected input of shape (N,", gamma.shape()[0], "), got ", detail::shape_str(x.shape()));
  if (!is_training()) return (x - running_mean) / sqrt(running_var + options_.eps) * gamma + beta;
  if (x.shape()[0] < 2)
    fail("BatchNorm1d: training needs a batch of at least 2 (got ", detail::shape_str(x.shape()),
         "): the batch variance of one sample is 0");
  const Tensor mu = x.mean({0});
  const Tensor xc = x - mu;
  const Tensor var = (xc * xc).mean({0});
  update_running(running_mean, mu, options_.momentum);
  update_running(running_var, var, options_.momentum);
  return xc / sqrt(var + options_.eps) * gamma + beta;
}

BatchNorm2d::BatchNorm2d(std::int64_t num_features, BatchNormOptions options, Dtype dtype) : options_(options) {
  make_batchnorm_state(*this, "BatchNorm2d", num_features, dtype, gamma, beta, running_mean, running_var);
}

Tensor BatchNorm2d::forward(const Tensor& x) {
  const std::int64_t C = gamma.shape()[0];
  if (x.dim() != 4 || x.shape()[1] != C)
    fail("BatchNorm2d(", C, "): expected input (N, ", C, ", H, W), got ", detail::shape_str(x.shape()));
  const Shape per_channel{1, C, 1, 1};
  const Tensor g = reshape(gamma, per_channel), bt = reshape(beta, per_channel);
  if (!is_training())
    return (x - reshape(running_mean, per_channel)) / sqrt(reshape(running_var, per_channel) + options_.eps) * g + bt;
  if (x.shape()[0] * x.shape()[2] * x.shape()[3] < 2)
    fail("BatchNorm2d: training needs at least 2 values per channel (got ", detail::shape_str(x.shape()), ")");
  const Tensor mu = x.mean({0, 2, 3}, true);
  const Tensor xc = x - mu;
  const Tensor var = (xc * xc).mean({0, 2, 3}, true);
  update_running(running_mean, mu, options_.momentum);
  update_running(running_var, var, options_.momentum);
  return xc / sqrt(var + options_.eps) * g + bt;
}

}  // namespace xg::nn
