// Attention on CUDA against the CPU: scaled_dot_product_attention with causal, boolean and
// float masks (on the GPU the composed path runs; on the CPU the fused kernel), its gradients,
// tril/triu, and a Transformer encoder layer trained side by side.
#include "cuda/cuda_util.h"

namespace nn = xg::nn;
using xg::Tensor;
using xg::test::matches_cpu;
using xg::test::seeded;

TEST(CudaAttention, ScaledDotProductAttentionAndItsGradientsMatchTheCpu) {
  XG_REQUIRE_CUDA();
  const Tensor q = seeded({2, 3, 5, 4}, xg::kFloat64, 1), k = seeded({2, 3, 6, 4}, xg::kFloat64, 2),
               v = seeded({2, 3, 6, 4}, xg::kFloat64, 3), gy = seeded({2, 3, 5, 4}, xg::kFloat64, 4);
  const Tensor keep = seeded({5, 6}, xg::kFloat64, 5) > -0.5, bias = seeded({1, 5, 6}, xg::kFloat64, 6);
  const auto run = [&](bool gpu, const Tensor& mask, bool causal) {
    const auto on = [gpu](const Tensor& t) { return (gpu ? t.to(xg::kCUDA) : t).detach(); };
    Tensor Q = on(q).requires_grad_(), K = on(k).requires_grad_(), V = on(v).requires_grad_();
    const Tensor y = xg::scaled_dot_product_attention(Q, K, V, mask.defined() ? on(mask) : Tensor(), 0.0, causal);
    y.backward(on(gy));
    return std::vector<Tensor>{y, Q.grad(), K.grad(), V.grad()};
  };
  for (const auto& [mask, causal] : {std::pair{Tensor(), false}, std::pair{Tensor(), true}, std::pair{keep, false},
                                     std::pair{bias, false}}) {
    const auto cpu = run(false, mask, causal), gpu = run(true, mask, causal);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(matches_cpu(gpu[i], cpu[i], 1e-12)) << "output " << i << " causal " << causal;
  }
  const Tensor x = seeded({4, 4}, xg::kFloat32, 7);
  EXPECT_TRUE(matches_cpu(xg::tril(x.to(xg::kCUDA), -1), xg::tril(x, -1), 0));
  EXPECT_TRUE(matches_cpu(xg::triu(x.to(xg::kCUDA), 1), xg::triu(x, 1), 0));
}

TEST(CudaAttention, ATransformerEncoderLayerTrainsAsOnTheCpu) {
  XG_REQUIRE_CUDA();
  const auto build = [](nn::Sequential& net) {
    xg::manual_seed(0);
    net.emplace<nn::TransformerEncoderLayer>(nn::TransformerLayerOptions(16, 4).dropout(0.0));
    net.to(xg::kFloat64);
  };
  nn::Sequential cpu_net, gpu_net;
  xg::test::build_on_cpu_and_gpu(cpu_net, gpu_net, build);
  xg::optim::Adam cpu_opt(cpu_net.parameters(), xg::optim::AdamOptions(1e-3)), gpu_opt(gpu_net.parameters(), xg::optim::AdamOptions(1e-3));
  const Tensor x = seeded({7, 3, 16}, xg::kFloat64, 8), target = seeded({7, 3, 16}, xg::kFloat64, 9);
  for (int step = 0; step < 10; ++step) {
    cpu_opt.zero_grad();
    gpu_opt.zero_grad();
    nn::functional::mse_loss(cpu_net.forward(x), target).backward();
    nn::functional::mse_loss(gpu_net.forward(x.to(xg::kCUDA)), target.to(xg::kCUDA)).backward();
    cpu_opt.step();
    gpu_opt.step();
  }
  const auto pc = cpu_net.parameters(), pg = gpu_net.parameters();
  for (std::size_t i = 0; i < pc.size(); ++i) EXPECT_TRUE(matches_cpu(pg[i], pc[i], 1e-10)) << "parameter " << i;
}

TEST(CudaAttention, MultiheadAttentionWithExtraKeysAndMasksMatchesTheCpu) {
  XG_REQUIRE_CUDA();
  // add_bias_kv and add_zero_attn append keys on the device; the masks are extended there.
  const auto make = [] {
    xg::manual_seed(3);
    return std::make_unique<nn::MultiheadAttention>(
        nn::MultiheadAttentionOptions(8, 2).kdim(5).add_bias_kv(true).add_zero_attn(true).dtype(xg::kFloat64));
  };
  auto cpu = make(), gpu = make();
  gpu->to(xg::kCUDA);
  const Tensor q = seeded({3, 2, 8}, xg::kFloat64, 11), k = seeded({4, 2, 5}, xg::kFloat64, 12),
               v = seeded({4, 2, 8}, xg::kFloat64, 13), gy = seeded({3, 2, 8}, xg::kFloat64, 14);
  const Tensor pad = xg::tensor({0, 0, 0, 1, 0, 0, 1, 1}, {2, 4}).to(xg::kInt64), bias = seeded({3, 4}, xg::kFloat64, 15);
  for (const auto& attn_mask : {Tensor(), bias}) {
    cpu->zero_grad();
    gpu->zero_grad();
    auto [y, w] = (*cpu)(q, k, v, pad, true, attn_mask);
    auto [yg, wg] = (*gpu)(q.to(xg::kCUDA), k.to(xg::kCUDA), v.to(xg::kCUDA), pad.to(xg::kCUDA), true,
                           attn_mask.defined() ? attn_mask.to(xg::kCUDA) : Tensor());
    EXPECT_TRUE(matches_cpu(yg, y, 1e-12));
    EXPECT_TRUE(matches_cpu(wg, w, 1e-12));
    y.backward(gy);
    yg.backward(gy.to(xg::kCUDA));
    EXPECT_TRUE(matches_cpu(gpu->bias_k.grad(), cpu->bias_k.grad(), 1e-12));
    EXPECT_TRUE(matches_cpu(gpu->bias_v.grad(), cpu->bias_v.grad(), 1e-12));
    EXPECT_TRUE(matches_cpu(gpu->k_proj_weight.grad(), cpu->k_proj_weight.grad(), 1e-12));
  }
}
