// Shape operations: values, views, gradients and errors.
#include "test_util.h"

using xg::test::randp;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

TEST(Reshape, SharesStorageAndInfersOneDimension) {
  auto x = xg::arange(6, xg::kFloat32);
  auto y = x.reshape({2, -1});
  EXPECT_EQ(y.shape(), (xg::Shape{2, 3}));
  y.add_(1.0);  // a view: x sees the change
  EXPECT_TRUE(values_near(x, {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(x.flatten().shape(), (xg::Shape{6}));
  EXPECT_EQ(xg::ones({2, 3, 4}).flatten(1).shape(), (xg::Shape{2, 12}));
  EXPECT_EQ(xg::ones({2, 1, 3}).squeeze(1).shape(), (xg::Shape{2, 3}));
  EXPECT_EQ(xg::ones({2, 3}).unsqueeze(-1).shape(), (xg::Shape{2, 3, 1}));
  EXPECT_XG_ERROR(x.reshape({4, 2}), "reshape: cannot reshape (6,) (6 elements) into (4,2)");
  EXPECT_XG_ERROR(x.reshape({-1, -1}), "only one dimension can be -1");
  EXPECT_XG_ERROR(xg::ones({2, 3}).squeeze(0), "squeeze", "size 2");
  xg::manual_seed(20);
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].reshape({3, 2}) * xg::arange(1, 7, 1, xg::kFloat64).reshape({3, 2}); }, {randp({2, 3})}));
}

TEST(Permute, TransposesAndReversesAxes) {
  auto x = xg::tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(x.T().shape(), (xg::Shape{3, 2}));
  EXPECT_TRUE(values_near(x.T(), {1, 4, 2, 5, 3, 6}));
  auto c = xg::arange(24, xg::kFloat32).reshape({2, 3, 4});
  auto p = c.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), (xg::Shape{4, 2, 3}));
  EXPECT_EQ(p.at({3, 1, 2}), c.at({1, 2, 3}));
  EXPECT_EQ(c.transpose(0, 2).shape(), (xg::Shape{4, 3, 2}));
  EXPECT_XG_ERROR(c.permute({0, 0, 1}), "permute: axis 0 repeated");
  EXPECT_XG_ERROR(c.permute({0, 1}), "permute", "does not permute");
  xg::manual_seed(21);
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].permute({1, 2, 0}) * xg::arange(24, xg::kFloat64).reshape({3, 4, 2}); }, {randp({2, 3, 4})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].T(); }, {randp({2, 3})}));
}

TEST(BroadcastTo, AndItsAdjointSumTo) {
  auto x = xg::tensor({1, 2, 3});
  auto b = xg::broadcast_to(x, {2, 3});
  EXPECT_TRUE(values_near(b, {1, 2, 3, 1, 2, 3}));
  EXPECT_TRUE(values_near(xg::sum_to(b, {3}), {2, 4, 6}));
  EXPECT_TRUE(values_near(xg::sum_to(b, {2, 1}), {6, 6}));
  EXPECT_TRUE(values_near(xg::sum_to(b, {1, 3}), {2, 4, 6}));
  EXPECT_XG_ERROR(xg::sum_to(b, {4}), "sum_to: cannot sum shape (2,3) down to (4,)");
  xg::manual_seed(22);
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::broadcast_to(x[0], {2, 4, 3}); }, {randp({4, 1})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::sum_to(x[0], {1, 3}); }, {randp({2, 4, 3})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return xg::sum_to(x[0] * x[0], {3}); }, {randp({2, 3})}));
}

TEST(Concat, StackSplitChunk) {
  auto a = xg::tensor({{1, 2}});
  auto b = xg::tensor({{3, 4}, {5, 6}});
  EXPECT_TRUE(values_near(xg::concat({a, b}), {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(xg::concat({b, b}, 1).shape(), (xg::Shape{2, 4}));
  EXPECT_TRUE(values_near(xg::concat({b, b}, 1), {3, 4, 3, 4, 5, 6, 5, 6}));
  auto s = xg::stack({xg::tensor({1, 2}), xg::tensor({3, 4})}, 1);
  EXPECT_EQ(s.shape(), (xg::Shape{2, 2}));
  EXPECT_TRUE(values_near(s, {1, 3, 2, 4}));
  auto parts = xg::split(xg::arange(5, xg::kFloat32), {2, 3});
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(values_near(parts[1], {2, 3, 4}));
  auto halves = xg::chunk(b, 2, 1);
  EXPECT_TRUE(values_near(halves[1], {4, 6}));
  EXPECT_XG_ERROR(xg::concat({a, xg::ones({1, 3})}), "concat: tensor 1 of shape (1,3) does not match (1,2)");
  EXPECT_XG_ERROR(xg::split(b, {1, 2}), "split: sizes (1,2) add up to 3", "has size 2");
  EXPECT_XG_ERROR(xg::split(b, {-1, 3}), "split: negative size in (-1,3)");
  // The method's split_size form (libtorch's x.split(2, dim)).
  EXPECT_XG_ERROR(b.split(0, 1), "split: split_size 0 cannot split an axis of size");
  EXPECT_XG_ERROR(b.split(-1, 1), "split: split_size must be non-negative, got -1");
  EXPECT_XG_ERROR(b.split(1, 5), "split", "5");
  EXPECT_XG_ERROR(xg::Tensor().split(1), "split: the input is undefined");
  constexpr std::int64_t big = std::int64_t{1} << 62;
  EXPECT_XG_ERROR(xg::split(b, {big, big, big}), "split: the sum of the sizes overflows int64");
  EXPECT_XG_ERROR(xg::chunk(b, 3, 0), "chunk", "3 equal pieces");
  // An empty axis splits into any number of empty pieces, as PyTorch's; a number no memory
  // could list is an error, not a std::length_error (found by the ops fuzzer).
  EXPECT_EQ(xg::chunk(xg::zeros({0, 3}), 7, 0).size(), 7u);
  EXPECT_XG_ERROR(xg::chunk(xg::zeros({0, 3}), big, 0), "chunk:", "pieces");
  // The bound counts what a piece costs beyond its values (a handle, metadata, a gradient
  // slot), not just its list entry: 2^20 empty pieces under a 64 MiB limit took 2 GB before.
  const std::size_t limit = xg::allocation_limit();
  xg::set_allocation_limit(std::size_t{64} << 20);
  EXPECT_XG_ERROR(xg::chunk(xg::zeros({0, 3}), std::int64_t{1} << 20, 0), "chunk:", "pieces");
  EXPECT_XG_ERROR(xg::unbind(xg::zeros({std::int64_t{1} << 20, 0}), 0), "unbind:", "pieces");
  xg::set_allocation_limit(limit);
  EXPECT_XG_ERROR(xg::stack({a, b}), "stack: tensor 1 of shape (2,2) differs from (1,2)");
  xg::manual_seed(23);
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::concat({x[0], x[1] * 2.0}, 1); }, {randp({2, 3}), randp({2, 1})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::stack({x[0], x[1]}, 0); }, {randp({3}), randp({3})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { auto p = xg::split(x[0], {1, 2}, 1); return p[0] * p[1].sum({1}, true); }, {randp({2, 3})}));
  // A piece that is not used gets a zero gradient.
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::chunk(x[0], 3, 0)[2]; }, {randp({3, 2})}));
}

TEST(Slice, MeansWhatLibtorchsSliceMeans) {
  // x.slice(dim, start, end, step), as libtorch: x.slice(1, 0, 10) is columns 0..9, not rows.
  auto x = xg::arange(10, xg::kFloat32).reshape({5, 2});
  EXPECT_TRUE(values_near(x.slice(0, 1, 3), {2, 3, 4, 5}));
  EXPECT_TRUE(values_near(x.slice(0, -2, 100), {6, 7, 8, 9}));
  EXPECT_TRUE(values_near(x.slice(0, 0, 5, 2), {0, 1, 4, 5, 8, 9}));
  EXPECT_TRUE(values_near(x.slice(1, 1, 2), {1, 3, 5, 7, 9}));
  EXPECT_TRUE(values_near(x.slice(-1, 0, 1), {0, 2, 4, 6, 8}));
  EXPECT_EQ(x.slice(1, 0, 10).shape(), (xg::Shape{5, 2}));  // clamps, as Python
  EXPECT_EQ(x.slice(0, 3, 1).shape(), (xg::Shape{0, 2}));
  EXPECT_EQ(x.slice().shape(), (xg::Shape{5, 2}));
  EXPECT_XG_ERROR(x.slice(0, 0, 2, 0), "slice: step must be positive");
  EXPECT_XG_ERROR(x.slice(2, 0, 1), "slice: axis 2 is out of range");
  xg::manual_seed(24);
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].slice(0, 1, 4, 2); }, {randp({5, 2})}));
  EXPECT_TRUE(gradcheck_ok([](L x) { return x[0].slice(1, 1, 3); }, {randp({2, 4})}));
  // A contiguous range's gradient is gy between zeros (a concatenation): to the second order,
  // at either end and in the middle.
  for (const auto& [b, e] : {std::pair{0, 2}, std::pair{1, 3}, std::pair{2, 4}})
    EXPECT_TRUE(gradgradcheck_ok([b = b, e = e](L x) { return (x[0] * x[0]).slice(1, b, e); }, {randp({2, 4})}));
}

TEST(Narrow, LengthFromStartAndMustFit) {
  auto x = xg::arange(12, xg::kFloat32).reshape({3, 4});
  EXPECT_TRUE(values_near(x.narrow(1, 1, 2), {1, 2, 5, 6, 9, 10}));
  EXPECT_TRUE(values_near(xg::narrow(x, 0, -1, 1), {8, 9, 10, 11}));
  EXPECT_XG_ERROR(x.narrow(1, 3, 2), "narrow: start 3 and length 2 do not fit axis 1 of size 4 in (3,4)");
  EXPECT_XG_ERROR(x.narrow(0, 0, -1), "narrow: start 0 and length -1");
  xg::manual_seed(25);
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::narrow(x[0] * x[0], 1, 1, 2); }, {randp({2, 3})}));
}

TEST(Select, OneEntryOfAnAxisWithoutTheAxis) {
  auto x = xg::arange(24, xg::kFloat32).reshape({2, 3, 4});
  EXPECT_EQ(x.select(1, 2).shape(), (xg::Shape{2, 4}));
  EXPECT_TRUE(values_near(x.select(1, 2), {8, 9, 10, 11, 20, 21, 22, 23}));
  EXPECT_TRUE(values_near(xg::select(x, 0, -1).select(0, 0), {12, 13, 14, 15}));
  EXPECT_TRUE(values_near(x.select(-1, 3).select(0, 1), {15, 19, 23}));
  EXPECT_EQ(xg::arange(3, xg::kFloat64).select(0, 1).dim(), 0);
  EXPECT_XG_ERROR(x.select(1, 3), "select: index 3 is out of range for axis 1 of size 3 in (2,3,4)");
  EXPECT_XG_ERROR(x.select(0, -3), "select: index -3 is out of range for axis 0 of size 2 in (2,3,4)");
  EXPECT_XG_ERROR(x.select(3, 0), "select: axis 3 is out of range for a tensor of dimension 3");
  EXPECT_XG_ERROR(xg::scalar_tensor(1.0).select(0, 0), "select: a 0-d tensor has no axis to select from");
  xg::manual_seed(26);
  EXPECT_TRUE(gradcheck_ok([](L x) { return xg::select(x[0] * x[0], 1, -2); }, {randp({2, 3, 2})}));
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return (x[0] * x[0]).select(0, 1); }, {randp({3, 2})}));
}

TEST(Unbind, SlicesWithoutTheAxisAndGradients) {
  auto x = xg::arange(6.0, xg::kFloat64).reshape({2, 3});
  auto cols = xg::unbind(x, 1);
  ASSERT_EQ(cols.size(), 3u);
  EXPECT_EQ(cols[2].shape(), (xg::Shape{2}));
  EXPECT_EQ(cols[2].to_vector<double>(), (std::vector<double>{2, 5}));
  EXPECT_TRUE(xg::testing::gradcheck_ok([](const xg::tensor_list& v) { return xg::unbind(v[0], 0)[1] * 2.0; },
                                        {xg::test::randp({3, 2})}));
  EXPECT_XG_ERROR(xg::unbind(xg::scalar_tensor(1.0)), "unbind: a 0-d tensor");
}
