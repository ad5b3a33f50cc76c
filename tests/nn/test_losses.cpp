// Losses: the textbook's figures, gradients, stability at extreme logits; accuracy.
#include <cmath>

#include "test_util.h"

using xg::test::randp;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const auto kOneHot2 = [] { return xg::tensor({0, 0, 1, 0, 0, 0, 0, 0, 0, 0}); };
const auto kGood = [] { return xg::tensor({.1, .05, .6, 0, .05, .1, 0, .1, 0, 0}, xg::kFloat64); };
const auto kBad = [] { return xg::tensor({.1, .05, .1, 0, .05, .1, 0, .6, 0, 0}, xg::kFloat64); };
}  // namespace

TEST(Losses, TextbookSumOfSquaresAndCrossEntropy) {
  EXPECT_NEAR(xg::nn::sum_squared_error(kGood(), kOneHot2()).item(), 0.0975, 1e-12);
  EXPECT_NEAR(xg::nn::sum_squared_error(kBad(), kOneHot2()).item(), 0.5975, 1e-12);
  EXPECT_NEAR(xg::nn::cross_entropy_error(kGood(), kOneHot2()).item(), 0.510825457099338, 1e-12);
  EXPECT_NEAR(xg::nn::cross_entropy_error(kBad(), kOneHot2()).item(), 2.3025840929945454, 1e-12);
  // Label targets give the same, and batches average.
  auto label = xg::tensor({2}, xg::kInt64);
  EXPECT_NEAR(xg::nn::cross_entropy_error(kGood(), label).item(), 0.510825457099338, 1e-12);
  auto batch = xg::stack({kGood(), kBad()});
  EXPECT_NEAR(xg::nn::cross_entropy_error(batch, xg::tensor({2, 2}, xg::kInt64)).item(),
              (0.510825457099338 + 2.3025840929945454) / 2, 1e-12);
}

TEST(Losses, MeanSquaredL1Huber) {
  auto y = xg::tensor({1.0, 2.0, 5.0}, xg::kFloat64), t = xg::tensor({1.0, 0.0, 2.0}, xg::kFloat64);
  EXPECT_NEAR(xg::nn::mean_squared_error(y, t).item(), (0 + 4 + 9) / 3.0, 1e-12);
  EXPECT_NEAR(xg::nn::l1(y, t).item(), 5.0 / 3.0, 1e-12);
  EXPECT_NEAR(xg::nn::huber(y, t, 1.0).item(), (0 + 1.5 + 2.5) / 3.0, 1e-12);
  EXPECT_NEAR(xg::nn::MSELoss()(y, t).item(), 13.0 / 3.0, 1e-12);
  EXPECT_XG_ERROR(xg::nn::mean_squared_error(y, xg::ones({2})), "mean_squared_error: prediction (3,) and target (2,) differ in shape");
}

TEST(Losses, SoftmaxCrossEntropyLabelsAndOneHotAgree) {
  auto x = xg::tensor({{1.0, 2.0, 3.0}, {1.0, -1.0, 0.0}}, xg::kFloat64);
  auto labels = xg::tensor({2, 0}, xg::kInt64);
  const double expected = (-std::log(std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0))) -
                           std::log(std::exp(1.0) / (std::exp(1.0) + std::exp(-1.0) + 1.0))) / 2;
  EXPECT_NEAR(xg::nn::softmax_cross_entropy(x, labels).item(), expected, 1e-12);
  EXPECT_NEAR(xg::nn::softmax_cross_entropy(x, xg::one_hot(labels, 3)).item(), expected, 1e-12);
  // Gradient (softmax - t) / N.
  auto p = x.detach().requires_grad_();
  xg::nn::softmax_cross_entropy(p, labels).backward();
  auto expected_grad = ((xg::softmax(x) - xg::one_hot(labels, 3).to(xg::kFloat64)) / 2.0).to_vector<double>();
  EXPECT_TRUE(values_near(p.grad(), expected_grad, 1e-12));
  EXPECT_XG_ERROR(xg::nn::softmax_cross_entropy(x, xg::tensor({1}, xg::kInt64)), "softmax_cross_entropy: labels (1,) do not match scores (2,3)");
}

TEST(Losses, GradientsMatchNumerical) {
  xg::manual_seed(70);
  auto labels = xg::tensor({0, 2, 1}, xg::kInt64);
  auto t01 = xg::tensor({0.0, 1.0, 1.0}, xg::kFloat64);
  auto target = xg::randn({3}, xg::kFloat64);
  EXPECT_TRUE(gradcheck_ok([&](L x) { return xg::nn::softmax_cross_entropy(x[0], labels); }, {randp({3, 4})}));
  EXPECT_TRUE(xg::testing::gradgradcheck_ok([&](L x) { return xg::nn::softmax_cross_entropy(x[0], labels); }, {randp({3, 4})}));
  auto soft = xg::softmax(xg::randn({3, 4}, xg::kFloat64));  // probability targets
  EXPECT_TRUE(gradcheck_ok([&](L x) { return xg::nn::softmax_cross_entropy(x[0], x[1]); }, {randp({3, 4}), soft.requires_grad_()}));
  EXPECT_TRUE(gradcheck_ok([&](L x) { return xg::nn::cross_entropy_error(xg::softmax(x[0]), labels); }, {randp({3, 4})}));
  EXPECT_TRUE(gradcheck_ok([&](L x) { return xg::nn::mean_squared_error(x[0], target); }, {randp({3})}));
  EXPECT_TRUE(gradcheck_ok([&](L x) { return xg::nn::sum_squared_error(x[0], target); }, {randp({3})}));
  EXPECT_TRUE(gradcheck_ok([&](L x) { return xg::nn::huber(x[0], target, 0.5); }, {randp({3})}));
  EXPECT_TRUE(gradcheck_ok([&](L x) { return xg::nn::l1(x[0], target); }, {randp({3})}));
  EXPECT_TRUE(gradcheck_ok([&](L x) { return xg::nn::sigmoid_binary_cross_entropy(x[0], t01); }, {randp({3})}));
  EXPECT_TRUE(gradcheck_ok([&](L x) { return xg::nn::binary_cross_entropy(xg::sigmoid(x[0]), t01); }, {randp({3})}));
}

TEST(Losses, FiniteAtExtremeLogits) {
  auto x = xg::tensor({{1e4, -1e4, 0.0}, {-1e4, 1e4, 0.0}}).requires_grad_();
  auto loss = xg::nn::softmax_cross_entropy(x, xg::tensor({1, 1}, xg::kInt64));
  EXPECT_NEAR(loss.item(), 1e4, 1.0);  // the first row is confidently wrong by 2e4 / 2
  loss.backward();
  for (double g : x.grad().to_vector<double>()) EXPECT_TRUE(std::isfinite(g));
  auto z = xg::tensor({1e4, -1e4}).requires_grad_();
  auto b = xg::nn::sigmoid_binary_cross_entropy(z, xg::tensor({0.0, 1.0}));
  EXPECT_NEAR(b.item(), 1e4, 1.0);
  b.backward();
  for (double g : z.grad().to_vector<double>()) EXPECT_TRUE(std::isfinite(g));
  auto p = xg::tensor({0.0, 1.0}).requires_grad_();
  auto bce = xg::nn::binary_cross_entropy(p, xg::tensor({1.0, 0.0}));
  EXPECT_NEAR(bce.item(), 100.0, 1e-3);  // log clamped at -100, as PyTorch
}

TEST(Accuracy, LabelsOneHotAndBinary) {
  auto y = xg::tensor({{0.1, 0.9}, {0.8, 0.2}, {0.3, 0.7}, {0.6, 0.4}});
  EXPECT_DOUBLE_EQ(xg::nn::accuracy(y, xg::tensor({1, 0, 0, 0}, xg::kInt64)), 0.75);
  EXPECT_DOUBLE_EQ(xg::nn::accuracy(y, xg::one_hot(xg::tensor({1, 0, 1, 0}, xg::kInt64), 2)), 1.0);
  EXPECT_DOUBLE_EQ(xg::nn::accuracy(xg::tensor({{0.7}, {0.2}}), xg::tensor({{1.0}, {1.0}})), 0.5);
  EXPECT_XG_ERROR(xg::nn::accuracy(y, xg::tensor({1}, xg::kInt64)), "accuracy");
}

namespace {
xg::Tensor fixture(const std::string& key) {
  static const auto all = xg::load_npz(std::string(XGRAD_TEST_DIR) + "/fixtures/torch_losses.npz");
  for (const auto& [k, t] : all)
    if (k == key) return t;
  throw std::runtime_error("no fixture " + key);
}
}  // namespace

TEST(BinaryCrossEntropy, FiniteAtZeroAndOneAsPyTorch) {
  // p = 0 and 1 exactly (a float32 sigmoid(20) is 1.0): PyTorch 1.13's values, from the fixture.
  auto p = fixture("bce_p").requires_grad_();
  auto t = fixture("bce_t").requires_grad_();
  auto loss = xg::nn::binary_cross_entropy(p, t);
  EXPECT_NEAR(loss.item(), fixture("bce_loss").item(), 1e-12);
  loss.backward();
  EXPECT_TRUE(values_near(p.grad(), fixture("bce_grad_p").to_vector<double>(), 1e-3));
  // d/dt: PyTorch's is +-inf where p is 0 or 1; xgrad clamps each log at -100, as the
  // forward does, so it is finite (+-100/N); elsewhere the two agree.
  const auto gt = t.grad().to_vector<double>();
  for (double g : gt) EXPECT_TRUE(std::isfinite(g));
  EXPECT_NEAR(gt[4], fixture("bce_grad_t").to_vector<double>()[4], 1e-12);
  EXPECT_NEAR(gt[0], 100.0 / 6, 1e-9);
  // The float32 path the issue found: sigmoid(20) == 1 exactly, gradient finite.
  auto z = xg::tensor({20.0f, -20.0f}).requires_grad_();
  xg::nn::binary_cross_entropy(xg::sigmoid(z), xg::tensor({1.0f, 0.0f})).backward();
  for (float g : z.grad().to_vector<float>()) EXPECT_TRUE(std::isfinite(g));
  xg::manual_seed(91);
  auto inside = xg::rand({4}, xg::kFloat64) * 0.8 + 0.1;
  auto target = xg::rand({4}, xg::kFloat64);
  EXPECT_TRUE(gradcheck_ok([&](L x) { return xg::nn::binary_cross_entropy(x[0], x[1]); },
                           {inside.requires_grad_(), target.requires_grad_()}));
  EXPECT_TRUE(xg::testing::gradgradcheck_ok([&](L x) { return xg::nn::binary_cross_entropy(x[0], target.detach()); },
                                            {(xg::rand({4}, xg::kFloat64) * 0.8 + 0.1).requires_grad_()}));
}

TEST(Huber, SecondDerivativeAtAZeroResidualIsOneOverNAsPyTorch) {
  auto y = fixture("huber_y").requires_grad_();
  const auto t = fixture("huber_t");
  auto loss = xg::nn::huber(y, t, 1.0);
  EXPECT_NEAR(loss.item(), fixture("huber_loss").item(), 1e-12);
  auto g = xg::grad({loss}, {y}, {}, std::nullopt, true)[0];
  EXPECT_TRUE(values_near(g, fixture("huber_grad").to_vector<double>(), 1e-12));
  auto gg = xg::grad({g.sum()}, {y})[0];
  EXPECT_TRUE(values_near(gg, fixture("huber_grad2").to_vector<double>(), 1e-12));  // 0.25 = 1/N at the zero residual
  xg::manual_seed(92);
  EXPECT_TRUE(xg::testing::gradgradcheck_ok([&](L x) { return xg::nn::huber(x[0], t, 1.0); }, {randp({4})}));
}

TEST(CrossEntropy, ClassAxisFormsOptionsAndNllMatchPyTorch) {
  // PyTorch's (N, C, d1, ...) logits with (N, d1, ...) labels (a sequence model's (N, C, T)
  // and (N, T)), ignore_index, reductions, label smoothing, probability targets and nll_loss,
  // values and gradients against PyTorch 1.13 (scripts/make_torch_fixtures.py).
  using xg::nn::CrossEntropyLossOptions;
  using xg::nn::NLLLossOptions;
  for (const std::string name : {"ce2d", "ce3d", "ce4d"}) {
    const auto t = fixture(name + "_t"), t_ign = fixture(name + "_t_ignore"), probs = fixture(name + "_p");
    const std::vector<std::pair<std::string, std::function<xg::Tensor(const xg::Tensor&)>>> variants{
        {"mean", [&](const xg::Tensor& x) { return xg::nn::cross_entropy(x, t); }},
        {"ignore", [&](const xg::Tensor& x) { return xg::nn::cross_entropy(x, t_ign); }},
        {"sum", [&](const xg::Tensor& x) { return xg::nn::cross_entropy(x, t_ign, CrossEntropyLossOptions().reduction(xg::kSum)); }},
        {"none", [&](const xg::Tensor& x) { return xg::nn::cross_entropy(x, t_ign, CrossEntropyLossOptions().reduction(xg::kNone)); }},
        {"smooth", [&](const xg::Tensor& x) { return xg::nn::cross_entropy(x, t_ign, CrossEntropyLossOptions().label_smoothing(0.2)); }},
        {"smooth_none", [&](const xg::Tensor& x) {
           return xg::nn::cross_entropy(x, t, CrossEntropyLossOptions().label_smoothing(0.1).reduction(xg::kNone));
         }},
        {"probs", [&](const xg::Tensor& x) { return xg::nn::cross_entropy(x, probs); }},
        {"probs_none", [&](const xg::Tensor& x) { return xg::nn::cross_entropy(x, probs, CrossEntropyLossOptions().reduction(xg::kNone)); }},
        {"nll", [&](const xg::Tensor& x) { return xg::nn::nll_loss(xg::log_softmax(x, 1), t_ign); }},
        {"nll_none", [&](const xg::Tensor& x) { return xg::nn::nll_loss(xg::log_softmax(x, 1), t, NLLLossOptions().reduction(xg::kNone)); }},
        {"nll_ignore2", [&](const xg::Tensor& x) {
           return xg::nn::nll_loss(xg::log_softmax(x, 1), t, NLLLossOptions().ignore_index(2).reduction(xg::kSum));
         }},
    };
    for (const auto& [v, f] : variants) {
      SCOPED_TRACE(name + "_" + v);
      auto x = fixture(name + "_x").detach().requires_grad_();
      const auto y = f(x);
      const auto expected = fixture(name + "_" + v + "_y");
      ASSERT_EQ(y.shape(), expected.shape());
      EXPECT_LT(xg::test::max_abs_diff(y, expected), 1e-12);
      (y * fixture(name + "_" + v + "_w")).sum().backward();
      EXPECT_LT(xg::test::max_abs_diff(x.grad(), fixture(name + "_" + v + "_gx")), 1e-12);
    }
  }
  // The textbook's name takes the K-dimensional form too; gradients of any order.
  const auto t = fixture("ce3d_t");
  auto x = fixture("ce3d_x").detach().requires_grad_();
  EXPECT_LT(std::fabs(xg::nn::softmax_cross_entropy(x, t).item() - fixture("ce3d_mean_y").item()), 1e-12);
  EXPECT_TRUE(xg::testing::gradgradcheck_ok([&](L in) { return xg::nn::cross_entropy(in[0], t); }, {x}));
  EXPECT_TRUE(gradcheck_ok([&](L in) { return xg::nn::cross_entropy(in[0], fixture("ce3d_t_ignore")); }, {x}));
  // Unbatched: (C) logits and a 0-d label.
  const auto row = xg::tensor({0.5, -1.0, 2.0}, xg::kFloat64);
  EXPECT_NEAR(xg::nn::cross_entropy(row, xg::scalar_tensor(2, xg::kInt64)).item(),
              xg::nn::cross_entropy(row.reshape({1, 3}), xg::tensor({2}, xg::kInt64)).item(), 1e-15);
  // Errors name the shapes.
  EXPECT_XG_ERROR(xg::nn::cross_entropy(x, xg::zeros({3, 5}, xg::kInt64)),
                  "cross_entropy: for scores (3,5,6) (N, C, d1, ...) expected int64 labels (N, d1, ...) (3,6), got (3,5) int64");
  EXPECT_XG_ERROR(xg::nn::softmax_cross_entropy(x, fixture("ce3d_t_ignore")), "softmax_cross_entropy: label -100",
                  "outside [0, 5)");
  EXPECT_XG_ERROR(xg::nn::nll_loss(x, xg::full({3, 6}, 7, xg::kInt64)), "nll_loss: label 7 at position 0 is outside [0, 5)");
  // libtorch's module forms.
  EXPECT_NEAR(xg::nn::CrossEntropyLoss(CrossEntropyLossOptions().ignore_index(-100))(x, fixture("ce3d_t_ignore")).item(),
              fixture("ce3d_ignore_y").item(), 1e-12);
  EXPECT_NEAR(xg::nn::NLLLoss()(xg::log_softmax(x, 1), fixture("ce3d_t_ignore")).item(), fixture("ce3d_nll_y").item(), 1e-12);
}

TEST(Losses, ClassWeightsAsPyTorch) {
  // PyTorch 1.13's cross_entropy / nll_loss with weight (tests/fixtures/torch_activations.npz):
  // an ignored label, label smoothing, sum, none, probability targets, (N, C, d) sequences.
  namespace F = xg::nn::functional;
  const auto fx = [](const std::string& k) { return xg::test::fixture("torch_activations.npz", k); };
  const auto w = fx("cw");
  const auto check = [&](const std::string& name, const std::function<xg::Tensor(const xg::Tensor&, const xg::Tensor&)>& f,
                         bool labels = true) {
    SCOPED_TRACE(name);
    auto x = fx(name + ".x").requires_grad_();
    const auto t = labels ? fx(name + ".t").to(xg::kInt64) : fx(name + ".t");
    const auto y = f(x, t);
    EXPECT_LT(xg::test::max_abs_diff(y, fx(name + ".y")), 1e-12);
    EXPECT_LT(xg::test::max_abs_diff(xg::grad({(y * fx(name + ".gy")).sum()}, {x})[0], fx(name + ".gx")), 1e-12);
  };
  check("ce_w_smooth", [&](auto& x, auto& t) {
    return F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(w).label_smoothing(0.1));
  });
  check("ce_w_sum", [&](auto& x, auto& t) {
    return F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(w).reduction(xg::kSum));
  });
  check("ce_w_none", [&](auto& x, auto& t) {
    return F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(w).reduction(xg::kNone).label_smoothing(0.2));
  });
  check("ce_w_prob", [&](auto& x, auto& t) { return F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(w)); },
        false);
  check("nll_w", [&](auto& x, auto& t) { return F::nll_loss(x, t, F::NLLLossFuncOptions().weight(w)); });
  check("ce_w_seq", [&](auto& x, auto& t) {
    return F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(w).label_smoothing(0.1));
  });
  // Equal weights change nothing; the module carries them; errors name the shapes.
  const auto x = xg::randn({6, 4}, xg::kFloat64), t = xg::tensor({0, 1, 2, 3, 1, 0}, xg::kInt64);
  EXPECT_NEAR(F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(xg::full({4}, 3.0, xg::kFloat64))).item(),
              F::cross_entropy(x, t).item(), 1e-14);
  xg::nn::CrossEntropyLoss loss(xg::nn::CrossEntropyLossOptions().weight(w));
  EXPECT_EQ(loss(x, t).item(), F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(w)).item());
  EXPECT_XG_ERROR(F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(xg::ones({3}))),
                  "cross_entropy: weight must hold one value per class (4,), got (3,)");
  EXPECT_XG_ERROR(F::nll_loss(x, t, F::NLLLossFuncOptions().weight(xg::ones({4}, xg::kInt64))),
                  "nll_loss: weight must be a float tensor, got int64");
}
