// grid_sample and affine_grid: values by hand, against PyTorch 1.13's F.grid_sample and
// F.affine_grid (tests/fixtures/torch_grid_sample.npz from scripts/make_grid_sample_fixtures.py)
// with both gradients, gradchecks of every order, non-finite grids, errors.
#include <cmath>
#include <limits>

#include "test_util.h"

using namespace xg;
using xg::test::max_abs_diff;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
namespace F = xg::nn::functional;

namespace {
Tensor fixture(const std::string& key) { return xg::test::fixture("torch_grid_sample.npz", key); }
Tensor seeded(const Shape& shape, std::uint64_t seed) {
  manual_seed(seed);
  return randn(shape, kFloat64);
}

struct Mode {
  const char* name;
  InterpolateMode mode;
};
struct Padding {
  const char* name;
  PadMode mode;
};
const Mode kModes[] = {{"bilinear", kBilinear}, {"nearest", kNearest}, {"bicubic", kBicubic}};
const Padding kPaddings[] = {{"zeros", kZeros}, {"border", kBorder}, {"reflection", kReflection}};
}  // namespace

TEST(GridSample, TheIdentityGridGivesTheImageBack) {
  // affine_grid of the identity samples every pixel's centre, with either align_corners, so
  // each mode and padding returns the input.
  const auto x = seeded({2, 3, 4, 5}, 1);
  const auto theta = tensor({{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}}, kFloat64).unsqueeze(0).expand({2, 2, 3});
  for (bool corners : {false, true}) {
    const auto grid = affine_grid(theta, {2, 3, 4, 5}, corners);
    EXPECT_EQ(grid.shape(), Shape({2, 4, 5, 2}));
    for (const auto& m : kModes)
      for (const auto& p : kPaddings)
        EXPECT_LT(max_abs_diff(grid_sample(x, grid, m.mode, p.mode, corners), x), 1e-12)
            << m.name << " " << p.name << " " << corners;
  }
}

TEST(GridSample, BilinearAndThePaddingsByHand) {
  // A 1x1x1x2 image (0, 10): x = 0 lies halfway between the two pixels' centres; x = -1 is
  // pixel 0's outer edge without align_corners (half a pixel off the image: 0 with zeros
  // padding, pixel 0 with border), and pixel 0's centre with it.
  const auto img = tensor({{{{0.0, 10.0}}}}, kFloat64);
  const auto at = [&](double gx, PadMode padding, bool corners) {
    return grid_sample(img, tensor({{{{gx, 0.0}}}}, kFloat64), kBilinear, padding, corners).item();
  };
  EXPECT_DOUBLE_EQ(at(0.0, kZeros, false), 5.0);
  EXPECT_DOUBLE_EQ(at(-1.0, kZeros, false), 0.0);  // (0 + 0) / 2: half of it reads pixel -1 (zero)
  EXPECT_DOUBLE_EQ(at(1.0, kZeros, false), 5.0);   // half of pixel 1 (10)
  EXPECT_DOUBLE_EQ(at(1.0, kBorder, false), 10.0);
  EXPECT_DOUBLE_EQ(at(3.0, kBorder, true), 10.0);
  EXPECT_DOUBLE_EQ(at(0.5, kZeros, true), 7.5);
  // Reflection with align_corners mirrors about the centres: x = 2 is pixel 1 + 1 -> pixel 0.
  EXPECT_DOUBLE_EQ(at(3.0, kReflection, true), 0.0);
  EXPECT_DOUBLE_EQ(at(2.0, kReflection, true), 5.0);
  // y = 0.5 in height 1 is row 0.25: 0.75 of row 0 (5 at x = 0), 0.25 of row 1 (off: 0).
  EXPECT_DOUBLE_EQ(grid_sample(img, tensor({{{{0.0, 0.5}}}}, kFloat64)).item(), 3.75);  // 5 x 0.75
}

TEST(GridSample, MatchesPyTorchWithBothGradients) {
  const auto x0 = fixture("x"), grid0 = fixture("grid");
  int cases = 0;
  for (const auto& m : kModes)
    for (const auto& p : kPaddings)
      for (int corners = 0; corners < 2; ++corners) {
        const std::string name = std::string(m.name) + "_" + p.name + "_ac" + std::to_string(corners);
        SCOPED_TRACE(name);
        auto x = x0.clone().requires_grad_(), grid = grid0.clone().requires_grad_();
        const auto y = F::grid_sample(x, grid, F::GridSampleFuncOptions().mode(m.mode).padding_mode(p.mode).align_corners(corners == 1));
        EXPECT_LT(max_abs_diff(y, fixture(name + "_y")), 1e-12);
        const auto g = grad({(y * fixture(name + "_gy")).sum()}, {x, grid});
        EXPECT_LT(max_abs_diff(g[0], fixture(name + "_gx")), 1e-12);
        EXPECT_LT(max_abs_diff(g[1], fixture(name + "_ggrid")), 1e-11);
        ++cases;
      }
  EXPECT_EQ(cases, 18);
}

TEST(GridSample, AffineGridMatchesPyTorch) {
  for (int corners = 0; corners < 2; ++corners) {
    const std::string name = "affine_ac" + std::to_string(corners);
    auto theta = fixture(name + "_theta").clone().requires_grad_();
    const auto y = F::affine_grid(theta, {2, 3, 4, 5}, corners == 1);
    EXPECT_LT(max_abs_diff(y, fixture(name + "_y")), 1e-12) << name;
    const auto g = grad({(y * fixture(name + "_gy")).sum()}, {theta})[0];
    EXPECT_LT(max_abs_diff(g, fixture(name + "_gtheta")), 1e-12) << name;
  }
  // One pixel wide: its coordinate is 0 (PyTorch's linspace_from_neg_one).
  const auto one = affine_grid(tensor({{{1.0, 0.0, 0.25}, {0.0, 1.0, 0.0}}}, kFloat64), {1, 1, 1, 1});
  EXPECT_TRUE(values_near(one, {0.25, 0.0}, 1e-15));
}

TEST(GridSample, GradcheckAndGradgradcheckForInputAndGrid) {
  // Grid points away from whole pixel positions and the clip's ends (the kinks).
  const auto x = seeded({1, 2, 3, 4}, 2).requires_grad_();
  const auto grid = (seeded({1, 3, 2, 2}, 3) * 0.6).requires_grad_();
  const auto far = (seeded({1, 2, 2, 2}, 4) * 0.4 + 1.3).requires_grad_();  // off the image
  for (const auto& m : kModes)
    for (const auto& p : kPaddings)
      for (bool corners : {false, true}) {
        SCOPED_TRACE(std::string(m.name) + " " + p.name + (corners ? " aligned" : ""));
        const auto f = [&](const tensor_list& v) { return grid_sample(v[0], v[1], m.mode, p.mode, corners); };
        EXPECT_TRUE(gradcheck_ok(f, {x, grid}));
        EXPECT_TRUE(gradcheck_ok(f, {x, far}));
        if (m.mode != kNearest) {
          EXPECT_TRUE(gradgradcheck_ok(f, {x, grid}));
          EXPECT_TRUE(gradgradcheck_ok(f, {x, far}));
        }
      }
  const auto theta = (seeded({1, 2, 3}, 5) * 0.5).requires_grad_();
  const auto stn = [](const tensor_list& v) {
    return grid_sample(v[0], affine_grid(v[1], {1, 2, 4, 3}), kBilinear, kBorder);
  };
  EXPECT_TRUE(gradcheck_ok(stn, {x, theta}));
  EXPECT_TRUE(gradgradcheck_ok(stn, {x, theta}));
}

TEST(GridSample, NearestGivesTheGridAZeroGradient) {
  // As PyTorch: the grid is in the graph (a spatial transformer's parameters get zeros).
  auto grid = (seeded({1, 2, 2, 2}, 6) * 0.5).requires_grad_();
  const auto y = grid_sample(seeded({1, 1, 3, 3}, 7), grid, kNearest);
  y.sum().backward();
  ASSERT_TRUE(grid.grad().defined());
  EXPECT_EQ(grid.grad().abs().max().item(), 0.0);
}

TEST(GridSample, NonFiniteAndFarCoordinatesReadNothing) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  const auto img = full({1, 1, 3, 3}, 2.0, kFloat64);
  auto grid = tensor({{{{nan, 0.0}, {inf, 0.0}, {-inf, 0.5}, {1e300, 0.0}, {-1e18, 1e18}, {0.0, 0.0}}}}, kFloat64)
                  .requires_grad_();
  for (const auto& m : kModes) {
    const auto y = grid_sample(img, grid, m.mode);  // zeros padding: 0 where nothing is read
    EXPECT_TRUE(values_near(y, {0, 0, 0, 0, 0, 2}, 0)) << m.name;
    const auto g = grad({y.sum()}, {grid})[0];
    EXPECT_TRUE(values_near(g, std::vector<double>(12, 0.0), 0)) << m.name;  // finite, zero (a flat image)
  }
  // Border padding clamps a far point to the edge.
  const auto ramp = arange(9, kFloat64).reshape({1, 1, 3, 3});
  EXPECT_TRUE(values_near(grid_sample(ramp, tensor({{{{1e300, -1e300}}}}, kFloat64), kBilinear, kBorder), {2.0}, 0));
}

TEST(GridSample, Float32AndEmptyGrids) {
  const auto x = seeded({1, 2, 3, 4}, 8), grid = seeded({1, 2, 3, 2}, 9);
  const auto y32 = grid_sample(x.to(kFloat32), grid.to(kFloat32), kBicubic, kReflection);
  EXPECT_EQ(y32.dtype(), kFloat32);
  EXPECT_LT(max_abs_diff(y32.to(kFloat64), grid_sample(x, grid, kBicubic, kReflection)), 1e-5);
  EXPECT_EQ(grid_sample(x, zeros({1, 0, 3, 2}, kFloat64)).shape(), Shape({1, 2, 0, 3}));
}

TEST(GridSample, BadArgumentsNameTheCall) {
  const auto x = zeros({2, 3, 4, 5}, kFloat64), grid = zeros({2, 6, 7, 2}, kFloat64);
  EXPECT_XG_ERROR(grid_sample(zeros({2, 3, 4, 5, 6}, kFloat64), grid),
                  "grid_sample: expected a 4-D input (N, C, H, W), got shape (2,3,4,5,6) (5-D volumes are not supported)");
  EXPECT_XG_ERROR(grid_sample(x, zeros({2, 6, 7, 3}, kFloat64)),
                  "grid_sample: expected a grid of shape (N, H_out, W_out, 2) for a 4-D input, got (2,6,7,3)");
  EXPECT_XG_ERROR(grid_sample(x, zeros({3, 6, 7, 2}, kFloat64)),
                  "grid_sample: expected the grid's batch size 3 to equal the input's 2 (input (2,3,4,5), grid (3,6,7,2))");
  EXPECT_XG_ERROR(grid_sample(x, grid.to(kFloat32)),
                  "grid_sample: expected input and grid of one float dtype, got float64 and float32");
  EXPECT_XG_ERROR(grid_sample(x.to(kInt64), grid.to(kInt64)),
                  "grid_sample: expected input and grid of one float dtype, got int64 and int64");
  EXPECT_XG_ERROR(grid_sample(x, grid, kBilinear, kCircular),
                  "grid_sample: padding_mode must be zeros, border or reflection, got circular");
  EXPECT_XG_ERROR(grid_sample(zeros({2, 3, 0, 5}, kFloat64), grid), "grid_sample: input of shape (2,3,0,5) has no pixels");
  EXPECT_XG_ERROR(grid_sample(Tensor(), grid), "grid_sample: the input is undefined");
  EXPECT_XG_ERROR(grid_sample(x, Tensor()), "grid_sample: the grid is undefined");
  // The output's size is bounded before any work: 64 channels sampled at 512 x 512 points
  // need 128 MiB per tap.
  const std::size_t limit = allocation_limit();
  set_allocation_limit(std::size_t{64} << 20);
  EXPECT_XG_ERROR(grid_sample(zeros({1, 64, 2, 2}, kFloat64), zeros({1, 512, 512, 2}, kFloat64)), "grid_sample:",
                  "(1, 64, 512, 512)");
  EXPECT_XG_ERROR(affine_grid(zeros({1, 2, 3}, kFloat64), {1, 1, 4096, 4096}), "affine_grid:", "(1, 4096, 4096, 2)");
  set_allocation_limit(limit);
  const auto theta = zeros({2, 2, 3}, kFloat64);
  EXPECT_XG_ERROR(affine_grid(theta, {2, 3, 4}),
                  "affine_grid: expected a size (N, C, H, W) of 4 values, got (2,3,4) (3-D grids for 5-D volumes are not supported)");
  EXPECT_XG_ERROR(affine_grid(theta, {3, 3, 4, 5}),
                  "affine_grid: expected theta of shape (N, 2, 3) with N = 3 for size (3,3,4,5), got (2,2,3)");
  EXPECT_XG_ERROR(affine_grid(theta.to(kInt64), {2, 3, 4, 5}), "affine_grid: expected a float theta, got int64");
  EXPECT_XG_ERROR(affine_grid(theta, {2, 3, -4, 5}), "affine_grid: expected non-negative sizes, got (2,3,-4,5)");
}
