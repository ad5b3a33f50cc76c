// Layers: shapes and values on hand-computed cases, gradient checks, train/eval behaviour.
#include <cmath>

#include "test_util.h"

using xg::test::values_near;
using xg::testing::gradients_match;

TEST(Linear, ComputesXWPlusB) {
  xg::nn::Linear lin(2, 3);
  lin.set_parameter("W", xg::tensor({{1, 2, 3}, {4, 5, 6}}));
  lin.set_parameter("b", xg::tensor({0.5, 0.5, 0.5}));
  auto y = lin(xg::tensor({{1, 1}, {2, 0}}));
  EXPECT_EQ(y.shape(), (xg::Shape{2, 3}));
  EXPECT_TRUE(values_near(y, {5.5, 7.5, 9.5, 2.5, 4.5, 6.5}));
  EXPECT_XG_ERROR(lin(xg::ones({2, 3})), "Linear: expected input with last axis 2, got shape (2,3)");
  xg::nn::Linear nb(2, 3, false);
  EXPECT_FALSE(nb.b.defined());
  EXPECT_EQ(nb.parameters().size(), 1u);
}

TEST(Linear, DefaultInitHasVarianceOneOverFanIn) {
  xg::manual_seed(0);
  xg::nn::Linear lin(400, 300);
  EXPECT_NEAR(lin.W.var().item(), 1.0 / 400, 0.1 / 400);
  EXPECT_NEAR(lin.W.mean().item(), 0.0, 0.01);
  EXPECT_TRUE(values_near(lin.b, std::vector<double>(300, 0.0)));
}

TEST(Linear, GradientCheck) {
  xg::manual_seed(1);
  xg::nn::Linear lin(4, 3);
  auto x = xg::randn({5, 4});
  EXPECT_TRUE(gradients_match([&] { return xg::tanh(lin(x)).sum(); }, lin.named_parameters()));
}

TEST(Sequential, AppliesInOrderAndIndexes) {
  xg::nn::Sequential net;
  auto& first = net.emplace<xg::nn::Linear>(2, 2);
  net.emplace<xg::nn::ReLU>();
  first.set_parameter("W", xg::tensor({{1, -1}, {-1, 1}}));
  first.set_parameter("b", xg::zeros({2}));
  EXPECT_TRUE(values_near(net(xg::tensor({{3, 1}})), {2, 0}));
  EXPECT_EQ(net.size(), 2u);
  EXPECT_EQ(net[1].type_name(), "ReLU");
  EXPECT_XG_ERROR(net[2], "Sequential: index 2 is out of range for 2 modules");
  int count = 0;
  for (const auto& m : net) count += m != nullptr;
  EXPECT_EQ(count, 2);
  EXPECT_EQ(net.named_parameters()[0].first, "0.W");
}

TEST(Activations, ModulesMatchTheFunctions) {
  auto x = xg::tensor({-2.0, 0.5}, xg::kFloat64);
  EXPECT_TRUE(values_near(xg::nn::Sigmoid()(x), xg::sigmoid(x).to_vector<double>()));
  EXPECT_TRUE(values_near(xg::nn::ReLU()(x), {0, 0.5}));
  EXPECT_TRUE(values_near(xg::nn::LeakyReLU(0.1)(x), {-0.2, 0.5}));
  EXPECT_TRUE(values_near(xg::nn::Tanh()(x), {std::tanh(-2.0), std::tanh(0.5)}));
  EXPECT_TRUE(values_near(xg::nn::Softplus()(x), xg::softplus(x).to_vector<double>()));
  EXPECT_TRUE(values_near(xg::nn::Softmax()(x).sum(), {1.0}));
  EXPECT_TRUE(values_near(xg::nn::Identity()(x), {-2, 0.5}));
  EXPECT_EQ(xg::nn::Flatten()(xg::ones({2, 3, 4})).shape(), (xg::Shape{2, 12}));
}

TEST(Dropout, InvertedScalesInTrainingAndIsIdentityInEval) {
  xg::manual_seed(2);
  xg::nn::Dropout drop(0.2);
  auto x = xg::ones({1000}, xg::kFloat64);
  auto y = drop(x);
  const auto v = y.to_vector<double>();
  int kept = 0;
  for (double e : v) {
    EXPECT_TRUE(e == 0.0 || std::fabs(e - 1.25) < 1e-12);
    kept += e != 0.0;
  }
  EXPECT_NEAR(kept / 1000.0, 0.8, 0.05);
  drop.eval();
  EXPECT_TRUE(values_near(drop(x).sum(), {1000}));
  EXPECT_XG_ERROR(xg::nn::Dropout(1.5), "Dropout: probability must be in [0, 1], got 1.5");
  EXPECT_XG_ERROR(xg::nn::Dropout2d(-0.1), "Dropout2d: probability must be in [0, 1]");
}

TEST(Dropout, OneRuleForEveryDropoutAndPOneDropsEverything) {
  // nn::Dropout(1.0) was refused while xg::dropout(x, 1.0) was accepted; PyTorch accepts
  // p = 1 everywhere and returns zeros (with zero gradients, not 0·inf).
  auto x = xg::ones({4, 3, 2, 2}, xg::kFloat64).requires_grad_();
  xg::nn::Dropout drop(1.0);
  xg::nn::Dropout2d drop2d(1.0);
  xg::nn::Dropout textbook(1.0, xg::nn::Dropout::Mode::Textbook);
  for (xg::nn::Module* m : std::vector<xg::nn::Module*>{&drop, &drop2d, &textbook}) {
    auto y = (*m)(x);
    EXPECT_EQ(y.abs().sum().item(), 0.0);
    x.zero_grad();
    y.sum().backward();
    EXPECT_EQ(x.grad().abs().sum().item(), 0.0);
  }
  EXPECT_EQ(xg::dropout(x, 1.0).abs().sum().item(), 0.0);
  drop.eval();
  EXPECT_EQ(drop(x).sum().item(), 48.0);
}

TEST(Dropout, TextbookModeScalesAtTestTime) {
  xg::manual_seed(3);
  xg::nn::Dropout drop(0.5, xg::nn::Dropout::Mode::Textbook);
  auto x = xg::ones({100});
  for (double e : drop(x).to_vector<double>()) EXPECT_TRUE(e == 0.0 || e == 1.0);
  drop.eval();
  EXPECT_TRUE(values_near(drop(x), std::vector<double>(100, 0.5)));
}

TEST(BatchNorm1d, NormalisesInTrainingAndUsesRunningStatsInEval) {
  xg::nn::BatchNorm1d bn(2, xg::nn::BatchNormOptions().set_eps(0.0).set_momentum(0.9));
  auto x = xg::tensor({{1, 10}, {3, 30}});
  auto y = bn(x);
  EXPECT_TRUE(values_near(y, {-1, -1, 1, 1}, 1e-5));
  // set_momentum(0.9), the textbook's keep factor, is libtorch's momentum 0.1:
  // running = 0.9 running + 0.1 batch, with the batch's unbiased variance (2 and 200 for
  // two samples whose biased variance is 1 and 100), as PyTorch.
  EXPECT_DOUBLE_EQ(*bn.options().momentum(), 0.1);
  EXPECT_TRUE(values_near(bn.running_mean, {0.2, 2.0}, 1e-6));
  EXPECT_TRUE(values_near(bn.running_var, {0.9 + 0.1 * 2, 0.9 + 0.1 * 200}, 1e-4));
  EXPECT_EQ(bn.num_batches_tracked.item<std::int64_t>(), 1);
  bn.eval();
  auto z = bn(xg::tensor({{0.2, 2.0}}));
  EXPECT_TRUE(values_near(z, {0, 0}, 1e-6));
  bn.train();
  EXPECT_XG_ERROR(bn(xg::ones({1, 2})), "BatchNorm1d: training needs a batch of at least 2");
  EXPECT_XG_ERROR(bn(xg::ones({2, 3})), "BatchNorm1d: expected input of shape (N,2), got (2,3)");
}

TEST(BatchNorm, LibtorchsOptionsMeaningsAndDefaults) {
  // libtorch's spelling and meaning: momentum is the new batch's weight, default 0.1, eps 1e-5.
  xg::nn::BatchNorm2d bn(xg::nn::BatchNorm2dOptions(3).momentum(0.25).eps(1e-3).dtype(xg::kFloat64));
  EXPECT_EQ(bn.options().num_features(), 3);
  EXPECT_DOUBLE_EQ(*xg::nn::BatchNorm2dOptions(3).momentum(), 0.1);
  EXPECT_DOUBLE_EQ(xg::nn::BatchNorm2dOptions(3).eps(), 1e-5);
  xg::manual_seed(2);
  const auto x = xg::randn({4, 3, 2, 2}, xg::kFloat64);
  bn(x);
  // running = 0.75·running + 0.25·batch, the variance unbiased (n = 16 per channel).
  const auto mean = x.mean({0, 2, 3}), var = x.var({0, 2, 3}, false, 1);
  EXPECT_LT(xg::test::max_abs_diff(bn.running_mean, 0.25 * mean), 1e-15);
  EXPECT_LT(xg::test::max_abs_diff(bn.running_var, 0.75 + 0.25 * var), 1e-15);
  // Without a momentum: the cumulative average of every batch seen (num_batches_tracked).
  xg::nn::BatchNorm1d avg(xg::nn::BatchNorm1dOptions(2).momentum(std::nullopt).dtype(xg::kFloat64));
  const auto a = xg::tensor({{1, 2}, {3, 6}}, xg::kFloat64), b = xg::tensor({{5, 0}, {9, 4}}, xg::kFloat64);
  avg(a);
  avg(b);
  EXPECT_EQ(avg.num_batches_tracked.item<std::int64_t>(), 2);
  EXPECT_TRUE(values_near(avg.running_mean, {(2.0 + 7.0) / 2, (4.0 + 2.0) / 2}, 1e-15));
  EXPECT_TRUE(values_near(avg.running_var, {(2.0 + 8.0) / 2, (8.0 + 8.0) / 2}, 1e-15));  // unbiased
  // affine(false): no gamma or beta; track_running_stats(false): no buffers, batch
  // statistics in evaluation too.
  xg::nn::BatchNorm1d bare(xg::nn::BatchNorm1dOptions(2).affine(false).track_running_stats(false));
  EXPECT_TRUE(bare.parameters().empty());
  EXPECT_TRUE(bare.buffers().empty());
  bare.eval();
  EXPECT_TRUE(values_near(bare(xg::tensor({{1, 10}, {3, 30}})), {-1, -1, 1, 1}, 1e-4));
  EXPECT_XG_ERROR(xg::nn::BatchNorm1d(xg::nn::BatchNorm1dOptions(2).momentum(1.5)), "BatchNorm1d: momentum", "[0, 1]");
  EXPECT_XG_ERROR((void)xg::nn::BatchNorm2d(xg::nn::BatchNorm2dOptions()), "BatchNorm2d: num_features must be positive");
}

TEST(BatchNorm, AFileFromBeforeTheBatchCounterStillLoads) {
  xg::nn::BatchNorm1d bn(3);
  xg::NamedTensors old;
  for (const auto& [name, t] : bn.state())
    if (name != "num_batches_tracked") old.emplace_back(name, xg::full(t.shape(), 2.0, t.dtype()));
  const std::string path = ::testing::TempDir() + "xgrad_old_bn.npz";
  xg::save_npz(old, path);
  xg::load(bn, path);
  EXPECT_TRUE(values_near(bn.running_var, {2, 2, 2}));
  EXPECT_EQ(bn.num_batches_tracked.item(), 0.0);
}

TEST(BatchNorm1d, GradientCheckWithABatchOfFour) {
  xg::manual_seed(4);
  xg::nn::BatchNorm1d bn(3);
  bn.set_parameter("gamma", xg::tensor({0.5, 1.5, -1.0}));
  auto x = xg::randn({4, 3});
  auto w = xg::randn({4, 3});
  EXPECT_TRUE(gradients_match([&] { return (bn(x) * w).sum(); }, bn.named_parameters()));
  // Also with respect to the input (through the batch statistics).
  auto xp = xg::randn({4, 3}, xg::kFloat64).requires_grad_();
  xg::nn::BatchNorm1d bn64(3, {}, xg::kFloat64);
  EXPECT_TRUE(xg::testing::gradcheck_ok([&](const xg::tensor_list& in) { return bn64(in[0]) * w.to(xg::kFloat64); }, {xp}));
}

TEST(Embedding, LooksUpRows) {
  xg::nn::Embedding emb(5, 3);
  emb.set_parameter("W", xg::arange(15, xg::kFloat32).reshape({5, 3}));
  auto y = emb(xg::tensor({{4, 0}}, xg::kInt64));
  EXPECT_EQ(y.shape(), (xg::Shape{1, 2, 3}));
  EXPECT_TRUE(values_near(y, {12, 13, 14, 0, 1, 2}));
  auto idx = xg::tensor({1, 1, 3}, xg::kInt64);
  EXPECT_TRUE(gradients_match([&] { return emb(idx).pow(2).sum(); }, emb.named_parameters()));
}

TEST(Embedding, PaddingIdxRowStaysZero) {
  xg::manual_seed(17);
  xg::nn::Embedding emb(5, 3, /*padding_idx=*/-1);  // the last row, as PyTorch counts
  EXPECT_EQ(emb.padding_idx(), 4);
  EXPECT_TRUE(values_near(emb(xg::tensor({4}, xg::kInt64)), {0, 0, 0}));
  xg::optim::SGD opt(emb.parameters(), 0.5);
  auto idx = xg::tensor({{4, 1}, {4, 2}}, xg::kInt64);
  emb(idx).pow(2).sum().backward();
  const auto g = emb.W.grad().to_vector<double>();
  EXPECT_EQ(std::vector<double>(g.begin() + 12, g.end()), std::vector<double>(3, 0.0));  // no gradient for padding
  EXPECT_NE(g[3], 0.0);                                                                   // row 1 learns
  opt.step();
  EXPECT_TRUE(values_near(emb(xg::tensor({4}, xg::kInt64)), {0, 0, 0}));
  EXPECT_XG_ERROR(xg::nn::Embedding(5, 3, 5), "Embedding: padding_idx 5 is out of range for 5 embeddings");
  EXPECT_XG_ERROR(xg::nn::Embedding(0, 3), "Embedding: sizes must be positive");
}

TEST(Init, DistributionsAndConstants) {
  xg::manual_seed(5);
  auto w = xg::empty({500, 200});
  xg::nn::init::normal(w, 0.01);
  EXPECT_NEAR(std::sqrt(w.var().item()), 0.01, 0.0005);
  xg::nn::init::he_normal(w);
  EXPECT_NEAR(w.var().item(), 2.0 / 500, 0.2 / 500);
  xg::nn::init::xavier_uniform(w);
  EXPECT_NEAR(w.var().item(), 1.0 / 500, 0.1 / 500);
  EXPECT_LE(w.max().item(), std::sqrt(3.0 / 500) + 1e-7);
  xg::nn::init::kaiming(w);
  EXPECT_NEAR(w.var().item(), 2.0 / 500, 0.2 / 500);
  xg::nn::init::glorot_uniform(w);
  EXPECT_NEAR(w.var().item(), 2.0 / 700, 0.2 / 700);
  xg::nn::init::uniform(w, 2, 3);
  EXPECT_GE(w.min().item(), 2.0);
  xg::nn::init::constant(w, 7);
  EXPECT_EQ(w.max().item(), 7.0);
  xg::nn::init::zeros(w);
  EXPECT_EQ(w.abs().max().item(), 0.0);
}
