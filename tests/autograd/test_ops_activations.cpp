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

namespace {
// Runs f with n threads, then puts the count back.
template <class F>
auto with_threads(int n, F f) {
  const int before = xg::get_num_threads();
  xg::set_num_threads(n);
  auto r = f();
  xg::set_num_threads(before);
  return r;
}

// A tensor's gradient of sum(f(x) * gy), taken by the kernels (no graph) or, with
// create_graph, by the composed backward rule that higher orders differentiate.
xg::Tensor gradient(const std::function<xg::Tensor(const xg::Tensor&)>& f, const xg::Tensor& x, const xg::Tensor& gy,
                    bool create_graph) {
  auto v = x.detach().requires_grad_();
  return xg::grad({(f(v) * gy).sum()}, {v}, {}, create_graph, create_graph)[0].detach();
}
}  // namespace

TEST(Activations, GeluKernelsMatchTheirComposedRuleInEveryDtypeAndThreadCount) {
  // 1,003 values over [-9, 9]: the vector loop and its scalar tail, both forms.
  const auto x64 = xg::arange(0, 1003, 1, xg::kFloat64) * (18.0 / 1002) - 9.0, gy = xg::sin(x64 * 3.0);
  for (const std::string form : {"none", "tanh"}) {
    SCOPED_TRACE(form);
    const auto f = [form](const xg::Tensor& v) { return xg::gelu(v, form); };
    // The kernels' gradient against the composed rule's (the one gradgradcheck checks).
    EXPECT_LT(max_abs_diff(gradient(f, x64, gy, false), gradient(f, x64, gy, true)), 1e-14);
    // float32's vector erf, exp and tanh against float64.
    const auto x32 = x64.to(xg::kFloat32);
    EXPECT_LT(max_abs_diff(f(x32).to(xg::kFloat64), f(x64)), 2e-6);
    EXPECT_LT(max_abs_diff(gradient(f, x32, gy.to(xg::kFloat32), false).to(xg::kFloat64), gradient(f, x64, gy, false)), 2e-6);
    // The same bits on one thread and two (chunks start where the vector loop would).
    const auto big = xg::randn({300001});
    const auto one = with_threads(1, [&] { return f(big); }), two = with_threads(2, [&] { return f(big); });
    EXPECT_EQ(max_abs_diff(one, two), 0.0);
  }
  // Infinities and NaN as PyTorch 1.13: gelu(-inf) = NaN (x Φ(x) is -inf · 0), gelu(inf) = inf,
  // far in the left tail 0; the gradient NaN at the infinities.
  const auto edge = xg::tensor({-INFINITY, INFINITY, NAN, -30.0f}).requires_grad_();
  for (const std::string form : {"none", "tanh"}) {
    SCOPED_TRACE(form);
    const auto y = xg::gelu(edge, form).to_vector<float>();
    EXPECT_TRUE(std::isnan(y[0]));
    EXPECT_EQ(y[1], INFINITY);
    EXPECT_TRUE(std::isnan(y[2]));
    EXPECT_EQ(std::fabs(y[3]), 0.0f);
    const auto g = xg::grad({xg::gelu(edge, form).sum()}, {edge})[0].to_vector<float>();
    EXPECT_TRUE(std::isnan(g[0]) && std::isnan(g[1]) && std::isnan(g[2]));
    EXPECT_EQ(g[3], 0.0f);
  }
  EXPECT_XG_ERROR(xg::gelu(xg::ones({2}, xg::kInt64)), "gelu: expected a float tensor, got int64");
}

TEST(LayerNorm, FusedKernelsMatchTheComposedFormAndOneThread) {
  xg::manual_seed(8);
  const auto x = xg::randn({37, 3, 50}, xg::kFloat64) * 3.0 + 1.0;
  const auto w = xg::randn({3, 50}, xg::kFloat64), b = xg::randn({3, 50}, xg::kFloat64);
  const auto gy = xg::randn({37, 3, 50}, xg::kFloat64);
  // Every combination of weight and bias: the kernels' gradients against the composed form's
  // (the higher-order path, built with create_graph).
  for (int affine = 0; affine < 4; ++affine) {
    SCOPED_TRACE(affine);
    const auto wa = (affine & 1) ? w.detach().requires_grad_() : xg::Tensor();
    const auto ba = (affine & 2) ? b.detach().requires_grad_() : xg::Tensor();
    auto xk = x.detach().requires_grad_(), xc = x.detach().requires_grad_();
    const auto yk = xg::layer_norm(xk, {3, 50}, wa, ba);
    xg::tensor_list in_k{xk}, in_c{xc};
    if (wa.defined()) in_k.push_back(wa), in_c.push_back(wa);
    if (ba.defined()) in_k.push_back(ba), in_c.push_back(ba);
    const auto gk = xg::grad({(yk * gy).sum()}, in_k);
    const auto gc = xg::grad({(xg::layer_norm(xc, {3, 50}, wa, ba) * gy).sum()}, in_c, {}, true, true);
    ASSERT_EQ(gk.size(), gc.size());
    for (std::size_t i = 0; i < gk.size(); ++i) EXPECT_LT(max_abs_diff(gk[i], gc[i]), 1e-12) << "input " << i;
    // The values: mean 0 and variance var / (var + eps) per row before the affine part.
    if (affine == 0) {
      EXPECT_LT(yk.mean({1, 2}).abs().max().item(), 1e-13);
      EXPECT_NEAR(yk.var({1, 2}).min().item(), 1.0, 1e-4);
    }
  }
  // float32 against float64, and the same bits on one thread and two (rows split; the weight
  // and bias gradients' column sums split by column).
  const auto x32 = xg::randn({4096, 96}) * 10.0, w32 = xg::randn({96}).requires_grad_(), b32 = xg::randn({96}).requires_grad_();
  const auto run = [&] {
    auto v = x32.detach().requires_grad_();
    auto y = xg::layer_norm(v, {96}, w32, b32);
    const auto g = xg::grad({(y * y).sum()}, {v, w32, b32});
    return xg::tensor_list{y, g[0], g[1], g[2]};
  };
  const auto one = with_threads(1, run), two = with_threads(2, run);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(max_abs_diff(one[i], two[i]), 0.0) << i;
  const auto y64 = xg::layer_norm(x32.to(xg::kFloat64), {96}, w32.detach().to(xg::kFloat64), b32.detach().to(xg::kFloat64));
  EXPECT_LT(max_abs_diff(one[0].to(xg::kFloat64), y64), 1e-5);
  // Mixed dtypes take the composed form; empty inputs give empty results (no rows, or rows of
  // nothing), as PyTorch's (the composed form failed on them: "max: cannot reduce an empty tensor").
  EXPECT_EQ(xg::layer_norm(x32.narrow(0, 0, 2).to(xg::kFloat64), {96}, w32).dtype(), xg::kFloat64);
  for (const xg::Shape& shape : {xg::Shape{0, 5}, xg::Shape{3, 0}}) {
    auto e = xg::zeros(shape).requires_grad_();
    auto y = xg::layer_norm(e, {shape[1]}, xg::ones({shape[1]}).requires_grad_());
    EXPECT_EQ(y.shape(), shape);
    y.sum().backward();
    EXPECT_EQ(e.grad().shape(), shape);
  }
  // gradcheck and gradgradcheck through the fused node with weight only.
  const auto f = [](L v) { return xg::layer_norm(v[0], {4}, v[1]); };
  EXPECT_TRUE(gradcheck_ok(f, {randp({3, 4}), randp({4})}));
  EXPECT_TRUE(gradgradcheck_ok(f, {randp({3, 4}), randp({4})}));
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
  // Subnormal float32 rows (scale below 2^-127, whose inverse overflows: the kernel divides
  // there instead of multiplying) give float64's values and gradient.
  const auto sub = (v * 1e-39f).requires_grad_(), sub64 = sub.detach().to(xg::kFloat64).requires_grad_();
  const auto y_sub = xg::layer_norm(sub, {4}), y_sub64 = xg::layer_norm(sub64, {4});
  const double top = y_sub64.abs().max().item();
  ASSERT_GT(top, 0.0);
  EXPECT_LT(xg::test::max_abs_diff(y_sub.to(xg::kFloat64), y_sub64), 1e-5 * top);
  const auto w_sub = xg::tensor({{0.3, -1, 2, 0.1}});
  const auto g_sub = xg::grad({(y_sub * w_sub).sum()}, {sub})[0], g_sub64 = xg::grad({(y_sub64 * w_sub).sum()}, {sub64})[0];
  EXPECT_LT(xg::test::max_abs_diff(g_sub.to(xg::kFloat64), g_sub64), 1e-5 * g_sub64.abs().max().item());
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
