// Learning-rate schedules: call step() once per epoch (ReduceLROnPlateau: step(metric)).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <xgrad/optim/optimizer.h>

namespace xg::optim {

/// Sets every group's learning rate from its initial value and the epoch count. "Epoch" is
/// whatever the caller steps it by: Transformers step their warmup once per iteration.
class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  /// Advances one epoch and sets the new learning rates.
  void step();
  std::int64_t epoch() const { return epoch_; }
  /// The learning rates step() last set (or the initial ones), one per group.
  std::vector<double> get_last_lr() const;

 protected:
  virtual double lr_at(std::int64_t epoch, double base_lr) const = 0;
  /// Sets the epoch-0 rates, as PyTorch's constructors do (for schedules whose factor at 0 is
  /// not 1: LambdaLR, LinearLR, SequentialLR). Called by those constructors.
  void apply_initial();
  /// Every group's base rate set to `lr` (OneCycleLR, which starts all groups at one rate).
  void set_base_lrs(double lr);

 private:
  friend class SequentialLR;
  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  std::int64_t epoch_ = 0;
};

/// lr = base * gamma^(epoch / step_size).
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1);
 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;
 private:
  std::int64_t step_size_;
  double gamma_;
};

/// lr = base * gamma^epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;
 private:
  double gamma_;
};

/// lr = eta_min + (base - eta_min) (1 + cos(pi epoch / t_max)) / 2.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, std::int64_t t_max, double eta_min = 0.0);
 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;
 private:
  std::int64_t t_max_;
  double eta_min_;
};

/// lr = base * lr_lambda(epoch) (PyTorch's LambdaLR), set from construction on.
class LambdaLR : public LRScheduler {
 public:
  LambdaLR(Optimizer& optimizer, std::function<double(std::int64_t)> lr_lambda);
 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;
 private:
  std::function<double(std::int64_t)> lambda_;
};

/// lr = base * factor, the factor going linearly from start_factor (at construction) to
/// end_factor (after total_iters steps), then staying there: a warmup. PyTorch's LinearLR.
class LinearLR : public LRScheduler {
 public:
  explicit LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3.0, double end_factor = 1.0,
                    std::int64_t total_iters = 5);
 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;
 private:
  double start_, end_;
  std::int64_t total_;
};

/// Runs schedulers one after another (PyTorch's SequentialLR): schedulers[i] from
/// milestones[i-1] on, counting its epochs from 0 there, all from the optimizer's initial
/// rates: `SequentialLR(opt, {warmup, cosine}, {100})` warms up 100 steps, then decays.
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<std::int64_t> milestones);
 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;
 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<std::int64_t> milestones_;
};

/// lr = base * gamma^(the number of milestones <= epoch); a milestone given twice counts
/// twice (PyTorch's MultiStepLR).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma = 0.1);
 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;
 private:
  std::vector<std::int64_t> milestones_;
  double gamma_;
};

/// lr = base * factor for the first total_iters epochs, then base (PyTorch's ConstantLR).
class ConstantLR : public LRScheduler {
 public:
  explicit ConstantLR(Optimizer& optimizer, double factor = 1.0 / 3.0, std::int64_t total_iters = 5);
 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;
 private:
  double factor_;
  std::int64_t total_;
};

/// lr = base * (1 - min(epoch, total_iters) / total_iters)^power (PyTorch's PolynomialLR).
class PolynomialLR : public LRScheduler {
 public:
  explicit PolynomialLR(Optimizer& optimizer, std::int64_t total_iters = 5, double power = 1.0);
 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;
 private:
  std::int64_t total_;
  double power_;
};

/// Cosine annealing restarted every cycle (SGDR; PyTorch's CosineAnnealingWarmRestarts):
/// cycles of t_0, t_0·t_mult, t_0·t_mult², ... epochs, each from base down to eta_min.
class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, std::int64_t t_0, std::int64_t t_mult = 1, double eta_min = 0.0);
 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;
 private:
  std::int64_t t_0_, t_mult_;
  double eta_min_;
};

/// The 1cycle policy (PyTorch's OneCycleLR, stepped once per batch): from max_lr /
/// div_factor up to max_lr over the first pct_start of total_steps, then down to that
/// initial rate / final_div_factor (three_phase: back to the initial rate first, then down),
/// by cosine or linear annealing. Every group gets max_lr; the momentum is not cycled (see
/// docs/design.md). Stepping past total_steps is an error, as there.
class OneCycleLR : public LRScheduler {
 public:
  enum class Anneal { Cos, Linear };
  OneCycleLR(Optimizer& optimizer, double max_lr, std::int64_t total_steps, double pct_start = 0.3,
             Anneal anneal_strategy = Anneal::Cos, double div_factor = 25.0, double final_div_factor = 1e4,
             bool three_phase = false);
 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;
 private:
  struct Phase {
    double end_step;
    double start_lr, end_lr;  // as multiples of the initial rate
  };
  std::int64_t total_;
  Anneal anneal_;
  std::vector<Phase> phases_;
};

/// Multiplies the learning rate by `factor` when the metric (lower is better) has not
/// improved by a relative `threshold` for more than `patience` epochs.
class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, double factor = 0.1, std::int64_t patience = 10,
                             double threshold = 1e-4, double min_lr = 0.0);
  /// Returns true when it reduced the learning rate.
  bool step(double metric);

 private:
  Optimizer& optimizer_;
  double factor_, threshold_, min_lr_;
  std::int64_t patience_, bad_epochs_ = 0;
  double best_;
};

}  // namespace xg::optim
