// The stacking functions (hstack, vstack, dstack, column_stack, atleast_*d, ravel, fliplr,
// flipud, msort, diag_embed, diagflat) and the numeric conveniences (diff, trapezoid,
// cumulative_trapezoid, cov, corrcoef, pdist, logit, xlog1py, float_power, true_divide,
// isclose, isin, isposinf, isneginf) against PyTorch 1.13 in float64
// (tests/fixtures/torch_numeric.npz from scripts/make_numeric_fixtures.py): values and every
// float input's gradient, plain and under create_graph; gradchecks, gradgradchecks, edges and
// errors.
#include <cmath>
#include <limits>

#include "test_util.h"

using namespace xg;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_numeric.npz";
Tensor fixture(const std::string& key) { return xg::test::fixture(kFile, key); }

struct Case {
  const char* name;
  std::size_t inputs;
  std::function<Tensor(L)> f;
  bool smooth = true;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"hstack", 3, [](L v) { return hstack(v); }},
      {"hstack_1d", 2, [](L v) { return hstack(v); }},
      {"vstack", 3, [](L v) { return vstack(v); }},
      {"dstack", 2, [](L v) { return dstack(v); }},
      {"dstack_1d", 2, [](L v) { return dstack(v); }},
      {"column_stack", 3, [](L v) { return column_stack(v); }},
      {"fliplr", 1, [](L v) { return fliplr(v[0]); }},
      {"flipud", 1, [](L v) { return flipud(v[0]); }},
      {"msort", 1, [](L v) { return msort(v[0]); }},
      {"diag_embed", 1, [](L v) { return diag_embed(v[0]); }},
      {"diag_embed_up", 1, [](L v) { return diag_embed(v[0], 1); }},
      {"diag_embed_down_dims", 1, [](L v) { return diag_embed(v[0], -2, 0, 2); }},
      {"diagflat", 1, [](L v) { return diagflat(v[0], -1); }},
      {"diff", 1, [](L v) { return diff(v[0]); }},
      {"diff2_dim0", 1, [](L v) { return diff(v[0], 2, 0); }},
      {"diff_prepend_append", 3, [](L v) { return diff(v[0], 1, 1, v[1], v[2]); }},
      {"trapezoid", 1, [](L v) { return trapezoid(v[0], 0.5); }},
      {"trapezoid_x", 2, [](L v) { return trapezoid(v[0], v[1]); }},
      {"trapezoid_x_dim0", 2, [](L v) { return trapezoid(v[0], v[1], 0); }},
      {"cumulative_trapezoid", 1, [](L v) { return cumulative_trapezoid(v[0], 2.0); }},
      {"cumulative_trapezoid_x", 2, [](L v) { return cumulative_trapezoid(v[0], v[1]); }},
      {"cov", 1, [](L v) { return cov(v[0]); }},
      {"cov_c0", 1, [](L v) { return cov(v[0], 0); }},
      {"cov_1d", 1, [](L v) { return cov(v[0]); }},
      {"corrcoef", 1, [](L v) { return corrcoef(v[0]); }},
      {"pdist", 1, [](L v) { return pdist(v[0]); }},
      {"pdist_p1", 1, [](L v) { return pdist(v[0], 1.0); }, false},
      {"logit", 1, [](L v) { return logit(v[0]); }},
      {"logit_eps", 1, [](L v) { return logit(v[0], 0.1); }, false},
      {"xlog1py", 2, [](L v) { return xlog1py(v[0], v[1]); }},
      {"float_power", 2, [](L v) { return float_power(v[0], v[1]); }},
  };
  return all;
}
}  // namespace

TEST(NumericOps, MatchPyTorchWithGradients) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const auto in = xg::test::fixture_inputs(kFile, c.name, c.inputs);
    xg::test::expect_fixture_case(kFile, c.name, c.f(in), in, 1e-12, 1e-12);
  }
  const Tensor d = diff(fixture("diff_int.in0"));
  EXPECT_EQ(d.dtype(), kInt64);
  EXPECT_EQ(d.to_vector<std::int64_t>(), fixture("diff_int.y").to_vector<std::int64_t>());
}

TEST(NumericOps, GradcheckAndGradgradcheck) {
  for (const auto& c : cases()) {
    if (!c.smooth) continue;
    SCOPED_TRACE(c.name);
    const auto in = xg::test::fixture_inputs(kFile, c.name, c.inputs);
    EXPECT_TRUE(gradcheck_ok(c.f, in));
    EXPECT_TRUE(gradgradcheck_ok(c.f, in));
  }
}

TEST(NumericOps, ScatterAndIndexCopyMatchPyTorch) {
  // Cases without repeated targets (PyTorch leaves repeats undefined): values, and the
  // gradients of self and src, plain and under create_graph.
  const auto run = [](const std::string& name, const std::function<Tensor(L, const Tensor&)>& f, std::size_t floats) {
    SCOPED_TRACE(name);
    const Tensor index = fixture(name + ".in1");
    tensor_list in{fixture(name + ".in0").clone().requires_grad_()};
    if (floats == 2) in.push_back(fixture(name + ".in2").clone().requires_grad_());
    const Tensor y = f(in, index);
    EXPECT_LT(max_abs_diff(y, fixture(name + ".y")), 1e-15);
    for (const bool create_graph : {false, true}) {
      const auto g = grad({(y * fixture(name + ".gy")).sum()}, in, {}, true, create_graph);
      EXPECT_LT(max_abs_diff(g[0], fixture(name + ".g0")), 1e-15) << create_graph;
      if (floats == 2) EXPECT_LT(max_abs_diff(g[1], fixture(name + ".g2")), 1e-15) << create_graph;
    }
    EXPECT_TRUE(gradgradcheck_ok([&](L v) { return f(v, index); }, in));
  };
  run("scatter_src", [](L v, const Tensor& i) { return scatter(v[0], 1, i, v[1]); }, 2);
  run("scatter_dim0", [](L v, const Tensor& i) { return scatter(v[0], 0, i, v[1]); }, 2);
  run("scatter_value", [](L v, const Tensor& i) { return scatter(v[0], 1, i, 2.5); }, 1);
  run("index_copy", [](L v, const Tensor& i) { return index_copy(v[0], 0, i, v[1]); }, 2);
  run("index_copy_dim1", [](L v, const Tensor& i) { return index_copy(v[0], 1, i, v[1]); }, 2);
  // A src larger than index: only its index-shaped part is read (PyTorch's values).
  const Tensor wide = xg::arange(6.0, kFloat64).reshape({2, 3});
  EXPECT_EQ(max_abs_diff(scatter(xg::zeros({2, 4}, kFloat64), 1, xg::tensor({{3.0}, {0.0}}, kInt64), wide),
                         fixture("scatter_wide.y")), 0);
}

TEST(NumericOps, RepeatedTargetsTakeTheLastWriteAndOnlyItGetsTheGradient) {
  auto self = xg::zeros({2, 4}, kFloat64).requires_grad_();
  auto src = xg::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, kFloat64).requires_grad_();
  const Tensor index = xg::tensor({{1.0, 1.0, 3.0}, {2.0, 0.0, 2.0}}, kInt64);
  const Tensor y = scatter(self, 1, index, src);
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{0, 2, 0, 3, 5, 0, 6, 0}));
  const auto g = grad({(y * xg::arange(1.0, 9.0, 1.0, kFloat64).reshape({2, 4})).sum()}, {self, src});
  EXPECT_EQ(g[0].to_vector<double>(), (std::vector<double>{1, 0, 3, 0, 0, 6, 0, 8}));
  EXPECT_EQ(g[1].to_vector<double>(), (std::vector<double>{0, 2, 4, 0, 5, 7}));
  // index_copy: slice 0 is given twice; the second source slice stays.
  const Tensor c = index_copy(xg::zeros({3, 2}, kFloat64), 0, xg::tensor({0.0, 2.0, 0.0}, kInt64),
                              xg::tensor({{1.0, 1.0}, {2.0, 2.0}, {3.0, 3.0}}, kFloat64));
  EXPECT_EQ(c.to_vector<double>(), (std::vector<double>{3, 3, 0, 0, 2, 2}));
  // int64 self and a value; an empty index copies self.
  EXPECT_EQ(scatter(xg::zeros({3}, kInt64), 0, xg::tensor({2.0}, kInt64), 7.0).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{0, 0, 7}));
  EXPECT_EQ(scatter(xg::ones({3}, kFloat64), 0, xg::zeros({0}, kInt64), 7.0).to_vector<double>(),
            (std::vector<double>{1, 1, 1}));
}

TEST(NumericOps, ComparisonsAndEdgesArePyTorchs) {
  const Tensor a = fixture("isclose.a"), b = fixture("isclose.b");
  EXPECT_EQ(isclose(a, b).to_vector<std::int64_t>(), fixture("isclose.default").to_vector<std::int64_t>());
  EXPECT_EQ(isclose(a, b, 1e-3, 0.0, true).to_vector<std::int64_t>(), fixture("isclose.nan_loose").to_vector<std::int64_t>());
  EXPECT_EQ(isclose(xg::tensor({3.0, 4.0}, kInt64), xg::tensor({3.0, 5.0}, kInt64), 0.3).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{1, 1}));
  const Tensor e = fixture("isin.elements"), t = fixture("isin.tests");
  EXPECT_EQ(isin(e, t).to_vector<std::int64_t>(), fixture("isin.y").to_vector<std::int64_t>());
  EXPECT_EQ(isin(e, t, true).to_vector<std::int64_t>(), fixture("isin.invert").to_vector<std::int64_t>());
  EXPECT_EQ(isin(e, t).shape(), e.shape());
  EXPECT_EQ(isin(xg::tensor({1.0, 2.0}, kInt64), xg::zeros({0})).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 0}));
  const Tensor inf = fixture("inf.x");
  EXPECT_EQ(isposinf(inf).to_vector<std::int64_t>(), fixture("inf.pos").to_vector<std::int64_t>());
  EXPECT_EQ(isneginf(inf).to_vector<std::int64_t>(), fixture("inf.neg").to_vector<std::int64_t>());
  // xlog1py at x = 0, y = -1: 0 (PyTorch's), and a finite gradient (PyTorch's is NaN for y).
  auto x = xg::tensor({0.0, 1.0}, kFloat64).requires_grad_(), y = xg::tensor({-1.0, -0.5}, kFloat64).requires_grad_();
  const Tensor v = xlog1py(x, y);
  EXPECT_EQ(v.to_vector<double>()[0], 0.0);
  const auto g = grad({v.sum()}, {x, y});
  EXPECT_TRUE(g[0].isfinite().all().item<std::int64_t>() && g[1].isfinite().all().item<std::int64_t>());
  EXPECT_EQ(g[1].to_vector<double>()[0], 0.0);
  // true_divide divides int64 as floats; float_power gives float64; atleast_*d and ravel.
  EXPECT_EQ(true_divide(xg::tensor({3.0}, kInt64), xg::tensor({2.0}, kInt64)).to_vector<float>()[0], 1.5f);
  EXPECT_EQ(float_power(xg::tensor({2.0f}), 0.5).dtype(), kFloat64);
  EXPECT_EQ(atleast_1d(xg::scalar_tensor(1.0)).shape(), (Shape{1}));
  EXPECT_EQ(atleast_2d(xg::zeros({3})).shape(), (Shape{1, 3}));
  EXPECT_EQ(atleast_3d(xg::zeros({2, 3})).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(ravel(xg::zeros({2, 3})).shape(), (Shape{6}));
  // diag_embed writes exact zeros off the diagonal, even for an infinite input.
  const auto big = diag_embed(xg::tensor({std::numeric_limits<double>::infinity(), 1.0}, kFloat64)).to_vector<double>();
  EXPECT_EQ(big[1], 0.0);
  EXPECT_EQ(big[2], 0.0);
  // diff past the length is empty; pdist of one row is empty; identical rows: distance 0 and
  // gradient 0.
  EXPECT_EQ(diff(xg::zeros({2, 3}), 5).shape(), (Shape{2, 0}));
  EXPECT_EQ(pdist(xg::zeros({1, 3})).shape(), (Shape{0}));
  auto rows = xg::ones({2, 3}, kFloat64).requires_grad_();
  EXPECT_EQ(grad({pdist(rows).sum()}, {rows})[0].abs().sum().item(), 0.0);
}

TEST(NumericOps, ErrorsNameTheCall) {
  const auto x = xg::randn({3, 4}, kFloat64);
  EXPECT_XG_ERROR(hstack({}), "hstack: expects a non-empty list of tensors");
  EXPECT_XG_ERROR(vstack({x, xg::zeros({5})}), "vstack: tensor 1 ((1,5) as stacked) does not match tensor 0 ((3,4)) outside axis 0");
  EXPECT_XG_ERROR(fliplr(xg::zeros({3})), "fliplr: expects a tensor of at least 2 dimensions, got (3,)");
  EXPECT_XG_ERROR(flipud(xg::scalar_tensor(1.0)), "flipud: expects a tensor of at least 1 dimension, got ()");
  EXPECT_XG_ERROR(diag_embed(x, 0, 1, -2), "diag_embed: dim1 and dim2 must differ, got 1 and -2");
  EXPECT_XG_ERROR(diag_embed(x, 0, 3), "diag_embed:", "3");
  EXPECT_XG_ERROR(diff(x, -1), "diff: the order n must be non-negative, got -1");
  EXPECT_XG_ERROR(diff(x, 1, 1, xg::zeros({2, 1}, kFloat64)), "diff: prepend (2,1) must match the input (3,4) except along dim 1");
  EXPECT_XG_ERROR(diff(xg::scalar_tensor(1.0)), "diff: expects a tensor of at least 1 dimension, got a 0-d one");
  EXPECT_XG_ERROR(trapezoid(x, xg::zeros({3})), "trapezoid: x (3,) must have y's length 4 along dim 1");
  EXPECT_XG_ERROR(trapezoid(xg::scalar_tensor(1.0)), "trapezoid: y must have at least 1 dimension, got a 0-d tensor");
  EXPECT_XG_ERROR(cumulative_trapezoid(x, xg::zeros({2, 2, 2})), "cumulative_trapezoid: x (2,2,2) must be 1-D or have y's rank, y is (3,4)");
  EXPECT_XG_ERROR(cov(xg::zeros({2, 2, 2})), "cov: expects a 1-D or 2-D input (variables, observations), got (2,2,2)");
  EXPECT_XG_ERROR(cov(x, -1), "cov: correction must be non-negative, got -1");
  EXPECT_XG_ERROR(pdist(xg::zeros({3})), "pdist: expects a 2-D input (N, M), got (3,)");
  EXPECT_XG_ERROR(pdist(x, -1.0), "pdist: p must be non-negative, got -1");
  EXPECT_XG_ERROR(isclose(x, x, -1.0), "isclose: rtol and atol must be non-negative, got -1 and 1e-08");
  EXPECT_XG_ERROR(isclose(x, xg::zeros({5})), "isclose:");
  EXPECT_XG_ERROR(logit(Tensor()), "logit: the input is undefined");
  EXPECT_XG_ERROR(scatter(x, 1, xg::zeros({3, 5}, kInt64), x), "scatter: index (3,5) must have the rank of self (3,4) and src (3,4), be no larger than src on any axis, and no larger than self except on axis 1");
  EXPECT_XG_ERROR(scatter(x, 1, xg::full({3, 1}, 4.0, kInt64), x), "scatter", "4");
  EXPECT_XG_ERROR(scatter(x, 1, xg::zeros({3, 1}), x), "scatter: index must be int64, got float32");
  EXPECT_XG_ERROR(scatter(x, 1, xg::zeros({3, 1}, kInt64), x.to(kFloat32)), "scatter: self (float64) and src (float32) must have the same dtype");
  EXPECT_XG_ERROR(scatter(x.to(kInt64), 0, xg::zeros({1, 1}, kInt64), 0.5), "scatter: value 0.5 is not an integer, for an int64 self");
  EXPECT_XG_ERROR(index_copy(x, 0, xg::tensor({0.0}, kInt64), x), "index_copy: source (3,4) must be (1,4) (self (3,4) with axis 0 of the 1 indices)");
  EXPECT_XG_ERROR(index_copy(x, 0, xg::tensor({5.0}, kInt64), x.narrow(0, 0, 1)), "index_copy", "5");
}
