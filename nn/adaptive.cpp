// AdaptiveLogSoftmaxWithLoss (xgrad/nn/adaptive.h), PyTorch 1.13's algorithm composed from
// differentiable operations: each row's log-probability is its head term (its class in the
// shortlist, or its cluster's token) plus, for a rare class, the log-softmax of its cluster's
// tail over the rows that fall in that cluster only (found by nonzero: on a GPU a documented
// wait, as PyTorch's). So the tails cost what their rows need, and every order of gradient
// and both devices come with the operations.
#include <xgrad/nn/adaptive.h>

#include <algorithm>
#include <cmath>

#include <xgrad/autograd.h>
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg::nn {

namespace {
constexpr const char* kName = "AdaptiveLogSoftmaxWithLoss";
}  // namespace

AdaptiveLogSoftmaxWithLoss::AdaptiveLogSoftmaxWithLoss(const AdaptiveLogSoftmaxWithLossOptions& o) : options_(o) {
  detail::CallScope call(kName);
  const std::int64_t in = o.in_features(), n = o.n_classes();
  if (in <= 0 || n < 2) fail(kName, ": in_features must be positive and n_classes at least 2, got ", in, " and ", n);
  const auto& c = o.cutoffs();
  bool ok = !c.empty() && c.front() >= 1 && c.back() <= n - 1;
  for (std::size_t i = 1; ok && i < c.size(); ++i) ok = c[i] > c[i - 1];
  if (!ok)
    fail(kName, ": cutoffs should be a non-empty increasing sequence of unique integers in [1, n_classes - 1 = ", n - 1,
         "], got ", detail::shape_str(c));
  if (!(o.div_value() > 0) || !std::isfinite(o.div_value())) fail(kName, ": div_value must be positive, got ", o.div_value());
  if (!is_floating(o.dtype())) fail(kName, ": dtype must be a float type, got ", dtype_name(o.dtype()));
  const std::int64_t clusters = static_cast<std::int64_t>(c.size());
  head = std::make_shared<Linear>(in, detail::size_add(c.front(), clusters, kName, "the head's size"), o.head_bias(), o.dtype());
  register_module("head", *head);
  tail = std::make_shared<ModuleList>();
  for (std::int64_t i = 0; i < clusters; ++i) {
    // PyTorch's int(in_features // div_value ** (i + 1)).
    const double features = std::floor(static_cast<double>(in) / std::pow(o.div_value(), static_cast<double>(i + 1)));
    if (!(features >= 1))
      fail(kName, ": cluster ", i, "'s projection would have no features (in_features ", in, " / div_value ",
           o.div_value(), "^", i + 1, " < 1); lower div_value or use fewer cutoffs");
    const auto hidden = static_cast<std::int64_t>(features);
    const std::int64_t size = (i + 1 < clusters ? c[static_cast<std::size_t>(i + 1)] : n) - c[static_cast<std::size_t>(i)];
    tail->push_back(std::make_shared<Sequential>(std::make_shared<Linear>(in, hidden, false, o.dtype()),
                                                 std::make_shared<Linear>(hidden, size, false, o.dtype())));
  }
  register_module("tail", *tail);
}

Tensor AdaptiveLogSoftmaxWithLoss::batched(const Tensor& x, const char* call) const {
  if (!x.defined()) fail(call, ": the input is undefined");
  if ((x.dim() != 1 && x.dim() != 2) || x.shape().back() != options_.in_features())
    fail(call, ": expected input (N, ", options_.in_features(), ") or (", options_.in_features(), "), got ",
         detail::shape_str(x.shape()));
  return x.dim() == 1 ? unsqueeze(x, 0) : x;
}

ASMoutput AdaptiveLogSoftmaxWithLoss::forward(const Tensor& input, const Tensor& target) {
  detail::CallScope call(kName);
  const Tensor x = batched(input, kName);
  if (!target.defined() || target.dim() != input.dim() - 1 || (target.dim() == 1 && target.size(0) != input.size(0)))
    fail(kName, ": expected targets (N) for input (N, ", options_.in_features(), ") or a 0-d target for (",
         options_.in_features(), "), got ", target.defined() ? detail::shape_str(target.shape()) : "an undefined tensor",
         " for ", detail::shape_str(input.shape()));
  kernel::check_labels(target, options_.n_classes(), kName, "target");
  const Tensor t = reshape(target, {-1});
  const auto& cut = options_.cutoffs();
  const std::int64_t shortlist = cut.front();
  // Each row's term in the head: its own class in the shortlist, else its cluster's token
  // (shortlist + k for cluster k, counted by the cutoffs the target reaches).
  Tensor cluster = zeros_like(t);
  for (const std::int64_t c : cut) cluster = cluster + (t >= static_cast<double>(c)).to(kInt64);
  const Tensor in_head = where(cluster == 0.0, t, cluster + static_cast<double>(shortlist - 1));
  Tensor output = gather(log_softmax((*head)(x), 1), 1, in_head.unsqueeze(1)).squeeze(1);
  for (std::int64_t k = 0; k < n_clusters(); ++k) {
    const Tensor rows = reshape(nonzero(cluster == static_cast<double>(k + 1)), {-1});
    if (rows.numel() == 0) continue;
    const Tensor relative = index_select(t, 0, rows) - static_cast<double>(cut[static_cast<std::size_t>(k)]);
    const Tensor scores = log_softmax((*tail)[static_cast<std::size_t>(k)](index_select(x, 0, rows)), 1);
    output = index_add(output, 0, rows, gather(scores, 1, relative.unsqueeze(1)).squeeze(1));
  }
  const Tensor loss = (-output).mean();
  return {input.dim() == 1 ? output.squeeze(0) : output, loss};
}

Tensor AdaptiveLogSoftmaxWithLoss::full_log_prob(const Tensor& x, const Tensor& head_out) {
  const Tensor head_lp = log_softmax(head_out, 1);
  const std::int64_t shortlist = shortlist_size();
  tensor_list parts{head_lp.narrow(1, 0, shortlist)};
  for (std::int64_t k = 0; k < n_clusters(); ++k) {
    const Tensor scores = log_softmax((*tail)[static_cast<std::size_t>(k)](x), 1);
    parts.push_back(scores + head_lp.narrow(1, shortlist + k, 1));
  }
  return concat(parts, 1);
}

Tensor AdaptiveLogSoftmaxWithLoss::log_prob(const Tensor& input) {
  detail::CallScope call("AdaptiveLogSoftmaxWithLoss::log_prob");
  const Tensor x = batched(input, "AdaptiveLogSoftmaxWithLoss::log_prob");
  const Tensor out = full_log_prob(x, (*head)(x));
  return input.dim() == 1 ? out.squeeze(0) : out;
}

Tensor AdaptiveLogSoftmaxWithLoss::predict(const Tensor& input) {
  detail::CallScope call("AdaptiveLogSoftmaxWithLoss::predict");
  const Tensor x = batched(input, "AdaptiveLogSoftmaxWithLoss::predict");
  NoGradGuard no_grad;
  const Tensor head_out = (*head)(x);
  Tensor best = argmax(head_out, 1);
  // A row whose best head entry is a cluster token takes the best class of the full
  // distribution (PyTorch's rule); the tails run on those rows only.
  const Tensor rows = reshape(nonzero(best >= static_cast<double>(shortlist_size())), {-1});
  if (rows.numel() > 0)
    best = index_copy(best, 0, rows, argmax(full_log_prob(index_select(x, 0, rows), index_select(head_out, 0, rows)), 1));
  return input.dim() == 1 ? best.squeeze(0) : best;
}

}  // namespace xg::nn
