// torch::nn::functional's forms that do more than forward their options (nn/functional.h).
#include <xgrad/detail/format.h>

#include <xgrad/autograd.h>
#include <xgrad/nn/functional.h>
#include <xgrad/random.h>

#include "nn/batch_norm.h"
#include "nn/loss_checks.h"
#include "tensor/checked.h"

namespace xg::nn::functional {

Tensor conv2d(const Tensor& x, const Tensor& weight, const Conv2dFuncOptions& o) {
  return xg::conv2d(x, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups());
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const ConvTranspose2dFuncOptions& o) {
  return xg::conv_transpose2d(x, weight, o.bias(), o.stride(), o.padding(), o.output_padding(), o.groups(), o.dilation());
}

Tensor max_pool2d(const Tensor& x, const MaxPool2dFuncOptions& o) {
  return xg::max_pool2d(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}

Tensor avg_pool2d(const Tensor& x, const AvgPool2dFuncOptions& o) {
  return xg::avg_pool2d(x, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(), o.count_include_pad(),
                        o.divisor_override());
}

Tensor dropout2d(const Tensor& x, const Dropout2dFuncOptions& o) {
  detail::CallScope call("dropout2d");
  if (!(o.p() >= 0 && o.p() <= 1)) fail("dropout2d: probability must be in [0, 1], got ", o.p());
  if (x.dim() != 4) fail("dropout2d: expected input (N, C, H, W), got ", detail::shape_str(x.shape()));
  if (!o.training() || o.p() == 0) return x;
  if (o.p() == 1) return x * 0.0;
  // One draw per (sample, channel), broadcast over the plane.
  const Tensor keep = rand({x.shape()[0], x.shape()[1], 1, 1}, TensorOptions().dtype(x.dtype()).device(x.device())) >= o.p();
  return x * keep / (1.0 - o.p());
}

namespace {

// batch_weight: the new batch's weight as a 0-d tensor, or undefined for o.momentum().
Tensor batch_norm_impl(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                       const BatchNormFuncOptions& o, const Tensor& batch_weight) {
  detail::CallScope call("batch_norm");
  if (!x.defined() || x.dim() < 2) fail("batch_norm: expected an input (N, C, ...), got ", x.defined() ? detail::shape_str(x.shape()) : "an undefined tensor");
  const std::int64_t C = x.shape()[1];
  Shape stat_shape(static_cast<std::size_t>(x.dim()), 1);
  stat_shape[1] = C;
  Axes axes;
  for (std::int64_t a = 0; a < x.dim(); ++a)
    if (a != 1) axes.push_back(a);
  const Shape per_channel{C};
  for (const auto& [t, what] : {std::pair<const Tensor*, const char*>{&running_mean, "running_mean"}, {&running_var, "running_var"},
                               {&o.weight(), "weight"}, {&o.bias(), "bias"}})
    if (t->defined() && t->shape() != per_channel)
      fail("batch_norm: ", what, " has shape ", detail::shape_str(t->shape()), ", expected (", C, ") for input ",
           detail::shape_str(x.shape()));
  const bool batch_stats = o.training() || !running_mean.defined() || !running_var.defined();
  const auto affine = [&](Tensor y) {
    if (o.weight().defined()) y = y * reshape(o.weight(), stat_shape);
    if (o.bias().defined()) y = y + reshape(o.bias(), stat_shape);
    return y;
  };
  if (!batch_stats) return affine((x - reshape(running_mean, stat_shape)) / sqrt(reshape(running_var, stat_shape) + o.eps()));
  const double n = static_cast<double>(x.numel() / std::max<std::int64_t>(C, 1));
  if (n < 2) fail("batch_norm: training needs more than one value per channel, got input ", detail::shape_str(x.shape()));
  const Tensor mu = x.mean(axes, true);
  const Tensor xc = x - mu;
  const Tensor var = (xc * xc).mean(axes, true);  // biased: what the batch is normalised with
  if (o.training()) {
    NoGradGuard no_grad;
    const double m = o.momentum();
    const auto update = [&](const Tensor& running, const Tensor& batch) {
      if (!running.defined()) return;
      Tensor r = running;
      const Tensor b = reshape(batch.detach(), per_channel).to(r.dtype());
      if (!batch_weight.defined()) {
        r.mul_(1.0 - m).add_(b, m);
        return;
      }
      const Tensor w = batch_weight.to(r.dtype());
      r.mul_(1.0 - w).add_(b * w);
    };
    update(running_mean, mu);
    update(running_var, var * (n / (n - 1.0)));  // unbiased, as PyTorch
  }
  return affine(xc / sqrt(var + o.eps()));
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const BatchNormFuncOptions& o) {
  return batch_norm_impl(x, running_mean, running_var, o, Tensor());
}

using detail_loss::reduce;

Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& o) {
  detail_loss::require_same_shape("mse_loss", input, target);
  const Tensor d = input - target;
  return reduce(d * d, o.reduction());
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& o) {
  detail_loss::require_same_shape("l1_loss", input, target);
  return reduce(abs(input - target), o.reduction());
}

Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossFuncOptions& o) {
  detail_loss::require_same_shape("huber_loss", input, target);
  if (!(o.delta() > 0)) fail("huber_loss: delta must be positive, got ", o.delta());
  // As nn::huber: on the signed residual, strict < at the seam (PyTorch's second derivative).
  const Tensor d = input - target;
  const Tensor small = abs(d) < o.delta();
  return reduce(where(small, 0.5 * d * d, o.delta() * (abs(d) - 0.5 * o.delta())), o.reduction());
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& o) {
  detail_loss::require_same_shape("smooth_l1_loss", input, target);
  if (!(o.beta() > 0)) fail("smooth_l1_loss: beta must be positive, got ", o.beta());
  // huber_loss / beta, with the same seam (strict < beta).
  const Tensor d = input - target;
  const Tensor small = abs(d) < o.beta();
  return reduce(where(small, 0.5 * d * d / o.beta(), abs(d) - 0.5 * o.beta()), o.reduction());
}

Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& o) {
  detail::CallScope call("kl_div");
  detail_loss::require_same_shape("kl_div", input, target);
  // t log t as PyTorch's xlogy: 0 where t = 0 (log is taken of 1 there, so no NaN reaches the
  // gradient either); NaN for a negative t, as there.
  Tensor pointwise;
  if (o.log_target()) {
    pointwise = exp(target) * (target - input);
  } else {
    const Tensor zero = target == 0.0;
    pointwise = where(zero, zeros_like(target), target * log(where(zero, ones_like(target), target))) - target * input;
  }
  if (!o.batchmean()) return reduce(pointwise, o.reduction());
  const double batch = input.dim() == 0 ? 1.0 : static_cast<double>(input.shape()[0]);
  return pointwise.sum() / batch;
}

}  // namespace xg::nn::functional

namespace xg::nn {
Tensor SmoothL1Loss::operator()(const Tensor& y, const Tensor& t) const { return functional::smooth_l1_loss(y, t, options); }
Tensor KLDivLoss::operator()(const Tensor& input, const Tensor& target) const {
  return functional::kl_div(input, target, options);
}
}  // namespace xg::nn

namespace xg::nn::functional {

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BinaryCrossEntropyFuncOptions& o) {
  return nn::binary_cross_entropy(input, target, o);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& o) {
  return nn::binary_cross_entropy_with_logits(input, target, o);
}

}  // namespace xg::nn::functional

namespace xg::nn::detail_bn {

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const functional::BatchNormFuncOptions& options, const Tensor& batch_weight) {
  return functional::batch_norm_impl(x, running_mean, running_var, options, batch_weight);
}

}  // namespace xg::nn::detail_bn
