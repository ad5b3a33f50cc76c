// Rows of docs/libtorch.md (Modules), compiled and run: each block, marked `// row:` with the
// row's libtorch cell (scripts/check_libtorch_doc.py keeps the markers and the doc's rows
// equal), writes the row's xgrad spelling and checks that it means what the row says. The
// Functional, Losses and Initialisation rows: test_rows_functional.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <tuple>

#include <xgrad/xgrad.h>

#include "rows_util.h"

using rows::Net;
using rows::sum_of;

TEST(LibtorchRows, Modules) {
  {
    // row: `struct Net : torch::nn::Module` with `register_module("fc", fc)`
    Net net;
    EXPECT_EQ(net.named_parameters()[0].first, "fc.W");
  }
  {
    // row: `torch::nn::Linear(784, 10)`, `torch::nn::Linear(torch::nn::LinearOptions(784, 10).bias(false))`
    nn::Linear a(784, 10), b(nn::LinearOptions(784, 10).bias(false));
    EXPECT_EQ(a.W.shape(), (xg::Shape{784, 10}));
    EXPECT_FALSE(b.b.defined());
  }
  {
    // row: `fc->weight`, `fc->bias`
    nn::Linear fc(3, 2);
    EXPECT_EQ(fc.W.shape(), (xg::Shape{3, 2}));
    EXPECT_EQ(fc.b.shape(), (xg::Shape{2}));
  }
  {
    // row: `net->parameters()`, `net->named_parameters()`
    Net net;
    EXPECT_EQ(net.parameters().size(), 2u);
    EXPECT_EQ(net.named_parameters().size(), 2u);
  }
  {
    // row: `for (auto& p : net->named_parameters()) p.key(), p.value();`
    Net net;
    std::string keys;
    for (auto& p : net.named_parameters()) keys += p.key() + ":" + std::to_string(p.value().numel()) + " ";
    EXPECT_EQ(keys, "fc.W:8 fc.b:2 ");
  }
  {
    // row: `for (auto& m : net->modules()) ...`, `net->modules(/*include_self=*/false)`
    struct Block : nn::Module {
      nn::Linear a{2, 2}, b{2, 2};
      Block() { register_module("a", a); register_module("b", b); }
      xg::Tensor forward(const xg::Tensor& x) override { return b(a(x)); }
    };
    struct Tower : nn::Module {
      Block first, second;
      nn::Linear head{2, 1};
      Tower() {
        register_module("first", first);
        register_module("second", second);
        register_module("head", head);
        register_module("again", first.a);  // a shared module: listed once, at its first place
      }
      xg::Tensor forward(const xg::Tensor& x) override { return head(second(first(x))); }
    };
    Tower t;
    const auto all = t.modules();
    const std::vector<xg::nn::Module*> want{&t, &t.first, &t.first.a, &t.first.b, &t.second, &t.second.a, &t.second.b, &t.head};
    EXPECT_EQ(all, want);
    const auto below = t.modules(false);
    EXPECT_EQ(below.size(), 7u);
    EXPECT_EQ(below.front(), &t.first);
    int linears = 0;
    for (auto* m : t.modules()) linears += dynamic_cast<nn::Linear*>(m) != nullptr;
    EXPECT_EQ(linears, 5);
  }
  {
    // row: `net->train()`, `net->eval()`
    Net net;
    net.eval();
    EXPECT_FALSE(net.fc.is_training());
    net.train();
    EXPECT_TRUE(net.fc.is_training());
  }
  {
    // row: `net->to(torch::kFloat64)`
    Net net;
    auto W = net.fc.W;
    net.to(xg::kFloat64);
    EXPECT_EQ(W.dtype(), xg::kFloat64);  // the same handle
  }
  {
    // row: `net->to(device)`
    Net net;
    xg::optim::SGD opt(net.parameters(), 0.1);
    const xg::Device device = xg::kCPU;
    net.to(device);
    EXPECT_EQ(net.fc.W.device(), device);
    EXPECT_TRUE(opt.param_groups()[0].params[0].is_same(net.parameters()[0]));
  }
  {
    // row: `fc->weight = torch::randn(...)`
    Net net;
    net.set_parameter("fc.W", xg::ones({4, 2}));
    xg::NoGradGuard no_grad;  // as in libtorch: in-place on a parameter outside recording
    net.fc.b.copy_(xg::zeros({2}));
    EXPECT_EQ(sum_of(net.fc.W), 8.0);
  }
  {
    // row: `torch::nn::Sequential seq(torch::nn::Linear(3, 4), torch::nn::ReLU());`
    nn::Sequential seq(std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::ReLU>());
    EXPECT_EQ(seq.size(), 2u);
    EXPECT_EQ(seq(xg::ones({1, 3})).shape(), (xg::Shape{1, 4}));
  }
  {
    // row: `seq->push_back(torch::nn::Dropout(0.5))`
    nn::Sequential seq;
    seq.push_back(std::make_shared<nn::Dropout>(0.5));
    seq.push_back("head", std::make_shared<nn::Linear>(2, 2));
    EXPECT_EQ(seq.named_parameters()[0].first, "head.W");
  }
  {
    // row: `torch::nn::ReLU`, `Sigmoid`, `Tanh`, `GELU`, `SiLU`, `ELU`, `LeakyReLU(LeakyReLUOptions().negative_slope(0.2))`, `Softmax(1)`, `Flatten`
    const auto x = xg::tensor({{-1.0, 2.0}});
    EXPECT_EQ(nn::ReLU()(x).min().item(), 0.0);
    EXPECT_EQ(nn::Sigmoid()(x).shape(), x.shape());
    EXPECT_EQ(nn::Tanh()(x).shape(), x.shape());
    EXPECT_EQ(nn::GELU(nn::GELUOptions().approximate("tanh"))(x).shape(), x.shape());
    EXPECT_EQ(nn::SiLU()(x).shape(), x.shape());
    EXPECT_EQ(nn::ELU(nn::ELUOptions().alpha(1.0))(x).shape(), x.shape());
    EXPECT_FLOAT_EQ(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2))(x).min().item<float>(), -0.2f);
    EXPECT_NEAR(nn::Softmax(1)(x).sum().item(), 1.0, 1e-6);
    EXPECT_EQ(nn::Flatten()(xg::ones({2, 3, 4})).shape(), (xg::Shape{2, 12}));
  }
  {
    // row: `torch::nn::SELU`, `CELU(CELUOptions().alpha(0.5))`, `Mish`, `Hardswish`, `Hardsigmoid`, `Softsign`, `PReLU(PReLUOptions().num_parameters(8))`
    const auto x = xg::tensor({-1.0, 2.0}, xg::kFloat64);
    const auto at = [](const xg::Tensor& y, std::size_t i) { return y.to_vector<double>()[i]; };
    EXPECT_NEAR(at(nn::SELU()(x), 1), 2 * 1.0507009873554805, 1e-15);
    EXPECT_NEAR(at(nn::CELU(nn::CELUOptions().alpha(0.5))(x), 0), 0.5 * std::expm1(-2.0), 1e-15);
    EXPECT_EQ(nn::Mish()(x).shape(), x.shape());
    EXPECT_NEAR(at(nn::Hardswish()(x), 0), -1.0 / 3, 1e-15);
    EXPECT_NEAR(at(nn::Hardsigmoid()(x), 1), 5.0 / 6, 1e-15);
    EXPECT_EQ(at(nn::Softsign()(x), 0), -0.5);
    nn::PReLU prelu(nn::PReLUOptions().num_parameters(8));
    EXPECT_EQ(prelu.W.shape(), (xg::Shape{8}));
    EXPECT_FLOAT_EQ(prelu(-xg::ones({2, 8})).min().item<float>(), -0.25f);
  }
  {
    // row: `torch::nn::Dropout(0.2)`, `torch::nn::Dropout(torch::nn::DropoutOptions().p(0.2))`, `Dropout2d`
    nn::Dropout a(0.2), b(nn::DropoutOptions().p(0.2)), all(1.0);
    nn::Dropout2d c(nn::Dropout2dOptions(0.5));
    EXPECT_EQ(sum_of(all(xg::ones({10}))), 0.0);
    EXPECT_EQ(c(xg::ones({2, 3, 4, 4})).shape(), (xg::Shape{2, 3, 4, 4}));
  }
  {
    // row: `torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 3).stride(1).padding(1).bias(false))`
    nn::Conv2d conv(nn::Conv2dOptions(1, 32, 3).stride(1).padding(1).bias(false));
    EXPECT_EQ(conv.W.shape(), (xg::Shape{32, 1, 3, 3}));
    EXPECT_EQ(conv(xg::ones({1, 1, 8, 8})).shape(), (xg::Shape{1, 32, 8, 8}));
  }
  {
    // row: `torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(16, 8, 3).stride(2))`
    nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(16, 8, 3).stride(2));
    EXPECT_EQ(up(xg::ones({1, 16, 4, 4})).shape(), (xg::Shape{1, 8, 9, 9}));
  }
  {
    // row: `torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).stride(2))`, `torch::nn::AvgPool2d(2)`
    nn::MaxPool2d pool(nn::MaxPool2dOptions(2).stride(2));
    nn::AvgPool2d avg(2);
    EXPECT_EQ(pool(xg::ones({1, 1, 4, 4})).shape(), (xg::Shape{1, 1, 2, 2}));
    EXPECT_EQ(avg(xg::ones({1, 1, 4, 4})).shape(), (xg::Shape{1, 1, 2, 2}));
  }
  {
    // row: `torch::nn::Bilinear(torch::nn::BilinearOptions(20, 30, 40).bias(true))`, `layer->forward(x1, x2)`, `F::bilinear(x1, x2, weight, bias)`
    nn::Bilinear layer(nn::BilinearOptions(20, 30, 40).bias(true));
    const auto x1 = xg::randn({8, 20}), x2 = xg::randn({8, 30});
    EXPECT_EQ(layer.forward(x1, x2).shape(), (xg::Shape{8, 40}));
    EXPECT_EQ(layer.W.shape(), (xg::Shape{40, 20, 30}));  // PyTorch's weight layout
    EXPECT_EQ(layer(x1, x2).to_vector<float>(), xg::nn::functional::bilinear(x1, x2, layer.W, layer.b).to_vector<float>());
  }
  {
    // row: `torch::nn::EmbeddingBag(torch::nn::EmbeddingBagOptions(1000, 64).mode(torch::kSum))`, `bag->forward(text, offsets)`, `F::embedding_bag(input, weight, F::EmbeddingBagFuncOptions().offsets(offsets).mode(torch::kMax))`
    nn::EmbeddingBag bag(nn::EmbeddingBagOptions(1000, 64).mode(xg::kSum));
    const auto text = xg::tensor({4, 99, 7, 7, 512}, xg::kInt64), offsets = xg::tensor({0, 2}, xg::kInt64);
    const auto y = bag.forward(text, offsets);
    EXPECT_EQ(y.shape(), (xg::Shape{2, 64}));
    EXPECT_LT((y.select(0, 1) - (bag.W.select(0, 7) * 2.0 + bag.W.select(0, 512))).abs().max().item(), 1e-5);
    const auto top = xg::nn::functional::embedding_bag(
        text, bag.W, xg::nn::functional::EmbeddingBagFuncOptions().offsets(offsets).mode(xg::kMax));
    EXPECT_EQ(top.shape(), (xg::Shape{2, 64}));
  }
  {
    // row: `torch::nn::AdaptiveAvgPool1d(torch::nn::AdaptiveAvgPool1dOptions(1))`, `torch::nn::AdaptiveMaxPool1d(5)`, `pool->forward_with_indices(x)`, `F::adaptive_avg_pool1d(x, F::AdaptiveAvgPool1dFuncOptions(4))`
    nn::AdaptiveAvgPool1d gap(nn::AdaptiveAvgPool1dOptions(1));
    const auto x = xg::tensor({{{1.0f, 5.0f, 3.0f, 2.0f}}});
    EXPECT_EQ(gap(x).to_vector<float>(), (std::vector<float>{2.75f}));
    nn::AdaptiveMaxPool1d pool(2);
    auto [values, indices] = pool.forward_with_indices(x);
    EXPECT_EQ(values.to_vector<float>(), (std::vector<float>{5, 3}));
    EXPECT_EQ(indices.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(xg::nn::functional::adaptive_avg_pool1d(x, xg::nn::functional::AdaptiveAvgPool1dFuncOptions(4)).shape(),
              (xg::Shape{1, 1, 4}));
  }
  {
    // row: `torch::nn::AdaptiveAvgPool2d(torch::nn::AdaptiveAvgPool2dOptions({1, 1}))`
    nn::AdaptiveAvgPool2d gap(nn::AdaptiveAvgPool2dOptions({1, 1}));
    EXPECT_EQ(gap(xg::ones({2, 3, 5, 5})).shape(), (xg::Shape{2, 3, 1, 1}));
  }
  {
    // row: `torch::nn::AdaptiveMaxPool2d(torch::nn::AdaptiveMaxPool2dOptions({2, 2}))`, `pool->forward_with_indices(x)`, `F::adaptive_max_pool2d(x, F::AdaptiveMaxPool2dFuncOptions(1))`
    nn::AdaptiveMaxPool2d pool(nn::AdaptiveMaxPool2dOptions({2, 2}));
    const auto x = xg::arange(16, xg::kFloat32).reshape({1, 1, 4, 4});
    EXPECT_EQ(pool(x).to_vector<float>(), (std::vector<float>{5, 7, 13, 15}));
    auto [values, indices] = pool.forward_with_indices(x);
    EXPECT_EQ(indices.to_vector<std::int64_t>(), (std::vector<std::int64_t>{5, 7, 13, 15}));
    EXPECT_EQ(xg::nn::functional::adaptive_max_pool2d(x, xg::nn::functional::AdaptiveMaxPool2dFuncOptions(1)).item(), 15.0);
  }
  {
    // row: `torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(8).momentum(0.1).eps(1e-5))`, `BatchNorm1d`
    nn::BatchNorm2d bn(nn::BatchNorm2dOptions(8).momentum(0.1).eps(1e-5));
    nn::BatchNorm1d bn1(nn::BatchNorm1dOptions(4));
    bn(xg::randn({4, 8, 3, 3}));
    EXPECT_EQ(bn.num_batches_tracked.item(), 1.0);
    EXPECT_EQ(bn1.running_var.shape(), (xg::Shape{4}));
  }
  {
    // row: `torch::nn::LayerNorm(torch::nn::LayerNormOptions({4}).eps(1e-5))`
    nn::LayerNorm ln(nn::LayerNormOptions({4}).eps(1e-5));
    EXPECT_NEAR(ln(xg::randn({3, 4})).mean().item(), 0.0, 1e-6);
  }
  {
    // row: `torch::nn::GroupNorm(torch::nn::GroupNormOptions(2, 8).eps(1e-5).affine(true))`
    nn::GroupNorm gn(nn::GroupNormOptions(2, 8).eps(1e-5).affine(true));
    EXPECT_EQ(gn.gamma.shape(), (xg::Shape{8}));
    EXPECT_NEAR(gn(xg::randn({3, 8, 5})).narrow(1, 0, 4).mean().item(), 0.0, 1e-6);
  }
  {
    // row: `torch::nn::Conv1d(torch::nn::Conv1dOptions(8, 16, 3).stride(1).padding(1).bias(false))`
    nn::Conv1d conv(nn::Conv1dOptions(8, 16, 3).stride(1).padding(1).bias(false));
    EXPECT_EQ(conv.W.shape(), (xg::Shape{16, 8, 3}));
    EXPECT_EQ(conv(xg::randn({2, 8, 10})).shape(), (xg::Shape{2, 16, 10}));
  }
  {
    // row: `torch::nn::ConvTranspose1d(torch::nn::ConvTranspose1dOptions(16, 8, 3).stride(2).output_padding(1))`, `F::conv_transpose1d(x, w, F::ConvTranspose1dFuncOptions().stride(2))`
    nn::ConvTranspose1d up(nn::ConvTranspose1dOptions(16, 8, 3).stride(2).output_padding(1));
    EXPECT_EQ(up.W.shape(), (xg::Shape{16, 8, 3}));
    const auto x = xg::randn({2, 16, 10});
    EXPECT_EQ(up(x).shape(), (xg::Shape{2, 8, 22}));  // 2·9 + 3 + 1
    EXPECT_EQ(F::conv_transpose1d(x, up.W, F::ConvTranspose1dFuncOptions().stride(2)).shape(), (xg::Shape{2, 8, 21}));
  }
  {
    // row: `torch::nn::LocalResponseNorm(torch::nn::LocalResponseNormOptions(5).alpha(1e-4).beta(0.75).k(2))`, `F::local_response_norm(x, 5)`, `torch.nn.ChannelShuffle(2)` (Python), `torch::nn::Softmax2d()`, `torch::nn::RReLU(torch::nn::RReLUOptions().lower(0.1).upper(0.3))`, `F::rrelu(x)`
    nn::LocalResponseNorm lrn(nn::LocalResponseNormOptions(5).alpha(1e-4).beta(0.75).k(2));
    const auto x = xg::ones({1, 4, 2, 2}, xg::kFloat64);
    // Channel 0 sees channels 0-2 (3 ones) in a window of 5: 1 / (2 + 1e-4 · 3/5)^0.75.
    EXPECT_NEAR(lrn(x).to_vector<double>()[0], std::pow(2 + 1e-4 * 3 / 5, -0.75), 1e-15);
    EXPECT_EQ(F::local_response_norm(x, 5).shape(), x.shape());
    nn::ChannelShuffle shuffle(2);
    EXPECT_EQ(shuffle(xg::arange(4.0).reshape({1, 4, 1})).to_vector<float>(), (std::vector<float>{0, 2, 1, 3}));
    EXPECT_NEAR(nn::Softmax2d()(x).to_vector<double>()[0], 0.25, 1e-15);
    nn::RReLU rrelu(nn::RReLUOptions().lower(0.1).upper(0.3));
    rrelu.eval();
    EXPECT_NEAR(rrelu(-x).to_vector<double>()[0], -0.2, 1e-15);
    EXPECT_NEAR(F::rrelu(-x).to_vector<double>()[0], -(1.0 / 8 + 1.0 / 3) / 2, 1e-15);
  }
  {
    // row: `torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 3).padding(1).padding_mode(torch::kCircular))`
    nn::Conv2d conv(nn::Conv2dOptions(3, 8, 3).padding(1).padding_mode(xg::kCircular));
    const auto x = xg::randn({2, 3, 5, 5});
    const auto y = conv(x);
    EXPECT_EQ(y.shape(), (xg::Shape{2, 8, 5, 5}));
    EXPECT_EQ(y.to_vector<float>(), xg::conv2d(xg::pad(x, {1, 1, 1, 1}, xg::kCircular), conv.W, conv.b).to_vector<float>());
  }
  {
    // row: `torch::nn::ReflectionPad2d(torch::nn::ReflectionPad2dOptions({1, 1, 2, 0}))`, `torch::nn::ZeroPad2d(1)`, `torch::nn::ConstantPad1d(torch::nn::ConstantPad1dOptions(2, 3.5))`
    nn::ReflectionPad2d reflect(nn::ReflectionPad2dOptions({1, 1, 2, 0}));
    nn::ZeroPad2d zero(1);
    nn::ConstantPad1d fill(nn::ConstantPad1dOptions(2, 3.5));
    const auto x = xg::randn({1, 2, 3, 4});
    EXPECT_EQ(reflect(x).shape(), (xg::Shape{1, 2, 5, 6}));
    EXPECT_EQ(zero(x).shape(), (xg::Shape{1, 2, 5, 6}));
    EXPECT_EQ(fill(xg::zeros({1, 1})).to_vector<float>(), (std::vector<float>{3.5f, 3.5f, 0, 3.5f, 3.5f}));
  }
  {
    // row: `torch::nn::InstanceNorm2d(torch::nn::InstanceNorm2dOptions(64).affine(true).track_running_stats(true))`
    nn::InstanceNorm2d norm(nn::InstanceNorm2dOptions(64).affine(true).track_running_stats(true));
    EXPECT_EQ(norm.parameters().size(), 2u);
    EXPECT_EQ(norm.named_buffers()[0].first, "running_mean");
    const auto x = xg::randn({2, 64, 3, 3});
    EXPECT_EQ(norm(x).shape(), x.shape());
    EXPECT_GT(norm.running_mean.abs().sum().item(), 0.0);  // training moved it
  }
  {
    // row: `torch::nn::Upsample(torch::nn::UpsampleOptions().scale_factor(std::vector<double>{2, 2}).mode(torch::kNearest))`
    nn::Upsample up(nn::UpsampleOptions().scale_factor({2, 2}).mode(xg::kNearest));
    const auto x = xg::tensor({{{{1.0f, 2.0f}}}});
    EXPECT_EQ(up(x).to_vector<float>(), (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2}));
  }
  {
    // row: `torch::nn::Hardtanh(torch::nn::HardtanhOptions().min_val(-2).max_val(2))`, `ReLU6`, `LogSigmoid`, `Tanhshrink`, `Softshrink(0.5)`, `Hardshrink(0.5)`, `Threshold(0.1, 20)`, `GLU(GLUOptions(1))`, `LogSoftmax(1)`, `Softmin(1)`
    const auto x = xg::tensor({{-3.0f, -0.2f, 0.2f, 7.0f}});
    EXPECT_EQ(nn::Hardtanh(nn::HardtanhOptions().min_val(-2).max_val(2))(x).to_vector<float>(), (std::vector<float>{-2, -0.2f, 0.2f, 2}));
    EXPECT_EQ(nn::ReLU6()(x).to_vector<float>(), (std::vector<float>{0, 0, 0.2f, 6}));
    EXPECT_EQ(nn::Hardshrink(0.5)(x).to_vector<float>(), (std::vector<float>{-3, 0, 0, 7}));
    EXPECT_EQ(nn::Threshold(0.1, 20)(x).to_vector<float>(), (std::vector<float>{20, 20, 0.2f, 7}));
    EXPECT_EQ(nn::GLU(nn::GLUOptions(1))(x).shape(), (xg::Shape{1, 2}));
    EXPECT_EQ(nn::LogSoftmax(1)(x).shape(), x.shape());
    EXPECT_EQ(nn::Softmin(1)(x).shape(), x.shape());
    EXPECT_EQ(nn::LogSigmoid()(x).shape(), x.shape());
    EXPECT_EQ(nn::Tanhshrink()(x).shape(), x.shape());
    EXPECT_EQ(nn::Softshrink(0.5)(x).to_vector<float>(), (std::vector<float>{-2.5f, 0, 0, 6.5f}));
  }
  {
    // row: `torch::nn::Unflatten(torch::nn::UnflattenOptions(1, {2, 4}))`, `torch::nn::PixelShuffle(2)`, `torch::nn::PixelUnshuffle(2)`, `torch::nn::Unfold(torch::nn::UnfoldOptions({2, 2}).stride(2))`, `torch::nn::Fold(torch::nn::FoldOptions({4, 4}, {2, 2}).stride(2))`
    const auto x = xg::randn({2, 8, 4, 4});
    EXPECT_EQ(nn::Unflatten(nn::UnflattenOptions(1, {2, 4}))(x).shape(), (xg::Shape{2, 2, 4, 4, 4}));
    EXPECT_EQ(nn::PixelShuffle(2)(x).shape(), (xg::Shape{2, 2, 8, 8}));
    EXPECT_EQ(nn::PixelUnshuffle(2)(x).shape(), (xg::Shape{2, 32, 2, 2}));
    nn::Unfold unfold(nn::UnfoldOptions({2, 2}).stride(2));
    nn::Fold fold(nn::FoldOptions({4, 4}, {2, 2}).stride(2));
    EXPECT_EQ(unfold(x).shape(), (xg::Shape{2, 32, 4}));
    EXPECT_EQ(fold(unfold(x)).to_vector<float>(), x.to_vector<float>());  // blocks that do not overlap
  }
  {
    // row: `torch::nn::MaxPool1d(torch::nn::MaxPool1dOptions(2).stride(2))`, `torch::nn::AvgPool1d(2)`
    nn::MaxPool1d pool(nn::MaxPool1dOptions(2).stride(2));
    nn::AvgPool1d avg(2);
    const auto x = xg::tensor({{{1.0f, 3.0f, 2.0f, 6.0f}}});
    EXPECT_EQ(pool(x).to_vector<float>(), (std::vector<float>{3, 6}));
    EXPECT_EQ(avg(x).to_vector<float>(), (std::vector<float>{2, 4}));
  }
  {
    // row: `torch::nn::Embedding(torch::nn::EmbeddingOptions(100, 16).padding_idx(0))`
    nn::Embedding emb(nn::EmbeddingOptions(100, 16).padding_idx(0));
    EXPECT_EQ(emb.padding_idx(), 0);
    EXPECT_EQ(sum_of(emb(xg::tensor({0}, xg::kInt64)).abs()), 0.0);
  }
  {
    // row: `torch::nn::Embedding(torch::nn::EmbeddingOptions(1000, 64).max_norm(1.0).scale_grad_by_freq(true))`, `F::embedding(idx, w, F::EmbeddingFuncOptions().max_norm(2.0).norm_type(1.0))`
    namespace F = xg::nn::functional;
    nn::Embedding emb(nn::EmbeddingOptions(1000, 64).max_norm(1.0).scale_grad_by_freq(true));
    const auto idx = xg::tensor({3, 3, 7}, xg::kInt64);
    emb(idx).sum().backward();
    EXPECT_LE(emb.W.select(0, 3).norm().item(), 1.0 + 1e-6);  // renormalised in place
    EXPECT_NEAR(emb.W.grad().select(0, 3).sum().item(), 64.0, 1e-4);  // two reads, each 1/2
    const auto w = xg::full({5, 2}, 3.0);
    const auto y = F::embedding(idx.narrow(0, 0, 1), w, F::EmbeddingFuncOptions().max_norm(2.0).norm_type(1.0));
    EXPECT_NEAR(y.abs().sum().item(), 2.0, 1e-6);
    EXPECT_EQ(w.select(0, 0).sum().item(), 6.0);  // a row not read is not touched
  }
  {
    // row: `torch::nn::LSTM(torch::nn::LSTMOptions(64, 256).num_layers(2).batch_first(true))`
    nn::LSTM lstm(nn::LSTMOptions(8, 16).num_layers(2).batch_first(true));
    EXPECT_EQ(lstm(xg::zeros({3, 5, 8})).shape(), (xg::Shape{3, 5, 16}));
    nn::RNN rnn(nn::RNNOptions(8, 16).nonlinearity(xg::kReLU));
    EXPECT_EQ(rnn.options().nonlinearity(), "relu");
  }
  {
    // row: `torch::nn::LSTM(torch::nn::LSTMOptions(80, 1024).proj_size(256))`
    nn::LSTM lstm(nn::LSTMOptions(8, 16).proj_size(4));
    auto [y, hc] = lstm(xg::zeros({5, 3, 8}), {});
    EXPECT_EQ(y.shape(), (xg::Shape{5, 3, 4}));
    EXPECT_EQ(std::get<1>(hc).shape(), (xg::Shape{1, 3, 16}));
    EXPECT_EQ(lstm.named_parameters().back().first, "weight_hr_l0");
  }
  {
    // row: `auto [y, hc] = lstm->forward(x, std::make_tuple(h0, c0));`
    nn::LSTM lstm(3, 4);
    auto h0 = xg::zeros({1, 2, 4}), c0 = xg::zeros({1, 2, 4});
    auto [y, hc] = lstm(xg::ones({5, 2, 3}), {h0, c0});
    EXPECT_EQ(std::get<1>(hc).shape(), (xg::Shape{1, 2, 4}));
    auto [y2, hc2] = lstm.forward(xg::ones({5, 2, 3}), std::make_tuple(h0, c0));
    EXPECT_EQ(y2.to_vector<float>(), y.to_vector<float>());
  }
  {
    // row: `auto [y, hc] = lstm->forward(x);`
    nn::LSTM lstm(3, 4);
    auto [y, hc] = lstm(xg::ones({5, 2, 3}), {});
    EXPECT_EQ(y.to_vector<float>(), lstm(xg::ones({5, 2, 3})).to_vector<float>());
  }
  {
    // row: `torch::nn::LSTMCell(torch::nn::LSTMCellOptions(3, 4))`, `RNNCell`, `GRUCell`; `torch::lstm_cell(...)`
    nn::LSTMCell cell(nn::LSTMCellOptions(3, 4));
    nn::RNNCell rnn_cell(nn::RNNCellOptions(3, 4).nonlinearity(xg::kTanh));
    nn::GRUCell gru_cell(nn::GRUCellOptions(3, 4).bias(false));
    auto [h, c] = xg::lstm_cell(xg::ones({2, 3}), {xg::zeros({2, 4}), xg::zeros({2, 4})}, cell.weight_ih, cell.weight_hh,
                                cell.bias_ih, cell.bias_hh);
    EXPECT_EQ(std::get<0>(cell(xg::ones({2, 3}), {})).to_vector<float>(), h.to_vector<float>());
    EXPECT_EQ(rnn_cell(xg::ones({2, 3})).shape(), (xg::Shape{2, 4}));
    EXPECT_EQ(gru_cell(xg::ones({2, 3})).shape(), (xg::Shape{2, 4}));
  }
  {
    // row: `torch::nn::MultiheadAttention(torch::nn::MultiheadAttentionOptions(16, 4).dropout(0.1))`, `auto [y, w] = mha->forward(q, k, v);`
    xg::nn::MultiheadAttention mha(xg::nn::MultiheadAttentionOptions(16, 4).dropout(0.1));
    auto q = xg::randn({5, 2, 16});  // (L, N, E) unless batch_first
    auto [y, w] = mha(q, q, q);
    EXPECT_EQ(y.shape(), (xg::Shape{5, 2, 16}));
    EXPECT_EQ(w.shape(), (xg::Shape{2, 5, 5}));
    EXPECT_EQ(mha.in_proj_weight.shape(), (xg::Shape{48, 16}));
    // add_bias_kv and add_zero_attn: one more key each, always attended.
    xg::nn::MultiheadAttention extra(xg::nn::MultiheadAttentionOptions(16, 4).add_bias_kv(true).add_zero_attn(true));
    EXPECT_EQ(std::get<1>(extra(q, q, q)).shape(), (xg::Shape{2, 5, 7}));
    EXPECT_EQ(extra.bias_k.shape(), (xg::Shape{1, 1, 16}));
  }
  {
    // row: `torch::nn::TransformerEncoderLayer(torch::nn::TransformerEncoderLayerOptions(16, 4).dim_feedforward(64))`, `TransformerDecoderLayer`
    nn::TransformerEncoderLayer enc(nn::TransformerEncoderLayerOptions(16, 4).dim_feedforward(64));
    nn::TransformerDecoderLayer dec(nn::TransformerDecoderLayerOptions(16, 4).dim_feedforward(64).activation("gelu"));
    auto memory = enc(xg::randn({6, 2, 16}));
    EXPECT_EQ(dec(xg::randn({3, 2, 16}), memory).shape(), (xg::Shape{3, 2, 16}));
  }
  {
    // row: `torch::nn::TransformerEncoder(torch::nn::TransformerEncoderOptions(layer, 6))`, `TransformerDecoder`, `torch::nn::Transformer(torch::nn::TransformerOptions(16, 4, 2, 2))`
    const auto layer_options = nn::TransformerEncoderLayerOptions(16, 4).dim_feedforward(32);
    nn::TransformerEncoder encoder(nn::TransformerEncoderOptions(layer_options, 6).norm(true));
    EXPECT_EQ(encoder.layers.size(), 6u);
    nn::Transformer tr(nn::TransformerOptions(16, 4, 2, 2).dim_feedforward(32));
    EXPECT_EQ(tr(xg::randn({6, 2, 16}), xg::randn({3, 2, 16})).shape(), (xg::Shape{3, 2, 16}));
  }
  {
    // row: `torch::nn::Transformer::generate_square_subsequent_mask(5)`
    auto mask = xg::nn::Transformer::generate_square_subsequent_mask(5);
    EXPECT_EQ(mask.at({0, 4}), -INFINITY);
    EXPECT_EQ(mask.at({4, 0}), 0.0);
  }
  {
    // row: `torch::nn::ModuleList list; list->push_back(layer);`
    xg::nn::ModuleList list;
    list.push_back(std::make_shared<nn::Linear>(3, 4));
    EXPECT_EQ(list.named_parameters().front().first, "0.W");
  }
  {
    // row: `torch::nn::utils::rnn::pad_sequence(seqs, /*batch_first=*/true, -1)`
    const auto padded = xg::nn::utils::rnn::pad_sequence({xg::ones({3, 2}), xg::ones({1, 2})}, /*batch_first=*/true, -1);
    EXPECT_EQ(padded.shape(), (xg::Shape{2, 3, 2}));
    EXPECT_EQ(padded.sum().item(), 6.0 + 2.0 - 4.0);
  }
  {
    namespace rnn = xg::nn::utils::rnn;
    // row: `auto packed = torch::nn::utils::rnn::pack_padded_sequence(x, lengths, /*batch_first=*/true, /*enforce_sorted=*/false);`, `pack_sequence(seqs, false)`, `auto [y, out_lengths] = pad_packed_sequence(out, true, 0.0, 7);`
    const auto x = xg::arange(12.0, xg::kFloat32).reshape({3, 4, 1});
    auto packed = rnn::pack_padded_sequence(x, xg::tensor({2, 4, 1}, xg::kInt64), /*batch_first=*/true, /*enforce_sorted=*/false);
    EXPECT_EQ(packed.data().to_vector<float>(), (std::vector<float>{4, 0, 8, 5, 1, 6, 7}));
    EXPECT_EQ(rnn::pack_sequence({xg::ones({1, 2}), xg::ones({3, 2})}, false).batch_sizes().to_vector<std::int64_t>(),
              (std::vector<std::int64_t>{2, 1, 1}));
    auto [y, out_lengths] = rnn::pad_packed_sequence(packed, true, 0.0, 7);
    EXPECT_EQ(y.shape(), (xg::Shape{3, 7, 1}));
    EXPECT_EQ(out_lengths.to_vector<std::int64_t>(), (std::vector<std::int64_t>{2, 4, 1}));
    EXPECT_EQ(y.sum().item(), 0 + 1 + 4 + 5 + 6 + 7 + 8);
    // row: `torch::nn::utils::rnn::PackedSequence(data, batch_sizes, sorted_indices)`, `.data()`, `.batch_sizes()`, `.sorted_indices()`, `.unsorted_indices()`, `.to(options)`, `.cuda()`, `.is_cuda()`
    rnn::PackedSequence again(packed.data(), packed.batch_sizes(), packed.sorted_indices());
    EXPECT_EQ(again.unsorted_indices().to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 2}));
    EXPECT_EQ(again.to(xg::kFloat64).data().dtype(), xg::kFloat64);
    EXPECT_FALSE(again.is_cuda());
    // row: `auto [out, hc] = lstm->forward_with_packed_input(packed, hx);` (LSTM, GRU, RNN)
    xg::nn::LSTM lstm(1, 2);
    auto [out, hc] = lstm.forward_with_packed_input(packed, {});
    EXPECT_EQ(out.data().shape(), (xg::Shape{7, 2}));
    EXPECT_EQ(std::get<0>(hc).shape(), (xg::Shape{1, 3, 2}));
    // Sequence 1 (four steps) ends with the output of its last step.
    EXPECT_EQ(std::get<0>(hc).select(1, 1).to_vector<float>(), out.data().select(0, 6).to_vector<float>());
  }
  {
    // row: `torch::nn::CosineSimilarity(torch::nn::CosineSimilarityOptions().dim(1))`, `torch::nn::PairwiseDistance(torch::nn::PairwiseDistanceOptions().p(1))`
    xg::nn::CosineSimilarity cos(xg::nn::CosineSimilarityOptions().dim(1));
    EXPECT_NEAR(cos(xg::ones({2, 3}), xg::ones({2, 3})).sum().item(), 2.0, 1e-6);
    xg::nn::PairwiseDistance dist(xg::nn::PairwiseDistanceOptions().p(1));
    EXPECT_NEAR(dist(xg::zeros({1, 3}), xg::ones({1, 3})).item(), 3.0, 1e-4);
  }
  {
    // row: `torch::nn::Softplus(torch::nn::SoftplusOptions().beta(2).threshold(10))`, `F::softplus(x, F::SoftplusFuncOptions().beta(0.5))`
    xg::nn::Softplus sp(xg::nn::SoftplusOptions().beta(2).threshold(10));
    EXPECT_EQ(sp(xg::tensor({6.0f})).item(), 6.0);  // beta x = 12 > 10: x itself
    namespace F = xg::nn::functional;
    EXPECT_NEAR(F::softplus(xg::zeros({1}), F::SoftplusFuncOptions().beta(0.5)).item(), 2 * std::log(2.0), 1e-6);
  }
}
