// xg::viz on hand-built nets (exact values) and on the textbook's trained SimpleConvNet
// (what the maps must show on real digits).
#include <cmath>

#include "test_util.h"

using namespace xg;
using xg::test::values_near;

namespace {

// relu(x W1) W2 with set weights: the two-layer net of the ReLU-backward hand computation.
struct TwoLayer : nn::Module {
  nn::Linear l1{2, 3, false, kFloat64}, l2{3, 2, false, kFloat64};
  TwoLayer() {
    register_module("l1", l1);
    register_module("l2", l2);
    l1.set_parameter("W", tensor({1.0, 2, -1, -1, 1, 1}, {2, 3}, kFloat64));  // columns: rows of W1 = [[1,-1],[2,1],[-1,1]]
    l2.set_parameter("W", tensor({3.0, 0, -2, 0, 1, 0}, {3, 2}, kFloat64));   // class 0 weights (3, -2, 1)
  }
  Tensor forward(const Tensor& x) override { return l2(relu(l1(x))); }
};

TEST(Saliency, IsTheGradientOfThePreSoftmaxScore) {
  manual_seed(4);
  nn::Sequential mlp;
  mlp.add(std::make_shared<nn::Linear>(6, 5, true, kFloat64)).add(std::make_shared<nn::Tanh>());
  mlp.add(std::make_shared<nn::Linear>(5, 3, true, kFloat64));
  const Tensor x = randn({4, 6}, kFloat64);
  const std::vector<std::int64_t> cls{2, 0, 1, 2};
  auto xi = x.detach().requires_grad_();
  const auto expected = grad({pick(mlp(xi), tensor({2.0, 0, 1, 2}, {4}, kInt64)).sum()}, {xi})[0];
  const auto raw = viz::saliency(mlp, x, cls, viz::SaliencyOptions().grad_modifier(viz::GradModifier::None));
  EXPECT_LT((raw - expected).abs().max().item(), 1e-15);
  EXPECT_LT((viz::saliency(mlp, x, cls) - expected.abs()).abs().max().item(), 1e-15);  // absolute by default
  EXPECT_LT((viz::saliency(mlp, x, cls, viz::SaliencyOptions().grad_modifier(viz::GradModifier::Negate)) + expected)
                .abs().max().item(), 1e-15);
  EXPECT_FALSE(mlp.parameters()[0].grad().defined());  // parameters untouched
  EXPECT_TRUE(mlp.is_training());                       // the mode restored
}

TEST(Saliency, GuidedAndRectifiedOnAHandComputedReluNet) {
  TwoLayer net;
  const Tensor x = tensor({{1.0, 2.0}}, kFloat64);
  auto run = [&](viz::BackpropModifier m) {
    return viz::saliency(net, x, 0, viz::SaliencyOptions().backprop(m).grad_modifier(viz::GradModifier::None));
  };
  EXPECT_TRUE(values_near(run(viz::BackpropModifier::Vanilla), {-5, -1}));
  EXPECT_TRUE(values_near(run(viz::BackpropModifier::Guided), {-1, 1}));
  EXPECT_TRUE(values_near(run(viz::BackpropModifier::Rectified), {2, -2}));
  EXPECT_TRUE(values_near(viz::saliency(net, x, 0, viz::SaliencyOptions().grad_modifier(viz::GradModifier::Relu)), {0, 0}));
}

TEST(Saliency, ImagesTakeTheChannelMaximumUnlessKeepdims) {
  manual_seed(5);
  nn::Sequential cnn;
  cnn.add(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 2, 3).dtype(kFloat64))).add(std::make_shared<nn::Flatten>());
  cnn.add(std::make_shared<nn::Linear>(2 * 4 * 4, 3, true, kFloat64));
  const Tensor x = randn({2, 3, 6, 6}, kFloat64);
  const auto full = viz::saliency(cnn, x, {0, 2}, viz::SaliencyOptions().keepdims(true));
  EXPECT_EQ(full.shape(), (Shape{2, 3, 6, 6}));
  const auto map = viz::saliency(cnn, x, {0, 2});
  EXPECT_EQ(map.shape(), (Shape{2, 6, 6}));
  EXPECT_LT((map - full.max({1})).abs().max().item(), 1e-15);
}

// A conv net with set weights: A = conv1x1(x) = (x, -x) channels, then relu, the spatial
// mean and a linear layer V: S_c = Σ_k V[k, c] mean(relu(A_k)). So ∂S_c/∂A_k = V[k, c]
// [A_k > 0] / 16 and α_k = V[k, c] · #(A_k > 0) / 256.
struct CamNet : nn::Module {
  nn::Conv2d conv{nn::Conv2dOptions(1, 2, 1).bias(false).dtype(kFloat64)};
  nn::MaxPool2d pool{2};
  nn::Linear head{2, 2, false, kFloat64};
  CamNet() {
    register_module("conv", conv), register_module("pool", pool), register_module("head", head);
    conv.set_parameter("W", tensor({1.0, -1.0}, {2, 1, 1, 1}, kFloat64));
    head.set_parameter("W", tensor({2.0, -1, 0.5, 3}, {2, 2}, kFloat64));  // V
  }
  bool use_pool = false;
  Tensor forward(const Tensor& x) override {
    Tensor a = relu(conv(x));
    if (use_pool) a = pool(a);
    return head(a.mean({2, 3}));
  }
};

TEST(GradCam, MatchesAHandComputation) {
  CamNet net;
  std::vector<double> xs(16);
  for (int i = 0; i < 16; ++i) xs[i] = (i % 3 == 0 ? -1.0 : 1.0) * (1 + i);  // 6 negative, 10 positive
  const Tensor x = tensor(xs, {1, 1, 4, 4}, kFloat64);
  const double V[2][2] = {{2, -1}, {0.5, 3}};
  for (int c = 0; c < 2; ++c) {
    const double a0 = V[0][c] * 10 / 256, a1 = V[1][c] * 6 / 256;  // #(x > 0) = 10, #(-x > 0) = 6
    std::vector<double> cam(16);
    for (int i = 0; i < 16; ++i) cam[i] = std::max(0.0, a0 * xs[i] + a1 * -xs[i]);
    SCOPED_TRACE(c);
    EXPECT_TRUE(values_near(viz::grad_cam(net, net.conv, x, c, viz::GradCamOptions().normalize(false)), cam, 1e-12));
    const double hi = *std::max_element(cam.begin(), cam.end());
    for (auto& v : cam) v /= hi;  // the minimum is 0 here
    EXPECT_TRUE(values_near(viz::grad_cam(net, net.conv, x, c), cam, 1e-12));
  }
}

TEST(GradCam, ResizesALayerMapToTheInput) {
  // On the pooled layer (2x2) the map is computed there, then resized bilinearly to 4x4.
  CamNet net;
  net.use_pool = true;
  manual_seed(6);
  const Tensor x = randn({1, 1, 4, 4}, kFloat64);
  Tensor A = viz::feature_maps(net, net.pool, x);  // (1, 2, 2, 2)
  ASSERT_EQ(A.shape(), (Shape{1, 2, 2, 2}));
  auto Ai = A.detach().requires_grad_();
  const auto dA = grad({net.head(relu(Ai).mean({2, 3})).narrow(1, 1, 1).sum()}, {Ai})[0];
  const auto cam = relu((dA.mean({2, 3}, true) * A).sum({1}, true));
  const auto expected = interpolate(cam, 4).reshape({1, 4, 4});
  const auto got = viz::grad_cam(net, net.pool, x, 1, viz::GradCamOptions().normalize(false));
  EXPECT_EQ(got.shape(), (Shape{1, 4, 4}));
  EXPECT_LT((got - expected).abs().max().item(), 1e-12);
  const auto bicubic = viz::grad_cam(net, net.pool, x, 1, viz::GradCamOptions().mode(InterpolateMode::Bicubic));
  EXPECT_NEAR(bicubic.max().item(), 1.0, 1e-12);
  EXPECT_NEAR(bicubic.min().item(), 0.0, 1e-12);
}

TEST(GradCam, GuidedIsTheProductAndErrorsNameTheProblem) {
  CamNet net;
  manual_seed(7);
  const Tensor x = randn({2, 1, 4, 4}, kFloat64);
  const auto guided = viz::saliency(net, x, {0, 1}, viz::SaliencyOptions().backprop(viz::BackpropModifier::Guided));
  const auto product = viz::guided_grad_cam(net, net.conv, x, {0, 1});
  EXPECT_LT((product - guided * viz::grad_cam(net, net.conv, x, {0, 1})).abs().max().item(), 1e-15);

  nn::Linear unused(3, 3);
  EXPECT_XG_ERROR(viz::grad_cam(net, unused, x, 0), "grad_cam", "Linear", "was not called", "CamNet");
  EXPECT_XG_ERROR(viz::grad_cam(net, net.conv, x, {0, 1, 1}), "grad_cam", "3 classes for 2 samples");
  EXPECT_XG_ERROR(viz::saliency(net, x, 5), "saliency", "class 5", "2 outputs");
  EXPECT_XG_ERROR(viz::saliency(net, tensor({1.0}), 0), "saliency", "batch");
  EXPECT_XG_ERROR(viz::saliency(net.conv, x, 0), "saliency", "(N, classes)", "(2,2,4,4)");
}

TEST(FeatureMaps, AreTheLayerOutputAndFiltersItsKernels) {
  CamNet net;
  const Tensor x = randn({1, 1, 4, 4}, kFloat64);
  const auto A = viz::feature_maps(net, net.conv, x);
  EXPECT_LT((A - net.conv(x)).abs().max().item(), 1e-15);
  EXPECT_FALSE(A.requires_grad());
  nn::Conv2d conv(3, 4, 5);
  const auto tiles = viz::filters(conv);
  ASSERT_EQ(tiles.size(), 12u);
  EXPECT_EQ(tiles[5].shape(), (Shape{5, 5}));
  EXPECT_DOUBLE_EQ(tiles[5].at({1, 2}), conv.W.at({1, 2, 1, 2}));  // filter 1, input channel 2
}

TEST(ActivationMaximization, RaisesTheActivationAndRespectsTheRange) {
  manual_seed(8);
  nn::Sequential cnn;
  cnn.add(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(1, 4, 3).dtype(kFloat64))).add(std::make_shared<nn::ReLU>());
  cnn.add(std::make_shared<nn::Flatten>()).add(std::make_shared<nn::Linear>(4 * 6 * 6, 3, true, kFloat64));
  const Tensor data = rand({5, 1, 8, 8}, kFloat64);  // a [0, 1) data set
  int calls = 0;
  // The activation term alone: ascent must raise it far above the seed's.
  const auto r = viz::activation_maximization(
      cnn, cnn[0], 2, data,
      viz::ActivationMaximizationOptions().iterations(50).lp_norm_weight(0).tv_weight(0).callback(
          [&calls](int, const viz::ActivationLosses&) { ++calls; }));
  EXPECT_EQ(calls, 50);
  ASSERT_EQ(r.history.size(), 50u);
  const auto& best = r.history[static_cast<std::size_t>(r.best_iteration)];
  EXPECT_GT(best.activation, 10 * std::fabs(r.history[0].activation) + 1);
  for (const auto& h : r.history) EXPECT_GE(h.total, best.total);
  EXPECT_DOUBLE_EQ(best.total, best.lp_norm + best.total_variation - best.activation);
  // With keras-vis's priors the best input is kept and its loss terms add up too.
  const auto priors = viz::activation_maximization(cnn, cnn[0], 2, data, viz::ActivationMaximizationOptions().iterations(20));
  const auto& pb = priors.history[static_cast<std::size_t>(priors.best_iteration)];
  EXPECT_GT(pb.lp_norm, 0);
  EXPECT_GT(pb.total_variation, 0);
  EXPECT_NEAR(pb.total, pb.lp_norm + pb.total_variation - pb.activation, 1e-12);
  EXPECT_EQ(r.input.shape(), (Shape{1, 1, 8, 8}));
  EXPECT_GE(r.image.min().item(), data.min().item());  // keras-vis's view, in the data's range
  EXPECT_LE(r.image.max().item(), data.max().item());
  const auto ranged = viz::activation_maximization(cnn, cnn[3], 1, data,
                                                   viz::ActivationMaximizationOptions().iterations(5).input_range(-2, 3).jitter(2));
  EXPECT_GE(ranged.image.min().item(), -2.0);
  EXPECT_LE(ranged.image.max().item(), 3.0);
  EXPECT_GT(ranged.image.max().item() - ranged.image.min().item(), 1.0);
  EXPECT_XG_ERROR(viz::activation_maximization(cnn, cnn[0], 4, data), "activation_maximization", "filter 4",
                  "(1,4,6,6)");
}

// A linear scorer reading only the top-left 2x2 pixels: only patches there change it.
struct Corner : nn::Module {
  Tensor forward(const Tensor& x) override {
    const Tensor s = x.narrow(2, 0, 2).narrow(3, 0, 2).sum({1, 2, 3});
    return stack({s * 3.0, -s * 3.0}, 1);
  }
};

TEST(Occlusion, DropsWhereTheModelLooks) {
  Corner net;
  const Tensor x = ones({1, 1, 6, 6}, kFloat64);
  const auto map = viz::occlusion(net, x, 0, viz::OcclusionOptions().size(2).fill(0));
  ASSERT_EQ(map.shape(), (Shape{1, 6, 6}));
  const double full = 1 / (1 + std::exp(-24.0)), hidden = 0.5;  // softmax of (12, -12) and of (0, 0)
  EXPECT_NEAR(map.at({0, 0, 0}), hidden, 1e-12);
  EXPECT_NEAR(map.at({0, 1, 1}), hidden, 1e-12);
  EXPECT_NEAR(map.at({0, 3, 4}), full, 1e-12);
  // Stride 1: a pixel's value is the mean over the patches that cover it.
  const auto fine = viz::occlusion(net, x, 0, viz::OcclusionOptions().size(2).stride(1).fill(0));
  const double half = 1 / (1 + std::exp(-12.0));  // two of four corner pixels hidden: (6, -6)
  EXPECT_NEAR(fine.at({0, 0, 0}), hidden, 1e-12);   // covered by one patch, which hides all four
  EXPECT_NEAR(fine.at({0, 0, 1}), (hidden + half) / 2, 1e-12);
  EXPECT_XG_ERROR(viz::occlusion(net, x, 0, viz::OcclusionOptions().size(7)), "occlusion", "(7, 7)", "(1,1,6,6)");
}

TEST(DeletionCurve, AFaithfulMapFallsFasterThanItsReverse) {
  Corner net;
  const Tensor x = ones({1, 6, 6}, kFloat64);
  std::vector<double> m(36, 0.0);
  for (int i : {0, 1, 6, 7}) m[static_cast<std::size_t>(i)] = 1.0;
  const Tensor map = tensor(m, {6, 6}, kFloat64);
  const auto good = viz::deletion_curve(net, x, 0, map, viz::DeletionOptions().pixels_per_step(2).fill(0));
  const auto bad = viz::deletion_curve(net, x, 0, -map, viz::DeletionOptions().pixels_per_step(2).fill(0));
  ASSERT_EQ(good.fraction.size(), 19u);  // 0, 2, ..., 36 pixels
  EXPECT_DOUBLE_EQ(good.fraction.back(), 1.0);
  EXPECT_NEAR(good.score[0], 1 / (1 + std::exp(-24.0)), 1e-12);
  EXPECT_NEAR(good.score[2], 0.5, 1e-12);  // the four corner pixels are gone after two steps
  // Trapezoids: two steps down to 0.5, then 16 steps at 0.5.
  EXPECT_NEAR(good.auc, ((good.score[0] + good.score[1]) / 2 + (good.score[1] + 0.5) / 2 + 16 * 0.5) / 18, 1e-12);
  // The default fill is the image's minimum, which deletes nothing on a constant image.
  EXPECT_NEAR(viz::deletion_curve(net, x, 0, map).auc, good.score[0], 1e-12);
  EXPECT_LT(good.auc, bad.auc);
  EXPECT_XG_ERROR(viz::deletion_curve(net, x, 0, ones({5, 5})), "deletion_curve", "(6, 6)", "(5,5)");
}

}  // namespace
