// Hardtanh, ReLU6, LogSigmoid, Tanhshrink, Softshrink, Hardshrink, Threshold, GLU, Softmin and
// LogSoftmax: values and gradients against PyTorch 1.13 (torch_activations.npz, act.*),
// gradcheck and gradgradcheck, PyTorch's gradient at the bounds, modules, functional forms
// and errors.
#include "test_util.h"

using xg::test::max_abs_diff;
using xg::test::randp;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;
namespace F = xg::nn::functional;
namespace nn = xg::nn;

namespace {

xg::Tensor fx(const std::string& key) { return xg::test::fixture("torch_activations.npz", key); }

// The functions under test, by fixture name.
const std::vector<std::pair<const char*, std::function<xg::Tensor(const xg::Tensor&)>>>& cases() {
  static const std::vector<std::pair<const char*, std::function<xg::Tensor(const xg::Tensor&)>>> all{
      {"hardtanh", [](const xg::Tensor& x) { return F::hardtanh(x, F::HardtanhFuncOptions().min_val(-0.7).max_val(1.2)); }},
      {"relu6", [](const xg::Tensor& x) { return F::relu6(x); }},
      {"logsigmoid", [](const xg::Tensor& x) { return F::logsigmoid(x); }},
      {"tanhshrink", [](const xg::Tensor& x) { return F::tanhshrink(x); }},
      {"softshrink", [](const xg::Tensor& x) { return F::softshrink(x, 0.3); }},
      {"hardshrink", [](const xg::Tensor& x) { return F::hardshrink(x, F::HardshrinkFuncOptions(0.3)); }},
      {"threshold", [](const xg::Tensor& x) { return F::threshold(x, F::ThresholdFuncOptions(0.1, -2.0)); }},
      {"glu", [](const xg::Tensor& x) { return F::glu(x, 1); }},
      {"softmin", [](const xg::Tensor& x) { return F::softmin(x, 2); }}};
  return all;
}

}  // namespace

TEST(ExtraActivations, MatchPyTorch) {
  for (const auto& [name, f] : cases()) {
    SCOPED_TRACE(name);
    const std::string k = std::string("act.") + name;
    const auto x = fx(k + ".in0").requires_grad_();
    const auto y = f(x);
    EXPECT_LT(max_abs_diff(y, fx(k + ".y")), 1e-12);
    EXPECT_LT(max_abs_diff(xg::grad({(y * fx(k + ".gy")).sum()}, {x})[0], fx(k + ".g0")), 1e-12);
  }
}

TEST(ExtraActivations, GradcheckAndGradgradcheck) {
  xg::manual_seed(61);
  for (const auto& [name, f] : cases()) {
    SCOPED_TRACE(name);
    const auto g = [f = f](L v) { return f(v[0] * 2.0); };
    EXPECT_TRUE(gradcheck_ok(g, {randp({3, 4, 5})}));
    EXPECT_TRUE(gradgradcheck_ok(g, {randp({3, 4, 5})}));
  }
}

TEST(ExtraActivations, ValuesAtTheBoundsAsPyTorch) {
  // PyTorch's hardtanh (and relu6) gradient is 0 at the bounds; softshrink and hardshrink
  // are 0 at ±λ; threshold keeps only x > threshold.
  const auto x = xg::tensor({-1.0, -0.5, 0.0, 0.5, 1.0}, xg::kFloat64).requires_grad_();
  const auto y = xg::hardtanh(x, -1.0, 1.0);
  EXPECT_TRUE(values_near(xg::grad({y.sum()}, {x})[0], {0, 1, 1, 1, 0}, 0));
  EXPECT_TRUE(values_near(xg::relu6(xg::tensor({-1.0, 0.0, 3.0, 6.0, 9.0}, xg::kFloat64)), {0, 0, 3, 6, 6}, 0));
  EXPECT_TRUE(values_near(xg::softshrink(x, 0.5), {-0.5, 0, 0, 0, 0.5}, 0));
  EXPECT_TRUE(values_near(xg::hardshrink(x, 0.5), {-1, 0, 0, 0, 1}, 0));
  EXPECT_TRUE(values_near(xg::threshold(x, 0.0, 7.0), {7, 7, 7, 0.5, 1}, 0));
  // logsigmoid does not overflow for very negative inputs.
  EXPECT_NEAR(xg::logsigmoid(xg::tensor({-1000.0}, xg::kFloat64)).item(), -1000.0, 1e-9);
  EXPECT_TRUE(values_near(xg::glu(xg::tensor({{1.0, 2.0, 0.0, 0.0}}, xg::kFloat64)), {0.5, 1.0}, 1e-15));
}

TEST(ExtraActivations, ModulesAsLibtorch) {
  xg::manual_seed(62);
  const auto x = xg::randn({2, 6, 3}, xg::kFloat64) * 3.0;
  nn::Hardtanh clip(nn::HardtanhOptions().min_val(-2).max_val(2));
  EXPECT_EQ(max_abs_diff(clip(x), xg::hardtanh(x, -2, 2)), 0.0);
  EXPECT_EQ(max_abs_diff(nn::ReLU6()(x), xg::relu6(x)), 0.0);
  EXPECT_EQ(max_abs_diff(nn::LogSigmoid()(x), xg::logsigmoid(x)), 0.0);
  EXPECT_EQ(max_abs_diff(nn::Tanhshrink()(x), xg::tanhshrink(x)), 0.0);
  EXPECT_EQ(max_abs_diff(nn::Softshrink(nn::SoftshrinkOptions(0.7))(x), xg::softshrink(x, 0.7)), 0.0);
  EXPECT_EQ(max_abs_diff(nn::Hardshrink(nn::HardshrinkOptions().lambda(0.7))(x), xg::hardshrink(x, 0.7)), 0.0);
  EXPECT_EQ(max_abs_diff(nn::Threshold(0.5, 9.0)(x), xg::threshold(x, 0.5, 9.0)), 0.0);
  EXPECT_EQ(nn::GLU(nn::GLUOptions(1))(x).shape(), (xg::Shape{2, 3, 3}));
  EXPECT_EQ(max_abs_diff(nn::LogSoftmax(1)(x), xg::log_softmax(x, 1)), 0.0);
  EXPECT_LT(max_abs_diff(nn::Softmin(1)(x).sum({1}), xg::ones({2, 3}, xg::kFloat64)), 1e-15);
  EXPECT_EQ(max_abs_diff(nn::Softmin(nn::SoftminOptions(2))(x), xg::softmax(-x, 2)), 0.0);
}

TEST(ExtraActivations, ErrorsNameTheCall) {
  EXPECT_XG_ERROR(xg::hardtanh(xg::zeros({2}), 1.0, -1.0), "hardtanh: min_val 1 must not exceed max_val -1");
  EXPECT_XG_ERROR(nn::Hardtanh(nn::HardtanhOptions().min_val(3)), "Hardtanh: min_val 3 must not exceed max_val 1");
  EXPECT_XG_ERROR(xg::softshrink(xg::zeros({2}), -0.5), "softshrink: lambda must be non-negative, got -0.5");
  EXPECT_XG_ERROR(nn::Hardshrink(-1.0), "Hardshrink: lambda must be non-negative, got -1");
  EXPECT_XG_ERROR(xg::glu(xg::zeros({2, 3})), "glu: halving dimension must be even, but dimension 1 is size 3 in (2,3)");
  EXPECT_XG_ERROR(xg::glu(xg::zeros({2, 4}), 2), "glu:", "axis 2");
  EXPECT_XG_ERROR(xg::relu6(xg::zeros({2}, xg::kInt64)), "relu6: expected a float tensor, got int64");
  EXPECT_XG_ERROR(xg::threshold(xg::zeros({2}, xg::kInt64), 0, 1), "threshold: expected a float tensor");
}
