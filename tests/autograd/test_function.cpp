// User-defined differentiable operations through xg::Function.
#include "test_util.h"

using xg::test::randp;
using xg::test::values_near;
using L = const xg::tensor_list&;

namespace {

// y = x^3 with a hand-written backward (written with xgrad ops, so twice differentiable).
struct Cube : xg::Function {
  Cube() : xg::Function("CubeBackward") {}
  xg::tensor_list forward(L in) override {
    save_for_backward({in[0]});
    return {in[0] * in[0] * in[0]};
  }
  xg::tensor_list backward(L gy) override {
    const auto x = saved(0);
    return {gy[0] * 3.0 * x * x};
  }
};

// Two inputs, two outputs, a constructor argument, and an output saved for backward.
struct ScaledSumDiff : xg::Function {
  explicit ScaledSumDiff(double k) : k_(k) {}
  xg::tensor_list forward(L in) override {
    auto s = (in[0] + in[1]) * k_;
    save_for_backward({s});
    return {s, in[0] - in[1]};
  }
  xg::tensor_list backward(L gy) override {
    EXPECT_EQ(saved().size(), 1u);
    return {gy[0] * k_ + gy[1], gy[0] * k_ - gy[1]};
  }
  double k_;
};

// A wrong backward, to see the checker catch it.
struct BadSquare : xg::Function {
  xg::tensor_list forward(L in) override { return {in[0] * in[0]}; }
  xg::tensor_list backward(L gy) override { return {gy[0] * 3.0}; }
};

// A backward that returns the wrong shape.
struct BadShape : xg::Function {
  xg::tensor_list forward(L in) override { return {in[0] * 2.0}; }
  xg::tensor_list backward(L) override { return {xg::ones({7}, xg::kFloat64)}; }
};

}  // namespace

TEST(Function, ForwardBackwardAndName) {
  auto x = xg::test::param({2.0}, {1});
  auto y = xg::apply<Cube>({x})[0];
  EXPECT_TRUE(values_near(y, {8}));
  EXPECT_EQ(y.grad_fn_name(), "CubeBackward");
  y.backward();
  EXPECT_TRUE(values_near(x.grad(), {12}));
  EXPECT_EQ(xg::apply<BadSquare>({x})[0].grad_fn_name(), "FunctionBackward");
}

TEST(Function, PassesGradcheckAndGradgradcheck) {
  xg::manual_seed(50);
  auto cube = [](L in) { return xg::apply<Cube>({in[0]})[0]; };
  EXPECT_TRUE(xg::testing::gradcheck_ok(cube, {randp({2, 3})}));
  EXPECT_TRUE(xg::testing::gradgradcheck_ok(cube, {randp({3})}));
  auto both = [](L in) {
    auto out = xg::apply<ScaledSumDiff>({in[0], in[1]}, 1.5);
    return out[0] * out[1];
  };
  EXPECT_TRUE(xg::testing::gradcheck_ok(both, {randp({3}), randp({3})}));
}

TEST(Function, CheckerCatchesAWrongBackward) {
  xg::manual_seed(51);
  auto r = xg::gradcheck([](L in) { return xg::apply<BadSquare>({in[0]})[0]; }, {randp({3})});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("Jacobian mismatch for input 0"), std::string::npos) << r.message;
}

TEST(Function, WrongGradientShapeIsReported) {
  auto x = xg::test::param({1.0, 2.0}, {2});
  auto y = xg::apply<BadShape>({x})[0].sum();
  EXPECT_XG_ERROR(y.backward(), "FunctionBackward returned a gradient of shape (7,) for input 0 of shape (2,)");
}

TEST(Function, NotRecordedWithoutGrad) {
  auto x = xg::tensor({2.0});
  auto y = xg::apply<Cube>({x})[0];
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(values_near(y, {8}));
}
