// The GoogleTest file a user writes for their own operation: values, and gradients checked
// against numerical differentiation to first and second order, in float64.
#include <cmath>

#include <gtest/gtest.h>
#include <xgrad/testing.h>
#include <xgrad/xgrad.h>

#include "swish.h"

TEST(Swish, Values) {
  auto y = swish(xg::tensor({-1.0, 0.0, 2.0}, xg::kFloat64));
  EXPECT_NEAR(y.at({0}), -1.0 / (1.0 + std::exp(1.0)), 1e-12);
  EXPECT_EQ(y.at({1}), 0.0);
  EXPECT_NEAR(y.at({2}), 2.0 / (1.0 + std::exp(-2.0)), 1e-12);
}

TEST(Swish, Gradients) {
  xg::manual_seed(0);
  auto x = xg::randn({3, 4}, xg::kFloat64).requires_grad_();
  auto op = [](const xg::tensor_list& in) { return swish(in[0]); };
  EXPECT_TRUE(xg::testing::gradcheck_ok(op, {x}));
  EXPECT_TRUE(xg::testing::gradgradcheck_ok(op, {x}));
}

TEST(Swish, InsideAModel) {
  xg::manual_seed(1);
  auto W = xg::randn({4, 2}).requires_grad_();
  auto x = xg::randn({5, 4});
  EXPECT_TRUE(xg::testing::gradients_match([&] { return swish(xg::matmul(x, W)).sum(); }, {{"W", W}}));
}
