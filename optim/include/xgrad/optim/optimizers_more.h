// PyTorch's other optimizers (torch.optim's Adamax, NAdam, RAdam and Rprop; libtorch has
// none of them), for ports of Python training scripts: the same options, defaults, state
// and update rules, composed from tensor operations on either device (optim/optimizers_more.cpp).
#pragma once

#include <tuple>

#include <xgrad/optim/optimizer.h>

namespace xg::optim {

struct AdamaxOptions {
  AdamaxOptions(double lr = 2e-3) : lr_(lr) {}
  AdamaxOptions& lr(double v) { lr_ = v; return *this; }
  AdamaxOptions& betas(const std::tuple<double, double>& b) { beta1_ = std::get<0>(b); beta2_ = std::get<1>(b); return *this; }
  AdamaxOptions& eps(double v) { eps_ = v; return *this; }
  AdamaxOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  double lr() const { return lr_; }
  std::tuple<double, double> betas() const { return {beta1_, beta2_}; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  double lr_, beta1_ = 0.9, beta2_ = 0.999, eps_ = 1e-8, weight_decay_ = 0.0;
};

/// Adam with the infinity norm: m = b1 m + (1 - b1) g; u = max(b2 u, |g| + eps);
/// p -= lr / (1 - b1^t) m / u.
class Adamax : public Optimizer {
 public:
  Adamax(const tensor_list& params, AdamaxOptions options = {});
  std::vector<std::string> state_names() const override { return {"step", "exp_avg", "exp_inf"}; }
 protected:
  void update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) override;
  AdamaxOptions options_;
};

struct NAdamOptions {
  NAdamOptions(double lr = 2e-3) : lr_(lr) {}
  NAdamOptions& lr(double v) { lr_ = v; return *this; }
  NAdamOptions& betas(const std::tuple<double, double>& b) { beta1_ = std::get<0>(b); beta2_ = std::get<1>(b); return *this; }
  NAdamOptions& eps(double v) { eps_ = v; return *this; }
  NAdamOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  NAdamOptions& momentum_decay(double v) { momentum_decay_ = v; return *this; }
  double lr() const { return lr_; }
  std::tuple<double, double> betas() const { return {beta1_, beta2_}; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  double momentum_decay() const { return momentum_decay_; }
  double lr_, beta1_ = 0.9, beta2_ = 0.999, eps_ = 1e-8, weight_decay_ = 0.0, momentum_decay_ = 4e-3;
};

/// Adam with Nesterov momentum (Dozat 2016), PyTorch's schedule mu_t = b1 (1 - 0.5 ·
/// 0.96^(t · momentum_decay)): p -= lr (1 - mu_t) / (1 - Π mu) g / d + lr mu_{t+1} /
/// (1 - Π mu · mu_{t+1}) m / d, d = sqrt(v / (1 - b2^t)) + eps (PyTorch 2's; 1.13 counted
/// mu_t twice in the second product).
class NAdam : public Optimizer {
 public:
  NAdam(const tensor_list& params, NAdamOptions options = {});
  std::vector<std::string> state_names() const override { return {"step", "mu_product", "exp_avg", "exp_avg_sq"}; }
 protected:
  bool is_scalar_state(const std::string& name) const override { return name == "mu_product"; }
  void update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) override;
  NAdamOptions options_;
};

struct RAdamOptions {
  RAdamOptions(double lr = 1e-3) : lr_(lr) {}
  RAdamOptions& lr(double v) { lr_ = v; return *this; }
  RAdamOptions& betas(const std::tuple<double, double>& b) { beta1_ = std::get<0>(b); beta2_ = std::get<1>(b); return *this; }
  RAdamOptions& eps(double v) { eps_ = v; return *this; }
  RAdamOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  double lr() const { return lr_; }
  std::tuple<double, double> betas() const { return {beta1_, beta2_}; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  double lr_, beta1_ = 0.9, beta2_ = 0.999, eps_ = 1e-8, weight_decay_ = 0.0;
};

/// Rectified Adam (Liu et al. 2020): while the variance estimate's length rho_t is at most 5,
/// p -= lr m / (1 - b1^t) (momentum SGD); then p -= lr r_t m / (1 - b1^t) · sqrt(1 - b2^t) /
/// (sqrt(v) + eps), r_t the rectification.
class RAdam : public Optimizer {
 public:
  RAdam(const tensor_list& params, RAdamOptions options = {});
  std::vector<std::string> state_names() const override { return {"step", "exp_avg", "exp_avg_sq"}; }
 protected:
  void update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) override;
  RAdamOptions options_;
};

struct RpropOptions {
  RpropOptions(double lr = 1e-2) : lr_(lr) {}
  RpropOptions& lr(double v) { lr_ = v; return *this; }
  RpropOptions& etas(const std::tuple<double, double>& e) { etaminus_ = std::get<0>(e); etaplus_ = std::get<1>(e); return *this; }
  RpropOptions& step_sizes(const std::tuple<double, double>& s) { min_step_ = std::get<0>(s); max_step_ = std::get<1>(s); return *this; }
  double lr() const { return lr_; }
  std::tuple<double, double> etas() const { return {etaminus_, etaplus_}; }
  std::tuple<double, double> step_sizes() const { return {min_step_, max_step_}; }
  double lr_, etaminus_ = 0.5, etaplus_ = 1.2, min_step_ = 1e-6, max_step_ = 50.0;
};

/// Resilient backpropagation (Riedmiller and Braun 1993), PyTorch's: each element's step
/// size (starting at lr) grows by etaplus while its gradient keeps its sign and shrinks by
/// etaminus when it flips (that step is skipped and the gradient forgotten), within
/// step_sizes; p -= sign(g) · step. For full-batch training; no weight decay.
class Rprop : public Optimizer {
 public:
  Rprop(const tensor_list& params, RpropOptions options = {});
  std::vector<std::string> state_names() const override { return {"prev", "step_size"}; }
 protected:
  void update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) override;
  RpropOptions options_;
};

}  // namespace xg::optim
