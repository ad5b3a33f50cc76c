// bincount, histc, unique and unique_consecutive against PyTorch 1.13
// (tests/fixtures/torch_scan.npz, scripts/make_scan_fixtures.py), NaN and empty inputs by
// hand, the same answers on 1 and 2 threads, and errors.
#include <algorithm>
#include <cmath>
#include <limits>

#include "test_util.h"

using namespace xg;
using xg::test::max_abs_diff;

namespace {
Tensor fixture(const std::string& key) { return xg::test::fixture("torch_scan.npz", key); }

::testing::AssertionResult same(const Tensor& got, const Tensor& want) {
  if (got.shape() != want.shape()) return ::testing::AssertionFailure() << "shape";
  if (got.dtype() != want.dtype()) return ::testing::AssertionFailure() << "dtype " << dtype_name(got.dtype());
  if (max_abs_diff(got.to(kFloat64), want.to(kFloat64)) != 0) return ::testing::AssertionFailure() << got << " vs " << want;
  return ::testing::AssertionSuccess();
}
}  // namespace

TEST(Count, HistcMatchesPyTorch) {
  const Tensor h = fixture("histc.x");
  EXPECT_TRUE(same(histc(h, 12, -3, 3), fixture("histc_given.y")));  // -3 and 3 in, -3.5 and 3.5 out
  EXPECT_TRUE(same(histc(h, 17), fixture("histc_data.y")));          // the data's range
  EXPECT_TRUE(same(histc(h.to(kFloat32), 7, -2, 2.5).to(kFloat64), fixture("histc_f32.y")));
  EXPECT_EQ(histc(h.to(kFloat32), 7, -2, 2.5).dtype(), kFloat32);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Outside values count nothing, as PyTorch's; NaN counts nothing too (PyTorch 1.13 puts it
  // in the first bin: [1, 2, 1, 1] here; numpy ignores it).
  EXPECT_EQ(histc(xg::tensor({1.0, 2, 1, 4, nan, 5, -1}, kFloat64), 4, 0, 4).to_vector<double>(),
            (std::vector<double>{0, 2, 1, 1}));
  EXPECT_EQ(histc(xg::tensor({2.0, 2.0}), 4).to_vector<float>(), (std::vector<float>{0, 0, 2, 0}));  // [1, 3]
  EXPECT_EQ(histc(xg::zeros({0}), 3).to_vector<float>(), (std::vector<float>{0, 0, 0}));
}

TEST(Count, HistcCountsExactlyOnAnyThreadCount) {
  // Big enough to be split over threads; the counts are summed as integers per bin.
  const Tensor v = randn({1 << 21}, kFloat64);
  const auto values = v.to_vector<double>();
  std::vector<double> expected(50, 0.0);
  for (const double x : values)
    if (x >= -2.0 && x <= 2.0) expected[static_cast<std::size_t>(std::min((x + 2.0) / 4.0 * 50.0, 49.0))] += 1;
  const int before = xg::get_num_threads();
  for (const int threads : {1, 2, 4}) {
    xg::set_num_threads(threads);
    EXPECT_EQ(histc(v, 50, -2, 2).to_vector<double>(), expected) << threads << " threads";
  }
  xg::set_num_threads(before);
}

TEST(Count, BincountMatchesPyTorch) {
  const Tensor b = fixture("bincount.x"), w = fixture("bincount.w");
  EXPECT_TRUE(same(bincount(b), fixture("bincount.y")));
  const Tensor weighted = bincount(b, w, 12);
  EXPECT_EQ(weighted.dtype(), kFloat64);
  EXPECT_LT(max_abs_diff(weighted, fixture("bincount_w.y")), 1e-12);
  EXPECT_EQ(bincount(xg::tensor({1, 3, 3}, kInt64), Tensor(), 6).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{0, 1, 0, 2, 0, 0}));
  EXPECT_EQ(bincount(xg::zeros({0}, kInt64)).numel(), 0);
  EXPECT_EQ(bincount(xg::zeros({0}, kInt64), Tensor(), 3).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 0, 0}));
}

TEST(Count, UniqueAndConsecutiveMatchPyTorch) {
  const Tensor u = fixture("unique.x");
  const auto [values, inverse, counts] = unique(u, true, true, true);
  EXPECT_TRUE(same(values, fixture("unique.values")));
  EXPECT_TRUE(same(inverse, fixture("unique.inverse")));
  EXPECT_TRUE(same(counts, fixture("unique.counts")));
  const auto [cv, ci, cc] = unique_consecutive(u, true, true);
  EXPECT_TRUE(same(cv, fixture("consecutive.values")));
  EXPECT_TRUE(same(ci, fixture("consecutive.inverse")));
  EXPECT_TRUE(same(cc, fixture("consecutive.counts")));
  // Not asked: empty, as torch::_unique2's.
  const auto [only, no_inverse, no_counts] = unique(xg::tensor({{2, 1}, {1, 5}}, kInt64));
  EXPECT_EQ(only.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 2, 5}));
  EXPECT_EQ(no_inverse.numel(), 0);
  EXPECT_EQ(no_counts.numel(), 0);
  // Each NaN is a value of its own, sorted last (PyTorch 1.13 gives wrong inverses here).
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x = xg::tensor({3.0, 1, nan, 3, nan, 2}, kFloat64);
  const auto [nv, ni, nc] = unique(x, true, true, true);
  const auto v = nv.to_vector<double>();
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(std::vector<double>(v.begin(), v.begin() + 3), (std::vector<double>{1, 2, 3}));
  EXPECT_TRUE(std::isnan(v[3]) && std::isnan(v[4]));
  EXPECT_EQ(ni.to_vector<std::int64_t>(), (std::vector<std::int64_t>{2, 0, 3, 2, 4, 1}));
  EXPECT_EQ(nc.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 1, 2, 1, 1}));
  // 0.0 and -0.0 are one value, with the first one's bits (as the GPU's stable sort keeps).
  const auto [zv, zi, zc] = unique(xg::tensor({-0.0, 1.0, 0.0}, kFloat64), true, true, true);
  EXPECT_EQ(zv.numel(), 2);
  EXPECT_TRUE(std::signbit(zv.to_vector<double>()[0]));
  EXPECT_EQ(zc.to_vector<std::int64_t>(), (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(zi.to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 0}));
  const auto [ev, ei, ec] = unique(xg::zeros({0, 3}), true, true, true);
  EXPECT_EQ(ev.numel(), 0);
  EXPECT_EQ(ei.shape(), (Shape{0, 3}));
}

TEST(Count, UniqueOfInt64GivesTheSameAnswerThroughTheTableAndTheHash) {
  // A narrow range goes through a table over it, a wide one through the hash: shifting the
  // values (which keeps the answer's inverse and counts) moves the same data between them.
  xg::manual_seed(5);
  const Tensor small = xg::randint(-40, 60, {7, 300});  // width 99 < 4n: the table
  const std::int64_t extremes[] = {0, std::int64_t{1} << 40, std::numeric_limits<std::int64_t>::min()};
  for (const std::int64_t far : extremes) {
    SCOPED_TRACE(far);
    // One far value joins the data: the range becomes wide (the hash) unless far is 0.
    // (INT64_MIN, exact as a double, with the maximum 59: a width past int64's range.)
    const Tensor y = xg::cat({small.reshape({-1}), xg::tensor({static_cast<double>(far)}, kInt64)}, 0);
    ASSERT_EQ(y.to_vector<std::int64_t>().back(), far);
    const auto [values, inverse, counts] = unique(y, true, true, true);
    // The reference: sort, then runs.
    auto v = y.to_vector<std::int64_t>();
    std::vector<std::int64_t> sorted_v = v;
    std::sort(sorted_v.begin(), sorted_v.end());
    sorted_v.erase(std::unique(sorted_v.begin(), sorted_v.end()), sorted_v.end());
    EXPECT_EQ(values.to_vector<std::int64_t>(), sorted_v);
    const auto inv = inverse.to_vector<std::int64_t>();
    const auto cnt = counts.to_vector<std::int64_t>();
    std::vector<std::int64_t> want_counts(sorted_v.size(), 0);
    for (std::size_t i = 0; i < v.size(); ++i) {
      const auto g = std::lower_bound(sorted_v.begin(), sorted_v.end(), v[i]) - sorted_v.begin();
      ASSERT_EQ(inv[i], g) << i;
      ++want_counts[static_cast<std::size_t>(g)];
    }
    EXPECT_EQ(cnt, want_counts);
  }
}

TEST(Count, ErrorsNameTheCall) {
  EXPECT_XG_ERROR(bincount(xg::tensor({1, -1}, kInt64)), "bincount: only supports 1-d non-negative integral inputs");
  EXPECT_XG_ERROR(bincount(xg::tensor({{1}}, kInt64)), "bincount: only supports 1-d non-negative integral inputs, got int64 (1,1)");
  EXPECT_XG_ERROR(bincount(xg::tensor({1.0})), "bincount: only supports 1-d non-negative integral inputs, got float32 (1,)");
  EXPECT_XG_ERROR(bincount(xg::tensor({1}, kInt64), Tensor(), -1), "bincount: minlength should be >= 0, got -1");
  EXPECT_XG_ERROR(bincount(xg::tensor({1, 2}, kInt64), xg::ones({3})),
                  "bincount: weights must be a float tensor of the input's shape (2,), got float32 (3,)");
  EXPECT_XG_ERROR(bincount(xg::tensor({1LL << 50}, kInt64)), "bincount: the largest value 1125899906842624");
  Tensor largest = xg::zeros({1}, kInt64);  // read exactly (through a double it became negative)
  largest.data<std::int64_t>()[0] = std::numeric_limits<std::int64_t>::max();
  EXPECT_XG_ERROR(bincount(largest), "bincount: the largest value 9223372036854775807");
  EXPECT_XG_ERROR(histc(xg::ones({2}), 0), "histc: bins must be > 0, got 0");
  EXPECT_XG_ERROR(histc(xg::ones({2}), 3, 2, 1), "histc: max must be larger than min, got min 2 and max 1");
  EXPECT_XG_ERROR(histc(xg::tensor({1, 2}, kInt64)), "histc: expected a float tensor, got int64");
  EXPECT_XG_ERROR(histc(xg::ones({2}), 3, 0, std::numeric_limits<double>::infinity()), "histc: range of [0, inf] is not finite");
  EXPECT_XG_ERROR(unique(Tensor()), "unique: the input is undefined");
  EXPECT_XG_ERROR(unique_consecutive(Tensor()), "unique_consecutive: the input is undefined");
}
