// take, put and mode against PyTorch 1.13 in float64 (tests/fixtures/torch_take_put_mode.npz,
// scripts/make_take_put_mode_fixtures.py): indices from either end, repeated places, ties of
// frequency, every axis, int64; gradients plain and under create_graph; the last write of put
// winning; NaN in mode; gradchecks; errors.
#include <cmath>
#include <limits>

#include "test_util.h"

using xg::Tensor;
using xg::test::fixture;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_take_put_mode.npz";
}  // namespace

TEST(TakePut, MatchPyTorchWithEveryGradient) {
  {
    const xg::tensor_list in = xg::test::fixture_inputs(kFile, "take", 1);
    xg::test::expect_fixture_case(kFile, "take", xg::take(in[0], fixture(kFile, "take.index")), in, 1e-300, 1e-15);
  }
  for (const bool accumulate : {false, true}) {
    const std::string name = accumulate ? "put_accumulate" : "put";
    SCOPED_TRACE(name);
    const xg::tensor_list in = xg::test::fixture_inputs(kFile, name, 2);
    xg::test::expect_fixture_case(kFile, name, in[0].put(fixture(kFile, name + ".index"), in[1], accumulate), in, 1e-15,
                                  1e-15);
  }
}

TEST(TakePut, RepeatedPlacesTakeTheLastWriteAndItsGradient) {
  const Tensor self = xg::zeros({2, 2}, xg::kFloat64).requires_grad_();
  const Tensor src = xg::tensor({1.0, 2.0, 3.0}, {3}, xg::kFloat64).requires_grad_();
  const Tensor y = self.put(xg::tensor({3, -1, 0}, {3}, xg::kInt64), src);
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{3, 0, 0, 2}));
  const auto g = xg::grad({(y * xg::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}, xg::kFloat64)).sum()}, {self, src});
  EXPECT_EQ(g[0].to_vector<double>(), (std::vector<double>{0, 2, 3, 0}));
  EXPECT_EQ(g[1].to_vector<double>(), (std::vector<double>{0, 4, 1}));  // the overwritten 1 gets nothing
}

TEST(TakePut, GradcheckAndGradgradcheck) {
  xg::manual_seed(3);
  const Tensor idx = xg::tensor({5, -2, 0, 5}, {2, 2}, xg::kInt64), at = xg::tensor({4, -1, 0}, {3}, xg::kInt64);
  const xg::tensor_list in{xg::randn({2, 3}, xg::kFloat64).requires_grad_(), xg::randn({3}, xg::kFloat64).requires_grad_()};
  const auto f = [&](L v) { return xg::take(v[0], idx).pow(2.0).sum() + v[0].put(at, v[1]).pow(2.0) + v[0].put(at, v[1], true).pow(3.0); };
  EXPECT_TRUE(gradcheck_ok(f, in));
  EXPECT_TRUE(gradgradcheck_ok(f, in));
}

TEST(TakePut, ErrorsNameTheCall) {
  const Tensor x = xg::zeros({2, 3});
  EXPECT_XG_ERROR(xg::take(x, xg::tensor({6}, {1}, xg::kInt64)), "take: index 6 at position 0 is out of range for a tensor of 6 elements",
                  "[-6, 6)");
  EXPECT_XG_ERROR(x.take(xg::tensor({0, -7}, {2}, xg::kInt64)), "take: index -7 at position 1");
  EXPECT_XG_ERROR(xg::take(x, xg::zeros({2})), "take: index must be int64, got float32");
  EXPECT_XG_ERROR(xg::take(xg::zeros({0}), xg::zeros({1}, xg::kInt64)), "take: index 0", "of 0 elements");
  EXPECT_XG_ERROR(x.put(xg::zeros({2}, xg::kInt64), xg::ones({3})), "put: index (2,) and source (3,) must have as many elements");
  EXPECT_XG_ERROR(x.put(xg::zeros({1}, xg::kInt64), xg::ones({1}, xg::kFloat64)), "put: self (float32) and source (float64)");
  EXPECT_XG_ERROR(x.put(xg::full({1}, -9.0, xg::kInt64), xg::ones({1})), "put: index -9 at position 0");
  EXPECT_XG_ERROR(xg::put(Tensor(), xg::zeros({1}, xg::kInt64), xg::ones({1})), "put: an operand is undefined");
  EXPECT_EQ(xg::take(x, xg::zeros({0, 2}, xg::kInt64)).shape(), (xg::Shape{0, 2}));
}

TEST(Mode, MatchesPyTorchValuesIndicesAndGradients) {
  for (const auto& [name, dim, keep] : {std::tuple<std::string, std::int64_t, bool>{"mode_dim0", 0, false},
                                        {"mode_dim1", 1, false},
                                        {"mode_dim2", -1, false},
                                        {"mode_keepdim", 1, true}}) {
    SCOPED_TRACE(name);
    const xg::tensor_list in = xg::test::fixture_inputs(kFile, name, 1);
    const auto [values, indices] = xg::mode(in[0], dim, keep);
    EXPECT_EQ(indices.to_vector<std::int64_t>(), fixture(kFile, name + ".indices").to_vector<std::int64_t>());
    xg::test::expect_fixture_case(kFile, name, values, in, 1e-300, 1e-300);  // exact
  }
  const auto [v, i] = fixture(kFile, "mode_int64.in0").mode(1);
  EXPECT_EQ(v.dtype(), xg::kInt64);
  EXPECT_EQ(v.to_vector<std::int64_t>(), fixture(kFile, "mode_int64.y").to_vector<std::int64_t>());
  EXPECT_EQ(i.to_vector<std::int64_t>(), fixture(kFile, "mode_int64.indices").to_vector<std::int64_t>());
}

TEST(Mode, NaNsCountAsOneValueAboveEveryNumber) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto [v, i] = xg::mode(xg::tensor({nan, 1.0, nan, 1.0, nan}, {5}, xg::kFloat64));
  EXPECT_TRUE(std::isnan(v.item<double>()));  // three NaNs against two ones
  EXPECT_EQ(i.item<std::int64_t>(), 4);
  const auto [w, j] = xg::mode(xg::tensor({nan, 1.0, nan, 1.0}, {4}, xg::kFloat64));
  EXPECT_EQ(w.item<double>(), 1.0);  // a tie: the smaller value (PyTorch 1.13's CPU answers NaN, position 0)
  EXPECT_EQ(j.item<std::int64_t>(), 3);
  const auto [s, k] = xg::mode(xg::scalar_tensor(5.0));
  EXPECT_EQ(s.item(), 5.0);
  EXPECT_EQ(k.item<std::int64_t>(), 0);
  EXPECT_EQ(s.dim(), 0);
}

TEST(Mode, GradcheckAndErrors) {
  // Any perturbation breaks ties (the mode jumps), so the numerical check needs distinct
  // values, where the mode is the smallest; the fixtures check gradients with ties.
  const Tensor x = xg::tensor({1.5, 2.5, 0.7, 0.5, 3.5, 2.0}, {2, 3}, xg::kFloat64).requires_grad_();
  EXPECT_TRUE(gradcheck_ok([](L v) { return std::get<0>(xg::mode(v[0] * v[0], 1)) * 2.0; }, {x}));
  EXPECT_TRUE(gradgradcheck_ok([](L v) { return std::get<0>(xg::mode(v[0] * v[0], 1)) * 2.0; }, {x}));
  EXPECT_XG_ERROR(xg::mode(xg::zeros({2, 0}), 1), "mode: expected axis 1 of input (2,0) to have a non-zero size");
  EXPECT_XG_ERROR(xg::mode(xg::zeros({2, 3}), 2), "mode", "2");
  EXPECT_XG_ERROR(xg::mode(Tensor()), "mode");
}
