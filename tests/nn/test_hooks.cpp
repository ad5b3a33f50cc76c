// Module hooks: forward pre-hooks, forward hooks and full backward hooks.
#include "test_util.h"

using namespace xg;
using xg::test::values_near;

namespace {

struct Block : nn::Module {  // nested: a Sequential inside a model
  nn::Sequential body;
  nn::Linear head{3, 2, true, kFloat64};
  Block() {
    body.add(std::make_shared<nn::Linear>(2, 3, true, kFloat64)).add(std::make_shared<nn::ReLU>());
    register_module("body", body);
    register_module("head", head);
  }
  Tensor forward(const Tensor& x) override { return head(body(x)); }
};

}  // namespace

TEST(ModuleHook, FireInCallOrderInsideSequentialAndNestedModels) {
  manual_seed(0);
  Block model;
  std::vector<std::string> log;
  std::vector<nn::ScopedHook> hooks;
  for (const auto& [name, m] : model.body.children()) {
    const std::string n = name;
    hooks.emplace_back(m->register_forward_pre_hook([&log, n](nn::Module&, const Tensor&) { log.push_back("pre " + n); }));
    hooks.emplace_back(m->register_forward_hook([&log, n](nn::Module&, const Tensor&, const Tensor&) { log.push_back("fwd " + n); }));
  }
  hooks.emplace_back(model.head.register_forward_hook([&log](nn::Module& m, const Tensor& x, const Tensor& y) {
    log.push_back(m.type_name() + " " + std::to_string(x.size(1)) + "->" + std::to_string(y.size(1)));
  }));
  hooks.emplace_back(model.register_forward_hook([&log](nn::Module&, const Tensor&, const Tensor&) { log.push_back("model"); }));
  model(randn({4, 2}, kFloat64));
  EXPECT_EQ(log, (std::vector<std::string>{"pre 0", "fwd 0", "pre 1", "fwd 1", "Linear 3->2", "model"}));
}

TEST(ModuleHook, RegistrationOrderAndRemoval) {
  nn::Linear l(2, 2, true, kFloat64);
  std::string order;
  auto a = l.register_forward_hook([&order](nn::Module&, const Tensor&, const Tensor&) { order += "a"; });
  auto b = l.register_forward_hook([&order](nn::Module&, const Tensor&, const Tensor&) { order += "b"; });
  const Tensor x = ones({1, 2}, kFloat64);
  l(x);
  EXPECT_EQ(order, "ab");
  EXPECT_TRUE(a.active());
  a.remove();
  a.remove();  // idempotent
  EXPECT_FALSE(a.active());
  l(x);
  EXPECT_EQ(order, "abb");
  {
    nn::ScopedHook scoped(l.register_forward_pre_hook([&order](nn::Module&, const Tensor&) { order += "p"; }));
    l(x);
  }
  l(x);
  EXPECT_EQ(order, "abbpbb");
  b.remove();
  l(x);
  EXPECT_EQ(order, "abbpbb");
}

TEST(ModuleHook, AddNothingToTheGraphWithoutHooks) {
  // "No cost": without hooks the output is the layer's own operation; a registered and
  // removed backward hook leaves no identity node behind either.
  nn::Linear l(2, 2, true, kFloat64);
  const Tensor x = ones({1, 2}, kFloat64);
  const std::string plain = l(x).grad_fn_name();
  EXPECT_FALSE(l.has_hooks());
  auto h = l.register_full_backward_hook([](nn::Module&, const tensor_list&, const tensor_list&) {});
  EXPECT_TRUE(l.has_hooks());
  EXPECT_EQ(l(x).grad_fn_name(), "BackwardHookBackward");
  h.remove();
  EXPECT_FALSE(l.has_hooks());  // the registry is freed: back to one null test per call
  EXPECT_EQ(l(x).grad_fn_name(), plain);
}

TEST(ModuleHook, ForwardHooksReplaceInputAndOutput) {
  nn::Linear l(2, 1, false, kFloat64);
  l.set_parameter("W", tensor({1.0, 1.0}, {2, 1}, kFloat64));
  auto pre = l.register_forward_pre_hook([](nn::Module&, const Tensor& x) { return x * 2.0; });
  auto post = l.register_forward_hook([](nn::Module&, const Tensor& x, const Tensor& y) {
    EXPECT_TRUE(values_near(x, {2, 4}));  // sees the replaced input
    return y + 100.0;
  });
  EXPECT_TRUE(values_near(l(tensor({1.0, 2.0}, {1, 2}, kFloat64)), {106}));
}

TEST(ModuleHook, FullBackwardHookSeesAndReplacesGradients) {
  // y = x W with W = (2, 3)^T; loss = 5 y: grad_output 5, grad_input 5 W^T = (10, 15).
  nn::Linear l(2, 1, false, kFloat64);
  l.set_parameter("W", tensor({2.0, 3.0}, {2, 1}, kFloat64));
  tensor_list gin, gout;
  auto h = l.register_full_backward_hook([&](nn::Module& m, const tensor_list& gx, const tensor_list& gy) {
    EXPECT_EQ(&m, &l);
    gin = gx;
    gout = gy;
    return tensor_list{gx[0] * 0.0 + 1.0};  // replace the input gradient by ones
  });
  auto x = tensor({1.0, 1.0}, {1, 2}, kFloat64).requires_grad_();
  (l(x) * 5.0).sum().backward();
  ASSERT_EQ(gin.size(), 1u);
  ASSERT_EQ(gout.size(), 1u);
  EXPECT_TRUE(values_near(gout[0], {5}));
  EXPECT_TRUE(values_near(gin[0], {10, 15}));
  EXPECT_TRUE(values_near(x.grad(), {1, 1}));
  EXPECT_TRUE(values_near(l.W.grad(), {5, 5}));  // parameters are not affected
}

TEST(ModuleHook, BackwardHookOnAnInputWithoutGrad) {
  // The first layer's input (the data) needs no gradient: the hook still fires, with an
  // undefined grad_input, as PyTorch's.
  nn::Linear l(2, 1, true, kFloat64);
  int calls = 0;
  l.register_full_backward_hook([&](nn::Module&, const tensor_list& gx, const tensor_list& gy) {
    ++calls;
    EXPECT_FALSE(gx[0].defined());
    EXPECT_EQ(gy[0].shape(), (Shape{3, 1}));
  });
  l(ones({3, 2}, kFloat64)).sum().backward();
  EXPECT_EQ(calls, 1);
  NoGradGuard no_grad;  // without recording there is no backward to hook
  EXPECT_EQ(l(ones({3, 2}, kFloat64)).grad_fn_name(), "");
}

TEST(ModuleHook, BackwardHooksFireForEachLayerOfASequentialInReverse) {
  manual_seed(1);
  Block model;
  std::vector<std::string> order;
  std::vector<nn::ScopedHook> hooks;
  hooks.emplace_back(model.head.register_full_backward_hook(
      [&order](nn::Module&, const tensor_list&, const tensor_list&) { order.push_back("head"); }));
  hooks.emplace_back(model.body.register_full_backward_hook(
      [&order](nn::Module&, const tensor_list&, const tensor_list&) { order.push_back("body"); }));
  model(randn({4, 2}, kFloat64).requires_grad_()).sum().backward();
  EXPECT_EQ(order, (std::vector<std::string>{"head", "body"}));
}

TEST(ModuleHook, AWrongReplacementIsAnErrorNamingTheModule) {
  nn::Linear l(2, 1, true, kFloat64);
  l.register_full_backward_hook([](nn::Module&, const tensor_list&, const tensor_list&) { return tensor_list{ones({5})}; });
  auto x = ones({1, 2}, kFloat64).requires_grad_();
  EXPECT_XG_ERROR(l(x).sum().backward(), "register_full_backward_hook", "Linear", "shape (5,)", "(1,2)");
}

TEST(ModuleHook, AGraphOutlivingItsModuleCallsNothing) {
  Tensor y;
  int calls = 0;
  auto x = ones({1, 2}, kFloat64).requires_grad_();
  nn::HookHandle handle;
  {
    nn::Linear l(2, 1, true, kFloat64);
    handle = l.register_full_backward_hook([&calls](nn::Module&, const tensor_list&, const tensor_list&) { ++calls; });
    y = l(x).sum();
  }
  y.backward();
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(handle.active());
  handle.remove();  // harmless
}

TEST(ModuleHook, SummaryLeavesNoHookBehind) {
  manual_seed(2);
  Block model;
  std::ostringstream os;
  const auto s = nn::summary(model, {1, 2}, os, kFloat64);
  EXPECT_EQ(s.rows.size(), 3u);  // body.0, body.1, head: recorded through forward hooks
  for (nn::Module* m : {static_cast<nn::Module*>(&model), static_cast<nn::Module*>(&model.body),
                        &model.body[0], &model.body[1], static_cast<nn::Module*>(&model.head)})
    EXPECT_FALSE(m->has_hooks()) << m->type_name();
  // Also when the forward pass throws.
  EXPECT_THROW(nn::summary(model, {1, 5}, os, kFloat64), Error);
  EXPECT_FALSE(model.head.has_hooks());
  EXPECT_FALSE(model.body[0].has_hooks());
}

TEST(ModuleHook, BackwardHooksWorkWithCreateGraph) {
  // Tanh with a hook doubling grad_input: g = 2 (1 - tanh² x) stays differentiable. The
  // second-order pass flows through the call's input again, so the hook doubles that
  // gradient too (as PyTorch's hooks on the call's BackwardHookFunction node), seeing an
  // undefined grad_output: d/dx g = 2 · 2 · (-2 tanh x (1 - tanh² x)).
  nn::Tanh tanh_module;
  tensor_list last_gy;
  tanh_module.register_full_backward_hook([&last_gy](nn::Module&, const tensor_list& gx, const tensor_list& gy) {
    last_gy = gy;
    return tensor_list{gx[0] * 2.0};
  });
  auto x = tensor({0.5, -1.0}, {2}, kFloat64).requires_grad_();
  auto g = grad({tanh_module(x).sum()}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  const double t0 = std::tanh(0.5), t1 = std::tanh(-1.0);
  EXPECT_TRUE(values_near(g, {2 * (1 - t0 * t0), 2 * (1 - t1 * t1)}, 1e-12));
  ASSERT_EQ(last_gy.size(), 1u);
  EXPECT_TRUE(last_gy[0].defined());
  ASSERT_TRUE(g.requires_grad());
  EXPECT_TRUE(values_near(grad({g.sum()}, {x})[0], {-8 * t0 * (1 - t0 * t0), -8 * t1 * (1 - t1 * t1)}, 1e-12));
  ASSERT_EQ(last_gy.size(), 1u);
  EXPECT_FALSE(last_gy[0].defined());
}
