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
  // The index policy: positions in [0, size), a negative index is an error (as PyTorch's).
  EXPECT_XG_ERROR(xg::index_select(x, 0, xg::tensor({-1}, xg::kInt64)), "index_select: index -1 at position 0",
                  "negative indices do not count from the end");
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
  EXPECT_XG_ERROR(xg::pick(y, xg::tensor({3, 0}, xg::kInt64)), "pick: label 3 at position 0 is outside [0, 3)");
  EXPECT_XG_ERROR(xg::pick(y, xg::tensor({1, -1}, xg::kInt64)), "pick: label -1 at position 1");
  EXPECT_XG_ERROR(xg::gather(y, 1, xg::tensor({{-1}, {0}}, xg::kInt64)), "gather: index -1 at position 0");
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

TEST(IndexPolicy, EveryIndexTakingFunctionRejectsNegativesAndNamesItself) {
  auto y = xg::tensor({{0.1, 0.7, 0.2}, {0.5, 0.3, 0.2}});
  const auto minus_one = xg::tensor({0, -1}, xg::kInt64), ten = xg::tensor({0, 3}, xg::kInt64);
  EXPECT_XG_ERROR(xg::nn::cross_entropy_error(y, minus_one), "cross_entropy_error: label -1 at position 1");
  EXPECT_XG_ERROR(xg::nn::cross_entropy_error(y, ten), "cross_entropy_error: label 3 at position 1 is outside [0, 3)");
  EXPECT_XG_ERROR(xg::nn::softmax_cross_entropy(y, minus_one), "softmax_cross_entropy: label -1");
  EXPECT_XG_ERROR(xg::nn::accuracy(y, ten), "accuracy: label 3 at position 1 is outside [0, 3)");
  EXPECT_XG_ERROR(xg::nn::accuracy(y, minus_one), "accuracy: label -1");
  EXPECT_XG_ERROR(xg::one_hot(minus_one, 3), "one_hot: label -1");
  xg::nn::Embedding emb(4, 2);
  EXPECT_XG_ERROR(emb(xg::tensor({1, -1}, xg::kInt64)), "Embedding: index -1 at position 1 is outside [0, 4)");
  EXPECT_XG_ERROR(emb(xg::tensor({4}, xg::kInt64)), "Embedding: index 4");
}

TEST(IndexPolicy, FloatLabelsSayWhatIsWrongAndHowToFixIt) {
  auto y = xg::tensor({{0.1, 0.7, 0.2}, {0.5, 0.3, 0.2}});
  const auto float_labels = xg::tensor({1, 0});  // float32, unlike libtorch's int64
  EXPECT_XG_ERROR(xg::nn::softmax_cross_entropy(y, float_labels), "differ in shape", "class labels, they must be int64, not float32",
                  "xg::kInt64");
  EXPECT_XG_ERROR(xg::nn::cross_entropy_error(y, float_labels), "must be int64, not float32");
  EXPECT_XG_ERROR(xg::nn::accuracy(y, float_labels), "accuracy: labels must be int64, got float32");
  EXPECT_XG_ERROR(xg::one_hot(float_labels, 3), "one_hot: labels must be int64, got float32", "xg::tensor({1, 2, 3}, xg::kInt64)");
  EXPECT_XG_ERROR(xg::nn::accuracy(xg::tensor({0.9, 0.2}), xg::tensor({1.0, 2.0})), "binary targets must be 0 or 1");
}
