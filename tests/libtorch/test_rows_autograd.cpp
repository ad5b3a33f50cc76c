// Rows of docs/libtorch.md (Autograd), compiled and run: each block, marked `// row:` with the row's
// libtorch cell (scripts/check_libtorch_doc.py keeps the markers and the doc's rows equal),
// writes the row's xgrad spelling and checks that it means what the row says.
#include <gtest/gtest.h>

#include <xgrad/xgrad.h>

#include "rows_util.h"

using rows::Cube;
using rows::Net;
using rows::sum_of;

TEST(LibtorchRows, Autograd) {
  {
    // row: `x.requires_grad_()`, `x.grad()`, `x.is_leaf()`
    auto x = xg::ones({2}).requires_grad_();
    EXPECT_TRUE(x.is_leaf());
    EXPECT_FALSE(x.grad().defined());
  }
  {
    // row: `loss.backward()`
    auto x = xg::ones({2}).requires_grad_();
    (x * x).sum().backward();
    EXPECT_EQ(sum_of(x.grad()), 4.0);
  }
  {
    // row: `torch::autograd::grad({y}, {x}, {}, c10::nullopt, true)`
    auto x = xg::full({1}, 3.0, xg::kFloat64).requires_grad_();
    auto y = x * x * x;
    auto g = xg::grad({y}, {x}, {}, std::nullopt, true)[0];
    EXPECT_EQ(g.item(), 27.0);
    EXPECT_EQ(xg::grad({g}, {x})[0].item(), 18.0);
  }
  {
    // row: `torch::NoGradGuard`
    auto x = xg::ones({2}).requires_grad_();
    xg::NoGradGuard no_grad;
    EXPECT_FALSE((x * 2.0).requires_grad());
  }
  {
    // row: `torch::autograd::DetectAnomalyGuard`
    xg::DetectAnomalyGuard anomaly;
    auto x = xg::tensor({0.0}).requires_grad_();
    EXPECT_THROW(xg::log(x * 0.0 - 1.0), xg::Error);
  }
  {
    // row: `x.detach()`, `x.detach_()`
    auto x = xg::ones({2}).requires_grad_();
    auto y = x * 2.0;
    EXPECT_FALSE(y.detach().requires_grad());
    y.detach_();
    EXPECT_FALSE(y.requires_grad());
    EXPECT_TRUE(y.is_leaf());
  }
  {
    // row: `optimizer.zero_grad()`
    auto p = xg::ones({2}).requires_grad_();
    xg::optim::SGD opt({p}, 0.1);
    p.sum().backward();
    opt.zero_grad();
    EXPECT_FALSE(p.grad().defined());
  }
  {
    // row: `torch::autograd::Function<T>`
    auto x = xg::full({1}, 2.0, xg::kFloat64).requires_grad_();
    xg::apply<Cube>({x})[0].sum().backward();
    EXPECT_EQ(x.grad().item(), 12.0);
  }
  {
    // row: (no C++ counterpart)
    Net net;
    const auto report = xg::gradient_check([&] { return net(xg::ones({3, 4})).sum(); }, net.named_parameters());
    EXPECT_TRUE(report.ok());
  }
  {
    // row: `torch::autograd::gradcheck` (Python only)
    auto x = xg::randn({3}, xg::kFloat64).requires_grad_();
    EXPECT_TRUE(xg::gradcheck([](const xg::tensor_list& in) { return xg::tanh(in[0]); }, {x}));
    EXPECT_TRUE(xg::gradgradcheck([](const xg::tensor_list& in) { return xg::tanh(in[0]); }, {x}));
  }
  {
    // row: `auto h = x.register_hook(fn); x.remove_hook(h);`
    auto x = xg::ones({2}).requires_grad_();
    auto h = x.register_hook([](const xg::Tensor& g) { return g * 2.0; });
    x.sum().backward();
    EXPECT_EQ(sum_of(x.grad()), 4.0);
    x.remove_hook(h);
  }
  {
    // row: `x.retain_grad()`, `x.retains_grad()`
    auto x = xg::ones({2}).requires_grad_();
    auto y = x * 3.0;
    y.retain_grad();
    EXPECT_TRUE(y.retains_grad());
    y.sum().backward();
    EXPECT_EQ(sum_of(y.grad()), 2.0);
  }
  {
    // row: `p.register_post_accumulate_grad_hook(fn)`
    auto p = xg::ones({2}).requires_grad_();
    double seen = 0;
    p.register_post_accumulate_grad_hook([&](const xg::Tensor& leaf) { seen = sum_of(leaf.grad()); });
    p.sum().backward();
    EXPECT_EQ(seen, 2.0);
  }
  {
    // row: module hooks: none in C++ (pytorch#25888)
    Net net;
    int calls = 0;
    auto h = net.fc.register_forward_hook([&](nn::Module&, const xg::Tensor&, const xg::Tensor&) { ++calls; });
    net(xg::ones({1, 4}));
    h.remove();
    net(xg::ones({1, 4}));
    EXPECT_EQ(calls, 1);
  }
}
