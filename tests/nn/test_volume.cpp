// The volumetric layers against PyTorch 1.13 in float64 (tests/fixtures/torch_volume.npz
// from scripts/make_volume_fixtures.py): conv3d, conv_transpose3d and the 3-D pools, values
// and every input's gradient, plain and under create_graph; gradchecks and gradgradchecks;
// the modules (Conv3d, ConvTranspose3d, the pools, BatchNorm3d, Dropout3d); errors.
#include <cmath>

#include "test_util.h"

using namespace xg;
namespace F = xg::nn::functional;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_volume.npz";
Tensor fixture(const std::string& key) { return xg::test::fixture(kFile, key); }

struct Case {
  const char* name;
  std::size_t inputs;
  std::function<Tensor(L)> f;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"conv3d", 3,
       [](L v) { return F::conv3d(v[0], v[1], F::Conv3dFuncOptions().bias(v[2]).stride({2, 1, 2}).padding({1, 0, 1}).dilation({1, 2, 1})); }},
      {"conv3d_groups", 2, [](L v) { return conv3d(v[0], v[1], {}, 1, {1, 1, 0}, {2, 1, 1}, 2); }},
      {"conv3d_unbatched", 3, [](L v) { return conv3d(v[0], v[1], v[2], 1, 1); }},
      {"conv_transpose3d", 3,
       [](L v) {
         return F::conv_transpose3d(v[0], v[1], F::ConvTranspose3dFuncOptions().bias(v[2]).stride({2, 1, 2}).padding({1, 0, 1}).output_padding({1, 0, 0}));
       }},
      {"conv_transpose3d_groups", 2, [](L v) { return conv_transpose3d(v[0], v[1], {}, 2, 0, 1, 2, {3, 2, 1}); }},
      {"max_pool3d", 1, [](L v) { return F::max_pool3d(v[0], F::MaxPool3dFuncOptions({3, 2, 3}).stride({2, 2, 1}).padding(1)); }},
      {"max_pool3d_dilated", 1, [](L v) { return max_pool3d(v[0], 2, 1, 0, {2, 1, 2}); }},
      {"max_pool3d_unbatched", 1, [](L v) { return nn::MaxPool3d(2)(v[0]); }},
      {"avg_pool3d", 1, [](L v) { return F::avg_pool3d(v[0], F::AvgPool3dFuncOptions({3, 2, 3}).stride({2, 1, 2}).padding(1)); }},
      {"avg_pool3d_exclude", 1, [](L v) { return avg_pool3d(v[0], {3, 2, 3}, {2, 1, 2}, 1, false, false); }},
      {"adaptive_avg", 1, [](L v) { return F::adaptive_avg_pool3d(v[0], F::AdaptiveAvgPool3dFuncOptions({3, 2, 4})); }},
      {"adaptive_max", 1, [](L v) { return nn::AdaptiveMaxPool3d(Int3{3, 2, 4})(v[0]); }},
      {"bn3d_train", 3, [](L v) { return F::batch_norm(v[0], Tensor(), Tensor(), F::BatchNormFuncOptions().weight(v[1]).bias(v[2]).training(true)); }},
  };
  return all;
}
}  // namespace

TEST(VolumeLayers, MatchPyTorchWithGradients) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const auto in = xg::test::fixture_inputs(kFile, c.name, c.inputs);
    xg::test::expect_fixture_case(kFile, c.name, c.f(in), in, 1e-12, 1e-12);
  }
  // PyTorch's positions d·H·W + h·W + w, exactly.
  const auto [values, indices] = F::adaptive_max_pool3d_with_indices(fixture("adaptive_max.in0"), Int3{3, 2, 4});
  EXPECT_EQ(indices.dtype(), kInt64);
  EXPECT_EQ(max_abs_diff(indices.to(kFloat64), fixture("adaptive_max.indices").to(kFloat64)), 0);
}

TEST(VolumeLayers, GradcheckAndGradgradcheck) {
  // Smaller inputs than the fixtures' (the checkers perturb one element at a time); pools
  // on distinct values, so no window holds a tie.
  xg::manual_seed(7);
  const Tensor x = xg::randn({1, 4, 4, 5, 4}, kFloat64), w = xg::randn({2, 2, 2, 3, 2}, kFloat64);
  const Tensor b = xg::randn({2}, kFloat64), wt = xg::randn({4, 1, 2, 2, 3}, kFloat64);
  const Tensor v = xg::randperm(60).to(kFloat64).reshape({1, 2, 5, 3, 2}) / 10.0;
  const std::vector<std::pair<const char*, std::function<Tensor(L)>>> fs{
      {"conv3d", [](L t) { return conv3d(t[0], t[1], t[2], {1, 2, 1}, {1, 0, 1}, {2, 1, 1}, 2); }},
      {"conv_transpose3d", [](L t) { return conv_transpose3d(t[0], t[1], Tensor(), {2, 1, 2}, {0, 1, 1}, {1, 0, 0}, 2); }},
      {"max_pool3d", [](L t) { return max_pool3d(t[0], {2, 2, 1}, 1, {1, 0, 0}); }},
      {"avg_pool3d", [](L t) { return avg_pool3d(t[0], {3, 2, 2}, {1, 1, 2}, {1, 1, 0}, false, false); }},
      {"adaptive_avg_pool3d", [](L t) { return adaptive_avg_pool3d(t[0], {2, 3, 2}); }},
      {"adaptive_max_pool3d", [](L t) { return adaptive_max_pool3d(t[0], {3, 2, 1}); }},
  };
  const std::vector<tensor_list> inputs{{x, w, b}, {x, wt}, {v}, {v}, {v}, {v}};
  for (std::size_t i = 0; i < fs.size(); ++i) {
    SCOPED_TRACE(fs[i].first);
    tensor_list in;
    for (const auto& t : inputs[i]) in.push_back(t.detach().requires_grad_());
    EXPECT_TRUE(gradcheck_ok(fs[i].second, in));
    EXPECT_TRUE(gradgradcheck_ok(fs[i].second, in));
  }
}

TEST(VolumeLayers, Modules) {
  xg::manual_seed(3);
  nn::Conv3d conv(nn::Conv3dOptions(4, 6, {3, 2, 3}).stride({2, 1, 2}).padding({1, 0, 1}).dilation({1, 2, 1}).dtype(kFloat64));
  EXPECT_EQ(conv.W.shape(), (Shape{6, 4, 3, 2, 3}));
  EXPECT_EQ(conv.describe(), "Conv3d(4, 6, kernel_size=(3, 2, 3), stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1))");
  EXPECT_NEAR(conv.W.std().item(), 1.0 / std::sqrt(4.0 * 18.0), 0.03);  // N(0, 1/fan_in)
  conv.W.detach().copy_(fixture("conv3d.in1"));
  conv.b.detach().copy_(fixture("conv3d.in2"));
  EXPECT_LT(max_abs_diff(conv.forward(fixture("conv3d.in0")), fixture("conv3d.y")), 1e-12);
  // padding_mode: the padded copy, then a convolution without padding.
  nn::Conv3d circ(nn::Conv3dOptions(2, 3, 3).padding(1).padding_mode(kCircular).dtype(kFloat64));
  const Tensor xc = xg::randn({1, 2, 4, 4, 4}, kFloat64);
  EXPECT_LT(max_abs_diff(circ.forward(xc), conv3d(pad(xc, {1, 1, 1, 1, 1, 1}, kCircular), circ.W, circ.b)), 1e-15);
  nn::ConvTranspose3d up(nn::ConvTranspose3dOptions(4, 3, {3, 2, 3}).stride({2, 1, 2}).padding({1, 0, 1}).output_padding({1, 0, 0}).dtype(kFloat64));
  EXPECT_EQ(up.W.shape(), (Shape{4, 3, 3, 2, 3}));
  up.W.detach().copy_(fixture("conv_transpose3d.in1"));
  up.b.detach().copy_(fixture("conv_transpose3d.in2"));
  EXPECT_LT(max_abs_diff(up.forward(fixture("conv_transpose3d.in0")), fixture("conv_transpose3d.y")), 1e-12);
  EXPECT_LT(max_abs_diff(nn::AvgPool3d(nn::AvgPool3dOptions({3, 2, 3}).stride({2, 1, 2}).padding(1).count_include_pad(false))(fixture("avg_pool3d_exclude.in0")),
                         fixture("avg_pool3d_exclude.y")), 1e-12);
  EXPECT_LT(max_abs_diff(nn::AdaptiveAvgPool3d(Int3{3, 2, 4})(fixture("adaptive_avg.in0")), fixture("adaptive_avg.y")), 1e-12);
  // Global pooling of a volume: AdaptiveAvgPool3d(1) is the mean over D, H, W.
  EXPECT_LT(max_abs_diff(nn::AdaptiveAvgPool3d(1)(xc), xc.mean({2, 3, 4}, true)), 1e-15);
  // BatchNorm3d: PyTorch's output and running statistics after one training step.
  nn::BatchNorm3d bn(nn::BatchNorm3dOptions(4).dtype(kFloat64));
  const Tensor xb = fixture("bn3d_train.in0");
  EXPECT_LT(max_abs_diff(bn.forward(xb), F::batch_norm(xb, Tensor(), Tensor(), F::BatchNormFuncOptions().training(true))), 1e-12);
  EXPECT_LT(max_abs_diff(bn.running_mean, fixture("bn3d.running_mean")), 1e-12);
  EXPECT_LT(max_abs_diff(bn.running_var, fixture("bn3d.running_var")), 1e-12);
  // Dropout3d: one draw per (sample, channel), whole volumes kept (scaled) or zeroed.
  nn::Dropout3d drop(0.5);
  const Tensor y = drop.forward(xg::ones({4, 8, 2, 3, 2}, kFloat64));
  const Tensor per_channel = y.reshape({32, 12});
  EXPECT_EQ(max_abs_diff(per_channel.amax(1), per_channel.amin(1)), 0);  // each volume constant
  const double kept = (per_channel.select(1, 0) > 0.0).to(kFloat64).sum().item();
  EXPECT_GT(kept, 4);
  EXPECT_LT(kept, 28);
  EXPECT_EQ(max_abs_diff(y.max(), xg::scalar_tensor(2.0, kFloat64)), 0);
  drop.eval();
  EXPECT_EQ(max_abs_diff(drop.forward(xc), xc), 0);
}

TEST(VolumeLayers, ErrorsNameTheCall) {
  const auto x = xg::randn({2, 4, 5, 5, 5}, kFloat64);
  EXPECT_XG_ERROR(conv3d(x, xg::randn({3, 2, 3, 3, 3}, kFloat64)), "conv3d: expected input (N, C, D, H, W) with C = 2 for weight (3,2,3,3,3), got (2,4,5,5,5)");
  EXPECT_XG_ERROR(conv3d(x, xg::randn({3, 4, 3, 3}, kFloat64)), "conv3d: expected a 5-D weight (C_out, C_in/groups, KD, KH, KW), got (3,4,3,3)");
  EXPECT_XG_ERROR(conv3d(x.reshape({2, 4, 125}), xg::randn({3, 4, 3, 3, 3}, kFloat64)), "conv3d: expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) input, got 3-D (2,4,125)");
  EXPECT_XG_ERROR(conv3d(x, xg::randn({3, 4, 6, 3, 3}, kFloat64)), "conv3d: kernel (6, 3, 3) spans 6 along the depth, more than the padded depth 5");
  EXPECT_XG_ERROR(conv3d(x, xg::randn({3, 4, 3, 3, 3}, kFloat64), {}, {1, 0, 1}), "conv3d: stride must be positive, got (1, 0, 1)");
  EXPECT_XG_ERROR(conv3d(x, xg::randn({3, 4, 3, 3, 3}, kFloat64), xg::zeros({4}, kFloat64)), "conv3d: expected a bias of shape (3)");
  EXPECT_XG_ERROR(conv3d(x, xg::randn({3, 2, 3, 3, 3}, kFloat64), {}, 1, 0, 1, 2), "conv3d: groups = 2 must divide the input channels (4) and the weight's first axis (3)");
  EXPECT_XG_ERROR(conv3d(x.to(kInt64), xg::randn({3, 4, 3, 3, 3}, kFloat64)), "conv3d: expected a float tensor, got int64");
  EXPECT_XG_ERROR(conv3d(x, xg::randn({3, 4, 3, 3, 3}, kFloat64), {}, 1, 0, {1, 1, 1LL << 62}), "conv3d:", "the dilated kernel's span");
  EXPECT_XG_ERROR(conv_transpose3d(x, xg::randn({3, 2, 3, 3, 3}, kFloat64)), "conv_transpose3d: expected input (N, C, D, H, W) with C = 3");
  EXPECT_XG_ERROR(conv_transpose3d(x, xg::randn({4, 2, 3, 3, 3}, kFloat64), {}, 2, 0, {0, 0, 2}), "conv_transpose3d: output_padding (0, 0, 2) must be smaller than the stride (2, 2, 2) or the dilation (1, 1, 1) on each axis (not on the width)");
  EXPECT_XG_ERROR(conv_transpose3d(x, xg::randn({4, 2, 3, 3, 3}, kFloat64), {}, 1, {0, 4, 0}), "conv_transpose3d:", "gives an empty output along the height");
  EXPECT_XG_ERROR(max_pool3d(x, 2, 2, {0, 2, 0}), "max_pool3d: padding (0, 2, 0) must be at most half the kernel (2, 2, 2) on each axis");
  EXPECT_XG_ERROR(max_pool3d(x, {2, 0, 2}), "max_pool3d: kernel_size must be positive, got (2, 0, 2)");
  EXPECT_XG_ERROR(avg_pool3d(x, {2, 2, 7}), "avg_pool3d: kernel (2, 2, 7) spans 7 along the width, more than the padded width 5");
  EXPECT_XG_ERROR(adaptive_avg_pool3d(x, {2, 0, 2}), "adaptive_avg_pool3d: output_size must be positive, got (2, 0, 2)");
  // Output sizes whose product wraps int64 (the fuzzer's find) or passes the allocation limit.
  EXPECT_XG_ERROR(adaptive_max_pool3d(x, {1, 1LL << 32, 1LL << 32}), "adaptive_max_pool3d:", "more elements than fit in int64");
  EXPECT_XG_ERROR(adaptive_avg_pool3d(x, {1, 1LL << 32, 1LL << 32}), "adaptive_avg_pool3d:", "more elements than fit in int64");
  EXPECT_XG_ERROR(adaptive_avg_pool3d(x, {1LL << 20, 1LL << 20, 1}), "adaptive_avg_pool3d:", "more than the allocation limit");
  EXPECT_XG_ERROR(adaptive_max_pool3d(xg::zeros({2, 4, 0, 5, 5}), 2), "adaptive_max_pool3d: the input's depth, height and width must be positive, got (2,4,0,5,5)");
  EXPECT_XG_ERROR(nn::Conv3d(nn::Conv3dOptions(4, 6, 3).groups(4)), "Conv3d: groups = 4 must divide in_channels (4) and out_channels (6)");
  nn::Conv3d conv(4, 6, 3);
  EXPECT_XG_ERROR(conv.forward(xg::zeros({2, 3, 5, 5, 5})), "Conv3d(4, 6, kernel_size=(3, 3, 3), stride=(1, 1, 1)): expected input (N, 4, D, H, W) or unbatched (4, D, H, W), got (2,3,5,5,5)");
  EXPECT_XG_ERROR(nn::MaxPool3d(2).forward(xg::zeros({2, 3, 5})), "MaxPool3d(kernel_size=(2, 2, 2)): expected input (N, C, D, H, W)");
  EXPECT_XG_ERROR(nn::BatchNorm3d(4).forward(xg::zeros({2, 4, 5, 5})), "BatchNorm3d(4): expected input (N, 4, D, H, W), got (2,4,5,5)");
  EXPECT_XG_ERROR(nn::Dropout3d(1.5), "Dropout3d: probability must be in [0, 1], got 1.5");
  EXPECT_XG_ERROR(nn::Dropout3d(0.5).forward(xg::zeros({2, 4, 5, 5})), "Dropout3d: expected input (N, C, D, H, W), got (2,4,5,5)");
}
