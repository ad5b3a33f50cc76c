// Containers, pretrained embeddings, the parameter vector and weighted binary cross-entropy
// on a GPU, against the CPU (float64): what they make (masks, vectors) is made on the
// device of their tensors.
#include "cuda/cuda_util.h"

namespace nn = xg::nn;
using xg::Tensor;
using xg::test::matches_cpu;

TEST(CudaModules, PretrainedEmbeddingsContainersAndTheParameterVectorStayOnTheGpu) {
  XG_REQUIRE_CUDA();
  // A table already on the GPU: its padding mask is made there, the row learns nothing.
  const Tensor table = xg::test::seeded({6, 3}, xg::kFloat64, 6).cuda();
  auto emb = nn::Embedding::from_pretrained(table, nn::EmbeddingFromPretrainedOptions().freeze(false).padding_idx(1));
  emb(xg::tensor({1.0, 4.0, 1.0}, xg::kInt64).cuda()).sum().backward();
  const auto g = emb.W.grad().cpu();
  EXPECT_EQ(g.narrow(0, 1, 1).abs().sum().item(), 0.0);
  EXPECT_EQ(g.narrow(0, 4, 1).sum().item(), 3.0);
  nn::ModuleDict heads({{"a", std::make_shared<nn::Linear>(3, 2, true, xg::kFloat64)}});
  heads.to(xg::kCUDA);
  const Tensor v = nn::utils::parameters_to_vector(heads.parameters());
  EXPECT_TRUE(v.is_cuda());
  nn::utils::vector_to_parameters(v * 2.0, heads.parameters());
  EXPECT_TRUE(matches_cpu(nn::utils::parameters_to_vector(heads.parameters()), (v * 2.0).cpu(), 0));
}


TEST(CudaModules, WeightedBinaryCrossEntropyGivesTheCpusValuesAndGradients) {
  XG_REQUIRE_CUDA();
  const Tensor x = xg::test::seeded({5, 4}, xg::kFloat64, 7), w = xg::test::seeded({5, 1}, xg::kFloat64, 8).abs();
  const Tensor t = (xg::test::seeded({5, 4}, xg::kFloat64, 9) > 0.0).to(xg::kFloat64);
  const Tensor pw = xg::tensor({0.5, 1.0, 2.0, 3.0}, xg::kFloat64);
  const auto loss = [&](const Tensor& xv, const Tensor& tv, const Tensor& wv, const Tensor& pv) {
    return nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().weight(wv).pos_weight(pv).reduction(xg::kNone))(xv, tv);
  };
  const Tensor xc = x.cuda().requires_grad_(), xh = x.clone().requires_grad_();
  const Tensor yc = loss(xc, t.cuda(), w.cuda(), pw.cuda()), yh = loss(xh, t, w, pw);
  EXPECT_TRUE(matches_cpu(yc, yh, 1e-13));
  yc.sum().backward();
  yh.sum().backward();
  EXPECT_TRUE(matches_cpu(xc.grad(), xh.grad(), 1e-13));
  const Tensor p = xg::sigmoid(x);
  EXPECT_TRUE(matches_cpu(nn::BCELoss(nn::BCELossOptions().weight(w.cuda()))(p.cuda(), t.cuda()), nn::BCELoss(nn::BCELossOptions().weight(w))(p, t), 1e-13));
}

TEST(CudaModules, EmbeddingMaxNormAndFrequencyScalingGiveTheCpusTableAndGradients) {
  XG_REQUIRE_CUDA();
  namespace F = xg::nn::functional;
  const Tensor table = xg::test::seeded({9, 4}, xg::kFloat64, 10) * 2.0;
  const Tensor idx = xg::tensor({{1.0, 4.0, 4.0, 0.0}, {7.0, 4.0, 1.0, 8.0}}, xg::kInt64);
  const Tensor gy = xg::test::seeded({2, 4, 4}, xg::kFloat64, 11);
  const auto o = F::EmbeddingFuncOptions().max_norm(1.5).scale_grad_by_freq(true).padding_idx(0);
  const Tensor wc = table.cuda().requires_grad_(), wh = table.clone().requires_grad_();
  const Tensor yc = F::embedding(idx.cuda(), wc, o), yh = F::embedding(idx, wh, o);
  EXPECT_TRUE(matches_cpu(yc, yh, 1e-14));
  EXPECT_TRUE(matches_cpu(wc, wh, 1e-14));  // renormalised in place on both devices
  (yc * gy.cuda()).sum().backward();
  (yh * gy).sum().backward();
  EXPECT_TRUE(matches_cpu(wc.grad(), wh.grad(), 1e-14));
  const auto b = F::EmbeddingBagFuncOptions().mode(xg::kMean).max_norm(1.0).scale_grad_by_freq(true);
  const Tensor bc = table.cuda().requires_grad_(), bh = table.clone().requires_grad_();
  F::embedding_bag(idx.cuda(), bc, b).sum().backward();
  F::embedding_bag(idx, bh, b).sum().backward();
  EXPECT_TRUE(matches_cpu(bc.grad(), bh.grad(), 1e-14));
}

TEST(CudaModules, TripletMarginWithDistanceLossGivesTheCpusValuesAndGradients) {
  XG_REQUIRE_CUDA();
  namespace F = xg::nn::functional;
  const auto cosine = [](const Tensor& x, const Tensor& y) { return 1.0 - F::cosine_similarity(x, y); };
  const auto o = F::TripletMarginWithDistanceLossFuncOptions().distance_function(cosine).margin(0.7).swap(true);
  xg::tensor_list host, gpu;
  for (int i = 0; i < 3; ++i) {
    host.push_back(xg::test::seeded({6, 5}, xg::kFloat64, 40 + i).requires_grad_());
    gpu.push_back(host.back().detach().cuda().requires_grad_());
  }
  const Tensor yh = F::triplet_margin_with_distance_loss(host[0], host[1], host[2], o);
  const Tensor yc = F::triplet_margin_with_distance_loss(gpu[0], gpu[1], gpu[2], o);
  EXPECT_TRUE(matches_cpu(yc, yh, 1e-14));
  yh.backward();
  yc.backward();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(matches_cpu(gpu[i].grad(), host[i].grad(), 1e-14)) << i;
}

TEST(CudaModules, AdaptiveLogSoftmaxGivesTheCpusOutputsGradientsAndPredictions) {
  XG_REQUIRE_CUDA();
  const auto options = nn::AdaptiveLogSoftmaxWithLossOptions(12, 30, {4, 11, 20}).div_value(2.0).head_bias(true).dtype(xg::kFloat64);
  xg::manual_seed(14);
  nn::AdaptiveLogSoftmaxWithLoss cpu(options), gpu(options);
  for (const auto& [name, p] : cpu.named_parameters()) gpu.set_parameter(name, p.detach().clone());
  gpu.to(xg::kCUDA);
  const Tensor x = xg::test::seeded({10, 12}, xg::kFloat64, 60);
  const Tensor t = xg::tensor({0, 3, 4, 10, 11, 19, 20, 29, 7, 25}, xg::kInt64);
  const auto h = cpu(x, t);
  const auto c = gpu(x.cuda(), t.cuda());
  EXPECT_TRUE(matches_cpu(c.output, h.output, 1e-13));
  EXPECT_TRUE(matches_cpu(c.loss, h.loss, 1e-13));
  h.loss.backward();
  c.loss.backward();
  const auto a = cpu.named_parameters(), b = gpu.named_parameters();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(matches_cpu(b[i].second.grad(), a[i].second.grad(), 1e-13)) << a[i].first;
  EXPECT_TRUE(matches_cpu(gpu.log_prob(x.cuda()), cpu.log_prob(x), 1e-13));
  EXPECT_TRUE(matches_cpu(gpu.predict(x.cuda()), cpu.predict(x), 0));
}
