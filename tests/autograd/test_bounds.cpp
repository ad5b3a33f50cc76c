// clamp with tensor bounds, clamp_min / clamp_max with a tensor, fmax and fmin against PyTorch
// 1.13 in float64 (tests/fixtures/torch_bounds.npz, scripts/make_bounds_fixtures.py): ties,
// crossed and equal bounds, every input's gradient; NaN; gradchecks; errors.
#include <cmath>
#include <limits>

#include "test_util.h"

using xg::Tensor;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_bounds.npz";
}  // namespace

TEST(Bounds, MatchPyTorchWithEveryGradient) {
  const std::vector<std::pair<std::string, std::function<Tensor(L)>>> cases{
      {"clamp", [](L v) { return xg::clamp(v[0], v[1], v[2]); }},
      {"clamp_equal", [](L v) { return xg::clamp(v[0], v[1], v[2]); }},
      {"clamp_min", [](L v) { return xg::clamp_min(v[0], v[1]); }},
      {"clamp_max", [](L v) { return xg::clamp_max(v[0], v[1]); }},
      {"fmax", [](L v) { return xg::fmax(v[0], v[1]); }},
      {"fmin", [](L v) { return xg::fmin(v[0], v[1]); }}};
  for (const auto& [name, f] : cases) {
    SCOPED_TRACE(name);
    const std::size_t n = name == "clamp" || name == "clamp_equal" ? 3 : 2;
    const xg::tensor_list in = xg::test::fixture_inputs(kFile, name, n);
    xg::test::expect_fixture_case(kFile, name, f(in), in, 1e-15, 1e-15);
  }
}

TEST(Bounds, NaNPropagatesWithoutAGradient) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x = xg::tensor({1.0, nan, -2.0}, xg::kFloat64).requires_grad_();
  const Tensor lo = xg::tensor({nan, 0.0, 0.0}, xg::kFloat64).requires_grad_();
  const Tensor y = xg::clamp(x, lo, xg::full({3}, 5.0, xg::kFloat64));
  EXPECT_TRUE(std::isnan(y.to_vector<double>()[0]) && std::isnan(y.to_vector<double>()[1]));  // PyTorch's
  EXPECT_EQ(y.to_vector<double>()[2], 0.0);
  y.sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(lo.grad().to_vector<double>(), (std::vector<double>{0, 0, 1}));
  const auto m = xg::clamp_min(xg::tensor({1.0, nan}, xg::kFloat64), xg::tensor({nan, 0.0}, xg::kFloat64)).to_vector<double>();
  EXPECT_TRUE(std::isnan(m[0]) && std::isnan(m[1]));
  const auto f = xg::fmax(xg::tensor({nan, 1.0, nan}, xg::kFloat64), xg::tensor({2.0, nan, nan}, xg::kFloat64)).to_vector<double>();
  EXPECT_EQ(f[0], 2.0);
  EXPECT_EQ(f[1], 1.0);
  EXPECT_TRUE(std::isnan(f[2]));
  EXPECT_EQ(xg::fmin(xg::tensor({3, 1}, xg::kInt64), xg::tensor({2, 2}, xg::kInt64)).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{2, 1}));
}

TEST(Bounds, GradcheckAndGradgradcheck) {
  xg::manual_seed(31);
  const xg::tensor_list in{xg::randn({3, 4}, xg::kFloat64).requires_grad_(), (xg::randn({4}, xg::kFloat64) - 0.5).requires_grad_(),
                           (xg::randn({3, 1}, xg::kFloat64) + 0.5).requires_grad_()};
  const auto f = [](L v) { return xg::clamp(v[0], v[1], v[2]) * 2.0 + xg::fmax(v[0], v[1]) - xg::fmin(v[0], v[2]); };
  EXPECT_TRUE(gradcheck_ok(f, in));
  EXPECT_TRUE(gradgradcheck_ok(f, in));
}

TEST(Bounds, ErrorsNameTheCall) {
  EXPECT_XG_ERROR(xg::clamp(xg::ones({2}), Tensor(), Tensor()), "clamp: at least one of min and max must be given");
  EXPECT_XG_ERROR(xg::clamp(Tensor(), xg::ones({2}), Tensor()), "clamp: the input is undefined");
  EXPECT_XG_ERROR(xg::clamp_min(xg::ones({2}), xg::ones({3})), "clamp_min", "(2,)", "(3,)");
  EXPECT_XG_ERROR(xg::fmax(xg::ones({2}), Tensor()), "fmax: an operand is undefined");
  EXPECT_XG_ERROR(xg::fmin(xg::ones({2, 3}), xg::ones({2})), "fmin", "(2,3)", "(2,)");
}
