// Convolution, im2col/col2im and padding: values (by hand, the textbook's shapes, PyTorch's
// fixtures), first and second derivatives, and errors.
#include <functional>

#include "test_util.h"

using xg::test::randp;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {

xg::Tensor fixture(const std::string& key) { return xg::test::fixture("torch_conv.npz", key); }
bool has_fixture(const std::string& key) { return xg::test::fixture("torch_conv.npz", key, false).defined(); }

using xg::test::max_abs_diff;

using Op = std::function<xg::Tensor(const xg::Tensor&, const xg::Tensor&, const xg::Tensor&)>;

// Every fixture case: the output and the gradients of sum(y * gy) match PyTorch's.
void check_against_torch(const std::string& name, const Op& op) {
  SCOPED_TRACE(name);
  xg::Tensor x = fixture(name + "_x").requires_grad_();
  xg::Tensor w = has_fixture(name + "_w") ? fixture(name + "_w").requires_grad_() : xg::Tensor();
  xg::Tensor b = has_fixture(name + "_b") ? fixture(name + "_b").requires_grad_() : xg::Tensor();
  const xg::Tensor y = op(x, w, b);
  EXPECT_LT(max_abs_diff(y, fixture(name + "_y")), 1e-12);
  xg::tensor_list wrt{x};
  if (w.defined()) wrt.push_back(w);
  if (b.defined()) wrt.push_back(b);
  const auto g = xg::grad({(y * fixture(name + "_gy")).sum()}, wrt);
  EXPECT_LT(max_abs_diff(g[0], fixture(name + "_gx")), 1e-12);
  if (w.defined()) EXPECT_LT(max_abs_diff(g[1], fixture(name + "_gw")), 1e-12);
  if (b.defined()) EXPECT_LT(max_abs_diff(g[2], fixture(name + "_gb")), 1e-12);
}

}  // namespace

TEST(Conv2d, HandComputedCrossCorrelation) {
  // 1x1x3x3 input, 2x2 kernel: no flip, y[i][j] = sum_kl x[i+k][j+l] W[k][l] + b.
  auto x = xg::tensor({{{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}}});
  auto W = xg::tensor({{{{1, 0}, {0, -1}}}});
  auto y = xg::conv2d(x, W, xg::tensor({10}));
  EXPECT_EQ(y.shape(), (xg::Shape{1, 1, 2, 2}));
  EXPECT_TRUE(values_near(y, {1 - 5 + 10, 2 - 6 + 10, 4 - 8 + 10, 5 - 9 + 10}));
  // Padding 1, stride 2: output (3 + 2 - 2) / 2 + 1 = 2 per axis.
  auto z = xg::conv2d(x, W, {}, 2, 1);
  EXPECT_TRUE(values_near(z, {0 - 1, 0 - 3, 0 - 7, 5 - 9}));
}

TEST(Conv2d, MatchesPyTorch) {
  check_against_torch("conv_plain", [](auto& x, auto& w, auto& b) { return xg::conv2d(x, w, b); });
  check_against_torch("conv_s2p1", [](auto& x, auto& w, auto& b) { return xg::conv2d(x, w, b, 2, 1); });
  check_against_torch("conv_rect", [](auto& x, auto& w, auto& b) { return xg::conv2d(x, w, b, {3, 1}, {2, 1}); });
  check_against_torch("conv_dil", [](auto& x, auto& w, auto&) { return xg::conv2d(x, w, {}, 1, 2, 2); });
  check_against_torch("conv_groups", [](auto& x, auto& w, auto& b) { return xg::conv2d(x, w, b, 1, 1, 1, 2); });
  check_against_torch("conv_1x1", [](auto& x, auto& w, auto& b) { return xg::conv2d(x, w, b); });
}

TEST(Conv2d, TransposeMatchesPyTorch) {
  check_against_torch("convt_plain", [](auto& x, auto& w, auto& b) { return xg::conv_transpose2d(x, w, b); });
  check_against_torch("convt_s2p1",
                      [](auto& x, auto& w, auto& b) { return xg::conv_transpose2d(x, w, b, 2, 1, 1); });
  check_against_torch("convt_groups",
                      [](auto& x, auto& w, auto&) { return xg::conv_transpose2d(x, w, {}, 2, 0, 0, 2, 2); });
}

TEST(Conv2d, TransposeIsTheAdjoint) {
  // <conv(x, W), y> = <x, conv_transpose(y, W)>, and DeZero's output size S(H-1)+K-2P.
  xg::manual_seed(3);
  auto x = xg::randn({2, 3, 9, 8}, xg::kFloat64), W = xg::randn({4, 3, 3, 3}, xg::kFloat64);
  auto y = xg::randn({2, 4, 5, 4}, xg::kFloat64);
  const double lhs = (xg::conv2d(x, W, {}, 2, 1) * y).sum().item();
  // S(H-1)+K-2P gives 9 rows but 7 columns: output_padding restores x's eighth column.
  EXPECT_EQ(xg::conv_transpose2d(y, W, {}, 2, 1).shape(), (xg::Shape{2, 3, 2 * 4 + 3 - 2, 2 * 3 + 3 - 2}));
  auto xt = xg::conv_transpose2d(y, W, {}, 2, 1, {0, 1});
  ASSERT_EQ(xt.shape(), x.shape());
  EXPECT_NEAR(lhs, (x * xt).sum().item(), 1e-10);
}

TEST(Conv2d, FirstDerivatives) {
  xg::manual_seed(1);
  auto conv = [](xg::Int2 s, xg::Int2 p, xg::Int2 d, std::int64_t g) {
    return [=](L v) { return xg::conv2d(v[0], v[1], v[2], s, p, d, g); };
  };
  EXPECT_TRUE(gradcheck_ok(conv(1, 0, 1, 1), {randp({2, 3, 5, 5}), randp({2, 3, 3, 3}), randp({2})}));
  EXPECT_TRUE(gradcheck_ok(conv(2, 1, 1, 1), {randp({2, 2, 6, 5}), randp({3, 2, 3, 2}), randp({3})}));
  EXPECT_TRUE(gradcheck_ok(conv({1, 2}, {2, 0}, 2, 1), {randp({1, 2, 7, 7}), randp({2, 2, 2, 3}), randp({2})}));
  EXPECT_TRUE(gradcheck_ok(conv(1, 1, 1, 2), {randp({2, 4, 4, 4}), randp({4, 2, 3, 3}), randp({4})}));
  auto convt = [](L v) { return xg::conv_transpose2d(v[0], v[1], v[2], 2, 1, 1); };
  EXPECT_TRUE(gradcheck_ok(convt, {randp({2, 3, 3, 4}), randp({3, 2, 3, 3}), randp({2})}));
  // float32 in, float64 weight: promoted, and the gradient reaches the float32 input.
  auto x32 = xg::randn({1, 1, 4, 4}).requires_grad_();
  auto y = xg::conv2d(x32, xg::randn({1, 1, 2, 2}, xg::kFloat64));
  EXPECT_EQ(y.dtype(), xg::kFloat64);
  y.sum().backward();
  EXPECT_EQ(x32.grad().dtype(), xg::kFloat32);
}

TEST(Conv2d, SecondDerivatives) {
  // Through gx and through gW (where DeZero's Conv2DGradW fails), with bias.
  xg::manual_seed(2);
  auto conv = [](L v) { return xg::conv2d(v[0], v[1], v[2], 2, 1); };
  EXPECT_TRUE(gradgradcheck_ok(conv, {randp({2, 2, 5, 5}), randp({3, 2, 3, 3}), randp({3})}));
  auto grouped = [](L v) { return xg::conv2d(v[0], v[1], {}, 1, 1, 2, 2); };
  EXPECT_TRUE(gradgradcheck_ok(grouped, {randp({1, 4, 5, 5}), randp({2, 2, 2, 2})}));
  auto convt = [](L v) { return xg::conv_transpose2d(v[0], v[1], v[2], 2); };
  EXPECT_TRUE(gradgradcheck_ok(convt, {randp({1, 2, 3, 3}), randp({2, 3, 2, 2}), randp({3})}));
  // A gradient penalty ||dL/dW||^2 differentiated again, against its numerical gradient.
  auto W = randp({2, 1, 3, 3});
  auto x = randp({1, 1, 5, 5});
  auto penalty = [&] {
    auto gW = xg::grad({xg::conv2d(x, W).pow(2.0).sum()}, {W}, {}, true, true)[0];
    return (gW * gW).sum();
  };
  auto g2 = xg::grad({penalty()}, {W})[0];
  auto num = xg::numerical_gradient([&] { xg::EnableGradGuard on; return penalty(); }, W);
  EXPECT_LT((g2 - num).abs().max().item(), 1e-5 * (1 + num.abs().max().item()));
}

TEST(Im2col, TheTextbooksShapesAndLayout) {
  EXPECT_EQ(xg::im2col(xg::rand({1, 3, 7, 7}), 5).shape(), (xg::Shape{9, 75}));
  EXPECT_EQ(xg::im2col(xg::rand({10, 3, 7, 7}), 5).shape(), (xg::Shape{90, 75}));
  // DeZero's test: arange(9) as (1,1,3,3), kernel 3, stride 3 -> [[0..8]].
  auto col = xg::im2col(xg::arange(9.0, xg::kFloat64).reshape({1, 1, 3, 3}), 3, 3);
  EXPECT_TRUE(values_near(col, {0, 1, 2, 3, 4, 5, 6, 7, 8}));
  // Rows (n, oh, ow), columns (c, kh, kw): row 1 is the window at (0, 1), channel 0 first.
  auto x = xg::arange(2 * 3 * 3.0, xg::kFloat64).reshape({1, 2, 3, 3});
  auto c2 = xg::im2col(x, 2);
  EXPECT_EQ(c2.shape(), (xg::Shape{4, 8}));
  EXPECT_TRUE(values_near(c2.slice(0, 1, 2), {1, 2, 4, 5, 10, 11, 13, 14}));
  // conv2d is im2col followed by a matrix product with the flattened weight.
  xg::manual_seed(5);
  auto X = xg::randn({2, 3, 6, 5}, xg::kFloat64), W = xg::randn({4, 3, 3, 2}, xg::kFloat64);
  auto via_col = xg::matmul(xg::im2col(X, {3, 2}, 1, 1), W.reshape({4, -1}).T()).reshape({2, 6, 6, 4}).permute({0, 3, 1, 2});
  EXPECT_LT(max_abs_diff(via_col, xg::conv2d(X, W, {}, 1, 1)), 1e-12);
}

TEST(Im2col, Col2imIsTheAdjoint) {
  xg::manual_seed(6);
  for (auto [s, p, d] : {std::tuple{1, 0, 1}, {2, 1, 1}, {1, 2, 2}, {3, 1, 1}}) {
    auto x = xg::randn({2, 3, 8, 7}, xg::kFloat64);
    auto col = xg::im2col(x, 3, s, p, d);
    auto c = xg::randn(col.shape(), xg::kFloat64);
    const double lhs = (col * c).sum().item(), rhs = (x * xg::col2im(c, x.shape(), 3, s, p, d)).sum().item();
    EXPECT_NEAR(lhs, rhs, 1e-10 * std::max(1.0, std::fabs(lhs))) << "stride " << s << " pad " << p << " dil " << d;
  }
  auto f = [](L v) { return xg::im2col(v[0], 3, 2, 1); };
  EXPECT_TRUE(gradcheck_ok(f, {randp({1, 2, 5, 5})}));
  auto g = [](L v) { return xg::col2im(v[0], {1, 2, 5, 5}, 3, 2, 1); };
  EXPECT_TRUE(gradcheck_ok(g, {randp({9, 18})}));
  EXPECT_TRUE(gradgradcheck_ok([](L v) { return xg::im2col(v[0], 2).pow(2.0); }, {randp({1, 1, 3, 3})}));
}

TEST(Im2col, AHugePaddingWithAHugeStrideReadsOnlyPadding) {
  // Output columns 0 and 1 sit at input columns -2^40 and 2^40: all padding. The kernels once
  // formed a pointer 2^40 elements before the sample (undefined, caught by the ops fuzzer).
  auto x = xg::ones({1, 1, 2, 2}, xg::kFloat64).requires_grad_();
  auto col = xg::im2col(x, 1, xg::Int2(1, std::int64_t{1} << 41), xg::Int2(0, std::int64_t{1} << 40));
  EXPECT_EQ(col.shape(), (xg::Shape{4, 1}));
  EXPECT_EQ(col.abs().sum().item(), 0.0);
  col.sum().backward();
  EXPECT_EQ(x.grad().abs().sum().item(), 0.0);
}

TEST(Pad, ConstantAnyAxisAndCrop) {
  auto x = xg::tensor({{1, 2}, {3, 4}});
  auto y = xg::pad(x, {1, 0, 0, 1}, 9);  // last axis: 1 before; first axis: 1 after
  EXPECT_EQ(y.shape(), (xg::Shape{3, 3}));
  EXPECT_TRUE(values_near(y, {9, 1, 2, 9, 3, 4, 9, 9, 9}));
  check_against_torch("pad_mixed", [](auto& v, auto&, auto&) { return xg::pad(v, {1, 2, -1, 3}, 0.5); });
  EXPECT_TRUE(gradcheck_ok([](L v) { return xg::pad(v[0], {2, 1, 0, 1}); }, {randp({2, 3, 2})}));
  EXPECT_TRUE(gradgradcheck_ok([](L v) { return xg::pad(v[0], {1, 1}).pow(2.0); }, {randp({2, 2})}));
  EXPECT_XG_ERROR(xg::pad(x, {1}), "pad: expected an even number of pads");
  EXPECT_XG_ERROR(xg::pad(x, {1, 1, 1, 1, 1, 1}), "pad", "at most 2 per axis", "(2,2)");
  EXPECT_XG_ERROR(xg::pad(x, {-2, -1}), "pad: pads (-2, -1) crop more than axis 1 of (2,2)");
}

TEST(Conv2d, ErrorsNameTheShapes) {
  auto W = xg::ones({4, 3, 3, 3});
  EXPECT_XG_ERROR(xg::conv2d(xg::ones({7, 7}), W), "conv2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got 2-D (7,7)");
  EXPECT_XG_ERROR(xg::conv2d(xg::ones({2, 5, 7, 7}), W),
                  "conv2d: expected input (N, C, H, W) with C = 3 for weight (4,3,3,3), got (2,5,7,7)");
  EXPECT_XG_ERROR(xg::conv2d(xg::ones({1, 3, 2, 2}), W), "conv2d: kernel (3, 3)", "larger than the padded input (2, 2)");
  EXPECT_XG_ERROR(xg::conv2d(xg::ones({1, 3, 7, 7}), W, {}, 0), "conv2d: stride must be positive, got (0, 0)");
  EXPECT_XG_ERROR(xg::conv2d(xg::ones({1, 3, 7, 7}), W, {}, 1, -1), "conv2d: padding must be non-negative");
  EXPECT_XG_ERROR(xg::conv2d(xg::ones({1, 6, 7, 7}), xg::ones({4, 3, 3, 3}), {}, 1, 0, 1, 4),
                  "conv2d: groups = 4 must divide the input channels (6)");
  EXPECT_XG_ERROR(xg::conv2d(xg::ones({1, 3, 7, 7}), W, xg::ones({3})), "conv2d: expected a bias of shape (4)", "got (3,)");
  EXPECT_XG_ERROR(xg::conv2d(xg::ones({1, 3, 7, 7}), xg::ones({4, 3, 3})), "conv2d: expected a 4-D weight");
  EXPECT_XG_ERROR(xg::conv2d(xg::arange(49).reshape({1, 1, 7, 7}), xg::ones({1, 1, 3, 3})), "conv2d: int64");
  EXPECT_XG_ERROR(xg::conv_transpose2d(xg::ones({1, 2, 3, 3}), xg::ones({3, 2, 3, 3})),
                  "conv_transpose2d: expected input (N, C, H, W) with C = 3 for weight (3,2,3,3), got (1,2,3,3)");
  EXPECT_XG_ERROR(xg::conv_transpose2d(xg::ones({1, 3, 3, 3}), xg::ones({3, 2, 3, 3}), {}, 1, 0, 1),
                  "conv_transpose2d: output_padding (1, 1) must be smaller than the stride or the dilation");
  EXPECT_XG_ERROR(xg::col2im(xg::ones({9, 74}), {1, 3, 7, 7}, 5), "col2im: expected columns (N·OH·OW, C·KH·KW) = (9,75)");
}

TEST(Conv2d, GeometryFromHugeArgumentsIsAnErrorNotAWrappedSize) {
  const auto x = xg::ones({1, 1, 5, 5});
  const auto W = xg::ones({2, 1, 3, 3});
  constexpr std::int64_t kMax = INT64_MAX, k62 = 1LL << 62;
  // padding = INT64_MAX once returned a (1,2,1,1) tensor, dilation 2^62 an empty one.
  EXPECT_XG_ERROR(xg::conv2d(x, W, {}, 1, kMax), "conv2d:", "the padded input size overflows int64");
  EXPECT_XG_ERROR(xg::conv2d(x, W, {}, 1, 0, k62), "conv2d:", "the dilated kernel's span overflows int64");
  EXPECT_XG_ERROR(xg::conv2d(x, W, {}, 1, 0, {1, kMax}), "conv2d:", "overflows int64");
  // A stride near 2^63 is fine (one output), a padding that fits but outgrows memory is not.
  EXPECT_EQ(xg::conv2d(x, W, {}, kMax).shape(), (xg::Shape{1, 2, 1, 1}));
  EXPECT_XG_ERROR(xg::conv2d(x, W, {}, 1, 1LL << 20), "conv2d:", "more than the allocation limit");
  const auto Wt = xg::ones({1, 2, 3, 3});
  EXPECT_XG_ERROR(xg::conv_transpose2d(x, Wt, {}, k62), "conv_transpose2d:", "the output size overflows int64");
  EXPECT_XG_ERROR(xg::conv_transpose2d(x, Wt, {}, 1, 0, 0, 1, kMax), "conv_transpose2d:", "overflows int64");
  EXPECT_XG_ERROR(xg::conv_transpose2d(x, Wt, {}, 1, kMax), "conv_transpose2d:", "overflows int64");
  EXPECT_XG_ERROR(xg::conv_transpose2d(x, Wt, {}, 1 << 20), "conv_transpose2d:", "more than the allocation limit");
  EXPECT_XG_ERROR(xg::im2col(x, 3, 1, kMax), "im2col:", "overflows int64");
  EXPECT_XG_ERROR(xg::col2im(xg::ones({9, 9}), {1, 1, 5, 5}, 3, 1, 0, k62), "col2im:", "overflows int64");
  // groups times the weight's channels once wrapped (an empty input's channels divide by anything).
  const auto empty = xg::ones({1, 0, 5, 5});
  EXPECT_XG_ERROR(xg::conv_transpose2d(empty, xg::ones({0, 2, 3, 3}), {}, 1, 0, 0, kMax), "conv_transpose2d:",
                  "the weight's second axis x groups overflows int64");
}

TEST(Conv2d, UndefinedOperandsAreNamed) {
  EXPECT_XG_ERROR(xg::conv2d(xg::ones({1, 1, 3, 3}), xg::Tensor()), "conv2d: the weight is undefined");
  EXPECT_XG_ERROR(xg::conv2d(xg::Tensor(), xg::ones({1, 1, 3, 3})), "conv2d: the input is undefined");
  EXPECT_XG_ERROR(xg::conv_transpose2d(xg::ones({1, 1, 3, 3}), xg::Tensor()), "conv_transpose2d: the weight is undefined");
}
