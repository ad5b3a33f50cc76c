// The optimizers. Defaults are PyTorch's; the textbook's constants (common/optimizer.py:
// eps 1e-7, its Adam bias correction) are one option away, as each class notes.
// Options convert from a learning rate, so `SGD(net.parameters(), 0.1)` works.
#pragma once

#include <tuple>

#include <xgrad/optim/optimizer.h>

namespace xg::optim {

struct SGDOptions {
  SGDOptions(double lr = 0.01) : lr_(lr) {}
  SGDOptions& momentum(double v) { momentum_ = v; return *this; }
  SGDOptions& nesterov(bool v) { nesterov_ = v; return *this; }
  SGDOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  /// PyTorch's dampening: after the first step, v = momentum v + (1 - dampening) g.
  SGDOptions& dampening(double v) { dampening_ = v; return *this; }
  double dampening() const { return dampening_; }
  // libtorch's spellings: a setter and a getter per option.
  SGDOptions& lr(double v) { lr_ = v; return *this; }
  double lr() const { return lr_; }
  double weight_decay() const { return weight_decay_; }
  double momentum() const { return momentum_; }
  bool nesterov() const { return nesterov_; }
  double lr_, momentum_ = 0.0, weight_decay_ = 0.0, dampening_ = 0.0;
  bool nesterov_ = false;
};

/// p -= lr * g. With momentum (PyTorch's form): v = momentum v + g; p -= lr v; with
/// nesterov, p -= lr (g + momentum v). For a constant lr this equals the textbook's Momentum.
/// With dampening, v = g at the first step, then momentum v + (1 - dampening) g (PyTorch's).
class SGD : public Optimizer {
 public:
  SGD(const tensor_list& params, SGDOptions options = {});
  std::vector<std::string> state_names() const override { return {"momentum"}; }
 protected:
  void update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) override;
  void update_group(std::vector<Slot>& slots, const ParamGroup& group) override;
  SGDOptions options_;
};

/// The textbook's Momentum: v = momentum v - lr g; p += v (lr 0.01, momentum 0.9).
class Momentum : public SGD {
 public:
  Momentum(const tensor_list& params, double lr = 0.01, double momentum = 0.9);
};

/// The textbook's Nesterov (common/optimizer.py): v = m v - lr g; p += m^2 v - (1 + m) lr g.
class Nesterov : public Optimizer {
 public:
  Nesterov(const tensor_list& params, double lr = 0.01, double momentum = 0.9);
  std::vector<std::string> state_names() const override { return {"v"}; }
 protected:
  void update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) override;
  void update_group(std::vector<Slot>& slots, const ParamGroup& group) override;
  double momentum_;
};

struct AdaGradOptions {
  AdaGradOptions(double lr = 0.01) : lr_(lr) {}
  AdaGradOptions& eps(double v) { eps_ = v; return *this; }  // textbook: 1e-7
  AdaGradOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  /// libtorch's: the step size at step t is lr / (1 + (t - 1) lr_decay).
  AdaGradOptions& lr_decay(double v) { lr_decay_ = v; return *this; }
  /// libtorch's: the value h starts from (>= 0).
  AdaGradOptions& initial_accumulator_value(double v) { initial_accumulator_value_ = v; return *this; }
  // libtorch's spellings: a setter and a getter per option.
  AdaGradOptions& lr(double v) { lr_ = v; return *this; }
  double lr() const { return lr_; }
  double weight_decay() const { return weight_decay_; }
  double eps() const { return eps_; }
  double lr_decay() const { return lr_decay_; }
  double initial_accumulator_value() const { return initial_accumulator_value_; }
  double lr_, eps_ = 1e-10, weight_decay_ = 0.0, lr_decay_ = 0.0, initial_accumulator_value_ = 0.0;
};

/// h += g^2; p -= lr_t g / (sqrt(h) + eps), lr_t = lr / (1 + (t - 1) lr_decay) at the
/// parameter's step t (libtorch's Adagrad; the textbook's with the defaults).
class AdaGrad : public Optimizer {
 public:
  AdaGrad(const tensor_list& params, AdaGradOptions options = {});
  std::vector<std::string> state_names() const override { return {"step", "h"}; }
 protected:
  void update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) override;
  void update_group(std::vector<Slot>& slots, const ParamGroup& group) override;
  AdaGradOptions options_;
};
/// libtorch's spellings.
using Adagrad = AdaGrad;
using AdagradOptions = AdaGradOptions;

struct RMSpropOptions {
  RMSpropOptions(double lr = 0.01) : lr_(lr) {}
  RMSpropOptions& alpha(double v) { alpha_ = v; return *this; }  // the textbook's decay_rate
  RMSpropOptions& eps(double v) { eps_ = v; return *this; }      // textbook: 1e-7
  RMSpropOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  /// PyTorch's momentum (a buffer b = momentum b + g / denominator; p -= lr b) and centered
  /// (the denominator sqrt(h - a^2) + eps, a the running mean of g).
  RMSpropOptions& momentum(double v) { momentum_ = v; return *this; }
  RMSpropOptions& centered(bool v) { centered_ = v; return *this; }
  double momentum() const { return momentum_; }
  bool centered() const { return centered_; }
  // libtorch's spellings: a setter and a getter per option.
  RMSpropOptions& lr(double v) { lr_ = v; return *this; }
  double lr() const { return lr_; }
  double weight_decay() const { return weight_decay_; }
  double alpha() const { return alpha_; }
  double eps() const { return eps_; }
  double lr_, alpha_ = 0.99, eps_ = 1e-8, weight_decay_ = 0.0, momentum_ = 0.0;
  bool centered_ = false;
};

/// h = alpha h + (1 - alpha) g^2; p -= lr g / (sqrt(h) + eps). Centered: a = alpha a +
/// (1 - alpha) g and the denominator sqrt(h - a^2) + eps; with momentum, b = momentum b +
/// g / denominator and p -= lr b (PyTorch's).
class RMSprop : public Optimizer {
 public:
  RMSprop(const tensor_list& params, RMSpropOptions options = {});
  std::vector<std::string> state_names() const override {
    std::vector<std::string> names{"h"};
    if (options_.centered_) names.push_back("g_avg");
    if (options_.momentum_ > 0) names.push_back("momentum");
    return names;
  }
 protected:
  void update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) override;
  void update_group(std::vector<Slot>& slots, const ParamGroup& group) override;
  RMSpropOptions options_;
};

struct AdaDeltaOptions {
  AdaDeltaOptions(double lr = 1.0) : lr_(lr) {}
  AdaDeltaOptions& rho(double v) { rho_ = v; return *this; }
  AdaDeltaOptions& eps(double v) { eps_ = v; return *this; }
  AdaDeltaOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  // libtorch's spellings: a setter and a getter per option.
  AdaDeltaOptions& lr(double v) { lr_ = v; return *this; }
  double lr() const { return lr_; }
  double weight_decay() const { return weight_decay_; }
  double rho() const { return rho_; }
  double eps() const { return eps_; }
  double lr_, rho_ = 0.9, eps_ = 1e-6, weight_decay_ = 0.0;
};

/// h = rho h + (1 - rho) g^2; dx = sqrt(d + eps) / sqrt(h + eps) g; d = rho d + (1 - rho) dx^2;
/// p -= lr dx.
class AdaDelta : public Optimizer {
 public:
  AdaDelta(const tensor_list& params, AdaDeltaOptions options = {});
  std::vector<std::string> state_names() const override { return {"h", "d"}; }
 protected:
  void update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) override;
  void update_group(std::vector<Slot>& slots, const ParamGroup& group) override;
  AdaDeltaOptions options_;
};

struct AdamOptions {
  AdamOptions(double lr = 1e-3) : lr_(lr) {}
  AdamOptions& betas(double b1, double b2) { beta1_ = b1; beta2_ = b2; return *this; }
  AdamOptions& eps(double v) { eps_ = v; return *this; }
  AdamOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  /// AMSGrad (Reddi et al.; PyTorch's amsgrad): the denominator uses the largest v seen so
  /// far, kept per element in a third state buffer, "v_max".
  AdamOptions& amsgrad(bool on) { amsgrad_ = on; return *this; }
  bool amsgrad() const { return amsgrad_; }
  /// The textbook's form: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t); p -= lr_t m / (sqrt(v) + eps),
  /// with eps 1e-7 (unless set after this call).
  AdamOptions& textbook() { textbook_ = true; eps_ = 1e-7; return *this; }
  // libtorch's spellings: a setter and a getter per option.
  AdamOptions& lr(double v) { lr_ = v; return *this; }
  double lr() const { return lr_; }
  double weight_decay() const { return weight_decay_; }
  /// libtorch's form: `.betas(std::make_tuple(0.9, 0.999))`.
  AdamOptions& betas(const std::tuple<double, double>& b) { return betas(std::get<0>(b), std::get<1>(b)); }
  std::tuple<double, double> betas() const { return {beta1_, beta2_}; }
  double eps() const { return eps_; }
  double lr_, beta1_ = 0.9, beta2_ = 0.999, eps_ = 1e-8, weight_decay_ = 0.0;
  bool textbook_ = false;
  bool amsgrad_ = false;
};

/// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
/// p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)   (PyTorch's form, the default).
/// With amsgrad: v_max = max(v_max, v), and v_max replaces v in the denominator.
class Adam : public Optimizer {
 public:
  Adam(const tensor_list& params, AdamOptions options = {});
  std::vector<std::string> state_names() const override {
    if (options_.amsgrad_) return {"step", "m", "v", "v_max"};
    return {"step", "m", "v"};
  }
 protected:
  void update(Tensor& p, const Tensor& g, State& s, const ParamGroup& group) override;
  void update_group(std::vector<Slot>& slots, const ParamGroup& group) override;
  AdamOptions options_;
};

/// libtorch's AdamWOptions: AdamOptions whose weight decay defaults to AdamW's 0.01.
struct AdamWOptions : AdamOptions {
  AdamWOptions(double lr = 1e-3) : AdamOptions(lr) { weight_decay_ = 0.01; }  // NOLINT: implicit, as libtorch
};

/// Adam with decoupled weight decay (default 0.01): p -= lr wd p before the Adam update.
class AdamW : public Adam {
 public:
  AdamW(const tensor_list& params, AdamOptions options = AdamOptions().weight_decay(0.01));
 protected:
  bool decoupled_weight_decay() const override { return true; }
};

}  // namespace xg::optim
