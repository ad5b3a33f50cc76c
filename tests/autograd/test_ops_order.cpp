// Order statistics (kthvalue, median, nanmedian, quantile, nanquantile) and nansum/nanmean:
// against PyTorch 1.13 (tests/fixtures/torch_order.npz from scripts/make_order_fixtures.py)
// with positions and gradients, by hand for ties and int64, gradchecks, errors.
#include <cmath>
#include <limits>

#include "test_util.h"

using namespace xg;
using xg::test::max_abs_diff;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;

namespace {
Tensor fixture(const std::string& key) { return xg::test::fixture("torch_order.npz", key); }

// The same shape and the same values (ints, masks, positions).
::testing::AssertionResult same(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.to(kFloat64).to_vector<double>() != b.to(kFloat64).to_vector<double>())
    return ::testing::AssertionFailure() << "got " << a << ", expected " << b;
  return ::testing::AssertionSuccess();
}

// Values (NaN where PyTorch has NaN), positions and the gradient for gy, against case `name`.
// nan_ties: the value read is one of several NaNs, which PyTorch's sort leaves in no fixed
// order; the gradient must then agree on the numbers and in total.
void expect_case(const std::string& name, const Tensor& x, const Tensor& y, const Tensor& i = Tensor(),
                 bool nan_ties = false) {
  SCOPED_TRACE(name);
  const Tensor want = fixture(name + "_y");
  ASSERT_EQ(y.shape(), want.shape());
  EXPECT_TRUE(same(isnan(y), isnan(want)));
  EXPECT_LT(max_abs_diff(nan_to_num(y), nan_to_num(want)), 1e-12);
  if (i.defined()) EXPECT_TRUE(same(i, fixture(name + "_i")));
  const Tensor gx = grad({y}, {x}, {fixture(name + "_gy")})[0], want_gx = fixture(name + "_gx");
  if (!nan_ties) {
    EXPECT_LT(max_abs_diff(gx, want_gx), 1e-12);
    return;
  }
  const Tensor numbers = 1 - isnan(x.detach()).to(kFloat64);
  EXPECT_LT(max_abs_diff(gx * numbers, want_gx * numbers), 1e-12);
  EXPECT_NEAR(gx.sum().item(), want_gx.sum().item(), 1e-12);
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST(Order, KthvalueAndMedianAlongADimMatchPyTorch) {
  int cases = 0;
  for (int dim : {0, 1, -1})
    for (bool keep : {false, true}) {
      const std::string tag = "_d" + std::to_string((dim + 3) % 3) + "_k" + std::to_string(keep);
      auto x = fixture("x").clone().requires_grad_(), xn = fixture("xn").clone().requires_grad_();
      auto xk = fixture("xk").clone().requires_grad_();
      auto [k2, k2i] = kthvalue(x, 2, dim, keep);
      expect_case("kth2" + tag, x, k2, k2i);
      auto [m, mi] = x.median(dim, keep);
      expect_case("median" + tag, x, m, mi);
      auto [nm, nmi] = nanmedian(xn, dim, keep);
      expect_case("nanmedian" + tag, xn, nm, nmi);
      auto [mn, mni] = median(xn, dim, keep);  // NaN lines: NaN, the first NaN's position
      expect_case("mediann" + tag, xn, mn, mni);
      auto [kn, kni] = xk.kthvalue(3, dim, keep);  // NaN counts as the largest
      expect_case("kthn" + tag, xk, kn, kni);
      cases += 5;
    }
  EXPECT_EQ(cases, 30);
  auto x = fixture("x").clone().requires_grad_(), xn = fixture("xn").clone().requires_grad_();
  expect_case("median_all", x, median(x));
  expect_case("nanmedian_all", xn, xn.nanmedian());
}

TEST(Order, QuantilesMatchPyTorchForEveryInterpolation) {
  const auto q = fixture("q");
  int cases = 0;
  for (const char* interp : {"linear", "lower", "higher", "midpoint", "nearest"}) {
    std::vector<std::pair<std::optional<std::int64_t>, bool>> dims{{std::nullopt, false}, {1, false}, {2, false}};
    if (std::string(interp) == "linear") dims.insert(dims.end(), {{std::nullopt, true}, {2, true}});
    for (const auto& [dim, keep] : dims) {
      const std::string tag = std::string(interp) + "_d" + (dim ? std::to_string(*dim) : "n") + "_k" + std::to_string(keep);
      auto x = fixture("x").clone().requires_grad_(), xn = fixture("xn").clone().requires_grad_();
      expect_case("quantile_" + tag, x, quantile(x, q, dim, keep, interp));
      expect_case("nanquantile_" + tag, xn, xn.nanquantile(q, dim, keep, interp));
      // Without a dim the flattened input's last sorted element is one of its eight NaNs.
      expect_case("quantilen_" + tag, xn, quantile(xn, q, dim, keep, interp), Tensor(), !dim);
      cases += 3;
    }
    auto x = fixture("x").clone().requires_grad_();
    expect_case(std::string("quantile_scalar_") + interp, x, x.quantile(0.3, 2, false, interp));
  }
  EXPECT_EQ(cases, 51);
}

TEST(Order, NansumAndNanmeanMatchPyTorch) {
  auto xn = fixture("xn").clone().requires_grad_();
  expect_case("nansum_all", xn, nansum(xn));
  expect_case("nanmean_all", xn, xn.nanmean());
  expect_case("nansum_1", xn, xn.nansum(1));
  expect_case("nanmean_1", xn, nanmean(xn, {1}));
  expect_case("nansum_02", xn, nansum(xn, {0, 2}, true));
  expect_case("nanmean_02", xn, xn.nanmean({0, 2}, true));
  // No numbers: nansum 0, nanmean NaN (0/0), as PyTorch.
  const auto all_nan = full({2}, kNaN, kFloat64);
  EXPECT_EQ(nansum(all_nan).item(), 0.0);
  EXPECT_TRUE(std::isnan(nanmean(all_nan).item()));
  EXPECT_TRUE(same(nansum(tensor({1, 2, 3}, kInt64)), scalar_tensor(6, kInt64)));
}

TEST(Order, TiesInt64AndZeroDimensionalInputs) {
  // Ties are ranked by position: the lower median is the second 1 (PyTorch names it too,
  // though it leaves ties open), and of 5 4 4 1 0 the first 4.
  auto [v, i] = median(tensor({4.0, 1.0, 4.0, 1.0}, kFloat64), 0);
  EXPECT_EQ(v.item(), 1.0);
  EXPECT_EQ(i.item<std::int64_t>(), 3);
  EXPECT_EQ(std::get<1>(median(tensor({5.0, 4.0, 4.0, 1.0, 0.0}, kFloat64), 0)).item<std::int64_t>(), 1);
  // The all-element median shares its gradient among the tied elements (PyTorch: 1/2 each),
  // and a NaN median among the NaNs.
  auto t = tensor({2.0, 1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  median(t).backward();
  EXPECT_TRUE(values_near(t.grad(), {0.5, 0, 0.5, 0}, 0));
  auto n = tensor({2.0, kNaN, 2.0, kNaN}, kFloat64).requires_grad_();
  const auto mn = median(n);
  EXPECT_TRUE(std::isnan(mn.item()));
  mn.backward();
  EXPECT_TRUE(values_near(n.grad(), {0, 0.5, 0, 0.5}, 0));
  // Exactly the element: three equal values sum to something else in floating point.
  EXPECT_EQ(median(tensor({0.1, 0.1, 0.1}, kFloat64).requires_grad_()).item(), 0.1);
  // int64 keeps its dtype; no gradient.
  const auto ints = tensor({{5, 3, 9}, {2, 8, 1}}, kInt64);
  EXPECT_TRUE(same(median(ints), scalar_tensor(3, kInt64)));
  EXPECT_TRUE(same(std::get<0>(kthvalue(ints, 3, 1)), tensor({9, 8}, kInt64)));
  EXPECT_TRUE(same(std::get<1>(median(ints, 1, true)), tensor({{0}, {0}}, kInt64)));
  // 0-d: a line of one, dim 0 or -1.
  auto [zv, zi] = kthvalue(scalar_tensor(2.5, kFloat64), 1, -1);
  EXPECT_EQ(zv.dim(), 0);
  EXPECT_EQ(zv.item(), 2.5);
  EXPECT_EQ(zi.item<std::int64_t>(), 0);
  EXPECT_EQ(quantile(scalar_tensor(2.5, kFloat64), 0.7, 0).item(), 2.5);
  // The median of no elements is NaN (along an empty dim it is an error, below).
  EXPECT_TRUE(std::isnan(median(zeros({0}, kFloat64)).item()));
  // "nearest" rounds a rank halfway between two elements to the even one, as PyTorch
  // (values from PyTorch 1.13: rank 0.5 reads element 0, rank 1.5 element 2).
  EXPECT_EQ(quantile(tensor({1.0, 2.0}, kFloat64), 0.5, std::nullopt, false, "nearest").item(), 1.0);
  EXPECT_EQ(quantile(tensor({1.0, 2.0, 3.0, 4.0}, kFloat64), 0.5, std::nullopt, false, "nearest").item(), 3.0);
  EXPECT_EQ(quantile(arange(5, kFloat64), tensor({0.25, 0.5}, kFloat64)).shape(), Shape({2}));
  EXPECT_EQ(quantile(zeros({3, 4}, kFloat64), 0.5, std::nullopt, true).shape(), Shape({1, 1}));
}

TEST(Order, GradcheckAndGradgradcheck) {
  manual_seed(3);
  const auto x = randn({3, 4}, kFloat64).requires_grad_();
  EXPECT_TRUE(gradcheck_ok([](const tensor_list& v) { return std::get<0>(kthvalue(v[0], 2, 1)); }, {x}));
  EXPECT_TRUE(gradcheck_ok([](const tensor_list& v) { return std::get<0>(median(v[0], 0, true)); }, {x}));
  EXPECT_TRUE(gradcheck_ok([](const tensor_list& v) { return median(v[0]); }, {x}));
  EXPECT_TRUE(gradgradcheck_ok([](const tensor_list& v) { return std::get<0>(median(v[0], 1)) * v[0].sum(1); }, {x}));
  const auto q = tensor({0.2, 0.65}, kFloat64).requires_grad_();
  for (const char* interp : {"linear", "midpoint", "nearest"}) {
    const auto f = [interp](const tensor_list& v) { return quantile(v[0], v[1], 1, false, interp); };
    EXPECT_TRUE(gradcheck_ok(f, {x, q})) << interp;
    EXPECT_TRUE(gradgradcheck_ok([&](const tensor_list& v) { return f(v) * f(v); }, {x, q})) << interp;
  }
  auto xn = x.detach().clone();
  xn.index_put_({0, 1}, scalar_tensor(kNaN, kFloat64));
  xn.requires_grad_();
  EXPECT_TRUE(gradcheck_ok([](const tensor_list& v) { return nanmean(v[0], {1}); }, {xn}));
  EXPECT_TRUE(gradgradcheck_ok([](const tensor_list& v) { return nanmean(v[0]) * nansum(v[0], {0}); }, {xn}));
  EXPECT_TRUE(gradcheck_ok([](const tensor_list& v) { return nanquantile(v[0], 0.4, 1); }, {xn}));
}

TEST(Order, BadArgumentsNameTheCall) {
  const auto x = zeros({2, 3}, kFloat64);
  EXPECT_XG_ERROR(kthvalue(x, 4, 1), "kthvalue: k = 4 is out of range for axis 1 of input (2,3) (1 to 3)");
  EXPECT_XG_ERROR(kthvalue(x, 0), "kthvalue: k = 0 is out of range");
  EXPECT_XG_ERROR(kthvalue(x, 1, 2), "kthvalue:", "2");
  EXPECT_XG_ERROR(median(zeros({2, 0}, kFloat64), 1), "median: expected axis 1 of input (2,0) to have a non-zero size");
  EXPECT_XG_ERROR(median(zeros({0}, kInt64)), "median: the median of an empty int64 tensor is undefined");
  EXPECT_XG_ERROR(nanmedian(scalar_tensor(1.0), 1), "nanmedian: dim 1 is out of range for a 0-d tensor");
  EXPECT_XG_ERROR(quantile(zeros({3}, kInt64), 0.5), "quantile: expected a float32 or float64 input, got int64");
  EXPECT_XG_ERROR(quantile(x, tensor({0.5f})), "quantile: expected q of the input's dtype float64, got float32");
  EXPECT_XG_ERROR(quantile(x, zeros({1, 1}, kFloat64)), "quantile: expected q as a scalar or a 1-D tensor, got shape (1,1)");
  EXPECT_XG_ERROR(quantile(x, 1.5), "quantile: q must be in [0, 1], got 1.5");
  EXPECT_XG_ERROR(nanquantile(x, tensor({0.5, kNaN}, kFloat64)), "nanquantile: q must be in [0, 1], got nan");
  EXPECT_XG_ERROR(quantile(x, 0.5, 1, false, "cubic"),
                  "quantile: interpolation must be one of linear, lower, higher, midpoint, nearest, got 'cubic'");
  EXPECT_XG_ERROR(quantile(zeros({0}, kFloat64), 0.5), "quantile: expected a non-empty input, got shape (0,)");
  EXPECT_XG_ERROR(quantile(x, 0.5, 3), "quantile:", "3");
  EXPECT_XG_ERROR(nanmean(zeros({2}, kInt64)), "nanmean: expected a float input, got int64");
  EXPECT_XG_ERROR(nansum(Tensor()), "nansum: the input is undefined");
  EXPECT_XG_ERROR(median(Tensor()), "median: the input is undefined");
}

TEST(Order, TheSelectionNamesTheStableSortsElementAtEveryRank) {
  // kthvalue selects (std::nth_element) on the CPU; its positions must be the stable sort's
  // at every rank, through ties and NaNs, along every axis.
  manual_seed(5);
  auto x = floor(rand({4, 9, 3}, kFloat64) * 4.0);  // values 0..3: many ties
  x.index_put_({1, 2, 0}, scalar_tensor(kNaN, kFloat64));
  x.index_put_({1, 5, 0}, scalar_tensor(kNaN, kFloat64));
  x.index_put_({2, 4, 2}, scalar_tensor(kNaN, kFloat64));
  for (std::int64_t dim = 0; dim < 3; ++dim) {
    const auto order = argsort(x, dim);
    for (std::int64_t k = 1; k <= x.size(dim); ++k)
      EXPECT_TRUE(same(std::get<1>(kthvalue(x, k, dim, true)), order.narrow(dim, k - 1, 1))) << dim << " " << k;
  }
}

TEST(Order, LongLinesSelectAsTheStableSortThroughTiesAndAdversarialOrders) {
  // Lines past 16 elements without NaN take the branch-free quickselect (tensor/select_kth.h):
  // random values, three distinct values (ties everywhere), all equal, sorted, reversed, a
  // sawtooth and an organ pipe, in both dtypes, at the extremes, the middle and between.
  manual_seed(6);
  const std::int64_t n = 1001;
  const Tensor pos = arange(n, kFloat64);
  const std::vector<Tensor> lines = {randn({n}, kFloat64), floor(rand({n}, kFloat64) * 3.0), zeros({n}, kFloat64),
                                     pos, -pos, remainder(pos, 17.0), -abs(pos - 500.0)};
  const Tensor x = stack(lines);
  for (const auto dtype : {kFloat64, kFloat32}) {
    const Tensor xd = x.to(dtype);
    const Tensor order = argsort(xd, 1);  // stable: ties by position
    for (std::int64_t k : {std::int64_t{1}, std::int64_t{2}, std::int64_t{17}, n / 2, n / 2 + 1, n - 1, n}) {
      const auto [values, indices] = kthvalue(xd, k, 1);
      EXPECT_TRUE(same(indices, order.select(1, k - 1))) << dtype_name(dtype) << " k " << k;
      EXPECT_TRUE(same(values, xd.gather(1, order.narrow(1, k - 1, 1)).squeeze(1))) << dtype_name(dtype) << " k " << k;
    }
  }
}
