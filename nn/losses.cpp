// Loss functions and accuracy.
#include <xgrad/detail/format.h>
#include <cmath>

#include <xgrad/autograd.h>
#include <xgrad/nn/losses.h>
#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "nn/loss_checks.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg::nn {

using detail_loss::label_hint;
using detail_loss::reduce;
using detail_loss::require_same_shape;


Tensor mean_squared_error(const Tensor& y, const Tensor& t) {
  require_same_shape("mean_squared_error", y, t);
  const Tensor d = y - t;
  return (d * d).mean();
}

Tensor sum_squared_error(const Tensor& y, const Tensor& t) {
  require_same_shape("sum_squared_error", y, t);
  const Tensor d = y - t;
  return 0.5 * (d * d).sum();
}

Tensor cross_entropy_error(const Tensor& y_in, const Tensor& t_in) {
  const Tensor y = y_in.dim() == 1 ? y_in.reshape({1, -1}) : y_in;
  Tensor t = t_in;
  if (t.dtype() == kInt64 && t.dim() == 0) t = t.reshape({1});
  if (t.dtype() != kInt64 && t.dim() == 1 && y_in.dim() == 1) t = t.reshape({1, -1});
  // One-hot targets select through their argmax, as the textbook does.
  if (t.dtype() != kInt64) {
    require_same_shape("cross_entropy_error", y, t);
    t = t.argmax(1);
  }
  if (y.dim() != 2 || t.dim() != 1 || t.shape()[0] != y.shape()[0])
    fail("cross_entropy_error: labels ", detail::shape_str(t_in.shape()), " do not match probabilities ",
         detail::shape_str(y_in.shape()));
  kernel::check_labels(t, y.shape()[1], "cross_entropy_error");
  return -log(pick(y, t) + 1e-7).sum() / static_cast<double>(y.shape()[0]);
}

namespace {

// Each element's -[t log p + (1 - t) log(1 - p)], PyTorch's definition, finite at p = 0 and
// p = 1 (sigmoid of a float32 20 is exactly 1): each log is clamped at -100, and the
// gradient is (p - t) / max(p (1 - p), eps) rather than the chain rule through the clamp,
// which gives 0 * inf = NaN there.
Tensor bce_elements(const Tensor& p, const Tensor& t) {
  Tensor loss;
  {
    NoGradGuard no_grad;
    loss = -(t * clamp(log(p), -100.0, 0.0) + (1.0 - t) * clamp(log(1.0 - p), -100.0, 0.0));
  }
  return autograd::record("binary_cross_entropy", {p, t}, loss, {p, t}, [](autograd::Node& node, const Tensor& gy) {
    const auto s = node.saved();
    const Tensor& pp = s[0];
    const Tensor& tt = s[1];
    // PyTorch's EPSILON is the float 1e-12, and its gradients at p = 0 or 1 are 1/EPSILON-sized.
    const double eps = static_cast<double>(1e-12f);
    const Tensor gp = node.needs_input_grad(0) ? (pp - tt) / clamp(pp * (1.0 - pp), eps, INFINITY) * gy : Tensor();
    // d/dt: log(1 - p) - log(p), each clamped as in the forward (PyTorch leaves these infinite).
    const Tensor gt =
        node.needs_input_grad(1) ? (clamp(log(1.0 - pp), -100.0, 0.0) - clamp(log(pp), -100.0, 0.0)) * gy : Tensor();
    return tensor_list{gp, gt};
  });
}

// A weight of the options must broadcast to the input's shape (as PyTorch expands it).
void check_broadcasts(const char* op, const char* what, const Tensor& w, const Tensor& input) {
  if (!w.defined()) return;
  const Shape& ws = w.shape();
  const Shape& xs = input.shape();
  bool fits = ws.size() <= xs.size();
  for (std::size_t i = 0; fits && i < ws.size(); ++i) {
    const std::int64_t d = ws[ws.size() - 1 - i];
    fits = d == 1 || d == xs[xs.size() - 1 - i];
  }
  if (!fits)
    fail(op, ": ", what, " of shape ", detail::shape_str(ws), " does not broadcast to the input's shape ",
         detail::shape_str(xs));
}

}  // namespace

Tensor binary_cross_entropy(const Tensor& p, const Tensor& t) {
  require_same_shape("binary_cross_entropy", p, t);
  return bce_elements(p, t).mean();
}

Tensor binary_cross_entropy(const Tensor& p, const Tensor& t, const BCELossOptions& o) {
  const char* op = "binary_cross_entropy";
  detail::CallScope call(op);
  require_same_shape(op, p, t);
  check_broadcasts(op, "weight", o.weight(), p);
  const Tensor loss = bce_elements(p, t);
  return reduce(o.weight().defined() ? loss * o.weight() : loss, o.reduction());
}

Tensor binary_cross_entropy_with_logits(const Tensor& x, const Tensor& t, const BCEWithLogitsLossOptions& o) {
  const char* op = "binary_cross_entropy_with_logits";
  detail::CallScope call(op);
  require_same_shape(op, x, t);
  check_broadcasts(op, "weight", o.weight(), x);
  check_broadcasts(op, "pos_weight", o.pos_weight(), x);
  // softplus is exact for any x (max(x, 0) + log1p(e^-|x|)) and its derivative is sigmoid,
  // so the composition's gradient is PyTorch's ((pos_weight t - t + 1) sigmoid(x) - pos_weight t).
  Tensor loss = o.pos_weight().defined()
                    ? (1.0 - t) * x + ((o.pos_weight() - 1.0) * t + 1.0) * softplus(-x)
                    : softplus(x) - x * t;
  if (o.weight().defined()) loss = loss * o.weight();
  return reduce(loss, o.reduction());
}

Tensor sigmoid_binary_cross_entropy(const Tensor& x, const Tensor& t) {
  require_same_shape("sigmoid_binary_cross_entropy", x, t);
  return (softplus(x) - x * t).mean();
}

Tensor huber(const Tensor& y, const Tensor& t, double delta) {
  require_same_shape("huber", y, t);
  if (!(delta > 0)) fail("huber: delta must be positive, got ", delta);
  // Written on the signed residual: squaring abs(d) would make the second derivative at
  // d = 0 vanish (abs'' is 0) instead of 1. Strict < at the seam, as PyTorch.
  const Tensor d = y - t;
  const Tensor small = abs(d) < delta;
  return where(small, 0.5 * d * d, delta * (abs(d) - 0.5 * delta)).mean();
}

Tensor l1(const Tensor& y, const Tensor& t) {
  require_same_shape("l1", y, t);
  return abs(y - t).mean();
}

double accuracy(const Tensor& y, const Tensor& t) {
  if (y.dim() == 0 || y.shape()[0] == 0) fail("accuracy: empty predictions ", detail::shape_str(y.shape()));
  Tensor pred, label;
  const bool binary = y.dim() == 1 || (y.dim() == 2 && y.shape()[1] == 1);
  if (binary) {
    pred = (y.reshape({-1}) > 0.5).to(kInt64);
    label = t.reshape({-1});
    if (is_floating(label.dtype())) {  // 0.0 / 1.0 targets, as Keras's binary accuracy takes them
      const Tensor is01 = (label == 0.0) + (label == 1.0);
      if (is01.numel() > 0 && is01.min().item() == 0.0)
        fail("accuracy: binary targets must be 0 or 1, got ", label.min().item(), " to ", label.max().item());
      label = label.to(kInt64);
    }
  } else {
    pred = y.argmax(-1);
    label = t.dtype() == kInt64 || t.dim() != y.dim() ? t : t.argmax(-1);
  }
  if (pred.shape() != label.shape())
    fail("accuracy: predictions ", detail::shape_str(y.shape()), " and targets ", detail::shape_str(t.shape()), " do not match",
         label_hint(y, t));
  kernel::check_labels(label, binary ? 2 : y.size(-1), "accuracy");
  return (pred == label).to(kFloat64).mean().item();
}

double accuracy(Module& model, const Tensor& x, const Tensor& t, std::int64_t batch_size) {
  if (batch_size < 1) fail("accuracy: batch_size must be positive, got ", batch_size);
  if (x.dim() == 0 || t.dim() == 0 || x.shape()[0] != t.shape()[0] || x.shape()[0] == 0)
    fail("accuracy: expected as many targets as inputs, got ", detail::shape_str(x.shape()), " and ",
         detail::shape_str(t.shape()));
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  double correct = 0;
  const std::int64_t n = x.shape()[0];
  try {
    for (std::int64_t i = 0; i < n; i += batch_size) {
      const std::int64_t len = std::min(batch_size, n - i);
      correct += std::round(accuracy(model(narrow(x, 0, i, len)), narrow(t, 0, i, len)) * static_cast<double>(len));
    }
  } catch (...) {
    model.train(was_training);
    throw;
  }
  model.train(was_training);
  return correct / static_cast<double>(n);
}

}  // namespace xg::nn
