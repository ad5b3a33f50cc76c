// Rows of docs/libtorch.md (Tensors), compiled and run: each block, marked `// row:` with the row's
// libtorch cell (scripts/check_libtorch_doc.py keeps the markers and the doc's rows equal),
// writes the row's xgrad spelling and checks that it means what the row says.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include <xgrad/xgrad.h>

#include "rows_util.h"

using rows::sum_of;

TEST(LibtorchRows, Tensors) {
  xg::manual_seed(0);
  const auto x = xg::randn({2, 3});
  {
    // row: `torch::Tensor`
    xg::Tensor a = x;
    EXPECT_TRUE(a.is_same(x));
    EXPECT_FALSE(x.clone().is_same(x));
  }
  {
    // row: `torch::tensor({1, 2, 3})`
    auto t = xg::tensor({1, 2, 3}, xg::kInt64);
    EXPECT_EQ(t.dtype(), xg::kInt64);
  }
  {
    // row: `torch::tensor({1.5, 2.5})`
    EXPECT_EQ(xg::tensor({1.5, 2.5}).dtype(), xg::kFloat32);
  }
  {
    // row: `torch::zeros({2, 3})`, `ones`, `full`, `eye`, `arange`, `empty`, `torch::zeros(3)`, `torch::randn(3)`
    EXPECT_EQ(sum_of(xg::zeros({2, 3})) + sum_of(xg::ones({2, 3})) + sum_of(xg::full({2, 3}, 2.0)), 18.0);
    EXPECT_EQ(xg::zeros(3).shape(), (xg::Shape{3}));  // one integer: a 1-D shape
    EXPECT_EQ(xg::ones(std::int64_t{2}, xg::kFloat64).dtype(), xg::kFloat64);
    EXPECT_EQ(sum_of(xg::full(4, 0.5)), 2.0);
    EXPECT_EQ(xg::empty(5).numel(), 5);
    EXPECT_EQ(xg::randn(7).shape(), (xg::Shape{7}));
    EXPECT_EQ(xg::rand(2, xg::kFloat64).dtype(), xg::kFloat64);
    EXPECT_EQ(sum_of(xg::eye(3)), 3.0);
    EXPECT_EQ(xg::arange(5).dtype(), xg::kInt64);
    EXPECT_EQ(xg::empty({4}).numel(), 4);
  }
  {
    // row: `torch::rand`, `randn`, `randint`, `randperm`, `randn_like`, `rand_like`
    EXPECT_LT(xg::rand({10}).max().item(), 1.0);
    EXPECT_EQ(xg::randn({3}).numel(), 3);
    EXPECT_LT(xg::randint(0, 5, {10}).max().item(), 5.0);
    EXPECT_EQ(sum_of(xg::randperm(4)), 6.0);
    EXPECT_EQ(xg::randn_like(x).shape(), x.shape());
    EXPECT_EQ(xg::rand_like(x).shape(), x.shape());
  }
  {
    // row: `torch::kFloat32` / `kFloat`, `kFloat64` / `kDouble`, `kInt64` / `kLong`
    EXPECT_EQ(xg::kFloat, xg::kFloat32);
    EXPECT_EQ(xg::kDouble, xg::kFloat64);
    EXPECT_EQ(xg::kLong, xg::kInt64);
  }
  {
    // row: `x.sizes()`, `x.size(0)`, `x.dim()`, `x.numel()`
    EXPECT_EQ(x.sizes(), (xg::Shape{2, 3}));
    EXPECT_EQ(x.size(0) + x.dim() + x.numel(), 2 + 2 + 6);
    const std::vector<std::int64_t> v = x.sizes();
    EXPECT_EQ(x.sizes().vec(), v);
  }
  {
    // row: `x.item<float>()`
    EXPECT_EQ(xg::full({1}, 2.5).item<float>(), 2.5f);
  }
  {
    // row: `x.to(torch::kFloat64)`
    EXPECT_EQ(x.to(xg::kFloat64).dtype(), xg::kFloat64);
  }
  {
    // row: `torch::Device device(torch::cuda::is_available() ? torch::kCUDA : torch::kCPU);`
    xg::Device device(xg::cuda::is_available() ? xg::kCUDA : xg::kCPU);
    EXPECT_EQ(device.is_cuda(), xg::cuda::is_available());
    EXPECT_EQ(xg::Device("cuda:0").index(), 0);
    EXPECT_EQ(xg::cuda::is_available(), xg::cuda::unavailable_reason().empty());
  }
  {
    // row: `torch::zeros({2, 3}, torch::TensorOptions().dtype(torch::kFloat64).device(device).requires_grad(true))`, `torch::dtype(torch::kFloat64)`
    const xg::Device device = xg::kCPU;
    auto z = xg::zeros({2, 3}, xg::TensorOptions().dtype(xg::kFloat64).device(device).requires_grad(true));
    EXPECT_TRUE(z.requires_grad());
    EXPECT_EQ(z.dtype(), xg::kFloat64);
    EXPECT_EQ(xg::ones({2}, xg::dtype(xg::kFloat64)).dtype(), xg::kFloat64);
    EXPECT_EQ(xg::zeros_like(z).dtype(), xg::kFloat64);
  }
  {
    // row: `x.to(device)`, `x.device()`, `x.is_cuda()`, `x.cpu()`
    const xg::Device device = xg::kCPU;
    EXPECT_TRUE(x.to(device).is_same(x));
    EXPECT_EQ(x.device(), device);
    EXPECT_FALSE(x.is_cuda());
    EXPECT_TRUE(x.cpu().is_same(x));
  }
  {
    // row: `at::globalContext().setAllowTF32CuBLAS(true)` (Python: `torch.backends.cuda.matmul.allow_tf32 = True`)
    EXPECT_FALSE(xg::cuda::allow_tf32());
    xg::cuda::set_allow_tf32(true);
    EXPECT_TRUE(xg::cuda::allow_tf32());
    xg::cuda::set_allow_tf32(false);
  }
  {
    // row: `c10::cuda::warning_state().set_sync_debug_mode(c10::cuda::SyncDebugMode::L_ERROR)` (Python: `torch.cuda.set_sync_debug_mode("error")`)
    xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kError);
    EXPECT_EQ(xg::cuda::get_sync_debug_mode(), xg::cuda::SyncDebugMode::kError);
    EXPECT_EQ(x.sum().item(), x.sum().item());  // on the CPU nothing waits
    xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kOff);
  }
  {
    // row: `at::cuda::CUDAGraph g; g.capture_begin(); ...; g.capture_end(); g.replay();` (Python: `torch.cuda.CUDAGraph`, `torch.cuda.graph`)
    xg::cuda::Graph g;
    EXPECT_FALSE(g.captured());
    EXPECT_FALSE(xg::cuda::is_current_stream_capturing());
    if (!xg::cuda::is_available()) EXPECT_THROW(g.capture_begin(), xg::Error);  // and says why
  }
  {
    // row: `torch.cuda.make_graphed_callables(...)` (Python), tinygrad's `TinyJit`
    xg::train::GraphedStep step([](const xg::tensor_list& b) { return xg::tensor_list{b[0] * 2.0}; });
    EXPECT_EQ(step({x})[0].to_vector<float>()[0], 2 * x.to_vector<float>()[0]);  // CPU batches: eager
  }
  {
    // row: `a + b` with `a` on CUDA and `b` a 0-d CPU tensor
    const auto b = xg::scalar_tensor(2.0);  // on the CPU, where this test runs, it adds as any operand
    EXPECT_EQ((x + b).device(), x.device());
  }
  {
    // row: `x.data_ptr<float>()`
    EXPECT_EQ(x.data<float>()[0], x.to_vector<float>()[0]);
  }
  {
    // row: `x.view({2, -1})`, `x.reshape({2, -1})`, `x.view(-1)`, `x.reshape(-1)`
    auto v = x.view({3, -1});
    EXPECT_EQ(v.shape(), (xg::Shape{3, 2}));
    EXPECT_EQ(x.reshape({-1}).numel(), 6);
    EXPECT_EQ(x.view(-1).shape(), (xg::Shape{6}));
    EXPECT_EQ(x.reshape(6).shape(), (xg::Shape{6}));
    EXPECT_THROW(x.reshape(5), xg::Error);
  }
  {
    // row: `x.contiguous()`
    EXPECT_TRUE(x.contiguous().is_same(x));
  }
  {
    // row: `x.t()`, `x.transpose(0, 1)`, `x.permute({1, 0})`
    EXPECT_EQ(x.t().shape(), (xg::Shape{3, 2}));
    EXPECT_EQ(x.t().to_vector<float>(), x.transpose(0, 1).to_vector<float>());
    EXPECT_EQ(x.permute({1, 0}).to_vector<float>(), x.T().to_vector<float>());
  }
  {
    // row: `x.squeeze()`, `x.squeeze(1)`, `x.unsqueeze(0)`, `x.flatten(1)`
    EXPECT_EQ(xg::ones({1, 3, 1}).squeeze().shape(), (xg::Shape{3}));
    EXPECT_EQ(xg::ones({3, 1}).squeeze(1).shape(), (xg::Shape{3}));
    EXPECT_EQ(x.unsqueeze(0).shape(), (xg::Shape{1, 2, 3}));
    EXPECT_EQ(xg::ones({2, 3, 4}).flatten(1).shape(), (xg::Shape{2, 12}));
  }
  {
    // row: `x.slice(1, 0, 2)`
    EXPECT_EQ(x.slice(1, 0, 2).shape(), (xg::Shape{2, 2}));
  }
  {
    // row: `x.narrow(0, 1, 2)`
    EXPECT_EQ(xg::ones({4, 2}).narrow(0, 1, 2).shape(), (xg::Shape{2, 2}));
  }
  {
    // row: `x.select(0, 1)`, `x[1]`
    auto m = xg::arange(6, xg::kFloat32).reshape({3, 2});
    EXPECT_EQ(m.select(0, 1).shape(), (xg::Shape{2}));
    EXPECT_EQ(m.select(1, -1).to_vector<float>(), (std::vector<float>{1, 3, 5}));
    EXPECT_EQ(m[1].to_vector<float>(), (std::vector<float>{2, 3}));
    EXPECT_EQ(m[-1][0].item<float>(), 4);
    EXPECT_THROW(m[3], xg::Error);
    auto w = xg::ones({3, 2}, xg::TensorOptions().requires_grad(true));
    (w[2] * 5.0).sum().backward();  // the gradient reaches the selected row only
    EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{0, 0, 0, 0, 5, 5}));
  }
  {
    // row: `x.expand({4, 3})`
    EXPECT_EQ(xg::ones({1, 3}).expand({4, 3}).shape(), (xg::Shape{4, 3}));
    EXPECT_EQ(xg::ones({1, 3}).expand({4, -1}).shape(), (xg::Shape{4, 3}));
  }
  {
    // row: `x.index_select(0, idx)`, `x.gather(1, idx)`
    auto idx = xg::tensor({1, 0}, xg::kInt64);
    EXPECT_EQ(x.index_select(0, idx).to_vector<float>()[0], x.to_vector<float>()[3]);
    EXPECT_EQ(x.gather(1, xg::tensor({{2}, {0}}, xg::kInt64)).shape(), (xg::Shape{2, 1}));
  }
  {
    // row: `x.cumsum(1)`, `auto [values, indices] = x.sort(1, /*descending=*/true);`, `x.argsort(1)`, `auto [top, idx] = x.topk(5);`
    const auto s = xg::tensor({{3.0f, 1.0f, 2.0f, 5.0f, 4.0f, 0.0f}});
    EXPECT_EQ(s.cumsum(1).to_vector<float>(), (std::vector<float>{3, 4, 6, 11, 15, 15}));
    auto [values, indices] = s.sort(1, /*descending=*/true);
    EXPECT_EQ(values.to_vector<float>(), (std::vector<float>{5, 4, 3, 2, 1, 0}));
    EXPECT_EQ(indices.to_vector<std::int64_t>(), (std::vector<std::int64_t>{3, 4, 0, 2, 1, 5}));
    EXPECT_EQ(s.argsort(1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{5, 1, 2, 0, 4, 3}));
    auto [top, idx] = s.topk(5);
    EXPECT_EQ(top.to_vector<float>(), (std::vector<float>{5, 4, 3, 2, 1}));
    EXPECT_EQ(idx.shape(), (xg::Shape{1, 5}));
  }
  {
    // row: `x.chunk(2, 1)`, `x.unbind(0)`
    EXPECT_EQ(xg::ones({2, 4}).chunk(2, 1).size(), 2u);
    EXPECT_EQ(x.unbind(0).size(), 2u);
  }
  {
    // row: `torch::cat({a, b}, 1)`, `torch::stack({a, b})`
    EXPECT_EQ(xg::cat({x, x}, 1).shape(), (xg::Shape{2, 6}));
    EXPECT_EQ(xg::stack({x, x}).shape(), (xg::Shape{2, 2, 3}));
  }
  {
    // row: `x.sum()`, `x.sum(1)`, `x.sum({0, 1}, true)`, `x.mean(-1)`
    EXPECT_EQ(x.sum().dim(), 0);
    EXPECT_EQ(x.sum(1).shape(), (xg::Shape{2}));
    EXPECT_EQ(x.sum({0, 1}, true).shape(), (xg::Shape{1, 1}));
    EXPECT_EQ(x.mean(-1).shape(), (xg::Shape{2}));
  }
  {
    // row: `auto [values, indices] = x.max(1);`, `x.min(1)`, `torch::max(x, 1)`
    auto [values, indices] = xg::tensor({{1, 5, 5}, {7, 2, 3}}).max(1);
    EXPECT_EQ(values.to_vector<float>(), (std::vector<float>{5, 7}));
    EXPECT_EQ(indices.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0}));  // the first of ties
    auto [lo, at] = x.min(1);
    EXPECT_EQ(at.dtype(), xg::kInt64);
    EXPECT_EQ(std::get<0>(xg::max(x, 1)).to_vector<float>(), x.max({1}).to_vector<float>());
  }
  {
    // row: `x.argmax(1)`, `x.argmax()`
    EXPECT_EQ(xg::tensor({{1, 5}, {7, 2}}).argmax(1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0}));
    EXPECT_EQ(xg::tensor({1, 9, 2}).argmax().item(), 1.0);
  }
  {
    // row: `torch::max(a, b)`, `torch::min(a, b)`
    auto a = xg::tensor({1, 5}), b = xg::tensor({3, 2});
    EXPECT_EQ(xg::max(a, b).to_vector<float>(), (std::vector<float>{3, 5}));
    EXPECT_EQ(xg::min(a, b).to_vector<float>(), (std::vector<float>{1, 2}));
  }
  {
    // row: `x.var()`
    auto v = xg::tensor({1.0, 3.0}, xg::kFloat64);
    EXPECT_EQ(v.var().item(), 1.0);                // numpy's biased variance
    EXPECT_EQ(v.var({}, false, 1).item(), 2.0);  // libtorch's default, unbiased
  }
  {
    // row: `torch::matmul(a, b)`, `a.mm(b)`
    EXPECT_EQ(xg::matmul(x, x.t()).shape(), (xg::Shape{2, 2}));
    EXPECT_EQ(x.mm(x.t()).to_vector<float>(), xg::matmul(x, x.t()).to_vector<float>());
  }
  {
    // row: `torch::bmm(a, b)`
    EXPECT_EQ(xg::bmm(xg::ones({3, 2, 4}), xg::ones({3, 4, 5})).shape(), (xg::Shape{3, 2, 5}));
    EXPECT_EQ(xg::matmul(xg::ones({2, 3, 2, 4}), xg::ones({4, 5})).shape(), (xg::Shape{2, 3, 2, 5}));
  }
  {
    // row: `x.unflatten(1, {3, -1})`, `torch::pixel_shuffle(x, 2)`, `torch::pixel_unshuffle(x, 2)`
    const auto x = xg::zeros({2, 12, 3, 5});
    EXPECT_EQ(x.unflatten(1, {3, -1}).shape(), (xg::Shape{2, 3, 4, 3, 5}));
    EXPECT_EQ(xg::pixel_shuffle(x, 2).shape(), (xg::Shape{2, 3, 6, 10}));
    EXPECT_EQ(xg::pixel_unshuffle(xg::zeros({1, 1, 4, 6}), 2).shape(), (xg::Shape{1, 4, 2, 3}));
  }
  {
    // row: `x.std()`, `x.norm(2, 1)`, `torch::linalg::vector_norm(x, 3, {0, 2}, true)`
    const auto x = xg::tensor({{3.0f, 4.0f}, {0.0f, 0.0f}});
    EXPECT_NEAR(x.std().item(), std::sqrt(3.1875), 1e-6);  // ddof 0: 12.75 / 4
    EXPECT_EQ(x.norm(2, {1}).to_vector<float>(), (std::vector<float>{5, 0}));
    EXPECT_EQ(xg::norm(xg::zeros({2, 3, 4}), 3, {0, 2}, true).shape(), (xg::Shape{1, 3, 1}));
  }
  {
    // row: `x.flip({0, 2})`, `x.roll({1, -3}, {2, 0})`, `x.repeat({2, 1, 3})`, `torch::tile(x, {2})`, `x.repeat_interleave(3, 1)`, `x.movedim({0, 3}, {2, 0})`
    const auto x = xg::tensor({{1.0f, 2.0f, 3.0f}});
    EXPECT_EQ(x.flip({1}).to_vector<float>(), (std::vector<float>{3, 2, 1}));
    EXPECT_EQ(x.roll({1}, {1}).to_vector<float>(), (std::vector<float>{3, 1, 2}));
    EXPECT_EQ(x.repeat({2, 1, 3}).shape(), (xg::Shape{2, 1, 9}));
    EXPECT_EQ(xg::tile(x, {2}).shape(), (xg::Shape{1, 6}));
    EXPECT_EQ(x.repeat_interleave(2, 1).to_vector<float>(), (std::vector<float>{1, 1, 2, 2, 3, 3}));
    EXPECT_EQ(xg::zeros({2, 3, 4, 5}).movedim({0, 3}, {2, 0}).shape(), (xg::Shape{5, 3, 2, 4}));
    // One integer for a one-element IntArrayRef, as libtorch's implicit conversion allows.
    EXPECT_EQ(x.flip(-1).to_vector<float>(), (std::vector<float>{3, 2, 1}));
    EXPECT_EQ(x.roll(1, 1).to_vector<float>(), (std::vector<float>{3, 1, 2}));
    EXPECT_EQ(x.roll(-1).to_vector<float>(), (std::vector<float>{2, 3, 1}));  // over the flattened tensor
    EXPECT_EQ(xg::tensor({1.0f, 2.0f}).repeat(2).to_vector<float>(), (std::vector<float>{1, 2, 1, 2}));
  }
  {
    // row: `torch::dot(a, b)`, `torch::outer(a, b)`, `x.rsqrt()`, `x.reciprocal()`, `x.clamp_min(0)`, `x.clamp_max(1)`
    const auto a = xg::tensor({1.0f, 4.0f}), b = xg::tensor({2.0f, 0.5f});
    EXPECT_EQ(xg::dot(a, b).item(), 4.0);
    EXPECT_EQ(xg::outer(a, b).shape(), (xg::Shape{2, 2}));
    EXPECT_EQ(a.rsqrt().to_vector<float>(), (std::vector<float>{1, 0.5f}));
    EXPECT_EQ(a.reciprocal().to_vector<float>(), (std::vector<float>{1, 0.25f}));
    EXPECT_EQ(a.clamp_min(2).to_vector<float>(), (std::vector<float>{2, 4}));
    EXPECT_EQ(a.clamp_max(2).to_vector<float>(), (std::vector<float>{1, 2}));
  }
  {
    // row: `torch::einsum("bhqd,bhkd->bhqk", {q, k})`
    const auto q = xg::randn({2, 3, 4, 5}), k = xg::randn({2, 3, 6, 5});
    const auto scores = xg::einsum("bhqd,bhkd->bhqk", {q, k});
    EXPECT_EQ(scores.shape(), (xg::Shape{2, 3, 4, 6}));
    EXPECT_LT((scores - xg::matmul(q, k.transpose(-2, -1))).abs().max().item(), 1e-5);
  }
  {
    // row: `x.diagonal(1, 0, 2)`, `torch::diagonal(x)`, `torch::trace(m)`
    const auto m = xg::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}});
    EXPECT_EQ(xg::diagonal(m).to_vector<float>(), (std::vector<float>{1, 4}));
    EXPECT_EQ(m.diagonal(1).to_vector<float>(), (std::vector<float>{2}));
    EXPECT_EQ(xg::trace(m).item(), 5.0);
    EXPECT_EQ(xg::zeros({3, 4, 5}).diagonal(1, 0, 2).shape(), (xg::Shape{4, 3}));
  }
  {
    // row: `x.masked_fill(mask, -INFINITY)`, `torch::tril(x, 1)`, `torch::triu(x)`
    auto m = xg::ones({3, 3});
    EXPECT_EQ(xg::masked_fill(m, xg::triu(xg::ones({3, 3}, xg::kInt64), 1), -INFINITY).at({0, 2}), -INFINITY);
    EXPECT_EQ(xg::tril(m, 1).sum().item(), 8.0);
    EXPECT_EQ(xg::triu(m).sum().item(), 6.0);
    EXPECT_THROW(xg::masked_fill(m, m > 0.5, 0.0), xg::Error);  // a float mask: convert with .to(xg::kInt64)
  }
  {
    // row: `torch::scaled_dot_product_attention(q, k, v, mask, 0.0, /*is_causal=*/true)`
    auto q = xg::randn({2, 4, 3, 8}), k = xg::randn({2, 4, 5, 8}), v = xg::randn({2, 4, 5, 6});
    auto keep = xg::tril(xg::ones({3, 5}, xg::kInt64));  // nonzero = takes part
    auto y = xg::scaled_dot_product_attention(q, k, v, keep);
    EXPECT_EQ(y.shape(), (xg::Shape{2, 4, 3, 6}));
    auto causal = xg::scaled_dot_product_attention(q, k, v, xg::Tensor(), 0.0, true);
    EXPECT_LT((causal - y).abs().max().item(), 1e-6);
  }
  {
    // row: `x.relu()`, `x.sigmoid()`, `x.tanh()`, `x.exp()`, `x.log()`, `x.sqrt()`, `x.abs()`, `x.neg()`, `x.square()`, `x.pow(2)`
    EXPECT_EQ(x.relu().min().item(), 0.0);
    EXPECT_EQ(x.sigmoid().to_vector<float>(), xg::sigmoid(x).to_vector<float>());
    EXPECT_EQ(x.tanh().to_vector<float>(), xg::tanh(x).to_vector<float>());
    EXPECT_GT(x.exp().min().item(), 0.0);
    EXPECT_EQ(x.abs().log().shape(), x.shape());
    EXPECT_EQ(x.abs().sqrt().shape(), x.shape());
    EXPECT_EQ(sum_of(x.neg() + x), 0.0);
    EXPECT_EQ(x.square().to_vector<float>(), x.pow(2).to_vector<float>());
  }
  {
    // row: `x.clamp(0, 1)`, `x.log1p()`, `x.expm1()`, `x.sin()`, `x.cos()`
    EXPECT_LE(x.clamp(0, 1).max().item(), 1.0);
    EXPECT_EQ(x.abs().log1p().shape(), x.shape());
    EXPECT_EQ(x.expm1().shape(), x.shape());
    EXPECT_NEAR(sum_of(x.sin().square() + x.cos().square()), 6.0, 1e-5);
  }
  {
    // row: `x.softmax(1)`, `x.log_softmax(1)`, `torch::softmax(x, 1)`, `torch::logsumexp(x, 1)`, `x.logsumexp(1, true)`
    EXPECT_NEAR(sum_of(x.softmax(1)), 2.0, 1e-6);
    EXPECT_EQ(x.log_softmax(1).shape(), x.shape());
    EXPECT_EQ(xg::softmax(x, 1).to_vector<float>(), x.softmax(1).to_vector<float>());
    EXPECT_EQ(xg::logsumexp(x, 1).shape(), (xg::Shape{2}));
    EXPECT_EQ(x.logsumexp(1).to_vector<float>(), xg::logsumexp(x, 1).to_vector<float>());
    EXPECT_EQ(x.logsumexp(1, true).shape(), (xg::Shape{2, 1}));
  }
  {
    // row: `x.add(y)`, `x.sub(y)`, `x.mul(y)`, `x.div(y)`
    auto y = xg::full({3}, 2.0);
    EXPECT_NEAR(sum_of((x.add(y).sub(y).mul(y).div(y) - x).abs()), 0.0, 1e-5);
  }
  {
    // row: `x.eq(y)`, `x.gt(y)`, `x > 0.5`
    EXPECT_EQ(sum_of(x.eq(x)), 6.0);
    EXPECT_EQ(sum_of(x.gt(x)), 0.0);
    EXPECT_EQ((x > 0.5).dtype(), xg::kFloat32);
  }
  {
    // `x.add_(y)` and friends (their row's other half is below)
    auto t = xg::ones({2});
    t.add_(xg::ones({2})).mul_(0.5);
    EXPECT_EQ(sum_of(t), 2.0);
    t.zero_();
    t.fill_(1);
    t.copy_(xg::full({2}, 3.0));
    EXPECT_EQ(sum_of(t), 6.0);
  }
  {
    // row: `x.exp_()`, `x.relu_()`, `x.sigmoid_()`, `x.clamp_(0, 1)`, `x.clamp_min_(0)`, `x.pow_(2)`, `x.addcmul_(a, b, 0.5)`, `x.lerp_(y, 0.1)`, `x.masked_fill_(mask, 0)`, `x.scatter_(1, idx, 1.0)`, `x.index_add_(0, idx, src)`, `x.bernoulli_(0.5)`
    auto x = xg::tensor({{-1.0, 0.5}, {2.0, -3.0}});
    x.relu_().exp_().sigmoid_();
    EXPECT_FLOAT_EQ(x.max().item<float>(), 1.0f / (1.0f + std::exp(-std::exp(2.0f))));
    x.clamp_(0, 1).clamp_min_(0).pow_(2).addcmul_(x, x, 0.5).lerp_(xg::zeros({2, 2}), 0.1);
    x.masked_fill_(xg::tensor({{1, 0}, {0, 0}}, xg::kInt64), 0);
    EXPECT_EQ(x.index({0, 0}).item<float>(), 0.0f);
    auto onehot = xg::zeros({2, 3});
    onehot.scatter_(1, xg::tensor({{2}, {0}}, xg::kInt64), 1.0).index_add_(0, xg::tensor({1}, xg::kInt64), xg::ones({1, 3}));
    EXPECT_EQ(onehot.sum().item<float>(), 5.0f);
    auto m = xg::empty({100});
    EXPECT_LE(m.bernoulli_(0.5).max().item<float>(), 1.0f);
    auto w = xg::ones({2}).requires_grad_();
    EXPECT_THROW(w.exp_(), xg::Error);  // a leaf that requires grad: refused while recording
    auto h = w * 2.0;
    h.relu_().exp_();  // recorded: h's history is now exp(relu(2w))
    h.sum().backward();
    EXPECT_FLOAT_EQ(w.grad()[0].item<float>(), 2.0f * std::exp(2.0f));
  }
  {
    // row: `x.add_(y)`, `x.mul_(0.9)`, `x.zero_()`, `x.fill_(1)`, `x.copy_(y)`, `x.sub_(y, 0.5)`
    auto t = xg::ones({2});
    t.sub_(xg::ones({2}), 0.5);
    EXPECT_EQ(sum_of(t), 1.0);
  }
  {
    // row: `x.uniform_(-1, 1)`, `x.normal_(0, 0.01)`
    auto t = xg::empty({1000});
    EXPECT_LE(t.uniform_(-1, 1).abs().max().item(), 1.0);
    EXPECT_LT(t.normal_(0, 0.01).abs().max().item(), 0.1);
  }
  {
    // row: `x.exponential_(2)`, `x.geometric_(0.3)`, `x.cauchy_(0, 1)`, `x.log_normal_(1, 2)`, `x.random_(0, 10)`, `x.random_(10)`, `x.random_()`
    auto t = xg::empty({1000});
    EXPECT_GE(t.exponential_(2).min().item(), 0.0);
    EXPECT_GE(t.geometric_(0.3).min().item(), 1.0);
    EXPECT_TRUE(xg::isfinite(t.cauchy_(0, 1)).all().item<bool>());
    EXPECT_GT(t.log_normal_(1, 2).min().item(), 0.0);
    EXPECT_LT(t.random_(0, 10).max().item(), 10.0);
    EXPECT_LT(t.random_(10).max().item(), 10.0);
    auto i = xg::empty({100}, xg::kInt64);
    EXPECT_GE(i.random_().min().item<std::int64_t>(), 0);
  }
  {
    // row: `torch::one_hot(t, 10)`
    EXPECT_EQ(xg::one_hot(xg::tensor({3}, xg::kInt64), 10).shape(), (xg::Shape{1, 10}));
  }
  {
    // row: `torch::where(cond, a, b)`
    EXPECT_EQ(xg::where(xg::tensor({1, 0}), xg::ones({2}), xg::zeros({2})).to_vector<float>(), (std::vector<float>{1, 0}));
  }
  {
    // row: `torch::zeros({2}, x.options())`, `x.scalar_type()`, `x.element_size()`, `x.nbytes()`, `x.is_contiguous()`
    const auto d = xg::ones({2, 3}, xg::TensorOptions().dtype(xg::kFloat64).requires_grad(true));
    const auto z = xg::zeros({2}, d.options());
    EXPECT_EQ(z.dtype(), xg::kFloat64);
    EXPECT_EQ(z.device(), d.device());
    EXPECT_FALSE(z.requires_grad());  // not carried, as libtorch's options()
    EXPECT_EQ(d.scalar_type(), xg::kFloat64);
    EXPECT_EQ(d.element_size(), 8);
    EXPECT_EQ(d.nbytes(), 48);
    EXPECT_EQ(xg::ones({3}, xg::kFloat32).nbytes(), 12);
    EXPECT_TRUE(d.t().is_contiguous());
  }
  {
    // row: `x.expand_as(y)`, `x.view_as(y)`, `x.reshape_as(y)`, `x.type_as(y)`, `x.new_zeros({2})`, `x.new_ones`, `x.new_full({2}, 7)`, `x.new_empty`
    const auto y = xg::zeros({2, 3}, xg::kFloat64);
    const auto row = xg::tensor({1.0f, 2.0f, 3.0f});
    EXPECT_EQ(row.expand_as(y).shape(), y.shape());
    EXPECT_EQ(xg::arange(6, xg::kFloat32).view_as(y).shape(), y.shape());
    EXPECT_EQ(xg::arange(6, xg::kFloat32).reshape_as(y).to_vector<float>()[5], 5.0f);
    EXPECT_EQ(row.type_as(y).dtype(), xg::kFloat64);
    EXPECT_EQ(row.type_as(y).to_vector<double>(), (std::vector<double>{1, 2, 3}));
    EXPECT_THROW(xg::ones({4}).view_as(y), xg::Error);
    EXPECT_EQ(y.new_zeros({2}).dtype(), xg::kFloat64);
    EXPECT_EQ(y.new_ones({2}, xg::kInt64).dtype(), xg::kInt64);  // the options win
    EXPECT_EQ(y.new_full({2}, 7).to_vector<double>(), (std::vector<double>{7, 7}));
    EXPECT_EQ(y.new_empty({4}).shape(), (xg::Shape{4}));
    auto w = xg::tensor({1.0f, 2.0f, 3.0f}, xg::TensorOptions().requires_grad(true));
    (w.type_as(y) * y.new_full({3}, 2)).sum().backward();  // type_as is differentiable, as to()
    EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{2, 2, 2}));
  }
  {
    // row: `x.split(2, 1)`, `x.split_with_sizes({1, 2}, 1)`, `x.lt(0.5)` (`eq`, `ne`, `le`, `gt`, `ge` with a number), `x.masked_fill(mask, 0)`
    const auto m = xg::arange(10, xg::kFloat32).reshape({2, 5});
    const auto parts = m.split(2, 1);
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[0].shape(), (xg::Shape{2, 2}));
    EXPECT_EQ(parts[2].to_vector<float>(), (std::vector<float>{4, 9}));  // the last piece smaller
    EXPECT_EQ(m.split(5, 1).size(), 1u);
    EXPECT_EQ(m.split(7, 1).size(), 1u);
    EXPECT_EQ(xg::zeros({0, 3}).split(2, 0).size(), 1u);  // an empty axis: one empty piece, as there
    EXPECT_THROW(m.split(0, 1), xg::Error);  // the messages: tests/autograd/test_ops_shape.cpp
    EXPECT_EQ(m.split_with_sizes({1, 4}, 1)[1].shape(), (xg::Shape{2, 4}));
    EXPECT_EQ(m.split({3, 2}, 1)[0].shape(), (xg::Shape{2, 3}));
    const auto v = xg::tensor({0.25f, 0.5f, 0.75f});
    EXPECT_EQ(v.lt(0.5).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 0}));
    EXPECT_EQ(v.le(0.5).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 1, 0}));
    EXPECT_EQ(v.gt(0.5).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 0, 1}));
    EXPECT_EQ(v.ge(0.5).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 1}));
    EXPECT_EQ(v.eq(0.5).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 0}));
    EXPECT_EQ(v.ne(0.5).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 1}));
    EXPECT_EQ(v.lt(0.5).dtype(), xg::kFloat32);  // 1/0 in x's dtype (no bool)
    EXPECT_EQ(v.masked_fill(v.gt(0.5).to(xg::kInt64), 0).to_vector<float>(), (std::vector<float>{0.25f, 0.5f, 0}));
  }
}
