// Adamax, NAdam, RAdam and Rprop: PyTorch's update rules (torch/optim, single-tensor forms),
// composed from tensor operations, so they run wherever the parameters live. The step count
// (and NAdam's running product of momenta) is a float64 scalar on the CPU per parameter, as
// Adam's: no read of the device to compute the bias corrections.
#include <xgrad/detail/format.h>
#include <cmath>

#include <xgrad/ops.h>
#include <xgrad/optim/optimizers_more.h>

#include "optim/state_scalars.h"

namespace xg::optim {

namespace {

using state_scalars::next_step;
using state_scalars::scalar;

void check_betas(const char* name, double b1, double b2, double eps) {
  if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1))
    fail(name, ": betas must be in [0, 1), got (", b1, ", ", b2, ")");
  if (!(eps >= 0)) fail(name, ": eps must be at least 0, got ", eps);
}

}  // namespace

Adamax::Adamax(const tensor_list& params, AdamaxOptions options)
    : Optimizer(params, options.lr_, options.weight_decay_), options_(options) {
  check_betas("Adamax", options.beta1_, options.beta2_, options.eps_);
}

void Adamax::update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) {
  const double t = next_step(s), b1 = options_.beta1_;
  Tensor& m = buffer(s, "exp_avg", p);
  Tensor& u = buffer(s, "exp_inf", p);
  m.mul_(b1).add_(g, 1.0 - b1);
  u.copy_(maximum(u * options_.beta2_, abs(g) + options_.eps_));
  p.sub_(m / u * (group.lr / (1.0 - std::pow(b1, t))));
}

NAdam::NAdam(const tensor_list& params, NAdamOptions options)
    : Optimizer(params, options.lr_, options.weight_decay_), options_(options) {
  check_betas("NAdam", options.beta1_, options.beta2_, options.eps_);
  if (!(options.momentum_decay_ >= 0)) fail("NAdam: momentum_decay must be at least 0, got ", options.momentum_decay_);
}

void NAdam::update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) {
  const double t = next_step(s), b1 = options_.beta1_, b2 = options_.beta2_, psi = options_.momentum_decay_;
  const double mu = b1 * (1.0 - 0.5 * std::pow(0.96, t * psi));
  const double mu_next = b1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * psi));
  Tensor& product = scalar(s, "mu_product", 1.0);
  product.mul_(mu);
  const double mu_product = product.item();
  Tensor& m = buffer(s, "exp_avg", p);
  Tensor& v = buffer(s, "exp_avg_sq", p);
  m.mul_(b1).add_(g, 1.0 - b1);
  v.mul_(b2).add_(g * g, 1.0 - b2);
  const Tensor denom = sqrt(v / (1.0 - std::pow(b2, t))) + options_.eps_;
  p.sub_(g / denom * (group.lr * (1.0 - mu) / (1.0 - mu_product)) +
         m / denom * (group.lr * mu_next / (1.0 - mu_product * mu_next)));
}

RAdam::RAdam(const tensor_list& params, RAdamOptions options)
    : Optimizer(params, options.lr_, options.weight_decay_), options_(options) {
  check_betas("RAdam", options.beta1_, options.beta2_, options.eps_);
}

void RAdam::update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) {
  const double t = next_step(s), b1 = options_.beta1_, b2 = options_.beta2_;
  Tensor& m = buffer(s, "exp_avg", p);
  Tensor& v = buffer(s, "exp_avg_sq", p);
  m.mul_(b1).add_(g, 1.0 - b1);
  v.mul_(b2).add_(g * g, 1.0 - b2);
  const double bc1 = 1.0 - std::pow(b1, t), bc2 = 1.0 - std::pow(b2, t);
  // The length of the approximated simple moving average, and its limit.
  const double rho_inf = 2.0 / (1.0 - b2) - 1.0, rho_t = rho_inf - 2.0 * t * std::pow(b2, t) / bc2;
  if (rho_t > 5.0) {
    const double rect = std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t));
    p.sub_(m / (sqrt(v) + options_.eps_) * (group.lr * rect * std::sqrt(bc2) / bc1));
  } else {
    p.sub_(m * (group.lr / bc1));
  }
}

Rprop::Rprop(const tensor_list& params, RpropOptions options)
    : Optimizer(params, options.lr_, 0.0), options_(options) {
  const auto& o = options;
  if (!(o.etaminus_ > 0 && o.etaminus_ < 1 && o.etaplus_ > 1))
    fail("Rprop: etas must satisfy 0 < etaminus < 1 < etaplus, got (", o.etaminus_, ", ", o.etaplus_, ")");
  if (!(o.min_step_ >= 0 && o.min_step_ <= o.max_step_))
    fail("Rprop: step_sizes must satisfy 0 <= min <= max, got (", o.min_step_, ", ", o.max_step_, ")");
}

void Rprop::update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) {
  const auto& o = options_;
  Tensor& prev = buffer(s, "prev", p);
  if (!s.count("step_size")) s.emplace("step_size", full_like(p, group.lr));
  Tensor& step = s.at("step_size");
  // +1 where the gradient kept its sign, -1 where it flipped, 0 where either is zero.
  const Tensor agree = sign(g * prev);
  const Tensor factor = where(agree > 0.0, full_like(g, o.etaplus_), where(agree < 0.0, full_like(g, o.etaminus_), ones_like(g)));
  step.copy_(clamp(step * factor, o.min_step_, o.max_step_));
  const Tensor kept = where(agree < 0.0, zeros_like(g), g);  // a flip skips the step and is forgotten
  p.sub_(sign(kept) * step);
  prev.copy_(kept);
}

}  // namespace xg::optim
