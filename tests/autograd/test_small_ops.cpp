// libtorch's smaller functions against PyTorch 1.13 in float64 (tests/fixtures/torch_small_ops.npz,
// scripts/make_small_ops_fixtures.py): diag both ways with offsets, mv, inner, vdot, ger,
// deg2rad, rad2deg with every gradient; allclose and equal; the other names (clip, absolute,
// negative, positive, fix, sgn); gradchecks; errors.
#include <cmath>
#include <limits>

#include "test_util.h"

using xg::Tensor;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_small_ops.npz";
}  // namespace

TEST(SmallOps, MatchPyTorchWithEveryGradient) {
  const std::vector<std::tuple<std::string, std::size_t, std::function<Tensor(L)>>> cases{
      {"diag_vector", 1, [](L v) { return xg::diag(v[0]); }},
      {"diag_vector_above", 1, [](L v) { return v[0].diag(2); }},
      {"diag_vector_below", 1, [](L v) { return xg::diag(v[0], -1); }},
      {"diag_matrix", 1, [](L v) { return v[0].diag(); }},
      {"diag_matrix_above", 1, [](L v) { return xg::diag(v[0], 3); }},
      {"diag_matrix_below", 1, [](L v) { return xg::diag(v[0], -2); }},
      {"mv", 2, [](L v) { return v[0].mv(v[1]); }},
      {"inner", 2, [](L v) { return xg::inner(v[0], v[1]); }},
      {"inner_scalar", 2, [](L v) { return v[0].inner(v[1]); }},
      {"vdot", 2, [](L v) { return xg::vdot(v[0], v[1]); }},
      {"ger", 2, [](L v) { return v[0].ger(v[1]); }},
      {"deg2rad", 1, [](L v) { return xg::deg2rad(v[0]); }},
      {"rad2deg", 1, [](L v) { return v[0].rad2deg(); }}};
  for (const auto& [name, n, f] : cases) {
    SCOPED_TRACE(name);
    const xg::tensor_list in = xg::test::fixture_inputs(kFile, name, n);
    xg::test::expect_fixture_case(kFile, name, f(in), in, 1e-13, 1e-13);
  }
}

TEST(SmallOps, AllcloseEqualAndTheOtherNames) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor a = xg::tensor({1.0, 2.0, nan}, {3}, xg::kFloat64);
  EXPECT_TRUE(xg::allclose(a.narrow(0, 0, 2), xg::tensor({1.0 + 1e-9, 2.0}, {2}, xg::kFloat64)));
  EXPECT_FALSE(xg::allclose(a.narrow(0, 0, 2), xg::tensor({1.001, 2.0}, {2}, xg::kFloat64)));
  EXPECT_TRUE(a.narrow(0, 0, 2).allclose(xg::tensor({1.001, 2.0}, {2}, xg::kFloat64), 0.01));
  EXPECT_FALSE(xg::allclose(a, a));
  EXPECT_TRUE(xg::allclose(a, a, 1e-5, 1e-8, /*equal_nan=*/true));
  EXPECT_TRUE(xg::allclose(xg::ones({2, 3}), xg::ones({3})));  // broadcast, as isclose
  EXPECT_TRUE(xg::equal(a.narrow(0, 0, 2), xg::tensor({1.0, 2.0}, {2}, xg::kFloat64)));
  EXPECT_FALSE(a.equal(a));  // NaN is unequal to itself, as PyTorch's
  EXPECT_FALSE(xg::equal(xg::ones({3}), xg::ones({1, 3})));  // shapes differ: no broadcasting
  EXPECT_TRUE(xg::equal(xg::zeros({0, 2}), xg::zeros({0, 2})));
  const Tensor x = xg::tensor({-1.5, 0.0, 2.5}, {3}, xg::kFloat64);
  EXPECT_EQ(xg::clip(x, -1.0, 1.0).to_vector<double>(), (std::vector<double>{-1, 0, 1}));
  EXPECT_EQ(x.clip(0.0, 2.0).to_vector<double>(), (std::vector<double>{0, 0, 2}));
  EXPECT_EQ(x.absolute().to_vector<double>(), (std::vector<double>{1.5, 0, 2.5}));
  EXPECT_EQ(xg::negative(x).to_vector<double>(), (std::vector<double>{1.5, -0.0, -2.5}));
  EXPECT_TRUE(xg::positive(x).is_same(x));
  EXPECT_EQ(x.fix().to_vector<double>(), (std::vector<double>{-1, 0, 2}));
  EXPECT_EQ(x.sgn().to_vector<double>(), (std::vector<double>{-1, 0, 1}));
  const Tensor d = xg::deg2rad(xg::tensor({180}, {1}, xg::kInt64));  // integers become float32, as PyTorch's
  EXPECT_EQ(d.dtype(), xg::kFloat32);
  EXPECT_NEAR(d.item(), M_PI, 1e-6);
}

TEST(SmallOps, GradgradcheckAndErrors) {
  xg::manual_seed(8);
  const xg::tensor_list in{xg::randn({3, 4}, xg::kFloat64).requires_grad_(), xg::randn({4}, xg::kFloat64).requires_grad_()};
  EXPECT_TRUE(gradgradcheck_ok([](L v) { return xg::mv(v[0], v[1]).pow(2.0) + xg::diag(v[0], 1) * xg::inner(v[1], v[1]); }, in));
  EXPECT_XG_ERROR(xg::diag(xg::zeros({2, 3, 4})), "diag: expected a vector", "(2,3,4)");
  EXPECT_XG_ERROR(xg::mv(xg::zeros({2, 3}), xg::zeros({2})), "mv: expected a matrix (n, m) and a vector (m,), got (2,3) and (2,)");
  EXPECT_XG_ERROR(xg::inner(xg::zeros({2, 3}), xg::zeros({4, 2})), "inner: the last axes must match, got (2,3) and (4,2)");
  EXPECT_XG_ERROR(xg::vdot(xg::zeros({2}), xg::zeros({3})), "dot", "(2,)", "(3,)");
  EXPECT_XG_ERROR(xg::allclose(xg::zeros({2}), xg::zeros({3})), "allclose", "(2,)", "(3,)");
  EXPECT_XG_ERROR(xg::equal(xg::zeros({2}), Tensor()), "equal: an operand is undefined");
  EXPECT_XG_ERROR(xg::deg2rad(Tensor()), "deg2rad: the input is undefined");
}
