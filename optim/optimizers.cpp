// The update rules. Each runs inside Optimizer::step (recording off) on one parameter.
#include <xgrad/detail/format.h>
#include <cmath>

#include <xgrad/ops.h>
#include <xgrad/optim/optimizers.h>

namespace xg::optim {

namespace {
// Per-parameter step count t (parameters skipped on some steps keep their own count).
double next_step(Tensor& t) {
  t.add_(1.0);
  return t.item();
}
}  // namespace

SGD::SGD(const tensor_list& params, SGDOptions options)
    : Optimizer(params, options.lr_, options.weight_decay_), options_(options) {
  if (options.momentum_ < 0) fail("SGD: momentum must be non-negative, got ", options.momentum_);
  if (options.nesterov_ && options.momentum_ == 0) fail("SGD: nesterov needs a momentum");
}

void SGD::update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) {
  if (options_.momentum_ == 0.0) {
    p.add_(g, -group.lr);
    return;
  }
  Tensor& v = buffer(s, "momentum", p);
  v.mul_(options_.momentum_).add_(g);
  p.add_(options_.nesterov_ ? g + v * options_.momentum_ : v, -group.lr);
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

AdaGrad::AdaGrad(const tensor_list& params, AdaGradOptions options)
    : Optimizer(params, options.lr_, options.weight_decay_), options_(options) {}

void AdaGrad::update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) {
  Tensor& h = buffer(s, "h", p);
  h.add_(g * g);
  p.sub_(g * group.lr / (sqrt(h) + options_.eps_));
}

RMSprop::RMSprop(const tensor_list& params, RMSpropOptions options)
    : Optimizer(params, options.lr_, options.weight_decay_), options_(options) {}

void RMSprop::update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) {
  Tensor& h = buffer(s, "h", p);
  h.mul_(options_.alpha_).add_(g * g, 1.0 - options_.alpha_);
  p.sub_(g * group.lr / (sqrt(h) + options_.eps_));
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

Adam::Adam(const tensor_list& params, AdamOptions options)
    : Optimizer(params, options.lr_, options.weight_decay_), options_(options) {}

void Adam::update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) {
  const double b1 = options_.beta1_, b2 = options_.beta2_, eps = options_.eps_;
  auto it = s.find("step");
  if (it == s.end()) it = s.emplace("step", scalar_tensor(0.0, kFloat64)).first;
  const double t = next_step(it->second);
  Tensor& m = buffer(s, "m", p);
  Tensor& v = buffer(s, "v", p);
  m.mul_(b1).add_(g, 1.0 - b1);
  v.mul_(b2).add_(g * g, 1.0 - b2);
  const double bc1 = 1.0 - std::pow(b1, t), bc2 = 1.0 - std::pow(b2, t);
  if (options_.textbook_) {
    const double lr_t = group.lr * std::sqrt(bc2) / bc1;
    p.sub_(m * lr_t / (sqrt(v) + eps));
  } else {
    p.sub_(m * (group.lr / bc1) / (sqrt(v / bc2) + eps));
  }
}

AdamW::AdamW(const tensor_list& params, AdamOptions options) : Adam(params, options) {}

}  // namespace xg::optim
