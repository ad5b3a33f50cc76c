// Unflatten, PixelShuffle / PixelUnshuffle and Unfold / Fold: against PyTorch 1.13
// (torch_conv.npz: unfold_*, fold_*, pixel_*), gradcheck and gradgradcheck, round trips,
// modules and errors.
#include "test_util.h"

using xg::test::max_abs_diff;
using xg::test::randp;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;
namespace F = xg::nn::functional;
namespace nn = xg::nn;

namespace {

xg::Tensor fx(const std::string& key) { return xg::test::fixture("torch_conv.npz", key); }

void check(const std::string& name, const std::function<xg::Tensor(const xg::Tensor&)>& f) {
  SCOPED_TRACE(name);
  const auto x = fx(name + "_x").requires_grad_();
  const auto y = f(x);
  EXPECT_LT(max_abs_diff(y, fx(name + "_y")), 1e-12);
  EXPECT_LT(max_abs_diff(xg::grad({(y * fx(name + "_gy")).sum()}, {x})[0], fx(name + "_gx")), 1e-12);
}

}  // namespace

TEST(ShapeLayers, MatchPyTorch) {
  check("unfold_s2p1d", [](const xg::Tensor& x) {
    return F::unfold(x, F::UnfoldFuncOptions({2, 3}).dilation({1, 2}).padding(1).stride(2));
  });
  check("fold_plain", [](const xg::Tensor& x) { return F::fold(x, F::FoldFuncOptions({5, 6}, 2)); });
  check("fold_s2p1d", [](const xg::Tensor& x) {
    return F::fold(x, F::FoldFuncOptions({7, 6}, {2, 3}).dilation({2, 1}).padding(1).stride({2, 1}));
  });
  check("pixel_shuffle", [](const xg::Tensor& x) { return F::pixel_shuffle(x, 2); });
  check("pixel_shuffle5d", [](const xg::Tensor& x) { return xg::pixel_shuffle(x, 3); });
  check("pixel_unshuffle", [](const xg::Tensor& x) { return F::pixel_unshuffle(x, F::PixelUnshuffleFuncOptions(2)); });
}

TEST(ShapeLayers, RoundTripsAndGradients) {
  xg::manual_seed(71);
  const auto x = xg::randn({2, 8, 3, 4}, xg::kFloat64);
  EXPECT_EQ(max_abs_diff(xg::pixel_unshuffle(xg::pixel_shuffle(x, 2), 2), x), 0.0);
  // Fold of Unfold counts how many blocks cover each pixel (PyTorch's documented identity).
  const auto img = xg::randn({1, 2, 5, 5}, xg::kFloat64);
  const auto o = F::FoldFuncOptions({5, 5}, 3).padding(1);
  const auto covered = F::fold(F::unfold(xg::ones_like(img), o), o);
  EXPECT_LT(max_abs_diff(F::fold(F::unfold(img, o), o), img * covered), 1e-14);
  EXPECT_EQ(covered.select(2, 2).select(2, 2).select(0, 0).select(0, 0).item(), 9.0);
  // Unbatched forms.
  EXPECT_EQ(F::unfold(img.select(0, 0), o).shape(), (xg::Shape{18, 25}));
  EXPECT_EQ(F::fold(F::unfold(img.select(0, 0), o), o).shape(), (xg::Shape{2, 5, 5}));
  const auto f = [](L v) { return F::fold(F::unfold(v[0], F::UnfoldFuncOptions(2).stride(1)) * 1.5, F::FoldFuncOptions({4, 3}, 2)); };
  EXPECT_TRUE(gradcheck_ok(f, {randp({1, 2, 4, 3})}));
  EXPECT_TRUE(gradgradcheck_ok(f, {randp({1, 2, 4, 3})}));
  const auto s = [](L v) { return xg::pixel_shuffle(v[0] * v[0], 2); };
  EXPECT_TRUE(gradgradcheck_ok(s, {randp({1, 4, 2, 3})}));
  // unflatten, with an inferred size.
  const auto u = xg::randn({2, 12, 3});
  EXPECT_EQ(u.unflatten(1, {3, -1}).shape(), (xg::Shape{2, 3, 4, 3}));
  EXPECT_EQ(max_abs_diff(xg::unflatten(u, -2, {2, 2, 3}).reshape({2, 12, 3}), u), 0.0);
}

TEST(ShapeLayers, ModulesAsLibtorch) {
  const auto x = xg::randn({2, 8, 3, 4});
  EXPECT_EQ(nn::PixelShuffle(2)(x).shape(), (xg::Shape{2, 2, 6, 8}));
  EXPECT_EQ(nn::PixelUnshuffle(nn::PixelUnshuffleOptions(3))(xg::randn({1, 1, 6, 9})).shape(), (xg::Shape{1, 9, 2, 3}));
  EXPECT_EQ(nn::Unflatten(nn::UnflattenOptions(1, {2, 4}))(x).shape(), (xg::Shape{2, 2, 4, 3, 4}));
  nn::Unfold unfold(nn::UnfoldOptions({2, 2}).stride(2));
  EXPECT_EQ(unfold(x).shape(), (xg::Shape{2, 32, 2}));
  nn::Fold fold(nn::FoldOptions({3, 4}, {2, 2}).stride(2));
  EXPECT_EQ(fold(unfold(x)).shape(), (xg::Shape{2, 8, 3, 4}));  // the last row is in no block: zeros
  EXPECT_EQ(fold(unfold(x)).select(2, 2).abs().sum().item(), 0.0);
  nn::Fold taller(nn::FoldOptions({5, 4}, {2, 2}).stride(2));
  EXPECT_XG_ERROR(taller(unfold(x)), "fold: given output_size (5, 4) and kernel_size (2, 2), expected the input's last dimension to match the number of sliding blocks 2 * 2 = 4, but got 2 in (2,32,2)");
}

TEST(ShapeLayers, ErrorsNameTheCall) {
  EXPECT_XG_ERROR(xg::pixel_shuffle(xg::zeros({1, 7, 2, 2}), 2), "pixel_shuffle: expects its input's channel dimension to be divisible by the square of upscale_factor, but (1,7,2,2) has 7 channels and upscale_factor is 2");
  EXPECT_XG_ERROR(xg::pixel_shuffle(xg::zeros({4, 2}), 2), "pixel_shuffle: expected an input (*, C, H, W) of at least 3 axes, got (4,2)");
  EXPECT_XG_ERROR(xg::pixel_shuffle(xg::zeros({1, 4, 2, 2}), 0), "pixel_shuffle: expected a positive upscale_factor, got 0");
  EXPECT_XG_ERROR(xg::pixel_unshuffle(xg::zeros({1, 1, 5, 4}), 2), "pixel_unshuffle: expects height and width to be divisible by downscale_factor 2, got (1,1,5,4)");
  EXPECT_XG_ERROR(xg::unflatten(xg::zeros({2, 5}), 1, {2, 2}), "unflatten: sizes (2,2) don't multiply up to the size of dimension 1 (5) in (2,5)");
  EXPECT_XG_ERROR(xg::unflatten(xg::zeros({2, 5}), 1, {2, -1}), "unflatten: sizes (2,-1) cannot make dimension 1 of size 5 in (2,5)");
  EXPECT_XG_ERROR(xg::unflatten(xg::zeros({2, 6}), 1, {-1, -1}), "unflatten: sizes (-1,-1) may hold one -1");
  EXPECT_XG_ERROR(F::unfold(xg::zeros({2, 3}), F::UnfoldFuncOptions(2)), "unfold: expected a 3-D (unbatched) or 4-D (batched) input (N, C, H, W), got (2,3)");
  EXPECT_XG_ERROR(F::unfold(xg::zeros({1, 1, 2, 2}), F::UnfoldFuncOptions(3)), "unfold:");
  EXPECT_XG_ERROR(F::unfold(xg::zeros({1, 1, 4, 4}), F::UnfoldFuncOptions(2).stride(0)), "unfold:", "stride");
  EXPECT_XG_ERROR(F::fold(xg::zeros({1, 5, 4}), F::FoldFuncOptions({3, 3}, 2)), "fold: expected size of input's dimension 1 to be divisible by the product of kernel_size, but got 5 and kernel_size (2, 2)");
  EXPECT_XG_ERROR(F::fold(xg::zeros({1, 4, 4}), F::FoldFuncOptions({3, 3}, 0)), "fold: kernel_size must be positive, got (0, 0)");
  EXPECT_XG_ERROR(F::fold(xg::zeros({1, 4, 4, 1, 1}), F::FoldFuncOptions({3, 3}, 2)), "fold: expected a 2-D (unbatched) or 3-D (batched) input");
}
