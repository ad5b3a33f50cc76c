// The 1-D convolution and pooling, and group normalisation: values and gradients against
// PyTorch (tests/fixtures/torch_conv.npz, torch_activations.npz), float64 gradcheck and
// gradgradcheck, the modules and functional forms, and errors in the user's terms.
#include "test_util.h"

using xg::test::max_abs_diff;
using xg::test::randp;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;
namespace F = xg::nn::functional;

namespace {

xg::Tensor conv_fixture(const std::string& key) { return xg::test::fixture("torch_conv.npz", key); }

// y and the gradients of sum(y * gy) against PyTorch's, to float64 rounding.
void check_against_torch(const std::string& name, bool weight, bool bias,
                         const std::function<xg::Tensor(L)>& op) {
  SCOPED_TRACE(name);
  xg::tensor_list in{conv_fixture(name + "_x").requires_grad_()};
  if (weight) in.push_back(conv_fixture(name + "_w").requires_grad_());
  if (bias) in.push_back(conv_fixture(name + "_b").requires_grad_());
  const auto y = op(in);
  EXPECT_LT(max_abs_diff(y, conv_fixture(name + "_y")), 1e-12);
  const auto g = xg::grad({(y * conv_fixture(name + "_gy")).sum()}, in);
  const char* keys[] = {"_gx", "_gw", "_gb"};
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_LT(max_abs_diff(g[i], conv_fixture(name + keys[i])), 1e-12) << i;
}

}  // namespace

TEST(Conv1d, MatchesPyTorch) {
  check_against_torch("conv1d_plain", true, true, [](L v) { return xg::conv1d(v[0], v[1], v[2]); });
  check_against_torch("conv1d_s2p1d2", true, true, [](L v) { return xg::conv1d(v[0], v[1], v[2], 2, 1, 2); });
  check_against_torch("conv1d_groups", true, false, [](L v) { return xg::conv1d(v[0], v[1], {}, 1, 2, 1, 2); });
  check_against_torch("maxpool1d_3s2p1", false, false, [](L v) { return xg::max_pool1d(v[0], 3, 2, 1); });
  check_against_torch("maxpool1d_dil", false, false, [](L v) { return xg::max_pool1d(v[0], 2, 1, 0, 3); });
  check_against_torch("avgpool1d_2", false, false, [](L v) { return xg::avg_pool1d(v[0], 2); });
  check_against_torch("avgpool1d_nopad", false, false, [](L v) { return xg::avg_pool1d(v[0], 3, 2, 1, false, false); });
}

TEST(Conv1d, GradcheckAndGradgradcheck) {
  xg::manual_seed(11);
  const auto conv = [](L v) { return xg::conv1d(v[0], v[1], v[2], 2, 1, 1, 2); };
  const xg::tensor_list in{randp({2, 4, 7}), randp({6, 2, 3}), randp({6})};
  EXPECT_TRUE(gradcheck_ok(conv, in));
  EXPECT_TRUE(gradgradcheck_ok(conv, in));
  const auto pools = [](L v) { return xg::max_pool1d(v[0], 3, 2, 1) * 2.0 + xg::avg_pool1d(v[0], 3, 2, 1); };
  EXPECT_TRUE(gradcheck_ok(pools, {randp({2, 3, 8})}));
  EXPECT_TRUE(gradgradcheck_ok(pools, {randp({2, 3, 8})}));
}

TEST(Conv1d, ModulesAndFunctionalForms) {
  xg::manual_seed(12);
  xg::nn::Conv1d conv(xg::nn::Conv1dOptions(4, 6, 3).padding(1).groups(2).dtype(xg::kFloat64));
  EXPECT_EQ(conv.W.shape(), (xg::Shape{6, 2, 3}));
  EXPECT_EQ(conv.b.shape(), (xg::Shape{6}));
  EXPECT_EQ(conv.named_parameters()[0].first, "W");
  EXPECT_EQ(conv.describe(), "Conv1d(4, 6, kernel_size=(3,), stride=(1,), padding=(1,), groups=2)");
  // N(0, 1/fan_in) with fan_in = in/groups·k = 6: the house's Conv2d rule.
  xg::nn::Conv1d wide(xg::nn::Conv1dOptions(64, 256, 5).bias(false));
  EXPECT_FALSE(wide.b.defined());
  EXPECT_NEAR(wide.W.var().item(), 1.0 / (64 * 5), 0.2 / (64 * 5));
  const auto x = xg::randn({3, 4, 10}, xg::kFloat64);
  const auto y = conv(x);
  EXPECT_EQ(y.shape(), (xg::Shape{3, 6, 10}));
  EXPECT_EQ(max_abs_diff(y, F::conv1d(x, conv.W, F::Conv1dFuncOptions().bias(conv.b).padding(1).groups(2))), 0.0);
  // The 2-D form on (N, C, 1, L), exactly.
  EXPECT_EQ(max_abs_diff(y, xg::conv2d(x.unsqueeze(2), conv.W.unsqueeze(2), conv.b, 1, {0, 1}, 1, 2).squeeze(2)), 0.0);
  xg::nn::MaxPool1d pool(2);  // stride: the kernel
  EXPECT_EQ(pool(x).shape(), (xg::Shape{3, 4, 5}));
  EXPECT_EQ(max_abs_diff(pool(x), F::max_pool1d(x, F::MaxPool1dFuncOptions(2))), 0.0);
  xg::nn::AvgPool1d avg(xg::nn::AvgPool1dOptions(3).stride(1).padding(1));
  EXPECT_EQ(avg(x).shape(), (xg::Shape{3, 4, 10}));
  EXPECT_EQ(max_abs_diff(avg(x), F::avg_pool1d(x, F::AvgPool1dFuncOptions(3).stride(1).padding(1))), 0.0);
  // Max pooling of a known sequence; average with and without the padding counted.
  const auto s = xg::tensor({{{1.0, 5.0, 2.0, 4.0, 3.0}}}, xg::kFloat64);
  EXPECT_TRUE(xg::test::values_near(xg::max_pool1d(s, 2), {5, 4}, 0));
  EXPECT_TRUE(xg::test::values_near(xg::avg_pool1d(s, 2, 2, 1), {0.5, 3.5, 3.5}, 1e-15));
  EXPECT_TRUE(xg::test::values_near(xg::avg_pool1d(s, 2, 2, 1, false, false), {1, 3.5, 3.5}, 1e-15));
}

TEST(Conv1d, ErrorsNameTheCallAndItsShapes) {
  const auto x = xg::zeros({2, 4, 9});
  EXPECT_XG_ERROR(xg::conv1d(xg::zeros({9}), xg::zeros({3, 4, 3})), "conv1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got 1-D (9,)");
  EXPECT_XG_ERROR(xg::conv1d(x, xg::zeros({3, 4, 3, 3})), "conv1d: expected a 3-D weight (C_out, C_in/groups, K), got (3,4,3,3)");
  EXPECT_XG_ERROR(xg::conv1d(x, xg::zeros({3, 2, 3})), "conv1d: expected input (N, C, L) with C = 2 for weight (3,2,3), got (2,4,9)");
  EXPECT_XG_ERROR(xg::conv1d(x, xg::zeros({3, 2, 3}), {}, 1, 0, 1, 2), "conv1d: groups = 2 must divide the input channels (4) and the weight's first axis (3)");
  EXPECT_XG_ERROR(xg::conv1d(x, xg::zeros({3, 4, 3}), xg::zeros({4})), "conv1d: expected a bias of shape (3) for weight (3,4,3), got (4,)");
  EXPECT_XG_ERROR(xg::conv1d(x, xg::zeros({3, 4, 4}), {}, 1, 0, 3), "conv1d: kernel 4 dilated spans 10, longer than the padded length 9 of input (2,4,9) with padding 0");
  EXPECT_XG_ERROR(xg::conv1d(x, xg::zeros({3, 4, 3}), {}, 0), "conv1d: kernel_size, stride and dilation must be positive and padding non-negative, got kernel_size 3, stride 0");
  EXPECT_XG_ERROR(xg::max_pool1d(x, 2, 2, 2), "max_pool1d: padding 2 must be between 0 and half the kernel (2)");
  EXPECT_XG_ERROR(xg::avg_pool1d(xg::zeros({2, 4, 9}, xg::kInt64), 2), "avg_pool1d: expected a float tensor, got int64");
  EXPECT_XG_ERROR(xg::max_pool1d(x, 10), "max_pool1d: kernel 10 spans 10, longer than the padded length 9");
  EXPECT_XG_ERROR(xg::nn::Conv1d(4, 6, 0), "Conv1d: in_channels, out_channels, kernel_size and groups must be positive");
  EXPECT_XG_ERROR(xg::nn::Conv1d(xg::nn::Conv1dOptions(4, 6, 3).groups(4)), "Conv1d: groups = 4 must divide in_channels (4) and out_channels (6)");
  xg::nn::Conv1d conv(4, 6, 3);
  EXPECT_XG_ERROR(conv(xg::zeros({2, 3, 9})), "Conv1d(4, 6, kernel_size=(3,), stride=(1,)): expected input (N, 4, L) or unbatched (4, L), got (2,3,9)");
}

TEST(GroupNorm, MatchesPyTorch) {
  const char* file = "torch_activations.npz";
  const auto fx = [file](const std::string& k) { return xg::test::fixture(file, k); };
  auto x = fx("group_norm.x").requires_grad_(), w = fx("group_norm.w").requires_grad_(), b = fx("group_norm.b").requires_grad_();
  auto y = xg::group_norm(x, 3, w, b);
  EXPECT_LT(max_abs_diff(y, fx("group_norm.y")), 1e-12);
  auto g = xg::grad({(y * fx("group_norm.gy")).sum()}, {x, w, b});
  EXPECT_LT(max_abs_diff(g[0], fx("group_norm.gx")), 1e-12);
  EXPECT_LT(max_abs_diff(g[1], fx("group_norm.gw")), 1e-12);
  EXPECT_LT(max_abs_diff(g[2], fx("group_norm.gb")), 1e-12);
  auto xp = fx("x").requires_grad_();  // (3, 4, 5) in 2 groups, no affine
  auto yp = xg::group_norm(xp, 2);
  EXPECT_LT(max_abs_diff(yp, fx("group_norm_plain.y")), 1e-12);
  EXPECT_LT(max_abs_diff(xg::grad({(yp * fx("group_norm_plain.gy")).sum()}, {xp})[0], fx("group_norm_plain.gx")), 1e-12);
}

TEST(GroupNorm, NormalisesEachSamplesGroupsAndChecks) {
  xg::manual_seed(13);
  const auto f = [](L v) { return xg::group_norm(v[0], 2, v[1], v[2]); };
  const xg::tensor_list in{randp({2, 4, 3}), randp({4}), randp({4})};
  EXPECT_TRUE(gradcheck_ok(f, in));
  EXPECT_TRUE(gradgradcheck_ok(f, in));
  // One group per channel is instance normalisation: each (sample, channel) plane has mean 0
  // and biased variance var / (var + eps).
  const auto x = xg::randn({3, 4, 5, 6}, xg::kFloat64) * 2.0 + 3.0;
  xg::nn::GroupNorm inst(xg::nn::GroupNormOptions(4, 4).affine(false).dtype(xg::kFloat64));
  const auto y = inst(x);
  EXPECT_LT(y.mean({2, 3}).abs().max().item(), 1e-13);
  EXPECT_NEAR(y.var({2, 3}).min().item(), 1.0, 1e-4);
  EXPECT_EQ(inst.parameters().size(), 0u);
  // The module's affine part is per channel, and the functional form is the same call.
  xg::nn::GroupNorm gn(2, 4, 1e-5, true, xg::kFloat64);
  EXPECT_EQ(gn.named_parameters()[0].first, "gamma");
  gn.gamma.detach().copy_(xg::tensor({1.0, 2.0, 3.0, 4.0}, xg::kFloat64));
  const auto z = gn(x);
  const auto plain = xg::group_norm(x, 2);
  EXPECT_LT(max_abs_diff(z.narrow(1, 3, 1), plain.narrow(1, 3, 1) * 4.0), 1e-14);
  EXPECT_EQ(max_abs_diff(z, F::group_norm(x, F::GroupNormFuncOptions(2).weight(gn.gamma).bias(gn.beta))), 0.0);
  // An empty batch gives an empty result.
  EXPECT_EQ(xg::group_norm(xg::zeros({0, 4, 3}), 2).shape(), (xg::Shape{0, 4, 3}));
  EXPECT_XG_ERROR(xg::group_norm(x, 3), "group_norm: num_groups must be positive and divide the 4 channels of input (3,4,5,6), got 3");
  EXPECT_XG_ERROR(xg::group_norm(xg::zeros({4}), 2), "group_norm: expected an input (N, C, ...), got (4,)");
  EXPECT_XG_ERROR(xg::group_norm(xg::zeros({2, 4}, xg::kInt64), 2), "group_norm: expected a float input, got int64");
  EXPECT_XG_ERROR(xg::layer_norm(xg::zeros({2, 4}, xg::kInt64), {4}), "layer_norm: expected a float input, got int64");
  EXPECT_XG_ERROR(xg::group_norm(x, 2, xg::ones({3}, xg::kFloat64)), "group_norm: weight has shape (3,), expected (4) for input (3,4,5,6)");
  EXPECT_XG_ERROR(xg::nn::GroupNorm(3, 4), "GroupNorm: num_groups must be positive and divide num_channels, got num_groups 3, num_channels 4");
  EXPECT_XG_ERROR(gn(xg::zeros({2, 3, 5})), "GroupNorm(2, 4): expected an input (N, 4, ...), got (2,3,5)");
}
