// AlphaDropout, FeatureAlphaDropout and gumbel_softmax: their exact affine structure and
// gradients, the statistics they promise (alpha dropout keeps a standard normal input's mean
// and variance, as PyTorch's constants do; the Gumbel-max trick samples softmax(logits)),
// seeded repeatability, gradchecks with the draws fixed, the modules, errors.
#include <cmath>

#include "test_util.h"

using namespace xg;
namespace F = xg::nn::functional;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;

namespace {
constexpr double kAlpha = 1.7580993408473766;
double scale(double p) { return 1.0 / std::sqrt((kAlpha * kAlpha * p + 1.0) * (1.0 - p)); }
}  // namespace

TEST(AlphaDropout, KeptElementsAreScaledDroppedOnesSaturateAndTheMomentsStay) {
  manual_seed(3);
  const double p = 0.2, a = scale(p);
  const Tensor x = randn({400000}, kFloat64).requires_grad_();
  const Tensor y = F::alpha_dropout(x, F::AlphaDropoutFuncOptions().p(p));
  // Every element is a·x + a·α·p (kept) or a·α·(p − 1) (dropped).
  const Tensor kept = (y - (x * a + a * kAlpha * p)).abs() < 1e-12;
  const Tensor dropped = (y - a * kAlpha * (p - 1.0)).abs() < 1e-12;
  EXPECT_EQ((kept.to(kInt64) + dropped.to(kInt64)).min().item(), 1);
  EXPECT_NEAR(dropped.to(kFloat64).mean().item(), p, 0.005);
  // A standard normal input keeps mean 0 and variance 1 (the point of the constants).
  EXPECT_NEAR(y.mean().item(), 0.0, 0.01);
  EXPECT_NEAR(y.var().item(), 1.0, 0.01);
  // The gradient is a where kept, 0 where dropped.
  y.sum().backward();
  EXPECT_LT(max_abs_diff(x.grad(), kept.to(kFloat64) * a), 1e-15);
  // Evaluation, p = 0: the input itself; p = 1: zeros.
  EXPECT_EQ(F::alpha_dropout(x, F::AlphaDropoutFuncOptions().p(p).training(false)).impl(), x.impl());
  EXPECT_EQ(F::alpha_dropout(x, F::AlphaDropoutFuncOptions().p(1.0)).abs().max().item(), 0.0);
  // Seeded: the same draws again.
  manual_seed(3);
  const Tensor again = F::alpha_dropout(randn({400000}, kFloat64), F::AlphaDropoutFuncOptions().p(p));
  EXPECT_EQ(max_abs_diff(again, y), 0);
}

TEST(AlphaDropout, FeatureFormDropsWholeMapsAndTheModulesFollowTrainEval) {
  manual_seed(5);
  const double p = 0.5, a = scale(p);
  const Tensor x = randn({8, 6, 4, 5}, kFloat64);
  nn::FeatureAlphaDropout drop{nn::FeatureAlphaDropoutOptions(p)};
  const Tensor y = drop(x);
  // Per (sample, channel): all kept or all dropped.
  const Tensor dropped = ((y - a * kAlpha * (p - 1.0)).abs() < 1e-12).to(kFloat64).mean({2, 3});
  EXPECT_EQ((dropped * (1.0 - dropped)).abs().max().item(), 0.0);
  EXPECT_GT(dropped.sum().item(), 0.0);
  EXPECT_LT(dropped.sum().item(), 48.0);
  drop.eval();
  EXPECT_EQ(max_abs_diff(drop(x), x), 0);
  nn::AlphaDropout plain(nn::AlphaDropoutOptions(0.1));
  plain.eval();
  EXPECT_EQ(max_abs_diff(plain(x), x), 0);
  plain.train();
  EXPECT_GT(max_abs_diff(plain(x), x), 0);
  // Gradchecks with the draws fixed: reseeded inside the function.
  const auto fixed = [](const tensor_list& v) {
    manual_seed(11);
    return F::feature_alpha_dropout(v[0] * v[0], F::FeatureAlphaDropoutFuncOptions().p(0.3));
  };
  const Tensor v = randn({2, 3, 4}, kFloat64).requires_grad_();
  EXPECT_TRUE(gradcheck_ok(fixed, {v}));
  EXPECT_TRUE(gradgradcheck_ok(fixed, {v}));
  EXPECT_XG_ERROR(F::alpha_dropout(x, F::AlphaDropoutFuncOptions().p(1.5)), "alpha_dropout: dropout probability must be in [0, 1], got 1.5");
  EXPECT_XG_ERROR(F::feature_alpha_dropout(randn({5})), "feature_alpha_dropout: expected an input (N, C, ...) of at least 2 axes, got (5,)");
  EXPECT_XG_ERROR(nn::AlphaDropout(nn::AlphaDropoutOptions(-0.1)), "AlphaDropout: probability must be in [0, 1], got -0.1");
}

TEST(GumbelSoftmax, SamplesTheCategoricalDistributionAndHardIsStraightThrough) {
  manual_seed(7);
  const Tensor logits = tensor({1.0, 0.0, -1.0, 2.0}, kFloat64);
  const Tensor batch = logits.unsqueeze(0).expand({20000, 4}).contiguous();
  const Tensor soft = F::gumbel_softmax(batch, F::GumbelSoftmaxFuncOptions().tau(0.5));
  EXPECT_LT(max_abs_diff(soft.sum(1), ones({20000}, kFloat64)), 1e-12);
  // The Gumbel-max trick: the hard samples' frequencies are softmax(logits).
  const Tensor hard = F::gumbel_softmax(batch, F::GumbelSoftmaxFuncOptions().hard(true));
  EXPECT_EQ(max_abs_diff(hard.sum(1), ones({20000}, kFloat64)), 0);
  EXPECT_LT(max_abs_diff(hard.mean(0), softmax(logits)), 0.015);
  // hard is the soft sample's argmax forward, and the soft sample's gradient backward.
  const Tensor l = randn({3, 5}, kFloat64).requires_grad_(), w = randn({3, 5}, kFloat64);
  manual_seed(9);
  const Tensor s = F::gumbel_softmax(l, F::GumbelSoftmaxFuncOptions().dim(1));
  manual_seed(9);
  const Tensor h = F::gumbel_softmax(l, F::GumbelSoftmaxFuncOptions().dim(1).hard(true));
  EXPECT_EQ(max_abs_diff(h, one_hot(argmax(s, 1), 5).to(kFloat64)), 0);
  const auto gs = grad({(s * w).sum()}, {l})[0], gh = grad({(h * w).sum()}, {l})[0];
  EXPECT_LT(max_abs_diff(gs, gh), 1e-15);
  // Gradchecks with the noise fixed; dim 0.
  const auto fixed = [](const tensor_list& v) {
    manual_seed(13);
    return F::gumbel_softmax(v[0], F::GumbelSoftmaxFuncOptions().tau(0.7).dim(0));
  };
  EXPECT_TRUE(gradcheck_ok(fixed, {randn({4, 3}, kFloat64).requires_grad_()}));
  EXPECT_TRUE(gradgradcheck_ok(fixed, {randn({4, 3}, kFloat64).requires_grad_()}));
  EXPECT_XG_ERROR(F::gumbel_softmax(l, F::GumbelSoftmaxFuncOptions().tau(0)), "gumbel_softmax: tau must be positive and finite, got 0");
  EXPECT_XG_ERROR(F::gumbel_softmax(l, F::GumbelSoftmaxFuncOptions().dim(2)), "gumbel_softmax: dim 2 is out of range for logits of shape (3,5)");
  EXPECT_XG_ERROR(F::gumbel_softmax(zeros({3}, kInt64)), "gumbel_softmax: expected float logits, got int64");
}
