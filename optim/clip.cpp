// Gradient clipping.
#include <xgrad/detail/format.h>
#include <algorithm>
#include <cmath>

#include <xgrad/autograd.h>
#include <xgrad/ops.h>
#include <xgrad/optim/clip.h>

namespace xg::optim {

// Each tensor once: a list with a shared tensor twice would count its gradient twice in the
// norm (2.0 instead of 1.41 for two unit gradients) and scale it twice.
static tensor_list unique(const tensor_list& params) {
  tensor_list out;
  for (const auto& p : params)
    if (std::none_of(out.begin(), out.end(), [&](const Tensor& q) { return q.is_same(p); })) out.push_back(p);
  return out;
}

// The norm and the scale stay tensors on the gradients' device, so the gradients are scaled
// without waiting for a GPU; the one wait is for the double returned (libtorch's signature).
// `coef` is 1 where no clipping applies, and x * 1 is x: the same bits as leaving it alone.
// The 1 is a CPU scalar, which goes with tensors on any device (no copy to the GPU).
static void scale_all(const tensor_list& params, const Tensor& coef) {
  for (const auto& p : params)
    if (p.grad().defined()) p.grad().mul_(coef.to(p.grad().dtype()));
}

namespace {
// The norm of the defined tensors of `list` in float64, undefined when there is none.
Tensor total_norm(const tensor_list& list, double norm_type, const char* op) {
  if (!(norm_type >= 1.0)) fail(op, ": norm_type must be at least 1 (or INFINITY), got ", norm_type);
  NoGradGuard no_grad;
  Tensor total;
  for (const auto& t : list) {
    if (!t.defined()) continue;
    if (norm_type == 2.0) {  // squares and sqrt, as clip_grad_norm always computed them
      const Tensor g = t.to(kFloat64), part = (g * g).sum();
      total = total.defined() ? total + part : part;
      continue;
    }
    const Tensor g = t.to(kFloat64).abs();
    if (std::isinf(norm_type)) {
      if (g.numel() == 0) continue;
      const Tensor m = g.max();
      total = total.defined() ? maximum(total, m) : m;
    } else {
      const Tensor part = xg::pow(g, norm_type).sum();
      total = total.defined() ? total + part : part;
    }
  }
  if (total.defined() && !std::isinf(norm_type)) total = norm_type == 2.0 ? sqrt(total) : xg::pow(total, 1.0 / norm_type);
  return total;
}

tensor_list grads_of(const tensor_list& params) {
  tensor_list out;
  for (const auto& p : params) out.push_back(p.grad());
  return out;
}
}  // namespace

double clip_grad_norm(const tensor_list& all, double max_norm) {
  if (!(max_norm > 0)) fail("clip_grad_norm: max_norm must be positive, got ", max_norm);
  NoGradGuard no_grad;
  const tensor_list params = unique(all);
  const Tensor norm = total_norm(grads_of(params), 2.0, "clip_grad_norm");
  if (!norm.defined()) return 0.0;
  scale_all(params, where(norm > max_norm, max_norm / (norm + 1e-6), scalar_tensor(1.0, kFloat64)));
  return norm.item();
}

void clip_grad_value(const tensor_list& all, double clip_value) {
  if (!(clip_value > 0)) fail("clip_grad_value: clip_value must be positive, got ", clip_value);
  NoGradGuard no_grad;
  const tensor_list params = unique(all);
  for (const auto& p : params)
    if (p.grad().defined()) p.grad().copy_(clamp(p.grad(), -clip_value, clip_value));
}

}  // namespace xg::optim

namespace xg::nn::utils {


Tensor get_total_norm(const tensor_list& tensors, double norm_type) {
  const Tensor total = optim::total_norm(tensors, norm_type, "get_total_norm");
  return total.defined() ? total : scalar_tensor(0.0, kFloat64);
}

void clip_grads_with_norm_(const tensor_list& all, double max_norm, const Tensor& total) {
  if (!(max_norm > 0)) fail("clip_grads_with_norm_: max_norm must be positive, got ", max_norm);
  if (!total.defined() || total.numel() != 1)
    fail("clip_grads_with_norm_: total_norm must be a one-element tensor (get_total_norm's result)");
  NoGradGuard no_grad;
  const Tensor coef = max_norm / (total.to(kFloat64) + 1e-6);
  optim::scale_all(optim::unique(all), where(coef < 1.0, coef, scalar_tensor(1.0, kFloat64)));
}

double clip_grad_norm_(const tensor_list& all, double max_norm, double norm_type) {
  if (norm_type == 2.0) return optim::clip_grad_norm(all, max_norm);
  if (!(max_norm > 0)) fail("clip_grad_norm_: max_norm must be positive, got ", max_norm);
  const tensor_list params = optim::unique(all);
  const Tensor total = optim::total_norm(optim::grads_of(params), norm_type, "clip_grad_norm_");
  if (!total.defined()) return 0.0;
  clip_grads_with_norm_(params, max_norm, total);
  return total.item();
}

double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type) {
  return clip_grad_norm_(tensor_list{parameter}, max_norm, norm_type);
}

void clip_grad_value_(const tensor_list& parameters, double clip_value) { optim::clip_grad_value(parameters, clip_value); }
void clip_grad_value_(const Tensor& parameter, double clip_value) { optim::clip_grad_value({parameter}, clip_value); }

}  // namespace xg::nn::utils
