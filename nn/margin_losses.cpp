// Ranking, embedding and likelihood losses (xgrad/nn/margin_losses.h), each PyTorch 1.13's
// formula composed from differentiable operations: margin_ranking_loss, hinge_embedding_loss,
// soft_margin_loss, multilabel_soft_margin_loss, cosine_embedding_loss, triplet_margin_loss,
// triplet_margin_with_distance_loss, poisson_nll_loss, gaussian_nll_loss, multi_margin_loss,
// multilabel_margin_loss. Shapes are checked first, naming the loss called.
#include <xgrad/detail/format.h>

#include <cmath>
#include <initializer_list>

#include <xgrad/nn/functional.h>
#include <xgrad/nn/margin_losses.h>
#include <xgrad/ops.h>

#include "nn/loss_checks.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg::nn::functional {

using detail_loss::reduce;
using detail_loss::require_same_shape;

namespace {

void require_float(const char* op, std::initializer_list<const Tensor*> xs) {
  for (const Tensor* x : xs) {
    if (!x->defined()) fail(op, ": an input is undefined");
    if (!is_floating(x->dtype())) fail(op, ": expected float tensors, got ", dtype_name(x->dtype()));
  }
}

// The 1 and -1 labels' masks: where(target == 1, a, 0) + where(target == -1, b, 0), as
// PyTorch writes these losses (any other label contributes 0 there too).
Tensor by_label(const Tensor& target, const Tensor& if_one, const Tensor& if_minus_one) {
  const Tensor zero = zeros_like(if_one);
  return where(target == 1.0, if_one, zero) + where(target == -1.0, if_minus_one, zero);
}

}  // namespace

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           const MarginRankingLossFuncOptions& o) {
  detail::CallScope call("margin_ranking_loss");
  require_float("margin_ranking_loss", {&input1, &input2, &target});
  if (input1.dim() != input2.dim() || input1.dim() != target.dim())
    fail("margin_ranking_loss: all input tensors should have the same dimension, got ", detail::shape_str(input1.shape()),
         ", ", detail::shape_str(input2.shape()), " and ", detail::shape_str(target.shape()));
  return reduce(clamp_min(-target * (input1 - input2) + o.margin(), 0.0), o.reduction());
}

Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, const HingeEmbeddingLossFuncOptions& o) {
  detail::CallScope call("hinge_embedding_loss");
  require_float("hinge_embedding_loss", {&input, &target});
  require_same_shape("hinge_embedding_loss", input, target);
  // PyTorch's: the margin term where the label is not 1, x itself where it is not -1.
  const Tensor zero = zeros_like(input);
  return reduce(where(target != 1.0, clamp_min(o.margin() - input, 0.0), zero) + where(target != -1.0, input, zero),
                o.reduction());
}

Tensor soft_margin_loss(const Tensor& input, const Tensor& target, const SoftMarginLossFuncOptions& o) {
  detail::CallScope call("soft_margin_loss");
  require_float("soft_margin_loss", {&input, &target});
  require_same_shape("soft_margin_loss", input, target);
  return reduce(log1p(exp(-input * target)), o.reduction());
}

Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target, const MultilabelSoftMarginLossFuncOptions& o) {
  detail::CallScope call("multilabel_soft_margin_loss");
  require_float("multilabel_soft_margin_loss", {&input, &target});
  require_same_shape("multilabel_soft_margin_loss", input, target);
  if (input.dim() == 0) fail("multilabel_soft_margin_loss: expected (N, C) or (C,) scores, got a 0-d tensor");
  Tensor loss = -(target * xg::logsigmoid(input) + (1.0 - target) * xg::logsigmoid(-input));
  const std::int64_t classes = input.shape().back();
  if (o.weight().defined()) {
    if (o.weight().shape() != Shape{classes})
      fail("multilabel_soft_margin_loss: expected a weight of (", classes, ",) for ", classes, " classes, got ",
           detail::shape_str(o.weight().shape()));
    loss = loss * o.weight();
  }
  return reduce(sum(loss, {-1}) / static_cast<double>(classes), o.reduction());
}

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             const CosineEmbeddingLossFuncOptions& o) {
  detail::CallScope call("cosine_embedding_loss");
  require_float("cosine_embedding_loss", {&input1, &input2, &target});
  if (input1.shape() != input2.shape() || (input1.dim() != 1 && input1.dim() != 2) || target.dim() != input1.dim() - 1 ||
      (target.dim() == 1 && target.shape()[0] != input1.shape()[0]))
    fail("cosine_embedding_loss: expected inputs (N, D) with targets (N,), or (D,) with a 0-d target, got ",
         detail::shape_str(input1.shape()), ", ", detail::shape_str(input2.shape()), " and ", detail::shape_str(target.shape()));
  // PyTorch's cosine: a small epsilon added to each squared magnitude, so a zero vector
  // gives cos 0, not NaN.
  constexpr double kEpsilon = 1e-12;
  const std::int64_t axis = input1.dim() - 1;
  const Tensor dot = sum(input1 * input2, {axis});
  const Tensor cos = dot / sqrt((sum(input1 * input1, {axis}) + kEpsilon) * (sum(input2 * input2, {axis}) + kEpsilon));
  return reduce(by_label(target, 1.0 - cos, clamp_min(cos - o.margin(), 0.0)), o.reduction());
}

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           const TripletMarginLossFuncOptions& o) {
  detail::CallScope call("triplet_margin_loss");
  require_float("triplet_margin_loss", {&anchor, &positive, &negative});
  if (anchor.dim() != positive.dim() || anchor.dim() != negative.dim() || anchor.dim() == 0)
    fail("triplet_margin_loss: expected anchor, positive and negative of one dimension (1-D or more), got ",
         detail::shape_str(anchor.shape()), ", ", detail::shape_str(positive.shape()), " and ",
         detail::shape_str(negative.shape()));
  const auto distance = PairwiseDistanceFuncOptions().p(o.p()).eps(o.eps());
  const Tensor d_pos = pairwise_distance(anchor, positive, distance);
  Tensor d_neg = pairwise_distance(anchor, negative, distance);
  if (o.swap()) d_neg = minimum(d_neg, pairwise_distance(positive, negative, distance));
  return reduce(clamp_min(d_pos - d_neg + o.margin(), 0.0), o.reduction());
}

Tensor triplet_margin_with_distance_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                                         const TripletMarginWithDistanceLossFuncOptions& o) {
  const char* op = "triplet_margin_with_distance_loss";
  detail::CallScope call(op);
  for (const Tensor* t : {&anchor, &positive, &negative})
    if (!t->defined()) fail(op, ": anchor, positive and negative must be defined");
  if (anchor.dim() != positive.dim() || anchor.dim() != negative.dim())
    fail(op, ": expected anchor, positive and negative of one dimension, got ", detail::shape_str(anchor.shape()), ", ",
         detail::shape_str(positive.shape()), " and ", detail::shape_str(negative.shape()));
  if (!(o.margin() > 0)) fail(op, ": margin must be positive, got ", o.margin());
  const auto distance = [&](const Tensor& x, const Tensor& y, const char* pair) {
    const Tensor d = o.distance_function() ? o.distance_function()(x, y) : functional::pairwise_distance(x, y);
    if (!d.defined() || !is_floating(d.dtype()))
      fail(op, ": the distance function gave ", d.defined() ? dtype_name(d.dtype()) : "an undefined tensor", " for ", pair,
           "; expected float distances");
    return d;
  };
  const Tensor d_pos = distance(anchor, positive, "(anchor, positive)");
  // Each negative pair's distances checked against d_pos's shape before any arithmetic, so a
  // mismatch names the loss (not the minimum or subtraction inside).
  const auto negative_pair = [&](const Tensor& x, const char* pair) {
    const Tensor d = distance(x, negative, pair);
    if (d.shape() != d_pos.shape())
      fail(op, ": the distance function gave ", detail::shape_str(d_pos.shape()), " for (anchor, positive) but ",
           detail::shape_str(d.shape()), " for ", pair, "; expected one distance per triplet");
    return d;
  };
  Tensor d_neg = negative_pair(anchor, "(anchor, negative)");
  if (o.swap()) d_neg = minimum(d_neg, negative_pair(positive, "(positive, negative)"));
  return reduce(clamp_min(d_pos - d_neg + o.margin(), 0.0), o.reduction());
}

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, const PoissonNLLLossFuncOptions& o) {
  detail::CallScope call("poisson_nll_loss");
  require_float("poisson_nll_loss", {&input, &target});
  require_same_shape("poisson_nll_loss", input, target);
  Tensor loss = o.log_input() ? exp(input) - target * input : input - target * log(input + o.eps());
  if (o.full()) {
    // Stirling's approximation of log(t!), where t > 1 (0 elsewhere, as PyTorch's masked_fill).
    const Tensor above = (target > 1.0).to(kInt64);
    const Tensor t = where(above, target, ones_like(target));  // log of 1 where masked: no NaN
    loss = loss + masked_fill(t * log(t) - t + 0.5 * log(2 * M_PI * t), 1 - above, 0.0);
  }
  return reduce(loss, o.reduction());
}

Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var, const GaussianNLLLossFuncOptions& o) {
  detail::CallScope call("gaussian_nll_loss");
  require_float("gaussian_nll_loss", {&input, &target, &var});
  require_same_shape("gaussian_nll_loss", input, target);
  if (!(o.eps() > 0)) fail("gaussian_nll_loss: eps must be positive, got ", o.eps());
  // var: the input's shape, or one per row with its last axis 1 or missing (PyTorch's rules).
  Tensor v = var;
  if (var.shape() != input.shape()) {
    Shape rows = input.shape();
    if (!rows.empty()) rows.pop_back();
    if (var.shape() == rows) {
      v = unsqueeze(var, -1);
    } else if (!(var.dim() == input.dim() && var.dim() > 0 && var.shape().back() == 1 &&
                 Shape(var.shape().begin(), var.shape().end() - 1) == rows)) {
      fail("gaussian_nll_loss: var ", detail::shape_str(var.shape()), " is of incorrect size for input ",
           detail::shape_str(input.shape()), " (expected the input's shape, or its rows with a last axis of 1 or none)");
    }
  }
  // A negative variance is an error, as PyTorch's (a read of var: a documented wait on a GPU).
  if (v.numel() > 0 && kernel::reduce(kernel::Reduce::Min, v.detach(), {}, false).item() < 0)
    fail("gaussian_nll_loss: var has negative entry/entries");
  // Clamped at eps as PyTorch does it, under no_grad: the values are clamped, the gradient
  // flows to var as if they were not.
  const Tensor clamped = v + (clamp_min(v, o.eps()) - v).detach();
  Tensor loss = 0.5 * (log(clamped) + (input - target).square() / clamped);
  if (o.full()) loss = loss + 0.5 * std::log(2 * M_PI);
  return reduce(loss, o.reduction());
}

namespace {

// Scores (N, C) or (C) and int64 labels of the matching shape, as (N, C) and (N, ...).
std::pair<Tensor, Tensor> class_scores(const char* op, const Tensor& input, const Tensor& target, bool label_rows) {
  if (!input.defined() || !target.defined()) fail(op, ": an input is undefined");
  if (!is_floating(input.dtype())) fail(op, ": expected float scores, got ", dtype_name(input.dtype()));
  if (target.dtype() != kInt64) fail(op, ": the target must be int64 class indices, got ", dtype_name(target.dtype()));
  if (input.dim() != 1 && input.dim() != 2)
    fail(op, ": expected scores (N, C) or (C), got ", xg::detail::shape_str(input.shape()));
  const Tensor x = input.dim() == 1 ? input.unsqueeze(0) : input;
  const Shape want = label_rows ? x.shape() : Shape{x.shape()[0]};
  const Tensor t = target.reshape(target.numel() == shape_numel(want) ? want : target.shape());
  if (t.shape() != want)
    fail(op, ": the target ", xg::detail::shape_str(target.shape()), " does not match the scores ",
         xg::detail::shape_str(input.shape()), label_rows ? " (one row of class indices per sample)" : " (one label per sample)");
  return {x, t};
}

}  // namespace

Tensor multi_margin_loss(const Tensor& input, const Tensor& target, const MultiMarginLossFuncOptions& o) {
  xg::detail::CallScope call("multi_margin_loss");
  if (o.p() != 1 && o.p() != 2) fail("multi_margin_loss: only p = 1 and p = 2 are supported, got ", o.p());
  const auto [x, y] = class_scores("multi_margin_loss", input, target, false);
  const std::int64_t C = x.shape()[1];
  kernel::check_indices(y, x, C, 1, "multi_margin_loss");
  const Tensor labels = y.unsqueeze(1);
  Tensor hinge = clamp_min(o.margin() - x.gather(1, labels) + x, 0.0);
  if (o.p() == 2) hinge = hinge * hinge;
  if (o.weight().defined()) {
    if (o.weight().dim() != 1 || o.weight().shape()[0] != C)
      fail("multi_margin_loss: weight must have one entry per class (", C, "), got ",
           xg::detail::shape_str(o.weight().shape()));
    hinge = hinge * o.weight().index_select(0, y).unsqueeze(1);
  }
  // The label's own column contributes nothing.
  const Tensor own = arange(0.0, static_cast<double>(C), 1.0, TensorOptions(kInt64).device(x.device())).unsqueeze(0) == labels;
  Tensor loss = masked_fill(hinge, own, 0.0).sum(Axes{1}) / static_cast<double>(C);
  if (input.dim() == 1) loss = loss.reshape({});
  return reduce(loss, o.reduction());
}

Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target, const MultilabelMarginLossFuncOptions& o) {
  xg::detail::CallScope call("multilabel_margin_loss");
  const auto [x, y] = class_scores("multilabel_margin_loss", input, target, true);
  const std::int64_t N = x.shape()[0], C = x.shape()[1];
  // The targets are each row's entries before its first -1 (a running product of "not -1").
  const Tensor listed = cumprod((y != -1.0).to(kInt64), 1);
  const Tensor safe = where(listed, y, zeros_like(y));
  kernel::check_indices(safe.reshape({N * C}), x, C, 1, "multilabel_margin_loss");
  // count[n, c]: how often class c is listed for sample n.
  const Tensor hits = (safe.unsqueeze(2) == arange(0.0, static_cast<double>(C), 1.0,
                                                   TensorOptions(kInt64).device(x.device())).reshape({1, 1, C}));
  const Tensor count = (hits * listed.unsqueeze(2)).sum(Axes{1}).to(x.dtype());
  const Tensor other = (count == 0.0);
  // Every (target j, non-target i) pair: max(0, 1 - (x_j - x_i)), the target weighted by its count.
  const Tensor pairs = clamp_min(1.0 - (x.unsqueeze(2) - x.unsqueeze(1)), 0.0);
  Tensor loss = (pairs * count.unsqueeze(2) * other.unsqueeze(1)).sum(Axes{1, 2}) / static_cast<double>(C);
  if (input.dim() == 1) loss = loss.reshape({});
  return reduce(loss, o.reduction());
}

}  // namespace xg::nn::functional
