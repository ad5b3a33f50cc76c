// Reductions and the softmax family.
#include <cmath>

#include "test_util.h"

using xg::test::randp;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

TEST(Sum, OverAllAndOverAxes) {
  auto x = xg::tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_TRUE(values_near(x.sum(), {21}));
  EXPECT_EQ(x.sum().dim(), 0);
  EXPECT_TRUE(values_near(x.sum({0}), {5, 7, 9}));
  EXPECT_TRUE(values_near(x.sum({1}), {6, 15}));
  EXPECT_TRUE(values_near(x.sum({-1}), {6, 15}));
  EXPECT_EQ(x.sum({1}, true).shape(), (xg::Shape{2, 1}));
  EXPECT_EQ(x.sum({0, 1}, true).shape(), (xg::Shape{1, 1}));
  EXPECT_EQ(xg::arange(4).sum().dtype(), xg::kInt64);
  xg::manual_seed(10);
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].sum(); }, {randp({2, 3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].sum({1}); }, {randp({2, 3, 2})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].sum({0, 2}, true); }, {randp({2, 3, 2})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return (x[0] * x[0]).sum({0}); }, {randp({2, 3})}));
}

TEST(Sum, AxisErrors) {
  auto x = xg::ones({2, 3});
  EXPECT_XG_ERROR(x.sum({2}), "sum: axis 2 is out of range for a tensor of dimension 2");
  EXPECT_XG_ERROR(x.sum({0, -2}), "sum: axis repeated");
  EXPECT_XG_ERROR(x.argmax(5), "argmax: axis 5 is out of range");
}

TEST(Mean, AndVariance) {
  auto x = xg::tensor({{1, 2, 3}, {4, 5, 6}}, xg::kFloat64);
  EXPECT_TRUE(values_near(x.mean(), {3.5}));
  EXPECT_TRUE(values_near(x.mean({0}), {2.5, 3.5, 4.5}));
  EXPECT_TRUE(values_near(x.var(), {35.0 / 12.0}, 1e-12));          // numpy: ddof 0
  EXPECT_TRUE(values_near(x.var({}, false, 1), {3.5}, 1e-12));      // ddof 1
  EXPECT_TRUE(values_near(x.var({1}), {2.0 / 3.0, 2.0 / 3.0}, 1e-12));
  EXPECT_EQ(xg::arange(4).mean().dtype(), xg::kFloat32);
  EXPECT_XG_ERROR(xg::ones({1}).var({}, false, 1), "var", "degrees of freedom");
  xg::manual_seed(11);
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].mean({1}); }, {randp({2, 3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].var({0}, true); }, {randp({4, 3})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return x[0].var(); }, {randp({5})}));
}

TEST(MaxMin, ValuesAndTiedGradients) {
  auto x = xg::tensor({{1, 7, 3}, {9, 2, 9}});
  EXPECT_TRUE(values_near(x.max(), {9}));
  EXPECT_TRUE(values_near(x.max({1}), {7, 9}));
  EXPECT_TRUE(values_near(x.min({0}), {1, 2, 3}));
  auto p = xg::test::param({1, 7, 3, 9, 2, 9}, {2, 3});
  p.max({1}).sum().backward();
  EXPECT_TRUE(values_near(p.grad(), {0, 1, 0, 0.5, 0, 0.5}));  // ties share the gradient
  xg::manual_seed(12);
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].max({1}); }, {randp({3, 4})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].min({0}, true); }, {randp({3, 4})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].max(); }, {randp({3, 4})}));
  EXPECT_XG_ERROR(xg::zeros({0, 2}).max({0}), "max: cannot reduce an empty axis");
}

TEST(MaxMin, AlongOneAxisWithIndicesTheGradientGoesToTheIndexedElement) {
  // libtorch's x.max(1): the first of tied maxima, and its gradient to that element alone (the
  // values-only forms above share it, as amax); a NaN is the maximum, as there.
  auto p = xg::test::param({1, 7, 3, 9, 2, 9, 4, NAN, 4}, {3, 3});
  auto [values, indices] = p.max(1);
  EXPECT_EQ(indices.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 1}));
  (values * xg::tensor({1.0, 2.0, 3.0})).sum().backward();
  EXPECT_EQ(p.grad().to_vector<float>(), (std::vector<float>{0, 1, 0, 2, 0, 0, 0, 3, 0}));
  auto q = xg::test::param({5, 1, 1, 0, 5, 5}, {2, 3});
  auto [low, at] = q.min(0, true);
  EXPECT_EQ(low.shape(), (xg::Shape{1, 3}));
  EXPECT_EQ(at.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 0}));
  low.sum().backward();
  EXPECT_EQ(q.grad().to_vector<float>(), (std::vector<float>{0, 1, 1, 1, 0, 0}));
  // libtorch's edges: a 0-d tensor is its own maximum at 0; an empty line has none; a
  // line-less tensor gives empty results.
  auto [v0, i0] = xg::tensor(3.0).max(0);
  EXPECT_EQ(v0.item(), 3.0);
  EXPECT_EQ(i0.dim(), 0);
  EXPECT_EQ(i0.item(), 0);
  EXPECT_XG_ERROR(xg::zeros({0, 3}).max(0), "max: cannot reduce the empty axis 0 of shape (0,3)");
  EXPECT_XG_ERROR(xg::zeros({2, 3}).min(-3), "min: axis -3 is out of range for a tensor of dimension 2");
  auto [ve, ie] = xg::zeros({2, 0}).max(0);
  EXPECT_EQ(ve.shape(), (xg::Shape{0}));
  EXPECT_EQ(ie.shape(), (xg::Shape{0}));
  xg::manual_seed(13);
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return std::get<0>(x[0].max(1)) * std::get<0>(x[0].min(0, true)).sum(); },
                               {randp({3, 4})}));
}

TEST(ArgMaxMin, IndicesAlongAxes) {
  auto x = xg::tensor({{0.1, 0.8, 0.1}, {0.7, 0.2, 0.1}});
  EXPECT_EQ(x.argmax().item(), 1);
  EXPECT_TRUE(values_near(x.argmax(1), {1, 0}));
  EXPECT_TRUE(values_near(x.argmin(0), {0, 1, 0}));
  EXPECT_EQ(x.argmax(1, true).shape(), (xg::Shape{2, 1}));
  EXPECT_EQ(x.argmax(1).dtype(), xg::kInt64);
}

TEST(Softmax, MatchesTheTextbook) {
  // softmax([0.3, 2.9, 4.0]) = [0.01821127 0.24519181 0.73659691]
  auto y = xg::softmax(xg::tensor({0.3, 2.9, 4.0}, xg::kFloat64));
  EXPECT_TRUE(values_near(y, {0.01821127, 0.24519181, 0.73659691}, 1e-8));
  // With the max subtracted, [1010, 1000, 990] does not overflow.
  auto big = xg::softmax(xg::tensor({1010.0, 1000.0, 990.0}));
  EXPECT_TRUE(values_near(big, {9.99954600e-01, 4.53978686e-05, 2.06106005e-09}, 1e-7));
  EXPECT_TRUE(std::isfinite(big.sum().item()));
}

TEST(Softmax, AlongAnyAxisWithGradients) {
  auto x = xg::tensor({{1, 2}, {3, 4}}, xg::kFloat64);
  auto col = xg::softmax(x, 0);
  EXPECT_TRUE(values_near(col.sum({0}), {1, 1}, 1e-12));
  EXPECT_NEAR(col.at({1, 0}), 1.0 / (1.0 + std::exp(-2.0)), 1e-12);
  xg::manual_seed(13);
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::softmax(x[0]); }, {randp({2, 4})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::softmax(x[0], 0); }, {randp({3, 2, 2})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return xg::softmax(x[0]); }, {randp({2, 3})}));
}

TEST(LogSoftmax, AndLogSumExp) {
  auto x = xg::tensor({{1.0, 2.0, 3.0}}, xg::kFloat64);
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  EXPECT_TRUE(values_near(xg::logsumexp(x), {lse}, 1e-12));
  EXPECT_TRUE(values_near(xg::log_softmax(x), {1 - lse, 2 - lse, 3 - lse}, 1e-12));
  EXPECT_EQ(xg::logsumexp(x, 1, true).shape(), (xg::Shape{1, 1}));
  // Extreme logits stay finite.
  auto ext = xg::tensor({1e4, -1e4, 0.0}, xg::kFloat64);
  EXPECT_TRUE(values_near(xg::logsumexp(ext), {1e4}));
  EXPECT_TRUE(values_near(xg::log_softmax(ext), {0, -2e4, -1e4}));
  xg::manual_seed(14);
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::log_softmax(x[0]); }, {randp({2, 4})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::logsumexp(x[0], 0); }, {randp({3, 2})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return xg::log_softmax(x[0], 1); }, {randp({2, 3})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return xg::logsumexp(x[0], -1, true); }, {randp({2, 3})}));
  EXPECT_XG_ERROR(xg::softmax(xg::scalar_tensor(1.0)), "softmax", "0-d");
}
