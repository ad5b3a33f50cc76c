// AlphaDropout, FeatureAlphaDropout and gumbel_softmax (nn/include/xgrad/nn/stochastic.h),
// composed of draws and elementwise operations, so they differentiate (to any order) and run
// wherever those do.
#include <xgrad/nn/stochastic.h>

#include <cmath>
#include <limits>

#include <xgrad/autograd.h>
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "tensor/checked.h"

namespace xg::nn {

namespace functional {

namespace {

void check_p(const char* op, double p) {
  if (!(p >= 0.0 && p <= 1.0)) fail(op, ": dropout probability must be in [0, 1], got ", p);
}

// x·(a·keep) + a·α·(keep − 1 + p), PyTorch's: the kept elements scaled by a, the dropped set
// to −a·α(1 − p); α = λ·α of SELU (its negative saturation, −1.7581), a restoring unit
// variance. `keep` is 1 or 0, shaped like x or broadcasting to it.
Tensor alpha_mix(const Tensor& x, const Tensor& keep, double p) {
  constexpr double alpha = 1.7580993408473766;
  const double a = 1.0 / std::sqrt((alpha * alpha * p + 1.0) * (1.0 - p));
  return x * (keep * a) + ((keep - 1.0) * (alpha * a) + alpha * a * p);
}

}  // namespace

Tensor alpha_dropout(const Tensor& x, const AlphaDropoutFuncOptions& o) {
  const char* op = "alpha_dropout";
  detail::CallScope call(op);
  check_p(op, o.p());
  if (!x.defined()) fail(op, ": the input is undefined");
  if (!is_floating(x.dtype())) fail(op, ": expected a float tensor, got ", dtype_name(x.dtype()));
  if (!o.training() || o.p() == 0) return x;
  if (o.p() == 1) return x * 0.0;  // PyTorch's: zeros, and zero gradients
  const Tensor keep = (rand(x.shape(), TensorOptions(x.dtype()).device(x.device())) >= o.p()).to(x.dtype());
  return alpha_mix(x, keep, o.p());
}

Tensor feature_alpha_dropout(const Tensor& x, const FeatureAlphaDropoutFuncOptions& o) {
  const char* op = "feature_alpha_dropout";
  detail::CallScope call(op);
  check_p(op, o.p());
  if (!x.defined() || x.dim() < 2)
    fail(op, ": expected an input (N, C, ...) of at least 2 axes, got ",
         x.defined() ? detail::shape_str(x.shape()) : std::string("an undefined tensor"));
  if (!is_floating(x.dtype())) fail(op, ": expected a float tensor, got ", dtype_name(x.dtype()));
  if (!o.training() || o.p() == 0) return x;
  if (o.p() == 1) return x * 0.0;
  Shape per_map(static_cast<std::size_t>(x.dim()), 1);
  per_map[0] = x.shape()[0];
  per_map[1] = x.shape()[1];
  const Tensor keep = (rand(per_map, TensorOptions(x.dtype()).device(x.device())) >= o.p()).to(x.dtype());
  return alpha_mix(x, keep, o.p());
}

Tensor gumbel_softmax(const Tensor& logits, const GumbelSoftmaxFuncOptions& o) {
  const char* op = "gumbel_softmax";
  detail::CallScope call(op);
  if (!logits.defined()) fail(op, ": the logits are undefined");
  if (!is_floating(logits.dtype())) fail(op, ": expected float logits, got ", dtype_name(logits.dtype()));
  if (!(o.tau() > 0) || !std::isfinite(o.tau())) fail(op, ": tau must be positive and finite, got ", o.tau());
  if (logits.dim() == 0) fail(op, ": expected logits with at least one axis, got a 0-d tensor");
  const std::int64_t d = o.dim() < 0 ? o.dim() + logits.dim() : o.dim();
  if (d < 0 || d >= logits.dim())
    fail(op, ": dim ", o.dim(), " is out of range for logits of shape ", detail::shape_str(logits.shape()));
  // Gumbel noise -log(E), E = -log(U) exponential. U is kept inside (0, 1) in the logits'
  // precision, so E is finite and positive and the noise always finite: PyTorch's
  // exponential_ could return 0 and make a NaN sample.
  const bool single = logits.dtype() == kFloat32;
  const double lo = single ? std::numeric_limits<float>::min() : std::numeric_limits<double>::min();
  const double hi = single ? std::nextafter(1.0f, 0.0f) : std::nextafter(1.0, 0.0);
  Tensor noise;
  {
    NoGradGuard no_grad;
    const Tensor u = clamp(rand(logits.shape(), TensorOptions(logits.dtype()).device(logits.device())), lo, hi);
    noise = -log(-log(u));
  }
  const Tensor soft = softmax((logits + noise) / o.tau(), d);
  if (!o.hard()) return soft;
  const Tensor index = argmax(soft, d, true);
  const Tensor hard = scatter(zeros_like(soft), d, index, 1.0);
  return hard - soft.detach() + soft;  // the one-hot sample forward, the soft gradient backward
}

}  // namespace functional

AlphaDropout::AlphaDropout(const AlphaDropoutOptions& options) : p_(options.p()) {
  if (!(p_ >= 0.0 && p_ <= 1.0)) fail("AlphaDropout: probability must be in [0, 1], got ", p_);
}

Tensor AlphaDropout::forward(const Tensor& x) {
  return functional::alpha_dropout(x, functional::AlphaDropoutFuncOptions().p(p_).training(is_training()));
}

FeatureAlphaDropout::FeatureAlphaDropout(const FeatureAlphaDropoutOptions& options) : p_(options.p()) {
  if (!(p_ >= 0.0 && p_ <= 1.0)) fail("FeatureAlphaDropout: probability must be in [0, 1], got ", p_);
}

Tensor FeatureAlphaDropout::forward(const Tensor& x) {
  const auto options = functional::FeatureAlphaDropoutFuncOptions().p(p_).training(is_training());
  return functional::feature_alpha_dropout(x, options);
}

}  // namespace xg::nn
