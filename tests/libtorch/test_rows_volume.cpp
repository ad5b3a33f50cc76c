// Rows of docs/libtorch.md (Modules) for volumes, unpooling, pooling with indices and LPPool,
// compiled and run as test_rows_nn.cpp's: each `// row:` block writes the row's xgrad
// spelling and checks that it means what the row says.
#include <gtest/gtest.h>

#include <tuple>

#include <xgrad/xgrad.h>

TEST(LibtorchRows, VolumeModules) {
  namespace F = xg::nn::functional;
  namespace nn = xg::nn;
  const auto x = xg::randn({2, 1, 6, 8, 8});
  {
    // row: `torch::nn::Conv3d(torch::nn::Conv3dOptions(1, 8, 3).stride({1, 2, 2}).padding(1))`, `F::conv3d(x, w, F::Conv3dFuncOptions().padding(1))`
    nn::Conv3d conv(nn::Conv3dOptions(1, 8, 3).stride({1, 2, 2}).padding(1));
    EXPECT_EQ(conv.W.shape(), (xg::Shape{8, 1, 3, 3, 3}));
    EXPECT_EQ(conv(x).shape(), (xg::Shape{2, 8, 6, 4, 4}));
    EXPECT_EQ(F::conv3d(x, conv.W, F::Conv3dFuncOptions().padding(1)).shape(), (xg::Shape{2, 8, 6, 8, 8}));
  }
  {
    // row: `torch::nn::ConvTranspose3d(torch::nn::ConvTranspose3dOptions(16, 8, 2).stride(2))`, `F::conv_transpose3d(x, w, F::ConvTranspose3dFuncOptions().stride(2))`
    nn::ConvTranspose3d up(nn::ConvTranspose3dOptions(16, 8, 2).stride(2));
    EXPECT_EQ(up.W.shape(), (xg::Shape{16, 8, 2, 2, 2}));
    const auto v = xg::randn({1, 16, 3, 4, 5});
    EXPECT_EQ(up(v).shape(), (xg::Shape{1, 8, 6, 8, 10}));
    EXPECT_EQ(F::conv_transpose3d(v, up.W, F::ConvTranspose3dFuncOptions().stride(2)).shape(), (xg::Shape{1, 8, 6, 8, 10}));
  }
  {
    // row: `torch::nn::MaxPool3d(torch::nn::MaxPool3dOptions(2).stride(2))`, `torch::nn::AvgPool3d(2)`, `torch::nn::AdaptiveAvgPool3d(1)`, `torch::nn::AdaptiveMaxPool3d(torch::nn::AdaptiveMaxPool3dOptions({2, 2, 2}))`, `F::max_pool3d(x, F::MaxPool3dFuncOptions(2))`
    nn::MaxPool3d pool(nn::MaxPool3dOptions(2).stride(2));
    EXPECT_EQ(pool(x).shape(), (xg::Shape{2, 1, 3, 4, 4}));
    EXPECT_EQ((pool(x) - F::max_pool3d(x, F::MaxPool3dFuncOptions(2))).abs().max().item(), 0);
    EXPECT_NEAR(nn::AvgPool3d(2)(x).mean().item(), x.mean().item(), 1e-6);
    EXPECT_NEAR(nn::AdaptiveAvgPool3d(1)(x).select(0, 0).item(), x.select(0, 0).mean().item(), 1e-6);
    nn::AdaptiveMaxPool3d amax(nn::AdaptiveMaxPool3dOptions({2, 2, 2}));
    const auto [values, indices] = amax.forward_with_indices(x);
    EXPECT_EQ(values.select(0, 0).amax().item(), x.select(0, 0).amax().item());
    EXPECT_EQ(indices.shape(), (xg::Shape{2, 1, 2, 2, 2}));
  }
  {
    // row: `torch::nn::MaxUnpool2d(torch::nn::MaxUnpool2dOptions(2).stride(2))`, `pool->forward_with_indices(x)`, `unpool->forward(y, indices, output_size)`, `F::max_pool2d_with_indices(x, F::MaxPool2dFuncOptions(2))`, `F::max_unpool2d(y, indices, F::MaxUnpool2dFuncOptions(2).output_size({5, 5}))`
    nn::MaxPool2d pool(nn::MaxPool2dOptions(2).stride(2));
    nn::MaxUnpool2d unpool(nn::MaxUnpool2dOptions(2).stride(2));
    const auto img = xg::randn({1, 3, 5, 5});
    const auto [y, indices] = pool.forward_with_indices(img);
    const auto back = unpool.forward(y, indices, {5, 5});
    EXPECT_EQ(back.shape(), (xg::Shape{1, 3, 5, 5}));
    EXPECT_EQ(back.amax().item(), img.narrow(2, 0, 4).narrow(3, 0, 4).amax().item());  // the maxima back in place
    const auto [y2, i2] = F::max_pool2d_with_indices(img, F::MaxPool2dFuncOptions(2));
    EXPECT_EQ((F::max_unpool2d(y2, i2, F::MaxUnpool2dFuncOptions(2).output_size({5, 5})) - back).abs().max().item(), 0);
  }
  {
    // row: `torch::nn::LPPool2d(torch::nn::LPPool2dOptions(2, 3).stride(2))`, `torch::nn::LPPool1d(torch::nn::LPPool1dOptions(1.5, 2))`, `F::lp_pool2d(x, F::LPPool2dFuncOptions(2, {2, 2}))`
    nn::LPPool2d pool(nn::LPPool2dOptions(2, 3).stride(2));
    const auto img = xg::ones({1, 1, 5, 5}, xg::kFloat64);
    EXPECT_EQ(pool(img).shape(), (xg::Shape{1, 1, 2, 2}));
    EXPECT_NEAR(pool(img).select(3, 0).flatten().select(0, 0).item(), 3.0, 1e-12);  // sqrt of 9 ones
    nn::LPPool1d line(nn::LPPool1dOptions(1.5, 2));
    EXPECT_EQ(line(xg::ones({1, 2, 6})).shape(), (xg::Shape{1, 2, 3}));
    EXPECT_NEAR(F::lp_pool2d(img, F::LPPool2dFuncOptions(2, {2, 2})).select(3, 1).flatten().select(0, 0).item(), 2.0, 1e-12);
  }
  {
    // row: `torch::nn::FractionalMaxPool2d(torch::nn::FractionalMaxPool2dOptions(3).output_ratio(0.5))`, `F::fractional_max_pool2d(x, F::FractionalMaxPool2dFuncOptions(2).output_size(14))`, `FractionalMaxPool3d`
    nn::FractionalMaxPool2d pool(nn::FractionalMaxPool2dOptions(3).output_ratio(0.5));
    const auto img = xg::randn({2, 3, 28, 28});
    EXPECT_EQ(pool(img).shape(), (xg::Shape{2, 3, 14, 14}));
    const auto [y, indices] = pool.forward_with_indices(img);  // positions h * 28 + w, for max_unpool2d
    EXPECT_EQ(indices.dtype(), xg::kInt64);
    EXPECT_EQ(F::fractional_max_pool2d(img, F::FractionalMaxPool2dFuncOptions(2).output_size(14)).shape(), (xg::Shape{2, 3, 14, 14}));
    nn::FractionalMaxPool3d vol(nn::FractionalMaxPool3dOptions(2).output_size({2, 3, 3}));
    EXPECT_EQ(vol(xg::randn({1, 2, 5, 6, 7})).shape(), (xg::Shape{1, 2, 2, 3, 3}));
  }
  {
    // row: `torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(2).ceil_mode(true))`, `torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(2).ceil_mode(true).divisor_override(4))`, `torch::max_pool2d(x, 3, 2, 0, 1, true)`, `torch::avg_pool2d(x, 3, 2, 1, true, false, 4)`
    const auto y = xg::randn({1, 2, 7, 7});
    nn::MaxPool2d pool(nn::MaxPool2dOptions(3).stride(2).ceil_mode(true));
    EXPECT_EQ(pool(y).shape(), (xg::Shape{1, 2, 3, 3}));  // floor mode: (1, 2, 3, 3) too; 8x8 below differs
    EXPECT_EQ(pool(xg::randn({1, 2, 8, 8})).shape(), (xg::Shape{1, 2, 4, 4}));
    EXPECT_EQ(xg::max_pool2d(xg::randn({1, 2, 8, 8}), 3, 2, 0, 1, false).shape(), (xg::Shape{1, 2, 3, 3}));
    EXPECT_EQ((pool(y) - xg::max_pool2d(y, 3, 2, 0, 1, true)).abs().max().item(), 0);
    nn::AvgPool2d avg(nn::AvgPool2dOptions(2).ceil_mode(true).divisor_override(4));
    const auto ones = xg::ones({1, 1, 3, 3});
    // The cut windows hold 2 or 1 ones, all divided by 4.
    EXPECT_EQ(avg(ones).reshape({4}).to_vector<float>(), (std::vector<float>{1, 0.5, 0.5, 0.25}));
    EXPECT_EQ(xg::avg_pool2d(ones, 3, 2, 1, true, false, 4).reshape({4}).to_vector<float>(),
              (std::vector<float>{1, 1, 1, 1}));  // every window holds 4 ones; divisor 4
  }
  {
    // row: `conv(torch::randn({3, 28, 28}))`, `pool(torch::randn({3, 28, 28}))`, `F::conv1d(torch::randn({3, 50}), w)` (unbatched inputs)
    nn::Conv2d conv(nn::Conv2dOptions(3, 8, 3).padding(1));
    nn::MaxPool2d pool(2);
    const auto image = xg::randn({3, 28, 28});
    EXPECT_EQ(conv(image).shape(), (xg::Shape{8, 28, 28}));
    EXPECT_EQ(pool(image).shape(), (xg::Shape{3, 14, 14}));
    EXPECT_EQ((conv(image) - conv(image.unsqueeze(0)).squeeze(0)).abs().max().item(), 0);
    const auto w = xg::randn({4, 3, 5});
    EXPECT_EQ(F::conv1d(xg::randn({3, 50}), w).shape(), (xg::Shape{4, 46}));
  }
  {
    // row: `torch::nn::BatchNorm3d(torch::nn::BatchNorm3dOptions(8))`, `torch::nn::Dropout3d(0.2)`
    nn::BatchNorm3d bn(nn::BatchNorm3dOptions(8));
    const auto y = bn(xg::randn({4, 8, 3, 4, 4}) * 3.0 + 1.0);
    EXPECT_NEAR(y.select(1, 2).mean().item(), 0.0, 1e-5);
    EXPECT_EQ(bn.running_mean.shape(), (xg::Shape{8}));
    nn::Dropout3d drop(0.2);
    drop.eval();
    EXPECT_EQ((drop(x) - x).abs().max().item(), 0);
  }
}
