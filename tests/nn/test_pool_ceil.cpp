// Pooling's ceil_mode and divisor_override, 1-D to 3-D, against PyTorch 1.13 in float64
// (tests/fixtures/torch_pool_ceil.npz from scripts/make_pool_ceil_fixtures.py): values,
// indices and gradients (plain and under create_graph) through the functions, the F:: forms
// and the modules; PyTorch's output-length table; gradchecks and gradgradchecks; errors.
#include "test_util.h"

using namespace xg;
namespace F = xg::nn::functional;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;

namespace {
constexpr const char* kFile = "torch_pool_ceil.npz";
Tensor fx(const std::string& key) { return xg::test::fixture(kFile, key); }
using Pool = std::function<Tensor(const Tensor&)>;
using PoolWithIndices = std::function<std::tuple<Tensor, Tensor>(const Tensor&)>;
using Pool2 = std::function<Tensor(const tensor_list&)>;
}  // namespace

TEST(PoolCeilMode, MaxPoolsMatchPyTorchWithIndices) {
  const std::vector<std::pair<const char*, PoolWithIndices>> cases{
      {"max1d", [](const Tensor& x) { return max_pool1d_with_indices(x, 3, 2, 1, 1, true); }},
      {"max2d", [](const Tensor& x) { return nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).ceil_mode(true)).forward_with_indices(x); }},
      {"max2d_dilated", [](const Tensor& x) {
         return F::max_pool2d_with_indices(x, F::MaxPool2dFuncOptions({2, 3}).stride(2).padding(1).dilation({2, 1}).ceil_mode(true));
       }},
      // 2x2 windows over odd sides: the last row and column are cut (the fast path must not run).
      {"max2d_2x2", [](const Tensor& x) { return max_pool2d_with_indices(x, 2, 2, 0, 1, true); }},
      // A kernel larger than the input, by less than the stride: one window.
      {"max2d_past", [](const Tensor& x) { return max_pool2d_with_indices(x, 3, 2, 0, 1, true); }},
      {"max3d", [](const Tensor& x) { return nn::MaxPool3d(nn::MaxPool3dOptions(3).stride(2).padding(1).ceil_mode(true)).forward_with_indices(x); }},
  };
  for (const auto& [name, pool] : cases) {
    SCOPED_TRACE(name);
    const tensor_list in = xg::test::fixture_inputs(kFile, name, 1);
    const auto [y, indices] = pool(in[0]);
    ASSERT_EQ(indices.shape(), fx(std::string(name) + ".idx").shape());
    EXPECT_EQ(max_abs_diff(indices.to(kFloat64), fx(std::string(name) + ".idx").to(kFloat64)), 0);
    xg::test::expect_fixture_case(kFile, name, y, in, 1e-15, 1e-14);
  }
  // The value-only forms give the same values.
  const Tensor x = fx("max2d_2x2.in0");
  EXPECT_EQ(max_abs_diff(max_pool2d(x, 2, 2, 0, 1, true), fx("max2d_2x2.y")), 0);
  EXPECT_EQ(max_abs_diff(F::max_pool2d(x, F::MaxPool2dFuncOptions(2).ceil_mode(true)), fx("max2d_2x2.y")), 0);
  EXPECT_EQ(max_abs_diff(nn::MaxPool1d(nn::MaxPool1dOptions(3).stride(2).padding(1).ceil_mode(true)).forward(fx("max1d.in0")),
                         fx("max1d.y")),
            0);
  EXPECT_EQ(max_abs_diff(F::max_pool3d(fx("max3d.in0"), F::MaxPool3dFuncOptions(3).stride(2).padding(1).ceil_mode(true)),
                         fx("max3d.y")),
            0);
}

TEST(PoolCeilMode, AverageAndPowerPoolsMatchPyTorch) {
  const std::vector<std::pair<const char*, Pool>> cases{
      {"avg1d", [](const Tensor& x) { return avg_pool1d(x, 4, 3, 1, true); }},
      {"avg1d_exclude", [](const Tensor& x) { return nn::AvgPool1d(nn::AvgPool1dOptions(4).stride(3).padding(1).ceil_mode(true).count_include_pad(false)).forward(x); }},
      {"avg2d", [](const Tensor& x) { return F::avg_pool2d(x, F::AvgPool2dFuncOptions(3).stride(2).padding(1).ceil_mode(true)); }},
      {"avg2d_exclude", [](const Tensor& x) { return avg_pool2d(x, 3, 2, 1, true, false); }},
      {"avg2d_divisor", [](const Tensor& x) { return nn::AvgPool2d(nn::AvgPool2dOptions(3).stride(2).padding(1).divisor_override(4)).forward(x); }},
      {"avg2d_divisor_ceil", [](const Tensor& x) { return avg_pool2d(x, {2, 3}, 2, 0, true, true, -3); }},
      {"avg2d_past", [](const Tensor& x) { return avg_pool2d(x, 3, 2, 0, true); }},
      {"avg3d", [](const Tensor& x) { return nn::AvgPool3d(nn::AvgPool3dOptions(3).stride(2).padding(1).ceil_mode(true).count_include_pad(false)).forward(x); }},
      {"avg3d_divisor", [](const Tensor& x) { return F::avg_pool3d(x, F::AvgPool3dFuncOptions({2, 3, 2}).stride(2).ceil_mode(true).divisor_override(5)); }},
      {"lp1d", [](const Tensor& x) { return nn::LPPool1d(nn::LPPool1dOptions(2, 4).stride(3).ceil_mode(true)).forward(x); }},
      {"lp2d", [](const Tensor& x) { return F::lp_pool2d(x, F::LPPool2dFuncOptions(1.5, 3).stride(2).ceil_mode(true)); }},
      {"lp3d", [](const Tensor& x) { return nn::LPPool3d(nn::LPPool3dOptions(2, 2).ceil_mode(true)).forward(x); }},
  };
  for (const auto& [name, pool] : cases) {
    SCOPED_TRACE(name);
    const tensor_list in = xg::test::fixture_inputs(kFile, name, 1);
    xg::test::expect_fixture_case(kFile, name, pool(in[0]), in, 1e-14, 1e-13);
  }
}

// PyTorch's output length for every (L, k, s, p, d) up to 9, 4, 3, k/2, 2, with and without
// ceil_mode, or its refusal: max_pool1d's length or its xg::Error.
TEST(PoolCeilMode, OutputLengthsArePyTorchs) {
  const Tensor args = fx("sizes.args"), floor = fx("sizes.floor"), ceil = fx("sizes.ceil");
  ASSERT_EQ(args.shape()[1], 5);
  std::int64_t differ = 0;
  for (std::int64_t r = 0; r < args.shape()[0]; ++r) {
    const auto a = [&](std::int64_t j) { return static_cast<std::int64_t>(args.at({r, j})); };
    for (const bool mode : {false, true}) {
      const auto want = static_cast<std::int64_t>((mode ? ceil : floor).at({r}));
      std::int64_t got = -1;
      try {
        got = max_pool1d(xg::zeros({1, 1, a(0)}, kFloat64), a(1), a(2), a(3), a(4), mode).shape()[2];
      } catch (const xg::Error& e) {
        // A dilated window whose taps all fall in the padding is an error in xgrad (PyTorch
        // gives -inf there: docs/libtorch.md); the length is still PyTorch's.
        if (a(4) > 1 && std::string(e.what()).find("covers only padding") != std::string::npos) continue;
      }
      if (a(4) == 1 && want > 0) {  // the average pool's length is the same
        EXPECT_EQ(avg_pool1d(xg::zeros({1, 1, a(0)}, kFloat64), a(1), a(2), a(3), mode).shape()[2], want);
      }
      // PyTorch 1.13's max_pool2d gives an empty plane, not an error, for some windows
      // past a short input without ceil_mode; xgrad refuses them (no window fits).
      if (want == 0 && got == -1) continue;
      EXPECT_EQ(got, want) << "L " << a(0) << " k " << a(1) << " s " << a(2) << " p " << a(3) << " d " << a(4)
                           << (mode ? " ceil_mode" : "");
      differ += mode && want != static_cast<std::int64_t>(floor.at({r}));
    }
  }
  EXPECT_GT(differ, 50);  // the table exercises ceil_mode
}

TEST(PoolCeilMode, GradcheckAndGradgradcheck) {
  // Distinct values, so no window holds a tie within gradcheck's step.
  const Tensor x = (xg::randperm(2 * 2 * 7 * 5).to(kFloat64) / 10.0).reshape({2, 2, 7, 5}).requires_grad_();
  const auto max2d = [](const tensor_list& v) { return max_pool2d(v[0] * v[0], 2, 2, 0, 1, true); };
  const auto avg2d = [](const tensor_list& v) { return avg_pool2d(v[0] * v[0], 3, 2, 1, true, false); };
  const auto divisor = [](const tensor_list& v) { return avg_pool2d(v[0] * v[0], {3, 2}, {2, 3}, {1, 0}, true, true, 7); };
  for (const Pool2& f : {Pool2(max2d), Pool2(avg2d), Pool2(divisor)}) {
    EXPECT_TRUE(gradcheck_ok(f, {x}));
    EXPECT_TRUE(gradgradcheck_ok(f, {x}));
  }
  const Tensor v = (xg::randperm(2 * 5 * 4 * 5).to(kFloat64) / 10.0).reshape({1, 2, 5, 4, 5}).requires_grad_();
  const auto max3d = [](const tensor_list& t) { return max_pool3d(t[0] * t[0], 2, {2, 3, 2}, 0, 1, true); };
  const auto avg3d = [](const tensor_list& t) { return avg_pool3d(t[0] * t[0], 3, 2, 1, true, true, 4); };
  for (const Pool2& f : {Pool2(max3d), Pool2(avg3d)}) {
    EXPECT_TRUE(gradcheck_ok(f, {v}));
    EXPECT_TRUE(gradgradcheck_ok(f, {v}));
  }
  const Tensor s = (xg::rand({2, 3, 8}, kFloat64) + 0.5).requires_grad_();
  EXPECT_TRUE(gradgradcheck_ok([](const tensor_list& t) { return F::lp_pool1d(t[0], F::LPPool1dFuncOptions(2, 3).stride(2).ceil_mode(true)); }, {s}));
  EXPECT_TRUE(gradgradcheck_ok([](const tensor_list& t) { return avg_pool1d(t[0], 3, 2, 1, true, false); }, {s}));
}

TEST(PoolCeilMode, ErrorsNameTheCall) {
  const Tensor x = xg::zeros({1, 2, 2, 2});
  EXPECT_XG_ERROR(avg_pool2d(x, 2, 2, 0, false, true, 0), "avg_pool2d: divisor_override must not be zero");
  EXPECT_XG_ERROR(F::avg_pool3d(xg::zeros({1, 1, 2, 2, 2}), F::AvgPool3dFuncOptions(2).divisor_override(0)),
                  "avg_pool3d: divisor_override must not be zero");
  // Past the input by the stride or more: no window, with ceil_mode too.
  EXPECT_XG_ERROR(max_pool2d(x, 4, 2, 0, 1, true), "max_pool2d: kernel (4, 4) spans (4, 4), larger than the padded input (2, 2)",
                  "by more than the stride (2, 2) less one, with ceil_mode");
  EXPECT_XG_ERROR(max_pool1d(xg::zeros({1, 1, 2}), 4, 2, 0, 1, true), "max_pool1d: kernel 4 spans 4",
                  "by more than the stride (2) less one, with ceil_mode");
  EXPECT_XG_ERROR(avg_pool3d(xg::zeros({1, 1, 2, 2, 2}), {1, 1, 5}, 3, 0, true), "avg_pool3d: kernel (1, 1, 5) spans 5 along the width",
                  "by more than the stride (3, 3, 3) less one, with ceil_mode");
  EXPECT_XG_ERROR(F::lp_pool2d(x, F::LPPool2dFuncOptions(2, 4).stride(2).ceil_mode(true)),
                  "lp_pool2d: kernel_size (4, 4) is larger than the input (1,2,2,2) by more than the stride (2, 2) less one");
  // Without ceil_mode, the same kernel one past the input is refused as before.
  EXPECT_XG_ERROR(avg_pool2d(x, 3, 2), "avg_pool2d: kernel (3, 3) spans (3, 3), larger than the padded input (2, 2)");
}
