// The backward engine: graph shapes, accumulation, modes, memory and errors.
#include <cmath>
#include <fstream>
#include <limits>

#include "test_util.h"

using xg::test::param;
using xg::test::values_near;

TEST(Engine, SquareUsesTheInputTwice) {
  auto x = param({3.0}, {});
  (x * x).backward();
  EXPECT_TRUE(values_near(x.grad(), {6.0}));
  EXPECT_TRUE(x.is_leaf());
  EXPECT_EQ((x * x).grad_fn_name(), "MulBackward");
  EXPECT_EQ(xg::log_softmax(x.reshape({1})).grad_fn_name(), "LogSoftmaxBackward");
}

TEST(Engine, DiamondSumsBothPaths) {
  // a = x^2; y = a^2 + a^2 (DeZero step 16): y = 2x^4, so dy/dx = 8x^3 = 64 at x = 2.
  auto x = param({2.0}, {});
  auto a = x.pow(2);
  auto y = a.pow(2) + a.pow(2);
  y.backward();
  EXPECT_TRUE(values_near(y, {32.0}));
  EXPECT_TRUE(values_near(x.grad(), {64.0}));
}

TEST(Engine, GradientsAccumulateUntilZeroGrad) {
  auto x = param({1.0, 2.0}, {2});
  (x * 3.0).sum().backward();
  (x * 3.0).sum().backward();
  EXPECT_TRUE(values_near(x.grad(), {6, 6}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
  (x * x).sum().backward();
  EXPECT_TRUE(values_near(x.grad(), {2, 4}));
}

TEST(Engine, StoredGradientIsNotAliasedWithOtherTensors) {
  auto x = param({1.0, 2.0}, {2});
  auto g = xg::tensor({10.0, 20.0}, xg::kFloat64);
  (x + 0.0).backward(g);  // add's backward passes g straight through
  x.grad().mul_(0.0);
  EXPECT_TRUE(values_near(g, {10, 20}));
}

TEST(Engine, NonScalarNeedsAGradientOfItsShape) {
  auto x = param({1, 2, 3, 4}, {2, 2});
  auto y = x * 2.0;
  EXPECT_XG_ERROR(y.backward(), "backward: grad can be implicitly created only for a one-element tensor, got shape (2,2)");
  EXPECT_XG_ERROR(y.backward(xg::ones({3})), "backward: gradient of shape (3,) does not match tensor 0 of shape (2,2)");
  y.backward(xg::tensor({{1, 0}, {0, 1}}, xg::kFloat64));
  EXPECT_TRUE(values_near(x.grad(), {2, 0, 0, 2}));
}

TEST(Engine, BackwardOfATensorThatDoesNotRequireGradThrows) {
  EXPECT_XG_ERROR(xg::ones({1}).backward(), "backward", "does not require grad");
  EXPECT_XG_ERROR(xg::arange(3).requires_grad_(), "requires_grad_: only float tensors");
  auto x = param({1}, {1});
  EXPECT_XG_ERROR((x * 2.0).requires_grad_(), "only leaves", "MulBackward");
}

TEST(Engine, NoGradGuardRecordsNothing) {
  auto x = param({1.0}, {1});
  {
    xg::NoGradGuard guard;
    EXPECT_FALSE(xg::is_grad_enabled());
    auto y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
    {
      xg::EnableGradGuard enable;
      EXPECT_TRUE((x * 2.0).requires_grad());
    }
  }
  EXPECT_TRUE(xg::is_grad_enabled());
  EXPECT_TRUE((x * 2.0).requires_grad());
  EXPECT_FALSE((x.detach() * 2.0).requires_grad());
}

TEST(Engine, SecondBackwardNeedsRetainGraph) {
  auto x = param({2.0}, {});
  auto y = x * x;
  y.backward();
  EXPECT_XG_ERROR(y.backward(), "backward: trying to backward through the graph a second time (the tensors that MulBackward saved were freed", "retain_graph=true");
  auto z = x * x;
  z.backward({}, /*retain_graph=*/true);
  z.backward();
  EXPECT_TRUE(values_near(x.grad(), {4.0 + 4.0 + 4.0}));
}

TEST(Engine, SavedTensorModifiedInPlaceIsDetected) {
  auto x = param({1.0, 2.0}, {2});
  auto a = x * 1.0;        // a fresh non-leaf
  auto y = (a * a).sum();  // saves a
  {
    xg::NoGradGuard guard;
    a.add_(1.0);
  }
  EXPECT_XG_ERROR(y.backward(), "MulBackward", "modified by an in-place operation", "version");
  // An output saved for backward (exp saves its result) is checked too.
  auto e = xg::exp(x * 1.0);
  auto s = e.sum();
  {
    xg::NoGradGuard guard;
    e.mul_(2.0);
  }
  EXPECT_XG_ERROR(s.backward(), "ExpBackward", "modified by an in-place operation");
}

TEST(Engine, InPlaceOnAParameterWhileRecordingIsRefused) {
  auto w = param({1.0}, {1});
  EXPECT_XG_ERROR(w.add_(1.0), "add_: in-place operation", "requires grad", "NoGradGuard");
  xg::NoGradGuard guard;
  w.sub_(0.5);
  EXPECT_TRUE(values_near(w, {0.5}));
}

TEST(Engine, DeepChainRunsAndFreesWithoutRecursion) {
  auto x = param({1.0}, {});
  auto y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0 + 0.0;
  y.backward();
  EXPECT_TRUE(values_near(x.grad(), {1.0}));
  y = xg::Tensor();  // destroys 200,000 nodes
  SUCCEED();
}

TEST(Engine, GraphIsFreedWhenTheLossGoesAway) {
  auto W = param({1, 2, 3, 4}, {2, 2});
  std::weak_ptr<xg::autograd::Node> hidden_node;
  {
    auto h = xg::tanh(xg::matmul(xg::ones({1, 2}, xg::kFloat64), W));
    hidden_node = h.grad_fn();
    auto loss = (h * h).sum();
    loss.backward();
    EXPECT_FALSE(hidden_node.expired());
  }
  EXPECT_TRUE(hidden_node.expired());
  // Also with create_graph through xg::grad, which never stores into grad().
  std::weak_ptr<xg::autograd::Node> node2;
  {
    auto y = xg::exp(W).sum();
    node2 = y.grad_fn();
    auto g = xg::grad({y}, {W}, {}, std::nullopt, true)[0];
    auto gg = xg::grad({g.sum()}, {W})[0];
    EXPECT_TRUE(values_near(gg, xg::exp(W).to_vector<double>(), 1e-12));
  }
  EXPECT_TRUE(node2.expired());
}

TEST(Engine, MemoryDoesNotGrowOverThousandsOfSteps) {
#ifdef XGRAD_ASAN
  GTEST_SKIP() << "AddressSanitizer's quarantine holds freed memory; LeakSanitizer covers leaks there";
#endif
  xg::manual_seed(3);
  auto W = xg::randn({64, 32}).requires_grad_();
  auto b = xg::zeros({32}).requires_grad_();
  auto x = xg::randn({16, 64});
  auto step = [&] {
    auto loss = xg::softmax(xg::matmul(x, W) + b).pow(2).mean();
    W.zero_grad();
    b.zero_grad();
    loss.backward();
    xg::NoGradGuard guard;
    W.sub_(W.grad() * 0.1);
  };
  for (int i = 0; i < 200; ++i) step();
  const long before = xg::test::resident_kib();
  for (int i = 0; i < 3000; ++i) step();
  const long after = xg::test::resident_kib();
  EXPECT_LT(after - before, 2048) << "RSS grew from " << before << " KiB to " << after << " KiB";
}

TEST(Engine, AnomalyModeNamesTheOperation) {
  xg::DetectAnomalyGuard anomaly;
  EXPECT_TRUE(xg::is_anomaly_enabled());
  auto x = param({-1.0, 1.0}, {2});
  EXPECT_XG_ERROR(xg::log(x), "anomaly detected: 'log' produced NaN or Inf");
  auto z = param({0.0, 1.0}, {2});
  auto y = xg::sqrt(z);  // finite forward; d/dx sqrt at 0 is Inf
  EXPECT_XG_ERROR(y.sum().backward(), "anomaly detected: 'div' produced NaN or Inf", "in the backward of SqrtBackward");
  // A custom backward that returns NaN is caught where its gradient arrives.
  struct NanGrad : xg::Function {
    xg::tensor_list forward(const xg::tensor_list& in) override { return {in[0] * 1.0}; }
    xg::tensor_list backward(const xg::tensor_list& gy) override {
      return {gy[0] * std::numeric_limits<double>::quiet_NaN()};
    }
  };
  auto w = param({1.0}, {1});
  auto out = xg::apply<NanGrad>({w})[0].sum();
  EXPECT_XG_ERROR(out.backward(), "anomaly detected", "FunctionBackward");
}

TEST(Engine, WithoutAnomalyModeNaNsPropagateSilently) {
  EXPECT_FALSE(xg::is_anomaly_enabled());
  auto y = xg::log(xg::tensor({-1.0}));
  EXPECT_TRUE(std::isnan(y.item()));
}

TEST(Engine, MixedPrecisionGradientsKeepTheLeafDtype) {
  auto w = xg::tensor({1.0, 2.0}, xg::kFloat32).requires_grad_();
  auto x = xg::tensor({3.0, 4.0}, xg::kFloat64);
  auto loss = (w * x).sum();
  EXPECT_EQ(loss.dtype(), xg::kFloat64);
  loss.backward();
  EXPECT_EQ(w.grad().dtype(), xg::kFloat32);
  EXPECT_TRUE(values_near(w.grad(), {3, 4}));
}

TEST(Grad, ReturnsGradientsWithoutTouchingGrad) {
  auto x = param({1.0, 2.0}, {2});
  auto y = param({3.0}, {1});
  auto z = (x * x * y).sum();
  auto g = xg::grad({z}, {x, y});
  EXPECT_TRUE(values_near(g[0], {6, 12}));
  EXPECT_TRUE(values_near(g[1], {5}));
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(g[0].requires_grad());
}

TEST(Grad, WithRespectToAnIntermediateTensor) {
  // The saliency-map use: gradient of a score with respect to a non-leaf input.
  auto w = param({2.0, -1.0}, {2});
  auto x = param({1.0, 1.0}, {2});
  auto h = x * 3.0;  // intermediate
  auto score = (h * w).sum();
  auto g = xg::grad({score}, {h, x});
  EXPECT_TRUE(values_near(g[0], {2, -1}));
  EXPECT_TRUE(values_near(g[1], {6, -3}));
}

TEST(Grad, UnusedInputsAreAnErrorUnlessAllowed) {
  auto x = param({1.0}, {1});
  auto u = param({1.0}, {1});
  auto y = (x * 2.0).sum();
  EXPECT_XG_ERROR(xg::grad({y}, {u}, {}, true), "grad: input 0 of shape (1,) was not used", "allow_unused");
  auto g = xg::grad({y}, {x, u}, {}, std::nullopt, false, true);
  EXPECT_TRUE(values_near(g[0], {2}));
  EXPECT_FALSE(g[1].defined());
  EXPECT_XG_ERROR(xg::grad({y}, {xg::ones({1})}), "grad: input 0 does not require grad");
}

TEST(Grad, SeveralRootsAtOnce) {
  auto x = param({2.0}, {});
  xg::backward({x * x, x * 3.0});
  EXPECT_TRUE(values_near(x.grad(), {7}));
}

TEST(Grad, BackwardWithCreateGraphGivesDifferentiableGrad) {
  // DeZero step 36: y = x^2, gx = dy/dx, z = gx^3 + y, dz/dx = 100 at x = 2.
  auto x = param({2.0}, {});
  auto y = x.pow(2);
  y.backward({}, false, /*create_graph=*/true);
  auto gx = x.grad();
  EXPECT_TRUE(gx.requires_grad());
  x.zero_grad();
  auto z = gx.pow(3) + y;
  z.backward();
  EXPECT_TRUE(values_near(x.grad(), {100.0}));
  x.zero_grad();  // drops the gradient's graph (it points back to x)
}

TEST(Engine, ADroppedModelFreesItsCreateGraphGradients) {
  // backward(create_graph=true) stores in W.grad() a gradient whose graph refers back to W
  // (PyTorch's documented cycle, which leaks there without zero_grad). The graph refers to
  // leaves weakly, so dropping the model frees W, its gradient and that graph.
  std::weak_ptr<xg::detail::TensorImpl> w_impl;
  std::weak_ptr<xg::autograd::Node> grad_graph;
  {
    xg::nn::Linear layer(3, 2);
    auto x = xg::ones({4, 3});
    auto loss = (xg::tanh(layer(x)) * xg::tanh(layer(x))).sum();
    loss.backward({}, false, /*create_graph=*/true);
    ASSERT_TRUE(layer.W.grad().requires_grad());
    grad_graph = layer.W.grad().grad_fn();
    w_impl = layer.W.impl();
    EXPECT_FALSE(grad_graph.expired());
  }  // no zero_grad()
  EXPECT_TRUE(w_impl.expired());
  EXPECT_TRUE(grad_graph.expired());
}

TEST(Engine, SavedLeavesStillCarryHigherOrderGradients) {
  // The graph holds leaves weakly; while the user holds them, gradients of gradients reach them.
  auto x = param({2.0}, {});
  auto y = x * x * x;  // x saved by both products
  auto g = xg::grad({y}, {x}, {}, std::nullopt, true)[0];
  EXPECT_TRUE(values_near(xg::grad({g}, {x})[0], {12.0}));  // d2/dx2 x^3 = 6x
  // A leaf nobody holds any more: its data is still there for backward, its gradient goes nowhere.
  auto z = xg::sin(xg::tensor({0.5}, xg::kFloat64).requires_grad_()) * x;
  z.backward();
  EXPECT_TRUE(values_near(x.grad(), {std::sin(0.5)}, 1e-12));
}

// A node's edges and metadata (kept inline for two inputs, on the heap beyond): each edge
// leads to its input's node, or to nothing for a leaf, in the inputs' order.
TEST(Engine, NextEdgesAndMetadataFollowTheInputsInOrder) {
  auto a = xg::randn({2, 3}).requires_grad_();
  auto b = xg::randn({2, 3}).requires_grad_();
  const auto ab = a * b, b2 = b * 2.0, k = xg::ones({1, 3});
  const auto y = xg::cat({ab, a, b2, k, ab}, 0);
  const auto fn = y.grad_fn();
  ASSERT_EQ(fn->name(), "ConcatBackward");
  const auto& edges = fn->next_edges();
  ASSERT_EQ(edges.size(), 5u);
  EXPECT_EQ(edges[0].fn, ab.grad_fn());
  EXPECT_EQ(edges[1].fn, nullptr);  // a leaf: reached weakly
  EXPECT_FALSE(edges[1].leaf.expired());
  EXPECT_EQ(edges[2].fn, b2.grad_fn());
  EXPECT_FALSE(edges[3].valid());  // k needs no gradient
  EXPECT_EQ(edges[4].fn, ab.grad_fn());
  std::size_t n = 0;
  for (const auto& e : edges) n += e.valid();
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(fn->input_meta(3).shape, (xg::Shape{1, 3}));
  EXPECT_EQ(fn->output_meta(0).shape, (xg::Shape{9, 3}));
  EXPECT_THROW(fn->output_meta(1), std::out_of_range);
  y.sum().backward();
  EXPECT_LT(xg::test::max_abs_diff(a.grad(), b * 2.0 + 1.0), 1e-6);  // ab twice, a once
  EXPECT_LT(xg::test::max_abs_diff(b.grad(), a * 2.0 + 2.0), 1e-6);
}
