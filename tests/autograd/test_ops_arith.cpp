// Arithmetic: values, and first and second derivatives, including broadcast operands.
#include "test_util.h"

using xg::test::randp;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

TEST(Add, ValuesAndGradients) {
  auto a = xg::tensor({1, 2});
  EXPECT_TRUE(values_near(a + xg::tensor({3, 4}), {4, 6}));
  xg::manual_seed(0);
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0] + x[1]; }, {randp({2, 3}), randp({2, 3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0] + x[1]; }, {randp({2, 3}), randp({3})}));     // broadcast
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0] + x[1]; }, {randp({4, 1, 3}), randp({2, 1})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0] + 2.5; }, {randp({3})}));
}

TEST(Sub, ValuesAndGradients) {
  EXPECT_TRUE(values_near(xg::tensor({5, 2}) - xg::tensor({3, 4}), {2, -2}));
  EXPECT_TRUE(values_near(-xg::tensor({1, -2}), {-1, 2}));
  xg::manual_seed(1);
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0] - x[1]; }, {randp({2, 3}), randp({1, 3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return 1.0 - x[0]; }, {randp({3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return -x[0]; }, {randp({3})}));
}

TEST(Mul, ValuesAndGradients) {
  EXPECT_TRUE(values_near(xg::tensor({2, 3}) * xg::tensor({4, 5}), {8, 15}));
  xg::manual_seed(2);
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0] * x[1]; }, {randp({2, 3}), randp({2, 1})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return x[0] * x[1]; }, {randp({2, 3}), randp({3})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return x[0] * x[0] * x[0]; }, {randp({4})}));
}

TEST(Div, ValuesAndGradients) {
  EXPECT_TRUE(values_near(xg::tensor({1, 3}) / xg::tensor({4, 2}), {0.25, 1.5}));
  auto pos = [](xg::Shape s) { return (xg::rand(s, xg::kFloat64) + 0.5).detach().requires_grad_(); };
  xg::manual_seed(3);
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0] / x[1]; }, {randp({2, 3}), pos({3})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return x[0] / x[1]; }, {randp({2, 3}), pos({2, 3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return 2.0 / x[0]; }, {pos({3})}));
}

TEST(Pow, ScalarAndTensorExponents) {
  EXPECT_TRUE(values_near(xg::tensor({2, 3}).pow(2), {4, 9}));
  EXPECT_TRUE(values_near(xg::pow(xg::tensor({4, 9}), 0.5), {2, 3}));
  EXPECT_TRUE(values_near(xg::pow(xg::tensor({2, 3}), xg::tensor({3, 2})), {8, 9}));
  auto pos = [](xg::Shape s) { return (xg::rand(s, xg::kFloat64) + 0.5).detach().requires_grad_(); };
  xg::manual_seed(4);
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].pow(3); }, {randp({3})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return x[0].pow(3); }, {randp({3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].pow(-1.5); }, {pos({3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::pow(x[0], x[1]); }, {pos({2, 3}), randp({3})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return xg::pow(x[0], x[1]); }, {pos({3}), randp({3})}));
  // x^0 has gradient 0 everywhere, also at 0.
  auto z = xg::zeros({2}, xg::kFloat64).requires_grad_();
  z.pow(0).sum().backward();
  EXPECT_TRUE(values_near(z.grad(), {0, 0}));
}

TEST(MaximumMinimum, ValuesAndGradientsSplitAtTies) {
  auto a = xg::tensor({1, 5, 3});
  auto b = xg::tensor({2, 4, 3});
  EXPECT_TRUE(values_near(xg::maximum(a, b), {2, 5, 3}));
  EXPECT_TRUE(values_near(xg::minimum(a, b), {1, 4, 3}));
  auto x = xg::tensor({1.0, 5.0, 3.0}, xg::kFloat64).requires_grad_();
  auto y = xg::tensor({2.0, 4.0, 3.0}, xg::kFloat64).requires_grad_();
  xg::maximum(x, y).sum().backward();
  EXPECT_TRUE(values_near(x.grad(), {0, 1, 0.5}));
  EXPECT_TRUE(values_near(y.grad(), {1, 0, 0.5}));
  xg::manual_seed(5);
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::maximum(x[0], x[1]); }, {randp({2, 3}), randp({3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::minimum(x[0], x[1]); }, {randp({2, 3}), randp({2, 1})}));
}

TEST(Where, GradientsFlowToTheSelectedSide) {
  auto cond = xg::tensor({1, 0, 1, 0}, xg::kFloat64);
  auto a = xg::test::param({1, 2, 3, 4}, {4});
  auto b = xg::test::param({5, 6, 7, 8}, {4});
  auto y = xg::where(cond, a, b);
  EXPECT_TRUE(values_near(y, {1, 6, 3, 8}));
  y.sum().backward();
  EXPECT_TRUE(values_near(a.grad(), {1, 0, 1, 0}));
  EXPECT_TRUE(values_near(b.grad(), {0, 1, 0, 1}));
  xg::manual_seed(6);
  EXPECT_TRUE(gradcheck_ok([&](L x) { return xg::where(cond.reshape({4, 1}), x[0], x[1]); }, {randp({4, 3}), randp({3})}));
}
