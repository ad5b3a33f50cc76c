// scatter_reduce and index_reduce against PyTorch 1.13 in float64
// (tests/fixtures/torch_scatter_reduce.npz, scripts/make_scatter_reduce_fixtures.py): every
// reduction with and without self, both ends of the axes, ties with the extremes, zeros in
// products, untouched targets, every gradient plain and under create_graph; int64 values;
// the index order of float32 sums; NaN; gradchecks and gradgradchecks; errors.
#include <cmath>
#include <limits>

#include "test_util.h"

using xg::Tensor;
using xg::test::fixture;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {

const char* kFile = "torch_scatter_reduce.npz";
const std::vector<std::string> kReduces{"sum", "prod", "mean", "amax", "amin"};

std::string case_name(const std::string& prefix, const std::string& reduce, bool include) {
  return prefix + "_" + reduce + (include ? "_self" : "_noself");
}

}  // namespace

TEST(ScatterReduce, MatchesPyTorchWithEveryGradient) {
  for (const auto& reduce : kReduces)
    for (const bool include : {true, false})
      for (const auto& [prefix, dim] : {std::pair<std::string, std::int64_t>{"dim0", 0}, {"dim2", -1}}) {
        const std::string name = case_name(prefix, reduce, include);
        SCOPED_TRACE(name);
        const xg::tensor_list in = xg::test::fixture_inputs(kFile, name, 2);
        const Tensor index = fixture(kFile, name + ".index");
        xg::test::expect_fixture_case(kFile, name, in[0].scatter_reduce(dim, index, in[1], reduce, include), in, 1e-13,
                                      1e-12);
      }
}

TEST(ScatterReduce, IndexReduceMatchesPyTorch) {
  for (const auto& reduce : {"prod", "mean", "amax", "amin"})
    for (const bool include : {true, false}) {
      const std::string name = case_name("index", reduce, include);
      SCOPED_TRACE(name);
      const xg::tensor_list in = xg::test::fixture_inputs(kFile, name, 2);
      const Tensor index = fixture(kFile, name + ".index");
      xg::test::expect_fixture_case(kFile, name, xg::index_reduce(in[0], 0, index, in[1], reduce, include), in, 1e-13,
                                    1e-12);
    }
}

TEST(ScatterReduce, Int64MatchesPyTorch) {  // mean floors, as PyTorch's
  for (const auto& reduce : kReduces)
    for (const bool include : {true, false}) {
      const std::string name = case_name("int64", reduce, include);
      SCOPED_TRACE(name);
      const Tensor y = fixture(kFile, name + ".in0").scatter_reduce(1, fixture(kFile, name + ".index"),
                                                                    fixture(kFile, name + ".in1"), reduce, include);
      ASSERT_EQ(y.dtype(), xg::kInt64);
      EXPECT_EQ(y.to_vector<std::int64_t>(), fixture(kFile, name + ".y").to_vector<std::int64_t>());
    }
}

TEST(ScatterReduce, ReadsOnlyTheIndexShapedPartOfSrc) {
  xg::manual_seed(5);
  const Tensor self = xg::randn({3, 4}, xg::kFloat64), src = xg::randn({4, 6}, xg::kFloat64).requires_grad_();
  const Tensor index = xg::tensor({0, 2, 2, 1, 1, 1, 0, 2}, {2, 4}, xg::kInt64);
  for (const auto& reduce : kReduces) {
    SCOPED_TRACE(reduce);
    const Tensor whole = self.scatter_reduce(0, index, src, reduce);
    const Tensor part = self.scatter_reduce(0, index, src.narrow(0, 0, 2).narrow(1, 0, 4), reduce);
    EXPECT_EQ(max_abs_diff(whole, part), 0.0);
    const Tensor g = xg::grad({whole.sum()}, {src})[0];
    ASSERT_EQ(g.shape(), src.shape());
    EXPECT_EQ(g.narrow(0, 2, 2).abs().sum().item<double>() + g.narrow(1, 4, 2).abs().sum().item<double>(), 0.0);
  }
}

TEST(ScatterReduce, Float32SumsInIndexOrder) {
  // 1 + 1e8 - 1e8 in order is 0 in float32; another order would give 1.
  const Tensor src = xg::tensor({1.0f, 1e8f, -1e8f}, {3}, xg::kFloat32);
  const Tensor y = xg::zeros({1}).scatter_reduce(0, xg::zeros({3}, xg::kInt64), src, "sum");
  EXPECT_EQ(y.to_vector<float>()[0], 0.0f);
  const Tensor z = xg::zeros({1}).scatter_reduce(0, xg::tensor({0, 0, 0}, {3}, xg::kInt64),
                                                 xg::tensor({-1e8f, 1e8f, 1.0f}, {3}, xg::kFloat32), "sum");
  EXPECT_EQ(z.to_vector<float>()[0], 1.0f);
}

TEST(ScatterReduce, NaNFromSrcWinsTheExtremes) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor self = xg::tensor({0.0, 0.0}, {2}, xg::kFloat64);
  const Tensor index = xg::tensor({0, 0, 1}, {3}, xg::kInt64);
  for (const auto& reduce : {"amax", "amin"}) {
    const auto y = self.scatter_reduce(0, index, xg::tensor({nan, 3.0, -2.0}, {3}, xg::kFloat64), reduce).to_vector<double>();
    EXPECT_TRUE(std::isnan(y[0])) << reduce;  // a later 3 does not replace it
    EXPECT_EQ(y[1], std::string(reduce) == "amax" ? 0.0 : -2.0);
  }
  // Without self, a lone -0.0 sums to +0.0 (PyTorch starts from 0).
  const auto z = self.scatter_reduce(0, xg::tensor({1}, {1}, xg::kInt64), xg::tensor({-0.0}, {1}, xg::kFloat64), "sum", false);
  EXPECT_FALSE(std::signbit(z.to_vector<double>()[1]));
}

TEST(ScatterReduce, WithoutSelfAnEqualSelfTakesNoShare) {
  // self's 5 equals the result but takes no part: src's 5 gets the whole gradient (PyTorch
  // 1.13 counts self, gives src half and drops the rest); with self the two share it.
  const Tensor self = xg::tensor({5.0, 1.0}, {2}, xg::kFloat64).requires_grad_();
  const Tensor src = xg::tensor({5.0}, {1}, xg::kFloat64).requires_grad_();
  const Tensor index = xg::zeros({1}, xg::kInt64);
  for (const bool include : {false, true}) {
    const auto g = xg::grad({self.scatter_reduce(0, index, src, "amax", include).sum()}, {self, src});
    EXPECT_EQ(g[0].to_vector<double>(), (std::vector<double>{include ? 0.5 : 0.0, 1.0}));
    EXPECT_EQ(g[1].to_vector<double>(), (std::vector<double>{include ? 0.5 : 1.0}));
  }
}

TEST(ScatterReduce, GradcheckAndGradgradcheck) {
  xg::manual_seed(17);
  const Tensor index = xg::tensor({0, 2, 0, 1, 2, 0, 0, 1, 2, 2, 0, 1}, {4, 3}, xg::kInt64);
  for (const auto& reduce : kReduces)
    for (const bool include : {true, false}) {
      SCOPED_TRACE(reduce + (include ? " with self" : " without self"));
      // Distinct values (no ties at the extremes' kinks) away from zero (prod).
      const xg::tensor_list in{(xg::rand({3, 3}, xg::kFloat64) + 0.5).requires_grad_(),
                               (xg::rand({4, 3}, xg::kFloat64) * -1.0 - 0.5).requires_grad_()};
      const auto f = [&](L v) { return v[0].scatter_reduce(0, index, v[1], reduce, include).pow(2.0); };
      EXPECT_TRUE(gradcheck_ok(f, in));
      EXPECT_TRUE(gradgradcheck_ok(f, in));
      const auto g = [&](L v) { return xg::index_reduce(v[0].t(), 1, xg::tensor({2, 0, 0, 1}, {4}, xg::kInt64), v[1].t(),
                                                        reduce == "sum" ? "prod" : reduce, include); };
      EXPECT_TRUE(gradgradcheck_ok(g, in));
    }
}

TEST(ScatterReduce, ProdSecondOrderWithALoneZero) {
  // A lone zero in a group, and a zero in self: the second derivatives still hold.
  const Tensor index = xg::tensor({0, 0, 1, 1}, {4}, xg::kInt64);
  const xg::tensor_list in{xg::tensor({0.0, 1.5}, {2}, xg::kFloat64).requires_grad_(),
                           xg::tensor({0.0, 2.0, 0.0, 3.0}, {4}, xg::kFloat64).requires_grad_()};
  const auto f = [&](L v) { return v[0].scatter_reduce(0, index, v[1], "prod"); };
  EXPECT_TRUE(gradgradcheck_ok(f, in));
  // Two zeros in one group: the second derivative is refused, as PyTorch's.
  const Tensor src = xg::tensor({0.0, 0.0, 2.0, 3.0}, {4}, xg::kFloat64).requires_grad_();
  const Tensor y = xg::ones({2}, xg::kFloat64).scatter_reduce(0, index, src, "prod");
  const Tensor g = xg::grad({y.sum()}, {src}, {}, true, true)[0];
  EXPECT_EQ(g.to_vector<double>(), (std::vector<double>{0, 0, 3, 2}));
  EXPECT_XG_ERROR(g.sum().backward(), "scatter_reduce", "prod", "two or more src zeros");
}

TEST(ScatterReduce, ErrorsNameTheCall) {
  const Tensor x = xg::zeros({3, 4}), idx = xg::zeros({2, 4}, xg::kInt64);
  EXPECT_XG_ERROR(x.scatter_reduce(0, idx, xg::ones({2, 4}), "max"), "scatter_reduce: reduce must be \"sum\"", "got \"max\"");
  EXPECT_XG_ERROR(x.scatter_reduce(2, idx, xg::ones({2, 4}), "sum"), "scatter_reduce", "2");
  EXPECT_XG_ERROR(x.scatter_reduce(0, idx, xg::ones({2, 3}), "sum"), "scatter_reduce: index (2,4)", "src (2,3)");
  EXPECT_XG_ERROR(x.scatter_reduce(0, idx, xg::ones({2, 4}, xg::kFloat64), "sum"), "scatter_reduce: self (float32)",
                  "src (float64)");
  EXPECT_XG_ERROR(x.scatter_reduce(0, xg::full({2, 4}, 3.0, xg::kInt64), xg::ones({2, 4}), "amax"), "scatter_reduce", "3");
  EXPECT_XG_ERROR(x.scatter_reduce(0, xg::zeros({2, 4}), xg::ones({2, 4}), "sum"), "scatter_reduce: index must be int64");
  EXPECT_XG_ERROR(xg::scalar_tensor(1.0).scatter_reduce(0, idx, xg::ones({2, 4}), "sum"), "scatter_reduce: a 0-d tensor");
  EXPECT_XG_ERROR(x.scatter_reduce(0, Tensor(), xg::ones({2, 4}), "sum"), "scatter_reduce: an operand is undefined");
  const Tensor i1 = xg::tensor({0, 2}, {2}, xg::kInt64);
  EXPECT_XG_ERROR(x.index_reduce(0, i1, xg::ones({2, 4}), "sum"), "index_reduce: reduce must be \"prod\"", "index_add sums");
  EXPECT_XG_ERROR(x.index_reduce(0, i1, xg::ones({3, 4}), "amax"), "index_reduce: source (3,4) must be (2,4)");
  EXPECT_XG_ERROR(x.index_reduce(1, xg::tensor({0, 4}, {2}, xg::kInt64), xg::ones({3, 2}), "amin"), "index_reduce", "4");
  EXPECT_XG_ERROR(x.index_reduce(0, xg::zeros({2, 1}, xg::kInt64), xg::ones({2, 4}), "mean"),
                  "index_reduce: index must be 0-d or 1-d");
}
