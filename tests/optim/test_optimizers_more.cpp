// Adamax, NAdam, RAdam, Rprop, Adam/AdamW's amsgrad, SGD's dampening and RMSprop's centered
// and momentum forms against PyTorch (tests/fixtures/torch_optim_more.npz,
// scripts/make_optim_more_fixtures.py): ten steps of fixed gradients with default and
// non-default options; NAdam against PyTorch 2's rule (and visibly apart from 1.13's); a
// saved state resumes bit for bit; training converges; bad options are errors.
#include <functional>

#include <xgrad/optim/optimizers_more.h>

#include "test_util.h"

namespace optim = xg::optim;
using xg::test::fixture;
using xg::test::max_abs_diff;

namespace {
const char* kFile = "torch_optim_more.npz";
using Make = std::function<std::unique_ptr<optim::Optimizer>(const xg::tensor_list&)>;

// Runs the fixture's 10 steps from its start and returns the parameters.
xg::tensor_list run_steps(const Make& make, int steps = 10, xg::Tensor* after1 = nullptr) {
  xg::tensor_list p{fixture(kFile, "p0").clone().requires_grad_(), fixture(kFile, "p1").clone().requires_grad_()};
  auto opt = make(p);
  for (int k = 0; k < steps; ++k) {
    for (std::size_t i = 0; i < p.size(); ++i)
      p[i].set_grad(fixture(kFile, "g" + std::to_string(k) + "." + std::to_string(i)).clone());
    opt->step();
    if (k == 0 && after1) *after1 = p[0].detach().clone();
  }
  return p;
}

void expect_matches(const std::string& c, const Make& make) {
  SCOPED_TRACE(c);
  xg::Tensor first;
  const auto p = run_steps(make, 10, &first);
  EXPECT_LT(max_abs_diff(first, fixture(kFile, c + ".after1.p0")), 1e-14);
  EXPECT_LT(max_abs_diff(p[0], fixture(kFile, c + ".p0")), 1e-12);
  EXPECT_LT(max_abs_diff(p[1], fixture(kFile, c + ".p1")), 1e-12);
}

template <class O, class Options>
Make make(Options o) {
  return [o](const xg::tensor_list& p) { return std::make_unique<O>(p, o); };
}
}  // namespace

TEST(OptimizersMore, MatchPyTorch) {
  expect_matches("adamax", make<optim::Adamax>(optim::AdamaxOptions()));
  expect_matches("adamax_wd", make<optim::Adamax>(
                                  optim::AdamaxOptions(0.05).betas({0.8, 0.99}).eps(1e-3).weight_decay(0.1)));
  expect_matches("nadam", make<optim::NAdam>(optim::NAdamOptions()));
  expect_matches("nadam_wd", make<optim::NAdam>(optim::NAdamOptions(0.01).betas({0.85, 0.99}).eps(1e-6).weight_decay(0.05).momentum_decay(0.01)));
  expect_matches("radam", make<optim::RAdam>(optim::RAdamOptions()));
  expect_matches("radam_wd", make<optim::RAdam>(optim::RAdamOptions(0.01).betas({0.8, 0.9}).eps(1e-6).weight_decay(0.1)));
  expect_matches("rprop", make<optim::Rprop>(optim::RpropOptions()));
  expect_matches("rprop_opts", make<optim::Rprop>(optim::RpropOptions(0.1).etas({0.3, 1.5}).step_sizes({0.02, 0.4})));
  expect_matches("adam_amsgrad", make<optim::Adam>(optim::AdamOptions().amsgrad(true)));
  expect_matches("adam_amsgrad_wd", make<optim::Adam>(optim::AdamOptions(0.05).betas(0.8, 0.9).eps(1e-6).weight_decay(0.1).amsgrad(true)));
  expect_matches("adamw_amsgrad", make<optim::AdamW>(optim::AdamWOptions(0.05).betas(0.8, 0.9).weight_decay(0.05).amsgrad(true)));
  expect_matches("sgd_dampening", make<optim::SGD>(optim::SGDOptions(0.1).momentum(0.9).dampening(0.3).weight_decay(0.01)));
  expect_matches("rmsprop_centered", make<optim::RMSprop>(optim::RMSpropOptions(0.01).centered(true)));
  expect_matches("rmsprop_momentum", make<optim::RMSprop>(optim::RMSpropOptions(0.01).alpha(0.9).eps(1e-6).weight_decay(0.1).momentum(0.9)));
  expect_matches("rmsprop_both", make<optim::RMSprop>(optim::RMSpropOptions(0.02).centered(true).momentum(0.5)));
  // Without amsgrad the same run is visibly elsewhere (v_max matters on these gradients).
  EXPECT_GT(max_abs_diff(run_steps(make<optim::Adam>(optim::AdamOptions(0.05).betas(0.8, 0.9).eps(1e-6).weight_decay(0.1)))[0],
                         fixture(kFile, "adam_amsgrad_wd.p0")),
            1e-4);
  // PyTorch 1.13's NAdam counted mu twice in its second term: xgrad's is PyTorch 2's.
  EXPECT_GT(max_abs_diff(run_steps(make<optim::NAdam>(optim::NAdamOptions()))[0], fixture(kFile, "nadam_113.p0")), 1e-6);
}

TEST(OptimizersMore, SavedStateResumesIdentically) {
  const std::vector<std::pair<std::string, Make>> cases{
      {"Adamax", make<optim::Adamax>(optim::AdamaxOptions(0.05))}, {"NAdam", make<optim::NAdam>(optim::NAdamOptions(0.05))},
      {"RAdam", make<optim::RAdam>(optim::RAdamOptions(0.05))}, {"Rprop", make<optim::Rprop>(optim::RpropOptions(0.05))},
      {"Adam", make<optim::Adam>(optim::AdamOptions(0.05).amsgrad(true))},
      {"SGD", make<optim::SGD>(optim::SGDOptions(0.05).momentum(0.9).dampening(0.5))},
      {"RMSprop", make<optim::RMSprop>(optim::RMSpropOptions(0.01).centered(true).momentum(0.9))}};
  for (const auto& [name, mk] : cases) {
    SCOPED_TRACE(name);
    auto train = [](xg::Tensor& p, optim::Optimizer& opt, int steps) {
      for (int i = 0; i < steps; ++i) {
        opt.zero_grad();
        ((p - 0.3).pow(4)).sum().backward();
        opt.step();
      }
    };
    auto p1 = xg::tensor({1.0, -2.0, 0.5}, xg::kFloat64).requires_grad_();
    auto a1 = mk({p1});
    EXPECT_EQ(a1->type_name(), name);
    train(p1, *a1, 3);
    const std::string path = ::testing::TempDir() + "xgrad_optim_more.npz";
    xg::save(*a1, path);
    auto p2 = p1.detach().clone().requires_grad_();
    auto a2 = mk({p2});
    xg::load(*a2, path);
    train(p1, *a1, 8);
    train(p2, *a2, 8);
    EXPECT_EQ(p1.to_vector<double>(), p2.to_vector<double>());
  }
  // A state saved by another optimizer is refused.
  auto p = xg::ones({3}, xg::kFloat64).requires_grad_();
  optim::Adamax adamax({p});
  p.set_grad(xg::ones({3}, xg::kFloat64));
  adamax.step();
  const std::string path = ::testing::TempDir() + "xgrad_adamax.npz";
  xg::save(adamax, path);
  optim::RAdam radam({p});
  EXPECT_XG_ERROR(xg::load(radam, path), "Adamax", "RAdam");
}

TEST(OptimizersMore, TrainARegressionInFloat32) {
  // y = 2 x0 - x1 + 0.5 from 64 points: each optimizer brings the mean squared error down.
  xg::manual_seed(3);
  const auto x = xg::randn({64, 2});
  const auto y = xg::matmul(x, xg::tensor({{2.0f}, {-1.0f}})) + 0.5f;
  const std::vector<std::pair<std::string, std::function<std::unique_ptr<optim::Optimizer>(const xg::tensor_list&)>>> cases{
      {"Adamax", make<optim::Adamax>(optim::AdamaxOptions(0.05))}, {"NAdam", make<optim::NAdam>(optim::NAdamOptions(0.05))},
      {"RAdam", make<optim::RAdam>(optim::RAdamOptions(0.05))}, {"Rprop", make<optim::Rprop>(optim::RpropOptions(0.01))}};
  for (const auto& [name, mk] : cases) {
    SCOPED_TRACE(name);
    xg::nn::Linear fc(2, 1);
    auto opt = mk(fc.parameters());
    double first = 0, last = 0;
    for (int i = 0; i < 300; ++i) {
      auto loss = (fc(x) - y).pow(2).mean();
      if (i == 0) first = loss.item();
      last = loss.item();
      opt->zero_grad();
      loss.backward();
      opt->step();
    }
    EXPECT_LT(last, first * 1e-3) << first << " -> " << last;
  }
}

TEST(OptimizersMore, BadOptionsNameTheOptimizer) {
  const xg::tensor_list p{xg::ones({2}).requires_grad_()};
  EXPECT_XG_ERROR(optim::Adamax(p, optim::AdamaxOptions().betas({1.0, 0.9})), "Adamax", "betas", "[0, 1)", "(1, 0.9)");
  EXPECT_XG_ERROR(optim::NAdam(p, optim::NAdamOptions().eps(-1)), "NAdam", "eps", "-1");
  EXPECT_XG_ERROR(optim::NAdam(p, optim::NAdamOptions().momentum_decay(-0.5)), "NAdam", "momentum_decay", "-0.5");
  EXPECT_XG_ERROR(optim::RAdam(p, optim::RAdamOptions().betas({0.9, -0.1})), "RAdam", "betas");
  EXPECT_XG_ERROR(optim::Rprop(p, optim::RpropOptions().etas({1.2, 0.5})), "Rprop", "etaminus", "(1.2, 0.5)");
  EXPECT_XG_ERROR(optim::Rprop(p, optim::RpropOptions().step_sizes({1.0, 0.1})), "Rprop", "step_sizes", "(1, 0.1)");
  EXPECT_XG_ERROR(optim::Adamax({}, optim::AdamaxOptions()), "empty parameter list");
  EXPECT_XG_ERROR(optim::SGD(p, optim::SGDOptions(0.1).momentum(0.9).nesterov(true).dampening(0.1)), "SGD: nesterov needs zero dampening, got 0.1");
  EXPECT_XG_ERROR(optim::RMSprop(p, optim::RMSpropOptions().momentum(-0.5)), "RMSprop: momentum must be >= 0, got -0.5");
}
