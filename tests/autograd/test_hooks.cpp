// Tensor gradient hooks, retain_grad and the ReLU backward modes.
#include "test_util.h"

using namespace xg;
using xg::test::param;
using xg::test::values_near;

TEST(TensorHook, SeesTheGradientAndMayReplaceIt) {
  auto x = param({1, 2, 3}, {3});
  auto y = x * 2.0;
  Tensor seen;
  y.register_hook([&seen](const Tensor& g) { seen = g; });
  y.register_hook([](const Tensor& g) { return g * 10.0; });  // runs second, sees the first's output
  (y * y).sum().backward();
  EXPECT_TRUE(values_near(seen, {4, 8, 12}));             // d(sum y^2)/dy = 2y
  EXPECT_TRUE(values_near(x.grad(), {80, 160, 240}));     // 10 * 2y * dy/dx
}

TEST(TensorHook, RunsOnceOnTheSummedGradientOfALeafUsedTwice) {
  auto x = param({1, 2}, {2});
  int calls = 0;
  Tensor seen;
  x.register_hook([&](const Tensor& g) {
    ++calls;
    seen = g;
    return g * 0.5;
  });
  (x * 3.0 + x * x).sum().backward();
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(values_near(seen, {5, 7}));  // 3 + 2x
  EXPECT_TRUE(values_near(x.grad(), {2.5, 3.5}));
}

TEST(TensorHook, OutlivesTheHandleOfANonLeaf) {
  auto x = param({1, 2}, {2});
  Tensor z;
  int calls = 0;
  {
    auto y = x.exp();
    y.register_hook([&calls](const Tensor&) { ++calls; });
    z = y.sum();
  }  // the handle y is gone; its node still carries the hook, as in libtorch
  z.backward();
  EXPECT_EQ(calls, 1);
}

TEST(TensorHook, AppliesToXgGrad) {
  auto x = param({1, 2}, {2});
  auto y = x * x;
  y.register_hook([](const Tensor& g) { return g * 3.0; });
  const auto gx = grad({y.sum()}, {x})[0];
  EXPECT_TRUE(values_near(gx, {6, 12}));
  EXPECT_FALSE(x.grad().defined());
  // A hook on a captured non-leaf changes what grad returns for it, too.
  auto a = param({1}, {1});
  auto b = a * 2.0;
  b.register_hook([](const Tensor& g) { return g + 1.0; });
  EXPECT_TRUE(values_near(grad({(b * 5.0).sum()}, {b})[0], {6}));
}

TEST(TensorHook, RemoveDetachesAndUnknownHandlesThrow) {
  auto x = param({1}, {1});
  int calls = 0;
  const unsigned h = x.register_hook([&calls](const Tensor&) { ++calls; });
  x.sum().backward();
  x.remove_hook(h);
  x.sum().backward();
  EXPECT_EQ(calls, 1);
  EXPECT_XG_ERROR(x.remove_hook(h), "remove_hook", "no hook 0");
  EXPECT_XG_ERROR(tensor({1.0}, {1}).register_hook([](const Tensor&) {}), "register_hook", "does not require grad");
}

TEST(TensorHook, AWrongShapeReplacementIsAnError) {
  auto x = param({1, 2}, {2});
  x.register_hook([](const Tensor&) { return zeros({3}, kFloat64); });
  EXPECT_XG_ERROR(x.sum().backward(), "register_hook", "shape (3,)", "shape (2,)");
}

TEST(TensorHook, SurvivesCreateGraph) {
  // y = x^3 with the hook doubling dy: g = 2 * 3x^2 stays differentiable: dg/dx = 12x.
  auto x = param({2}, {1});
  auto y = x * x * x;
  y.register_hook([](const Tensor& g) { return g * 2.0; });
  auto g = grad({y.sum()}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  EXPECT_TRUE(values_near(g, {24}));
  EXPECT_TRUE(g.requires_grad());
  EXPECT_TRUE(values_near(grad({g.sum()}, {x})[0], {24}));
}

TEST(RetainGrad, KeepsANonLeafGradientAfterItsHooks) {
  auto x = param({1, 2}, {2});
  auto y = x * 3.0;
  y.retain_grad();
  y.register_hook([](const Tensor& g) { return g * 2.0; });  // retained grads see hooks' results
  EXPECT_TRUE(y.retains_grad());
  EXPECT_FALSE(x.retains_grad());
  (y * y).sum().backward(Tensor(), /*retain_graph=*/true);
  EXPECT_TRUE(values_near(y.grad(), {12, 24}));  // 2 * 2y
  (y * y).sum().backward();                       // accumulates, as a leaf
  EXPECT_TRUE(values_near(y.grad(), {24, 48}));
  EXPECT_TRUE(values_near(x.grad(), {72, 144}));
  auto z = x * 1.0;
  EXPECT_FALSE(z.grad().defined());  // not retained: nothing kept
}

TEST(RetainGrad, IsANoOpOnLeavesAndRefusesConstants) {
  auto x = param({1}, {1});
  x.retain_grad();
  x.sum().backward();
  EXPECT_TRUE(values_near(x.grad(), {1}));
  EXPECT_XG_ERROR(tensor({1.0}, {1}).retain_grad(), "retain_grad", "does not require grad");
}

TEST(RetainGrad, DoesNotKeepTheGraphAlive) {
  std::weak_ptr<autograd::Node> node;
  {
    auto x = param({1, 2}, {2});
    auto y = x.exp();
    y.retain_grad();
    node = y.grad_fn();
    y.sum().backward();
  }
  EXPECT_TRUE(node.expired());
}

// ---- ReLU backward modes, against a hand computation ----
// x = (-1, 2, 3), gy = (5, -4, 6): vanilla [x>0]gy = (0, -4, 6); guided adds [gy>0]:
// (0, 0, 6); rectified is [gy>0]gy = (5, 0, 6).
TEST(ReluBackward, VanillaGuidedRectified) {
  const Tensor gy = tensor({5.0, -4, 6}, {3}, kFloat64);
  auto run = [&](autograd::ReluBackward mode, double slope) {
    auto x = param({-1, 2, 3}, {3});
    autograd::ReluBackwardGuard guard(mode);
    auto y = slope == 0 ? relu(x) : leaky_relu(x, slope);
    return grad({y}, {x}, {gy})[0];
  };
  using autograd::ReluBackward;
  EXPECT_TRUE(values_near(run(ReluBackward::Vanilla, 0), {0, -4, 6}));
  EXPECT_TRUE(values_near(run(ReluBackward::Guided, 0), {0, 0, 6}));
  EXPECT_TRUE(values_near(run(ReluBackward::Rectified, 0), {5, 0, 6}));
  EXPECT_TRUE(values_near(run(ReluBackward::Vanilla, 0.1), {0.5, -4, 6}));
  EXPECT_TRUE(values_near(run(ReluBackward::Guided, 0.1), {0.5, 0, 6}));
  EXPECT_TRUE(values_near(run(ReluBackward::Rectified, 0.1), {5, 0, 6}));
  EXPECT_EQ(autograd::relu_backward_mode(), ReluBackward::Vanilla);  // the guards restored it
}

TEST(ReluBackward, TwoLayerNetByHand) {
  // h = relu(W1 x), s = w2 . relu(h'), with W1 = [[1, -1], [2, 1], [-1, 1]], x = (1, 2):
  // W1 x = (-1, 4, 1) -> mask (0, 1, 1); w2 = (3, -2, 1) gives gy at h = (3, -2, 1).
  // vanilla gx = W1^T (0, -2, 1) = (-5, -1); guided = W1^T (0, 0, 1) = (-1, 1);
  // rectified = W1^T (3, 0, 1) = (2, -2).
  const Tensor W1 = tensor({1.0, -1, 2, 1, -1, 1}, {3, 2}, kFloat64);
  const Tensor w2 = tensor({3.0, -2, 1}, {3}, kFloat64);
  auto run = [&](autograd::ReluBackward mode) {
    auto x = param({1, 2}, {2});
    autograd::ReluBackwardGuard guard(mode);
    auto s = (relu(matmul(W1, x)) * w2).sum();
    return grad({s}, {x})[0];
  };
  EXPECT_TRUE(values_near(run(autograd::ReluBackward::Vanilla), {-5, -1}));
  EXPECT_TRUE(values_near(run(autograd::ReluBackward::Guided), {-1, 1}));
  EXPECT_TRUE(values_near(run(autograd::ReluBackward::Rectified), {2, -2}));
}
