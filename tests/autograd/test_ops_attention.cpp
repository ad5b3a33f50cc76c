// Broadcasting matmul, masked_fill, tril/triu and scaled_dot_product_attention: values
// against loops and PyTorch, first and second gradients in float64, the masks' meanings and
// the errors.
#include <cmath>
#include <limits>

#include "test_util.h"

using xg::test::max_abs_diff;
using xg::test::randp;
using xg::test::values_near;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {

bool all_finite(const xg::Tensor& x) {
  for (double e : x.to_vector<double>())
    if (!std::isfinite(e)) return false;
  return true;
}

// The product of each pair of matrices, by 2-D matmul, for operands already of equal
// batch shape (B1, B2, n, k) @ (B1, B2, k, m).
xg::Tensor loop_matmul(const xg::Tensor& a, const xg::Tensor& b) {
  xg::tensor_list rows;
  for (std::int64_t i = 0; i < a.shape()[0]; ++i) {
    xg::tensor_list cols;
    for (std::int64_t j = 0; j < a.shape()[1]; ++j) cols.push_back(xg::matmul(xg::select(xg::select(a, 0, i), 0, j), xg::select(xg::select(b, 0, i), 0, j)));
    rows.push_back(xg::stack(cols));
  }
  return xg::stack(rows);
}

// softmax(q k^T · scale + bias) v written out: the definition the ops must follow.
xg::Tensor attention_by_definition(const xg::Tensor& q, const xg::Tensor& k, const xg::Tensor& v,
                                   const xg::Tensor& bias = xg::Tensor()) {
  auto s = xg::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.shape()[q.dim() - 1]));
  if (bias.defined()) s = s + bias;
  return xg::matmul(xg::softmax(s, -1), v);
}

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST(MatmulBroadcast, FourDimensionalAndBroadcastOperandsEqualTheLoop) {
  xg::manual_seed(70);
  auto a = xg::randn({2, 3, 4, 5}, xg::kFloat64), b = xg::randn({2, 3, 5, 6}, xg::kFloat64);
  EXPECT_LT(max_abs_diff(xg::matmul(a, b), loop_matmul(a, b)), 1e-12);
  // A 2-D, a 3-D and a size-1 batch operand broadcast against a 4-D one.
  auto m = xg::randn({5, 6}, xg::kFloat64);
  EXPECT_LT(max_abs_diff(xg::matmul(a, m), loop_matmul(a, m.expand({2, 3, 5, 6}))), 1e-12);
  auto c3 = xg::randn({3, 5, 6}, xg::kFloat64);
  EXPECT_LT(max_abs_diff(xg::matmul(a, c3), loop_matmul(a, c3.expand({2, 3, 5, 6}))), 1e-12);
  auto left = xg::randn({4, 5}, xg::kFloat64);
  EXPECT_LT(max_abs_diff(xg::matmul(left, b), loop_matmul(left.expand({2, 3, 4, 5}), b)), 1e-12);
  auto one = xg::randn({2, 1, 4, 5}, xg::kFloat64);
  EXPECT_LT(max_abs_diff(xg::matmul(one, b), loop_matmul(one.expand({2, 3, 4, 5}), b)), 1e-12);
  // 1-D operands: a row (column) that is removed again.
  EXPECT_EQ(xg::matmul(xg::ones({5}), b).shape(), (xg::Shape{2, 3, 6}));
  EXPECT_EQ(xg::matmul(a, xg::ones({5})).shape(), (xg::Shape{2, 3, 4}));
  EXPECT_LT(max_abs_diff(xg::matmul(a, xg::ones({5}, xg::kFloat64)), a.sum({-1})), 1e-12);
  EXPECT_EQ(xg::matmul(xg::ones({4, 1, 2, 3}), xg::ones({5, 3, 7})).shape(), (xg::Shape{4, 5, 2, 7}));
  EXPECT_EQ(xg::bmm(xg::ones({2, 3, 4}), xg::ones({2, 4, 5})).shape(), (xg::Shape{2, 3, 5}));
}

TEST(MatmulBroadcast, GradientsSumOverBroadcastAxes) {
  xg::manual_seed(71);
  auto mm = [](L x) { return xg::matmul(x[0], x[1]); };
  EXPECT_TRUE(gradcheck_ok(mm, {randp({2, 2, 3, 4}), randp({2, 2, 4, 2})}));
  EXPECT_TRUE(gradcheck_ok(mm, {randp({2, 1, 3, 4}), randp({3, 4, 2})}));
  EXPECT_TRUE(gradcheck_ok(mm, {randp({3, 4}), randp({2, 2, 4, 3})}));
  EXPECT_TRUE(gradcheck_ok(mm, {randp({4}), randp({2, 4, 3})}));
  EXPECT_TRUE(gradcheck_ok(mm, {randp({2, 2, 3, 4}), randp({4})}));
  EXPECT_TRUE(gradgradcheck_ok(mm, {randp({2, 1, 2, 3}), randp({2, 3, 2})}));
  // The gradient of a broadcast operand is the sum over the axes it was broadcast along.
  auto W = xg::ones({4, 2}, xg::kFloat64).requires_grad_();
  xg::matmul(xg::ones({3, 5, 2, 4}, xg::kFloat64), W).sum().backward();
  EXPECT_TRUE(values_near(W.grad(), std::vector<double>(8, 30.0)));
}

TEST(MaskedFill, FillsWhereTheMaskIsTrueAndPassesGradientsElsewhere) {
  auto x = xg::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3}, xg::kFloat64).requires_grad_();
  auto mask = xg::tensor({1, 0, 1}, {3}).to(xg::kInt64);
  auto y = xg::masked_fill(x, mask, -kInf);
  EXPECT_TRUE(std::isinf(y.at({1, 2})) && y.at({1, 2}) < 0);
  EXPECT_EQ(y.at({0, 1}), 2.0);
  xg::masked_fill(x, mask, 7.0).sum().backward();
  EXPECT_TRUE(values_near(x.grad(), {0, 1, 0, 0, 1, 0}));
  EXPECT_TRUE(gradgradcheck_ok([&](L in) { return xg::masked_fill(in[0], mask, 0.5) * in[0]; }, {randp({2, 3})}));
  EXPECT_XG_ERROR(xg::masked_fill(x, x > 2.0, 0.0), "masked_fill: the mask must be int64", "convert with .to(xg::kInt64)");
  EXPECT_XG_ERROR(xg::masked_fill(x, xg::zeros({2, 2}, xg::kInt64), 0.0),
                  "masked_fill: shapes (2,2) and (2,3) cannot be broadcast");
  EXPECT_XG_ERROR(xg::masked_fill(x, xg::zeros({4, 2, 3}, xg::kInt64), 0.0),
                  "masked_fill: the mask (4,2,3) does not broadcast to the input (2,3)");
}

TEST(Triangle, TrilAndTriuWithDiagonalOffsets) {
  auto x = xg::arange(1, 10).reshape({3, 3}).to(xg::kFloat64);
  EXPECT_TRUE(values_near(xg::tril(x), {1, 0, 0, 4, 5, 0, 7, 8, 9}));
  EXPECT_TRUE(values_near(xg::tril(x, -1), {0, 0, 0, 4, 0, 0, 7, 8, 0}));
  EXPECT_TRUE(values_near(xg::triu(x, 1), {0, 2, 3, 0, 0, 6, 0, 0, 0}));
  EXPECT_TRUE(values_near(xg::triu(xg::ones({2, 2, 3})), {1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1}));
  EXPECT_EQ(xg::tril(xg::ones({2, 3}, xg::kInt64)).dtype(), xg::kInt64);
  EXPECT_TRUE(gradgradcheck_ok([](L in) { return xg::tril(in[0], 1) * in[0]; }, {randp({2, 3, 4})}));
  EXPECT_XG_ERROR(xg::triu(xg::ones({3}), 0), "triu: needs a tensor of at least 2 dimensions, got (3,)");
}

TEST(ScaledDotProductAttention, EqualsItsDefinitionWithEveryMaskForm) {
  xg::manual_seed(72);
  auto q = xg::randn({2, 3, 4, 8}, xg::kFloat64), k = xg::randn({2, 3, 5, 8}, xg::kFloat64);
  auto v = xg::randn({2, 3, 5, 6}, xg::kFloat64);
  EXPECT_LT(max_abs_diff(xg::scaled_dot_product_attention(q, k, v), attention_by_definition(q, k, v)), 1e-12);
  // A boolean mask (int64, nonzero = takes part) equals the additive mask with -inf where false.
  auto keep = (xg::rand({4, 5}) > 0.3).to(xg::kInt64);
  keep = xg::maximum(keep, xg::triu(xg::tril(xg::ones({4, 5}, xg::kInt64))));  // every row keeps a key
  auto additive = xg::where(keep, xg::zeros({4, 5}, xg::kFloat64), xg::full({4, 5}, -kInf, xg::kFloat64));
  auto by_bool = xg::scaled_dot_product_attention(q, k, v, keep);
  EXPECT_LT(max_abs_diff(by_bool, attention_by_definition(q, k, v, additive)), 1e-12);
  EXPECT_LT(max_abs_diff(xg::scaled_dot_product_attention(q, k, v, additive), by_bool), 1e-12);
  auto bias = xg::randn({3, 1, 5}, xg::kFloat64);  // any float mask is added
  EXPECT_LT(max_abs_diff(xg::scaled_dot_product_attention(q, k, v, bias), attention_by_definition(q, k, v, bias)), 1e-12);
  // is_causal is tril of an (L, S) matrix of ones, top-left aligned, as PyTorch's.
  auto causal = xg::scaled_dot_product_attention(q, k, v, xg::Tensor(), 0.0, true);
  EXPECT_LT(max_abs_diff(causal, xg::scaled_dot_product_attention(q, k, v, xg::tril(xg::ones({4, 5}, xg::kInt64)))), 1e-12);
  // An explicit scale; leading axes broadcast (one key/value set for every head).
  auto k1 = xg::randn({5, 8}, xg::kFloat64), v1 = xg::randn({5, 6}, xg::kFloat64);
  auto scaled = xg::scaled_dot_product_attention(q, k1, v1, xg::Tensor(), 0.0, false, 0.5);
  EXPECT_LT(max_abs_diff(scaled, xg::matmul(xg::softmax(xg::matmul(q, k1.t()) * 0.5, -1), v1)), 1e-12);
  EXPECT_EQ(xg::scaled_dot_product_attention(q.to(xg::kFloat32), k.to(xg::kFloat32), v.to(xg::kFloat32)).dtype(),
            xg::kFloat32);
}

TEST(ScaledDotProductAttention, AFullyMaskedRowGivesZerosAndNoGradient) {
  xg::manual_seed(73);
  auto q = randp({1, 3, 4}), k = randp({1, 5, 4}), v = randp({1, 5, 2});
  auto keep = xg::ones({3, 5}, xg::kInt64);
  keep = xg::masked_fill(keep, xg::tensor({0, 1, 0}, {3, 1}).to(xg::kInt64), 0.0);  // row 1 sees nothing
  auto y = xg::scaled_dot_product_attention(q, k, v, keep);
  EXPECT_TRUE(values_near(xg::select(y, 1, 1), {0, 0}));
  EXPECT_TRUE(all_finite(y));
  y.sum().backward();
  EXPECT_TRUE(values_near(xg::select(q.grad(), 1, 1), {0, 0, 0, 0}));
  EXPECT_TRUE(all_finite(q.grad()) && all_finite(k.grad()));
  // A causal mask with fewer keys than queries is not fully masked anywhere; no keys at all gives zeros.
  EXPECT_EQ(xg::scaled_dot_product_attention(q, k.slice(1, 0, 0), v.slice(1, 0, 0)).shape(), (xg::Shape{1, 3, 2}));
}

TEST(ScaledDotProductAttention, GradientsOfEveryOrderWithMasksAndBroadcasting) {
  xg::manual_seed(74);
  auto sdpa = [](const xg::Tensor& mask, bool causal) {
    return [mask, causal](L x) { return xg::scaled_dot_product_attention(x[0], x[1], x[2], mask, 0.0, causal); };
  };
  EXPECT_TRUE(gradcheck_ok(sdpa(xg::Tensor(), false), {randp({2, 3, 4}), randp({2, 5, 4}), randp({2, 5, 3})}));
  EXPECT_TRUE(gradcheck_ok(sdpa(xg::Tensor(), true), {randp({2, 2, 3, 4}), randp({2, 2, 3, 4}), randp({2, 2, 3, 2})}));
  auto keep = xg::tensor({1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0}, {3, 4}).to(xg::kInt64);
  EXPECT_TRUE(gradcheck_ok(sdpa(keep, false), {randp({2, 3, 2}), randp({4, 2}), randp({2, 4, 3})}));
  EXPECT_TRUE(gradcheck_ok(sdpa(xg::randn({2, 1, 4}, xg::kFloat64), false), {randp({2, 3, 2}), randp({2, 4, 2}), randp({2, 4, 3})}));
  EXPECT_TRUE(gradgradcheck_ok(sdpa(keep, false), {randp({3, 2}), randp({4, 2}), randp({4, 2})}));
  EXPECT_TRUE(gradgradcheck_ok(sdpa(xg::Tensor(), true), {randp({2, 3, 2}), randp({2, 3, 2}), randp({2, 3, 2})}));
}

TEST(ScaledDotProductAttention, ErrorsNameTheShapesAndTheConflict) {
  auto q = xg::ones({2, 3, 4}), k = xg::ones({2, 5, 4}), v = xg::ones({2, 5, 6});
  EXPECT_XG_ERROR(xg::scaled_dot_product_attention(q, xg::ones({2, 5, 3}), v),
                  "scaled_dot_product_attention: query (2,3,4), key (2,5,3), value (2,5,6)", "key (..., S, E)");
  EXPECT_XG_ERROR(xg::scaled_dot_product_attention(q, k, xg::ones({2, 4, 6})), "value (2,4,6)");
  EXPECT_XG_ERROR(xg::scaled_dot_product_attention(q, k, v, xg::ones({3, 3}, xg::kInt64)),
                  "attn_mask (3,3) does not broadcast to the attention scores (2,3,5)");
  EXPECT_XG_ERROR(xg::scaled_dot_product_attention(q, k, v, xg::ones({3, 5}, xg::kInt64), 0.0, true),
                  "is_causal and an explicit attn_mask (3,5) were both given");
  EXPECT_XG_ERROR(xg::scaled_dot_product_attention(xg::ones({4}), k, v), "at least 2 dimensions");
  EXPECT_XG_ERROR(xg::scaled_dot_product_attention(q, k, v, xg::Tensor(), 1.5), "dropout_p must be in [0, 1], got 1.5");
  EXPECT_XG_ERROR(xg::scaled_dot_product_attention(q, xg::ones({3, 5, 4}), v), "query (2,3,4), key (3,5,4), value (2,5,6): their leading (batch) axes do not broadcast");
}

namespace {

// Runs f with the fused path on, then off; returns both results.
template <class F>
std::pair<xg::tensor_list, xg::tensor_list> fused_and_composed(F f) {
  xg::set_fused_attention_enabled(true);
  auto fused = f();
  xg::set_fused_attention_enabled(false);
  auto composed = f();
  xg::set_fused_attention_enabled(true);
  return {fused, composed};
}

}  // namespace

TEST(FusedAttention, EqualsTheComposedPathInValuesAndGradientsWithEveryMask) {
  xg::manual_seed(75);
  // Sizes that cross the 64-query and 128-key blocks, with ragged last blocks.
  auto q = xg::randn({2, 3, 70, 8}, xg::kFloat64), k = xg::randn({2, 3, 150, 8}, xg::kFloat64);
  auto v = xg::randn({2, 3, 150, 5}, xg::kFloat64), g = xg::randn({2, 3, 70, 5}, xg::kFloat64);
  auto pad = (xg::rand({2, 1, 1, 150}) > 0.2).to(xg::kInt64);  // key padding, broadcast over heads and queries
  auto bias = xg::randn({70, 150}, xg::kFloat64);
  auto none_row = xg::ones({70, 150}, xg::kInt64);
  none_row = xg::masked_fill(none_row, (xg::arange(70) == 5.0).reshape({70, 1}), 0.0);  // query 5 sees nothing
  struct Case {
    const char* name;
    xg::Tensor mask;
    bool causal;
  };
  for (const auto& c : std::vector<Case>{{"none", {}, false}, {"causal", {}, true}, {"padding", pad, false},
                                         {"bias", bias, false}, {"a dead row", none_row, false}}) {
    SCOPED_TRACE(c.name);
    auto run = [&] {
      auto qq = q.detach().requires_grad_(), kk = k.detach().requires_grad_(), vv = v.detach().requires_grad_();
      auto y = xg::scaled_dot_product_attention(qq, kk, vv, c.mask, 0.0, c.causal);
      (y * g).sum().backward();
      return xg::tensor_list{y, qq.grad(), kk.grad(), vv.grad()};
    };
    auto [fused, composed] = fused_and_composed(run);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_LT(max_abs_diff(fused[i], composed[i]), 1e-12) << "output/gradient " << i;
  }
  // float32 too, to float32's precision.
  auto [f32, c32] = fused_and_composed([&] {
    return xg::tensor_list{xg::scaled_dot_product_attention(q.to(xg::kFloat32), k.to(xg::kFloat32), v.to(xg::kFloat32),
                                                           xg::Tensor(), 0.0, true)};
  });
  EXPECT_LT(max_abs_diff(f32[0], c32[0]), 1e-5);
}

TEST(FusedAttention, SecondOrderGradientsThroughTheFusedNode) {
  xg::manual_seed(76);
  ASSERT_TRUE(xg::fused_attention_enabled());
  auto sdpa = [](const xg::Tensor& mask, bool causal) {
    return [mask, causal](L x) { return xg::scaled_dot_product_attention(x[0], x[1], x[2], mask, 0.0, causal); };
  };
  EXPECT_TRUE(gradcheck_ok(sdpa(xg::Tensor(), true), {randp({2, 3, 4}), randp({2, 3, 4}), randp({2, 3, 2})}));
  EXPECT_TRUE(gradgradcheck_ok(sdpa(xg::Tensor(), true), {randp({2, 3, 2}), randp({2, 3, 2}), randp({2, 3, 2})}));
  auto keep = xg::tensor({1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0}, {3, 4}).to(xg::kInt64);
  EXPECT_TRUE(gradgradcheck_ok(sdpa(keep, false), {randp({3, 2}), randp({4, 2}), randp({4, 2})}));
  EXPECT_TRUE(gradgradcheck_ok(sdpa(xg::randn({3, 4}, xg::kFloat64), false), {randp({3, 2}), randp({4, 2}), randp({4, 2})}));
}

TEST(Triangles, DiagonalsBeyondTheMatrixKeepAllOrNothing) {
  // Found by the ops fuzzer: a diagonal near 2^63 reached an int64 conversion of 9.2e18.
  const auto x = xg::ones({3, 4});
  const std::int64_t huge = std::numeric_limits<std::int64_t>::max(), tiny = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(xg::tril(x, huge).to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(xg::triu(x, tiny).to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(xg::sum(xg::tril(x, tiny)).item<float>(), 0.0f);
  EXPECT_EQ(xg::sum(xg::triu(x, huge)).item<float>(), 0.0f);
  EXPECT_EQ(xg::sum(xg::tril(x, 3)).item<float>(), 12.0f);
  EXPECT_EQ(xg::sum(xg::tril(x, -3)).item<float>(), 0.0f);
}
