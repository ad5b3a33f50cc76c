// GELU, SiLU, ELU, log1p, expm1, erf, layer_norm and dropout: values and gradients against
// PyTorch (tests/fixtures/torch_activations.npz, scripts/make_recurrent_fixtures.py),
// closed forms, float64 gradcheck and gradgradcheck, and the errors.
#include <cmath>

#include "test_util.h"

using xg::test::fixture;
using xg::test::max_abs_diff;
using xg::test::randp;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_activations.npz";

// y and the gradient of sum(y * gy) against PyTorch's, to float64 rounding.
void expect_matches_torch(const std::string& name, const std::function<xg::Tensor(const xg::Tensor&)>& f) {
  SCOPED_TRACE(name);
  auto x = fixture(kFile, "x").detach().requires_grad_();
  auto y = f(x);
  EXPECT_LT(max_abs_diff(y, fixture(kFile, name + ".y")), 1e-12);
  (y * fixture(kFile, name + ".gy")).sum().backward();
  EXPECT_LT(max_abs_diff(x.grad(), fixture(kFile, name + ".gx")), 1e-12);
}
}  // namespace

TEST(Activations, MatchPyTorch) {
  expect_matches_torch("gelu", [](const xg::Tensor& x) { return xg::gelu(x); });
  expect_matches_torch("gelu_tanh", [](const xg::Tensor& x) { return xg::gelu(x, "tanh"); });
  expect_matches_torch("silu", [](const xg::Tensor& x) { return xg::silu(x); });
  expect_matches_torch("elu", [](const xg::Tensor& x) { return xg::elu(x, 0.7); });
  expect_matches_torch("log1p", [](const xg::Tensor& x) { return xg::log1p(x.abs()); });
  expect_matches_torch("expm1", [](const xg::Tensor& x) { return xg::expm1(x); });
  expect_matches_torch("erf", [](const xg::Tensor& x) { return xg::erf(x); });
}

TEST(Activations, ClosedFormsAndAccuracyNearZero) {
  auto x = xg::tensor({-1.0, 0.0, 1e-10, 2.0}, xg::kFloat64);
  EXPECT_TRUE(values_near(xg::erf(x), {std::erf(-1.0), 0, std::erf(1e-10), std::erf(2.0)}, 1e-15));
  // log(1 + 1e-10) - 1e-10 is lost in 1 + x; log1p and expm1 keep it.
  EXPECT_EQ(xg::log1p(x).to_vector<double>()[2], std::log1p(1e-10));
  EXPECT_EQ(xg::expm1(x).to_vector<double>()[2], std::expm1(1e-10));
  EXPECT_TRUE(values_near(xg::silu(x), {-1 / (1 + std::exp(1.0)), 0, 0.5e-10, 2 / (1 + std::exp(-2.0))}, 1e-15));
  EXPECT_TRUE(values_near(xg::elu(x, 2.0), {2 * std::expm1(-1.0), 0, 1e-10, 2}, 1e-15));
  EXPECT_TRUE(values_near(xg::gelu(xg::tensor({1.0}, xg::kFloat64)), {0.5 * (1 + std::erf(1 / std::sqrt(2.0)))}, 1e-15));
  EXPECT_EQ(xg::gelu(xg::ones({2})).dtype(), xg::kFloat32);
}

TEST(Activations, GradcheckAndGradgradcheck) {
  xg::manual_seed(4);
  auto x = randp({3, 4});
  auto pos = (xg::rand({3, 4}, xg::kFloat64) + 0.1).detach().requires_grad_();
  for (const auto& [name, f] : std::vector<std::pair<std::string, std::function<xg::Tensor(L)>>>{
           {"gelu", [](L v) { return xg::gelu(v[0]); }},
           {"gelu_tanh", [](L v) { return xg::gelu(v[0], "tanh"); }},
           {"silu", [](L v) { return xg::silu(v[0]); }},
           {"elu", [](L v) { return xg::elu(v[0], 0.7); }},
           {"expm1", [](L v) { return xg::expm1(v[0]); }},
           {"erf", [](L v) { return xg::erf(v[0]); }}}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(gradcheck_ok(f, {x}));
    EXPECT_TRUE(gradgradcheck_ok(f, {x}));
  }
  const auto log1p = [](L v) { return xg::log1p(v[0]); };
  EXPECT_TRUE(gradcheck_ok(log1p, {pos}));
  EXPECT_TRUE(gradgradcheck_ok(log1p, {pos}));
}

TEST(Activations, Errors) {
  EXPECT_XG_ERROR(xg::gelu(xg::ones({2}), "exact"), "gelu: approximate must be \"none\" or \"tanh\", got \"exact\"");
  EXPECT_XG_ERROR(xg::nn::GELU("fast"), "GELU: approximate must be");
  EXPECT_XG_ERROR(xg::erf(xg::ones({2}, xg::kInt64)), "erf");
}

TEST(Activations, Modules) {
  auto x = xg::tensor({-1.0, 0.5}, xg::kFloat64);
  EXPECT_TRUE(values_near(xg::nn::GELU("tanh")(x), xg::gelu(x, "tanh").to_vector<double>(), 0));
  EXPECT_TRUE(values_near(xg::nn::SiLU()(x), xg::silu(x).to_vector<double>(), 0));
  EXPECT_TRUE(values_near(xg::nn::ELU(0.5)(x), {0.5 * std::expm1(-1.0), 0.5}, 1e-15));
  EXPECT_EQ(xg::nn::GELU().type_name(), "GELU");
}

TEST(LayerNorm, MatchesPyTorch) {
  auto x = fixture(kFile, "x").detach().requires_grad_();
  auto w = fixture(kFile, "layer_norm.w").detach().requires_grad_();
  auto b = fixture(kFile, "layer_norm.b").detach().requires_grad_();
  auto y = xg::layer_norm(x, {4, 5}, w, b, 1e-5);
  EXPECT_LT(max_abs_diff(y, fixture(kFile, "layer_norm.y")), 1e-12);
  (y * fixture(kFile, "layer_norm.gy")).sum().backward();
  EXPECT_LT(max_abs_diff(x.grad(), fixture(kFile, "layer_norm.gx")), 1e-11);
  EXPECT_LT(max_abs_diff(w.grad(), fixture(kFile, "layer_norm.gw")), 1e-12);
  EXPECT_LT(max_abs_diff(b.grad(), fixture(kFile, "layer_norm.gb")), 1e-12);
}

TEST(LayerNorm, NormalisesTrailingAxesAndChecks) {
  xg::manual_seed(5);
  auto x = randp({2, 3, 4});
  const auto f = [](L v) { return xg::layer_norm(v[0], {4}, v[1], v[2]); };
  auto w = randp({4}), b = randp({4});
  EXPECT_TRUE(gradcheck_ok(f, {x, w, b}));
  EXPECT_TRUE(gradgradcheck_ok(f, {x, w, b}));
  auto y = xg::layer_norm(x, {3, 4});  // no affine: mean 0, biased variance 1 per sample
  EXPECT_LT(y.mean({1, 2}).abs().max().item(), 1e-12);
  EXPECT_NEAR(y.var({1, 2}).min().item(), 1.0, 1e-4);  // var / (var + eps)

  xg::nn::LayerNorm ln({4}, 1e-5, true, xg::kFloat64);
  EXPECT_EQ(ln.named_parameters()[0].first, "gamma");
  EXPECT_TRUE(values_near(ln(x), xg::layer_norm(x, {4}).to_vector<double>(), 1e-15));
  EXPECT_EQ(xg::nn::LayerNorm({4}, 1e-5, false).parameters().size(), 0u);
  EXPECT_XG_ERROR(xg::layer_norm(x, {3}), "layer_norm: normalized_shape (3,) must be the trailing axes of the input (2,3,4)");
  EXPECT_XG_ERROR(xg::layer_norm(x, {4}, xg::ones({3}, xg::kFloat64)), "layer_norm: weight has shape (3,), expected normalized_shape (4,)");
  EXPECT_XG_ERROR(ln(xg::ones({4, 3})), "LayerNorm: expected an input ending in (4,), got (4,3)");
  EXPECT_XG_ERROR(xg::nn::LayerNorm({}), "LayerNorm: normalized_shape must not be empty");
}

TEST(LayerNorm, HugeValuesDoNotOverflowIntoAPlausibleZero) {
  // (x - mean)^2 overflowed float32 above about 1.8e19: the variance became inf and the
  // output 0. Layer normalisation is scale-free, so 1e20·v normalises as v does.
  const auto v = xg::tensor({{1, -1, 3, 0.5}});
  const auto expected = xg::layer_norm(v, {4}, {}, {}, 0.0f + 1e-30).to_vector<float>();
  for (double scale : {1e20, 1e30, 1e38}) {
    const auto y = xg::layer_norm(v * scale, {4}).to_vector<float>();
    for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], expected[i], 1e-5) << "scale " << scale;
  }
  const auto big = xg::layer_norm(xg::tensor({{1e200, -1e200, 3e200, 5e199}}, xg::kFloat64), {4}).to_vector<double>();
  EXPECT_NEAR(big[2], expected[2], 1e-6);
  // Tiny values: eps dominates, as in the plain formula.
  EXPECT_LT(xg::layer_norm(v * 1e-30, {4}).abs().max().item(), 1e-20);
  // inf gives NaN, as PyTorch; a constant row gives 0.
  const auto inf = xg::layer_norm(xg::tensor({{1, INFINITY, 2, 3}}), {4}).to_vector<float>();
  EXPECT_TRUE(std::isnan(inf[1]));
  EXPECT_EQ(xg::layer_norm(xg::full({2, 3}, 7.0), {3}).abs().max().item(), 0.0);
  // Gradients of a huge input: finite and those of the unit-scale input, divided by the scale.
  auto xb = (v.to(xg::kFloat64) * 1e200).requires_grad_();
  auto xs = v.to(xg::kFloat64).requires_grad_();
  const auto w = xg::tensor({{0.3, -1, 2, 0.1}}, xg::kFloat64);
  (xg::layer_norm(xb, {4}, {}, {}, 0.0 + 1e-300) * w).sum().backward();
  (xg::layer_norm(xs, {4}, {}, {}, 0.0 + 1e-300) * w).sum().backward();
  EXPECT_LT(xg::test::max_abs_diff(xb.grad() * 1e200, xs.grad()), 1e-12);
}

TEST(Dropout, FunctionScalesKeptElementsAndIsIdentityInEval) {
  xg::manual_seed(6);
  auto x = xg::ones({100, 100}, xg::kFloat64).requires_grad_();
  auto y = xg::dropout(x, 0.3, true);
  const auto v = y.to_vector<double>();
  double kept = 0;
  for (double e : v) {
    EXPECT_TRUE(e == 0 || std::fabs(e - 1 / 0.7) < 1e-12);
    kept += e != 0;
  }
  EXPECT_NEAR(kept / 1e4, 0.7, 0.02);
  y.sum().backward();  // the gradient is the same mask, scaled
  EXPECT_TRUE(values_near(x.grad(), v, 1e-12));
  EXPECT_TRUE(values_near(xg::dropout(x, 0.3, false), std::vector<double>(10000, 1.0), 0));
  EXPECT_EQ(xg::dropout(x, 1.0).abs().sum().item(), 0.0);
  EXPECT_XG_ERROR(xg::dropout(x, 1.5), "dropout: probability must be in [0, 1], got 1.5");
}
