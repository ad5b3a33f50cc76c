// Values computed by the kernels, through the public operations: broadcasting, dtype
// promotion, masks, in-place updates and their errors.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "tensor/kernels.h"
#include "test_util.h"

using xg::test::values_near;

TEST(Broadcasting, FollowsNumpyRules) {
  auto a = xg::tensor({{1, 2, 3}, {4, 5, 6}});          // (2,3)
  auto row = xg::tensor({10, 20, 30});                  // (3,)
  auto col = xg::tensor({{100}, {200}});                // (2,1)
  EXPECT_TRUE(values_near(a + row, {11, 22, 33, 14, 25, 36}));
  EXPECT_TRUE(values_near(a + col, {101, 102, 103, 204, 205, 206}));
  auto outer = col * row;  // (2,1) x (3,) -> (2,3)
  EXPECT_EQ(outer.shape(), (xg::Shape{2, 3}));
  EXPECT_TRUE(values_near(outer, {1000, 2000, 3000, 2000, 4000, 6000}));
  EXPECT_TRUE(values_near(2.0 - a, {1, 0, -1, -2, -3, -4}));
  EXPECT_TRUE(values_near(a / 2.0, {0.5, 1, 1.5, 2, 2.5, 3}));
  EXPECT_TRUE(values_near(12.0 / a, {12, 6, 4, 3, 2.4, 2}, 1e-5));
  auto big = xg::ones({2, 1, 4}) + xg::ones({3, 1});  // (2,1,4) with (3,1) -> (2,3,4)
  EXPECT_EQ(big.shape(), (xg::Shape{2, 3, 4}));
}

TEST(Broadcasting, OneElementOperandsKeepTheBroadcastShape) {
  // The scalar fast path must still give numpy's result shape.
  EXPECT_EQ((xg::ones({3}) + xg::ones({1, 1})).shape(), (xg::Shape{1, 3}));
  EXPECT_EQ((xg::ones({1, 1}) * xg::ones({3})).shape(), (xg::Shape{1, 3}));
  EXPECT_EQ((xg::ones({2, 3}) - xg::ones({1})).shape(), (xg::Shape{2, 3}));
  EXPECT_EQ((xg::scalar_tensor(2) / xg::ones({2, 2})).shape(), (xg::Shape{2, 2}));
  EXPECT_EQ((xg::ones({1}) + xg::scalar_tensor(1)).shape(), (xg::Shape{1}));
  EXPECT_EQ((xg::scalar_tensor(1) + xg::ones({1})).shape(), (xg::Shape{1}));
  EXPECT_TRUE(values_near(xg::tensor({1, 2, 3}) - xg::tensor({{1}}), {0, 1, 2}));
  EXPECT_TRUE(values_near(xg::tensor({{10}}) - xg::tensor({1, 2, 3}), {9, 8, 7}));
}

TEST(Broadcasting, MismatchNamesOperationAndShapes) {
  EXPECT_XG_ERROR(xg::ones({2, 3}) + xg::ones({4}), "add: shapes (2,3) and (4,) cannot be broadcast", "3 vs 4");
  EXPECT_XG_ERROR(xg::ones({2, 3}) * xg::ones({3, 2}), "mul:", "(2,3)", "(3,2)");
  EXPECT_XG_ERROR(xg::broadcast_to(xg::ones({3}), {2, 2}), "broadcast_to", "(3,)", "(2,2)");
}

TEST(Dtypes, MixedFloatPromotesToFloat64) {
  auto f = xg::tensor({1.5}, xg::kFloat32);
  auto d = xg::tensor({2.25}, xg::kFloat64);
  EXPECT_EQ((f + d).dtype(), xg::kFloat64);
  EXPECT_EQ((f * 2.0).dtype(), xg::kFloat32);  // a scalar does not promote
  auto i = xg::tensor({3, 4}, xg::kInt64);
  EXPECT_EQ((i + 1.0).dtype(), xg::kInt64);
  EXPECT_EQ((i * 0.5).dtype(), xg::kFloat32);
  EXPECT_EQ((i / i).dtype(), xg::kFloat32);  // true division
  EXPECT_EQ((i + f.reshape({1})).dtype(), xg::kFloat32);
  EXPECT_TRUE(values_near(f.to(xg::kFloat64), {1.5}));
  EXPECT_EQ(d.to(xg::kInt64).dtype(), xg::kInt64);
  EXPECT_XG_ERROR(xg::exp(i), "exp: expected a float tensor, got int64");
}

TEST(Comparisons, ReturnMasksInTheOperandDtype) {
  auto a = xg::tensor({1, 2, 3});
  auto b = xg::tensor({3, 2, 1});
  EXPECT_TRUE(values_near(a < b, {1, 0, 0}));
  EXPECT_TRUE(values_near(a <= b, {1, 1, 0}));
  EXPECT_TRUE(values_near(a == b, {0, 1, 0}));
  EXPECT_TRUE(values_near(a != b, {1, 0, 1}));
  EXPECT_TRUE(values_near(a > 1.5, {0, 1, 1}));
  EXPECT_TRUE(values_near(a >= 2.0, {0, 1, 1}));
  EXPECT_EQ((a < b).dtype(), xg::kFloat32);
  // Accuracy in one line: the mean of a mask.
  auto pred = xg::tensor({{0.1, 0.9}, {0.8, 0.2}, {0.3, 0.7}}).argmax(1);
  auto t = xg::tensor({1, 0, 0}, xg::kInt64);
  EXPECT_NEAR((pred == t).mean().item(), 2.0 / 3.0, 1e-6);
}

TEST(InPlace, UpdatesBumpTheVersion) {
  auto w = xg::ones({2, 2}, xg::kFloat64);
  const auto v0 = w.version();
  w.add_(xg::tensor({1.0, 2.0}, xg::kFloat64));  // broadcast row
  EXPECT_TRUE(values_near(w, {2, 3, 2, 3}));
  w.mul_(2.0).sub_(1.0);
  EXPECT_TRUE(values_near(w, {3, 5, 3, 5}));
  w.add_(xg::ones({2, 2}), -0.5);
  EXPECT_TRUE(values_near(w, {2.5, 4.5, 2.5, 4.5}));
  w.div_(xg::full({2, 2}, 0.5));
  EXPECT_TRUE(values_near(w, {5, 9, 5, 9}));
  w.copy_(xg::tensor({7.0}, xg::kFloat32));
  EXPECT_TRUE(values_near(w, {7, 7, 7, 7}));
  w.zero_();
  EXPECT_TRUE(values_near(w, {0, 0, 0, 0}));
  EXPECT_GE(w.version(), v0 + 7);
}

TEST(InPlace, RejectsShapeGrowthAndFloatIntoInt) {
  auto w = xg::ones({3});
  EXPECT_XG_ERROR(w.add_(xg::ones({2, 3})), "add_: cannot write a result of shape (2,3) into a tensor of shape (3,)");
  auto labels = xg::tensor({1, 2}, xg::kInt64);
  EXPECT_XG_ERROR(labels.mul_(xg::tensor({0.5, 0.5})), "mul_: cannot write float32 values into an int64 tensor");
}

TEST(Where, SelectsWithBroadcasting) {
  auto cond = xg::tensor({1, 0, 1});
  EXPECT_TRUE(values_near(xg::where(cond, xg::tensor({1, 2, 3}), xg::scalar_tensor(-1)), {1, -1, 3}));
}

TEST(Threads, SettingIsValidated) {
  const int before = xg::get_num_threads();
  xg::set_num_threads(2);
  EXPECT_EQ(xg::get_num_threads(), 2);
  xg::set_num_threads(before);
  EXPECT_XG_ERROR(xg::set_num_threads(0), "set_num_threads", "at least one");
}

TEST(Reductions, EveryAxisPatternMatchesALoopInDouble) {
  // Leading axes, trailing axes (the split paths) and middle or mixed axes (the general
  // path) all give the sum, max and min a plain loop computes.
  xg::manual_seed(12);
  const xg::Shape shape{3, 4, 5, 6};
  const auto x = xg::randn(shape, xg::kFloat64);
  const auto v = x.to_vector<double>();
  const std::vector<xg::Axes> patterns{{0}, {0, 1}, {0, 1, 2}, {3}, {2, 3}, {1, 2, 3}, {1}, {2}, {0, 2}, {1, 3}, {0, 3}, {}};
  for (const auto& axes : patterns) {
    std::vector<bool> red(4, axes.empty());
    for (auto a : axes) red[static_cast<std::size_t>(a)] = true;
    std::map<std::vector<std::int64_t>, std::vector<double>> groups;
    for (std::int64_t i = 0; i < 3 * 4 * 5 * 6; ++i) {
      std::vector<std::int64_t> idx{i / 120, i / 30 % 4, i / 6 % 5, i % 6}, key;
      for (std::size_t d = 0; d < 4; ++d) key.push_back(red[d] ? 0 : idx[d]);
      groups[key].push_back(v[static_cast<std::size_t>(i)]);
    }
    const auto s = xg::sum(x, axes).to_vector<double>(), mx = xg::max(x, axes).to_vector<double>(),
               mn = xg::min(x, axes).to_vector<double>();
    ASSERT_EQ(s.size(), groups.size());
    std::size_t k = 0;
    for (const auto& [key, vals] : groups) {  // std::map orders keys as row-major output order
      double sum = 0;
      for (double e : vals) sum += e;
      EXPECT_NEAR(s[k], sum, 1e-12) << "sum over pattern " << axes.size() << " output " << k;
      EXPECT_EQ(mx[k], *std::max_element(vals.begin(), vals.end()));
      EXPECT_EQ(mn[k], *std::min_element(vals.begin(), vals.end()));
      ++k;
    }
  }
}

TEST(Reductions, MaxAndMinOfLongRunsFindTheExtremeAndEveryNaN) {
  // The full max/min run through vector lanes, two batches a step, then a scalar tail: the
  // extreme must be found in any lane and the tail, and one NaN anywhere must give NaN.
  for (const auto dtype : {xg::kFloat32, xg::kFloat64})
    for (const std::int64_t n : {1, 7, 31, 64, 1000, 4099}) {
      SCOPED_TRACE(testing::Message() << xg::dtype_name(dtype) << " n=" << n);
      std::vector<double> v(static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = std::sin(static_cast<double>(i) * 0.7) * 10;
      for (const std::int64_t at : {std::int64_t{0}, n / 3, n - 1}) {
        auto w = v;
        w[static_cast<std::size_t>(at)] = 100.0;  // the largest, in a lane, the middle or the tail
        EXPECT_EQ(xg::tensor(w, {n}, dtype).max().item(), 100.0) << at;
        w[static_cast<std::size_t>(at)] = -100.0;
        EXPECT_EQ(xg::tensor(w, {n}, dtype).min().item(), -100.0) << at;
        w[static_cast<std::size_t>(at)] = std::numeric_limits<double>::quiet_NaN();
        EXPECT_TRUE(std::isnan(xg::tensor(w, {n}, dtype).max().item())) << at;
        EXPECT_TRUE(std::isnan(xg::tensor(w, {n}, dtype).min().item())) << at;
      }
    }
}

TEST(ResampleTaps, TheOutputsReadingEachInputAreTheTablesOwn) {
  // The GPU's adjoint gathers, for input i, the outputs [lo, hi] found by binary search; they
  // must be exactly the outputs with a tap on i, tap by tap, as the CPU's table holds them.
  namespace taps = xg::detail::taps;
  int rules = 0;
  for (int mode : {taps::kNearest, taps::kBilinear, taps::kBicubic})
    for (bool align : {false, true}) {
      if (mode == taps::kNearest && align) continue;
      for (std::int64_t in : {1, 2, 3, 5, 8, 13})
        for (std::int64_t out : {1, 2, 3, 4, 7, 16, 27}) {
          const taps::Rule rule{in, out, mode, align};
          ++rules;
          for (std::int64_t i = 0; i < in; ++i) {
            std::int64_t lo, hi;
            taps::outputs_reading(rule, i, lo, hi);
            for (std::int64_t o = 0; o < out; ++o) {
              bool reads = false;
              for (int k = 0; k < taps::count(rule); ++k) reads |= taps::tap_index(rule, o, k) == i;
              EXPECT_EQ(reads, lo <= o && o <= hi) << "mode " << mode << " align " << align << " in " << in << " out "
                                                   << out << " input " << i << " output " << o;
            }
          }
        }
    }
  EXPECT_EQ(rules, 5 * 6 * 7);
}

// copy_range: DDP's gather of gradients into a bucket and back, on either device.
TEST(Kernels, CopyRangeCopiesAFlatStretchAndRefusesOneOutside) {
  auto dst = xg::zeros({2, 4}, xg::kFloat64);
  const auto src = xg::arange(1.0, 7.0, 1.0, xg::kFloat64).reshape({3, 2});
  xg::kernel::copy_range(dst, 3, src, 1, 4, "test");
  EXPECT_EQ(dst.to_vector<double>(), (std::vector<double>{0, 0, 0, 2, 3, 4, 5, 0}));
  xg::kernel::copy_range(dst, 8, src, 6, 0, "test");  // empty, at the ends: fine
  EXPECT_XG_ERROR(xg::kernel::copy_range(dst, 5, src, 0, 4, "test"), "test: elements [0, 4) of 6 into [5, 9) of 8 fall outside");
  EXPECT_XG_ERROR(xg::kernel::copy_range(dst, 0, src, 3, 4, "test"), "test: elements [3, 7) of 6");
  EXPECT_XG_ERROR(xg::kernel::copy_range(dst, -1, src, 0, 1, "test"), "fall outside");
  EXPECT_XG_ERROR(xg::kernel::copy_range(dst, 0, src, 0, -1, "test"), "fall outside");
  auto f = xg::zeros({4});
  EXPECT_XG_ERROR(xg::kernel::copy_range(f, 0, src, 0, 1, "test"), "test: copying float64 elements into a float32 tensor");
}

TEST(Dtypes, FloatToInt64SaturatesAndTakesNaNToZero) {
  // C++ leaves these undefined (the ops fuzzer's UBSan found `.to(kInt64)` of 1.6e19); xgrad
  // saturates and takes NaN to 0 on both devices, as Rust's `as` and the GPU's conversion.
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::int64_t> want{0, INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN, 2, -2, INT64_MIN};
  const std::vector<double> from{nan, inf, -inf, 1.6e19, -1e19, 2.7, -2.7, -9223372036854775808.0};
  EXPECT_EQ(xg::tensor(from, {8}, xg::kFloat64).to(xg::kInt64).to_vector<std::int64_t>(), want);
  EXPECT_EQ(xg::tensor(from, {8}, xg::kFloat32).to(xg::kInt64).to_vector<std::int64_t>(), want);
  EXPECT_EQ(xg::tensor({9.2233715e18f}).to(xg::kInt64).item<std::int64_t>(), 9223371487098961920LL);  // in range: exact
}
