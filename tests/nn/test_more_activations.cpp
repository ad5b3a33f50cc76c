// SELU, CELU, Mish, Hardswish, Hardsigmoid, Softsign, PReLU; F::normalize, cosine_similarity,
// pairwise_distance; smooth L1 and KL divergence: values and gradients against PyTorch
// (tests/fixtures/torch_activations.npz), float64 gradcheck and gradgradcheck, PyTorch's
// gradient at a zero vector, the modules and functional forms, and errors.
#include <cmath>

#include "test_util.h"

using xg::test::max_abs_diff;
using xg::test::randp;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;
namespace F = xg::nn::functional;

namespace {

xg::Tensor fx(const std::string& key) { return xg::test::fixture("torch_activations.npz", key); }

void expect_unary(const std::string& name, const std::function<xg::Tensor(const xg::Tensor&)>& f,
                  double grad_tol = 1e-12) {
  SCOPED_TRACE(name);
  auto x = fx("x").detach().requires_grad_();
  const auto y = f(x);
  EXPECT_LT(max_abs_diff(y, fx(name + ".y")), 1e-12);
  EXPECT_LT(max_abs_diff(xg::grad({(y * fx(name + ".gy")).sum()}, {x})[0], fx(name + ".gx")), grad_tol);
}

// `nan_ok`: where PyTorch's second gradient is NaN, ours must be finite (kl_div's target
// gradient at a zero target: see MoreActivations.ModulesFunctionalFormsAndErrors).
void expect_pair(const std::string& name, const std::function<xg::Tensor(L)>& f, bool nan_ok = false) {
  SCOPED_TRACE(name);
  xg::tensor_list in{fx(name + ".in0").requires_grad_(), fx(name + ".in1").requires_grad_()};
  const auto y = f(in);
  EXPECT_LT(max_abs_diff(y, fx(name + ".y")), 1e-12);
  const auto g = xg::grad({(y * fx(name + ".gy")).sum()}, in);
  EXPECT_LT(max_abs_diff(g[0], fx(name + ".g0")), 1e-12);
  const auto ours = g[1].to_vector<double>(), theirs = fx(name + ".g1").to_vector<double>();
  ASSERT_EQ(ours.size(), theirs.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    if (nan_ok && std::isnan(theirs[i])) EXPECT_TRUE(std::isfinite(ours[i])) << i;
    else EXPECT_NEAR(ours[i], theirs[i], 1e-12) << i;
  }
}

}  // namespace

TEST(MoreActivations, MatchPyTorch) {
  expect_unary("selu", [](const xg::Tensor& x) { return xg::selu(x); });
  // PyTorch 1.13's CPU backward of celu and hardsigmoid rounds its constants (1/alpha, 1/6)
  // to float32 even in float64 (measured: 5e-9 off the exact derivative); ours are exact
  // (gradcheck below), so those two gradients agree to float32's constants only.
  expect_unary("celu", [](const xg::Tensor& x) { return xg::celu(x, 0.7); }, 1e-7);
  expect_unary("mish", [](const xg::Tensor& x) { return xg::mish(x); });
  expect_unary("hardswish", [](const xg::Tensor& x) { return xg::hardswish(x); });
  expect_unary("hardsigmoid", [](const xg::Tensor& x) { return xg::hardsigmoid(x); }, 1e-7);
  expect_unary("softsign", [](const xg::Tensor& x) { return xg::softsign(x); });
  expect_unary("normalize", [](const xg::Tensor& x) { return F::normalize(x, F::NormalizeFuncOptions().dim(1)); });
  expect_unary("normalize_p3", [](const xg::Tensor& x) { return F::normalize(x, F::NormalizeFuncOptions().p(3).dim(-1)); });
  expect_pair("prelu", [](L v) { return xg::prelu(v[0], v[1]); });
  expect_pair("cosine_similarity", [](L v) { return F::cosine_similarity(v[0], v[1]); });
  expect_pair("pairwise_distance", [](L v) { return F::pairwise_distance(v[0], v[1]); });
  expect_pair("pairwise_distance_p3",
              [](L v) { return F::pairwise_distance(v[0], v[1], F::PairwiseDistanceFuncOptions().p(3).keepdim(true)); });
  expect_pair("smooth_l1_loss", [](L v) { return F::smooth_l1_loss(v[0], v[1], F::SmoothL1LossFuncOptions().beta(0.5)); });
  expect_pair("kl_div_batchmean", [](L v) { return F::kl_div(v[0], v[1], F::KLDivFuncOptions().reduction(xg::kBatchMean)); },
              true);
  expect_pair("kl_div_log_target",
              [](L v) { return F::kl_div(v[0], v[1], F::KLDivFuncOptions().reduction(xg::kSum).log_target(true)); });
}

TEST(MoreActivations, GradcheckAndGradgradcheck) {
  xg::manual_seed(21);
  const auto x = randp({3, 4});  // standard normals: away from Hardswish's seams at ±3
  for (const auto& [name, f] : std::vector<std::pair<std::string, std::function<xg::Tensor(L)>>>{
           {"selu", [](L v) { return xg::selu(v[0]); }},
           {"celu", [](L v) { return xg::celu(v[0], 0.7); }},
           {"mish", [](L v) { return xg::mish(v[0]); }},
           {"hardswish", [](L v) { return xg::hardswish(v[0]); }},
           {"softsign", [](L v) { return xg::softsign(v[0]); }},
           {"hardsigmoid", [](L v) { return xg::hardsigmoid(v[0]); }},
           {"normalize", [](L v) { return F::normalize(v[0]); }},
           {"cosine_similarity", [](L v) { return F::cosine_similarity(v[0], v[0] * v[0] + 1.0); }}}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(gradcheck_ok(f, {x}));
    EXPECT_TRUE(gradgradcheck_ok(f, {x}));
  }
  const auto prelu = [](L v) { return xg::prelu(v[0], v[1]); };
  EXPECT_TRUE(gradcheck_ok(prelu, {x, randp({4})}));
  EXPECT_TRUE(gradgradcheck_ok(prelu, {x, randp({4})}));
  // smooth L1 on both sides of its seam at beta (residuals of standard normals) and with a
  // target broadcast from one row, as the elementwise parts allow.
  const auto smooth = [](L v) {
    return F::smooth_l1_loss(v[0], v[1] * xg::ones_like(v[0]), F::SmoothL1LossFuncOptions().beta(0.5).reduction(xg::kSum));
  };
  EXPECT_TRUE(gradcheck_ok(smooth, {x, randp({1, 4})}));
  EXPECT_TRUE(gradgradcheck_ok(smooth, {x, randp({1, 4})}));
  const auto kl = [](L v) {
    return F::kl_div(xg::log_softmax(v[0], 1), xg::softmax(v[1], 1), F::KLDivFuncOptions().reduction(xg::kBatchMean));
  };
  EXPECT_TRUE(gradcheck_ok(kl, {x, randp({3, 4})}));
  EXPECT_TRUE(gradgradcheck_ok(kl, {x, randp({3, 4})}));
  const auto dist = [](L v) { return F::pairwise_distance(v[0], v[1], F::PairwiseDistanceFuncOptions().p(3)); };
  EXPECT_TRUE(gradcheck_ok(dist, {x, randp({3, 4})}));
  EXPECT_TRUE(gradgradcheck_ok(dist, {x, randp({3, 4})}));
}

TEST(MoreActivations, ZeroVectorsGetPyTorchsGradientNotNaN) {
  // PyTorch 1.13: normalize's gradient at a zero row is 1/eps per element, cosine
  // similarity's x2 / (eps ‖x2‖), and a norm's own gradient there is 0.
  auto z = xg::zeros({2, 3}, xg::kFloat64).requires_grad_();
  F::normalize(z).sum().backward();
  EXPECT_TRUE(xg::test::values_near(z.grad(), std::vector<double>(6, 1e12), 1e-3));
  auto z2 = xg::zeros({2, 3}, xg::kFloat64).requires_grad_();
  F::cosine_similarity(z2, xg::ones({2, 3}, xg::kFloat64)).sum().backward();
  EXPECT_TRUE(xg::test::values_near(z2.grad(), std::vector<double>(6, 1 / (1e-8 * std::sqrt(3.0))), 1e-2));
  EXPECT_EQ(F::normalize(xg::zeros({2, 3})).abs().sum().item(), 0.0);
}

TEST(MoreActivations, ModulesFunctionalFormsAndErrors) {
  const auto x = xg::tensor({{-4.0, -1.0, 0.5, 3.5}}, xg::kFloat64);
  EXPECT_TRUE(xg::test::values_near(xg::nn::Hardswish()(x), {0, -1.0 / 3, 0.5 * 3.5 / 6, 3.5}, 1e-15));
  EXPECT_TRUE(xg::test::values_near(xg::nn::Hardsigmoid()(x), {0, 2.0 / 6, 3.5 / 6, 1}, 1e-15));
  EXPECT_TRUE(xg::test::values_near(xg::nn::Softsign()(x), {-0.8, -0.5, 0.5 / 1.5, 3.5 / 4.5}, 1e-15));
  EXPECT_TRUE(xg::test::values_near(xg::nn::CELU(xg::nn::CELUOptions().alpha(2.0))(x), {2 * std::expm1(-2.0), 2 * std::expm1(-0.5), 0.5, 3.5}, 1e-15));
  EXPECT_EQ(max_abs_diff(xg::nn::SELU()(x), F::selu(x)), 0.0);
  EXPECT_EQ(max_abs_diff(xg::nn::Mish()(x), F::mish(x)), 0.0);
  xg::nn::PReLU one;  // one slope, 0.25
  EXPECT_EQ(one.named_parameters()[0].first, "W");
  EXPECT_TRUE(xg::test::values_near(one(x.to(xg::kFloat32)), {-1, -0.25, 0.5, 3.5}, 1e-7));
  xg::nn::PReLU per_channel(xg::nn::PReLUOptions().num_parameters(4).init(0.1).dtype(xg::kFloat64));
  EXPECT_TRUE(xg::test::values_near(per_channel(x), {-0.4, -0.1, 0.5, 3.5}, 1e-15));
  xg::nn::SmoothL1Loss loss(xg::nn::SmoothL1LossOptions().beta(2.0).reduction(xg::kSum));
  EXPECT_NEAR(loss(xg::tensor({0.0, 3.0}, xg::kFloat64), xg::tensor({1.0, 0.0}, xg::kFloat64)).item(), 0.25 + 2.0, 1e-15);
  // KL divergence: 0 for equal distributions; the mean divides by every element, batchmean
  // by the batch; a zero target contributes 0 (not NaN) to the value and the gradients.
  const auto p = xg::softmax(xg::tensor({{1.0, 2.0, 0.5}, {0.0, -1.0, 3.0}}, xg::kFloat64), 1);
  EXPECT_NEAR(xg::nn::KLDivLoss(xg::nn::KLDivLossOptions().reduction(xg::kBatchMean))(xg::log(p), p).item(), 0.0, 1e-15);
  const auto q = xg::tensor({{0.5, 0.5, 0.0}, {0.25, 0.25, 0.5}}, xg::kFloat64).requires_grad_();
  const auto logp = xg::log(p).detach().requires_grad_();
  const auto sum = F::kl_div(logp, q, F::KLDivFuncOptions().reduction(xg::kSum));
  EXPECT_NEAR(F::kl_div(logp, q).item(), sum.item() / 6, 1e-15);
  EXPECT_NEAR(F::kl_div(logp, q, F::KLDivFuncOptions().reduction(xg::kBatchMean)).item(), sum.item() / 2, 1e-15);
  // At a zero target, t log t is a constant 0: the target's gradient there is -input's
  // (PyTorch 1.13 gives NaN: t log t's derivative is -inf at 0), the input's 0.
  const auto g = xg::grad({sum}, {logp, q});
  EXPECT_EQ(g[1].to_vector<double>()[2], -logp.to_vector<double>()[2]);
  EXPECT_EQ(g[0].to_vector<double>()[2], 0.0);
  EXPECT_XG_ERROR(F::kl_div(logp, q.narrow(0, 0, 1)), "kl_div: prediction (2,3) and target (1,3) differ in shape");
  EXPECT_XG_ERROR(xg::prelu(xg::zeros({2, 3}), xg::ones({4})), "prelu: 4 weights need 4 channels on axis 1 of the input, got (2,3)");
  EXPECT_XG_ERROR(xg::celu(x, 0.0), "celu: alpha must not be 0");
  // An int64 input names the function called, not the operation it is composed of.
  const auto ints = xg::ones({2, 3}, xg::kInt64);
  EXPECT_XG_ERROR(xg::selu(ints), "selu: expected a float tensor, got int64");
  EXPECT_XG_ERROR(xg::mish(ints), "mish: expected a float tensor, got int64");
  EXPECT_XG_ERROR(xg::hardswish(ints), "hardswish: expected a float tensor, got int64");
  EXPECT_XG_ERROR(xg::hardsigmoid(ints), "hardsigmoid: expected a float tensor, got int64");
  EXPECT_XG_ERROR(xg::softsign(ints), "softsign: expected a float tensor, got int64");
  EXPECT_XG_ERROR(xg::celu(ints), "celu: expected a float tensor, got int64");
  EXPECT_XG_ERROR(xg::prelu(ints, xg::ones({1})), "prelu: expected a float tensor, got int64");
  EXPECT_XG_ERROR(F::normalize(ints), "normalize: expected float tensors, got int64");
  EXPECT_XG_ERROR(F::cosine_similarity(ints, ints), "cosine_similarity: expected float tensors, got int64");
  EXPECT_XG_ERROR(F::pairwise_distance(x, ints.narrow(0, 0, 1)), "pairwise_distance: expected float tensors, got int64");
  EXPECT_XG_ERROR(xg::nn::PReLU(xg::nn::PReLUOptions().num_parameters(0)), "PReLU: num_parameters must be positive, got 0");
  EXPECT_XG_ERROR(F::normalize(x, F::NormalizeFuncOptions().dim(2)), "normalize: dim 2 is out of range for a 2-D input (1,4)");
  EXPECT_XG_ERROR(F::normalize(x, F::NormalizeFuncOptions().p(0)), "normalize: p must be positive (or infinity), got 0");
  EXPECT_XG_ERROR(F::smooth_l1_loss(x, x, F::SmoothL1LossFuncOptions().beta(0)), "smooth_l1_loss: beta must be positive, got 0");
  EXPECT_XG_ERROR(F::smooth_l1_loss(x, xg::zeros({4}, xg::kFloat64)), "smooth_l1_loss");
}
