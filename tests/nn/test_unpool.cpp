// Max pooling with indices and max unpooling, 1-D to 3-D, against PyTorch 1.13 in float64
// (tests/fixtures/torch_unpool.npz from scripts/make_unpool_fixtures.py): the pooled values,
// their positions, the unpooled tensor and the gradient through both; gradchecks and
// gradgradchecks; the modules; the duplicate-index rule; errors.
#include "test_util.h"

using namespace xg;
namespace F = xg::nn::functional;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;

namespace {
Tensor fx(const std::string& key) { return xg::test::fixture("torch_unpool.npz", key); }

struct Case {
  const char* name;
  std::function<std::tuple<Tensor, Tensor>(const Tensor&)> pool;
  std::function<Tensor(const Tensor&, const Tensor&)> unpool;  // empty: the values themselves
  // Overlapping windows can pick one element twice; unpooling writes it once, so its true
  // gradient is gy there once, where PyTorch's backward adds it once per pick (gradchecked
  // below); the gradient is compared with PyTorch's only without overlaps.
  bool overlapping = false;
};
}  // namespace

TEST(MaxUnpool, MatchesPyTorchWithIndicesAndGradients) {
  const std::vector<Case> cases{
      {"pool1d", [](const Tensor& x) { return F::max_pool1d_with_indices(x, F::MaxPool1dFuncOptions(2)); },
       [](const Tensor& v, const Tensor& i) { return F::max_unpool1d(v, i, F::MaxUnpool1dFuncOptions(2).output_size({9})); }},
      {"pool2d", [](const Tensor& x) { return max_pool2d_with_indices(x, 3, 2, 1); },
       [](const Tensor& v, const Tensor& i) { return max_unpool2d(v, i, 3, 2, 1, {7, 8}); }, true},
      {"pool2d_dilated", [](const Tensor& x) { return F::max_pool2d_with_indices(x, F::MaxPool2dFuncOptions(2).stride(2).padding(1).dilation({2, 1})); }, {}},
      {"pool3d", [](const Tensor& x) { return nn::MaxPool3d(2).forward_with_indices(x); },
       [](const Tensor& v, const Tensor& i) { return nn::MaxUnpool3d(nn::MaxUnpool3dOptions(2)).forward(v, i, {4, 6, 5}); }},
      {"pool3d_padded", [](const Tensor& x) { return max_pool3d_with_indices(x, 3, {2, 1, 2}, 1); },
       [](const Tensor& v, const Tensor& i) { return F::max_unpool3d(v, i, F::MaxUnpool3dFuncOptions(3).stride({2, 1, 2}).padding(1).output_size({5, 6, 7})); }, true},
      {"pool3d_dilated", [](const Tensor& x) { return F::max_pool3d_with_indices(x, F::MaxPool3dFuncOptions(3).stride({2, 1, 2}).padding(1).dilation({1, 2, 2})); }, {}},
      {"pool2d_unbatched",
       [](const Tensor& x) {  // pooled as a batch of one; unpooled unbatched
         auto [values, indices] = nn::MaxPool2d(2).forward_with_indices(x.unsqueeze(0));
         return std::make_tuple(values.squeeze(0), indices.squeeze(0));
       },
       [](const Tensor& v, const Tensor& i) { return nn::MaxUnpool2d(nn::MaxUnpool2dOptions(2)).forward(v, i); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string n = c.name;
    const Tensor x = fx(n + ".x").requires_grad_();
    const auto [values, indices] = c.pool(x);
    EXPECT_LT(max_abs_diff(values, fx(n + ".values")), 1e-15);
    ASSERT_EQ(indices.dtype(), kInt64);
    EXPECT_EQ(max_abs_diff(indices.to(kFloat64), fx(n + ".indices").to(kFloat64)), 0);
    const Tensor y = c.unpool ? c.unpool(values, indices) : values;
    ASSERT_EQ(y.shape(), fx(n + ".unpooled").shape());
    EXPECT_EQ(max_abs_diff(y, fx(n + ".unpooled")), 0);
    if (!c.overlapping) EXPECT_LT(max_abs_diff(xg::grad({(y * fx(n + ".gy")).sum()}, {x})[0], fx(n + ".gx")), 1e-12);
  }
}

TEST(MaxUnpool, GradcheckGradgradcheckAndDuplicates) {
  // Distinct values, so no window holds a tie within gradcheck's step.
  const Tensor x = (xg::randperm(2 * 3 * 6 * 6).to(kFloat64) / 10.0).reshape({2, 3, 6, 6}).requires_grad_();
  const auto pool_unpool = [](const tensor_list& v) {
    auto [values, indices] = max_pool2d_with_indices(v[0], 2);
    return max_unpool2d(values * values, indices, 2);
  };
  EXPECT_TRUE(gradcheck_ok(pool_unpool, {x}));
  EXPECT_TRUE(gradgradcheck_ok(pool_unpool, {x}));
  // Overlapping windows (kernel 3, stride 2): each picked element's gradient is gy there once.
  const auto overlapping = [](const tensor_list& v) {
    auto [values, indices] = max_pool2d_with_indices(v[0], 3, 2, 1);
    return max_unpool2d(values, indices, 3, 2, 1, {6, 6});
  };
  EXPECT_TRUE(gradcheck_ok(overlapping, {x}));
  const Tensor v = xg::randn({1, 2, 5}, kFloat64).requires_grad_();
  const Tensor at = xg::tensor({{{0.0, 3.0, 4.0, 7.0, 9.0}, {1.0, 2.0, 5.0, 6.0, 8.0}}}, kInt64);
  EXPECT_TRUE(gradgradcheck_ok([&](const tensor_list& t) { return max_unpool1d(t[0] * t[0], at, 2); }, {v}));
  // Overlapping windows can name one element twice: the later value wins and takes the
  // gradient (PyTorch leaves which undefined).
  const Tensor twice = xg::tensor({{{1.0, 1.0}}}, kInt64), src = xg::tensor({{{1.0, 2.0}}}, kFloat64).requires_grad_();
  const Tensor y = max_unpool1d(src, twice, 3, 1);  // length (2 - 1)·1 + 3 = 4
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{0, 2, 0, 0}));
  (y * xg::tensor({{{1.0, 5.0, 1.0, 1.0}}}, kFloat64)).sum().backward();
  EXPECT_EQ(src.grad().to_vector<double>(), (std::vector<double>{0, 5}));
}

TEST(MaxUnpool, ErrorsNameTheCall) {
  const Tensor v = xg::randn({1, 2, 3, 3}), at = xg::zeros({1, 2, 3, 3}, kInt64);
  EXPECT_XG_ERROR(max_unpool2d(v, at.to(kFloat32), 2), "max_unpool2d: indices must be int64 (max pooling's), got float32");
  EXPECT_XG_ERROR(max_unpool2d(v, xg::zeros({1, 2, 3}, kInt64), 2), "max_unpool2d: indices (1,2,3) must have the input's shape (1,2,3,3)");
  EXPECT_XG_ERROR(max_unpool2d(v.reshape({18}), at.reshape({18}), 2), "max_unpool2d: expected a 4-D input (N, C, H, W) or its unbatched 3-D form, got (18,)");
  EXPECT_XG_ERROR(max_unpool2d(v, at, 2, 2, 0, {9, 6}), "max_unpool2d: output_size (9, 6) must lie within a stride (2, 2) of the default size (6, 6) on each axis (exclusive)");
  EXPECT_XG_ERROR(max_unpool2d(v, at, 2, 2, 0, {1, 6, 6}), "max_unpool2d: output_size must hold 2 sizes (or 4 with N and C), got (1, 6, 6)");
  EXPECT_XG_ERROR(max_unpool2d(v, at + 36, 2), "max_unpool2d: index 36 at position 0 is out of range", "of size 36");
  EXPECT_XG_ERROR(max_unpool2d(v, at, {2, 0}), "max_unpool2d: kernel_size and stride must be positive and padding non-negative, got kernel_size (2, 0)");
  EXPECT_XG_ERROR(max_unpool3d(xg::randn({2, 1, 1, 1}), xg::zeros({2, 1, 1, 1}, kInt64), 1, 1, 1), "max_unpool3d:", "gives an empty output (-1, -1, -1)");
  EXPECT_XG_ERROR(max_unpool1d(xg::randn({1, 2, 2}), xg::tensor({{{4.0, 4.0}, {0.0, 1.0}}}, kInt64), 3, 1), "max_unpool1d: index 4 at position 0 is out of range");
  nn::MaxUnpool2d layer(nn::MaxUnpool2dOptions(2));
  EXPECT_XG_ERROR(layer.forward(v), "MaxUnpool2d: takes the pooled input and its indices, forward(x, indices), not one input");
  EXPECT_EQ(layer(v, at).shape(), (Shape{1, 2, 6, 6}));  // the call with the indices, through the hooks
  EXPECT_XG_ERROR(F::max_pool3d_with_indices(xg::randn({2, 3, 4}), F::MaxPool3dFuncOptions(2)), "max_pool3d: expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) input");
}

TEST(LPPool, MatchesPyTorchWithGradientsNaNsIncluded) {
  // An odd p over negative values gives a negative sum and NaN, in PyTorch as here.
  const auto same = [](const Tensor& a, const Tensor& b) {
    EXPECT_EQ(a.shape(), b.shape());
    EXPECT_EQ(max_abs_diff(xg::isnan(a).to(kFloat64), xg::isnan(b).to(kFloat64)), 0);
    EXPECT_LT(max_abs_diff(xg::nan_to_num(a, 0.0), xg::nan_to_num(b, 0.0)), 1e-12);
  };
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> cases{
      {"lp1d", [](const Tensor& x) { return F::lp_pool1d(x, F::LPPool1dFuncOptions(2, 3).stride(2)); }},
      {"lp2d", [](const Tensor& x) { return nn::LPPool2d(nn::LPPool2dOptions(1.5, {2, 3}))(x); }},
      {"lp2d_p3", [](const Tensor& x) { return F::lp_pool2d(x, F::LPPool2dFuncOptions(3, 2).stride(1)); }},
  };
  for (const auto& [name, f] : cases) {
    SCOPED_TRACE(name);
    const std::string n = name;
    const Tensor x = fx(n + ".x").requires_grad_();
    const Tensor y = f(x);
    same(y, fx(n + ".y"));
    same(xg::grad({(y * fx(n + ".gy")).sum()}, {x})[0], fx(n + ".gx"));
  }
  xg::manual_seed(5);
  const Tensor pos = (xg::rand({1, 2, 4, 3, 4}, kFloat64) + 0.5).requires_grad_();
  const auto lp3 = [](const tensor_list& v) { return F::lp_pool3d(v[0], F::LPPool3dFuncOptions(2.5, {2, 2, 3}).stride(1)); };
  EXPECT_TRUE(gradcheck_ok(lp3, {pos}));
  EXPECT_TRUE(gradgradcheck_ok(lp3, {pos}));
  // p = 1 sums each window; a large p approaches the maximum.
  EXPECT_LT(max_abs_diff(nn::LPPool3d(nn::LPPool3dOptions(1, 2))(pos), avg_pool3d(pos, 2) * 8.0), 1e-14);
  EXPECT_LT(max_abs_diff(F::lp_pool3d(pos, F::LPPool3dFuncOptions(200, 2)), max_pool3d(pos, 2)), 0.02);
  EXPECT_XG_ERROR(F::lp_pool2d(xg::randn({3, 4}), F::LPPool2dFuncOptions(2, 2)), "lp_pool2d: expected a 3-D or 4-D input, got (3,4)");
  EXPECT_XG_ERROR(F::lp_pool1d(xg::randn({2, 3, 4}), F::LPPool1dFuncOptions(0, 2)), "lp_pool1d: norm_type must be positive and finite, got 0");
  EXPECT_XG_ERROR(F::lp_pool3d(xg::randn({2, 3, 4, 4}), F::LPPool3dFuncOptions(2, 5)), "lp_pool3d: kernel_size (5, 5, 5) is larger than the input (2,3,4,4)");
  EXPECT_XG_ERROR(F::lp_pool1d(xg::ones({1, 2, 4}, kInt64), F::LPPool1dFuncOptions(2, 2)), "lp_pool1d: expected a float tensor, got int64");
}
