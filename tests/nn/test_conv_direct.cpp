// Convolution on oneDNN's direct kernels (tensor/conv_direct.cpp): float32 CPU convolutions
// take them where the build has oneDNN (every conv3d, the 2-D ones Auto's rule gives them).
// They must give PyTorch's values and gradients (the float64 fixtures of test_volume.cpp, to
// float32's precision), float64's or the composition's gradients of the second order, the
// same bits on any number of threads, and PyTorch's output sizes where a stride leaves a
// remainder. Skipped in a build without oneDNN.
#include <cmath>

#include "tensor/conv_direct.h"
#include "test_util.h"

using namespace xg;
using xg::test::max_abs_diff;
using L = const xg::tensor_list&;

namespace {

const char* kFile = "torch_volume.npz";

bool have_onednn() {
  try {
    set_conv_engine(ConvEngine::OneDNN);
    set_conv_engine(ConvEngine::Auto);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// Sets the engine for one scope, then Auto again (the default) whatever happens.
struct Engine {
  explicit Engine(ConvEngine e) { set_conv_engine(e); }
  ~Engine() { set_conv_engine(ConvEngine::Auto); }
};

tensor_list as_float32(const tensor_list& in) {
  tensor_list out;
  for (const auto& t : in) out.push_back(t.detach().to(kFloat32).requires_grad_());
  return out;
}

double scale(const Tensor& t) { return std::max(1.0, abs(t.detach().to(kFloat64)).max().item<double>()); }

// y, then the gradient of sum(y · gy) in each input, and the gradient of the sum of squares
// of those gradients (the second order) in x and W (the bias's gradient is constant in it).
tensor_list first_and_second(const std::function<Tensor(L)>& f, const tensor_list& in, const Tensor& gy) {
  const Tensor y = f(in);
  const auto g = grad({(y * gy).sum()}, in, {}, true, true);
  Tensor s = (g[0] * g[0]).sum();
  for (std::size_t i = 1; i < g.size(); ++i) s = s + (g[i] * g[i]).sum();
  const auto gg = grad({s}, {in[0], in[1]}, {}, true);
  tensor_list out{y.detach()};
  for (const auto& t : g) out.push_back(t.detach());
  for (const auto& t : gg) out.push_back(t.detach());
  return out;
}

// f's values and both orders of gradients on oneDNN's direct kernels and on the composition
// (im2col) agree to float32's precision; y has shape `want`.
void expect_engines_agree(const std::function<Tensor(L)>& f, const tensor_list& in, const Shape& want) {
  const Tensor gy = randn(f(in).shape());
  const auto run = [&](ConvEngine e) {
    Engine engine(e);
    tensor_list leaves;
    for (const auto& t : in) leaves.push_back(t.clone().requires_grad_());
    return first_and_second(f, leaves, gy);
  };
  const tensor_list direct = run(ConvEngine::OneDNN), composed = run(ConvEngine::Im2col);
  EXPECT_EQ(direct[0].shape(), want);
  ASSERT_EQ(direct.size(), 6u);  // y, three gradients, two second-order gradients
  for (std::size_t i = 0; i < direct.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(direct[i].shape(), composed[i].shape());
    EXPECT_LT(max_abs_diff(direct[i], composed[i]), 2e-5 * scale(composed[i]));
  }
}

// f's value and the gradients of sum(y^2), on the direct kernels, give the same bits on one
// and on two threads.
void expect_same_bits_on_one_and_two_threads(const std::function<Tensor(L)>& f, const tensor_list& in) {
  Engine on(ConvEngine::OneDNN);
  const auto run = [&](int threads) {
    set_num_threads(threads);
    tensor_list leaves;
    for (const auto& t : in) leaves.push_back(t.clone().requires_grad_());
    const Tensor y = f(leaves);
    auto g = grad({(y * y).sum()}, leaves);
    g.insert(g.begin(), y);
    set_num_threads(1);
    return g;
  };
  const auto one = run(1), two = run(2);
  for (std::size_t i = 0; i < one.size(); ++i) EXPECT_EQ(max_abs_diff(one[i], two[i]), 0.0) << i;
}

}  // namespace

TEST(ConvDirect, MatchesPyTorchInFloat32) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  Engine on(ConvEngine::OneDNN);
  const std::vector<std::pair<const char*, std::function<Tensor(L)>>> cases{
      {"conv3d", [](L v) { return conv3d(v[0], v[1], v[2], {2, 1, 2}, {1, 0, 1}, {1, 2, 1}); }},
      {"conv3d_groups", [](L v) { return conv3d(v[0], v[1], {}, 1, {1, 1, 0}, {2, 1, 1}, 2); }},
      {"conv3d_unbatched", [](L v) { return conv3d(v[0], v[1], v[2], 1, 1); }},
      {"conv_transpose3d",
       [](L v) { return conv_transpose3d(v[0], v[1], v[2], {2, 1, 2}, {1, 0, 1}, {1, 0, 0}); }},
      {"conv_transpose3d_groups", [](L v) { return conv_transpose3d(v[0], v[1], {}, 2, 0, 1, 2, {3, 2, 1}); }},
  };
  for (const auto& [name, f] : cases) {
    SCOPED_TRACE(name);
    const std::string key = name;
    const std::size_t n = key.find("groups") != std::string::npos ? 2 : 3;
    const auto in = as_float32(xg::test::fixture_inputs(kFile, name, n));
    const Tensor y = f(in);
    // The direct path, not the composition's permute or index_add.
    if (key == "conv3d" || key == "conv3d_groups") EXPECT_EQ(y.grad_fn_name(), "Conv3dBackward");
    if (key == "conv_transpose3d_groups") EXPECT_EQ(y.grad_fn_name(), "ConvTranspose3dBackward");
    EXPECT_EQ(y.dtype(), kFloat32);
    const Tensor want = xg::test::fixture(kFile, std::string(name) + ".y");
    ASSERT_EQ(y.shape(), want.shape());
    EXPECT_LT(max_abs_diff(y.to(kFloat64), want), 1e-5 * scale(want));
    const auto g = grad({(y * xg::test::fixture(kFile, std::string(name) + ".gy").to(kFloat32)).sum()}, in);
    for (std::size_t j = 0; j < n; ++j) {
      const Tensor gw = xg::test::fixture(kFile, std::string(name) + ".g" + std::to_string(j));
      EXPECT_LT(max_abs_diff(g[j].to(kFloat64), gw), 1e-5 * scale(gw)) << "input " << j;
    }
  }
}

TEST(ConvDirect, SecondOrderMatchesTheComposition) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  xg::manual_seed(11);
  // Strides that leave a remainder on every axis, dilation, groups, uneven padding per axis.
  expect_engines_agree([](L v) { return conv3d(v[0], v[1], v[2], {2, 3, 2}, {1, 0, 2}, {1, 2, 2}, 2); },
                       {randn({2, 4, 8, 7, 10}), randn({6, 2, 3, 2, 3}), randn({6})}, {2, 6, 4, 2, 5});
  Engine off(ConvEngine::Im2col);
  EXPECT_NE(conv3d(randn({1, 2, 3, 3, 3}, TensorOptions().requires_grad(true)), randn({2, 2, 1, 1, 1})).grad_fn_name(),
            "Conv3dBackward");
}

TEST(ConvDirect, TransposedSecondOrderMatchesTheComposition) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  xg::manual_seed(12);
  expect_engines_agree(
      [](L v) { return conv_transpose3d(v[0], v[1], v[2], {2, 3, 2}, {1, 0, 2}, {1, 2, 0}, 2, {1, 2, 2}); },
      {randn({2, 6, 3, 4, 5}), randn({6, 2, 3, 2, 3}), randn({4})}, {2, 4, 6, 14, 9});
}

TEST(ConvDirect, SameBitsOnAnyNumberOfThreads) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  xg::manual_seed(5);
  expect_same_bits_on_one_and_two_threads([](L v) { return conv3d(v[0], v[1], v[2], 1, 1); },
                                          {randn({9, 8, 6, 10, 10}), randn({16, 8, 3, 3, 3}), randn({16})});
}

TEST(ConvDirect, TakenOnlyWhereItApplies) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  Engine on(ConvEngine::OneDNN);
  const Tensor x = randn({1, 2, 4, 4, 4}, TensorOptions().requires_grad(true)), w = randn({3, 2, 2, 2, 2});
  EXPECT_EQ(conv3d(x, w).grad_fn_name(), "Conv3dBackward");
  // float64 has no oneDNN convolution: the composition, with float64's exact values.
  const Tensor y64 = conv3d(x.to(kFloat64), w.to(kFloat64));
  EXPECT_EQ(y64.dtype(), kFloat64);
  EXPECT_NE(y64.grad_fn_name(), "Conv3dBackward");
  EXPECT_LT(max_abs_diff(y64, conv3d(x, w).to(kFloat64)), 1e-5);
  // A mixed float32 / float64 pair is promoted by the composition, as before.
  EXPECT_EQ(conv3d(x, w.to(kFloat64)).dtype(), kFloat64);
  // An output_padding at the stride (allowed below the dilation) is no convolution's adjoint:
  // the composition's values.
  const Tensor xt = randn({1, 3, 3, 3, 3}), wt = randn({3, 2, 2, 2, 2});
  const Tensor yt = conv_transpose3d(xt, wt, {}, 1, 0, {1, 0, 0}, 1, {2, 1, 1});
  EXPECT_EQ(yt.shape(), (Shape{1, 2, 6, 4, 4}));
  EXPECT_LT(max_abs_diff(yt.to(kFloat64),
                         conv_transpose3d(xt.to(kFloat64), wt.to(kFloat64), {}, 1, 0, {1, 0, 0}, 1, {2, 1, 1})),
            1e-5);
  // An empty batch gives an empty output of the right shape.
  EXPECT_EQ(conv3d(randn({0, 2, 4, 4, 4}), w).shape(), (Shape{0, 3, 3, 3, 3}));
  // Errors are conv3d's, checked before either path.
  EXPECT_XG_ERROR(conv3d(x, randn({3, 5, 2, 2, 2})), "conv3d", "C = 5");
}

TEST(ConvDirect, TwoDimensionalMatchesFloat64ToTheSecondOrder) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  Engine on(ConvEngine::OneDNN);
  xg::manual_seed(21);
  struct Case {
    const char* name;
    Shape x, w;
    std::function<Tensor(L)> f;
  };
  const std::vector<Case> cases{
      {"conv2d stride, padding, dilation", {2, 16, 9, 11}, {8, 16, 3, 2},
       [](L v) { return conv2d(v[0], v[1], v[2], {2, 3}, {1, 2}, {2, 1}); }},
      {"conv2d groups", {2, 32, 7, 6}, {16, 8, 3, 3}, [](L v) { return conv2d(v[0], v[1], v[2], 1, 1, 1, 4); }},
      {"conv_transpose2d output_padding", {2, 16, 5, 4}, {16, 8, 3, 3},
       [](L v) { return conv_transpose2d(v[0], v[1], v[2], 2, 1, {1, 0}); }},
      {"conv1d", {3, 16, 20}, {12, 16, 5}, [](L v) { return conv1d(v[0], v[1], v[2], 2, 2); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Tensor x = randn(c.x), w = randn(c.w);
    const bool transposed = std::string(c.name).find("transpose") != std::string::npos;
    const Tensor b = randn({transposed ? c.w[1] : c.w[0]});
    const Tensor gy = randn(c.f({x, w, b}).shape());
    const auto f32 = first_and_second(c.f, {x.clone().requires_grad_(), w.clone().requires_grad_(), b.clone().requires_grad_()}, gy);
    const auto f64 = first_and_second(c.f, {x.to(kFloat64).requires_grad_(), w.to(kFloat64).requires_grad_(), b.to(kFloat64).requires_grad_()}, gy.to(kFloat64));
    ASSERT_EQ(f32.size(), f64.size());
    for (std::size_t i = 0; i < f32.size(); ++i) {
      SCOPED_TRACE(i);
      EXPECT_EQ(f32[i].dtype(), kFloat32);
      ASSERT_EQ(f32[i].shape(), f64[i].shape());
      EXPECT_LT(max_abs_diff(f32[i].to(kFloat64), f64[i]), 2e-5 * scale(f64[i]));
    }
  }
}

TEST(ConvDirect, AutoTakesTwoDimensionalConvolutionsByTheMeasuredRule) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  const auto geometry = [](std::int64_t C, std::int64_t groups) {
    kernel::DirectConvGeom d;
    d.rank = 2, d.N = 8, d.C = C, d.OC = 32, d.groups = groups;
    d.in[0] = d.in[1] = 12, d.out[0] = d.out[1] = 10, d.kernel[0] = d.kernel[1] = 3;
    return d;
  };
  {
    Engine on(ConvEngine::Auto);
    EXPECT_FALSE(kernel::conv_direct_available(geometry(1, 1)));  // a first layer: im2col
    EXPECT_FALSE(kernel::conv_direct_available(geometry(4, 1)));
    kernel::DirectConvGeom pointwise = geometry(64, 1);
    pointwise.kernel[0] = pointwise.kernel[1] = 1, pointwise.out[0] = pointwise.out[1] = 12;
    EXPECT_FALSE(kernel::conv_direct_available(pointwise));  // one plain product: im2col
    // 8 channels or more, or groups: the direct kernel, wherever oneDNN has a JIT one (this
    // project's machines have).
    for (const auto& [C, groups] : {std::pair<int, int>{8, 1}, {32, 1}, {32, 4}, {32, 32}}) {
      const kernel::DirectConvGeom wide = geometry(C, groups);
      EXPECT_EQ(kernel::conv_direct_available(wide), [&] {
        Engine forced(ConvEngine::OneDNN);
        return kernel::conv_direct_available(wide);
      }()) << C << " channels, " << groups << " groups";
    }
    const kernel::DirectConvGeom wide = geometry(32, 1);
    kernel::DirectConvGeom wrong = wide;
    wrong.out[0] = 11;  // not the floor rule's size: never
    EXPECT_FALSE(kernel::conv_direct_available(wrong));
  }
  {
    Engine off(ConvEngine::Im2col);
    EXPECT_FALSE(kernel::conv_direct_available(geometry(32, 1)));
  }
  Engine forced(ConvEngine::OneDNN);
  EXPECT_TRUE(kernel::conv_direct_available(geometry(1, 1)));
}

TEST(ConvDirect, TwoDimensionalSameBitsOnAnyNumberOfThreads) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  xg::manual_seed(6);
  expect_same_bits_on_one_and_two_threads([](L v) { return conv2d(v[0], v[1], v[2], 1, 1); },
                                          {randn({9, 16, 14, 14}), randn({32, 16, 3, 3}), randn({32})});
}
