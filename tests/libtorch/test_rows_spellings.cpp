// Rows of docs/libtorch.md found missing by compiling common libtorch expressions (2026-12-07,
// second probe): metadata and raw access, dtype-taking reductions, the matrix transposes, the
// grad-mode guards, saving a tensor, a module's children. Compiled and run as
// test_rows_tensors.cpp's: each block, marked `// row:`, writes the xgrad spelling and checks it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <xgrad/xgrad.h>

#include "rows_util.h"

using rows::sum_of;

TEST(LibtorchRows, SpellingsOfTheSecondProbe) {
  {
    // row: `x.ndimension()`, `x.stride(0)`, `x.strides()`, `x.data_ptr<float>()`, `x.const_data_ptr<float>()`, `x.accessor<float, 2>()`
    auto x = xg::zeros({2, 3});
    EXPECT_EQ(x.ndimension(), 2);
    EXPECT_EQ(x.stride(0), 3);
    EXPECT_EQ(x.strides(), (std::vector<std::int64_t>{3, 1}));
    x.data_ptr<float>()[4] = 2.0f;
    EXPECT_EQ(x.const_data_ptr<float>()[4], 2.0f);
    auto a = x.accessor<float, 2>();
    EXPECT_EQ(a[1][1], 2.0f);
    a[0][2] = 5.0f;
    EXPECT_EQ(x.index({0, 2}).item<float>(), 5.0f);
    EXPECT_EQ(a.size(1), 3);
  }
  {
    // row: `x.sum(torch::kFloat64)`, `x.mean(torch::kFloat64)`, `x.sum({1}, false, torch::kFloat64)`
    const auto counts = xg::tensor({{1, 2}, {3, 4}}, xg::kInt64);
    EXPECT_EQ(counts.mean(xg::kFloat64).item(), 2.5);
    EXPECT_EQ(counts.sum(xg::kFloat64).dtype(), xg::kFloat64);
    EXPECT_EQ(counts.sum({1}, false, xg::kFloat64).to_vector<double>(), (std::vector<double>{3, 7}));
  }
  {
    // row: `x.toType(torch::kFloat64)`, `x.to(torch::kFloat32, /*non_blocking=*/false, /*copy=*/true)`, `x.where(cond, y)`, `torch::where(cond)`
    const auto x = xg::tensor({1.0f, -2.0f, 3.0f});
    EXPECT_EQ(x.toType(xg::kFloat64).dtype(), xg::kFloat64);
    auto copy = x.to(xg::kFloat32, false, true);
    EXPECT_FALSE(copy.is_same(x));
    const auto cond = (x > 0.0).to(xg::kInt64);
    EXPECT_EQ(x.where(cond, xg::zeros({3})).to_vector<float>(), (std::vector<float>{1, 0, 3}));
    const auto where = xg::where(cond);
    ASSERT_EQ(where.size(), 1u);
    EXPECT_EQ(where[0].to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 2}));
  }
  {
    // row: `x.tril()`, `x.triu(1)`, `x.trace()`, `a.bmm(b)`, `x.mT()`, `x.mH()`, `x.H()`, `x.adjoint()`
    const auto x = xg::arange(6.0).reshape({2, 3});
    EXPECT_EQ(sum_of(x.tril()), 0 + 3 + 4.0);
    EXPECT_EQ(sum_of(x.triu(1)), 1 + 2 + 5.0);
    EXPECT_EQ(xg::arange(9.0).reshape({3, 3}).trace().item(), 12.0);
    const auto b = xg::ones({4, 2, 3});
    EXPECT_EQ(b.bmm(b.mT()).sizes(), (xg::Shape{4, 2, 2}));
    EXPECT_EQ(b.mH().sizes(), (xg::Shape{4, 3, 2}));
    EXPECT_EQ(x.H().sizes(), (xg::Shape{3, 2}));
    EXPECT_EQ(x.adjoint().index({2, 1}).item(), 5.0);
  }
  {
    // row: `x.norm(2, 1)`, `x.movedim(0, 1)`, `torch::randint(10, {3})`, `torch::randint_like(x, 10)`, `torch::eye(3, 4)`
    const auto x = xg::tensor({{3.0, 4.0}, {6.0, 8.0}});
    EXPECT_EQ(x.norm(2, 1).to_vector<float>(), (std::vector<float>{5, 10}));
    EXPECT_EQ(xg::zeros({2, 3}).movedim(0, 1).sizes(), (xg::Shape{3, 2}));
    EXPECT_LT(xg::randint(10, {3}).max().item(), 10.0);
    const auto r = xg::randint_like(x, 10);
    EXPECT_EQ(r.dtype(), xg::kFloat32);
    EXPECT_EQ(sum_of(xg::eye(3, 4)), 3.0);
  }
  {
    // row: `x.masked_scatter(mask, source)`, `x.masked_scatter_(mask, source)`, `torch::masked_scatter(x, mask, source)`
    auto x = xg::zeros({4});
    const auto mask = xg::tensor({0, 1, 0, 1}, xg::kInt64);
    EXPECT_EQ(x.masked_scatter(mask, xg::tensor({5.0f, 6.0f})).to_vector<float>(), (std::vector<float>{0, 5, 0, 6}));
    x.masked_scatter_(mask, xg::ones({2}));
    EXPECT_EQ(xg::masked_scatter(x, mask, xg::zeros({3})).sum().item(), 0.0);
    EXPECT_EQ(x.sum().item(), 2.0);
  }
  {
    // row: `torch::combinations(x, 2)`, `torch::combinations(x, 3, /*with_replacement=*/true)`, `torch::cross(a, b)`, `torch::sort(x, /*stable=*/true, 0, false)`
    const auto x = xg::tensor({1.0, 2.0, 3.0});
    EXPECT_EQ(xg::combinations(x, 2).sizes(), (xg::Shape{3, 2}));
    EXPECT_EQ(xg::combinations(x, 3, /*with_replacement=*/true).size(0), 10);
    const auto e = xg::eye(3);
    EXPECT_EQ(xg::cross(e, e.roll(1, 0)).abs().sum().item(), 3.0);
    const auto [values, order] = xg::sort(xg::tensor({2.0, 1.0, 2.0}), /*stable=*/true, 0, false);
    EXPECT_EQ(order.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 2}));
  }
  {
    // row: `torch::special::expit(x)`, `special::logit`, `special::erfinv`, `special::gammaln`, `special::psi`, `special::polygamma(1, x)`, `special::xlog1py`, `special::ndtr`, `special::logsumexp(x, 1)`
    const auto x = xg::tensor({0.25, 0.5}, xg::kFloat64);
    EXPECT_EQ(xg::special::expit(xg::special::logit(x)).to_vector<double>()[1], 0.5);
    EXPECT_NEAR(xg::special::erfinv(xg::special::erf(x)).to_vector<double>()[0], 0.25, 1e-15);
    EXPECT_NEAR(xg::special::gammaln(x).to_vector<double>()[1], std::log(std::sqrt(M_PI)), 1e-15);  // Γ(1/2) = √π
    EXPECT_LT(xg::special::psi(x).max().item(), 0.0);
    EXPECT_GT(xg::special::polygamma(1, x).min().item(), 0.0);
    EXPECT_EQ(xg::special::xlog1py(xg::zeros({2}, xg::kFloat64), x).sum().item(), 0.0);
    EXPECT_EQ(xg::special::ndtr(xg::zeros({1}, xg::kFloat64)).item(), 0.5);
    EXPECT_EQ(xg::special::logsumexp(xg::zeros({2, 2}, xg::kFloat64), 1).to_vector<double>()[0], std::log(2.0));
  }
  {
    // row: `x.clamp(min_tensor, max_tensor)`, `x.cumsum(0, torch::kFloat64)`, `x.is_floating_point()`, `x.is_signed()`, `torch::cosine_similarity(a, b, 1)`, `torch::pairwise_distance(a, b)`
    const auto x = xg::tensor({-1.0f, 0.5f, 3.0f});
    EXPECT_EQ(x.clamp(xg::zeros({3}), xg::ones({3})).to_vector<float>(), (std::vector<float>{0, 0.5f, 1}));
    EXPECT_EQ(x.cumsum(0, xg::kFloat64).dtype(), xg::kFloat64);
    EXPECT_TRUE(x.is_floating_point() && x.is_signed());
    const auto a = xg::tensor({{1.0f, 0.0f}}), b = xg::tensor({{0.0f, 1.0f}});
    EXPECT_EQ(xg::cosine_similarity(a, b, 1).item(), 0.0);
    EXPECT_NEAR(xg::pairwise_distance(a, b).item(), std::sqrt(2.0), 1e-5);
  }
  {
    // row: `torch::autograd::grad({y}, {x})`, `torch::autograd::backward({y})`, `torch::GradMode::is_enabled()`, `torch::AutoGradMode guard(false)`, `torch::InferenceMode guard`
    auto x = xg::tensor({2.0}).requires_grad_();
    const auto y = (x * x).sum();
    EXPECT_EQ(xg::autograd::grad({y}, {x}, {}, true)[0].item(), 4.0);
    xg::autograd::backward({y});
    EXPECT_EQ(x.grad().item(), 4.0);
    EXPECT_TRUE(xg::GradMode::is_enabled());
    {
      xg::AutoGradMode guard(false);
      EXPECT_FALSE((x * 2.0).requires_grad());
    }
    {
      xg::InferenceMode guard;
      EXPECT_FALSE(xg::GradMode::is_enabled());
    }
    EXPECT_TRUE(xg::GradMode::is_enabled());
  }
  {
    // row: `torch::save(x, "x.pt")`, `torch::load(x, "x.pt")`, `torch::save(tensors, "t.pt")`
    const std::string path = ::testing::TempDir() + "xgrad_row_tensor.npz";
    xg::save(xg::tensor({1.0, 2.0}, xg::kFloat64), path);
    xg::Tensor back;
    xg::load(back, path);
    EXPECT_EQ(back.to_vector<double>(), (std::vector<double>{1, 2}));
    xg::save(xg::tensor_list{xg::ones({2}), xg::zeros({3}, xg::kInt64)}, path);
    xg::tensor_list list;
    xg::load(list, path);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[1].dtype(), xg::kInt64);
  }
  {
    // row: `for (auto& c : net->named_children()) c.key(), c.value()`, `net->apply(fn)`
    rows::Net net;
    std::vector<std::string> names;
    for (auto& c : net.named_children()) names.push_back(c.key() + ":" + std::to_string(c.value() == &net.fc));
    EXPECT_EQ(names, (std::vector<std::string>{"fc:1"}));
    int visited = 0;
    net.apply([&](xg::nn::Module&) { ++visited; });
    EXPECT_EQ(visited, 2);
  }
  {
    // row: `x[0].fill_(1)`, `x.select(1, j).copy_(v)`, `x.narrow(0, 1, 2).zero_()`, `x.t().mul_(2)`, `x.chunk(2)[1].neg_()`, `x.diagonal().fill_(1)`, `x[1][2] = 3.5`, `x.index({Slice(), 0}) = v`
    using namespace xg::indexing;
    auto x = xg::zeros({3, 3});
    x[0].fill_(1);
    x.select(1, 2).copy_(xg::tensor({5.0f, 6.0f, 7.0f}));
    x.t().mul_(2);
    x[1][1] = 3.5;
    x.index({Slice(), 0}) = xg::tensor({-1.0f, -2.0f, -3.0f});
    EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{-1, 2, 10, -2, 3.5f, 12, -3, 0, 14}));
    x.narrow(0, 1, 2).zero_();
    x.chunk(3)[0].neg_();
    x.diagonal().fill_(1);
    EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{1, -2, -10, 0, 1, 0, 0, 0, 1}));
  }
  {
    // row: `x.unsqueeze_(0)`, `x.squeeze_()`, `x.squeeze_(1)`, `x.t_()`, `x.transpose_(0, 1)`; `p.data()`
    auto x = xg::arange(6).reshape({2, 3}).to(xg::kFloat32);
    x.unsqueeze_(0);
    EXPECT_EQ(x.dim(), 3);
    x.squeeze_();
    x.unsqueeze_(1).squeeze_(1);
    x.t_();
    EXPECT_EQ(x.size(0), 3);
    x.transpose_(0, 1);
    EXPECT_EQ(x.index({0, 2}).item<float>(), 2.0f);
    auto p = xg::ones({2}).requires_grad_();
    p.data().mul_(3);
    EXPECT_EQ(p.sum().item<float>(), 6.0f);
    EXPECT_TRUE(p.requires_grad());
  }
  {
    // row: `x += y`, `x -= y`, `x *= 0.5`, `x /= y`; `torch::relu_(x)`; `torch::nn::ReLU(torch::nn::ReLUOptions().inplace(true))`; `F::relu(x, F::ReLUFuncOptions().inplace(true))`
    namespace F = xg::nn::functional;
    auto w = xg::tensor({-1.0f, 2.0f}).requires_grad_();
    auto out = w * 3.0;
    out += w;
    out -= xg::ones({2});
    out *= 0.5;
    out /= xg::full({2}, 2.0);
    xg::relu_(out);
    EXPECT_EQ(out[0].item<float>(), 0.0f);
    EXPECT_FLOAT_EQ(out[1].item<float>(), 1.75f);
    auto a = w * 1.0, b = w * 1.0;
    xg::nn::ReLU relu(xg::nn::ReLUOptions().inplace(true));
    relu(a);
    F::relu(b, F::ReLUFuncOptions().inplace(true));
    (out + a + b).sum().backward();
    EXPECT_FLOAT_EQ(w.grad()[1].item<float>(), 1.0f + 1.0f + 1.0f);
    EXPECT_EQ(w.grad()[0].item<float>(), 0.0f);
  }
}
