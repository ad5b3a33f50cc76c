// Indexing: index_select, gather, pick and one_hot.
#include "test_util.h"

using xg::test::randp;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

TEST(IndexSelect, RowsAndColumns) {
  auto x = xg::tensor({{1, 2}, {3, 4}, {5, 6}});
  auto idx = xg::tensor({2, 0, 2}, xg::kInt64);
  EXPECT_TRUE(values_near(xg::index_select(x, 0, idx), {5, 6, 1, 2, 5, 6}));
  EXPECT_TRUE(values_near(xg::index_select(x, 1, xg::tensor({1}, xg::kInt64)), {2, 4, 6}));
  EXPECT_TRUE(values_near(xg::index_select(x, 0, xg::tensor({-1}, xg::kInt64)), {5, 6}));
  EXPECT_XG_ERROR(xg::index_select(x, 0, xg::tensor({3}, xg::kInt64)), "index_select: index 3 at position 0 is out of range for axis 0 of size 3");
  EXPECT_XG_ERROR(xg::index_select(x, 0, xg::tensor({1.0})), "index_select: index tensor must be int64, got float32");
  // Repeated rows accumulate their gradients.
  auto p = xg::test::param({1, 2, 3, 4, 5, 6}, {3, 2});
  xg::index_select(p, 0, idx).sum().backward();
  EXPECT_TRUE(values_near(p.grad(), {1, 1, 0, 0, 2, 2}));
  xg::manual_seed(30);
  EXPECT_TRUE(gradcheck_ok([&](L x) { return xg::index_select(x[0], 0, idx); }, {randp({3, 2})}));
  EXPECT_TRUE(gradgradcheck_ok([&](L x) { return xg::index_select(x[0] * x[0], 1, idx); }, {randp({2, 3})}));
}

TEST(Gather, AndPickTheLabelledEntries) {
  auto y = xg::tensor({{0.1, 0.7, 0.2}, {0.5, 0.3, 0.2}});
  auto t = xg::tensor({1, 0}, xg::kInt64);
  EXPECT_TRUE(values_near(xg::pick(y, t), {0.7, 0.5}));
  EXPECT_TRUE(values_near(xg::gather(y, 1, xg::tensor({{2, 2}, {0, 1}}, xg::kInt64)), {0.2, 0.2, 0.5, 0.3}));
  EXPECT_XG_ERROR(xg::pick(y, xg::tensor({3, 0}, xg::kInt64)), "gather: index 3", "axis 1 of size 3");
  EXPECT_XG_ERROR(xg::pick(y, xg::tensor({1}, xg::kInt64)), "pick: expected (N,C) scores and (N,) int64 labels, got (2,3) and (1,)");
  xg::manual_seed(31);
  EXPECT_TRUE(gradcheck_ok([&](L x) { return xg::pick(x[0], t); }, {randp({2, 3})}));
  EXPECT_TRUE(gradgradcheck_ok([&](L x) { return xg::pick(x[0] * x[0], t); }, {randp({2, 3})}));
}

TEST(OneHot, RowsForLabels) {
  auto h = xg::one_hot(xg::tensor({2, 0}, xg::kInt64), 3);
  EXPECT_EQ(h.shape(), (xg::Shape{2, 3}));
  EXPECT_TRUE(values_near(h, {0, 0, 1, 1, 0, 0}));
  EXPECT_XG_ERROR(xg::one_hot(xg::tensor({3}, xg::kInt64), 3), "one_hot: label 3 at position 0 is outside [0, 3)");
}
