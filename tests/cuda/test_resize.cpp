// interpolate on a GPU: every mode, up and down, align_corners, against the CPU (float64,
// 1e-12) with gradients, by size and by scale factors; gradcheck and gradgradcheck of CUDA
// tensors.
#include "cuda/cuda_util.h"

using xg::InterpolateMode;

TEST(CudaResize, InterpolateAndItsGradientMatchTheCpu) {
  XG_REQUIRE_CUDA();
  const auto x = xg::test::seeded({2, 3, 5, 7}, xg::kFloat64, 3);
  const auto w_for = [](const xg::Shape& s) { return xg::test::seeded(s, xg::kFloat64, 4); };
  int cases = 0;
  for (const auto mode : {InterpolateMode::Nearest, InterpolateMode::Bilinear, InterpolateMode::Bicubic,
                          InterpolateMode::NearestExact, InterpolateMode::Area})
    for (bool align : {false, true}) {
      if (mode == InterpolateMode::Nearest && align) continue;
      for (const xg::Int2 size : {xg::Int2{10, 14}, xg::Int2{3, 4}, xg::Int2{7, 9}, xg::Int2{1, 1}}) {
        auto xc = x.clone().requires_grad_();
        auto xg_ = x.cuda().requires_grad_();
        const auto yc = xg::interpolate(xc, size, mode, align), yg = xg::interpolate(xg_, size, mode, align);
        EXPECT_TRUE(xg::test::matches_cpu(yg, yc, 1e-12)) << cases;
        const auto w = w_for(yc.shape());
        (yc * w).sum().backward();
        (yg * w.cuda()).sum().backward();
        EXPECT_TRUE(xg::test::matches_cpu(xg_.grad(), xc.grad(), 1e-12)) << cases;
        ++cases;
      }
    }
  EXPECT_EQ(cases, 20);
}

TEST(CudaResize, GradcheckAndGradgradcheckOnTheGpu) {
  XG_REQUIRE_CUDA();
  const auto x = xg::test::seeded({1, 2, 3, 4}, xg::kFloat64, 5).cuda().requires_grad_();
  for (const auto mode : {InterpolateMode::Bilinear, InterpolateMode::Bicubic}) {
    const auto f = [mode](const xg::tensor_list& v) { return xg::interpolate(v[0], {5, 3}, mode, false); };
    EXPECT_TRUE(xg::testing::gradcheck_ok(f, {x}));
    EXPECT_TRUE(xg::testing::gradgradcheck_ok(f, {x}));
  }
}

TEST(CudaResize, ScaleFactorsSampleAsOnTheCpu) {
  XG_REQUIRE_CUDA();
  // The factor's taps come from the same fused a·b + c on both sides, so even a position
  // that falls on a whole number picks the CPU's taps.
  namespace F = xg::nn::functional;
  const auto x = xg::test::seeded({2, 2, 5, 7}, xg::kFloat64, 6);
  for (const auto mode : {InterpolateMode::Nearest, InterpolateMode::Bilinear, InterpolateMode::Bicubic})
    for (const std::vector<double>& factor : {std::vector<double>{1.5, 1.7}, {2.01, 0.6}, {1.0 / 3 + 0.5, 2.5}}) {
      const auto o = F::InterpolateFuncOptions().scale_factor(factor).mode(mode);
      auto xc = x.clone().requires_grad_();
      auto xg_ = x.cuda().requires_grad_();
      const auto yc = F::interpolate(xc, o), yg = F::interpolate(xg_, o);
      EXPECT_TRUE(xg::test::matches_cpu(yg, yc, 1e-12));
      const auto w = xg::test::seeded(yc.shape(), xg::kFloat64, 7);
      (yc * w).sum().backward();
      (yg * w.cuda()).sum().backward();
      EXPECT_TRUE(xg::test::matches_cpu(xg_.grad(), xc.grad(), 1e-12));
    }
}

TEST(CudaResize, GridSampleAndAffineGridMatchTheCpu) {
  XG_REQUIRE_CUDA();
  const auto x = xg::test::seeded({2, 3, 4, 5}, xg::kFloat64, 7);
  const auto grid = xg::test::seeded({2, 3, 4, 2}, xg::kFloat64, 8) * 0.9;
  int cases = 0;
  for (const auto mode : {InterpolateMode::Bilinear, InterpolateMode::Nearest, InterpolateMode::Bicubic})
    for (const auto padding : {xg::kZeros, xg::kBorder, xg::kReflection})
      for (bool align : {false, true}) {
        auto xc = x.clone().requires_grad_(), gc = grid.clone().requires_grad_();
        auto xd = x.cuda().requires_grad_(), gd = grid.cuda().requires_grad_();
        const auto yc = xg::grid_sample(xc, gc, mode, padding, align), yd = xg::grid_sample(xd, gd, mode, padding, align);
        EXPECT_TRUE(xg::test::matches_cpu(yd, yc, 1e-12)) << cases;
        const auto w = xg::test::seeded(yc.shape(), xg::kFloat64, 9);
        (yc * w).sum().backward();
        (yd * w.cuda()).sum().backward();
        EXPECT_TRUE(xg::test::matches_cpu(xd.grad(), xc.grad(), 1e-12)) << cases;
        EXPECT_TRUE(xg::test::matches_cpu(gd.grad(), gc.grad(), 1e-11)) << cases;
        ++cases;
      }
  EXPECT_EQ(cases, 18);
  const auto theta = (xg::test::seeded({2, 2, 3}, xg::kFloat64, 10) * 0.5).cuda().requires_grad_();
  const auto xd = x.cuda().requires_grad_();
  const auto stn = [](const xg::tensor_list& v) {
    return xg::grid_sample(v[0], xg::affine_grid(v[1], {2, 3, 3, 4}), InterpolateMode::Bilinear, xg::kBorder);
  };
  EXPECT_EQ(stn({xd, theta}).device().str(), "cuda:0");
  EXPECT_TRUE(xg::testing::gradcheck_ok(stn, {xd, theta}));
  EXPECT_TRUE(xg::testing::gradgradcheck_ok(stn, {xd, theta}));
}
