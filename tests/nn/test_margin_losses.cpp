// The ranking, embedding and likelihood losses against PyTorch 1.13 in float64
// (tests/fixtures/torch_margin_losses.npz from scripts/make_margin_loss_fixtures.py): values
// and gradients through the F:: functions and the modules, gradcheck and gradgradcheck away
// from the hinges, PyTorch's edges (a zero vector's cosine, a clamped variance), errors.
#include <cmath>

#include "test_util.h"

namespace F = xg::nn::functional;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {

xg::Tensor fx(const std::string& key) { return xg::test::fixture("torch_margin_losses.npz", key); }

struct Case {
  const char* name;
  std::size_t inputs;
  std::vector<std::size_t> differentiable;  // the inputs PyTorch gives a gradient
  std::function<xg::Tensor(L)> f;
};

// The cases of scripts/make_margin_loss_fixtures.py, in its order; modules and F:: forms mixed.
const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"margin_ranking", 3, {0, 1},
       [](L v) { return xg::nn::MarginRankingLoss(xg::nn::MarginRankingLossOptions().margin(0.3))(v[0], v[1], v[2]); }},
      {"margin_ranking_none", 3, {0, 1},
       [](L v) { return F::margin_ranking_loss(v[0], v[1], v[2], F::MarginRankingLossFuncOptions().reduction(xg::kNone)); }},
      {"hinge_embedding", 2, {0},
       [](L v) { return F::hinge_embedding_loss(v[0], v[1], F::HingeEmbeddingLossFuncOptions().margin(1.5)); }},
      {"soft_margin", 2, {0},
       [](L v) { return xg::nn::SoftMarginLoss(xg::nn::SoftMarginLossOptions().reduction(xg::kSum))(v[0], v[1]); }},
      {"multilabel_soft_margin", 2, {0}, [](L v) { return xg::nn::MultiLabelSoftMarginLoss()(v[0], v[1]); }},
      {"multilabel_soft_margin_weight", 3, {0},
       [](L v) {
         return F::multilabel_soft_margin_loss(
             v[0], v[1], F::MultilabelSoftMarginLossFuncOptions().weight(v[2].detach()).reduction(xg::kNone));
       }},
      {"cosine_embedding", 3, {0, 1},
       [](L v) { return F::cosine_embedding_loss(v[0], v[1], v[2], F::CosineEmbeddingLossFuncOptions().margin(0.2)); }},
      {"cosine_embedding_none", 3, {0, 1},
       [](L v) {
         return xg::nn::CosineEmbeddingLoss(xg::nn::CosineEmbeddingLossOptions().reduction(xg::kNone))(v[0], v[1], v[2]);
       }},
      {"triplet", 3, {0, 1, 2},
       [](L v) { return xg::nn::TripletMarginLoss(xg::nn::TripletMarginLossOptions().margin(2.0))(v[0], v[1], v[2]); }},
      {"triplet_swap_p1", 3, {0, 1, 2},
       [](L v) {
         return F::triplet_margin_loss(v[0], v[1], v[2],
                                       F::TripletMarginLossFuncOptions().p(1).swap(true).reduction(xg::kSum));
       }},
      {"poisson", 2, {0}, [](L v) { return xg::nn::PoissonNLLLoss()(v[0], v[1]); }},
      {"poisson_full", 2, {0},
       [](L v) {
         return F::poisson_nll_loss(v[0], v[1],
                                    F::PoissonNLLLossFuncOptions().log_input(false).full(true).reduction(xg::kNone));
       }},
      {"gaussian", 3, {0, 1, 2}, [](L v) { return xg::nn::GaussianNLLLoss()(v[0], v[1], v[2]); }},
      {"gaussian_rows_full", 3, {0, 2},
       [](L v) { return F::gaussian_nll_loss(v[0], v[1], v[2], F::GaussianNLLLossFuncOptions().full(true).reduction(xg::kSum)); }},
      {"gaussian_unsqueezed", 3, {0, 2},
       [](L v) { return F::gaussian_nll_loss(v[0], v[1], v[2], F::GaussianNLLLossFuncOptions().reduction(xg::kNone)); }},
      {"triplet_distance", 3, {0, 1, 2}, [](L v) { return xg::nn::TripletMarginWithDistanceLoss()(v[0], v[1], v[2]); }},
      {"triplet_distance_cosine_swap", 3, {0, 1, 2},
       [](L v) {
         const auto cosine = [](const xg::Tensor& x, const xg::Tensor& y) { return 1.0 - F::cosine_similarity(x, y); };
         return F::triplet_margin_with_distance_loss(
             v[0], v[1], v[2],
             F::TripletMarginWithDistanceLossFuncOptions().distance_function(cosine).margin(0.5).swap(true).reduction(xg::kNone));
       }}};
  return all;
}

xg::tensor_list inputs_of(const Case& c) {
  xg::tensor_list in;
  for (std::size_t i = 0; i < c.inputs; ++i) {
    auto t = fx(std::string(c.name) + ".in" + std::to_string(i));
    const bool grad = std::find(c.differentiable.begin(), c.differentiable.end(), i) != c.differentiable.end();
    in.push_back(grad ? t.requires_grad_() : t);
  }
  return in;
}

}  // namespace

TEST(MarginLosses, MatchPyTorch) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const std::string k = c.name;
    const xg::tensor_list in = inputs_of(c);
    const auto y = c.f(in);
    ASSERT_EQ(y.shape(), fx(k + ".y").shape());
    // Relative to the values' size: a clamped variance's terms reach 1e12.
    const auto tol = [](const xg::Tensor& ref) { return 1e-12 * (1 + ref.abs().max().item()); };
    EXPECT_LT(max_abs_diff(y, fx(k + ".y")), tol(fx(k + ".y")));
    xg::tensor_list wrt;
    for (auto i : c.differentiable) wrt.push_back(in[i]);
    const auto g = xg::grad({(y * fx(k + ".gy")).sum()}, wrt);
    for (std::size_t j = 0; j < wrt.size(); ++j)
      EXPECT_LT(max_abs_diff(g[j], fx(k + ".g" + std::to_string(c.differentiable[j]))),
                tol(fx(k + ".g" + std::to_string(c.differentiable[j]))))
          << c.differentiable[j];
  }
}

TEST(MarginLosses, GradcheckAndGradgradcheck) {
  // The fixtures' points: the hinges (max(0, .)) sit away from them with probability one.
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    xg::tensor_list in = inputs_of(c);
    // Differentiate the differentiable inputs only; the labels stay fixed.
    const auto f = [&](L v) {
      xg::tensor_list all = in;
      for (std::size_t j = 0; j < c.differentiable.size(); ++j) all[c.differentiable[j]] = v[j];
      return c.f(all);
    };
    xg::tensor_list wrt;
    for (auto i : c.differentiable) wrt.push_back(in[i].detach().requires_grad_());
    if (std::string(c.name) != "gaussian_rows_full") {  // its clamped variance is a kink
      EXPECT_TRUE(gradcheck_ok(f, wrt));
      EXPECT_TRUE(gradgradcheck_ok(f, wrt));
    }
  }
}

TEST(MarginLosses, PyTorchsEdges) {
  // A zero vector's cosine is 0 (PyTorch's epsilon), so 1 - cos = 1 and the gradient is finite.
  const auto a = xg::zeros({1, 3}, xg::kFloat64).requires_grad_();
  const auto b = xg::tensor({{1.0, 2.0, 3.0}}, xg::kFloat64);
  const auto l = F::cosine_embedding_loss(a, b, xg::ones({1}, xg::kFloat64));
  EXPECT_NEAR(l.item(), 1.0, 1e-15);
  l.backward();
  EXPECT_TRUE(std::isfinite(a.grad().abs().max().item()));
  // A variance below eps is clamped: its value counts as eps, its gradient passes the clamp.
  const auto v = xg::full({1}, 1e-9, xg::kFloat64).requires_grad_();
  const auto g = F::gaussian_nll_loss(xg::zeros({1}, xg::kFloat64), xg::ones({1}, xg::kFloat64), v);
  EXPECT_NEAR(g.item(), 0.5 * (std::log(1e-6) + 1e6), 1e-6);
  g.backward();
  EXPECT_NEAR(v.grad().item(), 0.5 * (1 / 1e-6 - 1 / 1e-12), 1e-3);
  // Labels other than 1 and -1 contribute nothing to the embedding losses, as PyTorch's.
  EXPECT_EQ(F::hinge_embedding_loss(xg::ones({2}), xg::zeros({2})).item(), 1.0);
  // The 1-D form: one pair and a 0-d label.
  EXPECT_EQ(F::cosine_embedding_loss(xg::ones({3}), xg::ones({3}), xg::scalar_tensor(1.0)).dim(), 0);
}

TEST(MarginLosses, ErrorsNameTheLoss) {
  const auto x = xg::zeros({2, 3});
  EXPECT_XG_ERROR(F::margin_ranking_loss(x, x, xg::zeros({2})), "margin_ranking_loss: all input tensors should have the same dimension, got (2,3), (2,3) and (2,)");
  EXPECT_XG_ERROR(F::hinge_embedding_loss(x, xg::zeros({3})), "hinge_embedding_loss: prediction (2,3) and target (3,) differ in shape");
  EXPECT_XG_ERROR(F::soft_margin_loss(x, xg::zeros({2, 3}, xg::kInt64)), "soft_margin_loss: expected float tensors, got int64");
  EXPECT_XG_ERROR(F::multilabel_soft_margin_loss(x, x, F::MultilabelSoftMarginLossFuncOptions().weight(xg::ones({2}))),
                  "multilabel_soft_margin_loss: expected a weight of (3,) for 3 classes, got (2,)");
  EXPECT_XG_ERROR(F::cosine_embedding_loss(x, x, xg::zeros({3})),
                  "cosine_embedding_loss: expected inputs (N, D) with targets (N,), or (D,) with a 0-d target, got (2,3), (2,3) and (3,)");
  EXPECT_XG_ERROR(F::triplet_margin_loss(x, x, xg::zeros({3})), "triplet_margin_loss: expected anchor, positive and negative of one dimension");
  EXPECT_XG_ERROR(F::triplet_margin_loss(x, x, x, F::TripletMarginLossFuncOptions().p(-1)), "triplet_margin_loss:", "p");
  EXPECT_XG_ERROR(F::triplet_margin_with_distance_loss(x, x, xg::zeros({3})),
                  "triplet_margin_with_distance_loss: expected anchor, positive and negative of one dimension, got (2,3), (2,3) and (3,)");
  EXPECT_XG_ERROR(F::triplet_margin_with_distance_loss(x, x, x, F::TripletMarginWithDistanceLossFuncOptions().margin(0)),
                  "triplet_margin_with_distance_loss: margin must be positive, got 0");
  const auto ints = [](const xg::Tensor& a, const xg::Tensor&) { return a.to(xg::kInt64); };
  EXPECT_XG_ERROR(F::triplet_margin_with_distance_loss(x, x, x, F::TripletMarginWithDistanceLossFuncOptions().distance_function(ints)),
                  "triplet_margin_with_distance_loss: the distance function gave int64 for (anchor, positive); expected float");
  const auto uneven = [](const xg::Tensor& a, const xg::Tensor& b) { return a.is_same(b) ? a.sum(1) : a.sum(); };
  EXPECT_XG_ERROR(
      xg::nn::TripletMarginWithDistanceLoss(xg::nn::TripletMarginWithDistanceLossOptions().distance_function(uneven))(x, x, x * 2.0),
      "triplet_margin_with_distance_loss: the distance function gave (2,) for (anchor, positive) but () for (anchor, negative)");
  // With swap, the third pair is checked before the minimum that would broadcast it.
  const xg::Tensor p = x * 3.0;
  const auto odd_third = [&p](const xg::Tensor& a, const xg::Tensor&) { return a.is_same(p) ? a.sum() : a.sum(1); };
  EXPECT_XG_ERROR(F::triplet_margin_with_distance_loss(
                      x, p, x * 2.0, F::TripletMarginWithDistanceLossFuncOptions().distance_function(odd_third).swap(true)),
                  "triplet_margin_with_distance_loss: the distance function gave (2,) for (anchor, positive) but () for "
                  "(positive, negative)");
  EXPECT_XG_ERROR(F::poisson_nll_loss(x, xg::zeros({2})), "poisson_nll_loss: prediction (2,3) and target (2,) differ in shape");
  EXPECT_XG_ERROR(F::gaussian_nll_loss(x, x, xg::ones({3})),
                  "gaussian_nll_loss: var (3,) is of incorrect size for input (2,3)");
  EXPECT_XG_ERROR(F::gaussian_nll_loss(x, x, -xg::ones({2, 1})), "gaussian_nll_loss: var has negative entry/entries");
  EXPECT_XG_ERROR(F::gaussian_nll_loss(x, x, xg::ones({2}), F::GaussianNLLLossFuncOptions().eps(0)), "gaussian_nll_loss: eps must be positive, got 0");
}
