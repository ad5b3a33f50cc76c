// Learning-rate schedules: call step() once per epoch (ReduceLROnPlateau: step(metric)).
#pragma once

#include <cstdint>
#include <vector>

#include <xgrad/optim/optimizer.h>

namespace xg::optim {

/// Sets every group's learning rate from its initial value and the epoch count.
class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  /// Advances one epoch and sets the new learning rates.
  void step();
  std::int64_t epoch() const { return epoch_; }

 protected:
  virtual double lr_at(std::int64_t epoch, double base_lr) const = 0;

 private:
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
