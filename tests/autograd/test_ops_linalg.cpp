// Matrix products of every supported rank combination, their gradients and errors.
#include "test_util.h"

using xg::test::randp;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

TEST(Matmul, ValuesForEveryRankCombination) {
  auto A = xg::tensor({{1, 2}, {3, 4}, {5, 6}});  // (3,2)
  auto B = xg::tensor({{1, 0, 2}, {0, 1, 3}});    // (2,3)
  EXPECT_TRUE(values_near(xg::matmul(A, B), {1, 2, 8, 3, 4, 18, 5, 6, 28}));
  EXPECT_TRUE(values_near(xg::matmul(A, xg::tensor({1, 1})), {3, 7, 11}));          // matrix-vector
  EXPECT_TRUE(values_near(xg::matmul(xg::tensor({1, 1, 1}), A), {9, 12}));          // vector-matrix
  EXPECT_TRUE(values_near(xg::matmul(xg::tensor({1, 2}), xg::tensor({3, 4})), {11}));  // dot
  auto batch = xg::stack({A, A * 2.0});  // (2,3,2)
  auto bm = xg::matmul(batch, xg::stack({B, B}));
  EXPECT_EQ(bm.shape(), (xg::Shape{2, 3, 3}));
  EXPECT_EQ(bm.at({1, 2, 2}), 56);
  auto b2 = xg::matmul(batch, B);  // (2,3,2) @ (2,3)
  EXPECT_EQ(b2.shape(), (xg::Shape{2, 3, 3}));
  EXPECT_EQ(b2.at({1, 2, 2}), 56);
  EXPECT_EQ(xg::matmul(A.to(xg::kFloat64), B).dtype(), xg::kFloat64);
}

TEST(Matmul, AnEmptyInnerDimensionGivesZeros) {
  // k = 0: the product of nothing, zeros of the outer shape (as numpy and PyTorch), through
  // every path (2-D, batched, broadcast), and gradients of the operands' (empty) shapes.
  const auto a = xg::zeros({2, 0}).requires_grad_(), b = xg::zeros({0, 3}).requires_grad_();
  const auto c = xg::matmul(a, b);
  EXPECT_EQ(c.shape(), (xg::Shape{2, 3}));
  EXPECT_EQ(c.abs().max().item(), 0.0);
  c.sum().backward();
  EXPECT_EQ(a.grad().shape(), (xg::Shape{2, 0}));
  EXPECT_EQ(b.grad().shape(), (xg::Shape{0, 3}));
  EXPECT_EQ(xg::matmul(xg::zeros({0, 0}), xg::zeros({0, 2})).shape(), (xg::Shape{0, 2}));
  EXPECT_EQ(xg::matmul(xg::zeros({4, 2, 0}), xg::zeros({1, 0, 3})).shape(), (xg::Shape{4, 2, 3}));
  EXPECT_EQ(xg::matmul(xg::zeros({0, 2, 5}), xg::zeros({0, 5, 3})).shape(), (xg::Shape{0, 2, 3}));
}

TEST(Matmul, ErrorsNameTheShapes) {
  EXPECT_XG_ERROR(xg::matmul(xg::ones({100, 784}), xg::ones({100, 10})),
                  "matmul: (100,784) @ (100,10): inner dimensions 784 and 100 differ");
  EXPECT_XG_ERROR(xg::matmul(xg::ones({2, 3, 4}), xg::ones({3, 4, 5})),
                  "matmul: (2,3,4) and (3,4,5): batch dimensions (2,) and (3,) do not broadcast");
  EXPECT_XG_ERROR(xg::matmul(xg::ones({2, 5, 3, 4}), xg::ones({3, 4, 5})), "batch dimensions (2,5) and (3,) do not broadcast");
  EXPECT_XG_ERROR(xg::matmul(xg::scalar_tensor(2.0), xg::ones({2, 2})), "matmul: () @ (2,2): a 0-d operand");
  EXPECT_XG_ERROR(xg::bmm(xg::ones({2, 3, 4}), xg::ones({1, 4, 5})), "bmm: (2,3,4) @ (1,4,5)", "equal B");
  EXPECT_XG_ERROR(xg::matmul(xg::arange(4).reshape({2, 2}), xg::ones({2, 2})), "matmul: int64");
}

TEST(Matmul, GradientsForEveryRankCombination) {
  xg::manual_seed(40);
  auto mm = [](L x) { return xg::matmul(x[0], x[1]); };
  EXPECT_TRUE(gradcheck_ok(mm, {randp({3, 4}), randp({4, 2})}));
  EXPECT_TRUE(gradcheck_ok(mm, {randp({3, 4}), randp({4})}));
  EXPECT_TRUE(gradcheck_ok(mm, {randp({4}), randp({4, 2})}));
  EXPECT_TRUE(gradcheck_ok(mm, {randp({4}), randp({4})}));
  EXPECT_TRUE(gradcheck_ok(mm, {randp({2, 3, 4}), randp({2, 4, 2})}));
  EXPECT_TRUE(gradcheck_ok(mm, {randp({2, 3, 4}), randp({4, 2})}));
  EXPECT_TRUE(gradgradcheck_ok(mm, {randp({3, 4}), randp({4, 2})}));
  EXPECT_TRUE(gradgradcheck_ok(mm, {randp({2, 2, 3}), randp({2, 3, 2})}));
  // Transposed operands go through gemm's flags in backward; check those paths too.
  EXPECT_TRUE(gradgradcheck_ok([](L x) { return xg::matmul(x[0].T(), x[1]); }, {randp({4, 3}), randp({4, 2})}));
  // A linear layer with a broadcast bias, float32 parameters promoted by the checker.
  auto W = xg::randn({4, 3}).requires_grad_();
  auto b = xg::zeros({3}).requires_grad_();
  auto x = xg::randn({5, 4});
  EXPECT_TRUE(xg::testing::gradients_match([&] { return xg::tanh(xg::matmul(x, W) + b).sum(); }, {{"W", W}, {"b", b}}));
}

TEST(Linear, FusedEqualsMatmulPlusBiasAndGradchecks) {
  xg::manual_seed(41);
  auto x = xg::randn({5, 4}, xg::kFloat64), W = xg::randn({4, 3}, xg::kFloat64), b = xg::randn({3}, xg::kFloat64);
  auto fused = xg::linear(x, W, b), plain = xg::matmul(x, W) + b;
  EXPECT_TRUE(values_near(fused, plain.to_vector<double>(), 1e-12));
  auto lin = [](L in) { return xg::linear(in[0], in[1], in[2]); };
  EXPECT_TRUE(gradcheck_ok(lin, {randp({5, 4}), randp({4, 3}), randp({3})}));
  EXPECT_TRUE(gradgradcheck_ok(lin, {randp({3, 2}), randp({2, 3}), randp({3})}));
  // Other shapes fall back to matmul + broadcasting (a 3-D input, a 0-d bias).
  EXPECT_TRUE(gradcheck_ok(lin, {randp({2, 3, 4}), randp({4, 2}), randp({2})}));
  EXPECT_EQ(xg::linear(xg::ones({2, 3}), xg::ones({3, 4}), xg::scalar_tensor(1.0)).shape(), (xg::Shape{2, 4}));
  EXPECT_EQ(xg::linear(x, W, b).grad_fn_name(), "");  // nothing requires grad: nothing recorded
  EXPECT_XG_ERROR(xg::linear(xg::ones({2, 3}), xg::ones({4, 5}), xg::ones({5})), "matmul: (2,3) @ (4,5): inner dimensions 3 and 4 differ");
}
