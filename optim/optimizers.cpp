// The update rules. Each runs inside Optimizer::step (recording off) on one parameter.
#include <xgrad/detail/format.h>
#include <algorithm>
#include <cmath>
#include <memory>
#include <typeinfo>

#include <xgrad/ops.h>
#include <xgrad/optim/optimizers.h>

#include "optim/state_scalars.h"
#include "tensor/optim_kernels.h"

namespace xg::optim {

namespace {

using state_scalars::next_step;

// Whether a group runs fused: fused() on, the object exactly one of the built-in classes
// `types` (a subclass may override update()), and every gradient of its parameter's shape,
// dtype and device.
template <class Opt, class Slots>
bool fusable(const Opt& opt, std::initializer_list<const std::type_info*> types, const Slots& slots) {
  if (!opt.fused() || std::none_of(types.begin(), types.end(), [&](const std::type_info* t) { return typeid(opt) == *t; }))
    return false;
  for (const auto& s : slots)
    if (s.grad.dtype() != s.param.dtype() || s.grad.shape() != s.param.shape() || s.grad.device() != s.param.device())
      return false;
  return true;
}

// One fused call over the group: the rule's buffers made (as zeros like the parameter) by
// `buffer` under the composed rule's names, Adam's step sizes filled in by the caller.
template <class Slots, class Buffer>
std::vector<kernel::UpdateTarget> targets(Slots& slots, std::initializer_list<const char*> names, Buffer buffer) {
  std::vector<kernel::UpdateTarget> out(slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) {
    out[i].param = &slots[i].param;
    out[i].grad = &slots[i].grad;
    int k = 0;
    for (const char* name : names) out[i].state[k++] = &buffer(*slots[i].state, name, slots[i].param);
  }
  return out;
}

// Runs a group fused: `fill(h, targets, commit)` sets the rule's hyper-parameters from the
// group (and Adam's step sizes), at once or, when a CUDA graph captures the step, before each
// replay; `guard` (the optimizer's capture_guard) makes a replay after the optimizer died or
// changed an error instead of a read of freed memory.
template <class Fill>
void run_fused(std::vector<kernel::UpdateTarget> list, std::weak_ptr<const int> guard, Fill fill) {
  kernel::fused_update(
      std::move(list),
      [guard = std::move(guard), fill](kernel::UpdateHyper& h, std::vector<kernel::UpdateTarget>& t, bool commit) {
        if (guard.expired())
          fail("step: the optimizer whose step a CUDA graph captured was destroyed, or its parameter groups or state "
               "were changed (add_param_group, load_state_dict) since the capture; capture the step again");
        fill(h, t, commit);
      },
      "step");
}

kernel::UpdateHyper hyper(kernel::UpdateRule rule, const optim::ParamGroup& group, bool decoupled = false) {
  kernel::UpdateHyper h;
  h.rule = rule;
  h.lr = group.lr;
  h.weight_decay = group.weight_decay;
  h.decoupled = decoupled;
  return h;
}
}  // namespace

SGD::SGD(const tensor_list& params, SGDOptions options)
    : Optimizer(params, options.lr_, options.weight_decay_), options_(options) {
  if (options.momentum_ < 0) fail("SGD: momentum must be non-negative, got ", options.momentum_);
  if (options.nesterov_ && options.momentum_ == 0) fail("SGD: nesterov needs a momentum");
  if (options.nesterov_ && options.dampening_ != 0)
    fail("SGD: nesterov needs zero dampening, got ", options.dampening_, " (as PyTorch's)");
}

void SGD::update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) {
  if (options_.momentum_ == 0.0) {
    p.add_(g, -group.lr);
    return;
  }
  const bool first = s.find("momentum") == s.end();  // PyTorch starts the buffer at g, undamped
  Tensor& v = buffer(s, "momentum", p);
  if (first) v.copy_(g);
  else v.mul_(options_.momentum_).add_(g, 1.0 - options_.dampening_);
  p.add_(options_.nesterov_ ? g + v * options_.momentum_ : v, -group.lr);
}

void SGD::update_group(std::vector<Slot>& slots, const ParamGroup& group) {
  // Dampening's first step differs from the later ones: the composed rule (the fused kernel
  // has no first-step case; without dampening both cases are v = momentum v + g).
  if (options_.dampening_ != 0.0 || !fusable(*this, {&typeid(SGD), &typeid(Momentum)}, slots))
    return Optimizer::update_group(slots, group);
  const bool plain = options_.momentum_ == 0.0;
  run_fused(plain ? targets(slots, {}, buffer) : targets(slots, {"momentum"}, buffer), capture_guard(),
            [this, &group, plain](kernel::UpdateHyper& h, auto&, bool) {
              h = hyper(plain ? kernel::UpdateRule::SGD : kernel::UpdateRule::SGDMomentum, group);
              h.momentum = options_.momentum_;
              h.nesterov = options_.nesterov_;
            });
}

Momentum::Momentum(const tensor_list& params, double lr, double momentum)
    : SGD(params, SGDOptions(lr).momentum(momentum)) {}

Nesterov::Nesterov(const tensor_list& params, double lr, double momentum)
    : Optimizer(params, lr, 0.0), momentum_(momentum) {}

void Nesterov::update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) {
  const double m = momentum_;
  Tensor& v = buffer(s, "v", p);
  v.mul_(m).add_(g, -group.lr);
  p.add_(v, m * m);
  p.add_(g, -(1.0 + m) * group.lr);
}

void Nesterov::update_group(std::vector<Slot>& slots, const ParamGroup& group) {
  if (!fusable(*this, {&typeid(Nesterov)}, slots)) return Optimizer::update_group(slots, group);
  run_fused(targets(slots, {"v"}, buffer), capture_guard(), [this, &group](kernel::UpdateHyper& h, auto&, bool) {
    h = hyper(kernel::UpdateRule::Nesterov, group);
    h.momentum = momentum_;
  });
}

AdaGrad::AdaGrad(const tensor_list& params, AdaGradOptions options)
    : Optimizer(params, options.lr_, options.weight_decay_), options_(options) {
  if (!(options.lr_decay_ >= 0)) fail("AdaGrad: lr_decay must be >= 0, got ", options.lr_decay_);
  if (!(options.initial_accumulator_value_ >= 0))
    fail("AdaGrad: initial_accumulator_value must be >= 0, got ", options.initial_accumulator_value_);
  if (!(options.eps_ >= 0)) fail("AdaGrad: eps must be >= 0, got ", options.eps_);
}

namespace {
// AdaGrad's h, made at the first step from initial_accumulator_value.
Tensor& accumulator(std::map<std::string, Tensor>& s, const Tensor& p, double initial) {
  auto it = s.find("h");
  if (it == s.end()) it = s.emplace("h", full_like(p, initial)).first;
  return it->second;
}

// The step size at the parameter's next step t (its own count, as Adam's), stored when `commit`.
double adagrad_rate(std::map<std::string, Tensor>& s, double lr, double lr_decay, bool commit = true) {
  return lr / (1.0 + (next_step(s, commit) - 1.0) * lr_decay);
}
}  // namespace

void AdaGrad::update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) {
  const double rate = adagrad_rate(s, group.lr, options_.lr_decay_);
  Tensor& h = accumulator(s, p, options_.initial_accumulator_value_);
  h.add_(g * g);
  p.sub_(g * rate / (sqrt(h) + options_.eps_));
}

void AdaGrad::update_group(std::vector<Slot>& slots, const ParamGroup& group) {
  if (!fusable(*this, {&typeid(AdaGrad)}, slots)) return Optimizer::update_group(slots, group);
  std::vector<State*> states(slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) {
    states[i] = slots[i].state;
    accumulator(*states[i], slots[i].param, options_.initial_accumulator_value_);
  }
  run_fused(targets(slots, {"h"}, buffer), capture_guard(),
            [this, &group, states](kernel::UpdateHyper& h, std::vector<kernel::UpdateTarget>& list, bool commit) {
              h = hyper(kernel::UpdateRule::AdaGrad, group);
              h.eps = options_.eps_;
              for (std::size_t i = 0; i < states.size(); ++i)
                list[i].step = adagrad_rate(*states[i], group.lr, options_.lr_decay_, commit);
            });
}

RMSprop::RMSprop(const tensor_list& params, RMSpropOptions options)
    : Optimizer(params, options.lr_, options.weight_decay_), options_(options) {
  if (!(options.momentum_ >= 0)) fail("RMSprop: momentum must be >= 0, got ", options.momentum_);
}

void RMSprop::update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) {
  const double alpha = options_.alpha_;
  Tensor& h = buffer(s, "h", p);
  h.mul_(alpha).add_(g * g, 1.0 - alpha);
  if (!options_.centered_ && options_.momentum_ == 0.0) {
    p.sub_(g * group.lr / (sqrt(h) + options_.eps_));
    return;
  }
  Tensor denom;
  if (options_.centered_) {
    Tensor& a = buffer(s, "g_avg", p);
    a.mul_(alpha).add_(g, 1.0 - alpha);
    denom = sqrt(h - a * a) + options_.eps_;
  } else {
    denom = sqrt(h) + options_.eps_;
  }
  if (options_.momentum_ > 0) {
    Tensor& b = buffer(s, "momentum", p);
    b.mul_(options_.momentum_).add_(g / denom);
    p.add_(b, -group.lr);
  } else {
    p.sub_((g / denom) * group.lr);
  }
}

void RMSprop::update_group(std::vector<Slot>& slots, const ParamGroup& group) {
  // centered and momentum keep more buffers than the fused kernel: the composed rule.
  if (options_.centered_ || options_.momentum_ > 0 || !fusable(*this, {&typeid(RMSprop)}, slots))
    return Optimizer::update_group(slots, group);
  run_fused(targets(slots, {"h"}, buffer), capture_guard(), [this, &group](kernel::UpdateHyper& h, auto&, bool) {
    h = hyper(kernel::UpdateRule::RMSprop, group);
    h.momentum = options_.alpha_;
    h.eps = options_.eps_;
  });
}

AdaDelta::AdaDelta(const tensor_list& params, AdaDeltaOptions options)
    : Optimizer(params, options.lr_, options.weight_decay_), options_(options) {}

void AdaDelta::update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) {
  const double rho = options_.rho_, eps = options_.eps_;
  Tensor& h = buffer(s, "h", p);
  Tensor& d = buffer(s, "d", p);
  h.mul_(rho).add_(g * g, 1.0 - rho);
  const Tensor dx = sqrt(d + eps) / sqrt(h + eps) * g;
  d.mul_(rho).add_(dx * dx, 1.0 - rho);
  p.add_(dx, -group.lr);
}

void AdaDelta::update_group(std::vector<Slot>& slots, const ParamGroup& group) {
  if (!fusable(*this, {&typeid(AdaDelta)}, slots)) return Optimizer::update_group(slots, group);
  run_fused(targets(slots, {"h", "d"}, buffer), capture_guard(), [this, &group](kernel::UpdateHyper& h, auto&, bool) {
    h = hyper(kernel::UpdateRule::AdaDelta, group);
    h.momentum = options_.rho_;
    h.eps = options_.eps_;
  });
}

Adam::Adam(const tensor_list& params, AdamOptions options)
    : Optimizer(params, options.lr_, options.weight_decay_), options_(options) {}

void Adam::update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) {
  const double b1 = options_.beta1_, b2 = options_.beta2_, eps = options_.eps_;
  const double t = next_step(s);
  Tensor& m = buffer(s, "m", p);
  Tensor& v = buffer(s, "v", p);
  m.mul_(b1).add_(g, 1.0 - b1);
  v.mul_(b2).add_(g * g, 1.0 - b2);
  const double bc1 = 1.0 - std::pow(b1, t), bc2 = 1.0 - std::pow(b2, t);
  if (options_.amsgrad_) {  // PyTorch's order of operations: sqrt(v_max) / sqrt(bc2) + eps
    Tensor& v_max = buffer(s, "v_max", p);
    v_max.copy_(maximum(v_max, v));
    const Tensor denom = (options_.textbook_ ? sqrt(v_max) : sqrt(v_max) / std::sqrt(bc2)) + eps;
    const double step = options_.textbook_ ? group.lr * std::sqrt(bc2) / bc1 : group.lr / bc1;
    p.sub_((m / denom) * step);
  } else if (options_.textbook_) {
    const double lr_t = group.lr * std::sqrt(bc2) / bc1;
    p.sub_(m * lr_t / (sqrt(v) + eps));
  } else {
    p.sub_(m * (group.lr / bc1) / (sqrt(v / bc2) + eps));
  }
}

void Adam::update_group(std::vector<Slot>& slots, const ParamGroup& group) {
  if (!fusable(*this, {&typeid(Adam), &typeid(AdamW)}, slots))
    return Optimizer::update_group(slots, group);
  std::vector<State*> states(slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) states[i] = slots[i].state;
  const bool ams = options_.amsgrad_;
  using kernel::UpdateRule;
  const UpdateRule rule = ams ? (options_.textbook_ ? UpdateRule::AdamAMSGradTextbook : UpdateRule::AdamAMSGrad)
                              : (options_.textbook_ ? UpdateRule::AdamTextbook : UpdateRule::Adam);
  run_fused(ams ? targets(slots, {"m", "v", "v_max"}, buffer) : targets(slots, {"m", "v"}, buffer), capture_guard(),
            [this, &group, states, rule, ams](kernel::UpdateHyper& h, std::vector<kernel::UpdateTarget>& list, bool commit) {
              const double b1 = options_.beta1_, b2 = options_.beta2_;
              h = hyper(rule, group, decoupled_weight_decay());
              h.momentum = b1;
              h.beta2 = b2;
              h.eps = options_.eps_;
              for (std::size_t i = 0; i < states.size(); ++i) {
                const double t = next_step(*states[i], commit);
                const double bc1 = 1.0 - std::pow(b1, t), bc2 = 1.0 - std::pow(b2, t);
                list[i].step = options_.textbook_ ? group.lr * std::sqrt(bc2) / bc1 : group.lr / bc1;
                list[i].bc2 = ams ? std::sqrt(bc2) : bc2;  // AMSGrad divides by sqrt(1 - b2^t)
              }
            });
}

AdamW::AdamW(const tensor_list& params, AdamOptions options) : Adam(params, options) {}

}  // namespace xg::optim
