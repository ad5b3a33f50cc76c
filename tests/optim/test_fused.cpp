// The fused optimizer update against the composed rule it replaces: every built-in optimizer
// (and its variants: momentum, nesterov, weight decay coupled and decoupled, the textbook's
// Adam), several groups and parameters, 30 steps on the same gradients; float64 to 1e-12.
#include <functional>

#include "test_util.h"

namespace optim = xg::optim;

namespace {

using Make = std::function<std::unique_ptr<optim::Optimizer>(std::vector<optim::ParamGroup>)>;

struct Case {
  const char* name;
  Make make;
};

std::vector<Case> cases() {
  using G = std::vector<optim::ParamGroup>;
  // Each optimizer takes the first group at construction and the second through add_param_group.
  auto with_groups = [](auto make_one) {
    return [make_one](G groups) {
      std::unique_ptr<optim::Optimizer> opt = make_one(groups[0].params);
      opt->param_groups()[0].lr = groups[0].lr;
      opt->param_groups()[0].weight_decay = groups[0].weight_decay;
      opt->add_param_group(groups[1]);
      return opt;
    };
  };
  return {
      {"SGD", with_groups([](const xg::tensor_list& p) { return std::make_unique<optim::SGD>(p, 0.1); })},
      {"SGDMomentum",
       with_groups([](const xg::tensor_list& p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions(0.1).momentum(0.9)); })},
      {"SGDNesterov", with_groups([](const xg::tensor_list& p) {
         return std::make_unique<optim::SGD>(p, optim::SGDOptions(0.1).momentum(0.8).nesterov(true));
       })},
      {"Momentum", with_groups([](const xg::tensor_list& p) { return std::make_unique<optim::Momentum>(p, 0.05, 0.9); })},
      {"Nesterov", with_groups([](const xg::tensor_list& p) { return std::make_unique<optim::Nesterov>(p, 0.05, 0.9); })},
      {"AdaGrad", with_groups([](const xg::tensor_list& p) { return std::make_unique<optim::AdaGrad>(p, 0.05); })},
      {"AdagradDecay", with_groups([](const xg::tensor_list& p) {
         return std::make_unique<optim::Adagrad>(p, optim::AdagradOptions(0.05).lr_decay(0.1).initial_accumulator_value(0.2));
       })},
      {"RMSprop", with_groups([](const xg::tensor_list& p) {
         return std::make_unique<optim::RMSprop>(p, optim::RMSpropOptions(0.01).alpha(0.9));
       })},
      {"AdaDelta", with_groups([](const xg::tensor_list& p) {
         return std::make_unique<optim::AdaDelta>(p, optim::AdaDeltaOptions(1.0).rho(0.95).eps(1e-7));
       })},
      {"Adam", with_groups([](const xg::tensor_list& p) { return std::make_unique<optim::Adam>(p, 0.01); })},
      {"AdamTextbook",
       with_groups([](const xg::tensor_list& p) { return std::make_unique<optim::Adam>(p, optim::AdamOptions(0.01).textbook()); })},
      {"AdamW", with_groups([](const xg::tensor_list& p) { return std::make_unique<optim::AdamW>(p, 0.01); })},
      {"AdamAMSGrad", with_groups([](const xg::tensor_list& p) {
         return std::make_unique<optim::Adam>(p, optim::AdamOptions(0.01).amsgrad(true));
       })},
      {"AdamAMSGradTextbook", with_groups([](const xg::tensor_list& p) {
         return std::make_unique<optim::Adam>(p, optim::AdamOptions(0.01).textbook().amsgrad(true));
       })},
      {"AdamWAMSGrad", with_groups([](const xg::tensor_list& p) {
         return std::make_unique<optim::AdamW>(p, optim::AdamWOptions(0.01).amsgrad(true));
       })},
  };
}

// Two groups: weights with a weight decay, biases without, and a frozen-this-step parameter.
struct Model {
  xg::tensor_list params;
  std::vector<optim::ParamGroup> groups() const {
    return {{{params[0], params[1]}, 0.05, 0.01}, {{params[2], params[3]}, 0.02, 0.0}};
  }
};

Model model(xg::Dtype dtype) {
  xg::manual_seed(3);
  Model m;
  for (const xg::Shape& s : {xg::Shape{7, 5}, xg::Shape{5}, xg::Shape{300, 3}, xg::Shape{}})
    m.params.push_back(xg::randn(s, dtype).requires_grad_());
  return m;
}

// Gradients from a fixed stream; parameter 3 has none on odd steps (it is skipped then).
void set_grads(Model& m, int step) {
  xg::Generator g(100 + step);
  xg::GeneratorGuard use(g);
  for (std::size_t i = 0; i < m.params.size(); ++i) {
    if (i == 3 && step % 2 == 1) {
      m.params[i].zero_grad();
      continue;
    }
    m.params[i].set_grad(xg::randn(m.params[i].shape(), m.params[i].dtype()) * 0.5);
  }
}

double max_relative(const xg::Tensor& a, const xg::Tensor& b) {
  const auto va = a.to(xg::kFloat64).to_vector<double>(), vb = b.to(xg::kFloat64).to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < va.size(); ++i) worst = std::max(worst, std::fabs(va[i] - vb[i]) / (1 + std::fabs(vb[i])));
  return worst;
}

class Fused : public ::testing::TestWithParam<Case> {};

}  // namespace

TEST_P(Fused, MatchesTheComposedRuleInFloat64AndFloat32) {
  for (const xg::Dtype dtype : {xg::kFloat64, xg::kFloat32}) {
    Model fused = model(dtype), composed = model(dtype);
    auto a = GetParam().make(fused.groups());
    auto b = GetParam().make(composed.groups());
    ASSERT_TRUE(a->fused());
    b->set_fused(false);
    for (int step = 0; step < 30; ++step) {
      set_grads(fused, step);
      set_grads(composed, step);
      a->step();
      b->step();
    }
    // float64: a few roundings apart at most (FMA contraction); float32: 30 steps of rules
    // dividing by square roots of small second moments, measured under 1e-5.
    const double tol = dtype == xg::kFloat64 ? 1e-12 : 1e-5;
    for (std::size_t i = 0; i < fused.params.size(); ++i)
      EXPECT_LE(max_relative(fused.params[i], composed.params[i]), tol) << GetParam().name << " parameter " << i;
    const auto sa = a->state_dict(), sb = b->state_dict();
    ASSERT_EQ(sa.size(), sb.size());
    for (std::size_t i = 0; i < sa.size(); ++i) {
      EXPECT_EQ(sa[i].first, sb[i].first);
      EXPECT_LE(max_relative(sa[i].second, sb[i].second), tol) << GetParam().name << " " << sa[i].first;
    }
    // The parameters moved: the comparison is not of two untouched models.
    EXPECT_GT(max_relative(fused.params[0], model(dtype).params[0]), 1e-4) << GetParam().name;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryRule, Fused, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

namespace {
// A user's optimizer derived from a built-in one, with its own update().
class CountingSGD : public optim::SGD {
 public:
  using optim::SGD::SGD;
  int updates = 0;
 protected:
  void update(xg::Tensor& p, const xg::Tensor& g, State& s, const optim::ParamGroup& group) override {
    ++updates;
    optim::SGD::update(p, g, s, group);
  }
};
}  // namespace

TEST(FusedOptimizer, SubclassesKeepTheirUpdateOverride) {
  auto p = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  CountingSGD opt({p}, 0.5);
  p.set_grad(xg::tensor({1.0, -1.0}, xg::kFloat64));
  opt.step();
  EXPECT_EQ(opt.updates, 1);
  EXPECT_EQ(p.to_vector<double>(), (std::vector<double>{0.5, 2.5}));
}

TEST(FusedOptimizer, AGradientOfAnotherDtypeRunsTheComposedRule) {
  // A float32 gradient on a float64 parameter (set by hand) cannot go through the fused pass,
  // which needs one dtype; the composed rule converts it, as before.
  auto p = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  auto q = xg::tensor({3.0}, xg::kFloat64).requires_grad_();
  optim::Adam opt({p, q}, 0.1);
  p.set_grad(xg::tensor({1.0f, -1.0f}));
  q.set_grad(xg::tensor({2.0}, xg::kFloat64));
  opt.step();
  EXPECT_NEAR(p.to_vector<double>()[0], 0.9, 1e-8);
  EXPECT_NEAR(p.to_vector<double>()[1], 2.1, 1e-8);
  EXPECT_NEAR(q.to_vector<double>()[0], 2.9, 1e-8);
}

TEST(FusedOptimizer, BumpsTheVersionOfWhatItWrites) {
  // A tensor saved for backward and then updated in place must be caught, as with add_.
  auto p = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  optim::SGD opt({p}, 0.1);
  auto y = (p * p).sum();
  p.set_grad(xg::tensor({1.0, 1.0}, xg::kFloat64));
  opt.step();
  EXPECT_XG_ERROR(y.backward(), "was modified by an in-place operation");
}
