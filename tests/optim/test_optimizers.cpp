// Optimizers against their closed-form updates, on the textbook's chapter 6 function,
// with weight decay, clipping, freezing, schedules and saved state.
#include <cmath>
#include <functional>

#include "test_util.h"

using xg::test::values_near;
namespace optim = xg::optim;

namespace {

// Runs `steps` updates on loss = 0.5 * sum(p^2) (so the gradient is p) from p0.
std::vector<double> run(const std::function<std::unique_ptr<optim::Optimizer>(const xg::tensor_list&)>& make,
                        int steps, std::vector<double> p0 = {1.0, -2.0}) {
  auto p = xg::tensor(p0, {static_cast<std::int64_t>(p0.size())}, xg::kFloat64).requires_grad_();
  auto opt = make({p});
  for (int i = 0; i < steps; ++i) {
    opt->zero_grad();
    (0.5 * (p * p).sum()).backward();
    opt->step();
  }
  return p.to_vector<double>();
}

// The same recurrence, written out per element: update(p, g, state...) with g = p.
template <class Update>
std::vector<double> by_hand(int steps, Update update, std::vector<double> p = {1.0, -2.0}) {
  for (auto& x : p) {
    std::vector<double> state(4, 0.0);
    for (int t = 1; t <= steps; ++t) update(x, x, state, t);
  }
  return p;
}

template <class T, class... Args>
std::function<std::unique_ptr<optim::Optimizer>(const xg::tensor_list&)> maker(Args... args) {
  return [=](const xg::tensor_list& ps) { return std::make_unique<T>(ps, args...); };
}

void expect_same(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12 * (1 + std::fabs(want[i]))) << i;
}

}  // namespace

TEST(SGD, PlainAndWithMomentumAndNesterov) {
  expect_same(run(maker<optim::SGD>(0.1), 1), {0.9, -1.8});
  expect_same(run(maker<optim::SGD>(0.1), 5), by_hand(5, [](double& p, double g, auto&, int) { p -= 0.1 * g; }));
  expect_same(run(maker<optim::SGD>(optim::SGDOptions(0.1).momentum(0.9)), 5), by_hand(5, [](double& p, double g, auto& s, int) {
    s[0] = 0.9 * s[0] + g;
    p -= 0.1 * s[0];
  }));
  expect_same(run(maker<optim::SGD>(optim::SGDOptions(0.1).momentum(0.9).nesterov(true)), 5), by_hand(5, [](double& p, double g, auto& s, int) {
    s[0] = 0.9 * s[0] + g;
    p -= 0.1 * (g + 0.9 * s[0]);
  }));
}

TEST(Momentum, IsTheTextbooksForm) {
  expect_same(run(maker<optim::Momentum>(0.1, 0.9), 6), by_hand(6, [](double& p, double g, auto& v, int) {
    v[0] = 0.9 * v[0] - 0.1 * g;  // v = momentum v - lr g; p += v
    p += v[0];
  }));
}

TEST(Nesterov, IsTheTextbooksForm) {
  expect_same(run(maker<optim::Nesterov>(0.1, 0.9), 6), by_hand(6, [](double& p, double g, auto& v, int) {
    v[0] = 0.9 * v[0] - 0.1 * g;
    p += 0.81 * v[0] - 1.9 * 0.1 * g;
  }));
}

TEST(AdaGrad, RMSpropAdaDelta) {
  expect_same(run(maker<optim::AdaGrad>(optim::AdaGradOptions(0.5).eps(1e-7)), 4), by_hand(4, [](double& p, double g, auto& h, int) {
    h[0] += g * g;
    p -= 0.5 * g / (std::sqrt(h[0]) + 1e-7);
  }));
  expect_same(run(maker<optim::RMSprop>(optim::RMSpropOptions(0.1).alpha(0.9)), 4), by_hand(4, [](double& p, double g, auto& h, int) {
    h[0] = 0.9 * h[0] + 0.1 * g * g;
    p -= 0.1 * g / (std::sqrt(h[0]) + 1e-8);
  }));
  expect_same(run(maker<optim::AdaDelta>(optim::AdaDeltaOptions().rho(0.95)), 4), by_hand(4, [](double& p, double g, auto& s, int) {
    s[0] = 0.95 * s[0] + 0.05 * g * g;
    const double dx = std::sqrt(s[1] + 1e-6) / std::sqrt(s[0] + 1e-6) * g;
    s[1] = 0.95 * s[1] + 0.05 * dx * dx;
    p -= dx;
  }));
}

TEST(Adam, PyTorchFormAndTextbookForm) {
  expect_same(run(maker<optim::Adam>(optim::AdamOptions(0.1)), 5), by_hand(5, [](double& p, double g, auto& s, int t) {
    s[0] = 0.9 * s[0] + 0.1 * g;
    s[1] = 0.999 * s[1] + 0.001 * g * g;
    p -= 0.1 * (s[0] / (1 - std::pow(0.9, t))) / (std::sqrt(s[1] / (1 - std::pow(0.999, t))) + 1e-8);
  }));
  expect_same(run(maker<optim::Adam>(optim::AdamOptions(0.1).textbook()), 5), by_hand(5, [](double& p, double g, auto& s, int t) {
    const double lr_t = 0.1 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
    s[0] += 0.1 * (g - s[0]);
    s[1] += 0.001 * (g * g - s[1]);
    p -= lr_t * s[0] / (std::sqrt(s[1]) + 1e-7);
  }));
}

TEST(WeightDecay, L2AddsToTheGradientAndAdamWDecouples) {
  expect_same(run(maker<optim::SGD>(optim::SGDOptions(0.1).weight_decay(0.5)), 3), by_hand(3, [](double& p, double g, auto&, int) {
    p -= 0.1 * (g + 0.5 * p);
  }));
  expect_same(run(maker<optim::AdamW>(optim::AdamOptions(0.1).weight_decay(0.5)), 3), by_hand(3, [](double& p, double g, auto& s, int t) {
    p *= 1 - 0.1 * 0.5;  // decoupled: shrink, then Adam with the plain gradient (taken before the shrink)
    s[0] = 0.9 * s[0] + 0.1 * g;
    s[1] = 0.999 * s[1] + 0.001 * g * g;
    p -= 0.1 * (s[0] / (1 - std::pow(0.9, t))) / (std::sqrt(s[1] / (1 - std::pow(0.999, t))) + 1e-8);
  }));
}

TEST(Optimizers, AllDescendTheTextbooksChapter6Function) {
  // f(x, y) = x^2 / 20 + y^2 from (-7, 2), 30 steps, the textbook's learning rates.
  // Bounds on the final distance to the minimum sit just above what each reaches (from 7.28);
  // SGD's is closed-form: |(-7 * 0.905^30, 2 * 0.9^30)| = 0.3605.
  struct Case {
    const char* name;
    std::function<std::unique_ptr<optim::Optimizer>(const xg::tensor_list&)> make;
    double bound;
  };
  const std::vector<Case> cases = {
      {"SGD", maker<optim::SGD>(0.95), 0.37},
      {"Momentum", maker<optim::Momentum>(0.1, 0.9), 1.0},
      {"Nesterov", maker<optim::Nesterov>(0.1, 0.9), 0.6},
      {"AdaGrad", maker<optim::AdaGrad>(optim::AdaGradOptions(1.5).eps(1e-7)), 0.15},
      {"RMSprop", maker<optim::RMSprop>(optim::RMSpropOptions(0.3)), 1e-4},
      {"AdaDelta", maker<optim::AdaDelta>(optim::AdaDeltaOptions(100.0)), 1.2},
      {"Adam", maker<optim::Adam>(optim::AdamOptions(0.3)), 0.4},
      {"AdamW", maker<optim::AdamW>(optim::AdamOptions(0.3).weight_decay(0.01)), 0.45},
  };
  for (const auto& [name, make, bound] : cases) {
    auto p = xg::tensor({-7.0, 2.0}, xg::kFloat64).requires_grad_();
    auto opt = make({p});
    for (int i = 0; i < 30; ++i) {
      opt->zero_grad();
      (p.pow(2) * xg::tensor({1.0 / 20, 1.0}, xg::kFloat64)).sum().backward();
      opt->step();
    }
    const auto v = p.to_vector<double>();
    EXPECT_LT(std::hypot(v[0], v[1]), bound) << name << " ended at (" << v[0] << ", " << v[1] << ")";
  }
}

TEST(Optimizers, SkipFrozenParametersAndUseGroups) {
  auto a = xg::tensor({1.0}, xg::kFloat64).requires_grad_();
  auto b = xg::tensor({1.0}, xg::kFloat64).requires_grad_();
  optim::SGD opt({a, b}, 0.5);
  b.requires_grad_(false);
  ((a + b) * 2.0).sum().backward();
  opt.step();
  EXPECT_TRUE(values_near(a, {0.0}));
  EXPECT_TRUE(values_near(b, {1.0}));
  optim::Adam groups({a}, 0.1);
  groups.add_param_group({{b}, 0.01, 0.0});
  ASSERT_EQ(groups.param_groups().size(), 2u);
  EXPECT_EQ(groups.param_groups()[1].lr, 0.01);
  groups.set_lr(0.2);
  EXPECT_EQ(groups.param_groups()[1].lr, 0.2);
  EXPECT_XG_ERROR(optim::SGD({xg::arange(3)}, 0.1), "optimizer: parameter 0 of group 0 is not a float tensor");
}

TEST(Clip, ByGlobalNormAndByValue) {
  auto a = xg::tensor({3.0, 0.0}, xg::kFloat64).requires_grad_();
  auto b = xg::tensor({4.0}, xg::kFloat64).requires_grad_();
  (0.5 * (a * a).sum() + 0.5 * (b * b).sum()).backward();  // gradients (3, 0) and (4): norm 5
  EXPECT_NEAR(optim::clip_grad_norm({a, b}, 1.0), 5.0, 1e-12);
  EXPECT_TRUE(values_near(a.grad(), {0.6, 0.0}, 1e-6));
  EXPECT_TRUE(values_near(b.grad(), {0.8}, 1e-6));
  optim::clip_grad_value({a, b}, 0.7);
  EXPECT_TRUE(values_near(a.grad(), {0.6, 0.0}, 1e-6));
  EXPECT_TRUE(values_near(b.grad(), {0.7}, 1e-12));
}

namespace {
// Two parameters with gradients (3, 4) in float32 and (12) in float64: norms 13 (L2), 19 (L1), 12 (inf).
xg::tensor_list clip_fixture() {
  auto a = xg::zeros({2}).requires_grad_(), b = xg::zeros({1}, xg::kFloat64).requires_grad_();
  (a * xg::tensor({3.0f, 4.0f})).sum().backward();
  (b * 12.0).sum().backward();
  return xg::tensor_list{a, b};
}
const std::vector<std::pair<double, double>> kClipNorms{{2.0, 13.0}, {1.0, 19.0}, {INFINITY, 12.0}};
}  // namespace

TEST(Clip, EveryNormTypeScalesExactlyAndOnlyWhenOver) {
  const auto grads = clip_fixture;
  for (const auto& [type, norm] : kClipNorms) {
    auto p = grads();
    EXPECT_DOUBLE_EQ(xg::nn::utils::clip_grad_norm_(p, 2.0, type), norm) << type;
    const double coef = 2.0 / (norm + 1e-6);  // computed in double, applied in each gradient's dtype
    EXPECT_EQ(p[0].grad().to_vector<float>(), (std::vector<float>{3.0f * static_cast<float>(coef), 4.0f * static_cast<float>(coef)}));
    EXPECT_EQ(p[1].grad().to_vector<double>(), std::vector<double>{12.0 * coef});
    auto q = grads();
    EXPECT_DOUBLE_EQ(xg::nn::utils::clip_grad_norm_(q, 100.0, type), norm);  // under the bound: untouched
    EXPECT_EQ(q[0].grad().to_vector<float>(), (std::vector<float>{3.0f, 4.0f}));
    EXPECT_EQ(q[1].grad().to_vector<double>(), std::vector<double>{12.0});
  }
  auto p = grads();
  EXPECT_DOUBLE_EQ(optim::clip_grad_norm(p, 13.0), 13.0);  // at the bound exactly: untouched
  EXPECT_EQ(p[0].grad().to_vector<float>(), (std::vector<float>{3.0f, 4.0f}));
  EXPECT_EQ(optim::clip_grad_norm({xg::zeros({2}).requires_grad_()}, 1.0), 0.0);  // no gradient yet
  EXPECT_XG_ERROR(optim::clip_grad_norm(p, 0.0), "clip_grad_norm: max_norm must be positive");
}

// PyTorch 2.6's halves of clip_grad_norm_: the norm as a tensor, then the scaling by it.
TEST(Clip, TotalNormAsATensorThenClipByItEqualsClipGradNorm) {
  const auto grads = clip_fixture;
  for (const auto& [type, norm] : kClipNorms) {
    auto p = grads(), q = grads();
    const xg::Tensor total = xg::nn::utils::get_total_norm({p[0].grad(), p[1].grad(), xg::Tensor()}, type);
    EXPECT_EQ(total.dim(), 0);
    EXPECT_EQ(total.dtype(), xg::kFloat64);
    EXPECT_DOUBLE_EQ(total.item(), norm) << type;
    xg::nn::utils::clip_grads_with_norm_(p, 2.0, total);
    (void)xg::nn::utils::clip_grad_norm_(q, 2.0, type);
    for (std::size_t i = 0; i < 2; ++i)
      EXPECT_EQ(p[i].grad().to(xg::kFloat64).to_vector<double>(), q[i].grad().to(xg::kFloat64).to_vector<double>()) << type;
    EXPECT_LT(p[0].grad().to(xg::kFloat64).abs().max().item(), 1.0);  // scaled down
  }
  auto p = grads();
  xg::nn::utils::clip_grads_with_norm_(p, 100.0, xg::scalar_tensor(13.0));  // under the bound: untouched
  EXPECT_EQ(p[0].grad().to_vector<float>(), (std::vector<float>{3.0f, 4.0f}));
  EXPECT_EQ(xg::nn::utils::get_total_norm({}).item(), 0.0);
  EXPECT_XG_ERROR(xg::nn::utils::get_total_norm({p[0].grad()}, 0.5), "get_total_norm: norm_type must be at least 1");
  EXPECT_XG_ERROR(xg::nn::utils::clip_grads_with_norm_(p, 0.0, xg::scalar_tensor(1.0)), "clip_grads_with_norm_: max_norm must be positive");
  EXPECT_XG_ERROR(xg::nn::utils::clip_grads_with_norm_(p, 1.0, xg::ones({2})), "total_norm must be a one-element tensor");
}

TEST(Schedulers, StepExponentialCosinePlateau) {
  auto p = xg::ones({1}).requires_grad_();
  optim::SGD opt({p}, 1.0);
  optim::StepLR step(opt, 2, 0.5);
  std::vector<double> lrs;
  for (int i = 0; i < 4; ++i) {
    step.step();
    lrs.push_back(opt.lr());
  }
  EXPECT_EQ(lrs, (std::vector<double>{1.0, 0.5, 0.5, 0.25}));
  optim::SGD opt2({p}, 1.0);
  optim::ExponentialLR exp(opt2, 0.9);
  exp.step();
  exp.step();
  EXPECT_NEAR(opt2.lr(), 0.81, 1e-12);
  optim::SGD opt3({p}, 1.0);
  optim::CosineAnnealingLR cos(opt3, 10, 0.1);
  for (int i = 0; i < 5; ++i) cos.step();
  EXPECT_NEAR(opt3.lr(), 0.55, 1e-12);
  for (int i = 0; i < 5; ++i) cos.step();
  EXPECT_NEAR(opt3.lr(), 0.1, 1e-12);
  optim::SGD opt4({p}, 1.0);
  optim::ReduceLROnPlateau plateau(opt4, 0.5, 2);
  EXPECT_FALSE(plateau.step(1.0));
  EXPECT_FALSE(plateau.step(1.0));
  EXPECT_FALSE(plateau.step(1.0));
  EXPECT_TRUE(plateau.step(1.0));  // third epoch without improvement > patience 2
  EXPECT_EQ(opt4.lr(), 0.5);
  EXPECT_FALSE(plateau.step(0.5));
}

TEST(State, SaveAndRestoreResumesIdentically) {
  auto make_p = [] { return xg::tensor({1.0, -2.0, 0.5}, xg::kFloat64).requires_grad_(); };
  auto train = [](xg::Tensor& p, optim::Optimizer& opt, int steps) {
    for (int i = 0; i < steps; ++i) {
      opt.zero_grad();
      (p.pow(4)).sum().backward();
      opt.step();
    }
  };
  auto p1 = make_p();
  optim::Adam a1({p1}, 0.05);
  train(p1, a1, 3);
  const std::string path = ::testing::TempDir() + "xgrad_adam.npz";
  xg::save(a1, path);
  auto p2 = p1.detach().clone().requires_grad_();
  optim::Adam a2({p2}, 0.05);
  xg::load(a2, path);
  EXPECT_EQ(a2.steps(), 3);
  train(p1, a1, 4);
  train(p2, a2, 4);
  EXPECT_EQ(p1.to_vector<double>(), p2.to_vector<double>());
  optim::Adam wrong({xg::ones({2}).requires_grad_()}, 0.1);
  EXPECT_XG_ERROR(xg::load(wrong, path), "load_state_dict: 'state.0.", "has shape (3,), but parameter 0 has shape (2,)");
}

// libtorch's Adagrad (xg::optim::Adagrad is AdaGrad) with lr_decay, initial_accumulator_value
// and weight decay against PyTorch 1.13 (tests/fixtures/torch_adagrad.npz,
// scripts/make_adagrad_fixtures.py), fused and composed; a parameter without a gradient at a
// step keeps its own step count.
TEST(AdaGrad, LibtorchsOptionsMatchPyTorch) {
  using xg::test::fixture;
  const char* file = "torch_adagrad.npz";
  for (const bool fused : {true, false}) {
    SCOPED_TRACE(fused ? "fused" : "composed");
    xg::tensor_list p{fixture(file, "p0.in").clone().requires_grad_(), fixture(file, "p1.in").clone().requires_grad_()};
    const xg::tensor_list c{fixture(file, "c0"), fixture(file, "c1")};
    optim::Adagrad opt(p, optim::AdagradOptions(0.1).lr_decay(0.05).weight_decay(0.01).initial_accumulator_value(0.3).eps(1e-10));
    opt.set_fused(fused);
    for (int k = 1; k <= 6; ++k) {
      opt.zero_grad();
      xg::Tensor loss = (p[0].pow(3.0) / 3.0 + p[0] * c[0]).sum();
      if (k != 3) loss = loss + (p[1].pow(3.0) / 3.0 + p[1] * c[1]).sum();
      loss.backward();
      opt.step();
      for (int i = 0; i < 2; ++i)
        EXPECT_LT(xg::test::max_abs_diff(p[static_cast<std::size_t>(i)], fixture(file, "p" + std::to_string(i) + ".step" + std::to_string(k))),
                  1e-14)
            << "step " << k << ", parameter " << i;
    }
  }
  EXPECT_XG_ERROR(optim::Adagrad({xg::zeros({1}).requires_grad_()}, optim::AdagradOptions().lr_decay(-1)), "AdaGrad: lr_decay must be >= 0");
  EXPECT_XG_ERROR(optim::Adagrad({xg::zeros({1}).requires_grad_()}, optim::AdagradOptions().initial_accumulator_value(-0.5)),
                  "AdaGrad: initial_accumulator_value must be >= 0");
}
