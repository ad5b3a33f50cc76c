// Fractional max pooling, 2-D and 3-D, against PyTorch 1.13 with the same _random_samples
// (tests/fixtures/torch_fractional_pool.npz from scripts/make_fractional_pool_fixtures.py):
// values, indices and gradients, float32 windows from float32 arithmetic, ties, a NaN,
// unbatched inputs; gradchecks and gradgradchecks; the modules' draws; errors.
#include <cmath>
#include <limits>

#include "test_util.h"

using namespace xg;
namespace F = xg::nn::functional;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;

namespace {

Tensor fx(const std::string& key) { return xg::test::fixture("torch_fractional_pool.npz", key); }

// Positions where both are NaN count as equal.
double value_diff(const Tensor& a, const Tensor& b) {
  const Tensor both_nan = isnan(a) * isnan(b);
  return max_abs_diff(where(both_nan, zeros_like(a), a), where(both_nan, zeros_like(b), b));
}

}  // namespace

TEST(FractionalMaxPool, MatchesPyTorchWithTheSameSamples) {
  using Pool = std::function<std::tuple<Tensor, Tensor>(const Tensor&, const Tensor&)>;
  const std::vector<std::pair<const char*, Pool>> cases{
      {"size", [](const Tensor& x, const Tensor& s) {
         return F::fractional_max_pool2d_with_indices(x, F::FractionalMaxPool2dFuncOptions({2, 3}).output_size({4, 5})._random_samples(s));
       }},
      {"ratio", [](const Tensor& x, const Tensor& s) {
         return F::fractional_max_pool2d_with_indices(x, F::FractionalMaxPool2dFuncOptions(3).output_ratio({0.5, 0.5})._random_samples(s));
       }},
      {"unbatched", [](const Tensor& x, const Tensor& s) {
         return F::fractional_max_pool2d_with_indices(x, F::FractionalMaxPool2dFuncOptions(2).output_size({3, 7})._random_samples(s));
       }},
      {"one", [](const Tensor& x, const Tensor& s) {
         return F::fractional_max_pool2d_with_indices(x, F::FractionalMaxPool2dFuncOptions(2).output_size(1)._random_samples(s));
       }},
      {"ties", [](const Tensor& x, const Tensor& s) {
         return nn::FractionalMaxPool2d(nn::FractionalMaxPool2dOptions(3).output_size({4, 3})._random_samples(s)).forward_with_indices(x);
       }},
      {"nan", [](const Tensor& x, const Tensor& s) {
         return F::fractional_max_pool2d_with_indices(x, F::FractionalMaxPool2dFuncOptions(2).output_size(3)._random_samples(s));
       }},
      {"vol", [](const Tensor& x, const Tensor& s) {
         return F::fractional_max_pool3d_with_indices(x, F::FractionalMaxPool3dFuncOptions({2, 2, 3}).output_size({3, 4, 3})._random_samples(s));
       }},
      {"vol_unbatched", [](const Tensor& x, const Tensor& s) {
         return nn::FractionalMaxPool3d(nn::FractionalMaxPool3dOptions(2).output_ratio({0.6, 0.5, 0.7})._random_samples(s)).forward_with_indices(x);
       }},
      {"float32", [](const Tensor& x, const Tensor& s) {
         return F::fractional_max_pool2d_with_indices(x, F::FractionalMaxPool2dFuncOptions(2).output_size({17, 23})._random_samples(s));
       }},
      {"vol_float32", [](const Tensor& x, const Tensor& s) {
         return F::fractional_max_pool3d_with_indices(x, F::FractionalMaxPool3dFuncOptions({3, 2, 2}).output_size({7, 13, 11})._random_samples(s));
       }},
  };
  for (const auto& [name, pool] : cases) {
    SCOPED_TRACE(name);
    const std::string p = std::string(name) + ".";
    const Tensor x = fx(p + "x").detach().requires_grad_();
    const Tensor samples = fx(p + "samples");
    ASSERT_EQ(x.dtype(), samples.dtype());
    auto [y, indices] = pool(x, samples);
    const Tensor want = fx(p + "y");
    ASSERT_EQ(y.shape(), want.shape());
    EXPECT_EQ(y.dtype(), x.dtype());
    EXPECT_EQ(value_diff(y, want), 0.0);  // a maximum is an element: exact
    EXPECT_EQ(indices.dtype(), kInt64);
    EXPECT_EQ(indices.to_vector<std::int64_t>(), fx(p + "indices").to_vector<std::int64_t>());
    (y * fx(p + "gy")).sum().backward();  // a NaN maximum's gradient goes to its element too
    EXPECT_LT(max_abs_diff(x.grad(), fx(p + "gx")), x.dtype() == kFloat64 ? 1e-12 : 1e-5);
  }
}

TEST(FractionalMaxPool, GradcheckedToTheSecondOrderWithOverlappingWindows) {
  manual_seed(3);
  const Tensor x = randn({2, 2, 7, 6}, kFloat64).requires_grad_(), s = rand({2, 2, 2}, kFloat64);
  // 3x3 windows stepping by 1 or 2 overlap: an element picked twice gets both gradients.
  const auto pool2 = [s](const tensor_list& t) {
    return F::fractional_max_pool2d(t[0], F::FractionalMaxPool2dFuncOptions(3).output_size({4, 3})._random_samples(s));
  };
  EXPECT_TRUE(gradcheck_ok(pool2, {x}));
  EXPECT_TRUE(gradgradcheck_ok(pool2, {x}));
  const Tensor v = randn({1, 2, 5, 4, 6}, kFloat64).requires_grad_(), s3 = rand({1, 2, 3}, kFloat64);
  const auto pool3 = [s3](const tensor_list& t) {
    return F::fractional_max_pool3d(t[0], F::FractionalMaxPool3dFuncOptions({2, 2, 3}).output_size({3, 2, 3})._random_samples(s3));
  };
  EXPECT_TRUE(gradcheck_ok(pool3, {v}));
  EXPECT_TRUE(gradgradcheck_ok(pool3, {v}));
}

TEST(FractionalMaxPool, ModulesDrawNewWindowsEachCallUnlessGivenSamples) {
  manual_seed(4);
  const Tensor x = randn({4, 3, 32, 32});
  // (Kernel 2 with ratio 0.5 steps by exactly 2 whatever the draw: kernel 3 steps by 1 or 2.)
  nn::FractionalMaxPool2d pool(nn::FractionalMaxPool2dOptions(3).output_ratio(0.5));
  const auto [a, ia] = pool.forward_with_indices(x);
  const auto [b, ib] = pool.forward_with_indices(x);
  EXPECT_EQ(a.shape(), (Shape{4, 3, 16, 16}));
  EXPECT_NE(ia.to_vector<std::int64_t>(), ib.to_vector<std::int64_t>());
  // Each value is the input's element at its index.
  EXPECT_EQ(max_abs_diff(a, x.flatten(2).gather(2, ia.flatten(2)).reshape(a.shape())), 0.0);
  // The same seed, the same draws (the windows come from xg::rand).
  manual_seed(9);
  const Tensor first = pool(x);
  manual_seed(9);
  EXPECT_EQ(max_abs_diff(pool(x), first), 0.0);
  // Samples in the options fix the windows; the module equals the functional.
  const Tensor s = rand({4, 3, 2});
  nn::FractionalMaxPool2d fixed(nn::FractionalMaxPool2dOptions(2).output_size(16)._random_samples(s));
  EXPECT_EQ(max_abs_diff(fixed(x), fixed(x)), 0.0);
  EXPECT_EQ(max_abs_diff(fixed(x), F::fractional_max_pool2d(x, F::FractionalMaxPool2dFuncOptions(2).output_size(16)._random_samples(s))), 0.0);
  nn::FractionalMaxPool3d vol(nn::FractionalMaxPool3dOptions({2, 1, 3}).output_size({3, 4, 2}));
  EXPECT_EQ(vol(randn({2, 5, 6, 4, 7})).shape(), (Shape{2, 5, 3, 4, 2}));
  EXPECT_EQ(vol(randn({5, 6, 4, 7})).shape(), (Shape{5, 3, 4, 2}));
  EXPECT_EQ(vol.type_name(), "FractionalMaxPool3d");
}

TEST(FractionalMaxPool, ErrorsNameTheCallAndTheSizes) {
  const Tensor x = randn({2, 3, 8, 8});
  const auto o = [] { return F::FractionalMaxPool2dFuncOptions(3); };
  EXPECT_XG_ERROR(F::fractional_max_pool2d(x, o()), "fractional_max_pool2d: requires either an output_size or an output_ratio");
  EXPECT_XG_ERROR(F::fractional_max_pool2d(x, o().output_size(4).output_ratio(0.5)),
                  "fractional_max_pool2d: give one of output_size and output_ratio, not both");
  EXPECT_XG_ERROR(F::fractional_max_pool2d(x, o().output_size({7, 4})),
                  "fractional_max_pool2d: output_size (7, 4) with kernel_size (3, 3) needs 7 windows of 3 within an axis of 8",
                  "input (2,3,8,8)");
  // Sizes near int64's end are refused, not overflowed (found by the fuzzer).
  constexpr std::int64_t huge = std::numeric_limits<std::int64_t>::max();
  EXPECT_XG_ERROR(F::fractional_max_pool2d(x, o().output_size({2, huge})), "needs 9223372036854775807 windows of 3");
  EXPECT_XG_ERROR(F::fractional_max_pool2d(x, F::FractionalMaxPool2dFuncOptions({huge, 2}).output_size(7)),
                  "needs 7 windows of 9223372036854775807");
  EXPECT_XG_ERROR(F::fractional_max_pool2d(x, o().output_ratio(0.0)), "output_ratio must be in (0, 1], got (0.0, 0.0)");
  EXPECT_XG_ERROR(F::fractional_max_pool2d(x, F::FractionalMaxPool2dFuncOptions({0, 2}).output_size(2)),
                  "kernel_size must be positive, got (0, 2)");
  EXPECT_XG_ERROR(F::fractional_max_pool2d(randn({8, 8}), o().output_size(2)), "fractional_max_pool2d: expected a 3-D (C, H, W) or 4-D",
                  "got (8,8)");
  EXPECT_XG_ERROR(F::fractional_max_pool2d(x.to(kInt64), o().output_size(2)), "expected a float tensor, got int64");
  EXPECT_XG_ERROR(F::fractional_max_pool2d(x, o().output_size(2)._random_samples(rand({2, 3, 3}))),
                  "_random_samples (2,3,3) must be (N, C, 2) = (2,3,2) for input (2,3,8,8)");
  EXPECT_XG_ERROR(F::fractional_max_pool2d(x, o().output_size(2)._random_samples(full({2, 3, 2}, 1.0))),
                  "_random_samples must lie in [0, 1)");
  EXPECT_XG_ERROR(F::fractional_max_pool3d(randn({2, 4, 4}), F::FractionalMaxPool3dFuncOptions(2).output_size(2)),
                  "fractional_max_pool3d: expected a 4-D (C, T, H, W) or 5-D");
  EXPECT_XG_ERROR(nn::FractionalMaxPool2d(nn::FractionalMaxPool2dOptions(2)),
                  "FractionalMaxPool2d: requires either an output_size or an output_ratio");
  EXPECT_XG_ERROR(nn::FractionalMaxPool2d(nn::FractionalMaxPool2dOptions(2).output_ratio({0.5, 1.0})),
                  "FractionalMaxPool2d: output_ratio must be between 0 and 1, got (0.5, 1.0)");
}
