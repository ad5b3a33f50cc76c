// Rounding, trigonometric, hyperbolic and logarithmic functions, atan2, fmod, remainder, lerp,
// nan_to_num, prod, cumprod, amax, amin, index_add, scatter_add, masked_select, div's rounding
// modes, pad_sequence, linspace and logspace: values and gradients against
// PyTorch 1.13 (tests/fixtures/torch_math_ops.npz from scripts/make_math_fixtures.py),
// gradcheck and gradgradcheck (cumprod and prod through zeros too), the predicates, and
// errors naming the call.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "test_util.h"

using xg::test::max_abs_diff;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {

xg::Tensor fx(const std::string& key) { return xg::test::fixture("torch_math_ops.npz", key); }

using Op = std::function<xg::Tensor(L)>;

// The cases of scripts/make_math_fixtures.py, in its order; `smooth` ones are gradchecked.
struct Case {
  const char* name;
  std::size_t inputs;
  bool smooth;
  Op f;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"floor", 1, false, [](L v) { return v[0].floor(); }},
      {"ceil", 1, false, [](L v) { return xg::ceil(v[0]); }},
      {"round", 1, false, [](L v) { return v[0].round(); }},
      {"round_decimals", 1, false, [](L v) { return v[0].round(2); }},
      {"round_negative_decimals", 1, false, [](L v) { return xg::round(v[0] * 1000.0, -2); }},
      {"trunc", 1, false, [](L v) { return xg::trunc(v[0]); }},
      {"frac", 1, false, [](L v) { return v[0].frac(); }},
      {"sign", 1, false, [](L v) { return v[0].sign(); }},
      {"tan", 1, true, [](L v) { return v[0].tan(); }},
      {"asin", 1, true, [](L v) { return xg::asin(v[0]); }},
      {"acos", 1, true, [](L v) { return v[0].acos(); }},
      {"atan", 1, true, [](L v) { return xg::atan(v[0]); }},
      {"sinh", 1, true, [](L v) { return v[0].sinh(); }},
      {"cosh", 1, true, [](L v) { return xg::cosh(v[0]); }},
      {"asinh", 1, true, [](L v) { return v[0].asinh(); }},
      {"acosh", 1, true, [](L v) { return xg::acosh(v[0]); }},
      {"atanh", 1, true, [](L v) { return v[0].atanh(); }},
      {"log2", 1, true, [](L v) { return xg::log2(v[0]); }},
      {"log10", 1, true, [](L v) { return v[0].log10(); }},
      {"exp2", 1, true, [](L v) { return xg::exp2(v[0]); }},
      {"atan2", 2, true, [](L v) { return xg::atan2(v[0], v[1]); }},
      {"fmod", 2, true, [](L v) { return v[0].fmod(v[1]); }},
      {"remainder", 2, true, [](L v) { return xg::remainder(v[0], v[1]); }},
      {"fmod_scalar", 1, true, [](L v) { return xg::fmod(v[0], 1.5); }},
      {"remainder_scalar", 1, true, [](L v) { return v[0].remainder(-1.5); }},
      {"lerp", 3, true, [](L v) { return xg::lerp(v[0], v[1], v[2]); }},
      {"lerp_scalar", 2, true, [](L v) { return v[0].lerp(v[1], 0.3); }},
      {"nan_to_num", 1, false, [](L v) { return v[0].nan_to_num(); }},
      {"nan_to_num_given", 1, false, [](L v) { return xg::nan_to_num(v[0], 1.5, 9.0, -9.0); }},
      {"prod_all", 1, true, [](L v) { return v[0].prod(); }},
      {"prod_dim", 1, true, [](L v) { return xg::prod(v[0], 1, true); }},
      {"prod_zeros", 1, true, [](L v) { return v[0].prod(1); }},
      {"cumprod", 1, true, [](L v) { return xg::cumprod(v[0], 0); }},
      {"cumprod_zeros", 1, true, [](L v) { return v[0].cumprod(1); }},
      {"cumprod_middle", 1, true, [](L v) { return v[0].cumprod(-2); }},
      {"amax", 1, false, [](L v) { return v[0].amax({0, 2}); }},
      {"amin", 1, false, [](L v) { return xg::amin(v[0], {1}, true); }},
      {"index_add", 2, true,
       [](L v) { return v[0].index_add(1, xg::tensor({2, 0, 2}, xg::kInt64), v[1], 0.5); }},
      {"scatter_add", 2, true,
       [](L v) { return xg::scatter_add(v[0], 0, xg::tensor({{1, 0, 2}, {1, 1, 0}}, xg::kInt64), v[1]); }},
      {"masked_select", 1, true,
       [](L v) { return v[0].masked_select(xg::tensor({{1}, {0}, {1}}, xg::kInt64)); }},
      {"div_trunc", 2, false, [](L v) { return v[0].div(v[1], "trunc"); }},
      {"div_floor", 2, false, [](L v) { return xg::div(v[0], v[1], "floor"); }},
      {"floor_divide", 2, false, [](L v) { return xg::floor_divide(v[0], v[1]); }},
      {"pad_sequence", 3, true,
       [](L v) { return xg::nn::utils::rnn::pad_sequence({v[0], v[1], v[2]}, /*batch_first=*/true, -1.0); }},
      {"pad_sequence_time", 2, true, [](L v) { return xg::nn::utils::rnn::pad_sequence({v[0], v[1]}); }},
      {"cdist_exact", 2, true, [](L v) { return xg::cdist(v[0], v[1], 3); }},
      {"cdist_mm", 2, true, [](L v) { return xg::cdist(v[0], v[1]); }},
      {"cdist_p2_small", 2, true, [](L v) { return xg::cdist(v[0], v[1]); }},
      {"softplus_beta", 1, true,
       [](L v) { return xg::nn::functional::softplus(v[0], xg::nn::functional::SoftplusFuncOptions().beta(2).threshold(3)); }},
      {"softplus_negative_beta", 1, true, [](L v) { return xg::softplus(v[0], -0.5, 1.0); }},
      {"softplus_default", 1, false, [](L v) { return xg::nn::Softplus()(v[0]); }},
      {"logaddexp", 2, true, [](L v) { return xg::logaddexp(v[0], v[1]); }},
      {"logaddexp_far", 2, true, [](L v) { return xg::logaddexp(v[0], v[1]); }},
      {"logaddexp2", 2, true, [](L v) { return xg::logaddexp2(v[0], v[1]); }},
      {"hypot", 2, true, [](L v) { return xg::hypot(v[0], v[1]); }},
      {"hypot_large", 2, false, [](L v) { return xg::hypot(v[0], v[1]); }},
      {"xlogy", 2, true, [](L v) { return xg::xlogy(v[0], v[1]); }},
      {"xlogy_scalar_x", 1, true, [](L v) { return xg::xlogy(2.0, v[0]); }}};
  return all;
}

xg::tensor_list inputs_of(const Case& c) { return xg::test::fixture_inputs("torch_math_ops.npz", c.name, c.inputs); }

}  // namespace

TEST(MathOps, MatchPyTorch) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const xg::tensor_list in = inputs_of(c);
    const auto y = c.f(in);
    ASSERT_EQ(y.dtype(), xg::kFloat64);
    // With create_graph, cumprod takes its O(n^2) rule: it must give the same gradient.
    xg::test::expect_fixture_case("torch_math_ops.npz", c.name, y, in, 1e-12, 1e-12);
  }
}

TEST(MathOps, GradcheckAndGradgradcheck) {
  for (const auto& c : cases()) {
    if (!c.smooth) continue;
    SCOPED_TRACE(c.name);
    const xg::tensor_list in = inputs_of(c);
    EXPECT_TRUE(gradcheck_ok(c.f, in));
    EXPECT_TRUE(gradgradcheck_ok(c.f, in));
  }
  // Two zeros in one line, a zero first and last, a line of one: cumprod's branches.
  const auto z = xg::tensor({{0.0, 2.0, 0.0, 3.0}, {1.5, -2.0, 0.5, 0.0}, {0.0, 1.0, 2.0, 3.0}}, xg::kFloat64);
  for (const std::int64_t dim : {0, 1}) {
    const auto f = [dim](L v) { return xg::cumprod(v[0], dim) * xg::cumprod(v[0], dim); };
    EXPECT_TRUE(gradcheck_ok(f, {z.detach().requires_grad_()})) << dim;
    EXPECT_TRUE(gradgradcheck_ok(f, {z.detach().requires_grad_()})) << dim;
  }
  EXPECT_TRUE(gradgradcheck_ok([](L v) { return xg::prod(v[0]); }, {z.detach().requires_grad_()}));
}

TEST(MathOps, KnownValuesAndEdges) {
  const auto x = xg::tensor({-2.5, -0.5, 0.5, 1.5, 2.5, 3.7}, xg::kFloat64);
  EXPECT_TRUE(values_near(x.round(), {-2, -0.0, 0, 2, 2, 4}, 0));  // half to even
  EXPECT_TRUE(values_near(x.floor(), {-3, -1, 0, 1, 2, 3}, 0));
  EXPECT_TRUE(values_near(x.ceil(), {-2, 0, 1, 2, 3, 4}, 0));
  EXPECT_TRUE(values_near(x.trunc(), {-2, 0, 0, 1, 2, 3}, 0));
  // A loss through a step function reaches the graph with gradient 0, as PyTorch's.
  const auto w = x.detach().requires_grad_();
  (w.floor() * w).sum().backward();
  EXPECT_TRUE(values_near(w.grad(), {-3, -1, 0, 1, 2, 3}, 0));
  // int64 stays int64: rounding copies, sign signs, prod and cumprod multiply (wrapping).
  const auto i = xg::tensor({-3, 0, 4}, xg::kInt64);
  EXPECT_EQ(i.floor().dtype(), xg::kInt64);
  EXPECT_TRUE(values_near(i.round(), {-3, 0, 4}, 0));
  EXPECT_TRUE(values_near(i.sign(), {-1, 0, 1}, 0));
  EXPECT_EQ(xg::tensor({2, 3, 7}, xg::kInt64).prod().item<std::int64_t>(), 42);
  EXPECT_TRUE(values_near(xg::tensor({2, 3, 7}, xg::kInt64).cumprod(0), {2, 6, 42}, 0));
  EXPECT_EQ(xg::full({64}, 2, xg::kInt64).prod().item<std::int64_t>(), 0);  // 2^64 wraps to 0
  // The empty product is 1; a 0-d input is its own product.
  EXPECT_EQ(xg::zeros({0}).prod().item(), 1.0);
  EXPECT_EQ(xg::zeros({2, 0}).prod(1).shape(), (xg::Shape{2}));
  EXPECT_TRUE(values_near(xg::zeros({2, 0}).prod(1), {1, 1}, 0));
  EXPECT_EQ(xg::scalar_tensor(3.0).prod().item(), 3.0);
  EXPECT_EQ(xg::zeros({3, 0}).cumprod(1).shape(), (xg::Shape{3, 0}));
  // Predicates are int64 1/0, so they go straight into masked_fill.
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  const auto s = xg::tensor({1.0, nan, inf, -inf, 0.0});
  EXPECT_EQ(s.isnan().dtype(), xg::kInt64);
  EXPECT_TRUE(values_near(s.isnan(), {0, 1, 0, 0, 0}, 0));
  EXPECT_TRUE(values_near(s.isinf(), {0, 0, 1, 1, 0}, 0));
  EXPECT_TRUE(values_near(s.isfinite(), {1, 0, 0, 0, 1}, 0));
  EXPECT_TRUE(values_near(xg::masked_fill(s, s.isfinite().eq(xg::scalar_tensor(0.0, xg::kInt64)), -1), {1, -1, -1, -1, 0}, 0));
  EXPECT_TRUE(values_near(xg::isinf(xg::tensor({5}, xg::kInt64)), {0}, 0));
  EXPECT_TRUE(values_near(s.nan_to_num(), {1, 0, std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(), 0}, 0));
  EXPECT_EQ(s.any().item<std::int64_t>(), 1);  // NaN counts as nonzero, as PyTorch's
  EXPECT_EQ(s.all().item<std::int64_t>(), 0);
  const auto m = xg::tensor({{1.0, 0.0, 2.0}, {3.0, 4.0, 5.0}});
  EXPECT_TRUE(values_near(m.all(1), {0, 1}, 0));
  EXPECT_TRUE(values_near(m.any(0), {1, 1, 1}, 0));
  EXPECT_EQ(m.all(-1, true).shape(), (xg::Shape{2, 1}));
  EXPECT_EQ(xg::zeros({0}).any().item<std::int64_t>(), 0);
  EXPECT_EQ(xg::zeros({0}).all().item<std::int64_t>(), 1);
  EXPECT_EQ(xg::zeros({2, 0}).all(1).shape(), (xg::Shape{2}));
  // remainder takes the divisor's sign, fmod the dividend's.
  const auto a = xg::tensor({5.5, -5.5, 5.5, -5.5}, xg::kFloat64), b = xg::tensor({2.0, 2.0, -2.0, -2.0}, xg::kFloat64);
  EXPECT_TRUE(values_near(xg::fmod(a, b), {1.5, -1.5, 1.5, -1.5}, 0));
  EXPECT_TRUE(values_near(xg::remainder(a, b), {1.5, 0.5, -0.5, -1.5}, 0));
  EXPECT_NEAR(xg::atan2(xg::tensor({1.0}), xg::tensor({-1.0})).item(), 3 * M_PI / 4, 1e-6);
  EXPECT_EQ(xg::atan2(xg::tensor({1}, xg::kInt64), xg::tensor({1}, xg::kInt64)).dtype(), xg::kFloat32);
  // Python's floor division: 1 // 0.1 is 9 (not floor(10.000000000000002)); -0.0 kept.
  EXPECT_EQ(xg::floor_divide(xg::tensor({1.0}, xg::kFloat64), xg::tensor({0.1}, xg::kFloat64)).item(), 9.0);
  EXPECT_TRUE(std::signbit(xg::floor_divide(xg::tensor({-0.0}), xg::tensor({3.0})).item()));
  EXPECT_TRUE(std::isinf(xg::floor_divide(xg::tensor({1.0}), xg::tensor({0.0})).item()));
  // A loss through a rounded quotient reaches both operands with zeros, as PyTorch's.
  const auto qa = xg::tensor({7.0, 8.0}, xg::kFloat64).requires_grad_(), qb = xg::tensor({2.0}, xg::kFloat64).requires_grad_();
  xg::div(qa, qb, "floor").sum().backward();
  EXPECT_TRUE(values_near(qa.grad(), {0, 0}, 0));
  EXPECT_EQ(qb.grad().shape(), (xg::Shape{1}));
  // nonzero: coordinates in row-major order; masked_select and index_add on int64 too.
  const auto nz = xg::tensor({{0, 3, 0}, {5, 0, 6}}, xg::kInt64);
  EXPECT_EQ(nz.nonzero().shape(), (xg::Shape{3, 2}));
  EXPECT_TRUE(values_near(nz.nonzero(), {0, 1, 1, 0, 1, 2}, 0));
  EXPECT_EQ(xg::zeros({2, 2}).nonzero().shape(), (xg::Shape{0, 2}));
  EXPECT_EQ(xg::scalar_tensor(2.0).nonzero().shape(), (xg::Shape{1, 0}));
  EXPECT_TRUE(values_near(nz.masked_select(xg::tensor({0, 1, 1}, xg::kInt64)), {3, 0, 0, 6}, 0));
  EXPECT_TRUE(values_near(xg::zeros({3}, xg::kInt64).index_add(0, xg::tensor({1, 1}, xg::kInt64), xg::ones({2}, xg::kInt64)),
                          {0, 2, 0}, 0));
  // scatter_add reads only src's part of index's shape (PyTorch 1.13's backward fails there).
  const auto big = xg::ones({3, 3}, xg::kFloat64).requires_grad_();
  xg::zeros({2, 3}, xg::kFloat64).scatter_add(0, xg::tensor({{1, 0, 1}}, xg::kInt64), big).sum().backward();
  EXPECT_TRUE(values_near(big.grad(), {1, 1, 1, 0, 0, 0, 0, 0, 0}, 0));
  // Runs into one target, left and come back to (the kernel adds a run in a register).
  const auto runs = xg::tensor({0, 0, 1, 0, 0, 2, 2}, xg::kInt64);
  const auto src = xg::tensor({1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0}, xg::kFloat64);
  EXPECT_TRUE(values_near(xg::tensor({100.0, 200.0, 300.0}, xg::kFloat64).scatter_add(0, runs, src), {127, 204, 396}, 0));
}

TEST(MathOps, LinspaceAndLogspaceMatchPyTorch) {
  const std::vector<xg::Tensor> made{
      xg::linspace(-1, 2, 7, xg::kFloat64),          xg::linspace(0.1, 1, 10),
      xg::linspace(3, -2, 6, xg::kFloat64),          xg::linspace(-2.7, 10.3, 9, xg::kInt64),
      xg::logspace(-2, 3, 8, 10, xg::kFloat64),      xg::logspace(0, 1, 5, 2),
      xg::linspace(5, 5, 1, xg::kFloat64)};
  for (std::size_t k = 0; k < made.size(); ++k) {
    const auto want = fx("space" + std::to_string(k));
    ASSERT_EQ(made[k].shape(), want.shape()) << k;
    ASSERT_EQ(made[k].dtype(), want.dtype()) << k;
    // float32 to one rounding of PyTorch's (its vectorised loop may fuse a multiply-add)
    const double tol = want.dtype() == xg::kFloat32 ? 1e-6 : want.dtype() == xg::kFloat64 ? 1e-12 : 0;
    EXPECT_LE(max_abs_diff(made[k].to(xg::kFloat64), want.to(xg::kFloat64)), tol * (1 + want.abs().max().to(xg::kFloat64).item())) << k;
  }
  // Both ends are exact, whatever the rounding between.
  const auto t = xg::linspace(0.1, 0.7, 13, xg::kFloat64);
  EXPECT_EQ(t.at({0}), 0.1);
  EXPECT_EQ(t.at({12}), 0.7);
  EXPECT_EQ(xg::linspace(0, 1, 0).numel(), 0);
  EXPECT_TRUE(xg::linspace(0, 1, 5, xg::TensorOptions().requires_grad(true)).requires_grad());
}

TEST(MathOps, ErrorsNameTheCall) {
  const auto x = xg::zeros({2, 3});
  const auto i = xg::zeros({2}, xg::kInt64);
  EXPECT_XG_ERROR(xg::tan(i), "tan: expected a float tensor, got int64");
  EXPECT_XG_ERROR(i.log2(), "log2: expected a float tensor, got int64");
  EXPECT_XG_ERROR(xg::fmod(i, i), "fmod: integer division by zero: element 0 (flat) of the divisor (shape (2,)) is 0");
  EXPECT_XG_ERROR(xg::fmod(x, xg::zeros({4})), "fmod:", "(2,3)", "(4,)");
  EXPECT_XG_ERROR(xg::atan2(x, xg::zeros({2})), "atan2:", "(2,3)", "(2,)");
  EXPECT_XG_ERROR(xg::lerp(x, x, i), "lerp: expected a float tensor, got int64");
  EXPECT_XG_ERROR(x.round(31), "round: decimals must be in [-30, 30], got 31");
  EXPECT_XG_ERROR(xg::floor(xg::Tensor()), "floor: the input is undefined");
  EXPECT_XG_ERROR(x.prod(2), "prod:", "2");
  EXPECT_XG_ERROR(x.cumprod(-3), "cumprod:", "-3");
  EXPECT_XG_ERROR(xg::scalar_tensor(1.0).cumprod(1), "cumprod: dim 1 is out of range for a 0-d tensor");
  EXPECT_XG_ERROR(x.any(2), "any:", "2");
  EXPECT_XG_ERROR(xg::scalar_tensor(1.0).all(3), "all: dim 3 is out of range for a 0-d tensor");
  EXPECT_XG_ERROR(xg::linspace(0, 1, -1), "linspace: number of steps must be non-negative, got -1");
  EXPECT_XG_ERROR(xg::linspace(0, INFINITY, 3), "linspace: start 0 and end inf must be finite");
  EXPECT_XG_ERROR(xg::logspace(0, 1, 3, 10, xg::kInt64), "logspace: expected a float dtype, got int64");
  EXPECT_XG_ERROR(xg::linspace(0, 1, std::int64_t{1} << 62), "linspace:");
  EXPECT_XG_ERROR(xg::linspace(0, 1e300, 3, xg::kInt64), "linspace: start 0 and end 1e+300 do not fit int64");
  EXPECT_XG_ERROR(xg::div(x, x, "round"), "div: expected rounding_mode to be \"trunc\" or \"floor\", but found \"round\"");
  EXPECT_XG_ERROR(xg::floor_divide(i, i), "div: integer division by zero");
  EXPECT_XG_ERROR(x.index_add(1, xg::tensor({0, 3}, xg::kInt64), xg::zeros({2, 2})),
                  "index_add: index 3 at position 1 is out of range for axis 1 of size 3");
  EXPECT_XG_ERROR(x.index_add(1, xg::tensor({0, -1}, xg::kInt64), xg::zeros({2, 2})), "index_add: index -1 at position 1",
                  "negative indices do not count from the end");
  EXPECT_XG_ERROR(x.index_add(0, xg::tensor({0}, xg::kInt64), xg::zeros({2, 3})),
                  "index_add: source (2,3) must be (1,3) (self (2,3) with axis 0 of the 1 indices)");
  EXPECT_XG_ERROR(x.index_add(0, xg::tensor({0}), xg::zeros({1, 3})), "index_add: index tensor must be int64, got float32");
  EXPECT_XG_ERROR(x.index_add(0, xg::tensor({0}, xg::kInt64), xg::zeros({1, 3}, xg::kFloat64)),
                  "index_add: self (float32) and source (float64) must have the same dtype");
  EXPECT_XG_ERROR(x.scatter_add(0, xg::tensor({{2, 0, 0}}, xg::kInt64), xg::zeros({1, 3})),
                  "scatter_add: index 2 at position 0 is out of range for axis 0 of size 2");
  EXPECT_XG_ERROR(x.scatter_add(0, xg::tensor({{0, 0, 0, 0}}, xg::kInt64), xg::zeros({1, 4})), "scatter_add: index (1,4)",
                  "no larger than self except on axis 0");
  EXPECT_XG_ERROR(xg::softplus(x, 0.0, 20.0), "softplus: beta must be finite and nonzero, got 0");
  EXPECT_XG_ERROR(xg::softplus(i, 1.0, 20.0), "softplus: expected a float tensor, got int64");
  EXPECT_XG_ERROR(xg::cdist(x, xg::zeros({2, 4})), "cdist: expected x1 (..., P, M) and x2 (..., R, M) with one M, got (2,3) and (2,4)");
  EXPECT_XG_ERROR(xg::cdist(x, x, -1), "cdist: only supports non-negative p values, got -1");
  EXPECT_XG_ERROR(xg::cdist(x, x, 2, "fast"), "cdist: compute_mode must be");
  EXPECT_XG_ERROR(xg::cdist(i.reshape({1, 2}), i.reshape({1, 2})), "cdist: only supports floating-point dtypes, got int64");
  EXPECT_XG_ERROR(xg::nn::utils::rnn::pad_sequence({}), "pad_sequence: received an empty list of sequences");
  EXPECT_XG_ERROR(xg::nn::utils::rnn::pad_sequence({xg::zeros({2, 3}), xg::zeros({2, 4})}),
                  "pad_sequence: sequence 1 (2,4) float32 on cpu does not match sequence 0 (2,3) float32 on cpu after the length axis");
  EXPECT_XG_ERROR(xg::nn::utils::rnn::pad_sequence({xg::scalar_tensor(1.0)}), "pad_sequence: sequence 0 is 0-d");
  EXPECT_XG_ERROR(x.masked_select(xg::ones({2, 3})), "masked_select: the mask must be int64");
  EXPECT_XG_ERROR(x.masked_select(xg::ones({4}, xg::kInt64)), "masked_select:", "(2,3)", "(4,)");
}

// atan2 (and logaddexp, logaddexp2) run vectorised (xsimd): C's values at every signed zero and infinity pair (xsimd
// alone gives NaN there), within 3 ulp of libm elsewhere, NaN in and NaN out, and the same
// bits whatever the thread split or the broadcast (a run, a scalar, a strided operand).
TEST(MathOps, Atan2IsLibmsAtTheEdgesAndCloseEverywhere) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> edge{0.0, -0.0, inf, -inf, 1.0, -2.5, nan};
  for (xg::Dtype dt : {xg::kFloat32, xg::kFloat64}) {
    SCOPED_TRACE(xg::dtype_name(dt));
    std::vector<double> ys, xs;
    for (double y : edge)
      for (double x : edge) ys.push_back(y), xs.push_back(x);
    const auto got = xg::atan2(xg::tensor(ys, {static_cast<std::int64_t>(ys.size())}, dt),
                               xg::tensor(xs, {static_cast<std::int64_t>(xs.size())}, dt))
                         .to(xg::kFloat64)
                         .to_vector<double>();
    for (std::size_t i = 0; i < ys.size(); ++i) {
      const double want = dt == xg::kFloat32 ? std::atan2(static_cast<float>(ys[i]), static_cast<float>(xs[i]))
                                             : std::atan2(ys[i], xs[i]);
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got[i])) << ys[i] << ", " << xs[i];
        continue;
      }
      EXPECT_NEAR(got[i], want, std::fabs(want) * (dt == xg::kFloat32 ? 4e-7 : 7e-16)) << ys[i] << ", " << xs[i];
      EXPECT_EQ(std::signbit(got[i]), std::signbit(want)) << ys[i] << ", " << xs[i];
    }
  }
  xg::manual_seed(21);
  const auto y = xg::randn({1001, 3}, xg::kFloat64) * 5.0, x = xg::randn({1001, 3}, xg::kFloat64);
  const auto run = [&](int threads) {
    const int before = xg::get_num_threads();
    xg::set_num_threads(threads);
    auto r = xg::tensor_list{xg::atan2(y, x), xg::atan2(y, x.select(1, 0).unsqueeze(1)), xg::atan2(y.t(), xg::scalar_tensor(2.0, xg::kFloat64)),
                             xg::logaddexp(y, x), xg::logaddexp2(y.t(), x.select(1, 2))};
    xg::set_num_threads(before);
    return r;
  };
  const auto one = run(1), two = run(2);
  for (std::size_t i = 0; i < one.size(); ++i) EXPECT_EQ(max_abs_diff(one[i], two[i]), 0.0) << i;
  const auto a = one[0].to_vector<double>(), yv = y.to_vector<double>(), xv = x.to_vector<double>();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], std::atan2(yv[i], xv[i]), 1e-15) << i;
  // An element gives the same bits wherever it falls in a batch or a run's padded end: the
  // same values shifted by 1 to 15 places.
  const auto y1 = xg::randn({203}, xg::kFloat64) * 0.3, x1 = xg::randn({203}, xg::kFloat64) * 0.3;
  const auto shifted = [&](auto f) {
    double worst = 0;
    for (std::int64_t s = 1; s < 16; ++s)
      worst = std::max(worst, max_abs_diff(f(y1, x1).narrow(0, s, 203 - s), f(y1.narrow(0, s, 203 - s), x1.narrow(0, s, 203 - s))));
    return worst;
  };
  EXPECT_EQ(shifted([](const xg::Tensor& u, const xg::Tensor& v) { return xg::atan2(u, v); }), 0.0);
  EXPECT_EQ(shifted([](const xg::Tensor& u, const xg::Tensor& v) { return xg::logaddexp(u, v); }), 0.0);
  EXPECT_EQ(shifted([](const xg::Tensor& u, const xg::Tensor& v) { return xg::logaddexp2(u, v); }), 0.0);
  // A broadcast column gives the bits of the same values laid out whole.
  EXPECT_EQ(max_abs_diff(one[1], xg::atan2(y, x.select(1, 0).unsqueeze(1).expand({1001, 3}).contiguous())), 0.0);
}

// PyTorch 1.13's values and gradients at the edges (infinities, NaN, zeros), by hand.
TEST(MathOps, LogaddexpHypotXlogyEdgesArePyTorchs) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const auto same = [](const xg::Tensor& got, const std::vector<double>& want, double tol) {
    const auto g = got.to_vector<double>();
    if (g.size() != want.size()) return ::testing::AssertionFailure() << "size " << g.size();
    for (std::size_t i = 0; i < g.size(); ++i)
      if (std::isnan(g[i]) != std::isnan(want[i]) || (!std::isnan(want[i]) && g[i] != want[i] && !(std::fabs(g[i] - want[i]) <= tol)))
        return ::testing::AssertionFailure() << "element " << i << ": " << g[i] << ", expected " << want[i];
    return ::testing::AssertionSuccess();
  };
  auto a = xg::tensor({-inf, inf, inf, -inf, 1.0, 0.0, 1000.0, nan}, xg::kFloat64).requires_grad_();
  auto b = xg::tensor({-inf, inf, -inf, 1.0, 1.0, 0.0, -1000.0, 1.0}, xg::kFloat64).requires_grad_();
  for (const bool two : {false, true}) {
    SCOPED_TRACE(two);
    const auto y = two ? xg::logaddexp2(a, b) : xg::logaddexp(a, b);
    EXPECT_TRUE(same(y, {-inf, inf, inf, 1.0, two ? 2.0 : 1.0 + std::log(2.0), two ? 1.0 : std::log(2.0), 1000.0, nan}, 1e-15));
    const auto g = xg::grad({y.sum()}, {a, b});
    EXPECT_TRUE(same(g[0], {nan, nan, 1, 0, 0.5, 0.5, 1, nan}, 1e-15));
    EXPECT_TRUE(same(g[1], {nan, nan, 0, 1, 0.5, 0.5, 0, nan}, 1e-15));
  }
  const auto h = xg::hypot(a, b);
  EXPECT_TRUE(same(h, {inf, inf, inf, inf, std::sqrt(2.0), 0, std::hypot(1000.0, 1000.0), nan}, 1e-12));
  const auto hg = xg::grad({h.sum()}, {a, b});
  EXPECT_TRUE(same(hg[0], {nan, nan, nan, nan, std::sqrt(0.5), nan, std::sqrt(0.5), nan}, 1e-15));
  EXPECT_TRUE(same(hg[1], {nan, nan, nan, 0, std::sqrt(0.5), nan, -std::sqrt(0.5), nan}, 1e-15));
  auto x = xg::tensor({0.0, 0.0, 0.0, 1.0, 2.0, -1.0, 0.0}, xg::kFloat64).requires_grad_();
  auto z = xg::tensor({0.0, nan, inf, 0.0, 3.0, 2.0, -1.0}, xg::kFloat64).requires_grad_();
  const auto xy = xg::xlogy(x, z);
  EXPECT_TRUE(same(xy, {0, nan, 0, -inf, 2 * std::log(3.0), -std::log(2.0), 0}, 1e-15));
  const auto xg_ = xg::grad({xy.sum()}, {x, z});
  EXPECT_TRUE(same(xg_[0], {0, nan, inf, -inf, std::log(3.0), std::log(2.0), 0}, 1e-15));
  EXPECT_TRUE(same(xg_[1], {nan, nan, 0, inf, 2.0 / 3.0, -0.5, -0.0}, 1e-15));
  // int64 operands become float32 (PyTorch's xlogy; its logaddexp and hypot refuse them).
  const auto xi = xg::xlogy(xg::tensor({1, 0}, xg::kInt64), xg::tensor({2, 0}, xg::kInt64));
  EXPECT_EQ(xi.dtype(), xg::kFloat32);
  EXPECT_TRUE(values_near(xi, {std::log(2.0), 0}, 1e-7));
  EXPECT_EQ(xg::hypot(xg::tensor({3}, xg::kInt64), xg::tensor({4}, xg::kInt64)).item(), 5.0);
  EXPECT_TRUE(values_near(xg::xlogy(xg::tensor({3.0}), 2.0), {3 * std::log(2.0)}, 1e-6));
  EXPECT_XG_ERROR(xg::logaddexp(xg::zeros({2, 3}), xg::zeros({2})), "logaddexp:", "(2,3)", "(2,)");
  EXPECT_XG_ERROR(xg::hypot(xg::Tensor(), xg::zeros({2})), "hypot: an operand is undefined");
  EXPECT_XG_ERROR(xg::xlogy(xg::zeros({3}), xg::zeros({2})), "xlogy:", "(3,)", "(2,)");
  EXPECT_XG_ERROR(xg::logaddexp2(xg::zeros({1}), xg::Tensor()), "logaddexp2: an operand is undefined");
}

// float32 fmod and remainder run vectorised (tensor/simd_binary.h): they must be C's fmodf
// bit for bit (it is exact), and Python's mod from it, at every edge and far from the fast
// path's range (quotients past 2^23, tiny and subnormal divisors), wherever an element falls.
TEST(MathOps, Float32FmodAndRemainderAreLibmsBits) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> a, b;
  const std::vector<float> edge{0.0f, -0.0f, inf, -inf, nan, 1.0f, -1.5f, 3.0f, 1e-40f, -7e-45f, 3.4e38f, 8388608.0f, 0.1f};
  for (float u : edge)
    for (float v : edge) a.push_back(u), b.push_back(v);
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> mant(-1.0f, 1.0f);
  std::uniform_int_distribution<int> expo(-30, 30);
  for (int i = 0; i < 20000; ++i) {  // quotients from 2^-60 to 2^60, and near-integers
    a.push_back(std::ldexp(mant(gen), expo(gen)));
    b.push_back(i % 3 == 0 ? a.back() / static_cast<float>(1 + i % 97) * (1.0f + 1e-7f * static_cast<float>(i % 5 - 2))
                           : std::ldexp(mant(gen), expo(gen)));
  }
  const auto n = static_cast<std::int64_t>(a.size());
  const xg::Tensor ta = xg::tensor(std::vector<double>(a.begin(), a.end()), {n}, xg::kFloat32),
                   tb = xg::tensor(std::vector<double>(b.begin(), b.end()), {n}, xg::kFloat32);
  const auto same_bits = [](float got, float want) {
    return std::isnan(want) ? std::isnan(got) : std::memcmp(&got, &want, sizeof(float)) == 0;
  };
  for (const bool python : {false, true}) {
    SCOPED_TRACE(python ? "remainder" : "fmod");
    const auto want = [&](float u, float v) {
      float r = std::fmod(u, v);
      if (python && r != 0.0f && ((v < 0.0f) != (r < 0.0f))) r += v;
      return r;
    };
    const auto op = [&](const xg::Tensor& u, const xg::Tensor& v) { return python ? xg::remainder(u, v) : xg::fmod(u, v); };
    const auto got = op(ta, tb).to_vector<float>();
    int wrong = 0;
    for (std::int64_t i = 0; i < n; ++i)
      if (!same_bits(got[static_cast<std::size_t>(i)], want(a[static_cast<std::size_t>(i)], b[static_cast<std::size_t>(i)])) && wrong++ < 5)
        ADD_FAILURE() << a[static_cast<std::size_t>(i)] << " mod " << b[static_cast<std::size_t>(i)] << ": got "
                      << got[static_cast<std::size_t>(i)];
    // A scalar divisor, a broadcast column, an odd tail: the same bits.
    const auto s = op(ta, xg::scalar_tensor(-1.5, xg::kFloat32)).to_vector<float>();
    for (std::int64_t i = 0; i < n; ++i) EXPECT_TRUE(same_bits(s[static_cast<std::size_t>(i)], want(a[static_cast<std::size_t>(i)], -1.5f))) << i;
    const xg::Tensor col = tb.narrow(0, 200, 7).unsqueeze(1), rows = ta.narrow(0, 300, 7 * 13).reshape({7, 13});
    EXPECT_EQ(max_abs_diff(op(rows, col), op(rows, col.expand({7, 13}).contiguous())), 0.0);
  }
}
