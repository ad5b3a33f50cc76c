// Unbatched inputs, (C, H, W) and (C, L), for the convolutions, the pools and their modules,
// against PyTorch 1.13 in float64 (tests/fixtures/torch_unbatched.npz from
// scripts/make_unbatched_fixtures.py): values, indices and every input's gradient, plain and
// under create_graph; the same as a batch of one; gradgradchecks; errors that show the
// shape as given.
#include "test_util.h"

using namespace xg;
namespace F = xg::nn::functional;
using xg::test::max_abs_diff;
using xg::testing::gradgradcheck_ok;

namespace {
constexpr const char* kFile = "torch_unbatched.npz";
Tensor fx(const std::string& key) { return xg::test::fixture(kFile, key); }
using Fn = std::function<Tensor(const tensor_list&)>;
using FnWithIndices = std::function<std::tuple<Tensor, Tensor>(const tensor_list&)>;
}  // namespace

TEST(Unbatched, ConvolutionsAndPoolsMatchPyTorch) {
  struct Case {
    const char* name;
    std::size_t inputs;
    Fn f;
  };
  const std::vector<Case> cases{
      {"conv2d", 3, [](const tensor_list& v) { return conv2d(v[0], v[1], v[2], {2, 1}, 1, {1, 2}, 2); }},
      {"conv_transpose2d", 3, [](const tensor_list& v) { return conv_transpose2d(v[0], v[1], v[2], 2, 1, 1); }},
      {"avg_pool2d", 1, [](const tensor_list& v) { return nn::AvgPool2d(nn::AvgPool2dOptions(3).stride(2).padding(1).ceil_mode(true).count_include_pad(false))(v[0]); }},
      {"adaptive_avg_pool2d", 1, [](const tensor_list& v) { return nn::AdaptiveAvgPool2d({3, 4})(v[0]); }},
      {"lp_pool2d", 1, [](const tensor_list& v) { return nn::LPPool2d(nn::LPPool2dOptions(2, 3).stride(2))(v[0]); }},
      {"conv1d", 3, [](const tensor_list& v) { return F::conv1d(v[0], v[1], F::Conv1dFuncOptions().bias(v[2]).stride(2).padding(1).groups(2)); }},
      {"conv_transpose1d", 3, [](const tensor_list& v) { return conv_transpose1d(v[0], v[1], v[2], 2, 1, 1); }},
      {"avg_pool1d", 1, [](const tensor_list& v) { return nn::AvgPool1d(nn::AvgPool1dOptions(3).stride(2).padding(1))(v[0]); }},
      {"lp_pool1d", 1, [](const tensor_list& v) { return F::lp_pool1d(v[0], F::LPPool1dFuncOptions(2, 3).stride(2)); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const tensor_list in = xg::test::fixture_inputs(kFile, c.name, c.inputs);
    xg::test::expect_fixture_case(kFile, c.name, c.f(in), in, 1e-13, 1e-12);
  }
  const std::vector<std::pair<const char*, FnWithIndices>> with_indices{
      {"max_pool2d", [](const tensor_list& v) { return nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)).forward_with_indices(v[0]); }},
      {"adaptive_max_pool2d", [](const tensor_list& v) { return nn::AdaptiveMaxPool2d({3, 4}).forward_with_indices(v[0]); }},
      {"max_pool1d", [](const tensor_list& v) { return max_pool1d_with_indices(v[0], 3, 2, 1); }},
  };
  for (const auto& [name, f] : with_indices) {
    SCOPED_TRACE(name);
    const tensor_list in = xg::test::fixture_inputs(kFile, name, 1);
    const auto [y, indices] = f(in);
    ASSERT_EQ(indices.shape(), fx(std::string(name) + ".idx").shape());
    EXPECT_EQ(max_abs_diff(indices.to(kFloat64), fx(std::string(name) + ".idx").to(kFloat64)), 0);
    xg::test::expect_fixture_case(kFile, name, y, in, 1e-15, 1e-14);
  }
}

TEST(Unbatched, ModulesTakeThemWithTheirPaddingModes) {
  // Conv2d with reflect padding, the fixture's weights loaded into the module.
  nn::Conv2d conv(nn::Conv2dOptions(3, 4, 3).padding(1).padding_mode(kReflect).dtype(kFloat64));
  {
    xg::NoGradGuard no_grad;
    conv.W.copy_(fx("Conv2d_reflect.in1"));
    conv.b.copy_(fx("Conv2d_reflect.in2"));
  }
  const Tensor x = fx("Conv2d_reflect.in0").clone().requires_grad_();
  const Tensor y = conv(x);
  ASSERT_EQ(y.shape(), (Shape{4, 5, 6}));
  EXPECT_LT(max_abs_diff(y, fx("Conv2d_reflect.y")), 1e-13);
  EXPECT_LT(max_abs_diff(xg::grad({(y * fx("Conv2d_reflect.gy")).sum()}, {x})[0], fx("Conv2d_reflect.g0")), 1e-13);
  // Every module gives its batch-of-one result without the batch axis.
  const Tensor image = xg::randn({3, 9, 8}, kFloat64), sequence = xg::randn({3, 11}, kFloat64);
  nn::LazyConv2d lazy(nn::Conv2dOptions(0, 5, 3));
  nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(3, 2, 2).stride(2).dtype(kFloat64));
  nn::Conv1d conv1(nn::Conv1dOptions(3, 4, 3).padding(1).padding_mode(kCircular).dtype(kFloat64));
  nn::ConvTranspose1d up1(nn::ConvTranspose1dOptions(3, 2, 2).stride(2).dtype(kFloat64));
  const std::vector<std::pair<std::function<Tensor(const Tensor&)>, const Tensor*>> modules{
      {[&](const Tensor& t) { return up(t); }, &image},
      {[&](const Tensor& t) { return nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).ceil_mode(true))(t); }, &image},
      {[&](const Tensor& t) { return nn::AdaptiveMaxPool2d(2)(t); }, &image},
      {[&](const Tensor& t) { return conv1(t); }, &sequence},
      {[&](const Tensor& t) { return up1(t); }, &sequence},
      {[&](const Tensor& t) { return nn::MaxPool1d(nn::MaxPool1dOptions(2).ceil_mode(true))(t); }, &sequence},
      {[&](const Tensor& t) { return nn::AdaptiveAvgPool1d(4)(t); }, &sequence},
  };
  for (std::size_t i = 0; i < modules.size(); ++i) {
    SCOPED_TRACE(i);
    const auto& [m, input] = modules[i];
    const Tensor one = m(*input), batch = m(input->unsqueeze(0));
    ASSERT_EQ(one.dim() + 1, batch.dim());
    EXPECT_EQ(max_abs_diff(one, batch.squeeze(0)), 0);
  }
  EXPECT_EQ(lazy(image.to(kFloat32)).shape(), (Shape{5, 7, 6}));
  EXPECT_EQ(lazy.W.shape(), (Shape{5, 3, 3, 3}));
}

TEST(Unbatched, GradgradcheckAndErrorsShowTheShapeAsGiven) {
  const Tensor x = xg::randn({2, 5, 4}, kFloat64).requires_grad_(), w = xg::randn({3, 2, 2, 2}, kFloat64).requires_grad_();
  EXPECT_TRUE(gradgradcheck_ok([](const tensor_list& v) { return conv2d(v[0], v[1], Tensor(), 1, 1); }, {x, w}));
  EXPECT_TRUE(gradgradcheck_ok([](const tensor_list& v) { return avg_pool2d(v[0] * v[0], 2, 1, 1); }, {x}));
  const Tensor s = xg::randn({2, 7}, kFloat64).requires_grad_(), w1 = xg::randn({2, 3, 3}, kFloat64).requires_grad_();
  EXPECT_TRUE(gradgradcheck_ok([](const tensor_list& v) { return conv_transpose1d(v[0], v[1], Tensor(), 2); }, {s, w1}));

  EXPECT_XG_ERROR(conv2d(xg::ones({5, 7, 7}), xg::ones({4, 3, 3, 3})),
                  "conv2d: expected input (C, H, W) with C = 3 for weight (4,3,3,3), got (5,7,7)");
  EXPECT_XG_ERROR(conv2d(xg::ones({7, 7}), xg::ones({4, 3, 3, 3})),
                  "conv2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got 2-D (7,7)");
  EXPECT_XG_ERROR(max_pool2d(xg::ones({3, 2, 2}), 3), "max_pool2d: kernel (3, 3) spans (3, 3), larger than the padded input (2, 2) of input (3,2,2)");
  EXPECT_XG_ERROR(conv1d(xg::ones({5, 7}), xg::ones({4, 3, 3})), "conv1d: expected input (C, L) with C = 3 for weight (4,3,3), got (5,7)");
  EXPECT_XG_ERROR(avg_pool1d(xg::ones({7}), 2), "avg_pool1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got 1-D (7,)");
  EXPECT_XG_ERROR(nn::Conv2d(nn::Conv2dOptions(3, 4, 3))(xg::ones({5, 7, 7})),
                  "expected input (N, 3, H, W) or unbatched (3, H, W), got (5,7,7)");
  EXPECT_XG_ERROR(nn::Conv1d(nn::Conv1dOptions(3, 4, 3))(xg::ones({4, 5, 3, 7})),
                  "expected input (N, 3, L) or unbatched (3, L), got (4,5,3,7)");
  // The textbook's im2col keeps its batch.
  EXPECT_XG_ERROR(im2col(xg::ones({3, 7, 7}), 3), "im2col: expected a 4-D input (N, C, H, W), got 3-D (3,7,7)");
}
