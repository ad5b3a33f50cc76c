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

std::vector<double> LRScheduler::get_last_lr() const {
  std::vector<double> lrs;
  for (const auto& g : optimizer_.param_groups()) lrs.push_back(g.lr);
  return lrs;
}

void LRScheduler::apply_initial() {
  auto& groups = optimizer_.param_groups();
  for (std::size_t i = 0; i < groups.size() && i < base_lrs_.size(); ++i) groups[i].lr = lr_at(0, base_lrs_[i]);
}

LambdaLR::LambdaLR(Optimizer& optimizer, std::function<double(std::int64_t)> lr_lambda)
    : LRScheduler(optimizer), lambda_(std::move(lr_lambda)) {
  if (!lambda_) fail("LambdaLR: lr_lambda is empty");
  apply_initial();
}
double LambdaLR::lr_at(std::int64_t epoch, double base) const { return base * lambda_(epoch); }

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, std::int64_t total_iters)
    : LRScheduler(optimizer), start_(start_factor), end_(end_factor), total_(total_iters) {
  if (!(start_factor > 0 && start_factor <= 1) || !(end_factor >= 0 && end_factor <= 1))
    fail("LinearLR: start_factor must be in (0, 1] and end_factor in [0, 1], got ", start_factor, " and ", end_factor);
  if (total_iters <= 0) fail("LinearLR: total_iters must be positive, got ", total_iters);
  apply_initial();
}
double LinearLR::lr_at(std::int64_t epoch, double base) const {
  const double t = static_cast<double>(std::min(epoch, total_)) / static_cast<double>(total_);
  return base * (start_ + (end_ - start_) * t);
}

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<std::int64_t> milestones)
    : LRScheduler(optimizer), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  if (schedulers_.empty()) fail("SequentialLR: needs at least one scheduler");
  if (milestones_.size() + 1 != schedulers_.size())
    fail("SequentialLR: ", schedulers_.size(), " schedulers need ", schedulers_.size() - 1, " milestones, got ",
         milestones_.size());
  for (std::size_t i = 0; i < milestones_.size(); ++i)
    if (milestones_[i] <= (i ? milestones_[i - 1] : 0))
      fail("SequentialLR: milestones must be positive and increasing, got ", milestones_[i], " at ", i);
  for (const auto& s : schedulers_) {
    if (!s) fail("SequentialLR: a scheduler is null");
    if (&s->optimizer_ != &optimizer) fail("SequentialLR: every scheduler must drive the same optimizer");
  }
  // The first scheduler saw the optimizer's own rates; later ones were built after it may
  // have changed them (LinearLR sets its start at once), so all run from the first's bases.
  base_lrs_ = schedulers_.front()->base_lrs_;
  apply_initial();
}
double SequentialLR::lr_at(std::int64_t epoch, double base) const {
  std::size_t i = 0;
  while (i < milestones_.size() && epoch >= milestones_[i]) ++i;
  return schedulers_[i]->lr_at(epoch - (i ? milestones_[i - 1] : 0), base);
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
