// Elementwise functions: closed-form values, and first and second derivatives.
#include <cmath>

#include "test_util.h"

using xg::test::randp;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
xg::Tensor positive(xg::Shape s) { return (xg::rand(s, xg::kFloat64) + 0.5).detach().requires_grad_(); }
}  // namespace

TEST(Unary, ValuesMatchClosedForms) {
  auto x = xg::tensor({-1.0, 0.0, 2.0}, xg::kFloat64);
  EXPECT_TRUE(values_near(xg::exp(x), {std::exp(-1.0), 1.0, std::exp(2.0)}, 1e-12));
  EXPECT_TRUE(values_near(xg::log(xg::tensor({1.0, M_E}, xg::kFloat64)), {0.0, 1.0}, 1e-12));
  EXPECT_TRUE(values_near(xg::sqrt(xg::tensor({4.0, 2.0}, xg::kFloat64)), {2.0, std::sqrt(2.0)}, 1e-12));
  EXPECT_TRUE(values_near(xg::abs(x), {1, 0, 2}));
  EXPECT_TRUE(values_near(xg::sin(x), {std::sin(-1.0), 0, std::sin(2.0)}, 1e-12));
  EXPECT_TRUE(values_near(xg::cos(x), {std::cos(-1.0), 1, std::cos(2.0)}, 1e-12));
  EXPECT_TRUE(values_near(xg::tanh(x), {std::tanh(-1.0), 0, std::tanh(2.0)}, 1e-12));
  EXPECT_TRUE(values_near(xg::relu(x), {0, 0, 2}));
  EXPECT_TRUE(values_near(xg::leaky_relu(x, 0.1), {-0.1, 0, 2}, 1e-12));
  EXPECT_TRUE(values_near(xg::softplus(x), {std::log1p(std::exp(-1.0)), std::log(2.0), std::log1p(std::exp(2.0))}, 1e-12));
  EXPECT_TRUE(values_near(xg::clamp(x, -0.5, 1.0), {-0.5, 0, 1}));
}

TEST(Unary, SigmoidMatchesTheTextbook) {
  // sigmoid([-1, 1, 2]) = [0.26894142 0.73105858 0.88079708]
  EXPECT_TRUE(values_near(xg::sigmoid(xg::tensor({-1.0, 1.0, 2.0})), {0.26894142, 0.73105858, 0.88079708}, 1e-7));
}

TEST(Unary, StableAtExtremes) {
  auto x = xg::tensor({-1e4, 1e4}, xg::kFloat64);
  EXPECT_TRUE(values_near(xg::sigmoid(x), {0, 1}));
  EXPECT_TRUE(values_near(xg::softplus(x), {0, 1e4}));
  EXPECT_TRUE(values_near(xg::tanh(x), {-1, 1}));
}

TEST(Unary, ReluGradientIsZeroAtZero) {
  auto x = xg::test::param({-1, 0, 3}, {3});
  xg::relu(x).sum().backward();
  EXPECT_TRUE(values_near(x.grad(), {0, 0, 1}));
  auto y = xg::test::param({-2, 0, 3}, {3});
  xg::clamp(y, 0.0, 3.0).sum().backward();
  EXPECT_TRUE(values_near(y.grad(), {0, 1, 1}));  // inclusive bounds
}

TEST(Unary, GradientsMatchNumerical) {
  xg::manual_seed(7);
  const std::vector<std::pair<const char*, std::function<xg::Tensor(L)>>> smooth = {
      {"exp", [](L x) { return xg::exp(x[0]); }},         {"sin", [](L x) { return xg::sin(x[0]); }},
      {"cos", [](L x) { return xg::cos(x[0]); }},         {"tanh", [](L x) { return xg::tanh(x[0]); }},
      {"sigmoid", [](L x) { return xg::sigmoid(x[0]); }}, {"softplus", [](L x) { return xg::softplus(x[0]); }},
  };
  for (const auto& [name, fn] : smooth) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(gradcheck_ok(fn, {randp({2, 3})}));
    EXPECT_TRUE(gradgradcheck_ok(fn, {randp({3})}));
  }
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::log(x[0]); }, {positive({2, 3})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return xg::log(x[0]); }, {positive({3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::sqrt(x[0]); }, {positive({2, 3})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return xg::sqrt(x[0]); }, {positive({3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::abs(x[0]); }, {randp({2, 3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::relu(x[0]); }, {randp({2, 3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::leaky_relu(x[0], 0.2); }, {randp({2, 3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::clamp(x[0], -0.5, 0.5); }, {randp({2, 3})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return xg::relu(x[0]) * x[0]; }, {randp({4})}));
}

TEST(Unary, ClampRejectsInvertedBounds) { EXPECT_XG_ERROR(xg::clamp(xg::ones({1}), 2, 1), "clamp", "exceeds"); }

TEST(Unary, Int64ClampSaturatesItsBounds) {
  // One-sided clamps pass ±inf as the other bound; bounds beyond int64's range saturate (a cast
  // would be undefined behaviour: the ops fuzzer found clamp_max on int64 through isin).
  const auto big = xg::tensor({-9e18, -3.0, 0.0, 7.0, 9e18}, xg::kInt64);
  EXPECT_EQ(big.clamp_max(5).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{-9000000000000000000, -3, 0, 5, 5}));
  EXPECT_EQ(big.clamp_min(-1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{-1, -1, 0, 7, 9000000000000000000}));
  EXPECT_EQ(xg::clamp(big, -1e300, 1e300).to_vector<std::int64_t>(), big.to_vector<std::int64_t>());
}
