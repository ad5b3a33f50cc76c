// interpolate: values by hand, against PyTorch's F.interpolate (tests/fixtures/
// torch_interpolate.npz from scripts/make_interpolate_fixtures.py), gradients, errors.
#include <algorithm>
#include <cmath>

#include "test_util.h"

using namespace xg;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;

namespace {
Tensor fixture(const std::string& key) { return xg::test::fixture("torch_interpolate.npz", key); }
using xg::test::max_abs_diff;
}  // namespace

TEST(Interpolate, BilinearByHand) {
  // 1x1x2x2 -> 3x3 with align_corners: corners kept, midpoints averaged.
  auto x = tensor({{{{0, 2}, {4, 6}}}}, kFloat64);
  EXPECT_TRUE(values_near(interpolate(x, 3, InterpolateMode::Bilinear, true), {0, 1, 2, 2, 3, 4, 4, 5, 6}));
  // Without align_corners, 2 rows -> 1 samples at 0.5 (rows (0, 2) and (4, 6) averaged:
  // (2, 4)); 2 columns -> 4 sample at -0.25 (clamped to 0), 0.25, 0.75, 1.25 (the edge).
  EXPECT_TRUE(values_near(interpolate(x, {1, 4}), {2.0, 2.5, 3.5, 4.0}, 1e-12));
  EXPECT_TRUE(values_near(interpolate(x, {2, 4}, InterpolateMode::Nearest), {0, 0, 2, 2, 4, 4, 6, 6}));
}

TEST(Interpolate, ConstantsStayConstant) {
  // Each row of weights sums to one, in every mode: a constant image is unchanged.
  for (auto mode : {InterpolateMode::Nearest, InterpolateMode::Bilinear, InterpolateMode::Bicubic}) {
    const auto y = interpolate(full({2, 1, 5, 3}, 7.0, kFloat64), {11, 8}, mode);
    EXPECT_LT((y - 7.0).abs().max().item(), 1e-12);
  }
}

TEST(Interpolate, MatchesPyTorch) {
  struct Mode {
    const char* name;
    InterpolateMode mode;
  };
  const std::vector<std::pair<const char*, Int2>> sizes{{"up", {9, 11}}, {"down", {3, 4}}, {"mixed", {12, 3}}, {"one", {1, 1}}};
  for (const auto& m : {Mode{"nearest", InterpolateMode::Nearest}, Mode{"bilinear", InterpolateMode::Bilinear},
                        Mode{"bicubic", InterpolateMode::Bicubic}})
    for (int corners = 0; corners < (m.mode == InterpolateMode::Nearest ? 1 : 2); ++corners)
      for (const auto& [tag, size] : sizes) {
        std::string name = std::string(m.name) + "_" + tag;
        if (m.mode != InterpolateMode::Nearest) name += "_ac" + std::to_string(corners);
        SCOPED_TRACE(name);
        auto x = fixture(name + "_x").requires_grad_();
        auto y = interpolate(x, size, m.mode, corners == 1);
        EXPECT_LT(max_abs_diff(y, fixture(name + "_y")), 1e-12);
        auto gx = grad({(y * fixture(name + "_gy")).sum()}, {x})[0];
        EXPECT_LT(max_abs_diff(gx, fixture(name + "_gx")), 1e-12);
      }
}

TEST(Interpolate, ANonFinitePixelReachesOnlyTheOutputsThatReadIt) {
  // PyTorch's counts for one NaN at (1, 1) of a 4x4 image resized to 8x8: 4, 25 and 49 of
  // 64 outputs. A dense interpolation matrix made all 64 NaN (0 * NaN through its zeros).
  auto x = zeros({1, 1, 4, 4}, kFloat64);
  x.data<double>()[5] = std::nan("");
  const std::vector<std::pair<InterpolateMode, std::int64_t>> counts{
      {InterpolateMode::Nearest, 4}, {InterpolateMode::Bilinear, 25}, {InterpolateMode::Bicubic, 49}};
  for (const auto& [mode, count] : counts) {
    const auto y = interpolate(x, {8, 8}, mode).to_vector<double>();
    EXPECT_EQ(std::count_if(y.begin(), y.end(), [](double v) { return std::isnan(v); }), count);
  }
  // Against PyTorch, element for element (NaN and inf where it has them), for NaN, inf and
  // -inf pixels, up and down, with and without align_corners.
  for (const char* tag : {"a", "b", "c", "d"})
    for (const auto& [mname, mode] : std::vector<std::pair<std::string, InterpolateMode>>{
             {"nearest", InterpolateMode::Nearest}, {"bilinear", InterpolateMode::Bilinear},
             {"bicubic", InterpolateMode::Bicubic}})
      for (int corners = 0; corners < (mode == InterpolateMode::Nearest ? 1 : 2); ++corners) {
        std::string name = std::string("nonfinite_") + tag + "_" + mname;
        if (mode != InterpolateMode::Nearest) name += "_ac" + std::to_string(corners);
        SCOPED_TRACE(name);
        const auto expected = fixture(name + "_y");
        const auto y = interpolate(fixture(name + "_x"), {expected.size(2), expected.size(3)}, mode, corners == 1);
        const auto got = y.to_vector<double>(), want = expected.to_vector<double>();
        ASSERT_EQ(got.size(), want.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
          if (std::isnan(want[i])) {
            EXPECT_TRUE(std::isnan(got[i])) << "at " << i;
          } else if (std::isinf(want[i])) {
            EXPECT_EQ(got[i], want[i]) << "at " << i;
          } else {
            EXPECT_NEAR(got[i], want[i], 1e-12) << "at " << i;
          }
        }
      }
}

TEST(Interpolate, SizesFromArgumentsAreBoundedBeforeAnyWork) {
  const auto x = ones({1, 1, 4, 4});
  // 2^62 + 1 once wrapped the (out x in) weight matrix's size and wrote past it.
  EXPECT_XG_ERROR(interpolate(x, {(1LL << 62) + 1, 2}), "interpolate:", "more elements than fit in int64");
  EXPECT_XG_ERROR(interpolate(x, {1LL << 40, 1LL << 40}), "interpolate:", "more elements than fit in int64");
  EXPECT_XG_ERROR(interpolate(x, {1LL << 20, 1LL << 20}), "interpolate:", "more than the allocation limit");
  EXPECT_XG_ERROR(interpolate(x, {1LL << 30, 3}), "interpolate:", "more than the allocation limit");
}

TEST(Interpolate, Gradcheck) {
  manual_seed(3);
  auto x = xg::test::randp({2, 2, 4, 3});
  for (auto mode : {InterpolateMode::Nearest, InterpolateMode::Bilinear, InterpolateMode::Bicubic}) {
    EXPECT_TRUE(gradcheck_ok([mode](const tensor_list& in) { return interpolate(in[0], {7, 5}, mode); }, {x}));
    // Linear in x, so the second derivative is zero; checking it still proves the backward
    // graph is differentiable (a composite that a Grad-CAM's second-order use relies on).
    EXPECT_TRUE(gradgradcheck_ok([mode](const tensor_list& in) { return interpolate(in[0], {3, 6}, mode); }, {x}));
  }
  EXPECT_TRUE(gradcheck_ok(
      [](const tensor_list& in) { return interpolate(in[0], {5, 2}, InterpolateMode::Bicubic, true); }, {x}));
}

TEST(Interpolate, Float32AndErrors) {
  auto y = interpolate(ones({1, 1, 2, 2}), {4, 4});
  EXPECT_EQ(y.dtype(), kFloat32);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 4, 4}));
  EXPECT_XG_ERROR(interpolate(ones({2, 2}), 4), "interpolate", "(N, C, H, W)", "(2,2)");
  EXPECT_XG_ERROR(interpolate(ones({1, 1, 2, 2}), {0, 3}), "interpolate", "positive", "(0, 3)");
  EXPECT_XG_ERROR(interpolate(ones({1, 1, 2, 2}), 3, InterpolateMode::Nearest, true), "interpolate", "align_corners",
                  "nearest");
  EXPECT_XG_ERROR(interpolate(ones({1, 1, 2, 2}, kInt64), 3), "interpolate", "int64");
}
