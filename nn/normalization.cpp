// Layers whose training and evaluation behaviour differ: Dropout and BatchNorm1d.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/nn/layers.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

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

BatchNorm1d::BatchNorm1d(std::int64_t num_features, BatchNormOptions options, Dtype dtype) : options_(options) {
  gamma = ones({num_features}, dtype);
  beta = zeros({num_features}, dtype);
  running_mean = zeros({num_features}, dtype);
  running_var = ones({num_features}, dtype);
  register_parameter("gamma", gamma);
  register_parameter("beta", beta);
  register_buffer("running_mean", running_mean);
  register_buffer("running_var", running_var);
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
  {
    NoGradGuard no_grad;
    const double m = options_.momentum;
    running_mean.mul_(m).add_(mu.detach().to(running_mean.dtype()), 1.0 - m);
    running_var.mul_(m).add_(var.detach().to(running_var.dtype()), 1.0 - m);
  }
  return xc / sqrt(var + options_.eps) * gamma + beta;
}

}  // namespace xg::nn
