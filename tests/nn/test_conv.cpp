// Convolution and pooling modules: options, shapes, parameter counts of the reference CNNs
// through summary(), lazy sizing, BatchNorm2d, Dropout2d, errors naming the module, and
// gradient_check's kink report on the textbook's ch07 check.
#include <sstream>

#include "common/mnist_cnn.h"  // Keras's mnist_cnn.py, as the examples build it
#include "test_util.h"

namespace nn = xg::nn;
using xg::test::values_near;

namespace {

void build_simple_convnet(nn::Sequential& net) {
  net.emplace<nn::Conv2d>(1, 30, 5);
  net.emplace<nn::ReLU>();
  net.emplace<nn::MaxPool2d>(2);
  net.emplace<nn::Flatten>();
  net.emplace<nn::Linear>(4320, 100);
  net.emplace<nn::ReLU>();
  net.emplace<nn::Linear>(100, 10);
}

std::vector<std::int64_t> counts(const nn::ModelSummary& s) {
  std::vector<std::int64_t> out;
  for (const auto& r : s.rows) out.push_back(r.params);
  return out;
}

}  // namespace

TEST(Conv2dModule, OptionsShapesAndInit) {
  xg::manual_seed(0);
  nn::Conv2d conv(nn::Conv2dOptions(3, 8, {3, 5}).stride(2).padding({1, 2}).bias(false));
  EXPECT_EQ(conv.W.shape(), (xg::Shape{8, 3, 3, 5}));
  EXPECT_FALSE(conv.b.defined());
  EXPECT_EQ(conv.parameters().size(), 1u);
  EXPECT_EQ(conv(xg::zeros({2, 3, 9, 9})).shape(), (xg::Shape{2, 8, 5, 5}));
  // N(0, 1/fan_in), fan_in = 3·3·5 = 45: the sample standard deviation is near 0.149.
  nn::Conv2d big(64, 64, 3);
  EXPECT_NEAR(std::sqrt(big.W.var().item()), std::sqrt(1.0 / 576), 0.005);
  EXPECT_EQ(big.b.to_vector<double>(), std::vector<double>(64, 0.0));
  nn::Conv2d grouped(nn::Conv2dOptions(4, 6, 3).groups(2).dtype(xg::kFloat64));
  EXPECT_EQ(grouped.W.shape(), (xg::Shape{6, 2, 3, 3}));
  EXPECT_EQ(grouped.W.dtype(), xg::kFloat64);
  EXPECT_EQ(conv.describe(), "Conv2d(3, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), bias=False)");
}

TEST(Conv2dModule, ErrorsNameTheModuleAndShapes) {
  nn::Conv2d conv(1, 32, 3);
  EXPECT_XG_ERROR(conv(xg::zeros({128, 28, 28})),
                  "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1)): expected input (N, 1, H, W) or unbatched (1, H, W), got "
                  "(128,28,28) (a batch of one-channel images needs its channel axis: x.unsqueeze(1))");
  EXPECT_XG_ERROR(conv(xg::zeros({128, 3, 28, 28})), "Conv2d(1, 32", "expected input (N, 1, H, W) or unbatched (1, H, W), got (128,3,28,28)");
  EXPECT_XG_ERROR(nn::Conv2d(nn::Conv2dOptions(3, 4, 3).groups(2)), "Conv2d: groups = 2 must divide in_channels (3)");
  EXPECT_XG_ERROR(nn::MaxPool2d(2)(xg::zeros({4, 4})), "MaxPool2d(kernel_size=(2, 2)): expected input (N, C, H, W) or unbatched (C, H, W), got (4,4)");
  EXPECT_XG_ERROR(nn::BatchNorm2d(3)(xg::zeros({2, 4, 5, 5})), "BatchNorm2d(3): expected input (N, 3, H, W), got (2,4,5,5)");
}

TEST(Conv2dModule, LazyInChannelsAndFeatures) {
  nn::Sequential net;
  net.emplace<nn::LazyConv2d>(6, 3);
  net.emplace<nn::ReLU>();
  net.emplace<nn::Flatten>();
  net.emplace<nn::LazyLinear>(10);
  EXPECT_XG_ERROR(net.parameters(), "LazyConv2d '0'", "has not seen one yet", "summary");
  std::ostringstream os;
  auto s = nn::summary(net, {1, 3, 8, 8}, os);
  EXPECT_EQ(counts(s), (std::vector<std::int64_t>{6 * 27 + 6, 0, 0, 216 * 10 + 10}));
  EXPECT_EQ(net.parameters().size(), 4u);
  EXPECT_EQ(net(xg::zeros({2, 3, 8, 8})).shape(), (xg::Shape{2, 10}));
  EXPECT_XG_ERROR(net(xg::zeros({2, 4, 8, 8})), "LazyConv2d(3, 6", "expected input (N, 3, H, W) or unbatched (3, H, W), got (2,4,8,8)");
}

TEST(Summary, TheReferenceCnnsParameterCounts) {
  std::ostringstream os;
  MnistCnn keras;  // examples/common/mnist_cnn.h: the model the examples train
  auto s = nn::summary(keras, {1, 1, 28, 28}, os);
  EXPECT_EQ(counts(s), (std::vector<std::int64_t>{320, 18496, 0, 0, 0, 1179776, 0, 1290}));
  EXPECT_EQ(s.total, 1199882);
  EXPECT_NE(os.str().find("Total params: 1,199,882"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("conv2 (Conv2d)"), std::string::npos);
  EXPECT_EQ(s.rows[1].output_shape, (xg::Shape{1, 64, 24, 24}));
  EXPECT_EQ(s.rows[4].output_shape, (xg::Shape{1, 9216}));

  nn::Sequential simple;
  build_simple_convnet(simple);
  EXPECT_EQ(nn::summary(simple, {1, 1, 28, 28}, os).total, 433890);

  nn::Sequential deep;  // the textbook's ch08 DeepConvNet
  const std::int64_t channels[] = {1, 16, 16, 32, 32, 64, 64};
  for (int i = 0; i < 6; ++i) {
    deep.emplace<nn::Conv2d>(nn::Conv2dOptions(channels[i], channels[i + 1], 3).padding(i == 3 ? 2 : 1));
    deep.emplace<nn::ReLU>();
    if (i % 2 == 1) deep.emplace<nn::MaxPool2d>(2);
  }
  deep.emplace<nn::Flatten>();
  deep.emplace<nn::Linear>(1024, 50);
  deep.emplace<nn::ReLU>();
  deep.emplace<nn::Dropout>(0.5);
  deep.emplace<nn::Linear>(50, 10);
  deep.emplace<nn::Dropout>(0.5);
  EXPECT_EQ(nn::summary(deep, {1, 1, 28, 28}, os).total, 123552);
}

TEST(PoolModules, ShapesAndDefaults) {
  auto x = xg::randn({2, 3, 9, 9});
  EXPECT_EQ(nn::MaxPool2d(2)(x).shape(), (xg::Shape{2, 3, 4, 4}));  // stride = kernel
  EXPECT_EQ(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1))(x).shape(), (xg::Shape{2, 3, 5, 5}));
  EXPECT_EQ(nn::AvgPool2d(3)(x).shape(), (xg::Shape{2, 3, 3, 3}));
  EXPECT_EQ(nn::AdaptiveAvgPool2d(1)(x).shape(), (xg::Shape{2, 3, 1, 1}));
  nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(3, 2, 4).stride(2).padding(1));
  EXPECT_EQ(up.W.shape(), (xg::Shape{3, 2, 4, 4}));
  EXPECT_EQ(up(x).shape(), (xg::Shape{2, 2, 18, 18}));
}

TEST(BatchNorm2d, PerChannelStatistics) {
  nn::BatchNorm2d bn(2);
  auto x = xg::randn({4, 2, 3, 3}, xg::kFloat32) * 3.0 + 1.0;
  auto y = bn(x);
  EXPECT_TRUE(values_near(y.mean({0, 2, 3}), {0, 0}, 1e-5));
  EXPECT_TRUE(values_near(y.var({0, 2, 3}), {1, 1}, 1e-3));
  // The textbook's momentum: running = 0.9 running + 0.1 batch.
  const auto mu = x.mean({0, 2, 3}).to_vector<double>();
  EXPECT_TRUE(values_near(bn.running_mean, {0.1 * mu[0], 0.1 * mu[1]}, 1e-5));
  bn.eval();
  auto z = bn(x);
  EXPECT_EQ(z.shape(), x.shape());
  EXPECT_TRUE(xg::testing::gradcheck_ok([&](const xg::tensor_list& v) { return nn::BatchNorm2d(2, {}, xg::kFloat64)(v[0]); },
                                        {xg::test::randp({3, 2, 2, 2})}));
}

TEST(Dropout2d, DropsWholeChannels) {
  xg::manual_seed(4);
  nn::Dropout2d drop(0.5);
  auto y = drop(xg::ones({8, 16, 3, 3}));
  const auto v = y.to_vector<double>();
  int dropped = 0;
  for (std::size_t c = 0; c < v.size() / 9; ++c) {
    for (std::size_t i = 1; i < 9; ++i) ASSERT_EQ(v[c * 9 + i], v[c * 9]);  // one value per channel
    EXPECT_TRUE(v[c * 9] == 0.0 || v[c * 9] == 2.0);
    dropped += v[c * 9] == 0.0;
  }
  EXPECT_GT(dropped, 30);
  EXPECT_LT(dropped, 98);
  drop.eval();
  EXPECT_TRUE(values_near(drop(xg::ones({1, 1, 2, 2})), {1, 1, 1, 1}));
}

TEST(GradientCheck, ReportsKinksApartOnTheTextbooksConvNet) {
  // ch07/gradient_check.py: (1,1,10,10) input, 10 filters 3x3, hidden 10, std 0.01, float64.
  xg::manual_seed(1);
  nn::Conv2d conv(nn::Conv2dOptions(1, 10, 3).dtype(xg::kFloat64));
  nn::Linear l2(160, 10, true, xg::kFloat64), l3(10, 10, true, xg::kFloat64);
  for (auto* w : {&conv.W, &l2.W, &l3.W}) nn::init::normal(*w, 0.01);
  const auto x = xg::rand({1, 1, 10, 10}, xg::kFloat64);
  const auto t = xg::tensor({1}, xg::kInt64);
  auto loss = [&] {
    auto h = xg::max_pool2d(xg::relu(conv(x)), 2).reshape({1, -1});
    return nn::softmax_cross_entropy(l3(xg::relu(l2(h))), t);
  };
  xg::NamedTensors params{{"W1", conv.W}, {"b1", conv.b}, {"W2", l2.W}, {"b2", l2.b}, {"W3", l3.W}, {"b3", l3.b}};
  auto report = xg::gradient_check(loss, params);
  std::int64_t kinks = 0;
  for (const auto& p : report.params) {
    kinks += p.kinks;
    EXPECT_LT(p.mean_abs_diff, 1e-8) << report;  // smooth elements agree to 1e-10 or so
  }
  EXPECT_TRUE(report.ok()) << report;
  // The textbook's plain figure, every element included, is what it printed: worse.
  xg::GradientCheckOptions plain;
  plain.kinks = xg::Kinks::Include;
  auto textbook = xg::gradient_check(loss, params, plain);
  EXPECT_EQ(textbook.params[0].kinks, 0);
  // With 0.01 weights some conv outputs lie within h of zero: seed 1 has kinks in W1 and b1.
  ASSERT_GT(kinks, 0) << report;
  double worst_report = 0, worst_plain = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    worst_report = std::max(worst_report, report.params[i].mean_abs_diff);
    worst_plain = std::max(worst_plain, textbook.params[i].mean_abs_diff);
  }
  EXPECT_GT(worst_plain, 100 * worst_report);
  EXPECT_NE(report.str().find("at kinks: mean"), std::string::npos) << report;
}

TEST(GradientCheck, FindsAReluKinkWithinH) {
  // relu at 5e-5: the step of 1e-4 crosses zero; the difference reads (1.5e-4 - 0) / 2e-4
  // = 0.75 where backprop says 1.
  auto x = xg::tensor({5e-5, 1.0, -1.0}, {3}, xg::kFloat64).requires_grad_();
  auto report = xg::gradient_check([&] { return xg::relu(x).sum(); }, {{"x", x}});
  ASSERT_EQ(report.params[0].kinks, 1);
  EXPECT_NEAR(report.params[0].kink_max_abs_diff, 0.25, 1e-9);
  EXPECT_LT(report.params[0].mean_abs_diff, 1e-9);
  EXPECT_TRUE(report.ok());
  xg::GradientCheckOptions plain;
  plain.kinks = xg::Kinks::Include;
  EXPECT_FALSE(xg::gradient_check([&] { return xg::relu(x).sum(); }, {{"x", x}}, plain).ok());
  // gradcheck skips the same element, and counts it.
  auto r = xg::gradcheck([](const xg::tensor_list& v) { return xg::relu(v[0]); },
                         {xg::tensor({5e-7, 1.0}, {2}, xg::kFloat64).requires_grad_()});
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.kinks, 1);
}
