// Max, average and adaptive (average and max) pooling: values, ties, PyTorch's fixtures, first and
// second derivatives (with padding, which the textbook's Pooling cannot do), and errors.
#include "test_util.h"

using xg::test::randp;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {

xg::Tensor fixture(const std::string& key) { return xg::test::fixture("torch_conv.npz", key); }

// Output and input gradient of sum(y * gy) against PyTorch's.
void check_against_torch(const std::string& name, const std::function<xg::Tensor(const xg::Tensor&)>& op) {
  SCOPED_TRACE(name);
  auto x = fixture(name + "_x").requires_grad_();
  auto y = op(x);
  auto expected = fixture(name + "_y");
  ASSERT_EQ(y.shape(), expected.shape());
  EXPECT_LT((y - expected).abs().max().item(), 1e-12);
  auto gx = xg::grad({(y * fixture(name + "_gy")).sum()}, {x})[0];
  EXPECT_LT((gx - fixture(name + "_gx")).abs().max().item(), 1e-12);
}

// Inputs spread apart so no two elements of a window lie within gradcheck's eps (DeZero
// scales its pooling inputs by 1000 for the same reason).
xg::Tensor spread(const xg::Shape& shape) {
  const auto n = xg::shape_numel(shape);
  std::vector<double> v(static_cast<std::size_t>(n));  // a permutation of 0, 0.01, ..., scrambled by a prime
  for (std::int64_t i = 0; i < n; ++i) v[i] = static_cast<double>(i * 7919 % n) * 0.01 - 0.5;
  return xg::tensor(v, shape, xg::kFloat64).requires_grad_();
}

}  // namespace

TEST(MaxPool2d, ValuesAndFirstMaximumTakesTheTie) {
  auto x = xg::tensor({{{{1, 3, 2, 2}, {3, 0, 2, 1}, {0, 1, 5, 6}, {2, 4, 7, 7}}}}).requires_grad_();
  auto y = xg::max_pool2d(x, 2);
  EXPECT_TRUE(values_near(y, {3, 2, 4, 7}));
  y.sum().backward();
  // Ties: (0,1) before (1,0); (0,2) before (0,3), (1,2); (3,2) before (3,3).
  EXPECT_TRUE(values_near(x.grad(), {0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0}));
}

TEST(MaxPool2d, MatchesPyTorch) {
  check_against_torch("maxpool_2", [](auto& x) { return xg::max_pool2d(x, 2); });
  check_against_torch("maxpool_3s2p1", [](auto& x) { return xg::max_pool2d(x, 3, 2, 1); });
  check_against_torch("maxpool_dil", [](auto& x) { return xg::max_pool2d(x, 2, 1, 0, 2); });
}

TEST(MaxPool2d, FirstAndSecondDerivativesWithPadding) {
  xg::manual_seed(11);
  EXPECT_TRUE(gradcheck_ok([](L v) { return xg::max_pool2d(v[0], 2); }, {spread({2, 3, 6, 6})}));
  EXPECT_TRUE(gradcheck_ok([](L v) { return xg::max_pool2d(v[0], 3, 2, 1); }, {spread({2, 2, 7, 6})}));
  EXPECT_TRUE(gradcheck_ok([](L v) { return xg::max_pool2d(v[0], {2, 3}, {1, 2}, {1, 1}); }, {spread({1, 2, 5, 7})}));
  // The second derivative gathers at the saved winners.
  EXPECT_TRUE(gradgradcheck_ok([](L v) { return xg::max_pool2d(v[0] * v[0], 2, 2, 1); }, {spread({1, 2, 5, 5})}));
}

TEST(AvgPool2d, ValuesPaddingAndPyTorch) {
  auto x = xg::arange(16.0, xg::kFloat64).reshape({1, 1, 4, 4});
  EXPECT_TRUE(values_near(xg::avg_pool2d(x, 2), {2.5, 4.5, 10.5, 12.5}));
  // Padding 1, kernel 2, stride 2: the corner window holds x[0,0] and three zeros.
  EXPECT_NEAR(xg::avg_pool2d(x, 2, 2, 1).at({0, 0, 0, 0}), 0.0 / 4, 1e-15);
  EXPECT_NEAR(xg::avg_pool2d(x, 2, 2, 1, false, false).at({0, 0, 1, 1}), (5 + 6 + 9 + 10) / 4.0, 1e-15);
  EXPECT_NEAR(xg::avg_pool2d(x, 2, 2, 1, false, false).at({0, 0, 0, 1}), (1 + 2) / 2.0, 1e-15);
  check_against_torch("avgpool_2", [](auto& v) { return xg::avg_pool2d(v, 2); });
  check_against_torch("avgpool_3s2p1", [](auto& v) { return xg::avg_pool2d(v, 3, 2, 1); });
  check_against_torch("avgpool_nopad", [](auto& v) { return xg::avg_pool2d(v, 3, 2, 1, false, false); });
}

TEST(AvgPool2d, Derivatives) {
  xg::manual_seed(12);
  EXPECT_TRUE(gradcheck_ok([](L v) { return xg::avg_pool2d(v[0], 3, 2, 1); }, {randp({2, 2, 7, 6})}));
  EXPECT_TRUE(gradcheck_ok([](L v) { return xg::avg_pool2d(v[0], {2, 3}, 1, {1, 0}, false, false); }, {randp({1, 2, 5, 5})}));
  EXPECT_TRUE(gradgradcheck_ok([](L v) { return xg::avg_pool2d(v[0] * v[0], 2, 1, 1); }, {randp({1, 2, 4, 4})}));
}

TEST(AvgPool2d, TheSweepAddsInThePlainLoopsOrder) {
  // The kernel sweeps whole windows by rows; each output (and, backward, each input) must
  // still add in the plain loop's order, which the GPU kernel follows to give the same
  // bits: checked bit for bit in float32 against that loop, edges, strides and padding in.
  xg::manual_seed(14);
  const xg::Tensor x = xg::randn({2, 3, 9, 11});
  struct Geometry { xg::Int2 k, s, p; bool with_pad; };
  for (const Geometry& c : {Geometry{3, 1, 1, true}, Geometry{{2, 3}, {1, 2}, {1, 1}, false}, Geometry{4, 3, 2, true},
                            Geometry{{3, 5}, 1, {0, 2}, false}}) {
    const xg::Tensor y = xg::avg_pool2d(x.detach().requires_grad_(), c.k, c.s, c.p, false, c.with_pad);
    const xg::Tensor gy = xg::randn(y.shape());
    xg::Tensor xin = x.detach().requires_grad_();
    xg::avg_pool2d(xin, c.k, c.s, c.p, false, c.with_pad).backward(gy);
    const auto xs = x.to_vector<float>(), gys = gy.to_vector<float>(), ys = y.to_vector<float>();
    const auto gxs = xin.grad().to_vector<float>();
    const std::int64_t H = 9, W = 11, OH = y.shape()[2], OW = y.shape()[3];
    std::vector<float> want_y(ys.size()), want_gx(xs.size(), 0.0f);
    for (std::int64_t p = 0; p < 6; ++p)
      for (std::int64_t i = 0; i < OH; ++i)
        for (std::int64_t j = 0; j < OW; ++j) {
          const std::int64_t hs = i * c.s.h - c.p.h, ws = j * c.s.w - c.p.w;
          const std::int64_t he = std::min(hs + c.k.h, H + c.p.h), we = std::min(ws + c.k.w, W + c.p.w);
          const std::int64_t h0 = std::max<std::int64_t>(hs, 0), h1 = std::min(he, H);
          const std::int64_t w0 = std::max<std::int64_t>(ws, 0), w1 = std::min(we, W);
          const double divisor = c.with_pad ? static_cast<double>((he - hs) * (we - ws)) : static_cast<double>((h1 - h0) * (w1 - w0));
          double sum = 0;
          for (std::int64_t h = h0; h < h1; ++h)
            for (std::int64_t w = w0; w < w1; ++w) sum += xs[static_cast<std::size_t>((p * H + h) * W + w)];
          const std::size_t o = static_cast<std::size_t>((p * OH + i) * OW + j);
          want_y[o] = static_cast<float>(sum / divisor);
          const float share = static_cast<float>(gys[o] / divisor);
          for (std::int64_t h = h0; h < h1; ++h)
            for (std::int64_t w = w0; w < w1; ++w) want_gx[static_cast<std::size_t>((p * H + h) * W + w)] += share;
        }
    EXPECT_EQ(ys, want_y);
    EXPECT_EQ(gxs, want_gx);
  }
}

TEST(AdaptiveAvgPool2d, PyTorchWindowsAndDerivatives) {
  auto x = xg::arange(10.0, xg::kFloat64).reshape({1, 1, 2, 5});
  // 5 columns into 3 cells: [0,2), [1,4), [3,5).
  EXPECT_TRUE(values_near(xg::adaptive_avg_pool2d(x, {1, 3}), {(0 + 1 + 5 + 6) / 4.0, (1 + 2 + 3 + 6 + 7 + 8) / 6.0,
                                                               (3 + 4 + 8 + 9) / 4.0}));
  EXPECT_TRUE(values_near(xg::adaptive_avg_pool2d(x, 1), {4.5}));  // global average pooling
  check_against_torch("adaptive_3x2", [](auto& v) { return xg::adaptive_avg_pool2d(v, {3, 2}); });
  xg::manual_seed(13);
  EXPECT_TRUE(gradcheck_ok([](L v) { return xg::adaptive_avg_pool2d(v[0], {3, 2}); }, {randp({2, 2, 7, 5})}));
  EXPECT_TRUE(gradgradcheck_ok([](L v) { return xg::adaptive_avg_pool2d(v[0].pow(2.0), 2); }, {randp({1, 1, 5, 4})}));
}

TEST(Pooling, FloatTypes) {
  auto x = xg::randn({2, 3, 6, 6});
  EXPECT_EQ(xg::max_pool2d(x, 2).dtype(), xg::kFloat32);
  EXPECT_EQ(xg::avg_pool2d(x.to(xg::kFloat64), 2).dtype(), xg::kFloat64);
  EXPECT_EQ(xg::adaptive_avg_pool2d(x, 3).shape(), (xg::Shape{2, 3, 3, 3}));
}

TEST(Pooling, ErrorsNameTheShapes) {
  EXPECT_XG_ERROR(xg::max_pool2d(xg::ones({6, 6}), 2), "max_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got 2-D (6,6)");
  EXPECT_XG_ERROR(xg::max_pool2d(xg::ones({1, 1, 6, 6}), 2, 0), "max_pool2d: stride must be positive, got (0, 0)");
  EXPECT_XG_ERROR(xg::max_pool2d(xg::ones({1, 1, 6, 6}), 2, 2, 2), "max_pool2d: padding (2, 2) must be between 0 and half the kernel (2, 2)");
  EXPECT_XG_ERROR(xg::max_pool2d(xg::ones({1, 1, 2, 2}), 3), "max_pool2d: kernel (3, 3) spans (3, 3), larger than the padded input (2, 2) of input (1,1,2,2)");
  EXPECT_XG_ERROR(xg::avg_pool2d(xg::ones({1, 1, 6, 6}), 0), "avg_pool2d: kernel size must be positive");
  EXPECT_XG_ERROR(xg::avg_pool2d(xg::arange(36).reshape({1, 1, 6, 6}), 2), "avg_pool2d: expected a float tensor, got int64");
  EXPECT_XG_ERROR(xg::adaptive_avg_pool2d(xg::ones({6, 6}), 2), "adaptive_avg_pool2d: expected a 3-D (C, H, W) or 4-D");
  EXPECT_XG_ERROR(xg::adaptive_avg_pool2d(xg::ones({1, 1, 6, 6}), 0), "adaptive_avg_pool2d: output size must be positive");
  // Dilation 2 with padding 1 puts the one window's taps at -1 and 1 of a 1-pixel input: only
  // padding. PyTorch returns -inf with index 2 (outside the input); the kernel once read there.
  EXPECT_XG_ERROR(xg::max_pool2d(xg::ones({1, 1, 1, 1}), 2, 1, 1, 2),
                  "max_pool2d: output row 0's window (kernel 2, dilation 2, padding 1) covers only padding of an input of height 1");
  EXPECT_EQ(xg::max_pool2d(xg::ones({1, 1, 3, 3}), 2, 1, 1, 2).shape(), (xg::Shape{1, 1, 3, 3}));  // taps reach the image
  // An input with no rows (or columns) but padding: its windows hold only padding (the fuzzer
  // found the kernel reading before the input when the check skipped empty images); PyTorch
  // refuses a zero height too. With no planes there is nothing to check or read.
  EXPECT_XG_ERROR(xg::max_pool2d(xg::ones({1, 1, 0, 4}), 2, 1, 1),
                  "max_pool2d: output row 0's window (kernel 2, dilation 1, padding 1) covers only padding of an input of height 0");
  EXPECT_XG_ERROR(xg::max_pool3d(xg::ones({1, 1, 2, 3, 0}), 2, 1, 1), "covers only padding of an input of width 0");
  EXPECT_EQ(xg::max_pool2d(xg::ones({0, 1, 0, 4}), 2, 1, 1).shape(), (xg::Shape{0, 1, 1, 5}));
}

TEST(MaxPool2d, NaNWinsItsWindow) {
  // As PyTorch: a NaN propagates (so anomaly detection sees it), in the 2x2 fast path and
  // in the general one.
  const double nan = std::nan("");
  auto x = xg::tensor({{{{1, nan, 2, 3}, {0, 0, 5, 4}}}});
  auto y = xg::max_pool2d(x, 2);
  EXPECT_TRUE(std::isnan(y.at({0, 0, 0, 0})));
  EXPECT_EQ(y.at({0, 0, 0, 1}), 5);
  auto z = xg::max_pool2d(x, {2, 3}, 1);
  EXPECT_TRUE(std::isnan(z.at({0, 0, 0, 0})));
  EXPECT_TRUE(std::isnan(z.at({0, 0, 0, 1})));
}

TEST(Pooling, GeometryFromHugeArgumentsIsAnErrorNotAWrappedSize) {
  const auto x = xg::ones({1, 1, 6, 6});
  constexpr std::int64_t kMax = INT64_MAX, k62 = 1LL << 62;
  EXPECT_XG_ERROR(xg::max_pool2d(x, 3, 1, 0, k62), "max_pool2d:", "the dilated kernel's span overflows int64");
  EXPECT_XG_ERROR(xg::max_pool2d(x, 2, 1, 0, k62), "max_pool2d:", "spans (4611686018427387905, 4611686018427387905)",
                  "larger than the padded input (6, 6)");
  EXPECT_XG_ERROR(xg::max_pool2d(x, 2, 1, kMax), "max_pool2d:", "overflows int64");
  EXPECT_XG_ERROR(xg::max_pool2d(x, kMax, 1, kMax / 2), "max_pool2d:", "overflows int64");
  EXPECT_XG_ERROR(xg::avg_pool2d(x, 2, 1, kMax), "avg_pool2d:", "overflows int64");
  EXPECT_EQ(xg::max_pool2d(x, 2, kMax).shape(), (xg::Shape{1, 1, 1, 1}));
  // Adaptive pooling to (2^32, 2^32) ran out the clock building its windows.
  EXPECT_XG_ERROR(xg::adaptive_avg_pool2d(x, {1LL << 32, 1LL << 32}), "adaptive_avg_pool2d:", "more elements than fit in int64");
  EXPECT_XG_ERROR(xg::adaptive_avg_pool2d(x, {1LL << 20, 1LL << 20}), "adaptive_avg_pool2d:", "more than the allocation limit");
  // A kernel of 2^40 with padding 2^39 is a valid window over a 6x6 image: computed, not
  // stepped through tap by tap.
  EXPECT_EQ(xg::max_pool2d(x, 1LL << 40, 1, 1LL << 39).shape(), (xg::Shape{1, 1, 7, 7}));
  EXPECT_XG_ERROR(xg::adaptive_avg_pool2d(xg::zeros({0, 1, 6, 6}), {1LL << 40, 1LL << 40}), "adaptive_avg_pool2d:");
  EXPECT_XG_ERROR(xg::adaptive_avg_pool2d(x, {kMax, 2}), "adaptive_avg_pool2d:");
}

TEST(Pad, HugeAndMostNegativePadsAreErrors) {
  const auto x = xg::ones({2, 3});
  EXPECT_XG_ERROR(xg::pad(x, {1LL << 62, 1LL << 62}), "pad:", "the padded size overflows int64");
  EXPECT_XG_ERROR(xg::pad(x, {INT64_MIN, 0}), "pad: pads (", "crop more than axis 1");
  EXPECT_XG_ERROR(xg::pad(x, {0, INT64_MIN}), "pad: pads (", "crop more than axis 1");
  EXPECT_XG_ERROR(xg::pad(x, {1LL << 40, 0}), "pad:", "more than the allocation limit");
  EXPECT_EQ(xg::pad(x, {-1, -2}).shape(), (xg::Shape{2, 0}));
}

TEST(AdaptiveMaxPool2d, MatchesPyTorchWithPositionsAndGradients) {
  for (const auto& [name, size] : std::vector<std::pair<std::string, xg::Int2>>{
           {"adaptivemax_3x2", {3, 2}}, {"adaptivemax_4x4", {4, 4}}, {"adaptivemax_1", {1, 1}}}) {
    check_against_torch(name, [size = size](auto& x) { return xg::adaptive_max_pool2d(x, size); });
    const auto [values, at] = xg::adaptive_max_pool2d_with_indices(fixture(name + "_x"), size);
    EXPECT_EQ(at.dtype(), xg::kInt64);
    EXPECT_LT((at.to(xg::kFloat64) - fixture(name + "_i")).abs().max().item(), 0.5) << name;
  }
  // By hand: 0..11 in a 3 x 4 plane to 2 x 3 cells: rows [0, 2) and [1, 3), columns [0, 2),
  // [1, 3), [2, 4); each maximum is the window's bottom-right corner.
  const auto x = xg::arange(12, xg::kFloat64).reshape({1, 1, 3, 4});
  const auto [v, i] = xg::nn::AdaptiveMaxPool2d(xg::nn::AdaptiveMaxPool2dOptions({2, 3})).forward_with_indices(x);
  EXPECT_TRUE(values_near(v, {5, 6, 7, 9, 10, 11}, 0));
  EXPECT_EQ(i.to_vector<std::int64_t>(), (std::vector<std::int64_t>{5, 6, 7, 9, 10, 11}));
  // Ties: the first in window order wins and takes the whole gradient (PyTorch's).
  auto flat = xg::ones({1, 1, 2, 2}, xg::kFloat64).requires_grad_();
  xg::adaptive_max_pool2d(flat, 1).sum().backward();
  EXPECT_TRUE(values_near(flat.grad(), {1, 0, 0, 0}, 0));
  // -inf everywhere still names a pixel of the window, never the padding.
  const auto low = xg::full({1, 1, 3, 3}, -INFINITY, xg::kFloat64);
  EXPECT_EQ(std::get<1>(xg::adaptive_max_pool2d_with_indices(low, 2)).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{0, 1, 3, 4}));
  EXPECT_EQ(xg::nn::AdaptiveMaxPool2d(1)(xg::randn({2, 3, 5, 5})).shape(), (xg::Shape{2, 3, 1, 1}));
  namespace F = xg::nn::functional;
  EXPECT_EQ(F::adaptive_max_pool2d(x, F::AdaptiveMaxPool2dFuncOptions({2, 3})).to_vector<double>(), v.to_vector<double>());
}

TEST(AdaptiveMaxPool2d, DerivativesAndErrors) {
  xg::manual_seed(12);
  EXPECT_TRUE(gradcheck_ok([](L v) { return xg::adaptive_max_pool2d(v[0], {3, 2}); }, {spread({2, 2, 7, 5})}));
  EXPECT_TRUE(gradgradcheck_ok([](L v) { return xg::adaptive_max_pool2d(v[0] * v[0], {2, 3}); }, {spread({1, 2, 5, 4})}));
  EXPECT_XG_ERROR(xg::adaptive_max_pool2d(xg::ones({6, 6}), 2), "adaptive_max_pool2d: expected a 3-D (C, H, W) or 4-D");
  EXPECT_XG_ERROR(xg::adaptive_max_pool2d(xg::ones({1, 1, 6, 6}), {2, 0}), "adaptive_max_pool2d: output size must be positive, got (2, 0)");
  EXPECT_XG_ERROR(xg::adaptive_max_pool2d(xg::ones({1, 1, 0, 6}), 2), "adaptive_max_pool2d: input (1,1,0,6) has an empty plane");
  EXPECT_XG_ERROR(xg::adaptive_max_pool2d(xg::ones({1, 1, 4, 4}, xg::kInt64), 2), "adaptive_max_pool2d: expected a float tensor, got int64");
  EXPECT_XG_ERROR(xg::adaptive_max_pool2d(xg::Tensor(), 2), "adaptive_max_pool2d: the input is undefined");
  EXPECT_XG_ERROR(xg::nn::AdaptiveMaxPool2d(2)(xg::ones({4, 4})), "AdaptiveMaxPool2d((2, 2)): expected input (N, C, H, W) or unbatched (C, H, W), got (4,4)");
  const std::size_t limit = xg::allocation_limit();
  xg::set_allocation_limit(std::size_t{64} << 20);
  EXPECT_XG_ERROR(xg::adaptive_max_pool2d(xg::ones({1, 1, 2, 2}), {std::int64_t{1} << 40, 1}), "adaptive_max_pool2d:");
  xg::set_allocation_limit(limit);
}
