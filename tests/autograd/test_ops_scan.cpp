// logcumsumexp, cummax, cummin, searchsorted and bucketize against PyTorch 1.13 in float64
// (tests/fixtures/torch_scan.npz from scripts/make_scan_fixtures.py): values, positions and
// gradients along every axis, ties and NaN, a line of very different magnitudes; gradchecks
// and gradgradchecks, int64, the same bits on any thread count, and errors.
#include <cmath>
#include <limits>

#include "test_util.h"

using namespace xg;
using xg::test::max_abs_diff;
using xg::test::randp;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_scan.npz";
Tensor fixture(const std::string& key) { return xg::test::fixture(kFile, key); }

::testing::AssertionResult same_positions(const Tensor& got, const Tensor& want) {
  if (got.dtype() != kInt64) return ::testing::AssertionFailure() << "dtype " << dtype_name(got.dtype());
  if (got.shape() != want.shape() || got.to_vector<std::int64_t>() != want.to_vector<std::int64_t>())
    return ::testing::AssertionFailure() << "got " << got << ", expected " << want;
  return ::testing::AssertionSuccess();
}

// NaN where PyTorch has NaN, the numbers within tol elsewhere.
::testing::AssertionResult near_with_nan(const Tensor& got, const Tensor& want, double tol) {
  if (got.shape() != want.shape()) return ::testing::AssertionFailure() << "shape " << got.sizes().size() << "-d";
  const auto g = got.to(kFloat64).to_vector<double>(), w = want.to_vector<double>();
  for (std::size_t i = 0; i < g.size(); ++i)
    if (std::isnan(g[i]) != std::isnan(w[i]) || (!std::isnan(w[i]) && !(std::fabs(g[i] - w[i]) <= tol) && g[i] != w[i]))
      return ::testing::AssertionFailure() << "element " << i << ": got " << g[i] << ", expected " << w[i];
  return ::testing::AssertionSuccess();
}
}  // namespace

TEST(Scan, LogcumsumexpMatchesPyTorchAlongEveryAxisWithGradients) {
  for (int dim : {0, 1, 2}) {
    const std::string name = "logcumsumexp_d" + std::to_string(dim);
    SCOPED_TRACE(name);
    const auto in = xg::test::fixture_inputs(kFile, name, 1);
    xg::test::expect_fixture_case(kFile, name, logcumsumexp(in[0], dim), in, 1e-12, 1e-12);
  }
  const auto in = xg::test::fixture_inputs(kFile, "logcumsumexp_neg", 1);
  xg::test::expect_fixture_case(kFile, "logcumsumexp_neg", in[0].logcumsumexp(-1), in, 1e-12, 1e-12);
}

TEST(Scan, LogcumsumexpKeepsEveryMagnitudeAndInfinities) {
  // -1000 before 0 stays -1000 (a max-shifted exp would make it -inf); -inf adds nothing; a
  // line that starts with -inf is -inf until a number comes, with PyTorch's NaN gradient there.
  auto x = fixture("logcumsumexp_wide.in0").clone().requires_grad_();
  const Tensor y = logcumsumexp(x, 1);
  EXPECT_TRUE(near_with_nan(y, fixture("logcumsumexp_wide.y"), 1e-12));
  EXPECT_EQ(y.to_vector<double>()[0], -1000.0);
  const Tensor gx = grad({y}, {x}, {fixture("logcumsumexp_wide.gy")})[0];
  EXPECT_TRUE(near_with_nan(gx, fixture("logcumsumexp_wide.g0"), 1e-12));
  // +inf: the gradient before it is finite (an inf tail weighs 0 there), NaN at the inf.
  for (const bool create_graph : {false, true}) {
    auto xi = fixture("logcumsumexp_inf.in0").clone().requires_grad_();
    const Tensor yi = logcumsumexp(xi, 1);
    EXPECT_TRUE(near_with_nan(yi, fixture("logcumsumexp_inf.y"), 1e-12));
    const Tensor gi = grad({yi}, {xi}, {fixture("logcumsumexp_inf.gy")}, true, create_graph)[0];
    EXPECT_TRUE(near_with_nan(gi, fixture("logcumsumexp_inf.g0"), 1e-12)) << create_graph;
  }
  // float32 accumulates in double: the same line in float32 agrees to float32's rounding.
  const Tensor y32 = logcumsumexp(x.detach().to(kFloat32), 1);
  EXPECT_EQ(y32.dtype(), kFloat32);
  EXPECT_TRUE(near_with_nan(y32, fixture("logcumsumexp_wide.y"), 1e-4));
  EXPECT_TRUE(near_with_nan(logcumsumexp(scalar_tensor(2.5, kFloat64), 0), scalar_tensor(2.5, kFloat64), 0));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto with_nan = logcumsumexp(xg::tensor({1.0, nan, 2.0}, kFloat64), 0).to_vector<double>();
  EXPECT_EQ(with_nan[0], 1.0);
  EXPECT_TRUE(std::isnan(with_nan[1]) && std::isnan(with_nan[2]));
}

TEST(Scan, LogcumsumexpGradcheckAndGradgradcheck) {
  xg::manual_seed(7);
  for (int dim : {0, 1}) {
    const auto f = [dim](L in) { return logcumsumexp(in[0], dim); };
    EXPECT_TRUE(gradcheck_ok(f, {randp({4, 5})})) << dim;
    EXPECT_TRUE(gradgradcheck_ok(f, {randp({4, 5})})) << dim;
  }
  // Wide-range lines: the gradient's log-sum-exp from the other end keeps it finite.
  const auto wide = [](L in) { return logcumsumexp(in[0] * 40.0, 1); };
  EXPECT_TRUE(gradcheck_ok(wide, {randp({2, 6})}));
  EXPECT_TRUE(gradgradcheck_ok(wide, {randp({2, 6})}));
}

TEST(Scan, CummaxCumminMatchPyTorchWithTiesAndNaN) {
  for (const char* kind : {"cummax", "cummin", "cummaxn", "cumminn"})
    for (int dim : {0, 1, 2}) {
      const std::string name = std::string(kind) + "_d" + std::to_string(dim);
      SCOPED_TRACE(name);
      auto x = fixture(name + ".in0").clone().requires_grad_();
      const bool is_max = name.rfind("cummax", 0) == 0;
      const auto [values, positions] = is_max ? x.cummax(dim) : cummin(x, dim);
      EXPECT_TRUE(near_with_nan(values, fixture(name + ".y"), 0));
      EXPECT_TRUE(same_positions(positions, fixture(name + ".i")));
      const Tensor gx = grad({values}, {x}, {fixture(name + ".gy")})[0];
      EXPECT_LT(max_abs_diff(gx, fixture(name + ".g0")), 1e-12);
    }
}

TEST(Scan, CummaxCumminGradientsIntAndZeroD) {
  xg::manual_seed(8);
  const auto f = [](L in) { return std::get<0>(cummax(in[0], 1)) * 2.0 + std::get<0>(cummin(in[0], 0)); };
  EXPECT_TRUE(gradcheck_ok(f, {randp({3, 6})}));
  EXPECT_TRUE(gradgradcheck_ok(f, {randp({3, 6})}));
  const auto [v, i] = cummax(xg::tensor({1, 3, 2, 3, 0}, kInt64), 0);
  EXPECT_EQ(v.dtype(), kInt64);
  EXPECT_EQ(v.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 3, 3, 3, 3}));
  EXPECT_EQ(i.to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 1, 3, 3}));  // ties: the later
  const auto [mv, mi] = cummin(xg::tensor({4, 2, 2, 5}, kInt64), -1);
  EXPECT_EQ(mv.to_vector<std::int64_t>(), (std::vector<std::int64_t>{4, 2, 2, 2}));
  EXPECT_EQ(mi.to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 2, 2}));
  const auto [sv, si] = cummax(scalar_tensor(3.0), 0);
  EXPECT_EQ(sv.item(), 3.0);
  EXPECT_EQ(si.dtype(), kInt64);
  EXPECT_EQ(si.dim(), 0);
  EXPECT_EQ(std::get<1>(cummax(zeros({2, 0}), 1)).shape(), (Shape{2, 0}));
}

TEST(Scan, SearchsortedAndBucketizeMatchPyTorch) {
  for (int r : {0, 1}) {
    SCOPED_TRACE(r);
    const std::string one = "ss1_r" + std::to_string(r), two = "ss2_r" + std::to_string(r);
    const Tensor seq = fixture(one + ".seq"), v = fixture(one + ".v");
    EXPECT_TRUE(same_positions(searchsorted(seq, v, false, r == 1), fixture(one + ".i")));
    EXPECT_TRUE(same_positions(searchsorted(seq, v, false, false, r ? "right" : "left"), fixture(one + ".i")));
    EXPECT_TRUE(same_positions(bucketize(v, seq, false, r == 1), fixture("bucket_r" + std::to_string(r) + ".i")));
    EXPECT_TRUE(same_positions(searchsorted(fixture(two + ".seq"), fixture(two + ".v"), false, r == 1),
                               fixture(two + ".i")));
    // float32 operands and int64 values promote; the positions are the same.
    EXPECT_TRUE(same_positions(searchsorted(seq.to(kFloat32), v.to(kFloat32), false, r == 1), fixture(one + ".i")));
  }
  EXPECT_TRUE(same_positions(searchsorted(fixture("sorter.seq"), fixture("sorter.v"), false, false, std::nullopt,
                                          fixture("sorter.sorter")),
                             fixture("sorter.i")));
  const Tensor bounds = xg::tensor({1, 3, 5, 7, 9}, kInt64);
  EXPECT_EQ(bucketize(xg::tensor({{1, 5}, {3, 9}}, kInt64), bounds, false, true).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{1, 3, 2, 5}));
  EXPECT_EQ(searchsorted(bounds, 4.5).item(), 2.0);  // a fraction against int64 bounds is not truncated
  EXPECT_EQ(searchsorted(bounds, 5.0, false, true).dim(), 0);
  EXPECT_EQ(searchsorted(bounds, xg::tensor({2.5, 7.0}, kFloat64)).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(bucketize(6.0, bounds).item(), 3.0);
  EXPECT_EQ(searchsorted(zeros({0}), xg::tensor({1.0, 2.0})).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{0, 0}));
  EXPECT_EQ(searchsorted(bounds, zeros({0, 3}, kInt64)).shape(), (Shape{0, 3}));
}

TEST(Scan, SameBitsOnOneThreadAndTwo) {
  xg::manual_seed(9);
  const auto big = xg::randn({300, 400}, kFloat64);
  const auto sorted = std::get<0>(xg::sort(xg::randn({300, 50})));
  const auto values = xg::randn({300, 40});
  const auto run = [&](int threads) {
    const int before = xg::get_num_threads();
    xg::set_num_threads(threads);
    auto r = tensor_list{logcumsumexp(big, 1), logcumsumexp(big, 0), std::get<1>(cummax(big, 1)).to(kFloat64),
                         std::get<1>(cummin(big, 0)).to(kFloat64), searchsorted(sorted, values).to(kFloat64),
                         big.prod(1)};
    xg::set_num_threads(before);
    return r;
  };
  const auto one = run(1), two = run(2);
  for (std::size_t i = 0; i < one.size(); ++i) EXPECT_EQ(max_abs_diff(one[i], two[i]), 0.0) << i;
}

TEST(Scan, ErrorsNameTheCallAndTheShapes) {
  EXPECT_XG_ERROR(logcumsumexp(xg::tensor({1, 2}, kInt64), 0), "logcumsumexp: expected a float tensor, got int64");
  EXPECT_XG_ERROR(logcumsumexp(zeros({2, 3}), 2), "logcumsumexp", "2");
  EXPECT_XG_ERROR(cummax(zeros({2, 3}), -3), "cummax", "-3");
  EXPECT_XG_ERROR(cummin(Tensor(), 0), "cummin: the input is undefined");
  EXPECT_XG_ERROR(searchsorted(zeros({2, 2}), zeros({3, 1})),
                  "searchsorted: the sorted sequence must be 1-D, or its leading dimensions must be the values' (all "
                  "but the last), got sorted_sequence (2,2) and values (3,1)");
  EXPECT_XG_ERROR(searchsorted(scalar_tensor(1.0), zeros({3})),
                  "searchsorted: the sorted sequence must have at least one dimension, got a 0-d tensor");
  EXPECT_XG_ERROR(searchsorted(zeros({3}), zeros({3}), true), "searchsorted: out_int32", "no int32 dtype");
  EXPECT_XG_ERROR(searchsorted(zeros({3}), zeros({3}), false, true, "left"),
                  "searchsorted: side and right can't be set to opposites");
  EXPECT_XG_ERROR(searchsorted(zeros({3}), zeros({3}), false, false, "middle"),
                  "searchsorted: side must be \"left\" or \"right\", got \"middle\"");
  EXPECT_XG_ERROR(searchsorted(zeros({3}), zeros({3}), false, false, std::nullopt, zeros({3})),
                  "searchsorted: sorter must be int64 of the sorted sequence's shape (3,), got float32 (3,)");
  EXPECT_XG_ERROR(searchsorted(zeros({3}), zeros({3}), false, false, std::nullopt, xg::tensor({0, 5, 1}, kInt64)),
                  "searchsorted", "5");
  EXPECT_XG_ERROR(searchsorted(zeros({2, 3}), 1.0), "searchsorted: a single value needs a 1-D sorted sequence, got (2,3)");
  EXPECT_XG_ERROR(bucketize(zeros({3}), zeros({2, 2})), "bucketize: boundaries must be 1-D, got (2,2)");
  EXPECT_XG_ERROR(bucketize(zeros({3}), zeros({2}), true), "bucketize: out_int32");
}
