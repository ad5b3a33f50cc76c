// Figures printed by Deep Learning from Scratch and DeZero, reproduced with xgrad.
#include <cmath>

#include "test_util.h"

using xg::test::param;
using xg::test::values_near;

namespace {
// The textbook's cross_entropy_error with label indices: -sum(log(y[arange(N), t] + 1e-7)) / N.
xg::Tensor cross_entropy_error(const xg::Tensor& y, const xg::Tensor& t) {
  auto y2 = y.dim() == 1 ? y.reshape({1, -1}) : y;
  const double n = static_cast<double>(y2.shape()[0]);
  return -xg::log(xg::pick(y2, t) + 1e-7).sum() / n;
}
xg::Tensor sum_squared_error(const xg::Tensor& y, const xg::Tensor& t) { return 0.5 * (y - t).pow(2).sum(); }
}  // namespace

TEST(Textbook, LossFunctionsOnTheBooksExamples) {
  auto t = xg::tensor({0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, xg::kFloat64);
  auto label = xg::tensor({2}, xg::kInt64);
  auto good = xg::tensor({.1, .05, .6, 0, .05, .1, 0, .1, 0, 0}, xg::kFloat64);
  auto bad = xg::tensor({.1, .05, .1, 0, .05, .1, 0, .6, 0, 0}, xg::kFloat64);
  EXPECT_NEAR(sum_squared_error(good, t).item(), 0.0975, 1e-12);
  EXPECT_NEAR(sum_squared_error(bad, t).item(), 0.5975, 1e-12);
  EXPECT_NEAR(cross_entropy_error(good, label).item(), 0.510825457099338, 1e-12);
  EXPECT_NEAR(cross_entropy_error(bad, label).item(), 2.3025840929945454, 1e-12);
}

TEST(Textbook, SimpleNetPredictionLossAndGradient) {
  // simpleNet with the book's printed W, x = [0.6, 0.9], t = [0, 0, 1].
  auto W = param({0.47355232, 0.9977393, 0.84668094, 0.85557411, 0.03563661, 0.69422093}, {2, 3});
  auto x = xg::tensor({0.6, 0.9}, xg::kFloat64);
  auto p = xg::matmul(x, W);
  EXPECT_TRUE(values_near(p, {1.05414809, 0.63071653, 1.1328074}, 1e-8));
  EXPECT_EQ(p.argmax().item(), 2);
  auto loss = cross_entropy_error(xg::softmax(p), xg::tensor({2}, xg::kInt64));
  EXPECT_NEAR(loss.item(), 0.9280682857864075, 1e-6);  // the +1e-7 shifts the 8th digit
  loss.backward();
  EXPECT_TRUE(values_near(W.grad(), {0.2192, 0.1436, -0.3628, 0.3289, 0.2153, -0.5442}, 1e-4));
}

TEST(Textbook, GoldsteinPriceGradientAtOneOne) {
  // DeZero step 24.
  auto x = param({1.0}, {});
  auto y = param({1.0}, {});
  auto z = (1.0 + (x + y + 1.0).pow(2) * (19.0 - 14.0 * x + 3.0 * x.pow(2) - 14.0 * y + 6.0 * x * y + 3.0 * y.pow(2))) *
           (30.0 + (2.0 * x - 3.0 * y).pow(2) * (18.0 - 32.0 * x + 12.0 * x.pow(2) + 48.0 * y - 36.0 * x * y + 27.0 * y.pow(2)));
  z.backward();
  EXPECT_EQ(x.grad().item(), -5376.0);
  EXPECT_EQ(y.grad().item(), 8064.0);
}

TEST(Textbook, DeZeroCompositeAndNumericalDiff) {
  // step 4: numerical_diff(square, 2.0) = 4.000000000004, and of square(exp(square(x))) at
  // 0.5 = 3.2974426293330694; backprop of the composite gives exactly 2 * 2x e^(2x^2) at 0.5.
  auto x = xg::tensor({2.0}, xg::kFloat64);
  EXPECT_NEAR(xg::numerical_gradient([&] { return (x * x).sum(); }, x).item(), 4.000000000004, 1e-11);
  auto h = xg::tensor({0.5}, xg::kFloat64);
  auto composite = [&] { return xg::exp(h.pow(2)).pow(2).sum(); };
  EXPECT_NEAR(xg::numerical_gradient(composite, h).item(), 3.2974426293330694, 1e-12);
  h.requires_grad_();
  composite().backward();
  EXPECT_NEAR(h.grad().item(), 2.0 * std::exp(0.5), 1e-15);
}

TEST(Textbook, NewtonsMethodWithSecondDerivatives) {
  // DeZero step 33: x^4 - 2x^2 from x = 2.
  const std::vector<double> expected = {1.4545454545454546, 1.1510467893775467, 1.0253259289766978, 1.0009084519430513,
                                        1.0000012353089454, 1.000000000002289, 1.0};
  auto x = param({2.0}, {});
  for (double e : expected) {
    auto y = x.pow(4) - 2.0 * x.pow(2);
    auto gx = xg::grad({y}, {x}, {}, std::nullopt, true)[0];
    auto gx2 = xg::grad({gx}, {x})[0];
    xg::NoGradGuard guard;
    x.sub_(gx / gx2);
    EXPECT_DOUBLE_EQ(x.item(), e);
  }
}
