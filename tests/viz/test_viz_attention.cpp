// Attention maps through hooks, rollout and gradient-weighted attention, on a hand-built
// two-layer model whose maps and rollout are computed by hand.
#include "test_util.h"

using xg::test::max_abs_diff;
using xg::test::values_near;

namespace {

// Two causal self-attention layers whose queries and keys are zero: every position attends
// uniformly to itself and the positions before it, A = [[1, 0, 0], [1/2, 1/2, 0], [1/3, 1/3, 1/3]].
struct TwoLayers : xg::nn::Module {
  xg::nn::MultiheadAttention a1{xg::nn::MultiheadAttentionOptions(2, 1).dtype(xg::kFloat64)};
  xg::nn::MultiheadAttention a2{xg::nn::MultiheadAttentionOptions(2, 1).dtype(xg::kFloat64)};
  xg::Tensor causal = xg::triu(xg::ones({3, 3}, xg::kInt64), 1);
  TwoLayers() {
    register_module("a1", a1);
    register_module("a2", a2);
    const auto v_rows_only = xg::cat({xg::zeros({4, 2}, xg::kFloat64), xg::ones({2, 2}, xg::kFloat64)});  // q, k rows zero
    for (auto* a : {&a1, &a2}) a->set_parameter("in_proj_weight", a->in_proj_weight.detach() * v_rows_only);
  }
  xg::Tensor forward(const xg::Tensor& x) override {
    auto y = x + std::get<0>(a1(x, x, x, xg::Tensor(), false, causal));
    return y + std::get<0>(a2(y, y, y, xg::Tensor(), false, causal));
  }
};

}  // namespace

TEST(AttentionViz, MapsThroughHooksAndRolloutByHand) {
  xg::manual_seed(90);
  TwoLayers model;
  auto x = xg::randn({3, 1, 2}, xg::kFloat64);  // (L, N, E)
  auto maps = xg::viz::attention_maps(model, [&] { model(x); });
  ASSERT_EQ(maps.size(), 2u);
  EXPECT_EQ(maps[0].name, "a1");
  EXPECT_EQ(maps[1].name, "a2");
  EXPECT_EQ(maps[0].weights.shape(), (xg::Shape{1, 1, 3, 3}));
  const std::vector<double> A = {1, 0, 0, 0.5, 0.5, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3};
  EXPECT_TRUE(values_near(maps[1].weights, A, 1e-12));
  // 0.5 A + 0.5 I = [[1, 0, 0], [1/4, 3/4, 0], [1/6, 1/6, 2/3]]; its square, by hand:
  EXPECT_TRUE(values_near(xg::viz::attention_rollout(maps),
                          {1, 0, 0, 0.4375, 0.5625, 0, 23.0 / 72, 17.0 / 72, 4.0 / 9}, 1e-12));
  // The product runs later layers on the left: Â_2 Â_1.
  auto I = xg::eye(2, xg::kFloat64).reshape({1, 1, 2, 2});
  auto B = xg::tensor({0.0, 1.0, 1.0, 0.0}, {1, 1, 2, 2}, xg::kFloat64);  // swaps the positions
  auto C = xg::tensor({1.0, 0.0, 1.0, 0.0}, {1, 1, 2, 2}, xg::kFloat64);  // everything from position 0
  // Â(B) = [[.5,.5],[.5,.5]], Â(C) = [[1, 0], [.5, .5]]: Â(C) Â(B) = [[.5,.5],[.5,.5]], Â(B) Â(C) = [[.75,.25],[.75,.25]].
  EXPECT_TRUE(values_near(xg::viz::attention_rollout({{"b", B}, {"c", C}}), {0.5, 0.5, 0.5, 0.5}, 1e-12));
  EXPECT_TRUE(values_near(xg::viz::attention_rollout({{"c", C}, {"b", B}}), {0.75, 0.25, 0.75, 0.25}, 1e-12));
  EXPECT_TRUE(values_near(xg::viz::attention_rollout({{"i", I}}), {1, 0, 0, 1}, 1e-12));
  EXPECT_TRUE(model.is_training());  // restored
}

TEST(AttentionViz, GradientWeightedAttentionIsReluOfWeightsTimesTheirGradient) {
  xg::manual_seed(91);
  xg::nn::MultiheadAttention m(xg::nn::MultiheadAttentionOptions(4, 2).batch_first(true).dtype(xg::kFloat64));
  auto x = xg::randn({1, 5, 4}, xg::kFloat64);
  auto score = [&] { return std::get<0>(m(x, x, x)).narrow(1, 4, 1).sum(); };
  auto maps = xg::viz::gradient_weighted_attention(m, score);
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_EQ(maps[0].weights.shape(), (xg::Shape{1, 5, 5}));
  // Only the last position's row feeds the score: every other row's gradient is zero.
  EXPECT_EQ(maps[0].weights.narrow(1, 0, 4).abs().max().item(), 0.0);
  EXPECT_GT(maps[0].weights.narrow(1, 4, 1).max().item(), 0.0);
  EXPECT_GE(maps[0].weights.min().item(), 0.0);
  // By hand: the weights' gradient from a hook on attn_drop, then ReLU(A dA) over heads.
  xg::Tensor w;
  {
    m.eval();
    auto hook = m.attn_drop->register_forward_hook([&](xg::nn::Module&, const xg::Tensor& in, const xg::Tensor&) { w = in; });
    auto y = score();
    auto g = xg::grad({y}, {w})[0];
    EXPECT_LT(max_abs_diff(maps[0].weights, xg::relu(w.detach() * g).mean({1})), 1e-12);
    hook.remove();
    m.train();
  }
  EXPECT_FALSE(m.in_proj_weight.grad().defined());  // parameters' gradients untouched
  xg::nn::Linear plain(2, 2);
  EXPECT_XG_ERROR(xg::viz::attention_maps(plain, [&] { plain(xg::ones({1, 2})); }), "viz::attention_maps: Linear holds no MultiheadAttention");
  EXPECT_XG_ERROR(xg::viz::attention_rollout({{"x", xg::ones({1, 1, 2, 3})}}), "rollout needs self-attention maps");
}
