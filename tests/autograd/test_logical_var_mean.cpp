// libtorch's logical_not/and/or/xor (int64 1/0, NaN true, broadcasting, any dtypes) and
// var_mean / std_mean (values against var and mean, shapes, ddof, gradients of every order).
#include <cmath>
#include <limits>

#include "test_util.h"

using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

TEST(Logical, TruthTablesWithNaNAndBroadcasting) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto a = xg::tensor({0.0, -0.0, 2.5, nan}, xg::kFloat64);
  EXPECT_EQ(a.logical_not().to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 1, 0, 0}));  // -0.0 is false, NaN true
  EXPECT_EQ(a.logical_not().dtype(), xg::kInt64);
  const auto b = xg::tensor({{0}, {7}}, xg::kInt64);  // (2, 1) against (4,): (2, 4)
  EXPECT_EQ(xg::logical_and(a, b).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 0, 0, 0, 0, 0, 1, 1}));
  EXPECT_EQ(xg::logical_or(a, b).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 0, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(a.logical_xor(b).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 0, 1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(a.logical_and(b).shape(), (xg::Shape{2, 4}));
  // As a mask: what masked_fill takes.
  const auto x = xg::tensor({1.0f, 2.0f, 3.0f});
  const auto keep = (x > 1.0f).logical_and(x < 3.0f);
  EXPECT_EQ(xg::masked_fill(x, keep.logical_not(), 0.0).to_vector<float>(), (std::vector<float>{0, 2, 0}));
  EXPECT_FALSE(xg::logical_or(x.clone().requires_grad_(), x).requires_grad());
}

TEST(Logical, ErrorsNameTheOperation) {
  EXPECT_XG_ERROR(xg::logical_and(xg::ones({2}), xg::Tensor()), "logical_and: an operand is undefined");
  EXPECT_XG_ERROR(xg::logical_xor(xg::ones({2}), xg::ones({3})), "logical_xor", "(2,)", "(3,)");
  EXPECT_XG_ERROR(xg::logical_not(xg::Tensor()), "logical_not: the input is undefined");
}

TEST(VarMean, AreVarAndMeanFromOneCall) {
  const auto x = xg::tensor({{1.0, 2.0, 4.0}, {3.0, 5.0, 9.0}}, xg::kFloat64);
  const auto [v, m] = xg::var_mean(x, {1}, false, 1);
  EXPECT_LT(max_abs_diff(v, x.var({1}, false, 1)), 1e-15);
  EXPECT_EQ(m.to_vector<double>(), (std::vector<double>{7.0 / 3, 17.0 / 3}));
  const auto [s, m2] = xg::std_mean(x, {0}, true);
  EXPECT_EQ(s.shape(), (xg::Shape{1, 3}));
  EXPECT_EQ(m2.shape(), (xg::Shape{1, 3}));
  EXPECT_EQ(s.to_vector<double>(), (std::vector<double>{1, 1.5, 2.5}));  // ddof 0, as var's
  const auto [all_v, all_m] = xg::var_mean(x);
  EXPECT_EQ(all_m.dim(), 0);
  EXPECT_NEAR(all_m.item(), 4.0, 1e-15);
  EXPECT_NEAR(all_v.item(), x.var().item(), 1e-15);
  const auto [iv, im] = xg::var_mean(xg::tensor({1, 2, 3, 4}, xg::kInt64));  // int64 averages as float32
  EXPECT_EQ(im.dtype(), xg::kFloat32);
  EXPECT_FLOAT_EQ(iv.item(), 1.25f);
}

TEST(VarMean, GradcheckAndGradgradcheckBothOutputs) {
  xg::manual_seed(21);
  const xg::tensor_list in{xg::randn({3, 4}, xg::kFloat64).requires_grad_()};
  const auto both = [](L v) {
    const auto [s, m] = xg::std_mean(v[0], {1}, true, 1);
    const auto [var, mean] = xg::var_mean(v[0], {0});
    return xg::concat({s.reshape({-1}) * 2.0 + m.reshape({-1}), var * 0.5 - mean}, 0);
  };
  EXPECT_TRUE(gradcheck_ok(both, in));
  EXPECT_TRUE(gradgradcheck_ok(both, in));
  EXPECT_XG_ERROR(xg::var_mean(xg::ones({2}), {}, false, 2), "var_mean: 2 elements with ddof 2 leave no degrees of freedom");
  EXPECT_XG_ERROR(xg::std_mean(xg::ones({2}), {3}), "std_mean", "3");
  EXPECT_XG_ERROR(xg::std_mean(xg::Tensor()), "std_mean: the input is undefined");
}
