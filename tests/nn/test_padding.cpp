// Padding modes (xg::pad, F::pad), the padding layers and the convolutions' padding_mode:
// values and gradients against PyTorch 1.13 (tests/fixtures/torch_conv.npz, pad_* and
// convpad_*), float64 gradcheck and gradgradcheck, the layers' options and printing, and
// errors in the user's terms.
#include "test_util.h"

using xg::test::max_abs_diff;
using xg::test::randp;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;
namespace F = xg::nn::functional;

namespace {

xg::Tensor fx(const std::string& key) { return xg::test::fixture("torch_conv.npz", key); }

// y and the gradients of sum(y * gy) against PyTorch's, to float64 rounding.
void check_pad(const std::string& name, const std::function<xg::Tensor(const xg::Tensor&)>& op) {
  SCOPED_TRACE(name);
  const auto x = fx(name + "_x").requires_grad_();
  const auto y = op(x);
  EXPECT_EQ(max_abs_diff(y, fx(name + "_y")), 0.0);  // copies: exact
  EXPECT_LT(max_abs_diff(xg::grad({(y * fx(name + "_gy")).sum()}, {x})[0], fx(name + "_gx")), 1e-13);
}

// A convolution module with PyTorch's weight and bias, against its output and gradients.
template <class Conv>
void check_conv(const std::string& name, Conv& conv) {
  SCOPED_TRACE(name);
  {
    xg::NoGradGuard no_grad;
    conv.W.copy_(fx(name + "_w"));
    conv.b.copy_(fx(name + "_b"));
  }
  const auto x = fx(name + "_x").requires_grad_();
  const auto y = conv(x);
  EXPECT_LT(max_abs_diff(y, fx(name + "_y")), 1e-12);
  const auto g = xg::grad({(y * fx(name + "_gy")).sum()}, {x, conv.W, conv.b});
  EXPECT_LT(max_abs_diff(g[0], fx(name + "_gx")), 1e-12);
  EXPECT_LT(max_abs_diff(g[1], fx(name + "_gw")), 1e-12);
  EXPECT_LT(max_abs_diff(g[2], fx(name + "_gb")), 1e-12);
}

}  // namespace

TEST(Padding, ModesMatchPyTorch) {
  check_pad("pad_reflect1d", [](const xg::Tensor& x) { return xg::pad(x, {2, 3}, xg::kReflect); });
  check_pad("pad_reflect2d", [](const xg::Tensor& x) { return F::pad(x, F::PadFuncOptions({1, 2, 3, 0}).mode(xg::kReflect)); });
  check_pad("pad_reflect_crop", [](const xg::Tensor& x) { return xg::pad(x, {-1, 2, 1, -2}, xg::kReflect); });
  check_pad("pad_reflect3d", [](const xg::Tensor& x) { return xg::pad(x, {1, 1, 2, 0, 1, 2}, xg::kReflect); });
  check_pad("pad_replicate1d", [](const xg::Tensor& x) { return xg::pad(x, {4, 1}, xg::kReplicate); });
  check_pad("pad_replicate2d", [](const xg::Tensor& x) { return F::pad(x, F::PadFuncOptions({2, 1, 0, 3}).mode(xg::kReplicate)); });
  check_pad("pad_circular2d", [](const xg::Tensor& x) { return xg::pad(x, {1, 2, 2, 1}, xg::kCircular); });
  check_pad("pad_circular_crop", [](const xg::Tensor& x) { return xg::pad(x, {-1, 3}, xg::kCircular); });
  // The constant mode is the existing constant pad.
  check_pad("pad_mixed", [](const xg::Tensor& x) { return F::pad(x, F::PadFuncOptions({1, 2, -1, 3}).mode(xg::kConstant).value(0.5)); });
}

TEST(Padding, KnownValuesOfEachMode) {
  const auto x = xg::tensor({{0.0, 1.0, 2.0, 3.0}}, xg::kFloat64);
  EXPECT_TRUE(values_near(xg::pad(x, {2, 3}, xg::kReflect), {2, 1, 0, 1, 2, 3, 2, 1, 0}, 0));
  EXPECT_TRUE(values_near(xg::pad(x, {2, 3}, xg::kReplicate), {0, 0, 0, 1, 2, 3, 3, 3, 3}, 0));
  EXPECT_TRUE(values_near(xg::pad(x, {3, 4}, xg::kCircular), {1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3}, 0));
  EXPECT_TRUE(values_near(xg::pad(x, {1, -1}, xg::kReflect), {1, 0, 1, 2}, 0));  // crop, then reflect the rest
  EXPECT_TRUE(values_near(xg::pad(x, {1, 1}, xg::kConstant, 7.0), {7, 0, 1, 2, 3, 7}, 0));
  // An axis only cropped, next to one reflected.
  const auto g = xg::arange(9.0, xg::kFloat64).reshape({3, 3});
  EXPECT_TRUE(values_near(xg::pad(g, {1, 0, -1, 0}, xg::kReflect), {4, 3, 4, 5, 7, 6, 7, 8}, 0));
  // Integers pad too; the edge element of a reflection receives both of its gradients.
  EXPECT_TRUE(values_near(xg::pad(xg::arange(3.0, xg::kInt64), {2, 0}, xg::kReflect), {2, 1, 0, 1, 2}, 0));
  const auto w = xg::tensor({1.0, 2.0, 3.0}, xg::kFloat64).requires_grad_();
  xg::pad(w, {2, 2}, xg::kReflect).sum().backward();  // 3 2 | 1 2 3 | 2 1
  EXPECT_TRUE(values_near(w.grad(), {2, 3, 2}, 0));
  xg::Tensor r = xg::tensor({1.0, 2.0, 3.0}, xg::kFloat64).requires_grad_();
  xg::pad(r, {2, 1}, xg::kReplicate).sum().backward();  // 1 1 | 1 2 3 | 3
  EXPECT_TRUE(values_near(r.grad(), {3, 1, 2}, 0));
  // No pads is the input itself; empty axes that are not padded stay empty.
  EXPECT_TRUE(xg::pad(x, {0, 0}, xg::kReflect).is_same(x));
  EXPECT_EQ(xg::pad(xg::zeros({0, 3, 4}), {1, 1, 2, 2}, xg::kReflect).shape(), (xg::Shape{0, 7, 6}));
}

TEST(Padding, GradcheckAndGradgradcheckEveryMode) {
  xg::manual_seed(21);
  for (const auto mode : {xg::kReflect, xg::kReplicate, xg::kCircular}) {
    SCOPED_TRACE(xg::pad_mode_name(mode));
    // A transposed (strided) input, two axes, a crop on one side.
    const auto f = [mode](L v) { return xg::pad(v[0].transpose(1, 2), {2, -1, 1, 2}, mode) * 1.5; };
    const xg::tensor_list in{randp({2, 4, 3})};
    EXPECT_TRUE(gradcheck_ok(f, in));
    EXPECT_TRUE(gradgradcheck_ok(f, in));
  }
}

TEST(Padding, ConvolutionPaddingModesMatchPyTorch) {
  using xg::nn::Conv2dOptions;
  xg::nn::Conv2d reflect(Conv2dOptions(3, 4, 3).padding({1, 2}).padding_mode(xg::kReflect).dtype(xg::kFloat64));
  check_conv("convpad_reflect", reflect);
  EXPECT_EQ(reflect.describe(), "Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 2), padding_mode=reflect)");
  xg::nn::Conv2d circular(Conv2dOptions(2, 3, {3, 2}).stride(2).padding(2).padding_mode(xg::kCircular).dtype(xg::kFloat64));
  check_conv("convpad_circular", circular);
  xg::nn::Conv2d replicate(Conv2dOptions(2, 2, 3).padding({2, 1}).padding_mode(xg::kReplicate).dtype(xg::kFloat64));
  check_conv("convpad_replicate", replicate);
  using xg::nn::Conv1dOptions;
  xg::nn::Conv1d rep1(Conv1dOptions(3, 4, 3).padding(2).padding_mode(xg::kReplicate).dtype(xg::kFloat64));
  check_conv("conv1dpad_replicate", rep1);
  xg::nn::Conv1d ref1(Conv1dOptions(2, 2, 3).stride(2).padding(1).padding_mode(xg::kReflect).dtype(xg::kFloat64));
  check_conv("conv1dpad_reflect", ref1);
  EXPECT_EQ(ref1.describe(), "Conv1d(2, 2, kernel_size=(3,), stride=(2,), padding=(1,), padding_mode=reflect)");
  // kZeros is the default and the zero-padded convolution.
  EXPECT_EQ(Conv2dOptions(1, 1, 3).padding_mode(), xg::kZeros);
}

TEST(Padding, LayersAsLibtorch) {
  xg::manual_seed(22);
  const auto x = xg::randn({2, 3, 4, 5}, xg::kFloat64);
  xg::nn::ReflectionPad2d reflect(xg::nn::ReflectionPad2dOptions({1, 2, 3, 0}));
  EXPECT_EQ(max_abs_diff(reflect(x), xg::pad(x, {1, 2, 3, 0}, xg::kReflect)), 0.0);
  EXPECT_EQ(reflect.describe(), "ReflectionPad2d((1, 2, 3, 0))");
  EXPECT_EQ(reflect.type_name(), "ReflectionPad2d");
  EXPECT_EQ(reflect.parameters().size(), 0u);
  xg::nn::ReplicationPad1d rep(2);  // one size for both sides
  EXPECT_EQ(rep.padding(), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(max_abs_diff(rep(x.select(0, 0)), xg::pad(x.select(0, 0), {2, 2}, xg::kReplicate)), 0.0);
  xg::nn::ZeroPad2d zero(1);
  EXPECT_EQ(zero.describe(), "ZeroPad2d((1, 1, 1, 1))");
  EXPECT_EQ(max_abs_diff(zero(x), xg::pad(x, {1, 1, 1, 1})), 0.0);
  xg::nn::ConstantPad1d fill(xg::nn::ConstantPad1dOptions(2, 3.5));
  EXPECT_EQ(fill.describe(), "ConstantPad1d(padding=(2, 2), value=3.5)");
  EXPECT_TRUE(values_near(fill(xg::zeros({1, 1}, xg::kFloat64)), {3.5, 3.5, 0, 3.5, 3.5}, 0));
  xg::nn::ReflectionPad3d r3(1);
  EXPECT_EQ(r3(xg::zeros({2, 2, 3, 4})).shape(), (xg::Shape{2, 4, 5, 6}));  // unbatched (C, D, H, W)
}

TEST(Padding, ErrorsNameTheCallAndTheSizes) {
  const auto x = xg::zeros({1, 3, 4});
  EXPECT_XG_ERROR(xg::pad(x, {4, 0}, xg::kReflect),
                  "pad: reflect padding of (4,0) needs each pad less than the size along axis 2 of (1,3,4) (4 kept, pads (4, 0))");
  EXPECT_XG_ERROR(xg::pad(x, {-1, 3}, xg::kReflect), "pad: reflect padding of (-1,3) needs each pad less than the size along axis 2 of (1,3,4) (3 kept");
  EXPECT_XG_ERROR(xg::pad(x, {0, 5}, xg::kCircular), "pad: circular padding of (0,5) needs each pad at most the size along axis 2");
  EXPECT_XG_ERROR(xg::pad(xg::zeros({2, 0}), {1, 0}, xg::kReplicate), "pad: replicate padding of (1,0) needs a non-empty axis along axis 1 of (2,0)");
  EXPECT_XG_ERROR(xg::pad(x, {1, 1}, xg::kReflect, 2.0), "pad: reflect padding takes no fill value, got 2");
  EXPECT_XG_ERROR(xg::pad(x, {1, 1, 1}, xg::kReflect), "pad: expected an even number of pads, at most 2 per axis (6 for (1,3,4)), got 3");
  EXPECT_XG_ERROR(xg::pad(x, {-5, 1}, xg::kCircular), "pad: pads (-5, 1) crop more than axis 2 of (1,3,4) holds");
  // Sizes are bounded before any index table is built, also when the result would be empty.
  const std::int64_t huge = std::int64_t{1} << 62;
  EXPECT_XG_ERROR(xg::pad(x, {huge, 0}, xg::kReplicate), "pad: shape (1,3,4611686018427387908) has more elements than fit");
  EXPECT_XG_ERROR(xg::pad(x, {std::int64_t{1} << 40, 0}, xg::kReplicate), "pad:", "the padded result");
  EXPECT_XG_ERROR(xg::pad(x, {huge, 0}, xg::kReflect), "pad: reflect padding of (4611686018427387904,0) needs each pad less than the size");
  EXPECT_XG_ERROR(xg::pad(xg::zeros({0, 3}), {huge, 0}, xg::kReplicate), "pad:", "the index of a padded axis");
  EXPECT_XG_ERROR(xg::pad(x, {huge, huge}, xg::kReplicate), "pad: the padded size overflows int64");
  EXPECT_XG_ERROR(xg::nn::ReflectionPad2d(xg::nn::ReflectionPad2dOptions({1, 2, 3})),
                  "ReflectionPad2d: expected 1 or 4 padding sizes (left, right, top, bottom), got 3: (1, 2, 3)");
  xg::nn::ReflectionPad2d layer(3);
  EXPECT_XG_ERROR(layer(xg::zeros({4, 4})), "ReflectionPad2d((3, 3, 3, 3)): expected a 3-D (unbatched) or 4-D (batched) input, got (4,4)");
  EXPECT_XG_ERROR(layer(xg::zeros({1, 3, 3})), "ReflectionPad2d: reflect padding of (3,3,3,3) needs each pad less than the size along axis 2");
  xg::nn::Conv2d conv(xg::nn::Conv2dOptions(1, 2, 3).padding({1, 2}).padding_mode(xg::kReflect));
  EXPECT_XG_ERROR(conv(xg::zeros({1, 1, 3, 2})), "Conv2d: reflect padding of (2,2,1,1) needs each pad less than the size along axis 3 of (1,1,3,2)");
}
