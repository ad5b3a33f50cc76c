// Module plumbing: registration, names and order, modes, dtype, freezing, summary.
#include <sstream>

#include "test_util.h"

using xg::test::values_near;

namespace {

struct TwoLayerNet : xg::nn::Module {
  xg::nn::Linear l1, l2;
  TwoLayerNet(int in, int hidden, int out) : l1(in, hidden), l2(hidden, out) {
    register_module("l1", l1);
    register_module("l2", l2);
  }
  xg::Tensor forward(const xg::Tensor& x) override { return l2(xg::sigmoid(l1(x))); }
};

struct Outer : xg::nn::Module {
  xg::Tensor scale = xg::ones({1});
  xg::Tensor count = xg::zeros({1});
  TwoLayerNet inner{2, 3, 1};
  xg::nn::Dropout drop{0.5};
  Outer() {
    register_parameter("scale", scale);
    register_buffer("count", count);
    register_module("inner", inner);
    register_module("drop", drop);
  }
  xg::Tensor forward(const xg::Tensor& x) override { return drop(inner(x)) * scale; }
};

std::vector<std::string> names(const xg::NamedTensors& ts) {
  std::vector<std::string> out;
  for (const auto& [n, t] : ts) out.push_back(n);
  return out;
}

}  // namespace

TEST(Module, ParametersInRegistrationOrderWithDottedNames) {
  Outer m;
  EXPECT_EQ(names(m.named_parameters()), (std::vector<std::string>{"scale", "inner.l1.W", "inner.l1.b", "inner.l2.W", "inner.l2.b"}));
  EXPECT_EQ(names(m.named_buffers()), (std::vector<std::string>{"count"}));
  EXPECT_EQ(m.parameters().size(), 5u);
  EXPECT_TRUE(m.parameters()[1].is_same(m.inner.l1.W));
  for (const auto& p : m.parameters()) EXPECT_TRUE(p.requires_grad());
  EXPECT_FALSE(m.count.requires_grad());
  EXPECT_EQ(m.type_name(), "Outer");
  EXPECT_EQ(m.inner.l1.type_name(), "Linear");
}

TEST(Module, RegistrationErrors) {
  struct Bad : xg::nn::Module {
    xg::Tensor a = xg::ones({1}), labels = xg::arange(3);
    xg::Tensor forward(const xg::Tensor& x) override { return x; }
  } m;
  m.register_parameter("a", m.a);
  EXPECT_XG_ERROR(m.register_parameter("a", m.a), "register_parameter: 'a' is already registered");
  EXPECT_XG_ERROR(m.register_module("a", m), "register_module: 'a' is already registered");
  EXPECT_XG_ERROR(m.register_parameter("x.y", m.a), "contain no '.'");
  EXPECT_XG_ERROR(m.register_parameter("labels", m.labels), "parameters must be float");
}

TEST(Module, ATiedModuleIsTrainedOnceAndSavedUnderBothNames) {
  // PyTorch's weight tying: one module under two names. parameters() lists its tensors
  // once (optimizers, clip_grad_norm, DDP see each once); named_parameters() and state()
  // keep both names, as PyTorch's state_dict keeps both keys.
  struct Tied : xg::nn::Module {
    xg::nn::Linear shared{2, 2, false, xg::kFloat64};
    Tied() {
      register_module("encoder", shared);
      register_module("decoder", shared);
    }
    xg::Tensor forward(const xg::Tensor& x) override { return shared(shared(x)); }
  } net;
  EXPECT_EQ(net.parameters().size(), 1u);
  ASSERT_EQ(net.named_parameters().size(), 2u);
  EXPECT_EQ(net.named_parameters()[0].first, "encoder.W");
  EXPECT_EQ(net.named_parameters()[1].first, "decoder.W");
  // One SGD step moves the weight by lr·g, not 2·lr·g.
  const auto W0 = net.shared.W.detach().clone();
  xg::optim::SGD sgd(net.parameters(), 0.1);
  auto loss = net(xg::ones({1, 2}, xg::kFloat64)).sum();
  loss.backward();
  const auto g = net.shared.W.grad().clone();
  sgd.step();
  EXPECT_LT(xg::test::max_abs_diff(net.shared.W, W0 - 0.1 * g), 1e-15);
  // clip_grad_norm: two unit gradients of a shared tensor are a norm of 1, not 1.41 or 2.
  net.shared.W.set_grad(xg::full({2, 2}, 0.5, xg::kFloat64));  // norm 1
  EXPECT_DOUBLE_EQ(xg::optim::clip_grad_norm(net.parameters(), 10.0), 1.0);
  auto both = net.named_parameters();
  EXPECT_DOUBLE_EQ(xg::optim::clip_grad_norm({both[0].second, both[1].second}, 10.0), 1.0);
  // A module added to a Sequential twice, likewise.
  xg::nn::Sequential seq;
  auto layer = std::make_shared<xg::nn::Linear>(3, 3);
  seq.add(layer).add(std::make_shared<xg::nn::ReLU>()).add(layer);
  EXPECT_EQ(seq.parameters().size(), 2u);
  EXPECT_EQ(seq.named_parameters().size(), 4u);
  EXPECT_EQ(seq.state().size(), 4u);
}

TEST(Module, ReplacingARegisteredMemberIsLoud) {
  TwoLayerNet net(2, 3, 1);
  net.l1.W = xg::zeros({2, 3});  // the optimizer would still hold the old tensor
  EXPECT_XG_ERROR(net.parameters(), "'l1.W' was replaced by assignment", "set_parameter");
}

TEST(Module, SetParameterUpdatesInPlace) {
  TwoLayerNet net(2, 3, 1);
  auto held = net.parameters()[0];  // as an optimizer would hold it
  net.set_parameter("l1.W", xg::full({2, 3}, 0.5));
  EXPECT_TRUE(values_near(held, std::vector<double>(6, 0.5)));
  EXPECT_XG_ERROR(net.set_parameter("l1.W", xg::ones({3, 2})), "set_parameter: 'l1.W' has shape (2,3), got (3,2)");
  EXPECT_XG_ERROR(net.set_parameter("l9.W", xg::ones({1})), "has no parameter or buffer 'l9.W'");
}

TEST(Module, ZeroGradTrainEvalAndFreezing) {
  Outer m;
  m.eval();  // Dropout becomes the identity
  EXPECT_FALSE(m.is_training());
  EXPECT_FALSE(m.drop.is_training());
  EXPECT_FALSE(m.inner.l1.is_training());
  auto x = xg::ones({4, 2});
  m(x).sum().backward();
  for (const auto& p : m.parameters()) EXPECT_TRUE(p.grad().defined());
  m.zero_grad();
  for (const auto& p : m.parameters()) EXPECT_FALSE(p.grad().defined());
  m.train();
  EXPECT_TRUE(m.drop.is_training());
  m.inner.requires_grad_(false);
  EXPECT_FALSE(m.inner.l1.W.requires_grad());
  EXPECT_TRUE(m.scale.requires_grad());
}

TEST(Module, ToConvertsInPlace) {
  TwoLayerNet net(2, 3, 1);
  auto held = net.l1.W;
  net.to(xg::kFloat64);
  EXPECT_EQ(held.dtype(), xg::kFloat64);
  EXPECT_EQ(net(xg::ones({1, 2}, xg::kFloat64)).dtype(), xg::kFloat64);
}

TEST(Summary, KerasStyleTableAndCounts) {
  // The Keras tutorial's 13-10-1 network: 140 parameters without biases, 151 with.
  xg::nn::Sequential no_bias;
  no_bias.emplace<xg::nn::Linear>(13, 10, false);
  no_bias.emplace<xg::nn::ReLU>();
  no_bias.emplace<xg::nn::Linear>(10, 1, false);
  std::ostringstream os;
  auto s = xg::nn::summary(no_bias, {1, 13}, os);
  EXPECT_EQ(s.total, 140);
  EXPECT_EQ(s.trainable, 140);
  ASSERT_EQ(s.rows.size(), 3u);
  EXPECT_EQ(s.rows[0].name, "0");
  EXPECT_EQ(s.rows[0].type, "Linear");
  EXPECT_EQ(s.rows[0].output_shape, (xg::Shape{1, 10}));
  EXPECT_EQ(s.rows[0].params, 130);
  EXPECT_NE(os.str().find("Total params: 140"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find(" 0 (Linear)"), std::string::npos) << os.str();
  xg::nn::Sequential with_bias;
  with_bias.emplace<xg::nn::Linear>(13, 10);
  with_bias.emplace<xg::nn::ReLU>();
  with_bias.emplace<xg::nn::Linear>(10, 1);
  EXPECT_EQ(xg::nn::summary(with_bias, {1, 13}, os).total, 151);
  // Buffers and frozen parameters are non-trainable.
  xg::nn::Sequential bn;
  bn.emplace<xg::nn::BatchNorm1d>(4);
  auto sb = xg::nn::summary(bn, {2, 4}, os);
  EXPECT_EQ(sb.trainable, 8);
  EXPECT_EQ(sb.non_trainable, 8);
  EXPECT_TRUE(bn.is_training());  // summary restores the mode
}
