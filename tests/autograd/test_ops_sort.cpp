// cumsum, sort, argsort and topk: values against loops and std::stable_sort, every axis,
// ties, NaN and int64, gradients (gradcheck, gradgradcheck), the same bits on any thread
// count, and errors.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "test_util.h"

using xg::test::max_abs_diff;
using xg::test::randp;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

TEST(Cumsum, RunningSumsAlongEveryAxisWithGradients) {
  const auto x = xg::arange(0, 24, 1, xg::kFloat64).reshape({2, 3, 4});
  const auto v = x.to_vector<double>();
  for (std::int64_t axis = -3; axis < 3; ++axis) {
    SCOPED_TRACE(axis);
    const auto y = x.cumsum(axis).to_vector<double>();
    const std::int64_t a = axis < 0 ? axis + 3 : axis;
    const std::int64_t stride = a == 0 ? 12 : (a == 1 ? 4 : 1), n = x.shape()[a];
    for (std::size_t e = 0; e < v.size(); ++e) {  // a loop over the line up to e
      const std::int64_t pos = (static_cast<std::int64_t>(e) / stride) % n;
      double sum = 0;
      for (std::int64_t k = 0; k <= pos; ++k) sum += v[e - static_cast<std::size_t>((pos - k) * stride)];
      EXPECT_EQ(y[e], sum) << e;
    }
  }
  // int64 stays int64 and wraps as PyTorch's does.
  const double two62 = 4611686018427387904.0;  // 2^62, exact in a double
  const auto big = xg::tensor({two62, two62}, xg::kInt64);
  EXPECT_EQ(xg::cumsum(big, 0).dtype(), xg::kInt64);
  const auto wrapped = xg::cumsum(big, 0).to_vector<std::int64_t>();
  EXPECT_EQ(wrapped[1], std::numeric_limits<std::int64_t>::min());
  xg::manual_seed(31);
  const auto f = [](L in) { return xg::cumsum(in[0], 1) * xg::cumsum(in[0], 0); };
  EXPECT_TRUE(gradcheck_ok(f, {randp({3, 4})}));
  EXPECT_TRUE(gradgradcheck_ok(f, {randp({3, 4})}));
  // The gradient of sum(cumsum(x) * g) is g summed from the end.
  auto xs = xg::randn({5}, xg::kFloat64).requires_grad_();
  const auto g = xg::tensor({1.0, 2.0, 3.0, 4.0, 5.0}, xg::kFloat64);
  (xs.cumsum(0) * g).sum().backward();
  EXPECT_TRUE(xg::test::values_near(xs.grad(), {15, 14, 12, 9, 5}, 0));
  EXPECT_XG_ERROR(xg::cumsum(x, 3), "cumsum");
  EXPECT_EQ(xg::cumsum(xg::zeros({0, 3}), 0).shape(), (xg::Shape{0, 3}));
}

TEST(Cumsum, RowsStepTogetherWithEachRowsOwnBits) {
  // Along the last axis the kernel steps four rows at once: every row must still be summed
  // (and multiplied) left to right, forwards and, for the gradient, from the end.
  xg::manual_seed(33);
  const auto x = xg::randn({7, 33}, xg::kFloat64);
  const auto v = x.to_vector<double>();
  const auto sums = x.cumsum(1).to_vector<double>(), products = xg::cumprod(x, 1).to_vector<double>();
  auto xr = x.detach().requires_grad_();
  const auto g = xg::randn({7, 33}, xg::kFloat64);
  (xr.cumsum(1) * g).sum().backward();
  const auto gv = g.to_vector<double>(), back = xr.grad().to_vector<double>();
  for (std::size_t r = 0; r < 7; ++r) {
    double sum = 0, product = 1, from_end = 0;
    for (std::size_t k = 0; k < 33; ++k) {
      sum += v[r * 33 + k];
      product *= v[r * 33 + k];
      EXPECT_EQ(sums[r * 33 + k], sum) << r << "," << k;
      EXPECT_EQ(products[r * 33 + k], product) << r << "," << k;
    }
    for (std::size_t k = 33; k-- > 0;) {
      from_end += gv[r * 33 + k];
      EXPECT_EQ(back[r * 33 + k], from_end) << r << "," << k;
    }
  }
}

TEST(Sort, StableAscendingAndDescendingWithNaNOnTopAsPyTorch) {
  xg::manual_seed(32);
  // Many ties (values in 0..4) on every axis: positions against std::stable_sort per line.
  const auto x = xg::randint(0, 5, {4, 7, 6}).to(xg::kFloat64);
  const auto v = x.to_vector<double>();
  for (const bool descending : {false, true})
    for (std::int64_t axis = 0; axis < 3; ++axis) {
      SCOPED_TRACE(testing::Message() << "axis " << axis << (descending ? " descending" : ""));
      const auto [values, idx] = xg::sort(x, axis, descending);
      const auto pi = idx.to_vector<std::int64_t>();
      const auto pv = values.to_vector<double>();
      const std::int64_t stride = axis == 0 ? 42 : (axis == 1 ? 6 : 1), n = x.shape()[axis];
      for (std::size_t e = 0; e < v.size(); ++e) {
        if ((static_cast<std::int64_t>(e) / stride) % n != 0) continue;  // each line from its first element
        std::vector<std::int64_t> order(static_cast<std::size_t>(n));
        std::iota(order.begin(), order.end(), 0);
        const auto at = [&](std::int64_t k) { return v[e + static_cast<std::size_t>(k * stride)]; };
        std::stable_sort(order.begin(), order.end(),
                         [&](std::int64_t a, std::int64_t b) { return descending ? at(a) > at(b) : at(a) < at(b); });
        for (std::int64_t k = 0; k < n; ++k) {
          const std::size_t o = e + static_cast<std::size_t>(k * stride);
          EXPECT_EQ(pi[o], order[static_cast<std::size_t>(k)]);
          EXPECT_EQ(pv[o], at(order[static_cast<std::size_t>(k)]));
        }
      }
      EXPECT_EQ(max_abs_diff(idx.to(xg::kFloat64), xg::argsort(x, axis, descending).to(xg::kFloat64)), 0.0);
    }
  // Long lines of three values (std::sort's insertion sort is stable up to 16 elements: only
  // longer lines tell a stable sort from an unstable one).
  const auto ties = xg::randint(0, 3, {3, 300}).to(xg::kFloat64);
  const auto tv = ties.to_vector<double>();
  const auto ti = xg::argsort(ties, 1, true).to_vector<std::int64_t>();
  for (std::size_t r = 0; r < 3; ++r) {
    std::vector<std::int64_t> order(300);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
      return tv[r * 300 + static_cast<std::size_t>(a)] > tv[r * 300 + static_cast<std::size_t>(b)];
    });
    EXPECT_TRUE(std::equal(order.begin(), order.end(), ti.begin() + static_cast<std::ptrdiff_t>(r * 300))) << r;
  }
  // NaN above every number: last ascending, first descending (PyTorch's order); -inf first.
  const auto nan = xg::tensor({2.0f, NAN, -INFINITY, 1.0f});
  EXPECT_EQ(std::get<1>(nan.sort()).to_vector<std::int64_t>(), (std::vector<std::int64_t>{2, 3, 0, 1}));
  EXPECT_EQ(std::get<1>(nan.sort(0, true)).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 3, 2}));
  // int64 values sort as int64.
  const auto ints = xg::tensor({3.0, -7.0, 3.0, 0.0}, xg::kInt64);
  EXPECT_EQ(std::get<0>(ints.sort()).to_vector<std::int64_t>(), (std::vector<std::int64_t>{-7, 0, 3, 3}));
  EXPECT_EQ(std::get<0>(ints.sort()).dtype(), xg::kInt64);
}

TEST(Sort, GradientsFlowToThePositionsTheValuesCameFrom) {
  xg::manual_seed(33);
  const auto f = [](L in) { return std::get<0>(xg::sort(in[0], 1, true)) * xg::arange(0, 5, 1, xg::kFloat64); };
  EXPECT_TRUE(gradcheck_ok(f, {randp({3, 5})}));
  EXPECT_TRUE(gradgradcheck_ok(f, {randp({3, 5})}));
  const auto top = [](L in) { return std::get<0>(xg::topk(in[0], 2, 0)) * 3.0; };
  EXPECT_TRUE(gradcheck_ok(top, {randp({4, 3})}));
  EXPECT_TRUE(gradgradcheck_ok(top, {randp({4, 3})}));
  auto x = xg::tensor({0.5, 3.0, -1.0, 2.0}, xg::kFloat64).requires_grad_();
  const auto [values, idx] = x.topk(2);
  EXPECT_TRUE(xg::test::values_near(values, {3.0, 2.0}, 0));
  EXPECT_EQ(idx.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 3}));
  values.sum().backward();
  EXPECT_TRUE(xg::test::values_near(x.grad(), {0, 1, 0, 1}, 0));
  EXPECT_TRUE(xg::test::values_near(std::get<0>(x.detach().topk(3, 0, false)), {-1.0, 0.5, 2.0}, 0));
}

TEST(Sort, SameBitsOnOneThreadAndTwoAndErrors) {
  const auto big = xg::randn({300, 400});
  const auto run = [&](int threads) {
    const int before = xg::get_num_threads();
    xg::set_num_threads(threads);
    auto r = xg::tensor_list{xg::argsort(big, 1).to(xg::kFloat32), xg::argsort(big, 0).to(xg::kFloat32), big.cumsum(0),
                             big.cumsum(1)};
    xg::set_num_threads(before);
    return r;
  };
  const auto one = run(1), two = run(2);
  for (std::size_t i = 0; i < one.size(); ++i) EXPECT_EQ(max_abs_diff(one[i], two[i]), 0.0) << i;
  EXPECT_XG_ERROR(xg::topk(big, 401, 1), "topk: k = 401 must be between 0 and the 400 elements of axis 1 of input (300,400)");
  EXPECT_XG_ERROR(xg::sort(big, 2), "sort");
  EXPECT_XG_ERROR(xg::topk(xg::scalar_tensor(1.0), 2), "topk: k = 2 for a 0-d input");
  EXPECT_EQ(std::get<0>(xg::topk(big, 0, 1)).shape(), (xg::Shape{300, 0}));
  EXPECT_EQ(std::get<0>(xg::sort(xg::zeros({0, 4}), 1)).shape(), (xg::Shape{0, 4}));
}

TEST(Sort, LongLinesRadixSortAsTheStableComparisonSortThroughEverySpecialValue) {
  // Lines of 128 elements and more are radix sorted on order-preserving keys
  // (tensor/radix_sort.h): the permutation must be the stable comparison sort's, with NaN
  // (of either sign) above +inf, -0 tied with +0, the extremes of int64, along every axis,
  // ascending and descending.
  xg::manual_seed(34);
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  std::vector<double> v = (xg::floor(xg::randn({2, 300, 3}, xg::kFloat64) * 4.0) / 4.0).to_vector<double>();
  const std::vector<double> specials = {nan, -nan, inf, -inf, 0.0, -0.0, 1e-310, -1e-310, 3e38, -3e38, 1e300, 0.0, -0.0, nan};
  for (std::size_t k = 0; k < specials.size(); ++k) v[k * 37 % v.size()] = specials[k], v[(k * 53 + 11) % v.size()] = specials[k];
  const auto x64 = xg::tensor(v, {2, 300, 3}, xg::kFloat64);
  std::vector<double> ints(v.size());
  for (std::size_t k = 0; k < v.size(); ++k) ints[k] = std::fabs(v[k]) < 1e15 ? std::round(v[k] * 1e3) : 0.0;  // NaN too
  auto i64 = xg::tensor(ints, {2, 300, 3}, xg::kInt64);
  i64.data_ptr<std::int64_t>()[5 * 3] = std::numeric_limits<std::int64_t>::min();
  i64.data_ptr<std::int64_t>()[900 + 6 * 3 + 1] = std::numeric_limits<std::int64_t>::max();
  i64.data_ptr<std::int64_t>()[900 + 7 * 3 + 1] = std::numeric_limits<std::int64_t>::max() - 1;
  for (const auto& x : {x64, x64.to(xg::kFloat32), i64}) {
    SCOPED_TRACE(xg::dtype_name(x.dtype()));
    const auto xv = x.to(xg::kFloat64).to_vector<double>();
    const auto iv = x.dtype() == xg::kInt64 ? x.to_vector<std::int64_t>() : std::vector<std::int64_t>();
    for (std::int64_t axis : {1})  // 300 long, read with stride 3 (the others keep the comparison sort)
      for (bool descending : {false, true}) {
        const auto idx = xg::argsort(x, axis, descending).to_vector<std::int64_t>();
        const std::int64_t n = x.size(axis), stride = axis == 0 ? 900 : axis == 1 ? 3 : 1;
        for (std::size_t e = 0; e < xv.size(); ++e) {
          if ((static_cast<std::int64_t>(e) / stride) % n != 0) continue;  // each line once, from its start
          // NaN above everything, NaNs tied, -0 tied with +0: the stable sort's reference.
          const auto less = [&](std::int64_t a, std::int64_t b) {
            const std::size_t pa = e + static_cast<std::size_t>(a * stride), pb = e + static_cast<std::size_t>(b * stride);
            if (!iv.empty()) return iv[pa] < iv[pb];
            if (std::isnan(xv[pa])) return false;
            return std::isnan(xv[pb]) || xv[pa] < xv[pb];
          };
          std::vector<std::int64_t> order(static_cast<std::size_t>(n));
          std::iota(order.begin(), order.end(), 0);
          std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return descending ? less(b, a) : less(a, b); });
          for (std::int64_t k = 0; k < n; ++k)
            ASSERT_EQ(idx[e + static_cast<std::size_t>(k * stride)], order[static_cast<std::size_t>(k)])
                << "axis " << axis << (descending ? " descending" : " ascending") << ", line at " << e << ", rank " << k;
        }
      }
  }
  // One key apart in a digit the others share: that digit's pass must still run.
  auto odd_one = xg::ones({300});
  odd_one.index_put_({200}, 0.75);
  EXPECT_EQ(xg::argsort(odd_one).to_vector<std::int64_t>()[0], 200);
  EXPECT_EQ(xg::argsort(odd_one, 0, true).to_vector<std::int64_t>()[299], 200);
}
