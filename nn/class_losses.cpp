// Losses over a class axis: softmax_cross_entropy (libtorch's cross_entropy), nll_loss and
// their options (reduction, ignore_index). Scores are (N, C) or PyTorch's K-dimensional form
// (N, C, d1, ..., dK) with labels (N, d1, ..., dK), as a sequence model's (N, C, T) logits
// and (N, T) targets; or unbatched (C) with a 0-d label. The K-dimensional form moves the
// class axis last and flattens, so every position is one row, averaged together.
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

using detail_loss::require_same_shape;

namespace {

// Scores as (M, C) rows and targets as (M,) labels or (M, C) probability rows.
struct Rows {
  Tensor x, t;
};

Rows class_rows(const char* op, const Tensor& x, const Tensor& t) {
  if (!x.defined() || !t.defined()) fail(op, ": the ", x.defined() ? "target" : "input", " is undefined");
  const bool labels = t.dtype() == kInt64;
  if (x.dim() == 1) {  // unbatched: (C) with a 0-d label or (C) probabilities
    if (labels ? t.dim() != 0 : t.shape() != x.shape())
      fail(op, ": for unbatched scores ", detail::shape_str(x.shape()), " expected ",
           labels ? "a 0-d label" : "probabilities of the same shape", ", got ", detail::shape_str(t.shape()));
    return {x.reshape({1, -1}), labels ? t.reshape({1}) : t.reshape({1, -1})};
  }
  if (x.dim() < 2) fail(op, ": expected (N, C) or (N, C, d1, ...) scores, got ", detail::shape_str(x.shape()));
  if (x.dim() == 2) return {x, t};
  // (N, C, d1, ..., dK): labels (N, d1, ..., dK), or probabilities of x's shape.
  Shape expected = x.shape();
  if (labels) expected.erase(expected.begin() + 1);
  if (t.shape() != expected)
    fail(op, ": for scores ", detail::shape_str(x.shape()), " (N, C, d1, ...) expected ",
         labels ? "int64 labels (N, d1, ...) " : "probabilities ", detail::shape_str(expected), ", got ",
         detail::shape_str(t.shape()), " ", dtype_name(t.dtype()), detail_loss::label_hint(x, t));
  Axes last_c{0};
  for (std::int64_t a = 2; a < x.dim(); ++a) last_c.push_back(a);
  last_c.push_back(1);
  const std::int64_t C = x.shape()[1];
  return {permute(x, last_c).reshape({-1, C}), labels ? t.reshape({-1}) : permute(t, last_c).reshape({-1, C})};
}

// The fused (N, C) path: labels or probability rows, mean over the rows.
Tensor fused_cross_entropy(const Tensor& x, const Tensor& t_in) {
  if (t_in.dtype() == kInt64) {
    // Labels: one fused pass forward (probabilities kept), one pass backward.
    if (t_in.dim() != 1 || t_in.shape()[0] != x.shape()[0])
      fail("softmax_cross_entropy: labels ", detail::shape_str(t_in.shape()), " do not match scores ",
           detail::shape_str(x.shape()), " (expected (N,) int64 labels for (N,C) scores)");
    Tensor probs;
    const Tensor loss = kernel::softmax_cross_entropy(x, t_in, probs, "softmax_cross_entropy");
    const double n = static_cast<double>(x.shape()[0]);
    return autograd::record("softmax_cross_entropy", {x}, loss, {x, probs, t_in}, [n](autograd::Node& node, const Tensor& gy) {
      const auto s = node.saved();
      if (!is_grad_enabled())  // plain backward: (p - onehot) * gy / N in one pass
        return tensor_list{kernel::softmax_cross_entropy_backward(s[1], s[2], gy, n)};
      // create_graph: the same gradient, written with differentiable operations.
      return tensor_list{(softmax(s[0], 1) - one_hot(s[2], s[0].shape()[1]).to(s[0].dtype())) * (gy / n)};
    });
  }
  require_same_shape("softmax_cross_entropy", x, t_in);  // one-hot or probability rows
  const Tensor& t = t_in;
  const double n = static_cast<double>(x.shape()[0]);
  // Fused forward: -sum(t * log_softmax(x)) / N, computed without a graph of its pieces.
  const Tensor logp = kernel::log_softmax(x, 1);
  const Tensor loss = kernel::binary(kernel::Binary::Mul,
                                     kernel::reduce(kernel::Reduce::Sum, kernel::binary(kernel::Binary::Mul, t, logp, "softmax_cross_entropy"), {}, false),
                                     scalar_tensor(-1.0 / n, x.dtype()), "softmax_cross_entropy");
  return autograd::record("softmax_cross_entropy", {x, t}, loss, {x, t}, [n](autograd::Node& node, const Tensor& gy) {
    const auto s = node.saved();
    // d/dx = (softmax(x) * sum(t) - t) / N; for probability rows sum(t) = 1.
    const Tensor gx = node.needs_input_grad(0) ? (softmax(s[0], 1) * s[1].sum({1}, true) - s[1]) * (gy / n) : Tensor();
    const Tensor gt = node.needs_input_grad(1) ? -log_softmax(s[0], 1) * (gy / n) : Tensor();
    return tensor_list{gx, gt};
  });
}

// A class-weight option checked against C classes and made a constant of the scores' dtype
// and device; undefined when not given.
Tensor class_weights(const char* op, const Tensor& weight, const Tensor& scores) {
  if (!weight.defined()) return weight;
  const std::int64_t C = scores.shape()[1];
  if (weight.dim() != 1 || weight.shape()[0] != C)
    fail(op, ": weight must hold one value per class (", C, ",), got ", detail::shape_str(weight.shape()));
  if (!is_floating(weight.dtype())) fail(op, ": weight must be a float tensor, got ", dtype_name(weight.dtype()));
  if (weight.device() != scores.device())
    fail(op, ": weight is on ", weight.device().str(), ", the scores on ", scores.device().str(), "; move one with .to(...)");
  return weight.detach().to(scores.dtype());
}

// Per row: w[t_m] (or 1) where the label counts, 0 where it is ignore_index.
struct LabelRows {
  Tensor picked;  // the labels, ignored ones replaced by class 0
  Tensor scale;   // (M,): the weight each row's loss carries
};
LabelRows label_rows(const char* op, const Tensor& logp, const Tensor& t, std::int64_t ignore_index,
                     const Tensor& weight) {
  if (t.dtype() != kInt64)
    fail(op, ": targets must be int64 class labels, got ", dtype_name(t.dtype()), detail_loss::label_hint(logp, t));
  const std::int64_t C = logp.shape()[1];
  // Tensor operations where the labels live: on a GPU nothing is read back (a bad label is
  // reported at the next wait, with this message).
  kernel::check_labels_ignoring(t, C, ignore_index, op);
  const Tensor ignored = t == static_cast<double>(ignore_index);
  const Tensor keep = (1.0 - ignored).to(logp.dtype());
  const Tensor picked = where(ignored, scalar_tensor(0.0, kInt64), t);
  return {picked, weight.defined() ? index_select(weight, 0, picked) * keep : keep};
}

// -w[t_m] logp[m, t_m] for (M, C) log-probabilities and (M,) labels, with ignore_index rows
// left out (zero, and not counted by the mean), reduced; the mean divides by the weights of
// the rows that count (their number without weights), as PyTorch's.
Tensor nll_rows(const Tensor& logp, const LabelRows& rows, Reduction reduction) {
  const Tensor losses = -pick(logp, rows.picked) * rows.scale;
  if (reduction != Reduction::Mean) return detail_loss::reduce(losses, reduction);
  // PyTorch: all ignored gives 0/0 = NaN.
  return losses.sum() / rows.scale.sum();
}

}  // namespace

Tensor softmax_cross_entropy(const Tensor& x, const Tensor& t) {
  detail::CallScope call("softmax_cross_entropy");
  const Rows r = class_rows("softmax_cross_entropy", x, t);
  return fused_cross_entropy(r.x, r.t);
}

Tensor nll_loss(const Tensor& logp, const Tensor& t, const NLLLossOptions& options) {
  detail::CallScope call("nll_loss");
  const Rows r = class_rows("nll_loss", logp, t);
  const Tensor w = class_weights("nll_loss", options.weight(), r.x);
  Tensor y = nll_rows(r.x, label_rows("nll_loss", r.x, r.t, options.ignore_index(), w), options.reduction());
  // Reduction::None keeps the target's shape: (N, d1, ...), or () unbatched.
  return options.reduction() == Reduction::None ? y.reshape(t.shape()) : y;
}

Tensor cross_entropy(const Tensor& logits, const Tensor& t, const CrossEntropyLossOptions& options) {
  detail::CallScope call("cross_entropy");
  const Rows r = class_rows("cross_entropy", logits, t);
  const bool labels = t.dtype() == kInt64;
  // Whether a label is ignored decides between the fused pass and the general one; on a GPU
  // finding out would read the labels back (a wait), so the general pass runs there.
  bool any_ignored = labels && !r.t.device().is_cpu();
  if (labels && !any_ignored) {
    const auto* pt = r.t.data<std::int64_t>();
    for (std::int64_t i = 0; i < r.t.numel() && !any_ignored; ++i) any_ignored = pt[i] == options.ignore_index();
  }
  const Tensor w = class_weights("cross_entropy", options.weight(), r.x);
  if (options.reduction() == Reduction::Mean && !any_ignored && options.label_smoothing() == 0.0 && !w.defined())
    return fused_cross_entropy(r.x, r.t);  // the common case: one fused pass
  const Tensor logp = log_softmax(r.x, 1);
  // -logp with each class's weight (PyTorch's weighting of probability targets and of the
  // smoothing term).
  const Tensor neg = w.defined() ? -logp * w : -logp;
  Tensor y;
  if (!labels) {
    require_same_shape("cross_entropy", r.x, r.t);
    const Tensor rows = (r.t * neg).sum({1});
    y = options.reduction() == Reduction::Mean ? rows.mean() : options.reduction() == Reduction::Sum ? rows.sum() : rows;
  } else {
    const LabelRows rows = label_rows("cross_entropy", logp, r.t, options.ignore_index(), w);
    y = nll_rows(logp, rows, options.reduction());
    const double eps = options.label_smoothing();
    if (eps != 0.0) {
      if (!(eps >= 0.0 && eps <= 1.0)) fail("cross_entropy: label_smoothing must be in [0, 1], got ", eps);
      // PyTorch: (1 - eps)·nll + eps·(mean over classes of -w logp), over the same rows, the
      // mean divided by the same weights as the nll's.
      const Tensor keep = (r.t != static_cast<double>(options.ignore_index())).to(logp.dtype());
      const Tensor smooth = neg.mean({1}) * keep;
      const Tensor reduced = options.reduction() == Reduction::None ? smooth
                             : options.reduction() == Reduction::Sum ? smooth.sum()
                                                                     : smooth.sum() / rows.scale.sum();
      y = (1.0 - eps) * y + eps * reduced;
    }
  }
  if (options.reduction() != Reduction::None) return y;
  // Per element, in the target's layout: (N, d1, ...), (N), or () unbatched.
  if (labels) return y.reshape(t.shape());
  if (logits.dim() == 1) return y.reshape({});
  Shape shape = logits.shape();
  shape.erase(shape.begin() + 1);
  return y.reshape(shape);
}

}  // namespace xg::nn
