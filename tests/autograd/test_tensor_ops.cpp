// std, norm, flip, roll, repeat, tile, repeat_interleave, movedim, rsqrt, reciprocal,
// clamp_min, clamp_max, dot and outer: values and gradients against PyTorch 1.13
// (tests/fixtures/torch_tensor_ops.npz from scripts/make_tensor_op_fixtures.py), gradcheck
// and gradgradcheck, PyTorch's gradient of a norm at zero, and errors.
#include <limits>

#include "test_util.h"

using xg::test::max_abs_diff;
using xg::test::randp;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {

xg::Tensor fx(const std::string& key) { return xg::test::fixture("torch_tensor_ops.npz", key); }

using Op = std::function<xg::Tensor(L)>;

// The cases of scripts/make_tensor_op_fixtures.py, in its order.
const std::vector<std::tuple<const char*, std::size_t, Op>>& cases() {
  static const std::vector<std::tuple<const char*, std::size_t, Op>> all{
      {"std_dim", 1, [](L v) { return v[0].std({0, 2}, true, 1); }},
      {"std_all", 1, [](L v) { return xg::std(v[0]); }},
      {"norm2", 1, [](L v) { return v[0].norm(2, {1}); }},
      {"norm3", 1, [](L v) { return xg::norm(v[0], 3, {0, 2}, true); }},
      {"norm_inf", 1, [](L v) { return xg::norm(v[0], std::numeric_limits<double>::infinity(), {0}); }},
      {"norm_all", 1, [](L v) { return v[0].norm(); }},
      {"flip", 1, [](L v) { return v[0].flip({0, 2}); }},
      {"roll", 1, [](L v) { return xg::roll(v[0], {1, -3}, {2, 0}); }},
      {"roll_flat", 1, [](L v) { return v[0].roll({4}); }},
      {"repeat", 1, [](L v) { return v[0].repeat({2, 1, 3}); }},
      {"tile", 1, [](L v) { return xg::tile(v[0], {2}); }},
      {"repeat_interleave", 1, [](L v) { return v[0].repeat_interleave(3, 1); }},
      {"repeat_interleave_flat", 1, [](L v) { return xg::repeat_interleave(v[0], 2); }},
      {"movedim", 1, [](L v) { return v[0].movedim({0, 3}, {2, 0}); }},
      {"rsqrt", 1, [](L v) { return (v[0].abs() + 0.5).rsqrt(); }},
      {"reciprocal", 1, [](L v) { return xg::reciprocal(v[0].abs() + 0.5); }},
      {"clamp_min", 1, [](L v) { return v[0].clamp_min(0.2); }},
      {"clamp_max", 1, [](L v) { return xg::clamp_max(v[0], -0.1); }},
      {"dot", 2, [](L v) { return v[0].dot(v[1]); }},
      {"outer", 2, [](L v) { return xg::outer(v[0], v[1]); }}};
  return all;
}

}  // namespace

TEST(TensorOps, MatchPyTorch) {
  for (const auto& [name, inputs, f] : cases()) {
    SCOPED_TRACE(name);
    const std::string k = name;
    xg::tensor_list in;
    for (std::size_t i = 0; i < inputs; ++i) in.push_back(fx(k + ".in" + std::to_string(i)).requires_grad_());
    const auto y = f(in);
    ASSERT_EQ(y.shape(), fx(k + ".y").shape());
    EXPECT_LT(max_abs_diff(y, fx(k + ".y")), 1e-12);
    const auto g = xg::grad({(y * fx(k + ".gy")).sum()}, in);
    for (std::size_t i = 0; i < inputs; ++i) EXPECT_LT(max_abs_diff(g[i], fx(k + ".g" + std::to_string(i))), 1e-12) << i;
  }
}

TEST(TensorOps, GradcheckAndGradgradcheck) {
  xg::manual_seed(81);
  for (const auto& [name, inputs, f] : cases()) {
    if (std::string(name) == "norm_inf") continue;  // a max: checked once below, away from ties
    SCOPED_TRACE(name);
    xg::tensor_list in;
    for (std::size_t i = 0; i < inputs; ++i) in.push_back(fx(std::string(name) + ".in" + std::to_string(i)).detach().requires_grad_());
    EXPECT_TRUE(gradcheck_ok(f, in));
    EXPECT_TRUE(gradgradcheck_ok(f, in));
  }
  const auto inf = [](L v) { return xg::norm(v[0], std::numeric_limits<double>::infinity(), {1}); };
  EXPECT_TRUE(gradcheck_ok(inf, {xg::tensor({{1.0, -3.0, 2.0}, {0.5, 0.25, -0.75}}, xg::kFloat64).requires_grad_()}));
}

TEST(TensorOps, KnownValuesAndPyTorchsEdges) {
  const auto x = xg::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, xg::kFloat64);
  EXPECT_TRUE(values_near(x.flip({1}), {3, 2, 1, 6, 5, 4}, 0));
  EXPECT_TRUE(values_near(x.roll({1}, {1}), {3, 1, 2, 6, 4, 5}, 0));
  EXPECT_TRUE(values_near(x.roll({-1}), {2, 3, 4, 5, 6, 1}, 0));
  EXPECT_TRUE(values_near(xg::tensor({1.0, 2.0}, xg::kFloat64).repeat({2}), {1, 2, 1, 2}, 0));
  EXPECT_TRUE(values_near(xg::tensor({1.0, 2.0}, xg::kFloat64).repeat_interleave(2), {1, 1, 2, 2}, 0));
  EXPECT_EQ(x.movedim({0}, {1}).shape(), (xg::Shape{3, 2}));
  EXPECT_NEAR(xg::norm(xg::tensor({3.0, -4.0}, xg::kFloat64)).item(), 5.0, 1e-15);
  EXPECT_EQ(xg::norm(xg::tensor({3.0, 0.0, -4.0}, xg::kFloat64), 0).item(), 2.0);
  // The norm of a zero vector is 0 with gradient 0 (PyTorch's), not NaN.
  const auto z = xg::zeros({3}, xg::kFloat64).requires_grad_();
  xg::norm(z).backward();
  EXPECT_TRUE(values_near(z.grad(), {0, 0, 0}, 0));
  EXPECT_NEAR(xg::tensor({1.0, 2.0, 3.0, 4.0}, xg::kFloat64).std({}, false, 1).item(), std::sqrt(5.0 / 3), 1e-15);
  EXPECT_EQ(xg::roll(xg::zeros({0, 3}), {5}, {1}).shape(), (xg::Shape{0, 3}));
  EXPECT_EQ(xg::zeros({2, 0}).repeat({3, 4}).shape(), (xg::Shape{6, 0}));
}

TEST(TensorOps, ErrorsNameTheCall) {
  const auto x = xg::zeros({2, 3});
  EXPECT_XG_ERROR(x.flip({0, -2}), "flip: dim -2 appears more than once in (0,-2)");
  EXPECT_XG_ERROR(x.flip({2}), "flip:", "axis 2");
  EXPECT_XG_ERROR(x.roll({1, 2}, {0}), "roll: shifts and dims must align, got 2 shifts and 1 dims");
  EXPECT_XG_ERROR(x.roll({1, 2}), "roll: without dims, expected one shift (the flattened tensor's), got 2");
  EXPECT_XG_ERROR(x.repeat({2}), "repeat: the number of repeats (1) can not be smaller than the number of dimensions of (2,3)");
  EXPECT_XG_ERROR(x.repeat({2, -1}), "repeat: repeats must be non-negative, got (2,-1)");
  EXPECT_XG_ERROR(xg::tile(x, {2, -1}), "tile: repeats must be non-negative, got (2,-1)");
  EXPECT_XG_ERROR(x.repeat({std::int64_t{1} << 40, std::int64_t{1} << 30}), "repeat:");
  EXPECT_XG_ERROR(x.repeat_interleave(-1, 0), "repeat_interleave: repeats must be non-negative, got -1");
  EXPECT_XG_ERROR(x.movedim({0, 1}, {1}), "movedim: source and destination must have the same number of dims, got 2 and 1");
  EXPECT_XG_ERROR(x.movedim({0, 0}, {0, 1}), "movedim: dim 0 appears more than once");
  EXPECT_XG_ERROR(xg::norm(x, -1), "norm: p must be 0, positive or infinite, got -1");
  EXPECT_XG_ERROR(xg::norm(xg::zeros({2}, xg::kInt64)), "norm: expected a float tensor, got int64");
  EXPECT_XG_ERROR(xg::std(xg::zeros({1}), {}, false, 1), "std: 1 elements with ddof 1 leave no degrees of freedom");
  EXPECT_XG_ERROR(xg::dot(xg::zeros({3}), xg::zeros({4})), "dot: expected two 1-D tensors of one length, got (3,) and (4,)");
  EXPECT_XG_ERROR(xg::outer(xg::zeros({3, 1}), xg::zeros({4})), "outer: expected two 1-D tensors, got (3,1) and (4,)");
  EXPECT_XG_ERROR(xg::rsqrt(xg::zeros({2}, xg::kInt64)), "rsqrt: expected a float tensor, got int64");
}
