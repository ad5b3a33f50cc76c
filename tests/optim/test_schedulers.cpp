// Warmup schedules (LambdaLR, LinearLR, SequentialLR) against PyTorch 1.13's learning rates,
// step by step (tests/fixtures/torch_attention_io.npz, scripts/make_attention_fixtures.py).
#include "test_util.h"

namespace {

// The learning rate before each of `steps` scheduler steps, as the fixture records them.
template <class Make>
std::vector<double> lrs(Make make, int steps) {
  auto w = xg::zeros({1}).requires_grad_();
  xg::optim::AdamW opt({w}, 0.5);
  auto sched = make(opt);
  std::vector<double> out;
  for (int i = 0; i < steps; ++i) {
    out.push_back(sched->get_last_lr()[0]);
    sched->step();
  }
  return out;
}

void expect_lrs(const std::vector<double>& ours, const std::string& key, std::size_t n) {
  const auto theirs = xg::test::fixture("torch_attention_io.npz", key).to_vector<double>();
  for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(ours[i], theirs[i], 1e-12) << key << " step " << i;
}

}  // namespace

TEST(Schedulers, WarmupSchedulesEqualPyTorchs) {
  using namespace xg::optim;
  expect_lrs(lrs([](Optimizer& o) { return std::make_shared<LambdaLR>(o, [](std::int64_t e) { return 1.0 / (1 + e); }); }, 12),
             "sched.lambda", 12);
  expect_lrs(lrs([](Optimizer& o) { return std::make_shared<LinearLR>(o, 0.2, 1.0, 4); }, 12), "sched.linear", 12);
  // Warmup then cosine decay; the cosine starts from the optimizer's rate, not the warmup's
  // start. (Past t_max PyTorch's cosine rises again; xgrad's stays at eta_min: 11 steps.)
  auto sequential = [](Optimizer& o) {
    auto warm = std::make_shared<LinearLR>(o, 0.1, 1.0, 4);
    auto cosine = std::make_shared<CosineAnnealingLR>(o, 6, 0.01);
    return std::make_shared<SequentialLR>(o, std::vector<std::shared_ptr<LRScheduler>>{warm, cosine},
                                          std::vector<std::int64_t>{4});
  };
  expect_lrs(lrs(sequential, 12), "sched.sequential", 11);
}

TEST(Schedulers, WarmupOptionErrors) {
  using namespace xg::optim;
  auto w = xg::zeros({1}).requires_grad_();
  AdamW opt({w}, 0.5);
  EXPECT_XG_ERROR(LinearLR(opt, 0.0), "LinearLR: start_factor must be in (0, 1]");
  EXPECT_XG_ERROR(LinearLR(opt, 0.5, 1.0, 0), "LinearLR: total_iters must be positive, got 0");
  auto a = std::make_shared<LinearLR>(opt, 0.5, 1.0, 2);
  EXPECT_XG_ERROR(SequentialLR(opt, {a, a}, {}), "SequentialLR: 2 schedulers need 1 milestones, got 0");
  EXPECT_XG_ERROR(SequentialLR(opt, {a, a}, {0}), "milestones must be positive and increasing");
  AdamW other({xg::zeros({1}).requires_grad_()}, 0.1);
  EXPECT_XG_ERROR(SequentialLR(other, {a}, {}), "every scheduler must drive the same optimizer");
}
