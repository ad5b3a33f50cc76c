// Rows of docs/libtorch.md (Functional, Losses, Initialisation), compiled and run, as
// test_rows_nn.cpp does for the Modules rows.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <xgrad/xgrad.h>

#include "rows_util.h"

using rows::sum_of;

TEST(LibtorchRows, Functional) {
  xg::manual_seed(1);
  const auto x = xg::randn({2, 4});
  {
    // row: `F::linear(x, weight, bias)`
    auto weight = xg::randn({3, 4}), bias = xg::randn({3});
    EXPECT_EQ(F::linear(x, weight, bias).shape(), (xg::Shape{2, 3}));
  }
  {
    // row: `F::relu(x)`, `F::gelu(x, F::GELUFuncOptions().approximate("tanh"))`, `F::silu(x)`, `F::elu(x)`, `F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.2))`
    EXPECT_EQ(F::relu(x).min().item(), 0.0);
    EXPECT_EQ(F::gelu(x, F::GELUFuncOptions().approximate("tanh")).to_vector<float>(), xg::gelu(x, "tanh").to_vector<float>());
    EXPECT_EQ(F::silu(x).shape(), x.shape());
    EXPECT_EQ(F::elu(x).shape(), x.shape());
    EXPECT_EQ(F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.2)).to_vector<float>(),
              xg::leaky_relu(x, 0.2).to_vector<float>());
  }
  {
    // row: `F::selu(x)`, `F::celu(x, F::CELUFuncOptions().alpha(0.5))`, `F::mish(x)`, `F::hardswish(x)`, `F::hardsigmoid(x)`, `F::softsign(x)`, `F::prelu(x, w)`
    EXPECT_EQ(F::selu(x).to_vector<float>(), xg::selu(x).to_vector<float>());
    EXPECT_EQ(F::celu(x, F::CELUFuncOptions().alpha(0.5)).to_vector<float>(), xg::celu(x, 0.5).to_vector<float>());
    EXPECT_EQ(F::mish(x).to_vector<float>(), xg::mish(x).to_vector<float>());
    EXPECT_EQ(F::hardswish(x).to_vector<float>(), xg::hardswish(x).to_vector<float>());
    EXPECT_EQ(F::hardsigmoid(x).to_vector<float>(), xg::hardsigmoid(x).to_vector<float>());
    EXPECT_EQ(F::softsign(x).to_vector<float>(), xg::softsign(x).to_vector<float>());
    EXPECT_EQ(F::prelu(x, xg::full({1}, 0.1)).to_vector<float>(), xg::leaky_relu(x, 0.1).to_vector<float>());
  }
  {
    // row: `F::hardtanh(x, F::HardtanhFuncOptions().min_val(-2).max_val(2))`, `F::relu6(x)`, `F::logsigmoid(x)`, `F::tanhshrink(x)`, `F::softshrink(x, 0.5)`, `F::hardshrink(x, 0.5)`, `F::threshold(x, F::ThresholdFuncOptions(0.1, 20))`, `F::glu(x, 1)`, `F::softmin(x, 1)`
    const auto v = xg::tensor({{-3.0f, -0.2f, 0.2f, 7.0f}});
    EXPECT_EQ(F::hardtanh(v, F::HardtanhFuncOptions().min_val(-2).max_val(2)).to_vector<float>(), (std::vector<float>{-2, -0.2f, 0.2f, 2}));
    EXPECT_EQ(F::relu6(v).to_vector<float>(), (std::vector<float>{0, 0, 0.2f, 6}));
    EXPECT_EQ(F::softshrink(v, 0.5).to_vector<float>(), (std::vector<float>{-2.5f, 0, 0, 6.5f}));
    EXPECT_EQ(F::hardshrink(v, 0.5).to_vector<float>(), (std::vector<float>{-3, 0, 0, 7}));
    EXPECT_EQ(F::threshold(v, F::ThresholdFuncOptions(0.1, 20)).to_vector<float>(), (std::vector<float>{20, 20, 0.2f, 7}));
    EXPECT_EQ(F::glu(v, 1).shape(), (xg::Shape{1, 2}));
    EXPECT_EQ(F::softmin(v, 1).shape(), v.shape());
    EXPECT_EQ(F::logsigmoid(v).shape(), v.shape());
    EXPECT_EQ(F::tanhshrink(v).shape(), v.shape());
  }
  {
    // row: `F::normalize(x, F::NormalizeFuncOptions().p(2).dim(1))`, `F::cosine_similarity(a, b, F::CosineSimilarityFuncOptions().dim(1))`, `F::pairwise_distance(a, b, F::PairwiseDistanceFuncOptions().p(2))`
    const auto a = xg::tensor({{3.0, 4.0}}, xg::kFloat64), b = xg::tensor({{4.0, 3.0}}, xg::kFloat64);
    const auto unit = F::normalize(a, F::NormalizeFuncOptions().p(2).dim(1)).to_vector<double>();
    EXPECT_NEAR(unit[0], 0.6, 1e-15);
    EXPECT_NEAR(unit[1], 0.8, 1e-15);
    EXPECT_NEAR(F::cosine_similarity(a, b, F::CosineSimilarityFuncOptions().dim(1)).item(), 24.0 / 25, 1e-15);
    EXPECT_NEAR(F::pairwise_distance(a, b, F::PairwiseDistanceFuncOptions().p(2)).item(), std::sqrt(2.0), 1e-5);
  }
  {
    // row: `F::softmax(x, F::SoftmaxFuncOptions(1))`, `F::log_softmax(x, F::LogSoftmaxFuncOptions(1))`
    EXPECT_NEAR(sum_of(F::softmax(x, F::SoftmaxFuncOptions(1))), 2.0, 1e-6);
    EXPECT_EQ(F::log_softmax(x, F::LogSoftmaxFuncOptions(1)).shape(), x.shape());
  }
  {
    // row: `F::conv2d(x, w, F::Conv2dFuncOptions().bias(b).stride(1).padding(1))`
    auto img = xg::randn({1, 2, 5, 5}), w = xg::randn({3, 2, 3, 3}), b = xg::randn({3});
    EXPECT_EQ(F::conv2d(img, w, F::Conv2dFuncOptions().bias(b).stride(1).padding(1)).shape(), (xg::Shape{1, 3, 5, 5}));
    EXPECT_EQ(F::conv_transpose2d(img, xg::randn({2, 3, 3, 3}), F::ConvTranspose2dFuncOptions().stride(2)).shape(),
              (xg::Shape{1, 3, 11, 11}));
  }
  {
    // row: `F::max_pool2d(x, F::MaxPool2dFuncOptions(2))`, `F::avg_pool2d(x, F::AvgPool2dFuncOptions(2))`, `F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions(1))`
    auto img = xg::randn({1, 2, 4, 4});
    EXPECT_EQ(F::max_pool2d(img, F::MaxPool2dFuncOptions(2)).shape(), (xg::Shape{1, 2, 2, 2}));
    EXPECT_EQ(F::avg_pool2d(img, F::AvgPool2dFuncOptions(2)).shape(), (xg::Shape{1, 2, 2, 2}));
    EXPECT_EQ(F::adaptive_avg_pool2d(img, F::AdaptiveAvgPool2dFuncOptions(1)).shape(), (xg::Shape{1, 2, 1, 1}));
  }
  {
    // row: `F::dropout(x, F::DropoutFuncOptions().p(0.5).training(true))`, `F::dropout2d`
    EXPECT_EQ(F::dropout(x, F::DropoutFuncOptions().p(0.5).training(false)).to_vector<float>(), x.to_vector<float>());
    EXPECT_EQ(sum_of(F::dropout(x, F::DropoutFuncOptions().p(1.0).training(true)).abs()), 0.0);
    EXPECT_EQ(F::dropout2d(xg::ones({1, 2, 3, 3}), F::Dropout2dFuncOptions().p(0.5)).shape(), (xg::Shape{1, 2, 3, 3}));
  }
  {
    // row: `F::batch_norm(x, mean, var, F::BatchNormFuncOptions().weight(w).bias(b).training(true).momentum(0.1))`
    auto mean = xg::zeros({4}), var = xg::ones({4}), w = xg::ones({4}), b = xg::zeros({4});
    auto y = F::batch_norm(x, mean, var, F::BatchNormFuncOptions().weight(w).bias(b).training(true).momentum(0.1));
    EXPECT_NEAR(y.mean({0}).abs().max().item(), 0.0, 1e-6);
    EXPECT_NEAR(mean.to_vector<float>()[0], 0.1 * x.mean({0}).to_vector<float>()[0], 1e-6);  // updated in place
  }
  {
    // row: `F::layer_norm(x, F::LayerNormFuncOptions({4}).weight(w).bias(b))`
    auto w = xg::ones({4}), b = xg::zeros({4});
    EXPECT_EQ(F::layer_norm(x, F::LayerNormFuncOptions({4}).weight(w).bias(b)).to_vector<float>(),
              xg::layer_norm(x, {4}, w, b).to_vector<float>());
  }
  {
    // row: `F::group_norm(x, F::GroupNormFuncOptions(2).weight(w).bias(b))`
    auto w = xg::ones({4}) * 2.0f, b = xg::ones({4});
    EXPECT_EQ(F::group_norm(x, F::GroupNormFuncOptions(2).weight(w).bias(b)).to_vector<float>(),
              xg::group_norm(x, 2, w, b).to_vector<float>());
  }
  {
    // row: `F::conv1d(x, w, F::Conv1dFuncOptions().bias(b).stride(1).padding(1))`
    const auto s = xg::randn({2, 3, 7}), w = xg::randn({4, 3, 3}), b = xg::randn({4});
    EXPECT_EQ(F::conv1d(s, w, F::Conv1dFuncOptions().bias(b).stride(1).padding(1)).to_vector<float>(),
              xg::conv1d(s, w, b, 1, 1).to_vector<float>());
  }
  {
    // row: `F::max_pool1d(x, F::MaxPool1dFuncOptions(2))`, `F::avg_pool1d(x, F::AvgPool1dFuncOptions(2))`
    const auto s = xg::tensor({{{1.0f, 3.0f, 2.0f, 6.0f}}});
    EXPECT_EQ(F::max_pool1d(s, F::MaxPool1dFuncOptions(2)).to_vector<float>(), (std::vector<float>{3, 6}));
    EXPECT_EQ(F::avg_pool1d(s, F::AvgPool1dFuncOptions(2)).to_vector<float>(), (std::vector<float>{2, 4}));
  }
  {
    // row: `F::embedding(idx, weight, F::EmbeddingFuncOptions().padding_idx(0))`
    auto weight = xg::randn({5, 3}).requires_grad_();
    F::embedding(xg::tensor({0, 2, 0}, xg::kInt64), weight, F::EmbeddingFuncOptions().padding_idx(0)).sum().backward();
    EXPECT_EQ(sum_of(weight.grad().narrow(0, 0, 1).abs()), 0.0);  // no gradient into the padding row
    EXPECT_EQ(sum_of(weight.grad().narrow(0, 2, 1)), 3.0);
  }
  {
    // row: `F::instance_norm(x, F::InstanceNormFuncOptions().running_mean(rm).running_var(rv).weight(w).bias(b).use_input_stats(true).momentum(0.1).eps(1e-5))`
    const auto img = xg::randn({2, 3, 4, 4});
    auto rm = xg::zeros({3}), rv = xg::ones({3});
    const auto w = xg::ones({3}), b = xg::zeros({3});
    const auto y = F::instance_norm(img, F::InstanceNormFuncOptions().running_mean(rm).running_var(rv).weight(w).bias(b).use_input_stats(true).momentum(0.1).eps(1e-5));
    EXPECT_LT(y.mean({2, 3}).abs().max().item(), 1e-5);
    EXPECT_GT(rm.abs().sum().item(), 0.0);
  }
  {
    // row: `F::pad(x, F::PadFuncOptions({1, 1}).value(0))`, `F::pad(x, F::PadFuncOptions({1, 1, 2, 0}).mode(torch::kReflect))`
    EXPECT_EQ(F::pad(x, F::PadFuncOptions({1, 1}).value(0)).shape(), (xg::Shape{2, 6}));
    const auto row = xg::tensor({{1.0f, 2.0f, 3.0f}});
    EXPECT_EQ(F::pad(row, F::PadFuncOptions({1, 1}).mode(xg::kReflect)).to_vector<float>(),
              (std::vector<float>{2, 1, 2, 3, 2}));
    EXPECT_EQ(F::pad(xg::randn({1, 3, 4}), F::PadFuncOptions({1, 1, 2, 0}).mode(xg::kReflect)).shape(), (xg::Shape{1, 5, 6}));
    EXPECT_EQ(xg::pad(row, {1, 1}, xg::kReflect).to_vector<float>(), (std::vector<float>{2, 1, 2, 3, 2}));
  }
  {
    // row: `F::interpolate(x, F::InterpolateFuncOptions().size({28, 28}).mode(torch::kBilinear).align_corners(false))`, `F::interpolate(x, F::InterpolateFuncOptions().scale_factor({2, 2}).mode(torch::kNearest))`
    EXPECT_EQ(F::interpolate(xg::zeros({1, 2, 3, 5}), F::InterpolateFuncOptions().scale_factor({2, 2}).mode(xg::kNearest)).shape(),
              (xg::Shape{1, 2, 6, 10}));
    auto img = xg::randn({1, 1, 14, 14});
    auto y = F::interpolate(img, F::InterpolateFuncOptions().size({28, 28}).mode(xg::kBilinear).align_corners(false));
    EXPECT_EQ(y.to_vector<float>(), xg::interpolate(img, {28, 28}, xg::kBilinear).to_vector<float>());
  }
  {
    // row: `F::interpolate(x, F::InterpolateFuncOptions().size({7, 7}).mode(torch::kArea))`, `F::interpolate(x, F::InterpolateFuncOptions().scale_factor({2, 2}).mode(torch::kNearestExact))`
    const auto img = xg::randn({1, 3, 14, 14});
    const auto area = F::interpolate(img, F::InterpolateFuncOptions().size({7, 7}).mode(xg::kArea));
    EXPECT_EQ((area - xg::avg_pool2d(img, 2)).abs().max().item(), 0);
    const auto up = F::interpolate(img, F::InterpolateFuncOptions().scale_factor({2, 2}).mode(xg::kNearestExact));
    EXPECT_EQ((up - xg::repeat_interleave(xg::repeat_interleave(img, 2, 2), 2, 3)).abs().max().item(), 0);
  }
  {
    // row: `F::grid_sample(x, grid, F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(false))`, `F::affine_grid(theta, {N, C, H, W}, false)`
    // A spatial transformer's two calls: a shift by half the image's width to the right
    // reads each row from its left half, the border padding repeating the first column.
    auto img = xg::arange(8, xg::kFloat32).reshape({1, 1, 2, 4});
    auto theta = xg::tensor({{{1.0f, 0.0f, -1.0f}, {0.0f, 1.0f, 0.0f}}});
    auto grid = F::affine_grid(theta, {1, 1, 2, 4}, false);
    EXPECT_EQ(grid.shape(), (xg::Shape{1, 2, 4, 2}));
    auto y = F::grid_sample(img, grid, F::GridSampleFuncOptions().mode(xg::kBilinear).padding_mode(xg::kBorder).align_corners(false));
    EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0, 0, 0, 1, 4, 4, 4, 5}));
    EXPECT_EQ(F::grid_sample(img, grid).to_vector<float>(), (std::vector<float>{0, 0, 0, 1, 0, 0, 4, 5}));
  }
  {
    // row: `F::one_hot(t, 10)`
    EXPECT_EQ(F::one_hot(xg::tensor({1, 2}, xg::kInt64), 10).shape(), (xg::Shape{2, 10}));
  }
}

TEST(LibtorchRows, Losses) {
  xg::manual_seed(2);
  const auto logits = xg::randn({4, 3}, xg::kFloat64);
  const auto t = xg::tensor({0, 2, 1, 2}, xg::kInt64);
  {
    // row: `torch::nn::CrossEntropyLoss`, `F::cross_entropy(logits, t)`
    EXPECT_NEAR(nn::CrossEntropyLoss()(logits, t).item(), F::cross_entropy(logits, t).item(), 1e-15);
    auto seq = xg::randn({2, 3, 5}, xg::kFloat64);  // (N, C, T) with (N, T) labels
    EXPECT_EQ(F::cross_entropy(seq, xg::zeros({2, 5}, xg::kInt64)).dim(), 0);
  }
  {
    // row: `F::cross_entropy(x, t, F::CrossEntropyFuncOptions().ignore_index(-100).reduction(torch::kSum).label_smoothing(0.1))`
    auto y = F::cross_entropy(logits, t, F::CrossEntropyFuncOptions().ignore_index(-100).reduction(xg::kSum).label_smoothing(0.1));
    EXPECT_GT(y.item(), 0.0);
    auto none = F::cross_entropy(logits, xg::tensor({0, -100, 1, 2}, xg::kInt64), F::CrossEntropyFuncOptions().reduction(xg::kNone));
    EXPECT_EQ(none.to_vector<double>()[1], 0.0);
    // Class weights: a heavier class costs more; equal weights change nothing.
    const auto weighted = F::cross_entropy(logits, t, F::CrossEntropyFuncOptions().weight(xg::full({logits.size(1)}, 2.0f)));
    EXPECT_NEAR(weighted.item(), F::cross_entropy(logits, t).item(), 1e-6);
  }
  {
    // row: `torch::nn::NLLLoss`, `F::nll_loss(logp, t)`
    auto logp = xg::log_softmax(logits, 1);
    EXPECT_NEAR(nn::NLLLoss()(logp, t).item(), F::cross_entropy(logits, t).item(), 1e-12);
    EXPECT_NEAR(F::nll_loss(logp, t).item(), F::cross_entropy(logits, t).item(), 1e-12);
  }
  {
    // row: `torch::nn::MSELoss`, `L1Loss`, `HuberLoss`, `BCELoss`, `BCEWithLogitsLoss`
    auto p = xg::sigmoid(logits), target = xg::ones_like(logits);
    EXPECT_GT(nn::MSELoss()(p, target).item() + nn::L1Loss()(p, target).item() + nn::HuberLoss()(p, target).item(), 0.0);
    EXPECT_NEAR(nn::BCELoss()(p, target).item(), nn::BCEWithLogitsLoss()(logits, target).item(), 1e-12);
  }
  {
    // row: `torch::nn::BCEWithLogitsLoss(torch::nn::BCEWithLogitsLossOptions().pos_weight(pw).weight(w))`, `torch::nn::BCELoss(torch::nn::BCELossOptions().weight(w).reduction(torch::kNone))`, `F::binary_cross_entropy_with_logits(x, t, F::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(pw))`
    const auto target = (xg::rand(logits.shape(), xg::kFloat64) > 0.5).to(xg::kFloat64);
    const auto pw = xg::full({3}, 3.0, xg::kFloat64), w = xg::full({3}, 0.5, xg::kFloat64);
    nn::BCEWithLogitsLoss weighted(nn::BCEWithLogitsLossOptions().pos_weight(pw).weight(w));
    EXPECT_NEAR(weighted(logits, xg::zeros_like(logits)).item(), 0.5 * nn::BCEWithLogitsLoss()(logits, xg::zeros_like(logits)).item(), 1e-6);
    EXPECT_NEAR(weighted(logits, xg::ones_like(logits)).item(), 1.5 * nn::BCEWithLogitsLoss()(logits, xg::ones_like(logits)).item(), 1e-5);
    nn::BCELoss each(nn::BCELossOptions().weight(w).reduction(xg::kNone));
    EXPECT_EQ(each(xg::sigmoid(logits), target).shape(), logits.shape());
    EXPECT_GT(F::binary_cross_entropy_with_logits(logits, target, F::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(pw)).item(), 0.0);
  }
  {
    // row: `torch::nn::KLDivLoss(torch::nn::KLDivLossOptions().reduction(torch::kBatchMean))`, `F::kl_div(logp, q, F::KLDivFuncOptions().reduction(torch::kBatchMean).log_target(false))`
    const auto logp = xg::log_softmax(logits, 1), q = xg::softmax(logits * 2.0f, 1);
    nn::KLDivLoss loss(nn::KLDivLossOptions().reduction(xg::kBatchMean));
    EXPECT_GT(loss(logp, q).item(), 0.0);
    EXPECT_EQ(loss(logp, q).item(), F::kl_div(logp, q, F::KLDivFuncOptions().reduction(xg::kBatchMean).log_target(false)).item());
  }
  {
    // row: `torch::nn::SmoothL1Loss(torch::nn::SmoothL1LossOptions().beta(0.5))`, `F::smooth_l1_loss(x, t, F::SmoothL1LossFuncOptions().beta(0.5))`
    auto target = xg::zeros_like(logits);
    nn::SmoothL1Loss loss(nn::SmoothL1LossOptions().beta(0.5));
    EXPECT_EQ(loss(logits, target).item(), F::smooth_l1_loss(logits, target, F::SmoothL1LossFuncOptions().beta(0.5)).item());
    EXPECT_NEAR(loss(logits, target).item(), F::huber_loss(logits, target, F::HuberLossFuncOptions().delta(0.5)).item() / 0.5, 1e-6);
  }
  {
    // row: `F::mse_loss(x, t, F::MSELossFuncOptions().reduction(torch::kSum))`, `F::l1_loss`, `F::huber_loss`, `F::binary_cross_entropy`, `F::binary_cross_entropy_with_logits`
    auto target = xg::zeros_like(logits);
    EXPECT_NEAR(F::mse_loss(logits, target, F::MSELossFuncOptions().reduction(xg::kSum)).item(), sum_of(logits * logits), 1e-12);
    EXPECT_EQ(F::l1_loss(logits, target, F::L1LossFuncOptions().reduction(xg::kNone)).shape(), logits.shape());
    EXPECT_GT(F::huber_loss(logits, target, F::HuberLossFuncOptions().delta(0.5)).item(), 0.0);
    EXPECT_NEAR(F::binary_cross_entropy(xg::sigmoid(logits), target).item(),
                F::binary_cross_entropy_with_logits(logits, target).item(), 1e-12);
  }
  {
    // row: `torch::nn::TripletMarginLoss(torch::nn::TripletMarginLossOptions().margin(1.0).p(2))`, `torch::nn::CosineEmbeddingLoss`, `torch::nn::MarginRankingLoss`, `torch::nn::HingeEmbeddingLoss`, `torch::nn::SoftMarginLoss`, `torch::nn::MultiLabelSoftMarginLoss`, `torch::nn::PoissonNLLLoss`, `F::triplet_margin_loss(a, p, n, F::TripletMarginLossFuncOptions().swap(true))`
    const auto anchor = xg::zeros({2, 3}), positive = xg::zeros({2, 3}), negative = xg::ones({2, 3});
    nn::TripletMarginLoss triplet(nn::TripletMarginLossOptions().margin(1.0).p(2));
    EXPECT_EQ(triplet(anchor, positive, negative).item(), 0.0);  // d(a, n) = √3 beyond the margin
    EXPECT_EQ(F::triplet_margin_loss(anchor, positive, negative, F::TripletMarginLossFuncOptions().swap(true)).item(), 0.0);
    const auto one = xg::ones({2}), minus = -xg::ones({2});
    EXPECT_NEAR(nn::CosineEmbeddingLoss()(negative, negative, one).item(), 0.0, 1e-6);
    EXPECT_EQ(nn::MarginRankingLoss()(one, xg::zeros({2}), one).item(), 0.0);
    EXPECT_EQ(nn::HingeEmbeddingLoss()(xg::zeros({2}), minus).item(), 1.0);
    EXPECT_NEAR(nn::SoftMarginLoss()(xg::zeros({2}), one).item(), std::log(2.0), 1e-6);
    EXPECT_NEAR(nn::MultiLabelSoftMarginLoss()(xg::zeros({2, 3}), negative).item(), std::log(2.0), 1e-6);
    EXPECT_EQ(nn::PoissonNLLLoss()(xg::zeros({2}), xg::zeros({2})).item(), 1.0);
  }
  {
    // row: `torch::nn::AdaptiveLogSoftmaxWithLoss(torch::nn::AdaptiveLogSoftmaxWithLossOptions(512, 10000, {100, 1000}).div_value(4.0))`, `auto out = asm_->forward(x, t); out.loss`, `asm_->log_prob(x)`, `asm_->predict(x)`
    nn::AdaptiveLogSoftmaxWithLoss asm_(nn::AdaptiveLogSoftmaxWithLossOptions(32, 1000, {100, 500}).div_value(4.0));
    const auto x = xg::randn({4, 32});
    auto [output, loss] = asm_(x, xg::tensor({3, 150, 700, 99}, xg::kInt64));
    EXPECT_EQ(output.shape(), (xg::Shape{4}));
    EXPECT_NEAR(loss.item(), -output.mean().item(), 1e-5);
    EXPECT_NEAR(asm_.log_prob(x).exp().sum(1).mean().item(), 1.0, 1e-5);  // each row a distribution
    EXPECT_EQ(asm_.predict(x).shape(), (xg::Shape{4}));
  }
  {
    // row: `torch::nn::TripletMarginWithDistanceLoss(torch::nn::TripletMarginWithDistanceLossOptions().distance_function(f).margin(0.5).swap(true))`, `F::triplet_margin_with_distance_loss(a, p, n)`
    const auto f = [](const xg::Tensor& x, const xg::Tensor& y) { return (x - y).abs().sum(1); };  // L1
    const auto a = xg::zeros({2, 3}), p = xg::zeros({2, 3}), n = xg::full({2, 3}, 0.1);
    nn::TripletMarginWithDistanceLoss loss(nn::TripletMarginWithDistanceLossOptions().distance_function(f).margin(0.5).swap(true));
    EXPECT_NEAR(loss(a, p, n).item(), 0.5 - 0.3, 1e-6);  // d(a, p) = 0, d(a, n) = 0.3
    EXPECT_NEAR(F::triplet_margin_with_distance_loss(a, p, n).item(), 1.0 - std::sqrt(0.03), 1e-5);  // pairwise_distance
  }
  {
    // row: `torch::nn::CTCLoss(torch::nn::CTCLossOptions().blank(0).zero_infinity(true))`, `ctc(log_probs, targets, input_lengths, target_lengths)`, `F::ctc_loss(lp, t, il, tl, F::CTCLossFuncOptions().reduction(torch::kSum))`
    nn::CTCLoss ctc(nn::CTCLossOptions().blank(0).zero_infinity(true));
    // Two frames, each certain: blank then class 1 (probability 1 on the only alignment of "1").
    const auto lp = xg::tensor({{-1e9, 0.0}, {0.0, -1e9}}, xg::kFloat64).flip({0}).reshape({2, 1, 2}).log_softmax(-1);
    const auto t = xg::tensor({{1.0}}, xg::kInt64), il = xg::tensor({2.0}, xg::kInt64), tl = xg::tensor({1.0}, xg::kInt64);
    EXPECT_NEAR(ctc(lp, t, il, tl).item(), 0.0, 1e-12);
    EXPECT_NEAR(F::ctc_loss(lp, t, il, tl, F::CTCLossFuncOptions().reduction(xg::kSum)).item(), 0.0, 1e-12);
    EXPECT_EQ(ctc(lp, xg::tensor({{1.0, 1.0}}, xg::kInt64), il, xg::tensor({2.0}, xg::kInt64)).item(), 0.0);  // impossible
  }
  {
    // row: `torch::nn::MultiMarginLoss(torch::nn::MultiMarginLossOptions().p(2).margin(0.7).weight(w))`, `torch::nn::MultiLabelMarginLoss()`, `F::multi_margin_loss(x, y)`, `F::multilabel_margin_loss(x, y)`
    const auto x = xg::tensor({{0.1, 0.2, 0.4, 0.8}}, xg::kFloat64);
    const auto y = xg::tensor({3.0}, xg::kInt64);
    // PyTorch's documented example: (1 - 0.8 + 0.1) + (1 - 0.8 + 0.2) + (1 - 0.8 + 0.4), over 4.
    EXPECT_NEAR(F::multi_margin_loss(x, y).item(), (0.3 + 0.4 + 0.6) / 4, 1e-15);
    const auto w = xg::tensor({1.0, 1.0, 1.0, 2.0}, xg::kFloat64);
    nn::MultiMarginLoss squared(nn::MultiMarginLossOptions().p(2).margin(0.7).weight(w));
    EXPECT_NEAR(squared(x, y).item(), 2 * (0.0 + 0.01 + 0.09) / 4, 1e-15);
    // PyTorch's example: targets 3 and 0, then -1 ends the list.
    const auto labels = xg::tensor({{3.0, 0.0, -1.0, 1.0}}, xg::kInt64);
    EXPECT_NEAR(nn::MultiLabelMarginLoss()(x, labels).item(), 0.85, 1e-15);
    EXPECT_NEAR(F::multilabel_margin_loss(x, labels).item(), 0.85, 1e-15);
  }
  {
    // row: `torch.nn.GaussianNLLLoss(full=True)` (Python only)
    nn::GaussianNLLLoss gaussian(nn::GaussianNLLLossOptions().full(true));
    EXPECT_NEAR(gaussian(xg::zeros({2}), xg::zeros({2}), xg::ones({2})).item(), 0.5 * std::log(2 * M_PI), 1e-6);
  }
}

TEST(LibtorchRows, Initialisation) {
  xg::manual_seed(3);
  {
    // row: `torch::nn::init::kaiming_normal_(w, 0, torch::kFanIn, torch::kReLU)`
    nn::Linear fc(1000, 10);  // W stored (in, out) = (1000, 10); libtorch's fan_in is 1000
    nn::init::kaiming_normal_(fc.W, 0, xg::kFanIn, xg::kReLU);
    EXPECT_NEAR(fc.W.var({}, false, 1).item(), 2.0 / 1000, 0.2 * 2.0 / 1000);
    auto w = xg::empty({10, 1000});  // a plain tensor in PyTorch's (out, in) layout
    nn::init::kaiming_normal_(w, 0, xg::kFanIn, xg::kReLU);
    EXPECT_NEAR(w.var({}, false, 1).item(), 2.0 / 1000, 0.2 * 2.0 / 1000);
  }
  {
    // row: `torch::nn::init::kaiming_uniform_`, `xavier_uniform_(w, gain)`, `xavier_normal_`, `uniform_`, `normal_`, `constant_`, `zeros_`, `ones_`, `eye_`, `calculate_gain(torch::kTanh)`
    auto w = xg::empty({30, 20});
    const double bound = std::sqrt(6.0 / 50.0);
    EXPECT_LE(nn::init::xavier_uniform_(w, 1.0).abs().max().item(), bound);
    EXPECT_LE(nn::init::kaiming_uniform_(w).abs().max().item(), std::sqrt(6.0 / (1 + 0.01 * 0.01) / 20));
    nn::init::xavier_normal_(w);
    nn::init::uniform_(w, 0, 1);
    nn::init::normal_(w, 0, 1);
    EXPECT_EQ(sum_of(nn::init::constant_(w, 0.5)), 300.0);
    EXPECT_EQ(sum_of(nn::init::zeros_(w)) + sum_of(nn::init::ones_(w)), 600.0);
    EXPECT_EQ(sum_of(nn::init::eye_(w)), 20.0);
    EXPECT_DOUBLE_EQ(nn::init::calculate_gain(xg::kTanh), 5.0 / 3.0);
  }
  {
    // row: `torch::nn::init::dirac_(w)`, `torch::nn::init::sparse_(w, 0.1, 0.01)`
    auto w = xg::empty({4, 4, 3, 3});
    nn::init::dirac_(w);
    const auto x = xg::randn({1, 4, 5, 5});
    EXPECT_EQ((xg::conv2d(x, w, {}, 1, 1) - x).abs().max().item(), 0);
    auto s = xg::empty({10, 6});
    nn::init::sparse_(s, 0.1, 0.01);
    EXPECT_EQ(sum_of((s == 0.0).to(xg::kFloat64)), 6.0);  // one zero per column: ceil(0.1 · 10)
  }
  {
    // row: `torch::nn::init::orthogonal_(w, /*gain=*/1)`, `torch.nn.init.trunc_normal_(w, 0, 0.02)` (Python only)
    auto w = xg::empty({20, 30}, xg::kFloat64);
    nn::init::orthogonal_(w, /*gain=*/1);
    EXPECT_LT((xg::matmul(w, w.t()) - xg::eye(20, xg::kFloat64)).abs().max().item(), 1e-12);
    nn::init::trunc_normal_(w, 0, 0.02);
    EXPECT_LE(w.abs().max().item(), 2.0);
    EXPECT_NEAR(w.std().item(), 0.02, 0.003);
  }
}
