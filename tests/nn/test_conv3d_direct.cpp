// conv3d on oneDNN's direct kernels (tensor/conv3d_direct.cpp): float32 CPU convolutions take
// them where the build has oneDNN. They must give PyTorch's values and gradients (the float64
// fixtures of test_volume.cpp, to float32's precision), the composition's gradients of the
// second order, the same bits on any number of threads, and PyTorch's output sizes where a
// stride leaves a remainder. Skipped in a build without oneDNN.
#include <cmath>

#include "test_util.h"

using namespace xg;
using xg::test::max_abs_diff;
using L = const xg::tensor_list&;

namespace {

const char* kFile = "torch_volume.npz";

bool have_onednn() {
  try {
    set_conv3d_engine(Conv3dEngine::OneDNN);
    set_conv3d_engine(Conv3dEngine::Auto);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// Sets the engine for one scope, then Auto again (the default) whatever happens.
struct Engine {
  explicit Engine(Conv3dEngine e) { set_conv3d_engine(e); }
  ~Engine() { set_conv3d_engine(Conv3dEngine::Auto); }
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

}  // namespace

TEST(Conv3dDirect, MatchesPyTorchInFloat32) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  Engine on(Conv3dEngine::OneDNN);
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

TEST(Conv3dDirect, SecondOrderMatchesTheComposition) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  xg::manual_seed(11);
  // Strides that leave a remainder on every axis, dilation, groups, uneven padding per axis.
  const Tensor x = randn({2, 4, 8, 7, 10}), w = randn({6, 2, 3, 2, 3}), b = randn({6});
  const auto f = [](L v) { return conv3d(v[0], v[1], v[2], {2, 3, 2}, {1, 0, 2}, {1, 2, 2}, 2); };
  const Tensor gy = randn(f({x, w, b}).shape());
  tensor_list direct, composed;
  {
    Engine on(Conv3dEngine::OneDNN);
    EXPECT_EQ(f({x, w, b}).shape(), (Shape{2, 6, 4, 2, 5}));
    direct = first_and_second(f, {x.clone().requires_grad_(), w.clone().requires_grad_(), b.clone().requires_grad_()}, gy);
  }
  {
    Engine off(Conv3dEngine::Im2col);
    composed = first_and_second(f, {x.clone().requires_grad_(), w.clone().requires_grad_(), b.clone().requires_grad_()}, gy);
    EXPECT_NE(f({x, w, b}).grad_fn_name(), "Conv3dBackward");
  }
  ASSERT_EQ(direct.size(), 6u);  // y, three gradients, two second-order gradients
  for (std::size_t i = 0; i < direct.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(direct[i].shape(), composed[i].shape());
    EXPECT_LT(max_abs_diff(direct[i], composed[i]), 2e-5 * scale(composed[i]));
  }
}

TEST(Conv3dDirect, TransposedSecondOrderMatchesTheComposition) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  xg::manual_seed(12);
  const Tensor x = randn({2, 6, 3, 4, 5}), w = randn({6, 2, 3, 2, 3}), b = randn({4});
  const auto f = [](L v) { return conv_transpose3d(v[0], v[1], v[2], {2, 3, 2}, {1, 0, 2}, {1, 2, 0}, 2, {1, 2, 2}); };
  const Tensor gy = randn(f({x, w, b}).shape());
  tensor_list direct, composed;
  {
    Engine on(Conv3dEngine::OneDNN);
    EXPECT_EQ(f({x, w, b}).shape(), (Shape{2, 4, 6, 14, 9}));
    direct = first_and_second(f, {x.clone().requires_grad_(), w.clone().requires_grad_(), b.clone().requires_grad_()}, gy);
  }
  {
    Engine off(Conv3dEngine::Im2col);
    composed = first_and_second(f, {x.clone().requires_grad_(), w.clone().requires_grad_(), b.clone().requires_grad_()}, gy);
  }
  ASSERT_EQ(direct.size(), 6u);
  for (std::size_t i = 0; i < direct.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(direct[i].shape(), composed[i].shape());
    EXPECT_LT(max_abs_diff(direct[i], composed[i]), 2e-5 * scale(composed[i]));
  }
}

TEST(Conv3dDirect, SameBitsOnAnyNumberOfThreads) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  Engine on(Conv3dEngine::OneDNN);
  xg::manual_seed(5);
  const Tensor x = randn({9, 8, 6, 10, 10}), w = randn({16, 8, 3, 3, 3}), b = randn({16});
  const auto run = [&](int threads) {
    set_num_threads(threads);
    const tensor_list in{x.clone().requires_grad_(), w.clone().requires_grad_(), b.clone().requires_grad_()};
    const Tensor y = conv3d(in[0], in[1], in[2], 1, 1);
    auto g = grad({(y * y).sum()}, in);
    g.insert(g.begin(), y);
    set_num_threads(1);
    return g;
  };
  const auto one = run(1), two = run(2);
  for (std::size_t i = 0; i < one.size(); ++i) EXPECT_EQ(max_abs_diff(one[i], two[i]), 0.0) << i;
}

TEST(Conv3dDirect, TakenOnlyWhereItApplies) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  Engine on(Conv3dEngine::OneDNN);
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
