// Rows of docs/libtorch.md (Tensors: the elementwise math, products, draws, ranges and
// indexing rows), compiled and run as test_rows_tensors.cpp's: each block, marked `// row:`
// with the row's libtorch cell, writes the row's xgrad spelling and checks its meaning.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include <xgrad/xgrad.h>

TEST(LibtorchRows, TensorMath) {
  {
    // row: `x.floor()`, `x.ceil()`, `x.round()`, `x.round(/*decimals=*/2)`, `x.trunc()`, `x.frac()`, `x.sign()`
    const auto r = xg::tensor({-1.5f, 0.5f, 2.346f});
    EXPECT_EQ(r.floor().to_vector<float>(), (std::vector<float>{-2, 0, 2}));
    EXPECT_EQ(r.ceil().to_vector<float>(), (std::vector<float>{-1, 1, 3}));
    EXPECT_EQ(r.round().to_vector<float>(), (std::vector<float>{-2, 0, 2}));
    EXPECT_NEAR(r.round(/*decimals=*/2).to_vector<float>()[2], 2.35f, 1e-6);
    EXPECT_EQ(r.trunc().to_vector<float>(), (std::vector<float>{-1, 0, 2}));
    EXPECT_EQ(r.frac().to_vector<float>()[0], -0.5f);
    EXPECT_EQ(r.sign().to_vector<float>(), (std::vector<float>{-1, 1, 1}));
  }
  {
    // row: `x.tan()`, `x.asin()`, `x.acos()`, `x.atan()`, `x.sinh()`, `x.cosh()`, `x.asinh()`, `x.acosh()`, `x.atanh()`, `x.log2()`, `x.log10()`, `x.exp2()`, `torch::atan2(y, x)`
    const auto h = xg::tensor({0.5, 0.25}, xg::kFloat64);
    EXPECT_NEAR(h.tan().to_vector<double>()[0], std::tan(0.5), 1e-15);
    EXPECT_NEAR(h.asin().sin().to_vector<double>()[0], 0.5, 1e-15);
    EXPECT_NEAR(h.acos().cos().to_vector<double>()[1], 0.25, 1e-15);
    EXPECT_NEAR(h.atan().tan().to_vector<double>()[0], 0.5, 1e-15);
    EXPECT_NEAR((h.cosh() * h.cosh() - h.sinh() * h.sinh()).to_vector<double>()[0], 1.0, 1e-15);
    EXPECT_NEAR(h.asinh().sinh().to_vector<double>()[0], 0.5, 1e-15);
    EXPECT_NEAR((h + 1.0).acosh().cosh().to_vector<double>()[0], 1.5, 1e-15);
    EXPECT_NEAR(h.atanh().tanh().to_vector<double>()[0], 0.5, 1e-15);
    EXPECT_EQ(h.log2().to_vector<double>()[1], -2.0);
    EXPECT_EQ((h * 400.0).log10().to_vector<double>()[1], 2.0);
    EXPECT_EQ(h.exp2().to_vector<double>()[0], std::sqrt(2.0));
    EXPECT_NEAR(xg::atan2(xg::tensor({1.0}), xg::tensor({1.0})).item(), M_PI / 4, 1e-7);
  }
  {
    // row: `torch::logaddexp(a, b)`, `torch::logaddexp2(a, b)`, `torch::hypot(a, b)`, `torch::xlogy(x, y)`, `x.xlogy(2.0)`
    const auto a = xg::tensor({-1000.0, 1.0}, xg::kFloat64), b = xg::tensor({0.0, 1.0}, xg::kFloat64);
    EXPECT_EQ(xg::logaddexp(a, b).to_vector<double>(), (std::vector<double>{0.0, 1.0 + std::log(2.0)}));
    EXPECT_EQ(a.logaddexp2(b).to_vector<double>()[1], 2.0);
    EXPECT_DOUBLE_EQ(xg::hypot(xg::tensor({3e200}, xg::kFloat64), xg::tensor({4e200}, xg::kFloat64)).item(), 5e200);
    EXPECT_EQ(xg::xlogy(xg::tensor({0.0, 2.0}, xg::kFloat64), xg::tensor({0.0, 1.0}, xg::kFloat64)).to_vector<double>(),
              (std::vector<double>{0.0, 0.0}));
    EXPECT_DOUBLE_EQ(xg::tensor({3.0}, xg::kFloat64).xlogy(2.0).item(), 3 * std::log(2.0));
  }
  {
    // row: `torch::fmod(a, b)`, `torch::remainder(a, 1.5)`, `idx % 10`, `torch::lerp(a, b, 0.3)`, `x.nan_to_num()`
    const auto a = xg::tensor({-5.0f, 5.0f}), b = xg::tensor({3.0f, -3.0f});
    EXPECT_EQ(xg::fmod(a, b).to_vector<float>(), (std::vector<float>{-2, 2}));
    EXPECT_EQ(xg::remainder(a, 1.5).to_vector<float>(), (std::vector<float>{1, 0.5}));
    const auto idx = xg::tensor({-3, 17, 40}, xg::kInt64);
    EXPECT_EQ((idx % 10).dtype(), xg::kInt64);
    EXPECT_EQ((idx % 10).to_vector<std::int64_t>(), (std::vector<std::int64_t>{7, 7, 0}));
    EXPECT_THROW(idx % 0, xg::Error);  // integer division by zero, named
    EXPECT_EQ(xg::lerp(a, b, 0.5).to_vector<float>(), (std::vector<float>{-1, 1}));
    EXPECT_EQ(xg::tensor({NAN, 1.0f}).nan_to_num().to_vector<float>(), (std::vector<float>{0, 1}));
  }
  {
    // row: `using namespace torch::indexing; x.index({Slice(1, None), "...", 0})`, `x.index({None, idx})`, `x.index_put_({Slice(), 0}, v)`
    using namespace xg::indexing;  // NOLINT: as libtorch code writes it
    auto t = xg::arange(24.0).reshape({2, 3, 4});
    EXPECT_EQ(t.index({Slice(1, None), "...", 0}).to_vector<float>(), (std::vector<float>{12, 16, 20}));
    EXPECT_EQ(t.index({None, xg::tensor({1}, xg::kInt64)}).shape(), (xg::Shape{1, 1, 3, 4}));
    t.index_put_({Slice(), 0}, xg::zeros({4}));
    EXPECT_EQ(t.index({1, 0}).sum().item(), 0.0);
  }
  {
    // row: `torch::cdist(a, b)`, `torch::cdist(a, b, /*p=*/1)`
    const auto a = xg::zeros({2, 3}), b = xg::ones({4, 3});
    EXPECT_EQ(xg::cdist(a, b).shape(), (xg::Shape{2, 4}));
    EXPECT_NEAR(xg::cdist(a, b).max().item(), std::sqrt(3.0), 1e-6);
    EXPECT_NEAR(xg::cdist(a, b, /*p=*/1).max().item(), 3.0, 1e-6);
  }
  {
    // row: `x.index_add(1, idx, src)`, `x.scatter_add(0, idx, src)`, `x.masked_select(mask)`, `x.nonzero()`, `torch::argwhere(x)`
    const auto z = xg::zeros({2, 3});
    EXPECT_EQ(z.index_add(1, xg::tensor({2, 2}, xg::kInt64), xg::ones({2, 2})).to_vector<float>(),
              (std::vector<float>{0, 0, 2, 0, 0, 2}));
    EXPECT_EQ(z.scatter_add(0, xg::tensor({{1, 0, 1}}, xg::kInt64), xg::ones({1, 3})).to_vector<float>(),
              (std::vector<float>{0, 1, 0, 1, 0, 1}));
    const auto v = xg::tensor({{1.0f, -2.0f}, {3.0f, -4.0f}});
    EXPECT_EQ(v.masked_select((v > 0.0).to(xg::kInt64)).to_vector<float>(), (std::vector<float>{1, 3}));
    EXPECT_EQ(v.nonzero().shape(), (xg::Shape{4, 2}));
    EXPECT_EQ(xg::argwhere(v > 0.0).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 0, 1, 0}));
  }
  {
    // row: `x.scatter_reduce(0, idx, src, "amax", /*include_self=*/false)`, `torch::scatter_reduce(x, 1, idx, src, "mean")`, `x.index_reduce(0, idx, src, "prod")`
    const auto x = xg::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}});
    const auto idx = xg::tensor({{0, 0}, {0, 1}}, xg::kInt64), src = xg::tensor({{5.0f, -1.0f}, {7.0f, 2.0f}});
    EXPECT_EQ(x.scatter_reduce(0, idx, src, "amax", /*include_self=*/false).to_vector<float>(),
              (std::vector<float>{7, -1, 3, 2}));
    EXPECT_EQ(xg::scatter_reduce(x, 1, idx, src, "mean").to_vector<float>(), (std::vector<float>{5.0f / 3, 2, 5, 3}));
    EXPECT_EQ(x.index_reduce(0, xg::tensor({1, 1}, xg::kInt64), src, "prod").to_vector<float>(),
              (std::vector<float>{1, 2, 105, -8}));
  }
  {
    // row: `torch::take(x, idx)`, `x.put(idx, src, /*accumulate=*/true)`, `auto [v, i] = torch::mode(x, 1);`, `x.mode()`
    const auto x = xg::tensor({{1.0f, 2.0f, 2.0f}, {3.0f, 3.0f, 1.0f}});
    const auto idx = xg::tensor({-1, 0}, xg::kInt64);
    EXPECT_EQ(xg::take(x, idx).to_vector<float>(), (std::vector<float>{1, 1}));
    EXPECT_EQ(x.put(idx, xg::tensor({5.0f, 7.0f}), /*accumulate=*/true).to_vector<float>(),
              (std::vector<float>{8, 2, 2, 3, 3, 6}));
    auto [v, i] = xg::mode(x, 1);
    EXPECT_EQ(v.to_vector<float>(), (std::vector<float>{2, 3}));
    EXPECT_EQ(i.to_vector<std::int64_t>(), (std::vector<std::int64_t>{2, 1}));
    EXPECT_EQ(std::get<0>(x.mode()).to_vector<float>(), (std::vector<float>{2, 3}));
  }
  {
    // row: `torch::diag(v)`, `m.diag(1)`, `torch::mv(m, v)`, `torch::inner(a, b)`, `torch::vdot(a, b)`, `torch::ger(a, b)`, `torch::allclose(a, b)`, `a.equal(b)`, `torch::deg2rad(x)`, `x.clip(0, 1)`, `x.sgn()`, `x.fix()`, `x.absolute()`, `x.negative()`, `x.positive()`
    const auto v = xg::tensor({1.0f, 2.0f}), m = xg::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}});
    EXPECT_EQ(xg::diag(v).to_vector<float>(), (std::vector<float>{1, 0, 0, 2}));
    EXPECT_EQ(m.diag(1).to_vector<float>(), (std::vector<float>{2}));
    EXPECT_EQ(xg::mv(m, v).to_vector<float>(), (std::vector<float>{5, 11}));
    EXPECT_EQ(xg::inner(m, m).to_vector<float>(), (std::vector<float>{5, 11, 11, 25}));
    EXPECT_EQ(xg::vdot(v, v).item(), 5.0);
    EXPECT_EQ(xg::ger(v, v).shape(), (xg::Shape{2, 2}));
    EXPECT_TRUE(xg::allclose(m, m + 1e-7));
    EXPECT_FALSE(m.equal(m + 1.0));
    EXPECT_NEAR(xg::deg2rad(xg::tensor({90.0f})).item(), M_PI / 2, 1e-6);
    const auto x = xg::tensor({-1.5f, 0.5f});
    EXPECT_EQ(x.clip(0, 1).to_vector<float>(), (std::vector<float>{0, 0.5f}));
    EXPECT_EQ(x.sgn().to_vector<float>(), (std::vector<float>{-1, 1}));
    EXPECT_EQ(x.fix().to_vector<float>(), (std::vector<float>{-1, 0}));
    EXPECT_EQ(x.absolute().to_vector<float>(), (std::vector<float>{1.5f, 0.5f}));
    EXPECT_EQ(x.negative().to_vector<float>(), (std::vector<float>{1.5f, -0.5f}));
    EXPECT_TRUE(x.positive().is_same(x));
  }
  {
    // row: `x.isnan()`, `x.isinf()`, `x.isfinite()`, `x.any()`, `x.all(1)`
    const auto s = xg::tensor({{NAN, INFINITY}, {1.0f, 0.0f}});
    EXPECT_EQ(s.isnan().to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 0, 0}));
    EXPECT_EQ(s.isinf().to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 0, 0}));
    EXPECT_EQ(s.isfinite().to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 0, 1, 1}));
    EXPECT_EQ(s.any().item<std::int64_t>(), 1);
    EXPECT_EQ(s.all(1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0}));
  }
  {
    // row: `torch::clamp(x, lo, hi)` with tensor bounds, `torch::clamp_min(x, lo)`, `x.clamp_max(hi)` with a tensor, `torch::fmax(a, b)`, `torch::fmin(a, b)`
    const auto x = xg::tensor({-2.0f, 0.5f, 3.0f}), lo = xg::tensor({-1.0f, 0.0f, 0.0f}), hi = xg::tensor({1.0f});
    EXPECT_EQ(xg::clamp(x, lo, hi).to_vector<float>(), (std::vector<float>{-1, 0.5f, 1}));
    EXPECT_EQ(xg::clamp_min(x, lo).to_vector<float>(), (std::vector<float>{-1, 0.5f, 3}));
    EXPECT_EQ(xg::clamp_max(x, hi).to_vector<float>(), (std::vector<float>{-2, 0.5f, 1}));
    EXPECT_EQ(xg::fmax(xg::tensor({NAN, 1.0f}), xg::tensor({2.0f, NAN})).to_vector<float>(), (std::vector<float>{2, 1}));
    EXPECT_EQ(xg::fmin(x, lo).to_vector<float>(), (std::vector<float>{-2, 0, 0}));
  }
  {
    // row: `torch::logical_and(a, b)`, `x.logical_not()`, `torch::logical_or(a, b)`, `a.logical_xor(b)`, `auto [v, m] = torch::var_mean(x, {1}, /*unbiased=*/false, true);`, `torch::std_mean(x)`
    const auto a = xg::tensor({0.0f, 1.0f, NAN}), b = xg::tensor({1.0f, 1.0f, 0.0f});
    EXPECT_EQ(xg::logical_and(a, b).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 0}));
    EXPECT_EQ(a.logical_not().to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 0}));
    EXPECT_EQ(xg::logical_or(a, b).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 1, 1}));
    EXPECT_EQ(a.logical_xor(b).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 1}));
    const auto x = xg::tensor({{1.0f, 3.0f}, {2.0f, 6.0f}});
    auto [v, m] = xg::var_mean(x, {1}, true);
    EXPECT_EQ(v.to_vector<float>(), (std::vector<float>{1, 4}));
    EXPECT_EQ(m.to_vector<float>(), (std::vector<float>{2, 4}));
    EXPECT_EQ(std::get<1>(xg::std_mean(x)).item(), 3.0);
  }
  {
    // row: `x.prod()`, `x.prod(1, /*keepdim=*/true)`, `x.cumprod(1)`, `x.amax({0, 2})`, `x.amin(1)`
    const auto p = xg::tensor({{1.0f, 2.0f, 3.0f}, {4.0f, 0.0f, 6.0f}});
    EXPECT_EQ(p.prod().item(), 0.0);
    EXPECT_EQ(p.prod(1, /*keepdim=*/true).to_vector<float>(), (std::vector<float>{6, 0}));
    EXPECT_EQ(p.cumprod(1).to_vector<float>(), (std::vector<float>{1, 2, 6, 4, 0, 0}));
    EXPECT_EQ(xg::ones({2, 3, 4}).amax({0, 2}).shape(), (xg::Shape{3}));
    EXPECT_EQ(p.amin(1).to_vector<float>(), (std::vector<float>{1, 0}));
  }
  {
    // row: `auto [v, i] = x.median(1);`, `x.median()`, `x.nanmedian()`, `x.kthvalue(2, 1)`, `torch::quantile(x, q, 1)`, `x.quantile(0.5)`, `x.nanquantile(0.5)`, `x.nansum()`, `x.nanmean(1)`
    const auto m = xg::tensor({{3.0f, 1.0f, 2.0f, 5.0f}, {4.0f, NAN, 0.0f, 8.0f}});
    auto [v, i] = m.median(1);
    EXPECT_EQ(v.to_vector<float>()[0], 2.0f);  // the lower median of 1 2 3 5
    EXPECT_TRUE(std::isnan(v.to_vector<float>()[1]));
    EXPECT_EQ(i.to_vector<std::int64_t>(), (std::vector<std::int64_t>{2, 1}));  // a NaN line names its NaN
    EXPECT_TRUE(std::isnan(m.median().item()));
    EXPECT_EQ(m.nanmedian().item(), 3.0);
    EXPECT_EQ(std::get<0>(m.kthvalue(2, 1)).to_vector<float>(), (std::vector<float>{2, 4}));
    EXPECT_EQ(xg::quantile(m, xg::tensor({0.0f, 1.0f}), 1).shape(), (xg::Shape{2, 2}));
    EXPECT_FLOAT_EQ(m.select(0, 0).quantile(0.5).item(), 2.5f);
    EXPECT_FLOAT_EQ(m.nanquantile(0.5).item(), 3.0f);
    EXPECT_EQ(m.nansum().item(), 23.0);
    EXPECT_EQ(m.nanmean(1).to_vector<float>(), (std::vector<float>{2.75f, 4.0f}));
  }
  {
    // row: `x.logcumsumexp(1)`, `auto [v, i] = x.cummax(1);`, `torch::cummin(x, 0)`
    const auto x = xg::tensor({{0.0, 2.0, 1.0}, {-1.0, -1.0, 3.0}}, xg::kFloat64);
    const auto l = x.logcumsumexp(1).to_vector<double>();
    EXPECT_DOUBLE_EQ(l[1], std::log(1.0 + std::exp(2.0)));
    EXPECT_DOUBLE_EQ(l[2], std::log(1.0 + std::exp(2.0) + std::exp(1.0)));
    auto [v, i] = x.cummax(1);
    EXPECT_EQ(v.to_vector<double>(), (std::vector<double>{0, 2, 2, -1, -1, 3}));
    EXPECT_EQ(i.to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 1, 0, 1, 2}));  // a tie: the later
    EXPECT_EQ(std::get<1>(xg::cummin(x, 0)).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 0, 0, 1, 1, 0}));
  }
  {
    // row: `torch::searchsorted(seq, values)`, `torch::searchsorted(seq, v, /*out_int32=*/false, /*right=*/true)`, `torch::bucketize(x, boundaries)`
    const auto seq = xg::tensor({1.0f, 3.0f, 3.0f, 7.0f});
    const auto values = xg::tensor({0.0f, 3.0f, 8.0f});
    EXPECT_EQ(xg::searchsorted(seq, values).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 4}));
    EXPECT_EQ(xg::searchsorted(seq, values, /*out_int32=*/false, /*right=*/true).to_vector<std::int64_t>(),
              (std::vector<std::int64_t>{0, 3, 4}));
    EXPECT_EQ(xg::bucketize(xg::tensor({{2, 7}}, xg::kInt64), seq).to_vector<std::int64_t>(),
              (std::vector<std::int64_t>{1, 3}));
  }
  {
    // row: `torch::bincount(x)`, `torch::bincount(x, weights, 10)`, `torch::histc(x, 10, 0, 1)`, `torch::_unique2(x, true, true, true)`, `torch::unique_consecutive(x, true, true)`
    const auto x = xg::tensor({2, 0, 2, 5}, xg::kInt64);
    EXPECT_EQ(xg::bincount(x).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 2, 0, 0, 1}));
    EXPECT_EQ(xg::bincount(x, xg::tensor({0.5f, 1, 2, 1}), 10).to_vector<float>()[2], 2.5f);
    EXPECT_EQ(xg::histc(xg::tensor({0.05f, 0.15f, 0.16f, 1.0f}), 10, 0, 1).to_vector<float>(),
              (std::vector<float>{1, 2, 0, 0, 0, 0, 0, 0, 0, 1}));
    const auto [values, inverse, counts] = xg::unique(x, true, true, true);
    EXPECT_EQ(values.to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 2, 5}));
    EXPECT_EQ(inverse.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 1, 2}));
    EXPECT_EQ(counts.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 2, 1}));
    EXPECT_EQ(std::get<2>(xg::unique_consecutive(xg::tensor({1, 1, 2, 1}, xg::kInt64), true, true)).to_vector<std::int64_t>(),
              (std::vector<std::int64_t>{2, 1, 1}));
  }
  {
    // row: `torch::linspace(0, 1, 5)`, `torch::logspace(-2, 2, 5)`
    EXPECT_EQ(xg::linspace(0, 1, 5).to_vector<float>(), (std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1}));
    EXPECT_EQ(xg::logspace(-2, 2, 5, 10, xg::kFloat64).to_vector<double>()[4], 100.0);
  }
  {
    // row: `torch::multinomial(probs, 1)`, `probs.multinomial(10, /*replacement=*/true)`, `torch::bernoulli(p)`
    const auto probs = xg::tensor({0.0f, 1.0f, 0.0f});
    EXPECT_EQ(xg::multinomial(probs, 1).item<std::int64_t>(), 1);
    EXPECT_EQ(probs.multinomial(10, /*replacement=*/true).sum().item<std::int64_t>(), 10);
    EXPECT_EQ(xg::bernoulli(xg::ones({3})).sum().item(), 3.0);
  }
  {
    // row: `torch::linalg::inv(A)`, `torch::inverse(A)`, `torch::linalg::solve(A, B)`, `torch::linalg::solve(A, B, /*left=*/false)`, `torch::linalg::solve_triangular(A, B, /*upper=*/true)`
    const auto A = xg::tensor({{2.0, 1.0}, {0.0, 4.0}}, xg::kFloat64), B = xg::tensor({{4.0}, {8.0}}, xg::kFloat64);
    EXPECT_EQ(xg::linalg::inv(A).to_vector<double>(), (std::vector<double>{0.5, -0.125, 0, 0.25}));
    EXPECT_EQ(xg::inverse(A).to_vector<double>(), xg::linalg::inv(A).to_vector<double>());
    EXPECT_EQ(xg::linalg::solve(A, B).to_vector<double>(), (std::vector<double>{1, 2}));
    EXPECT_EQ(xg::linalg::solve(A, xg::tensor({{2.0, 9.0}}, xg::kFloat64), /*left=*/false).to_vector<double>(),
              (std::vector<double>{1, 2}));
    EXPECT_EQ(xg::linalg::solve_triangular(A, B, /*upper=*/true).to_vector<double>(), (std::vector<double>{1, 2}));
  }
  {
    // row: `torch::linalg::det(A)`, `torch::det(A)`, `torch::linalg::slogdet(A)`, `torch::logdet(A)`
    const auto A = xg::tensor({{0.0, 2.0}, {4.0, 0.0}}, xg::kFloat64);
    EXPECT_EQ(xg::linalg::det(A).item(), -8.0);
    EXPECT_EQ(xg::det(A).item(), -8.0);
    auto [sign, logabsdet] = xg::linalg::slogdet(A);
    EXPECT_EQ(sign.item(), -1.0);
    EXPECT_NEAR(logabsdet.item(), std::log(8.0), 1e-15);
    EXPECT_TRUE(std::isnan(xg::logdet(A).item()));
  }
  {
    // row: `torch::linalg::cholesky(A)`, `torch::linalg::cholesky(A, /*upper=*/true)`, `torch::linalg::eigh(A, "L")`, `torch::linalg::eigvalsh(A)`
    const auto A = xg::tensor({{4.0, 2.0}, {2.0, 5.0}}, xg::kFloat64);
    EXPECT_EQ(xg::linalg::cholesky(A).to_vector<double>(), (std::vector<double>{2, 0, 1, 2}));
    EXPECT_EQ(xg::linalg::cholesky(A, /*upper=*/true).to_vector<double>(), (std::vector<double>{2, 1, 0, 2}));
    auto [w, V] = xg::linalg::eigh(A, "L");
    EXPECT_NEAR(w.to_vector<double>()[0], 4.5 - std::sqrt(4.25), 1e-14);
    EXPECT_EQ(V.shape(), (xg::Shape{2, 2}));
    EXPECT_NEAR(xg::linalg::eigvalsh(A).to_vector<double>()[1], 4.5 + std::sqrt(4.25), 1e-14);
  }
  {
    // row: `torch::linalg::svd(A, /*full_matrices=*/false)`, `torch::linalg::svdvals(A)`, `torch::linalg::qr(A)`, `torch::linalg::pinv(A)`, `torch::linalg::matrix_norm(A, "nuc")`, `torch::linalg::matrix_norm(A, 2)`
    const auto A = xg::tensor({{3.0, 0.0}, {0.0, -4.0}, {0.0, 0.0}}, xg::kFloat64);
    auto [U, S, Vh] = xg::linalg::svd(A, /*full_matrices=*/false);
    EXPECT_EQ(S.to_vector<double>(), (std::vector<double>{4, 3}));
    EXPECT_EQ(U.shape(), (xg::Shape{3, 2}));
    EXPECT_EQ(std::get<0>(xg::linalg::svd(A)).shape(), (xg::Shape{3, 3}));  // full by default
    EXPECT_EQ(xg::linalg::svdvals(A).to_vector<double>(), (std::vector<double>{4, 3}));
    auto [Q, R] = xg::linalg::qr(A);
    EXPECT_NEAR(std::abs(R.at({1, 1})), 4.0, 1e-15);
    EXPECT_NEAR(xg::linalg::pinv(A).at({1, 1}), -0.25, 1e-15);
    EXPECT_NEAR(xg::linalg::matrix_norm(A, "nuc").item(), 7.0, 1e-14);
    EXPECT_NEAR(xg::linalg::matrix_norm(A, 2).item(), 4.0, 1e-14);
  }
  {
    // row: `torch::linalg::matrix_power(A, -2)`, `torch::linalg::multi_dot({a, B, c})`, `torch::linalg::cross(a, b)`, `torch::linalg::vector_norm(x, 3, {0, 2}, true)`, `torch::linalg::matrix_rank(A)`
    const auto A = xg::tensor({{2.0, 0.0}, {0.0, 4.0}}, xg::kFloat64);
    EXPECT_EQ(xg::linalg::matrix_power(A, -2).to_vector<double>(), (std::vector<double>{0.25, 0, 0, 0.0625}));
    EXPECT_EQ(xg::linalg::multi_dot({xg::ones({2}, xg::kFloat64), A, xg::ones({2}, xg::kFloat64)}).item(), 6.0);
    EXPECT_EQ(xg::linalg::cross(xg::tensor({1.0, 0.0, 0.0}), xg::tensor({0.0, 1.0, 0.0})).to_vector<float>(),
              (std::vector<float>{0, 0, 1}));
    EXPECT_EQ(xg::linalg::vector_norm(xg::ones({2, 3, 4}), 3, {0, 2}, true).shape(), (xg::Shape{1, 3, 1}));
    EXPECT_EQ(xg::linalg::matrix_rank(A).item<std::int64_t>(), 2);
  }
  {
    // row: `auto [X, residuals, rank, sv] = torch::linalg::lstsq(A, B, /*rcond=*/c10::nullopt, /*driver=*/"gelsd");`
    const auto A = xg::tensor({{1.0, 0.0}, {1.0, 1.0}, {1.0, 2.0}}, xg::kFloat64);  // a line through 3 points
    const auto B = xg::tensor({{1.0}, {2.0}, {4.0}}, xg::kFloat64);
    auto [X, residuals, rank, sv] = xg::linalg::lstsq(A, B, std::nullopt, "gelsd");
    EXPECT_NEAR(X.at({0, 0}), 5.0 / 6.0, 1e-14);  // intercept
    EXPECT_NEAR(X.at({1, 0}), 1.5, 1e-14);        // slope
    EXPECT_NEAR(residuals.item(), 1.0 / 6.0, 1e-14);
    EXPECT_EQ(rank.item<std::int64_t>(), 2);
    EXPECT_EQ(sv.shape(), (xg::Shape{2}));
    // row: `torch::cholesky_solve(B, L)`, `torch::cholesky_inverse(L, /*upper=*/true)`, `torch::linalg::matrix_exp(A)`, `torch::matrix_exp(A)`
    const auto S = xg::tensor({{4.0, 2.0}, {2.0, 3.0}}, xg::kFloat64);
    EXPECT_LT((xg::matmul(S, xg::cholesky_solve(xg::ones({2, 1}, xg::kFloat64), xg::linalg::cholesky(S))) - 1.0).abs().max().item(), 1e-15);
    EXPECT_LT((xg::cholesky_inverse(xg::linalg::cholesky(S, true), true) - xg::linalg::inv(S)).abs().max().item(), 1e-15);
    EXPECT_NEAR(xg::linalg::matrix_exp(xg::tensor({{1.0}}, xg::kFloat64)).item(), std::exp(1.0), 1e-15);
    EXPECT_NEAR(xg::matrix_exp(xg::tensor({{0.0, 1.0}, {0.0, 0.0}}, xg::kFloat64)).at({0, 1}), 1.0, 1e-15);
    // row: `auto [LU, pivots] = torch::linalg::lu_factor(A);`, `torch::linalg::lu_solve(LU, pivots, B)`, `auto [P, L, U] = torch::linalg::lu(A);`, `torch::lu_unpack(LU, pivots)`
    const auto M = xg::tensor({{1.0, 2.0}, {3.0, 4.0}}, xg::kFloat64);
    auto [LU, pivots] = xg::linalg::lu_factor(M);
    EXPECT_EQ(pivots.to_vector<std::int64_t>(), (std::vector<std::int64_t>{2, 2}));  // PyTorch's: rows exchanged once
    EXPECT_NEAR(LU.at({1, 0}), 1.0 / 3.0, 1e-15);
    const auto Minv = xg::linalg::lu_solve(LU, pivots, xg::eye(2, xg::kFloat64));
    EXPECT_LT((Minv - xg::linalg::inv(M)).abs().max().item(), 1e-15);
    auto [P, L, U] = xg::linalg::lu(M);
    EXPECT_EQ(P.at({0, 1}), 1.0);
    EXPECT_NEAR(U.at({1, 1}), 2.0 / 3.0, 1e-15);
    EXPECT_LT((std::get<1>(xg::lu_unpack(LU, pivots)) - L).abs().max().item(), 1e-300);
    // row: `torch::linalg::norm(A)`, `torch::linalg::norm(x, 3, 1)`, `torch::linalg::norm(A, "nuc")`, `torch::linalg::cond(A)`, `torch::linalg::vecdot(x, y)`, `torch::linalg::vander(x)`
    const auto D = xg::tensor({{3.0, 0.0}, {0.0, 4.0}}, xg::kFloat64);
    EXPECT_NEAR(xg::linalg::norm(D).item(), 5.0, 1e-15);
    EXPECT_NEAR(xg::linalg::norm(D, 3.0, xg::Axes{1}).to_vector<double>()[1], 4.0, 1e-15);
    EXPECT_NEAR(xg::linalg::norm(D, "nuc").item(), 7.0, 1e-15);
    EXPECT_NEAR(xg::linalg::cond(D).item(), 4.0 / 3.0, 1e-15);
    EXPECT_NEAR(xg::linalg::vecdot(D, D).to_vector<double>()[0], 9.0, 1e-15);
    EXPECT_EQ(xg::linalg::vander(xg::tensor({2.0, 3.0}, xg::kFloat64)).to_vector<double>(), (std::vector<double>{1, 2, 1, 3}));
  }
}

TEST(LibtorchRows, SpecialProductsAssembly) {
  {
    // row: `x.lgamma()`, `x.digamma()`, `torch::polygamma(2, x)`, `x.erfc()`, `x.erfinv()`, `x.mvlgamma(3)`, `x.sinc()`
    const auto x = xg::tensor({1.0, 2.0, 0.5}, xg::kFloat64);
    EXPECT_NEAR(x.lgamma().to_vector<double>()[2], std::log(std::sqrt(M_PI)), 1e-15);
    EXPECT_NEAR(x.digamma().to_vector<double>()[0], -0.5772156649015329, 1e-15);  // -γ
    EXPECT_NEAR(xg::polygamma(2, x).to_vector<double>()[0], -2.404113806319188, 1e-14);  // -2 ζ(3)
    EXPECT_NEAR(x.erfc().to_vector<double>()[0], std::erfc(1.0), 1e-16);
    EXPECT_NEAR(xg::tensor({0.5}, xg::kFloat64).erfinv().item(), 0.4769362762044699, 1e-16);
    EXPECT_NEAR(xg::tensor({2.5}, xg::kFloat64).mvlgamma(3).item(),
                1.5 * std::log(M_PI) + std::lgamma(2.5) + std::lgamma(2.0) + std::lgamma(1.5), 1e-14);
    EXPECT_EQ(xg::tensor({0.0, 1.0}, xg::kFloat64).sinc().to_vector<double>()[0], 1.0);
  }
  {
    // row: `torch::copysign(x, y)`, `x.copysign(-1.0)`, `x.signbit()`, `torch::heaviside(x, values)`
    const auto x = xg::tensor({2.0, -3.0, 0.0}, xg::kFloat64);
    EXPECT_EQ(xg::copysign(x, xg::tensor({-1.0, 1.0, -0.0}, xg::kFloat64)).to_vector<double>()[0], -2.0);
    EXPECT_EQ(x.copysign(-1.0).to_vector<double>()[1], -3.0);
    EXPECT_EQ(x.signbit().to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 0}));
    EXPECT_EQ(xg::heaviside(x, xg::tensor({0.5}, xg::kFloat64)).to_vector<double>(), (std::vector<double>{1, 0, 0.5}));
  }
  {
    // row: `torch::addmm(b, m1, m2, /*beta=*/0.5, /*alpha=*/2)`, `x.addmv(m, v)`, `torch::addbmm(...)`, `torch::baddbmm(...)`, `torch::addr(...)`, `x.addcmul(t1, t2, 0.5)`, `torch::addcdiv(x, t1, t2, -2)`, `torch::tensordot(a, b, {0, 2}, {2, 0})`, `torch::kron(a, b)`
    const auto m = xg::tensor({{1.0, 2.0}, {3.0, 4.0}}, xg::kFloat64), b = xg::ones({2, 2}, xg::kFloat64);
    EXPECT_EQ(xg::addmm(b, m, m, /*beta=*/0.5, /*alpha=*/2).to_vector<double>(), (std::vector<double>{14.5, 20.5, 30.5, 44.5}));
    EXPECT_EQ(xg::ones({2}, xg::kFloat64).addmv(m, xg::ones({2}, xg::kFloat64)).to_vector<double>(), (std::vector<double>{4, 8}));
    EXPECT_EQ(xg::addbmm(b, m.unsqueeze(0), m.unsqueeze(0)).to_vector<double>()[0], 8.0);
    EXPECT_EQ(xg::baddbmm(b.unsqueeze(0), m.unsqueeze(0), m.unsqueeze(0)).shape(), (xg::Shape{1, 2, 2}));
    EXPECT_EQ(xg::addr(b, xg::ones({2}, xg::kFloat64), xg::ones({2}, xg::kFloat64)).to_vector<double>()[3], 2.0);
    EXPECT_EQ(b.addcmul(m, m, 0.5).to_vector<double>()[3], 9.0);
    EXPECT_EQ(xg::addcdiv(b, m, m, -2).to_vector<double>()[0], -1.0);
    EXPECT_EQ(xg::tensordot(xg::ones({2, 3, 4}), xg::ones({4, 5, 2}), {0, 2}, {2, 0}).shape(), (xg::Shape{3, 5}));
    EXPECT_EQ(xg::kron(m, b).shape(), (xg::Shape{4, 4}));
    EXPECT_EQ(xg::kron(m, b).to_vector<double>()[15], 4.0);
  }
  {
    // row: `torch::meshgrid({x, y}, "xy")`, `torch::broadcast_tensors({a, b})`, `x.tensor_split(3, 1)`, `torch::tensor_split(x, {2, 5})`, `torch::block_diag({a, b})`, `torch::cartesian_prod({a, b})`, `torch::tril_indices(4, 5, 1)`, `torch::triu_indices(3, 3)`
    const auto x = xg::arange(3.0, xg::kFloat64), y = xg::arange(2.0, xg::kFloat64);
    EXPECT_EQ(xg::meshgrid({x, y}, "xy")[0].shape(), (xg::Shape{2, 3}));
    EXPECT_EQ(xg::broadcast_tensors({x, y.unsqueeze(1)})[0].shape(), (xg::Shape{2, 3}));
    EXPECT_EQ(xg::ones({2, 7}).tensor_split(3, 1)[0].shape(), (xg::Shape{2, 3}));
    EXPECT_EQ(xg::tensor_split(xg::ones({7}), {2, 5}).size(), 3u);
    EXPECT_EQ(xg::block_diag({xg::ones({2, 2}), xg::ones({1, 3})}).shape(), (xg::Shape{3, 5}));
    EXPECT_EQ(xg::cartesian_prod({x, y}).shape(), (xg::Shape{6, 2}));
    EXPECT_EQ(xg::tril_indices(4, 5, 1).shape(), (xg::Shape{2, 14}));
    EXPECT_EQ(xg::triu_indices(3, 3).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 0, 0, 1, 1, 2, 0, 1, 2, 1, 2, 2}));
  }
  {
    // row: `x.rot90(1, {0, 1})`, `x.swapaxes(0, 1)`, `x.swapdims(0, 1)`, `torch::take_along_dim(x, idx, 1)`, `x.index_fill(1, idx, -1.5)`, `auto [lo, hi] = x.aminmax(1);`, `x.count_nonzero(1)`
    const auto x = xg::tensor({{1.0, 2.0}, {3.0, 0.0}}, xg::kFloat64);
    EXPECT_EQ(x.rot90(1, {0, 1}).to_vector<double>(), (std::vector<double>{2, 0, 1, 3}));
    EXPECT_EQ(x.swapaxes(0, 1).to_vector<double>(), x.swapdims(0, 1).to_vector<double>());
    EXPECT_EQ(xg::take_along_dim(x, xg::tensor({{1.0}, {0.0}}, xg::kInt64), 1).to_vector<double>(), (std::vector<double>{2, 3}));
    EXPECT_EQ(x.index_fill(1, xg::tensor({0.0}, xg::kInt64), -1.5).to_vector<double>(), (std::vector<double>{-1.5, 2, -1.5, 0}));
    auto [lo, hi] = x.aminmax(1);
    EXPECT_EQ(lo.to_vector<double>(), (std::vector<double>{1, 0}));
    EXPECT_EQ(hi.to_vector<double>(), (std::vector<double>{2, 3}));
    EXPECT_EQ(x.count_nonzero(1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{2, 1}));
  }
  {
    // row: `torch::hstack({a, b})`, `torch::vstack`, `torch::dstack`, `torch::column_stack`, `torch::atleast_2d(x)`, `torch::ravel(x)`, `torch::fliplr(x)`, `torch::flipud(x)`, `torch::msort(x)`, `torch::diag_embed(x, 1)`, `torch::diagflat(x)`
    const auto a = xg::tensor({1.0, 2.0}, xg::kFloat64), b = xg::tensor({3.0, 4.0}, xg::kFloat64);
    EXPECT_EQ(xg::hstack({a, b}).to_vector<double>(), (std::vector<double>{1, 2, 3, 4}));
    EXPECT_EQ(xg::vstack({a, b}).shape(), (xg::Shape{2, 2}));
    EXPECT_EQ(xg::dstack({a, b}).shape(), (xg::Shape{1, 2, 2}));
    EXPECT_EQ(xg::column_stack({a, b}).to_vector<double>(), (std::vector<double>{1, 3, 2, 4}));
    EXPECT_EQ(xg::atleast_2d(a).shape(), (xg::Shape{1, 2}));
    const auto m = xg::vstack({a, b});
    EXPECT_EQ(xg::ravel(m).shape(), (xg::Shape{4}));
    EXPECT_EQ(xg::fliplr(m).to_vector<double>(), (std::vector<double>{2, 1, 4, 3}));
    EXPECT_EQ(xg::flipud(m).to_vector<double>(), (std::vector<double>{3, 4, 1, 2}));
    EXPECT_EQ(xg::msort(xg::flipud(m)).to_vector<double>(), m.to_vector<double>());
    EXPECT_EQ(xg::diag_embed(a, 1).to_vector<double>(), (std::vector<double>{0, 1, 0, 0, 0, 2, 0, 0, 0}));
    EXPECT_EQ(xg::diagflat(a).to_vector<double>(), (std::vector<double>{1, 0, 0, 2}));
    EXPECT_EQ(m.ravel().shape(), (xg::Shape{4}));
    EXPECT_EQ(m.fliplr().to_vector<double>(), xg::fliplr(m).to_vector<double>());
    EXPECT_EQ(m.flipud().msort().to_vector<double>(), m.to_vector<double>());
    EXPECT_EQ(a.diag_embed(1).shape(), (xg::Shape{3, 3}));
    EXPECT_EQ(a.diagflat().to_vector<double>(), (std::vector<double>{1, 0, 0, 2}));
  }
  {
    // row: `torch::diff(x, 1, -1, prepend, append)`, `torch::trapezoid(y, x)`, `torch::cumulative_trapezoid(y, /*dx=*/2)`, `torch::cov(x, 0)`, `torch::corrcoef(x)`, `torch::pdist(x)`, `torch::logit(x, eps)`, `torch::special::xlog1py(x, y)`, `torch::float_power(x, 2)`, `torch::true_divide(a, b)`, `torch::isclose(a, b)`, `torch::isin(e, t)`, `torch::isposinf(x)`, `torch::isneginf(x)`
    const auto y = xg::tensor({1.0, 4.0, 9.0}, xg::kFloat64);
    EXPECT_EQ(xg::diff(y, 1, -1, xg::tensor({0.0}, xg::kFloat64)).to_vector<double>(), (std::vector<double>{1, 3, 5}));
    EXPECT_EQ(xg::trapezoid(y, xg::tensor({0.0, 1.0, 3.0}, xg::kFloat64)).item(), 2.5 + 13.0);
    EXPECT_EQ(xg::cumulative_trapezoid(y, /*dx=*/2).to_vector<double>(), (std::vector<double>{5, 18}));
    EXPECT_NEAR(xg::cov(y, 0).item(), 98.0 / 9.0, 1e-14);
    EXPECT_NEAR(xg::corrcoef(xg::vstack({y, y * 2.0})).to_vector<double>()[1], 1.0, 1e-15);
    EXPECT_NEAR(xg::pdist(xg::tensor({{0.0, 0.0}, {3.0, 4.0}}, xg::kFloat64)).item(), 5.0, 1e-15);
    EXPECT_NEAR(xg::logit(xg::tensor({0.0}, xg::kFloat64), 0.25).item(), std::log(1.0 / 3.0), 1e-15);
    EXPECT_EQ(xg::xlog1py(xg::tensor({0.0}, xg::kFloat64), xg::tensor({-1.0}, xg::kFloat64)).item(), 0.0);
    EXPECT_EQ(xg::float_power(xg::tensor({3.0f}), 2).dtype(), xg::kFloat64);
    EXPECT_EQ(xg::true_divide(xg::tensor({1.0}, xg::kInt64), xg::tensor({2.0}, xg::kInt64)).item(), 0.5);
    EXPECT_EQ(xg::isclose(y, y + 1e-9).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 1, 1}));
    EXPECT_EQ(xg::isin(y, xg::tensor({4.0}, xg::kFloat64)).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 0}));
    EXPECT_EQ(xg::isposinf(y / 0.0).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 1, 1}));
    EXPECT_EQ(xg::isneginf(-y / 0.0).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 1, 1}));
    EXPECT_EQ(y.diff().to_vector<double>(), (std::vector<double>{3, 5}));
    EXPECT_NEAR(y.cov().item(), 49.0 / 3.0, 1e-13);
    EXPECT_NEAR(xg::vstack({y, -y}).corrcoef().to_vector<double>()[1], -1.0, 1e-15);
    EXPECT_NEAR(xg::tensor({0.5}, xg::kFloat64).logit().item(), 0.0, 1e-16);
    EXPECT_EQ(y.float_power(2.0).to_vector<double>()[1], 16.0);
    EXPECT_EQ(y.true_divide(y).to_vector<double>()[2], 1.0);
    EXPECT_EQ(y.isclose(y).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 1, 1}));
    EXPECT_EQ((y / 0.0).isposinf().to_vector<std::int64_t>()[0], 1);
    EXPECT_EQ((y / 0.0).isneginf().to_vector<std::int64_t>()[0], 0);
  }
  {
    // row: `torch::scatter(x, 1, idx, src)`, `torch::scatter(x, 1, idx, 2.5)`, `torch::index_copy(x, 0, idx, source)`
    const auto x = xg::zeros({2, 3}, xg::kFloat64);
    const auto idx = xg::tensor({{2.0}, {0.0}}, xg::kInt64), src = xg::tensor({{1.0}, {2.0}}, xg::kFloat64);
    EXPECT_EQ(xg::scatter(x, 1, idx, src).to_vector<double>(), (std::vector<double>{0, 0, 1, 2, 0, 0}));
    EXPECT_EQ(xg::scatter(x, 1, idx, 2.5).to_vector<double>(), (std::vector<double>{0, 0, 2.5, 2.5, 0, 0}));
    EXPECT_EQ(xg::index_copy(x, 0, xg::tensor({1.0}, xg::kInt64), xg::ones({1, 3}, xg::kFloat64)).to_vector<double>(),
              (std::vector<double>{0, 0, 0, 1, 1, 1}));
    // One-hot rows, the common use: zeros scattered with 1 at each label.
    EXPECT_EQ(x.scatter(1, idx, 1.0).to_vector<double>(), (std::vector<double>{0, 0, 1, 1, 0, 0}));
    EXPECT_EQ(x.scatter(1, idx, src).to_vector<double>(), (std::vector<double>{0, 0, 1, 2, 0, 0}));
    EXPECT_EQ(x.index_copy(1, xg::tensor({0.0}, xg::kInt64), src).to_vector<double>(), (std::vector<double>{1, 0, 0, 2, 0, 0}));
  }
}
