// L-BFGS, libtorch's torch::optim::LBFGS: a quasi-Newton method that re-evaluates the model
// through a closure, for full-batch problems (fitting a small model, style transfer, a
// physics-informed loss). PyTorch's algorithm step for step, its options and defaults.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <xgrad/optim/optimizer.h>

namespace xg::optim {

struct LBFGSOptions {
  LBFGSOptions(double lr = 1.0) : lr_(lr) {}
  LBFGSOptions& lr(double v) { lr_ = v; return *this; }
  /// Iterations per step() call.
  LBFGSOptions& max_iter(std::int64_t v) { max_iter_ = v; return *this; }
  /// Closure evaluations per step() call; max_iter * 5 / 4 when not set.
  LBFGSOptions& max_eval(std::optional<std::int64_t> v) { max_eval_ = v; return *this; }
  /// Stops when every |gradient| element is at most this.
  LBFGSOptions& tolerance_grad(double v) { tolerance_grad_ = v; return *this; }
  /// Stops when the step, or the change in loss, is below this.
  LBFGSOptions& tolerance_change(double v) { tolerance_change_ = v; return *this; }
  /// Pairs of (step, gradient change) kept for the inverse-Hessian estimate.
  LBFGSOptions& history_size(std::int64_t v) { history_size_ = v; return *this; }
  /// "strong_wolfe" (a line search satisfying the strong Wolfe conditions), or none: a
  /// fixed step of lr (the first iteration's scaled by the gradient's size).
  LBFGSOptions& line_search_fn(std::optional<std::string> v) { line_search_fn_ = std::move(v); return *this; }
  double lr() const { return lr_; }
  std::int64_t max_iter() const { return max_iter_; }
  std::optional<std::int64_t> max_eval() const { return max_eval_; }
  double tolerance_grad() const { return tolerance_grad_; }
  double tolerance_change() const { return tolerance_change_; }
  std::int64_t history_size() const { return history_size_; }
  const std::optional<std::string>& line_search_fn() const { return line_search_fn_; }

  double lr_;
  std::int64_t max_iter_ = 20;
  std::optional<std::int64_t> max_eval_;
  double tolerance_grad_ = 1e-7, tolerance_change_ = 1e-9;
  std::int64_t history_size_ = 100;
  std::optional<std::string> line_search_fn_;
};

/// optimizer.step(closure): the closure zeroes the gradients, computes the loss, calls
/// backward and returns the loss; step() calls it as often as the iterations and the line
/// search need (with gradients recorded) and returns the first loss. One parameter group,
/// parameters of one dtype and device, as PyTorch's. Each iteration reads the loss and a
/// few dot products on the host (on a GPU, waits, as PyTorch's). Its history is saved with
/// xg::save and restored with xg::load.
class LBFGS : public Optimizer {
 public:
  using LossClosure = std::function<Tensor()>;
  LBFGS(const tensor_list& params, LBFGSOptions options = {});
  Tensor step(const LossClosure& closure);
  /// Without a closure there is nothing to re-evaluate: an error saying so.
  void step();
  const LBFGSOptions& options() const { return options_; }
  /// Iterations run over all step() calls and closure evaluations (PyTorch's n_iter and
  /// func_evals).
  std::int64_t n_iter() const { return n_iter_; }
  std::int64_t func_evals() const { return func_evals_; }
  std::vector<std::string> state_names() const override { return {}; }

 protected:
  void update(Tensor& p, const Tensor& g, State& state, const ParamGroup& group) override;
  NamedTensors extra_state() const override;
  void load_extra_state(const NamedTensors& extra) override;

 private:
  Tensor flat_grad() const;
  void add_to_params(double t, const Tensor& d);
  void set_params(const tensor_list& values);
  // Evaluates the closure at params + t d, restoring the params after: (loss, flat gradient).
  std::pair<double, Tensor> evaluate_at(const LossClosure& closure, const tensor_list& x, double t, const Tensor& d);
  struct LineSearch {
    double loss;
    Tensor grad;
    double t;
    std::int64_t evals;
  };
  LineSearch strong_wolfe(const LossClosure& closure, const tensor_list& x, double t, const Tensor& d, double f,
                          const Tensor& g, double gtd);

  LBFGSOptions options_;
  // PyTorch's state: the direction d and step t of the last iteration, the history of steps
  // (old_stps) and gradient changes (old_dirs) with 1 / (y . s) (ro), the Hessian diagonal
  // estimate, the previous gradient and loss, and the counters.
  Tensor d_, prev_flat_grad_;
  double t_ = 0.0, H_diag_ = 1.0, prev_loss_ = 0.0;
  std::vector<Tensor> old_dirs_, old_stps_;
  std::vector<double> ro_;
  std::int64_t n_iter_ = 0, func_evals_ = 0;
};

}  // namespace xg::optim
