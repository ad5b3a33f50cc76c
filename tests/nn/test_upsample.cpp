// F::interpolate by scale factors and the Upsample layer: against PyTorch 1.13
// (tests/fixtures/torch_interpolate.npz, scale_*), where PyTorch samples with the factor
// and where it does not; (N, C, L) sequences and (N, C, D, H, W) volumes (linear,
// trilinear, nearest; nd_* cases); area and nearest-exact at every rank (ax_* cases);
// gradcheck and gradgradcheck, printing and errors.
#include "test_util.h"

using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
namespace F = xg::nn::functional;

namespace {
xg::Tensor fx(const std::string& key) { return xg::test::fixture("torch_interpolate.npz", key); }

// A case resized by its stored size or, for a tag with "_s", its scale factors: values and
// the input's gradient against PyTorch's.
void expect_case(const std::string& name, const char* tag, F::InterpolateFuncOptions o, double tol) {
  if (std::string(tag).find("_s") != std::string::npos) {
    o.scale_factor(fx(name + "_scale").to_vector<double>());
  } else {
    std::vector<std::int64_t> size;
    for (const double v : fx(name + "_size").to_vector<double>()) size.push_back(static_cast<std::int64_t>(v));
    o.size(size);
  }
  const auto x = fx(name + "_x").requires_grad_();
  const auto y = F::interpolate(x, o);
  ASSERT_EQ(y.shape(), fx(name + "_y").shape());
  EXPECT_LT(max_abs_diff(y, fx(name + "_y")), tol);
  EXPECT_LT(max_abs_diff(xg::grad({(y * fx(name + "_gy")).sum()}, {x})[0], fx(name + "_gx")), tol);
}
}  // namespace

TEST(Upsample, ScaleFactorsMatchPyTorch) {
  struct Case {
    const char* tag;
    std::vector<double> factor;
    bool recompute;
  };
  const std::vector<Case> cases{{"s15", {1.5, 1.5}, false},       {"s17x06", {1.7, 0.6}, false},
                                {"s2", {2.0, 2.0}, false},        {"kept", {2.3, 1.1}, false},
                                {"s201", {2.01, 1.3}, false},     {"s3rd", {1.0 / 3 + 0.5, 0.45}, false},
                                {"rec", {1.5, 1.7}, true}};
  const std::vector<std::pair<const char*, xg::InterpolateMode>> modes{
      {"nearest", xg::kNearest}, {"bilinear", xg::kBilinear}, {"bicubic", xg::kBicubic}};
  for (const auto& [mode_name, mode] : modes)
    for (int corners = 0; corners < (mode == xg::kNearest ? 1 : 2); ++corners)
      for (const auto& c : cases) {
        std::string name = std::string("scale_") + c.tag + "_" + mode_name;
        if (mode != xg::kNearest) name += "_ac" + std::to_string(corners);
        SCOPED_TRACE(name);
        auto o = F::InterpolateFuncOptions().scale_factor(c.factor).mode(mode).recompute_scale_factor(c.recompute);
        if (mode != xg::kNearest) o.align_corners(corners == 1);
        const auto x = fx(name + "_x").requires_grad_();
        const auto y = F::interpolate(x, o);
        ASSERT_EQ(y.shape(), fx(name + "_y").shape());
        EXPECT_LT(max_abs_diff(y, fx(name + "_y")), 1e-12);
        // PyTorch 1.13's nearest backward copies a kept axis and halves indices on a doubled
        // one while its forward (C > 1) samples with the factor, so there its gradient is not
        // its forward's adjoint (measured: 2.01 on 5 rows reads row 0 three times, and the
        // gradient gives it 2). Ours is the adjoint of our forward (gradchecked below).
        const bool torch_inconsistent = mode == xg::kNearest && (c.tag == std::string("kept") || c.tag == std::string("s201"));
        if (!torch_inconsistent)
          EXPECT_LT(max_abs_diff(xg::grad({(y * fx(name + "_gy")).sum()}, {x})[0], fx(name + "_gx")), 1e-12);
      }
}

TEST(Upsample, TheFactorIsWhatIsSampledWith) {
  // 5 -> 7 columns by 1.5 samples at (dst + 0.5) / 1.5 - 0.5, not at 5/7 steps (PyTorch 1.13:
  // 0, .5, 7/6, 11/6, 2.5, 19/6, 23/6).
  const auto x = xg::arange(5.0, xg::kFloat64).reshape({1, 1, 1, 5});
  const auto y = F::interpolate(x, F::InterpolateFuncOptions().scale_factor({1.0, 1.5}).mode(xg::kBilinear));
  EXPECT_TRUE(xg::test::values_near(y, {0, 0.5, 7.0 / 6, 11.0 / 6, 2.5, 19.0 / 6, 23.0 / 6}, 1e-15));
  const auto by_size = F::interpolate(x, F::InterpolateFuncOptions().size({1, 7}).mode(xg::kBilinear));
  EXPECT_GT(max_abs_diff(y, by_size), 0.1);
  // One factor for both axes.
  EXPECT_EQ(F::interpolate(xg::zeros({1, 2, 3, 4}), F::InterpolateFuncOptions().scale_factor({2})).shape(),
            (xg::Shape{1, 2, 6, 8}));
}

TEST(Upsample, GradcheckAndGradgradcheck) {
  xg::manual_seed(41);
  const auto x = xg::test::randp({1, 2, 4, 3});
  // Nearest by 2.01 on 5 rows reads rows 0 0 0 1 1 2 2 3 3 4: the gradient counts those reads.
  const auto rows = xg::zeros({1, 2, 5, 1}, xg::kFloat64).requires_grad_();
  F::interpolate(rows, F::InterpolateFuncOptions().scale_factor({2.01, 1.0})).sum().backward();
  EXPECT_TRUE(xg::test::values_near(rows.grad().select(1, 0).flatten(), {3, 2, 2, 2, 1}, 0));
  for (const auto mode : {xg::kNearest, xg::kBilinear, xg::kBicubic}) {
    const auto f = [mode](const xg::tensor_list& in) {
      return F::interpolate(in[0], F::InterpolateFuncOptions().scale_factor({1.7, 0.8}).mode(mode));
    };
    EXPECT_TRUE(gradcheck_ok(f, {x}));
    EXPECT_TRUE(gradgradcheck_ok(f, {x}));
  }
}

TEST(Upsample, LayerAsLibtorch) {
  xg::nn::Upsample up(xg::nn::UpsampleOptions().scale_factor({2}).mode(xg::kNearest));
  EXPECT_EQ(up.describe(), "Upsample(scale_factor=2.0, mode=nearest)");
  const auto x = xg::randn({2, 3, 4, 5});
  EXPECT_EQ(max_abs_diff(up(x), F::interpolate(x, F::InterpolateFuncOptions().scale_factor({2, 2}))), 0.0);
  EXPECT_EQ(up.parameters().size(), 0u);
  xg::nn::Upsample to(xg::nn::UpsampleOptions().size({28, 28}).mode(xg::kBilinear).align_corners(false));
  EXPECT_EQ(to.describe(), "Upsample(size=(28, 28), mode=bilinear)");
  EXPECT_EQ(to(x).shape(), (xg::Shape{2, 3, 28, 28}));
  xg::nn::Upsample two(xg::nn::UpsampleOptions().scale_factor({1.5, 0.1}).mode(xg::kBicubic));
  EXPECT_EQ(two.describe(), "Upsample(scale_factor=(1.5, 0.1), mode=bicubic)");
}

TEST(Upsample, SequencesAndVolumesMatchPyTorch) {
  const std::vector<std::pair<const char*, int>> cases{{"seq_up", 1},   {"seq_down", 1},    {"seq_s17", 1},
                                                       {"vol_up", 3},   {"vol_down", 3},    {"vol_s15kept", 3},
                                                       {"vol_s2", 3}};
  int compared = 0;
  for (const auto& [tag, axes] : cases)
    for (const bool nearest : {false, true})
      for (int corners = 0; corners < (nearest ? 1 : 2); ++corners) {
        const xg::InterpolateMode mode = nearest ? xg::kNearest : axes == 1 ? xg::InterpolateMode(xg::kLinear) : xg::kTrilinear;
        std::string name = std::string("nd_") + tag + "_" + xg::interpolate_mode_name(mode);
        if (!nearest) name += "_ac" + std::to_string(corners);
        SCOPED_TRACE(name);
        auto o = F::InterpolateFuncOptions().mode(mode);
        if (!nearest) o.align_corners(corners == 1);
        expect_case(name, tag, o, 1e-12);
        ++compared;
      }
  EXPECT_EQ(compared, 21);
  // Gradients of every order, and the layer over a volume.
  xg::manual_seed(43);
  const auto seq = xg::test::randp({1, 2, 5}), vol = xg::test::randp({1, 1, 3, 2, 4});
  for (const bool corners : {false, true}) {
    const auto linear = [corners](const xg::tensor_list& in) {
      return F::interpolate(in[0], F::InterpolateFuncOptions().scale_factor({1.7}).mode(xg::kLinear).align_corners(corners));
    };
    const auto trilinear = [corners](const xg::tensor_list& in) {
      return F::interpolate(in[0], F::InterpolateFuncOptions().size({4, 3, 3}).mode(xg::kTrilinear).align_corners(corners));
    };
    EXPECT_TRUE(gradcheck_ok(linear, {seq}));
    EXPECT_TRUE(gradgradcheck_ok(linear, {seq}));
    EXPECT_TRUE(gradcheck_ok(trilinear, {vol}));
    EXPECT_TRUE(gradgradcheck_ok(trilinear, {vol}));
  }
  // xg::kLinear is libtorch's one tag: a mode here, a nonlinearity for init's gains.
  EXPECT_EQ(xg::nn::init::calculate_gain(xg::kLinear), 1.0);
  xg::nn::Upsample up(xg::nn::UpsampleOptions().scale_factor({2}).mode(xg::kTrilinear));
  EXPECT_EQ(up.describe(), "Upsample(scale_factor=2.0, mode=trilinear)");
  EXPECT_EQ(up(xg::zeros({2, 3, 4, 5, 6})).shape(), (xg::Shape{2, 3, 8, 10, 12}));
  // Trilinear is bilinear on each plane, then linear along depth: a volume constant in
  // depth resizes as its planes do.
  const auto plane = xg::randn({1, 2, 1, 4, 5}, xg::kFloat64);
  const auto resized = F::interpolate(plane.expand({1, 2, 3, 4, 5}), F::InterpolateFuncOptions().size({6, 7, 9}).mode(xg::kTrilinear));
  const auto planes = F::interpolate(plane.squeeze(2), F::InterpolateFuncOptions().size({7, 9}).mode(xg::kBilinear));
  EXPECT_LT(max_abs_diff(resized.select(2, 4), planes), 1e-14);
}

TEST(Upsample, ErrorsNameTheCallAndTheFactors) {
  const auto x = xg::zeros({1, 1, 4, 5});
  EXPECT_XG_ERROR(F::interpolate(x, F::InterpolateFuncOptions()), "interpolate: give either size or scale_factor");
  EXPECT_XG_ERROR(F::interpolate(x, F::InterpolateFuncOptions().size({2, 2}).scale_factor({2})),
                  "interpolate: give either size or scale_factor, not both");
  EXPECT_XG_ERROR(F::interpolate(x, F::InterpolateFuncOptions().scale_factor({2, 2, 2})),
                  "interpolate: expected a scale_factor of 1 or 2 values (H, W) for a 4-D input, got 3");
  EXPECT_XG_ERROR(F::interpolate(x, F::InterpolateFuncOptions().scale_factor({2, -1})),
                  "interpolate: scale_factor must be positive and finite, got (2, -1)");
  EXPECT_XG_ERROR(F::interpolate(x, F::InterpolateFuncOptions().scale_factor({1, 0.1})),
                  "interpolate: scale_factor (1, 0.1) on input (1,1,4,5) gives an output (4, 0); sizes must be positive");
  EXPECT_XG_ERROR(F::interpolate(x, F::InterpolateFuncOptions().scale_factor({1e300})), "gives an output size beyond int64");
  EXPECT_XG_ERROR(F::interpolate(x, F::InterpolateFuncOptions().scale_factor({1e6})), "interpolate:", "allocation limit");
  EXPECT_XG_ERROR(F::interpolate(xg::zeros({4, 5}), F::InterpolateFuncOptions().scale_factor({2})),
                  "interpolate: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W) input, got shape (4,5)");
  EXPECT_XG_ERROR(xg::nn::Upsample(), "Upsample: give either size or scale_factor");
  EXPECT_XG_ERROR(F::interpolate(x, F::InterpolateFuncOptions().scale_factor({2}).mode(xg::kTrilinear)),
                  "interpolate: mode trilinear needs a 5-D input (N, C, D, H, W), got shape (1,1,4,5) (use bilinear or bicubic)");
  EXPECT_XG_ERROR(F::interpolate(xg::zeros({1, 2, 5}), F::InterpolateFuncOptions().size({4}).mode(xg::kBilinear)),
                  "interpolate: mode bilinear needs a 4-D input (N, C, H, W), got shape (1,2,5) (use linear)");
  EXPECT_XG_ERROR(F::interpolate(xg::zeros({1, 2, 3, 4, 5}), F::InterpolateFuncOptions().size({4, 4})),
                  "interpolate: expected a size of 3 values (D, H, W) for a 5-D input, got 2");
  EXPECT_XG_ERROR(F::interpolate(xg::zeros({1, 2, 5}), F::InterpolateFuncOptions().size({4}).mode(xg::kLinear).align_corners(true).mode(xg::kNearest)),
                  "interpolate: align_corners applies to linear, bilinear, bicubic and trilinear, not nearest");
  EXPECT_XG_ERROR(xg::grid_sample(xg::zeros({1, 1, 2, 2}), xg::zeros({1, 2, 2, 2}), xg::kTrilinear),
                  "grid_sample: mode must be bilinear, nearest or bicubic, got trilinear");
}

TEST(Upsample, AreaAndNearestExactMatchPyTorch) {
  const std::vector<const char*> tags{"seq_down", "seq_up", "seq_s07", "img_down", "img_up", "img_s", "vol_mixed", "vol_s"};
  int compared = 0;
  for (const char* tag : tags)
    for (const auto mode : {xg::kArea, xg::kNearestExact}) {
      const std::string name = std::string("ax_") + tag + "_" + xg::interpolate_mode_name(mode);
      SCOPED_TRACE(name);
      expect_case(name, tag, F::InterpolateFuncOptions().mode(mode), 1e-14);
      ++compared;
    }
  EXPECT_EQ(compared, 16);
  // Gradients of every order; the layer; align_corners refused.
  xg::manual_seed(44);
  const auto img = xg::test::randp({1, 2, 5, 4});
  for (const auto mode : {xg::kArea, xg::kNearestExact}) {
    const auto f = [mode](const xg::tensor_list& in) {
      return F::interpolate(in[0] * in[0], F::InterpolateFuncOptions().size({3, 7}).mode(mode));
    };
    EXPECT_TRUE(gradcheck_ok(f, {img}));
    EXPECT_TRUE(gradgradcheck_ok(f, {img}));
  }
  xg::nn::Upsample up(xg::nn::UpsampleOptions().scale_factor({2}).mode(xg::kNearestExact));
  EXPECT_EQ(up.describe(), "Upsample(scale_factor=2.0, mode=nearest-exact)");
  EXPECT_EQ(up(img).shape(), (xg::Shape{1, 2, 10, 8}));
  EXPECT_XG_ERROR(F::interpolate(img, F::InterpolateFuncOptions().size({2, 2}).mode(xg::kArea).align_corners(true)),
                  "interpolate: align_corners applies to linear, bilinear, bicubic and trilinear, not area");
}
