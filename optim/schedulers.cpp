// Learning-rate schedules.
#include <xgrad/detail/format.h>
#include <algorithm>
#include <cmath>
#include <limits>

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

void LRScheduler::set_base_lrs(double lr) {
  for (auto& b : base_lrs_) b = lr;
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

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  for (std::int64_t m : milestones_)
    if (m < 0) fail("MultiStepLR: milestones must be non-negative, got ", m);
  std::sort(milestones_.begin(), milestones_.end());
}
double MultiStepLR::lr_at(std::int64_t epoch, double base) const {
  const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin();
  return base * std::pow(gamma_, static_cast<double>(passed));
}

ConstantLR::ConstantLR(Optimizer& optimizer, double factor, std::int64_t total_iters)
    : LRScheduler(optimizer), factor_(factor), total_(total_iters) {
  if (!(factor > 0 && factor <= 1)) fail("ConstantLR: factor must be in (0, 1], got ", factor);
  if (total_iters < 0) fail("ConstantLR: total_iters must be non-negative, got ", total_iters);
  apply_initial();
}
double ConstantLR::lr_at(std::int64_t epoch, double base) const { return epoch < total_ ? base * factor_ : base; }

PolynomialLR::PolynomialLR(Optimizer& optimizer, std::int64_t total_iters, double power)
    : LRScheduler(optimizer), total_(total_iters), power_(power) {
  if (total_iters <= 0) fail("PolynomialLR: total_iters must be positive, got ", total_iters);
}
double PolynomialLR::lr_at(std::int64_t epoch, double base) const {
  const double t = static_cast<double>(std::min(epoch, total_)) / static_cast<double>(total_);
  return base * std::pow(1.0 - t, power_);
}

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, std::int64_t t_0, std::int64_t t_mult,
                                                         double eta_min)
    : LRScheduler(optimizer), t_0_(t_0), t_mult_(t_mult), eta_min_(eta_min) {
  if (t_0 <= 0) fail("CosineAnnealingWarmRestarts: t_0 must be positive, got ", t_0);
  if (t_mult < 1) fail("CosineAnnealingWarmRestarts: t_mult must be at least 1, got ", t_mult);
}
double CosineAnnealingWarmRestarts::lr_at(std::int64_t epoch, double base) const {
  // The epoch's place in its cycle, by whole cycles (integers: no log rounding at a restart).
  std::int64_t t_cur = epoch, t_i = t_0_;
  if (t_mult_ == 1) {
    t_cur = epoch % t_0_;
  } else {
    while (t_cur >= t_i && t_i <= std::numeric_limits<std::int64_t>::max() / t_mult_) {
      t_cur -= t_i;
      t_i *= t_mult_;
    }
  }
  return eta_min_ + (base - eta_min_) * (1.0 + std::cos(M_PI * static_cast<double>(t_cur) / static_cast<double>(t_i))) / 2.0;
}

OneCycleLR::OneCycleLR(Optimizer& optimizer, double max_lr, std::int64_t total_steps, double pct_start,
                       Anneal anneal_strategy, double div_factor, double final_div_factor, bool three_phase)
    : LRScheduler(optimizer), total_(total_steps), anneal_(anneal_strategy) {
  if (total_steps <= 0) fail("OneCycleLR: total_steps must be positive, got ", total_steps);
  if (!(pct_start >= 0 && pct_start <= 1)) fail("OneCycleLR: pct_start must be in [0, 1], got ", pct_start);
  if (!(max_lr > 0) || !(div_factor > 0) || !(final_div_factor > 0))
    fail("OneCycleLR: max_lr, div_factor and final_div_factor must be positive, got ", max_lr, ", ", div_factor, ", ",
         final_div_factor);
  // PyTorch's phases, in multiples of the initial rate max_lr / div_factor.
  const double up = pct_start * static_cast<double>(total_steps) - 1, last = static_cast<double>(total_steps) - 1;
  const double peak = div_factor, floor = 1.0 / final_div_factor;
  if (three_phase)
    phases_ = {{up, 1.0, peak}, {2 * pct_start * static_cast<double>(total_steps) - 2, peak, 1.0}, {last, 1.0, floor}};
  else
    phases_ = {{up, 1.0, peak}, {last, peak, floor}};
  // Every group's base is the initial rate (PyTorch overwrites the groups' rates with it).
  set_base_lrs(max_lr / div_factor);
  apply_initial();
}
double OneCycleLR::lr_at(std::int64_t epoch, double base) const {
  if (epoch > total_) fail("OneCycleLR: tried to step ", epoch, " times; the specified number of total steps is ", total_);
  const auto step = static_cast<double>(epoch);
  double start = 0;
  for (std::size_t i = 0; i < phases_.size(); ++i) {
    const Phase& p = phases_[i];
    if (step <= p.end_step || i + 1 == phases_.size()) {
      const double pct = (step - start) / (p.end_step - start);
      const double from = base * p.start_lr, to = base * p.end_lr;
      return anneal_ == Anneal::Cos ? to + (from - to) / 2.0 * (std::cos(M_PI * pct) + 1.0) : (to - from) * pct + from;
    }
    start = p.end_step;
  }
  return base;
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
