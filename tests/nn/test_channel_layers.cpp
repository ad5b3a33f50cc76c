// ConvTranspose1d, LocalResponseNorm, ChannelShuffle, Softmax2d, RReLU, MultiMarginLoss and
// MultiLabelMarginLoss against PyTorch 1.13 in float64 (tests/fixtures/torch_layers_more.npz
// from scripts/make_layer_fixtures.py): values and every float input's gradient, plain and
// under create_graph; gradchecks and gradgradchecks; the modules; RReLU's draws; errors.
#include <cmath>

#include "test_util.h"

using namespace xg;
namespace F = xg::nn::functional;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_layers_more.npz";
Tensor fixture(const std::string& key) { return xg::test::fixture(kFile, key); }

struct Case {
  const char* name;
  std::size_t inputs;      // float inputs, differentiated
  std::size_t int_inputs;  // int64 inputs after them
  std::function<Tensor(L, L)> f;
  bool smooth = true;      // gradchecked (hinges have kinks, checked away from them below)
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"conv_transpose1d", 3, 0,
       [](L v, L) { return F::conv_transpose1d(v[0], v[1], F::ConvTranspose1dFuncOptions().bias(v[2]).stride(2).padding(1).output_padding(1)); }},
      {"conv_transpose1d_groups", 2, 0, [](L v, L) { return conv_transpose1d(v[0], v[1], {}, 1, 0, 0, 2, 2); }},
      {"lrn3", 1, 0, [](L v, L) { return F::local_response_norm(v[0], F::LocalResponseNormFuncOptions(3).alpha(0.5).beta(0.75).k(1.5)); }},
      {"lrn4", 1, 0, [](L v, L) { return F::local_response_norm(v[0], F::LocalResponseNormFuncOptions(4).alpha(1e-2).beta(0.6).k(2.0)); }},
      {"channel_shuffle", 1, 0, [](L v, L) { return F::channel_shuffle(v[0], 3); }},
      {"softmax2d", 1, 0, [](L v, L) { return nn::Softmax2d()(v[0]); }},
      {"rrelu_eval", 1, 0, [](L v, L) { return F::rrelu(v[0], F::RReLUFuncOptions().lower(0.1).upper(0.3)); }, false},
      {"multi_margin", 1, 1, [](L v, L i) { return F::multi_margin_loss(v[0], i[0], F::MultiMarginLossFuncOptions().reduction(xg::kNone)); }, false},
      {"multi_margin_p2", 1, 1,
       [](L v, L i) {
         const auto w = xg::tensor({0.5, 1.0, 2.0, 1.5, 0.25}, kFloat64);
         return nn::MultiMarginLoss(nn::MultiMarginLossOptions().p(2).margin(0.7).weight(w))(v[0], i[0]);
       }, false},
      {"multilabel_margin", 1, 1, [](L v, L i) { return F::multilabel_margin_loss(v[0], i[0], F::MultilabelMarginLossFuncOptions().reduction(xg::kNone)); }, false},
      {"multilabel_margin_1d", 1, 1, [](L v, L i) { return nn::MultiLabelMarginLoss(nn::MultiLabelMarginLossOptions().reduction(xg::kSum))(v[0], i[0]); }, false},
  };
  return all;
}

tensor_list int_inputs(const Case& c) { return xg::test::fixture_ints(kFile, c.name, c.inputs, c.int_inputs); }
}  // namespace

TEST(ChannelLayers, MatchPyTorchWithGradients) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const auto in = xg::test::fixture_inputs(kFile, c.name, c.inputs);
    xg::test::expect_fixture_case(kFile, c.name, c.f(in, int_inputs(c)), in, 1e-12, 1e-12);
  }
  EXPECT_EQ(max_abs_diff(F::channel_shuffle(fixture("channel_shuffle.in0"), 3), fixture("channel_shuffle.torch")), 0);
}

TEST(ChannelLayers, GradcheckAndGradgradcheck) {
  for (const auto& c : cases()) {
    if (!c.smooth) continue;
    SCOPED_TRACE(c.name);
    const auto ints = int_inputs(c);
    const auto f = [&](L v) { return c.f(v, ints); };
    const auto in = xg::test::fixture_inputs(kFile, c.name, c.inputs);
    EXPECT_TRUE(gradcheck_ok(f, in));
    EXPECT_TRUE(gradgradcheck_ok(f, in));
  }
  // The hinge losses away from their kinks: scores far apart, so no term sits at 0.
  const auto x = xg::tensor({{0.0, 3.0, -2.0, 0.5}, {1.0, -3.0, 4.0, 0.2}}, kFloat64).requires_grad_();
  const Tensor y = xg::tensor({1.0, 2.0}, kInt64), rows = xg::tensor({{1.0, 3.0, -1.0, 0.0}, {2.0, -1.0, 0.0, 0.0}}, kInt64);
  EXPECT_TRUE(gradgradcheck_ok([&](L v) { return F::multi_margin_loss(v[0], y, F::MultiMarginLossFuncOptions().p(2)); }, {x}));
  EXPECT_TRUE(gradcheck_ok([&](L v) { return F::multilabel_margin_loss(v[0], rows); }, {x}));
}

TEST(ChannelLayers, ModulesAndRReLUDraws) {
  xg::manual_seed(4);
  nn::ConvTranspose1d up(nn::ConvTranspose1dOptions(4, 3, 3).stride(2).padding(1).output_padding(1).dtype(kFloat64));
  EXPECT_EQ(up.W.shape(), (Shape{4, 3, 3}));
  up.W.detach().copy_(fixture("conv_transpose1d.in1"));
  up.b.detach().copy_(fixture("conv_transpose1d.in2"));
  EXPECT_LT(max_abs_diff(up.forward(fixture("conv_transpose1d.in0")), fixture("conv_transpose1d.y")), 1e-12);
  nn::LocalResponseNorm lrn(nn::LocalResponseNormOptions(3).alpha(0.5).beta(0.75).k(1.5));
  EXPECT_LT(max_abs_diff(lrn.forward(fixture("lrn3.in0")), fixture("lrn3.y")), 1e-12);
  nn::ChannelShuffle shuffle(3);
  EXPECT_EQ(max_abs_diff(shuffle.forward(fixture("channel_shuffle.in0")), fixture("channel_shuffle.torch")), 0);
  // RReLU: in training each negative element gets its own slope in [lower, upper]; in eval
  // the mean slope; positives pass.
  nn::RReLU rrelu(nn::RReLUOptions().lower(0.1).upper(0.3));
  const Tensor neg = -xg::ones({1000}, kFloat64);
  const Tensor drawn = -rrelu.forward(neg);
  EXPECT_GE(drawn.min().item(), 0.1);
  EXPECT_LE(drawn.max().item(), 0.3);
  EXPECT_GT(drawn.std().item(), 0.03);  // U(0.1, 0.3): std 0.058
  rrelu.eval();
  EXPECT_NEAR(rrelu.forward(neg).to_vector<double>()[0], -0.2, 1e-15);
  EXPECT_EQ(rrelu.forward(xg::ones({3}, kFloat64)).to_vector<double>(), (std::vector<double>{1, 1, 1}));
}

TEST(ChannelLayers, ErrorsNameTheCall) {
  const auto x = xg::randn({2, 4, 5}, kFloat64);
  EXPECT_XG_ERROR(conv_transpose1d(x, xg::randn({3, 2, 3}, kFloat64)), "conv_transpose1d: expected input (N, C, L) with C = 3");
  EXPECT_XG_ERROR(conv_transpose1d(x, xg::randn({4, 2, 3}, kFloat64), {}, 2, 0, 2), "conv_transpose1d: output_padding 2 must be smaller than the stride (2) or the dilation (1)");
  EXPECT_XG_ERROR(conv_transpose1d(x.reshape({40}), xg::randn({4, 2, 3}, kFloat64)), "conv_transpose1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got 1-D (40,)");
  EXPECT_XG_ERROR(conv_transpose1d(x, xg::randn({4, 2, 3}, kFloat64), {}, 1, 4), "conv_transpose1d:", "gives an empty output");
  EXPECT_XG_ERROR(nn::ConvTranspose1d(nn::ConvTranspose1dOptions(4, 3, 3).groups(2)), "ConvTranspose1d: need positive");
  nn::ConvTranspose1d up(nn::ConvTranspose1dOptions(4, 3, 3));
  EXPECT_XG_ERROR(up.forward(xg::zeros({2, 3, 5})), "ConvTranspose1d(4, 3, kernel_size=(3,)): expected input (N, 4, L) or unbatched (4, L), got (2,3,5)");
  EXPECT_XG_ERROR(F::local_response_norm(xg::zeros({2, 4}), 2), "local_response_norm: expected an input of 3 or more dimensions (N, C, ...), got (2,4)");
  EXPECT_XG_ERROR(F::local_response_norm(x, 0), "local_response_norm: size must be positive, got 0");
  EXPECT_XG_ERROR(F::channel_shuffle(x, 3), "channel_shuffle: groups = 3 must divide the 4 channels");
  EXPECT_XG_ERROR(nn::Softmax2d()(xg::zeros({2, 3})), "Softmax2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got (2,3)");
  EXPECT_XG_ERROR(F::rrelu(x, F::RReLUFuncOptions().lower(0.5).upper(0.1)), "rrelu: lower (0.5) must not exceed upper (0.1)");
  const auto s = xg::randn({3, 5}, kFloat64);
  EXPECT_XG_ERROR(F::multi_margin_loss(s, xg::tensor({0.0, 5.0, 1.0}, kInt64)), "multi_margin_loss", "5");
  EXPECT_XG_ERROR(F::multi_margin_loss(s, xg::tensor({0.0, 1.0}, kInt64)), "multi_margin_loss: the target (2,) does not match the scores (3,5) (one label per sample)");
  EXPECT_XG_ERROR(F::multi_margin_loss(s, xg::tensor({0.0, 1.0, 2.0}, kInt64), F::MultiMarginLossFuncOptions().p(3)), "multi_margin_loss: only p = 1 and p = 2 are supported, got 3");
  EXPECT_XG_ERROR(F::multi_margin_loss(s, xg::tensor({0.0, 1.0, 2.0})), "multi_margin_loss: the target must be int64 class indices, got float32");
  EXPECT_XG_ERROR(F::multi_margin_loss(s, xg::tensor({0.0, 1.0, 2.0}, kInt64), F::MultiMarginLossFuncOptions().weight(xg::ones({4}, kFloat64))),
                  "multi_margin_loss: weight must have one entry per class (5), got (4,)");
  EXPECT_XG_ERROR(F::multilabel_margin_loss(s, xg::zeros({3, 4}, kInt64)), "multilabel_margin_loss: the target (3,4) does not match the scores (3,5)");
  EXPECT_XG_ERROR(F::multilabel_margin_loss(s, xg::full({3, 5}, 7.0, kInt64)), "multilabel_margin_loss", "7");
}
