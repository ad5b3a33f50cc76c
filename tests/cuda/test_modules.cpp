// Modules and tools that make tensors of their own, on a GPU: each must make them where its
// input or parameters live (a CPU tensor beside a CUDA one is a device error). Recurrent
// layers and cells without a given state, every dropout, layer_norm, Embedding's padding
// row, summary, and xg::viz on a CUDA model, against the CPU (float64); the fused GELU and
// layer_norm kernels; InstanceNorm and the padding layers.
#include <xgrad/viz.h>

#include "cuda/cuda_util.h"

namespace nn = xg::nn;
using xg::Tensor;
using xg::test::matches_cpu;

TEST(CudaModules, RecurrentLayersAndCellsStartFromZerosOnTheirDevice) {
  XG_REQUIRE_CUDA();
  const Tensor x = xg::test::seeded({6, 3, 4}, xg::kFloat64, 1);
  xg::manual_seed(2);
  nn::LSTM lstm(nn::LSTMOptions(4, 5).dtype(xg::kFloat64));
  nn::GRU gru(nn::GRUOptions(4, 5).dtype(xg::kFloat64));
  nn::LSTMCell cell(4, 5, true, xg::kFloat64);
  const auto y_lstm = std::get<0>(lstm(x, {}));
  const auto y_gru = std::get<0>(gru(x, Tensor()));
  const auto h_cell = std::get<0>(cell(x.narrow(0, 0, 1).squeeze(0), {}));
  lstm.to(xg::kCUDA), gru.to(xg::kCUDA), cell.to(xg::kCUDA);
  const Tensor gx = x.cuda();
  EXPECT_TRUE(matches_cpu(std::get<0>(lstm(gx, {})), y_lstm, 1e-12));
  EXPECT_TRUE(matches_cpu(std::get<0>(gru(gx, Tensor())), y_gru, 1e-12));
  EXPECT_TRUE(matches_cpu(std::get<0>(cell(gx.narrow(0, 0, 1).squeeze(0), {})), h_cell, 1e-12));
}

TEST(CudaModules, EveryDropoutDrawsItsMaskOnTheInputsDevice) {
  XG_REQUIRE_CUDA();
  const Tensor x = xg::ones({64, 8, 4, 4}, xg::TensorOptions().dtype(xg::kFloat64).device(xg::kCUDA)).requires_grad_();
  nn::Dropout inverted(0.25), textbook(0.25, nn::Dropout::Mode::Textbook);
  nn::Dropout2d channels(0.25);
  const std::vector<Tensor> ys{inverted(x), textbook(x), channels(x), xg::dropout(x, 0.25, true),
                               nn::functional::dropout2d(x, nn::functional::Dropout2dFuncOptions().p(0.25))};
  for (std::size_t i = 0; i < ys.size(); ++i) {
    ASSERT_TRUE(ys[i].is_cuda()) << i;
    const double zeros = (ys[i] == 0.0).to(xg::kFloat64).mean().item();
    EXPECT_NEAR(zeros, 0.25, 0.05) << "dropout " << i;
    ys[i].sum().backward();
  }
  EXPECT_TRUE(x.grad().is_cuda());
  // Alpha dropout and Gumbel noise: drawn on the device, finite, the moments kept.
  const Tensor z = xg::randn({200000}, xg::TensorOptions().dtype(xg::kFloat64).device(xg::kCUDA));
  const Tensor a = nn::functional::alpha_dropout(z, nn::functional::AlphaDropoutFuncOptions().p(0.2));
  ASSERT_TRUE(a.is_cuda());
  EXPECT_NEAR(a.mean().item(), 0.0, 0.02);
  EXPECT_NEAR(a.var().item(), 1.0, 0.02);
  const Tensor g = nn::functional::gumbel_softmax(z.reshape({50000, 4}), nn::functional::GumbelSoftmaxFuncOptions().hard(true));
  ASSERT_TRUE(g.is_cuda());
  EXPECT_EQ(g.sum().item(), 50000.0);
}

TEST(CudaModules, LayerNormEmbeddingPaddingAndSummary) {
  XG_REQUIRE_CUDA();
  const Tensor x = xg::test::seeded({3, 4, 6}, xg::kFloat64, 3) * 1e30;  // the exact scaling at work
  const Tensor w = xg::test::seeded({6}, xg::kFloat64, 4), b = xg::test::seeded({6}, xg::kFloat64, 5);
  EXPECT_TRUE(matches_cpu(xg::layer_norm(x.cuda(), {6}, w.cuda(), b.cuda(), 1e-5), xg::layer_norm(x, {6}, w, b, 1e-5), 1e-12));
  nn::Embedding emb(nn::EmbeddingOptions(7, 3).padding_idx(2).dtype(xg::kFloat64));
  emb.to(xg::kCUDA);
  const Tensor idx = xg::tensor({2.0, 5.0, 2.0}, xg::kInt64).cuda();
  emb(idx).sum().backward();
  const auto g = emb.W.grad().cpu();
  EXPECT_EQ(g.narrow(0, 2, 1).abs().sum().item(), 0.0);  // the padding row learns nothing
  EXPECT_EQ(g.narrow(0, 5, 1).sum().item(), 3.0);
  nn::Sequential net;
  net.emplace<nn::Linear>(6, 4, true, xg::kFloat64);
  net.to(xg::kCUDA);
  std::ostringstream out;
  nn::summary(net, {2, 6}, out, xg::kFloat64);  // probed on the model's GPU
  EXPECT_NE(out.str().find("(2, 4)"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("Total params: 28"), std::string::npos) << out.str();
}

TEST(CudaModules, VisualisationOfACudaModelGivesTheCpusMaps) {
  XG_REQUIRE_CUDA();
  const auto build = [](nn::Sequential& net) {
    xg::manual_seed(6);
    net.emplace<nn::Conv2d>(nn::Conv2dOptions(1, 4, 3).dtype(xg::kFloat64));
    net.emplace<nn::ReLU>();
    net.emplace<nn::Flatten>();
    net.emplace<nn::Linear>(4 * 6 * 6, 3, true, xg::kFloat64);
  };
  nn::Sequential cpu, gpu;
  xg::test::build_on_cpu_and_gpu(cpu, gpu, build);
  const Tensor x = xg::test::seeded({2, 1, 8, 8}, xg::kFloat64, 7).abs();
  EXPECT_TRUE(matches_cpu(xg::viz::saliency(gpu, x.cuda(), {0, 2}), xg::viz::saliency(cpu, x, {0, 2}), 1e-10));
  EXPECT_TRUE(matches_cpu(xg::viz::grad_cam(gpu, gpu[0], x.cuda(), 1), xg::viz::grad_cam(cpu, cpu[0], x, 1), 1e-10));
  EXPECT_TRUE(matches_cpu(xg::viz::occlusion(gpu, x.cuda(), 1), xg::viz::occlusion(cpu, x, 1), 1e-10));
  const auto opts = xg::viz::ActivationMaximizationOptions().iterations(5);
  const auto a_gpu = xg::viz::activation_maximization(gpu, gpu[0], 1, x.cuda(), opts);
  const auto a_cpu = xg::viz::activation_maximization(cpu, cpu[0], 1, x, opts);
  EXPECT_TRUE(matches_cpu(a_gpu.input, a_cpu.input, 1e-8));
  // Attention rollout of two layers' (N, heads, T, T) maps.
  const Tensor w1 = xg::softmax(xg::test::seeded({2, 3, 5, 5}, xg::kFloat64, 8), -1);
  const Tensor w2 = xg::softmax(xg::test::seeded({2, 3, 5, 5}, xg::kFloat64, 9), -1);
  EXPECT_TRUE(matches_cpu(xg::viz::attention_rollout({{"a", w1.cuda()}, {"b", w2.cuda()}}),
                          xg::viz::attention_rollout({{"a", w1}, {"b", w2}}), 1e-12));
}

TEST(CudaModules, RangesIdentitiesAndTriangularAndCausalMasksAreMadeOnTheGpuWithoutAWait) {
  XG_REQUIRE_CUDA();
  const auto on = xg::TensorOptions().dtype(xg::kFloat64).device(xg::kCUDA);
  const auto x = xg::ones({4, 5}, on);
  const auto waits = xg::cuda::host_wait_count();
  const auto r = xg::arange(1.0, 4.0, 0.5, on);
  const auto i = xg::eye(3, on);
  const auto lower = xg::tril(x), upper = xg::triu(x, 1);
  const auto causal = nn::generate_square_subsequent_mask(5, on);
  EXPECT_EQ(xg::cuda::host_wait_count(), waits);  // nothing read back, nothing copied from the host
  EXPECT_TRUE(causal.is_cuda());
  EXPECT_TRUE(matches_cpu(causal, nn::generate_square_subsequent_mask(5, xg::kFloat64), 0));
  EXPECT_TRUE(matches_cpu(r, xg::arange(1.0, 4.0, 0.5, xg::kFloat64), 0));
  EXPECT_TRUE(matches_cpu(i, xg::eye(3, xg::kFloat64), 0));
  EXPECT_TRUE(matches_cpu(lower, xg::tril(xg::ones({4, 5}, xg::kFloat64)), 0));
  EXPECT_TRUE(matches_cpu(upper, xg::triu(xg::ones({4, 5}, xg::kFloat64), 1), 0));
}

TEST(CudaModules, BatchNormWithoutAMomentumAveragesOnTheGpuWithoutAWait) {
  XG_REQUIRE_CUDA();
  // Its batch weight 1/num_batches_tracked stays on the device (libtorch reads it back), so
  // three training steps wait for nothing and end with the CPU's cumulative averages.
  for (const std::optional<double> momentum : {std::optional<double>(), std::optional<double>(0.1)}) {
    nn::BatchNorm2d cpu(nn::BatchNorm2dOptions(3).momentum(momentum).dtype(xg::kFloat64));
    nn::BatchNorm2d gpu(nn::BatchNorm2dOptions(3).momentum(momentum).dtype(xg::kFloat64));
    gpu.to(xg::kCUDA);
    std::vector<Tensor> xs, gxs;
    for (int i = 0; i < 3; ++i) {
      xs.push_back(xg::test::seeded({4, 3, 2, 2}, xg::kFloat64, 10 + i) * (i + 1.0));
      gxs.push_back(xs.back().cuda());
    }
    gpu(gxs[0]);  // warm
    cpu(xs[0]);
    const auto waits = xg::cuda::host_wait_count();
    for (int i = 1; i < 3; ++i) {
      cpu(xs[i]);
      gpu(gxs[i]);
    }
    EXPECT_EQ(xg::cuda::host_wait_count(), waits) << (momentum ? "momentum 0.1" : "no momentum");
    EXPECT_TRUE(matches_cpu(gpu.running_mean, cpu.running_mean, 1e-14));
    EXPECT_TRUE(matches_cpu(gpu.running_var, cpu.running_var, 1e-13));
    EXPECT_EQ(gpu.num_batches_tracked.item<std::int64_t>(), 3);
  }
}

TEST(CudaModules, ClassLossesWithIgnoredLabelsRunOnTheGpu) {
  XG_REQUIRE_CUDA();
  // cross_entropy (libtorch's name) and nll_loss read no label back on a GPU: the ignored rows
  // are masked there (with class weights and label smoothing too), and a bad label gives the
  // CPU's message at the next wait.
  const Tensor logits = xg::test::seeded({5, 4}, xg::kFloat64, 10);
  const Tensor t = xg::tensor({0.0, -100.0, 3.0, 2.0, -100.0}, xg::kInt64);
  const Tensor w = xg::tensor({0.5, 2.0, 1.0, 1.5}, xg::kFloat64);  // class weights, on each loss's device
  for (const auto reduction : {xg::nn::Reduction::Mean, xg::nn::Reduction::Sum, xg::nn::Reduction::None}) {
    auto xc = logits.clone().requires_grad_(), xg_ = logits.cuda().requires_grad_();
    const auto opts = xg::nn::CrossEntropyLossOptions().reduction(reduction).label_smoothing(0.1);
    const auto yc = xg::nn::cross_entropy(xc, t, xg::nn::CrossEntropyLossOptions(opts).weight(w)),
               yg = xg::nn::cross_entropy(xg_, t.cuda(), xg::nn::CrossEntropyLossOptions(opts).weight(w.cuda()));
    EXPECT_TRUE(matches_cpu(yg, yc, 1e-12));
    yc.sum().backward();
    yg.sum().backward();
    EXPECT_TRUE(matches_cpu(xg_.grad(), xc.grad(), 1e-12));
    const auto lp = xg::log_softmax(logits, 1);
    EXPECT_TRUE(matches_cpu(xg::nn::nll_loss(lp.cuda(), t.cuda(), xg::nn::NLLLossOptions().reduction(reduction)),
                            xg::nn::nll_loss(lp, t, xg::nn::NLLLossOptions().reduction(reduction)), 1e-12));
  }
  const Tensor bad = xg::tensor({0.0, -100.0, 7.0, 2.0, -3.0}, xg::kInt64);
  std::string cpu_message;
  try {
    xg::nn::cross_entropy(logits, bad);
  } catch (const xg::Error& e) {
    cpu_message = e.what();
  }
  ASSERT_FALSE(cpu_message.empty());
  EXPECT_XG_ERROR(xg::nn::cross_entropy(logits.cuda(), bad.cuda()).item(), cpu_message);
  EXPECT_EQ(xg::sum(xg::ones({3}, xg::kCUDA)).item(), 3.0);  // the GPU goes on
}

TEST(CudaModules, GeluAndLayerNormTakeOneLaunchForwardWithTheCpusValuesAndGradients) {
  XG_REQUIRE_CUDA();
  // Rows shorter and longer than a block of 256 threads, and not a multiple of it.
  for (const std::int64_t cols : {7, 300, 1000}) {
    SCOPED_TRACE(cols);
    const Tensor x = xg::test::seeded({5, 3, cols}, xg::kFloat64, 6) * 4.0 + 1.0;
    const Tensor w = xg::test::seeded({cols}, xg::kFloat64, 7), b = xg::test::seeded({cols}, xg::kFloat64, 8);
    const Tensor gy = xg::test::seeded({5, 3, cols}, xg::kFloat64, 9);
    for (int affine = 0; affine < 2; ++affine) {
      const auto run = [&](const xg::Device& d, bool count) {
        auto xv = x.to(d).requires_grad_();
        auto wv = affine ? w.to(d).requires_grad_() : Tensor(), bv = affine ? b.to(d).requires_grad_() : Tensor();
        const auto l0 = xg::cuda::launch_count();
        auto y = xg::layer_norm(xv, {cols}, wv, bv);
        if (count) EXPECT_EQ(xg::cuda::launch_count() - l0, 1u) << "layer_norm forward";
        const Tensor gyd = gy.to(d);  // the copy before the count
        const auto l1 = xg::cuda::launch_count();
        auto g = xg::grad({y}, affine ? xg::tensor_list{xv, wv, bv} : xg::tensor_list{xv}, {gyd});
        if (count) EXPECT_LE(xg::cuda::launch_count() - l1, 2u) << "layer_norm backward";
        g.insert(g.begin(), y);
        return g;
      };
      const auto cpu = run(xg::kCPU, false), gpu = run(xg::kCUDA, true);
      for (std::size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(matches_cpu(gpu[i], cpu[i], 1e-12)) << "affine " << affine << " result " << i;
    }
    for (const std::string form : {"none", "tanh"}) {
      auto xc = x.detach().requires_grad_(), xg_ = x.cuda().requires_grad_();
      const auto l0 = xg::cuda::launch_count();
      auto yg = xg::gelu(xg_, form);
      EXPECT_EQ(xg::cuda::launch_count() - l0, 1u) << "gelu " << form;
      auto yc = xg::gelu(xc, form);
      EXPECT_TRUE(matches_cpu(yg, yc, 1e-12)) << form;
      const Tensor gyd = gy.cuda();
      const auto l1 = xg::cuda::launch_count();
      const auto gg = xg::grad({yg}, {xg_}, {gyd})[0];
      EXPECT_EQ(xg::cuda::launch_count() - l1, 1u) << "gelu backward " << form;
      EXPECT_TRUE(matches_cpu(gg, xg::grad({yc}, {xc}, {gy})[0], 1e-12)) << form;
    }
  }
  // float32 rows of the exact scaling's range, gradcheck and gradgradcheck on the GPU.
  const Tensor big = xg::test::seeded({4, 6}, xg::kFloat32, 10) * 1e30f;
  EXPECT_TRUE(matches_cpu(xg::layer_norm(big.cuda(), {6}), xg::layer_norm(big, {6}), 1e-5));
  const auto f = [](const xg::tensor_list& v) { return xg::gelu(xg::layer_norm(v[0], {4}, v[1], v[2]), "tanh"); };
  const xg::tensor_list in{xg::test::seeded({3, 4}, xg::kFloat64, 11).cuda().requires_grad_(),
                           xg::test::seeded({4}, xg::kFloat64, 12).cuda().requires_grad_(),
                           xg::test::seeded({4}, xg::kFloat64, 13).cuda().requires_grad_()};
  EXPECT_TRUE(xg::testing::gradcheck_ok(f, in));
  EXPECT_TRUE(xg::testing::gradgradcheck_ok(f, in));
}

TEST(CudaModules, Conv1dPoolingAndGroupNormGiveTheCpusValuesAndGradients) {
  XG_REQUIRE_CUDA();
  // Compositions of the 2-D kernels and the fused layer_norm: nothing of their own on the GPU.
  const Tensor x = xg::test::seeded({3, 4, 11}, xg::kFloat64, 14), w = xg::test::seeded({6, 2, 3}, xg::kFloat64, 15);
  const Tensor b = xg::test::seeded({6}, xg::kFloat64, 16), gw = xg::test::seeded({4}, xg::kFloat64, 17);
  const auto run = [&](const xg::Device& d) {
    auto xv = x.to(d).requires_grad_(), wv = w.to(d).requires_grad_(), bv = b.to(d).requires_grad_();
    auto gv = gw.to(d).requires_grad_();
    const auto y = xg::conv1d(xv, wv, bv, 2, 1, 1, 2).sum() + xg::max_pool1d(xv, 3, 2, 1).pow(2.0).sum() +
                   xg::avg_pool1d(xv, 2).sum() + (xg::group_norm(xv, 2, gv) * xv).sum();
    auto g = xg::grad({y}, {xv, wv, bv, gv});
    g.insert(g.begin(), y);
    return g;
  };
  const auto cpu = run(xg::kCPU), gpu = run(xg::kCUDA);
  for (std::size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(matches_cpu(gpu[i], cpu[i], 1e-12)) << i;
}

TEST(CudaModules, FurtherActivationsDistancesAndSmoothL1GiveTheCpusValuesAndGradients) {
  XG_REQUIRE_CUDA();
  namespace F = xg::nn::functional;
  const Tensor x = xg::test::seeded({3, 4, 5}, xg::kFloat64, 18) * 2.0, w = xg::test::seeded({4}, xg::kFloat64, 19);
  const Tensor zero_row = xg::zeros({1, 4, 5}, xg::kFloat64);  // PyTorch's gradient at a zero vector
  const auto run = [&](const xg::Device& d) {
    auto xv = xg::concat({x, zero_row}, 0).to(d).requires_grad_(), wv = w.to(d).requires_grad_();
    const auto y = (xg::selu(xv) + xg::celu(xv, 0.7) + xg::mish(xv) + xg::hardswish(xv) + xg::hardsigmoid(xv) +
                    xg::softsign(xv) + xg::prelu(xv, wv) + F::normalize(xv))
                       .sum() +
                   F::cosine_similarity(xv, xv * xv).sum() + F::pairwise_distance(xv, xv * 0.5).sum() +
                   F::smooth_l1_loss(xv, xv * xv, F::SmoothL1LossFuncOptions().beta(0.5)) +
                   F::softplus(xv, F::SoftplusFuncOptions().beta(2).threshold(3)).sum();
    auto g = xg::grad({y}, {xv, wv});
    g.insert(g.begin(), y);
    return g;
  };
  const auto cpu = run(xg::kCPU), gpu = run(xg::kCUDA);
  for (std::size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(matches_cpu(gpu[i], cpu[i], 1e-12)) << i;
}

TEST(CudaModules, InstanceNormAndPaddingLayersGiveTheCpusValuesGradientsAndStatistics) {
  XG_REQUIRE_CUDA();
  const auto make = [] {
    return nn::InstanceNorm2d(nn::InstanceNorm2dOptions(3).affine(true).track_running_stats(true).dtype(xg::kFloat64));
  };
  nn::InstanceNorm2d cpu = make(), gpu = make();
  gpu.to(xg::kCUDA);
  nn::ReflectionPad2d pad(nn::ReflectionPad2dOptions({1, 2, 2, 0}));
  for (int step = 0; step < 2; ++step) {
    const Tensor x = xg::test::seeded({2, 3, 4, 5}, xg::kFloat64, 40 + step) * 2.0;
    const Tensor xc = x.detach().requires_grad_(), xgpu = x.cuda().detach().requires_grad_();
    const Tensor yc = cpu(pad(xc)), yg = gpu(pad(xgpu));
    EXPECT_TRUE(matches_cpu(yg, yc, 1e-12));
    (yc * yc).sum().backward();
    (yg * yg).sum().backward();
    EXPECT_TRUE(matches_cpu(xgpu.grad(), xc.grad(), 1e-11));
    EXPECT_TRUE(matches_cpu(gpu.gamma.grad(), cpu.gamma.grad(), 1e-11));
  }
  EXPECT_TRUE(matches_cpu(gpu.running_mean, cpu.running_mean, 1e-14));
  EXPECT_TRUE(matches_cpu(gpu.running_var, cpu.running_var, 1e-13));
  cpu.eval();
  gpu.eval();
  const Tensor x = xg::test::seeded({2, 3, 4, 5}, xg::kFloat64, 50);
  EXPECT_TRUE(matches_cpu(gpu(x.cuda()), cpu(x), 1e-12));
}

TEST(CudaModules, MarginAndLikelihoodLossesGiveTheCpusValuesAndGradients) {
  XG_REQUIRE_CUDA();
  namespace F = xg::nn::functional;
  const Tensor a = xg::test::seeded({4, 6}, xg::kFloat64, 60), b = xg::test::seeded({4, 6}, xg::kFloat64, 61);
  const Tensor c = xg::test::seeded({4, 6}, xg::kFloat64, 62);
  const Tensor sign = xg::tensor({1.0, -1.0, 1.0, -1.0}, xg::kFloat64);
  const auto run = [&](const xg::Device& d) {
    auto av = a.to(d).requires_grad_(), bv = b.to(d).requires_grad_(), cv = c.to(d).requires_grad_();
    const Tensor s = sign.to(d), labels = (c > 0.0).to(d), counts = (b.abs() * 3.0).floor().to(d);
    const auto y = F::margin_ranking_loss(av, bv, s.reshape({4, 1}) * xg::ones({4, 6}, d)) +
                   F::hinge_embedding_loss(av.abs(), s.reshape({4, 1}) * xg::ones({4, 6}, d)) +
                   F::soft_margin_loss(av, labels * 2.0 - 1.0) + F::multilabel_soft_margin_loss(av, labels) +
                   F::cosine_embedding_loss(av, bv, s) + F::triplet_margin_loss(av, bv, cv) +
                   F::poisson_nll_loss(av, counts, F::PoissonNLLLossFuncOptions().full(true)) +
                   F::gaussian_nll_loss(av, bv, cv.abs() + 0.1);
    auto g = xg::grad({y}, {av, bv, cv});
    g.insert(g.begin(), y);
    return g;
  };
  const auto cpu = run(xg::kCPU), gpu = run(xg::kCUDA);
  for (std::size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(matches_cpu(gpu[i], cpu[i], 1e-12)) << i;
}

TEST(CudaModules, BilinearMovesAndMatchesTheCpu) {
  XG_REQUIRE_CUDA();
  xg::manual_seed(4);
  xg::nn::Bilinear cpu(xg::nn::BilinearOptions(3, 4, 2).dtype(xg::kFloat64)), gpu(3, 4, 2, true, xg::kFloat64);
  for (std::size_t i = 0; i < 2; ++i) gpu.parameters()[i].copy_(cpu.parameters()[i]);
  gpu.to(xg::kCUDA);
  const Tensor x1 = xg::test::seeded({5, 3}, xg::kFloat64, 1), x2 = xg::test::seeded({5, 4}, xg::kFloat64, 2);
  const Tensor yc = cpu(x1, x2), yg = gpu(x1.cuda(), x2.cuda());
  EXPECT_TRUE(matches_cpu(yg, yc, 1e-12));
  yc.sum().backward();
  yg.sum().backward();
  EXPECT_TRUE(matches_cpu(gpu.W.grad(), cpu.W.grad(), 1e-12));
  EXPECT_TRUE(matches_cpu(gpu.b.grad(), cpu.b.grad(), 1e-12));
  const auto f = [&](const xg::tensor_list& v) { return xg::nn::functional::bilinear(v[0], v[1], v[2]); };
  EXPECT_TRUE(xg::testing::gradgradcheck_ok(f, {x1.cuda().requires_grad_(), x2.cuda().requires_grad_(),
                                                gpu.W.detach().clone().requires_grad_()}));
}

TEST(CudaModules, EmbeddingBagMovesAndMatchesTheCpuInEveryMode) {
  XG_REQUIRE_CUDA();
  const Tensor idx = xg::tensor({1, 4, 3, 4, 0, 2, 2}, xg::kInt64), off = xg::tensor({0, 3, 3, 5}, xg::kInt64);
  const Tensor psw = xg::test::seeded({7}, xg::kFloat64, 3);
  for (auto mode : {xg::nn::EmbeddingBagMode::Sum, xg::nn::EmbeddingBagMode::Mean, xg::nn::EmbeddingBagMode::Max}) {
    xg::manual_seed(5);
    xg::nn::EmbeddingBag cpu(xg::nn::EmbeddingBagOptions(6, 3).mode(mode).padding_idx(4).dtype(xg::kFloat64));
    xg::nn::EmbeddingBag gpu(xg::nn::EmbeddingBagOptions(6, 3).mode(mode).padding_idx(4).dtype(xg::kFloat64));
    gpu.W.copy_(cpu.W);
    gpu.to(xg::kCUDA);
    const bool sum = mode == xg::nn::EmbeddingBagMode::Sum;
    const Tensor yc = cpu(idx, off, sum ? psw : Tensor()), yg = gpu(idx.cuda(), off.cuda(), sum ? psw.cuda() : Tensor());
    EXPECT_TRUE(matches_cpu(yg, yc, 1e-12));
    (yc * yc).sum().backward();
    (yg * yg).sum().backward();
    EXPECT_TRUE(matches_cpu(gpu.W.grad(), cpu.W.grad(), 1e-12));
  }
  const auto f = [&](const xg::tensor_list& v) {
    return xg::nn::functional::embedding_bag(idx.cuda(), v[0], xg::nn::functional::EmbeddingBagFuncOptions().offsets(off.cuda()).mode(xg::kMax));
  };
  EXPECT_TRUE(xg::testing::gradgradcheck_ok(f, {xg::test::seeded({6, 3}, xg::kFloat64, 4).cuda().requires_grad_()}));
}

TEST(CudaModules, AdaptivePool1dMatchesTheCpu) {
  XG_REQUIRE_CUDA();
  const Tensor x = xg::test::seeded({2, 3, 11}, xg::kFloat64, 7);
  const auto run = [&](xg::Device d) {
    const Tensor v = x.to(d).requires_grad_();
    auto [m, i] = xg::adaptive_max_pool1d_with_indices(v, 4);
    const Tensor y = (xg::adaptive_avg_pool1d(v, 7) * xg::adaptive_avg_pool1d(v, 7)).sum() + m.sum() +
                     xg::adaptive_avg_pool1d(v.select(0, 1), 3).sum();
    return xg::tensor_list{y, xg::grad({y}, {v})[0], i};
  };
  const auto cpu = run(xg::kCPU), gpu = run(xg::kCUDA);
  for (std::size_t k = 0; k < cpu.size(); ++k) EXPECT_TRUE(matches_cpu(gpu[k], cpu[k], 1e-12)) << k;
}


TEST(CudaModules, CtcLossGivesTheCpusValuesAndGradients) {
  XG_REQUIRE_CUDA();
  namespace F = xg::nn::functional;
  // Lengths and targets may stay on the CPU or move: the loss reads them on the host either
  // way (a documented wait for CUDA ones, as PyTorch's), and computes on log_probs' device.
  const Tensor logits = xg::test::seeded({12, 3, 6}, xg::kFloat64, 70);
  const Tensor targets = xg::tensor({{1.0, 2.0, 2.0, 5.0}, {3.0, 0.0, 0.0, 0.0}, {4.0, 4.0, 1.0, 0.0}}, xg::kInt64);
  const Tensor in_len = xg::tensor({12.0, 7.0, 3.0}, xg::kInt64), tg_len = xg::tensor({4.0, 1.0, 3.0}, xg::kInt64);
  const auto run = [&](const xg::Device& d, bool lengths_on_device) {
    auto x = logits.to(d).requires_grad_();
    const Tensor il = lengths_on_device ? in_len.to(d) : in_len, tl = lengths_on_device ? tg_len.to(d) : tg_len;
    const Tensor y = F::ctc_loss(x.log_softmax(-1), targets.to(d), il, tl,
                                 F::CTCLossFuncOptions().reduction(xg::kSum).zero_infinity(true));
    return std::make_pair(y, xg::grad({y}, {x}, {}, true, true)[0]);
  };
  const auto [yc, gc] = run(xg::kCPU, false);
  for (const bool on_device : {false, true}) {
    const auto [yd, gd] = run(xg::kCUDA, on_device);
    EXPECT_TRUE(matches_cpu(yd, yc, 1e-12)) << on_device;
    EXPECT_TRUE(matches_cpu(gd, gc, 1e-12)) << on_device;
  }
}

TEST(CudaModules, ChannelLayersAndClassMarginLossesGiveTheCpusValuesAndGradients) {
  XG_REQUIRE_CUDA();
  namespace F = xg::nn::functional;
  const Tensor x = xg::test::seeded({2, 6, 5}, xg::kFloat64, 80), w = xg::test::seeded({6, 2, 3}, xg::kFloat64, 81);
  const Tensor s = xg::test::seeded({3, 5}, xg::kFloat64, 82);
  const Tensor labels = xg::tensor({2.0, 0.0, 4.0}, xg::kInt64);
  const Tensor rows = xg::tensor({{3.0, 0.0, -1.0, 1.0, 0.0}, {1.0, 1.0, 2.0, -1.0, 0.0}, {0.0, 1.0, 2.0, 3.0, 4.0}}, xg::kInt64);
  const auto run = [&](const xg::Device& d) {
    auto xv = x.to(d).requires_grad_(), wv = w.to(d).requires_grad_(), sv = s.to(d).requires_grad_();
    const Tensor y = F::conv_transpose1d(xv, wv, F::ConvTranspose1dFuncOptions().stride(2).groups(2)).sum() +
                     F::local_response_norm(xv, 3).pow(2.0).sum() + F::channel_shuffle(xv, 3).select(1, 0).sum() +
                     xg::nn::Softmax2d()(xv.unsqueeze(-1)).pow(2.0).sum() + F::rrelu(xv).sum() +
                     F::multi_margin_loss(sv, labels.to(d), F::MultiMarginLossFuncOptions().p(2)) +
                     F::multilabel_margin_loss(sv, rows.to(d));
    auto g = xg::grad({y}, {xv, wv, sv}, {}, true, true);
    g.insert(g.begin(), y);
    return g;
  };
  const auto cpu = run(xg::kCPU), gpu = run(xg::kCUDA);
  for (std::size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(matches_cpu(gpu[i], cpu[i], 1e-12)) << i;
}

TEST(CudaModules, FractionalMaxPoolDrawsOnTheDeviceAndGivesTheCpusWindows) {
  XG_REQUIRE_CUDA();
  namespace F = xg::nn::functional;
  // The windows' starts are computed on the device from the samples, with the CPU's arithmetic.
  const Tensor x = xg::test::seeded({2, 3, 9, 11}, xg::kFloat64, 21), v = xg::test::seeded({1, 2, 6, 7, 8}, xg::kFloat64, 22);
  const Tensor s = xg::rand({2, 3, 2}, xg::kFloat64), s3 = xg::rand({1, 2, 3}, xg::kFloat64);
  const auto run = [&](const xg::Device& d) {
    auto xv = x.to(d).requires_grad_(), vv = v.to(d).requires_grad_();
    auto [y, i] = F::fractional_max_pool2d_with_indices(xv, F::FractionalMaxPool2dFuncOptions(3).output_size({4, 5})._random_samples(s.to(d)));
    auto [y3, i3] = F::fractional_max_pool3d_with_indices(vv, F::FractionalMaxPool3dFuncOptions(2).output_size({3, 4, 3})._random_samples(s3.to(d)));
    auto g = xg::grad({(y * y).sum() + y3.sum()}, {xv, vv});
    return std::vector<Tensor>{y, i, y3, i3, g[0], g[1]};
  };
  const auto cpu = run(xg::kCPU), gpu = run(xg::kCUDA);
  for (std::size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(matches_cpu(gpu[i], cpu[i], 1e-12)) << i;
  // Drawn samples are made on the input's device (no device error, no copy).
  xg::nn::FractionalMaxPool2d pool(xg::nn::FractionalMaxPool2dOptions(2).output_ratio(0.5));
  EXPECT_TRUE(pool(x.to(xg::kCUDA)).is_cuda());
}
