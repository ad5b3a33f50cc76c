// MultiStepLR, ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts and OneCycleLR against
// PyTorch 1.13's learning rates over 40 steps (tests/fixtures/torch_schedulers.npz from
// scripts/make_scheduler_fixtures.py), and their argument checks.
#include "test_util.h"

namespace {

using namespace xg::optim;

// The rate after construction and after each of 40 steps, for an SGD at base lr 0.1.
void expect_pytorchs(const std::string& key, const std::function<std::shared_ptr<LRScheduler>(Optimizer&)>& make) {
  SCOPED_TRACE(key);
  auto w = xg::zeros({1}).requires_grad_();
  SGD opt({w}, SGDOptions(0.1).momentum(0.9));
  auto sched = make(opt);
  const auto theirs = xg::test::fixture("torch_schedulers.npz", key).to_vector<double>();
  ASSERT_EQ(theirs.size(), 41u);
  for (std::size_t i = 0; i < theirs.size(); ++i) {
    EXPECT_NEAR(sched->get_last_lr()[0], theirs[i], 1e-12) << "step " << i;
    if (i + 1 < theirs.size()) sched->step();
  }
}

}  // namespace

TEST(SchedulersMore, EqualPyTorchs) {
  expect_pytorchs("multistep", [](Optimizer& o) { return std::make_shared<MultiStepLR>(o, std::vector<std::int64_t>{30, 12, 5, 12}, 0.5); });
  expect_pytorchs("constant", [](Optimizer& o) { return std::make_shared<ConstantLR>(o, 0.25, 7); });
  expect_pytorchs("polynomial", [](Optimizer& o) { return std::make_shared<PolynomialLR>(o, 25, 2.0); });
  expect_pytorchs("warm_restarts", [](Optimizer& o) { return std::make_shared<CosineAnnealingWarmRestarts>(o, 5, 1, 0.01); });
  expect_pytorchs("warm_restarts_mult", [](Optimizer& o) { return std::make_shared<CosineAnnealingWarmRestarts>(o, 3, 2, 0.001); });
  expect_pytorchs("onecycle", [](Optimizer& o) { return std::make_shared<OneCycleLR>(o, 1.0, 40); });
  expect_pytorchs("onecycle_linear3", [](Optimizer& o) {
    return std::make_shared<OneCycleLR>(o, 0.5, 40, 0.25, OneCycleLR::Anneal::Linear, 10.0, 100.0, true);
  });
}

TEST(SchedulersMore, StepsPastTheEndAndBadArgumentsAreErrors) {
  auto w = xg::zeros({1}).requires_grad_();
  SGD opt({w}, 0.1);
  OneCycleLR one(opt, 1.0, 3);
  for (int i = 0; i < 3; ++i) one.step();
  EXPECT_XG_ERROR(one.step(), "OneCycleLR: tried to step 4 times; the specified number of total steps is 3");
  EXPECT_XG_ERROR(OneCycleLR(opt, 1.0, 0), "OneCycleLR: total_steps must be positive, got 0");
  EXPECT_XG_ERROR(OneCycleLR(opt, 1.0, 10, 1.5), "OneCycleLR: pct_start must be in [0, 1], got 1.5");
  EXPECT_XG_ERROR(OneCycleLR(opt, -1.0, 10), "OneCycleLR: max_lr, div_factor and final_div_factor must be positive");
  EXPECT_XG_ERROR(MultiStepLR(opt, {3, -1}), "MultiStepLR: milestones must be non-negative, got -1");
  EXPECT_XG_ERROR(ConstantLR(opt, 0.0), "ConstantLR: factor must be in (0, 1], got 0");
  EXPECT_XG_ERROR(PolynomialLR(opt, 0), "PolynomialLR: total_iters must be positive, got 0");
  EXPECT_XG_ERROR(CosineAnnealingWarmRestarts(opt, 0), "CosineAnnealingWarmRestarts: t_0 must be positive, got 0");
  EXPECT_XG_ERROR(CosineAnnealingWarmRestarts(opt, 2, 0), "CosineAnnealingWarmRestarts: t_mult must be at least 1, got 0");
}
