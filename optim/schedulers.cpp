// Learning-rate schedules.
#include <xgrad/detail/format.h>
#include <cmath>

#include <xgrad/optim/schedulers.h>

namespace xg::optim {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (const auto& g : optimizer.param_groups()) base_lrs_.push_back(g.lr);
}

void LRScheduler::step() {
  ++epoch_;
  auto& groups = optimizer_.param_groups();
  for (std::size_t i = 0; i < groups.size() && i < base_lrs_.size(); ++i) groups[i].lr = lr_at(epoch_, base_lrs_[i]);
}

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  if (step_size <= 0) fail("StepLR: step_size must be positive, got ", step_size);
}
double StepLR::lr_at(std::int64_t epoch, double base) const {
  return base * std::pow(gamma_, static_cast<double>(epoch / step_size_));
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {}
double ExponentialLR::lr_at(std::int64_t epoch, double base) const { return base * std::pow(gamma_, static_cast<double>(epoch)); }

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t t_max, double eta_min)
    : LRScheduler(optimizer), t_max_(t_max), eta_min_(eta_min) {
  if (t_max <= 0) fail("CosineAnnealingLR: t_max must be positive, got ", t_max);
}
double CosineAnnealingLR::lr_at(std::int64_t epoch, double base) const {
  const double e = static_cast<double>(std::min(epoch, t_max_));
  return eta_min_ + (base - eta_min_) * (1.0 + std::cos(M_PI * e / static_cast<double>(t_max_))) / 2.0;
}

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, double factor, std::int64_t patience, double threshold,
                                     double min_lr)
    : optimizer_(optimizer), factor_(factor), threshold_(threshold), min_lr_(min_lr), patience_(patience),
      best_(INFINITY) {
  if (!(factor > 0 && factor < 1)) fail("ReduceLROnPlateau: factor must be in (0, 1), got ", factor);
}

bool ReduceLROnPlateau::step(double metric) {
  if (metric < best_ * (1.0 - threshold_) || best_ == INFINITY) {
    best_ = metric;
    bad_epochs_ = 0;
    return false;
  }
  if (++bad_epochs_ <= patience_) return false;
  bad_epochs_ = 0;
  for (auto& g : optimizer_.param_groups()) g.lr = std::max(g.lr * factor_, min_lr_);
  return true;
}

}  // namespace xg::optim
