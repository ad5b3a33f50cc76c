// libtorch's indexing API: x.index({...}) against PyTorch 1.13's x[...] (values and
// gradients, tests/fixtures/torch_math_ops.npz), gradcheck and gradgradcheck, index_put_
// against x[...] = v, and the errors.
#include "test_util.h"

using namespace xg::indexing;  // NOLINT: as libtorch code writes it
using xg::test::max_abs_diff;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {

xg::Tensor fx(const std::string& key) { return xg::test::fixture("torch_math_ops.npz", key); }

// The index cases of scripts/make_math_fixtures.py.
const std::vector<std::pair<const char*, std::function<xg::Tensor(const xg::Tensor&)>>>& cases() {
  static const std::vector<std::pair<const char*, std::function<xg::Tensor(const xg::Tensor&)>>> all{
      {"index_a", [](const xg::Tensor& x) { return x.index({Slice(1, None), 0}); }},
      {"index_b", [](const xg::Tensor& x) { return x.index({"...", None, Slice(None, None, 2)}); }},
      {"index_c", [](const xg::Tensor& x) { return x.index({xg::tensor({{2, 0}, {1, 1}}, xg::kInt64), Slice(1, 3)}); }},
      {"index_d", [](const xg::Tensor& x) { return x.index({-1, Slice(), xg::tensor({0, 0, 3}, xg::kInt64)}); }},
      {"index_e", [](const xg::Tensor& x) { return x.index({None, 1, Slice(-3, -1)}); }}};
  return all;
}

}  // namespace

TEST(Indexing, MatchesPythonsIndexing) {
  for (const auto& [name, f] : cases()) {
    SCOPED_TRACE(name);
    const std::string k = name;
    const auto x = fx(k + ".in0").requires_grad_();
    const auto y = f(x);
    ASSERT_EQ(y.shape(), fx(k + ".y").shape());
    EXPECT_EQ(max_abs_diff(y, fx(k + ".y")), 0.0);
    const auto g = xg::grad({(y * fx(k + ".gy")).sum()}, {x});
    EXPECT_LT(max_abs_diff(g[0], fx(k + ".g0")), 1e-15);
    EXPECT_TRUE(gradcheck_ok([&f = f](L v) { return f(v[0]); }, {fx(k + ".in0").requires_grad_()}));
    EXPECT_TRUE(gradgradcheck_ok([&f = f](L v) { return f(v[0]) * f(v[0]); }, {fx(k + ".in0").requires_grad_()}));
  }
  // Ellipsis as the type or the string, an int64 0-d index removing its axis, a vector list.
  const auto x = xg::arange(24.0, xg::kFloat64).reshape({2, 3, 4});
  EXPECT_TRUE(values_near(x.index({Ellipsis, 1}), x.index({"...", 1}).to_vector<double>(), 0));
  EXPECT_EQ(x.index({xg::tensor({1}, xg::kInt64).reshape({})}).shape(), (xg::Shape{3, 4}));
  EXPECT_EQ(x.index(std::vector<TensorIndex>{0, Slice(1)}).shape(), (xg::Shape{2, 4}));
  EXPECT_EQ(x.index({}).shape(), (xg::Shape{2, 3, 4}));
  EXPECT_EQ(x.index({std::int64_t{1}, 2, 3}).item(), 23.0);
}

TEST(Indexing, IndexPutWritesAsPython) {
  auto a = fx("put.in0").clone();
  a.index_put_({Slice(1, None), 0}, xg::tensor({5.0, 6.0}, xg::kFloat64));
  EXPECT_EQ(max_abs_diff(a, fx("put.y")), 0.0);
  auto b = fx("put.in0").clone();
  b.index_put_({"...", xg::tensor({1, 3, 1}, xg::kInt64)}, 2.5);  // a repeated position keeps the value
  EXPECT_EQ(max_abs_diff(b, fx("put_scalar.y")), 0.0);
  auto c = fx("put.in0").clone();
  c.index_put_({xg::tensor({0, 2, 0}, xg::kInt64)}, xg::ones({3, 4}, xg::kFloat64), /*accumulate=*/true);
  EXPECT_LT(max_abs_diff(c, fx("put_accumulate.y")), 1e-15);
  // The last write of a position wins, whatever the earlier ones held (NaN included).
  auto n = xg::zeros({2}, xg::kFloat64);
  n.index_put_({xg::tensor({0, 1, 0}, xg::kInt64)}, xg::tensor({NAN, 2.0, 1.0}, xg::kFloat64));
  EXPECT_TRUE(values_near(n, {1, 2}, 0));
  // int64 tensors, and the write bumps the version (a saved tensor's later use is caught).
  auto i = xg::zeros({3}, xg::kInt64);
  i.index_put_({1}, 7);
  EXPECT_TRUE(values_near(i, {0, 7, 0}, 0));
}

TEST(Indexing, ErrorsNameTheCall) {
  const auto x = xg::zeros({2, 3});
  EXPECT_XG_ERROR(x.index({0, 1, 2}), "index: too many indices for a tensor of dimension 2 (2,3): {0, 1, 2}");
  EXPECT_XG_ERROR(x.index({"...", "..."}), "index: an index can only have a single ellipsis, got {..., ...}");
  EXPECT_XG_ERROR(x.index({Slice(None, None, 0)}), "index: a slice's step must be positive, got 0 in {Slice(::0)}");
  EXPECT_XG_ERROR(x.index({Slice(None, None, -1)}), "index: a slice's step must be positive, got -1");
  EXPECT_XG_ERROR(x.index({xg::tensor({0.0})}), "index: a tensor index must be int64", "got float32");
  EXPECT_XG_ERROR(x.index({xg::tensor({0}, xg::kInt64), xg::tensor({0}, xg::kInt64)}),
                  "index: more than one tensor index (advanced indexing across axes) is not supported");
  EXPECT_XG_ERROR(x.index({xg::tensor({2}, xg::kInt64)}), "index: index 2 at position 0 is out of range for axis 0 of size 2");
  EXPECT_XG_ERROR(x.index({5}), "index:", "5");
  EXPECT_XG_ERROR(x.index({"..x"}), "index: the only string an index takes is \"...\" (the Ellipsis), got \"..x\"");
  auto y = xg::zeros({2, 3});
  EXPECT_XG_ERROR(y.index_put_({0}, xg::ones({2})), "index_put_: a value of shape (2,) cannot be broadcast to the indexed shape (3,) of {0}");
  auto leaf = xg::zeros({2, 3}).requires_grad_();
  EXPECT_THROW(leaf.index_put_({0}, 1.0), xg::Error);  // copy_'s rule for a tensor that requires grad
  EXPECT_XG_ERROR(xg::Tensor().index({0}), "index: the tensor is undefined");
}
