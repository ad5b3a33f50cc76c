// The fused LSTM and GRU cells on a GPU: the CPU's values and gradients (float64, 1e-12),
// gradcheck and gradgradcheck of CUDA tensors (the second order composed).
#include "cuda/cuda_util.h"

#include "autograd/recurrent_steps.h"

using L = const xg::tensor_list&;

namespace {
// The gradients of sum(h' * w) (+ sum(c' * w2)) with respect to every input.
xg::tensor_list grads(const xg::tensor_list& outs, const xg::tensor_list& ins) {
  xg::Tensor loss;
  for (std::size_t k = 0; k < outs.size(); ++k) {
    const auto w = xg::test::seeded(outs[k].shape(), xg::kFloat64, 50 + k).to(outs[k].device());
    const auto term = (outs[k] * w).sum();
    loss = loss.defined() ? loss + term : term;
  }
  return xg::grad({loss}, ins);
}

xg::tensor_list inputs(const std::vector<xg::Shape>& shapes, xg::Device device) {
  xg::tensor_list out;
  for (std::size_t i = 0; i < shapes.size(); ++i)
    out.push_back(xg::test::seeded(shapes[i], xg::kFloat64, 20 + i).to(device).requires_grad_());
  return out;
}
}  // namespace

TEST(CudaCells, LstmAndGruMatchTheCpuWithGradients) {
  XG_REQUIRE_CUDA();
  const std::int64_t N = 5, I = 7, H = 33;
  const std::vector<xg::Shape> lstm_shapes{{N, I}, {N, H}, {N, H}, {4 * H, I}, {4 * H, H}, {4 * H}, {4 * H}};
  const std::vector<xg::Shape> gru_shapes{{N, I}, {N, H}, {3 * H, I}, {3 * H, H}, {3 * H}, {3 * H}};
  xg::tensor_list lstm_out[2], lstm_grads[2], gru_out[2], gru_grads[2];
  for (int d = 0; d < 2; ++d) {
    const xg::Device device = d == 0 ? xg::Device(xg::kCPU) : xg::Device(xg::kCUDA);
    auto v = inputs(lstm_shapes, device);
    auto [h1, c1] = xg::lstm_cell(v[0], {v[1], v[2]}, v[3], v[4], v[5], v[6]);
    lstm_out[d] = {h1, c1};
    lstm_grads[d] = grads({h1, c1}, v);
    auto u = inputs(gru_shapes, device);
    auto h2 = xg::gru_cell(u[0], u[1], u[2], u[3], u[4], u[5]);
    gru_out[d] = {h2};
    gru_grads[d] = grads({h2}, u);
  }
  for (int k = 0; k < 2; ++k) EXPECT_TRUE(xg::test::matches_cpu(lstm_out[1][k], lstm_out[0][k], 1e-12)) << "LSTM output " << k;
  for (std::size_t i = 0; i < lstm_grads[0].size(); ++i)
    EXPECT_TRUE(xg::test::matches_cpu(lstm_grads[1][i], lstm_grads[0][i], 1e-12)) << "LSTM input " << i;
  EXPECT_TRUE(xg::test::matches_cpu(gru_out[1][0], gru_out[0][0], 1e-12));
  for (std::size_t i = 0; i < gru_grads[0].size(); ++i)
    EXPECT_TRUE(xg::test::matches_cpu(gru_grads[1][i], gru_grads[0][i], 1e-12)) << "GRU input " << i;
}

TEST(CudaCells, GradcheckAndGradgradcheckOnTheGpu) {
  XG_REQUIRE_CUDA();
  const std::int64_t N = 2, I = 3, H = 3;
  auto v = inputs({{N, I}, {N, H}, {N, H}, {4 * H, I}, {4 * H, H}, {4 * H}, {4 * H}}, xg::kCUDA);
  const auto lstm = [](L x) {
    auto [h1, c1] = xg::lstm_cell(x[0], {x[1], x[2]}, x[3], x[4], x[5], x[6]);
    return xg::concat({h1, c1 * 0.5}, 1);
  };
  EXPECT_TRUE(xg::testing::gradcheck_ok(lstm, v));
  EXPECT_TRUE(xg::testing::gradgradcheck_ok(lstm, v));
  auto u = inputs({{N, I}, {N, H}, {3 * H, I}, {3 * H, H}, {3 * H}, {3 * H}}, xg::kCUDA);
  const auto gru = [](L x) { return xg::gru_cell(x[0], x[1], x[2], x[3], x[4], x[5]); };
  EXPECT_TRUE(xg::testing::gradcheck_ok(gru, u));
  EXPECT_TRUE(xg::testing::gradgradcheck_ok(gru, u));
}

TEST(CudaCells, ALayersTimeStepsAreReadInPlace) {
  XG_REQUIRE_CUDA();
  // The per-step input projections are views: no launch, and an LSTM layer over them gives
  // the CPU's sequence and gradients.
  const auto seq = xg::test::seeded({6, 2, 4}, xg::kFloat64, 3).cuda();
  const auto launches = xg::cuda::launch_count();
  const auto steps = xg::steps::time_steps(seq);
  EXPECT_EQ(xg::cuda::launch_count(), launches);
  ASSERT_EQ(steps.size(), 6u);
  for (std::int64_t t = 0; t < 6; ++t) EXPECT_TRUE(xg::test::matches_cpu(steps[t], seq.cpu().select(0, t), 0));
  xg::manual_seed(4);
  xg::nn::LSTM cpu(xg::nn::LSTMOptions(4, 5).num_layers(2).bidirectional(true).dtype(xg::kFloat64));
  xg::manual_seed(4);
  xg::nn::LSTM gpu(xg::nn::LSTMOptions(4, 5).num_layers(2).bidirectional(true).dtype(xg::kFloat64));
  gpu.to(xg::kCUDA);
  const auto x = xg::test::seeded({6, 2, 4}, xg::kFloat64, 5);
  const auto y_cpu = std::get<0>(cpu(x, {})), y_gpu = std::get<0>(gpu(x.cuda(), {}));
  EXPECT_TRUE(xg::test::matches_cpu(y_gpu, y_cpu, 1e-12));
  (y_cpu * y_cpu).sum().backward();
  (y_gpu * y_gpu).sum().backward();
  const auto pc = cpu.parameters(), pg = gpu.parameters();
  for (std::size_t i = 0; i < pc.size(); ++i) EXPECT_TRUE(xg::test::matches_cpu(pg[i].grad(), pc[i].grad(), 1e-12)) << i;
}

TEST(CudaCells, RecurrentLayersTakeTwoOrThreeLaunchesPerStep) {
  XG_REQUIRE_CUDA();
  // One node per direction (autograd/recurrent_layers.cpp): per step a product onto the step's
  // slot and the fused cell forward; backward the fused cell and one product (the GRU adds
  // its direct term: one more). Counted as the difference between 12 and 6 steps, so the
  // per-layer work cancels.
  for (const bool lstm : {true, false}) {
    xg::manual_seed(6);
    std::shared_ptr<xg::nn::RNNBase> layer;
    if (lstm) layer = std::make_shared<xg::nn::LSTM>(xg::nn::LSTMOptions(8, 16));
    else layer = std::make_shared<xg::nn::GRU>(xg::nn::GRUOptions(8, 16));
    layer->to(xg::kCUDA);
    std::uint64_t forward[2], backward[2];
    for (int k = 0; k < 2; ++k) {
      const auto x = xg::randn({k == 0 ? 6 : 12, 4, 8}, xg::kCUDA);
      const auto l0 = xg::cuda::launch_count();
      const auto y = layer->forward(x);
      const auto l1 = xg::cuda::launch_count();
      (y * y).sum().backward();
      forward[k] = l1 - l0;
      backward[k] = xg::cuda::launch_count() - l1;
    }
    EXPECT_EQ(forward[1] - forward[0], 12u) << (lstm ? "LSTM" : "GRU");
    EXPECT_EQ(backward[1] - backward[0], lstm ? 12u : 18u) << (lstm ? "LSTM" : "GRU");
  }
}

TEST(CudaCells, ProjectedLstmGivesTheCpusValuesAndGradients) {
  XG_REQUIRE_CUDA();
  xg::manual_seed(9);
  xg::nn::LSTM cpu(xg::nn::LSTMOptions(4, 6).num_layers(2).bidirectional(true).proj_size(3).dtype(xg::kFloat64));
  xg::nn::LSTM gpu(xg::nn::LSTMOptions(4, 6).num_layers(2).bidirectional(true).proj_size(3).dtype(xg::kFloat64));
  for (const auto& [name, p] : cpu.named_parameters()) gpu.set_parameter(name, p.detach().clone());
  gpu.to(xg::kCUDA);
  const auto x = xg::test::seeded({5, 2, 4}, xg::kFloat64, 30);
  auto [yh, hch] = cpu(x, {});
  auto [yc, hcc] = gpu(x.cuda(), {});
  EXPECT_TRUE(xg::test::matches_cpu(yc, yh, 1e-12));
  EXPECT_TRUE(xg::test::matches_cpu(std::get<0>(hcc), std::get<0>(hch), 1e-12));
  EXPECT_TRUE(xg::test::matches_cpu(std::get<1>(hcc), std::get<1>(hch), 1e-12));
  (yh * yh).sum().backward();
  (yc * yc).sum().backward();
  const auto a = cpu.named_parameters(), b = gpu.named_parameters();
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(xg::test::matches_cpu(b[i].second.grad(), a[i].second.grad(), 1e-12)) << a[i].first;
}

TEST(CudaCells, PackedSequencesGiveTheCpusValuesAndGradients) {
  // pack_padded_sequence, forward_with_packed_input and pad_packed_sequence on a GPU: the
  // indices move with the data, the lengths and batch_sizes stay on the CPU.
  XG_REQUIRE_CUDA();
  namespace rnn = xg::nn::utils::rnn;
  xg::manual_seed(10);
  xg::nn::LSTM cpu(xg::nn::LSTMOptions(4, 6).num_layers(2).bidirectional(true).dtype(xg::kFloat64));
  xg::nn::LSTM gpu(xg::nn::LSTMOptions(4, 6).num_layers(2).bidirectional(true).dtype(xg::kFloat64));
  for (const auto& [name, p] : cpu.named_parameters()) gpu.set_parameter(name, p.detach().clone());
  gpu.to(xg::kCUDA);
  const auto lengths = xg::tensor({3, 5, 1, 4}, xg::kInt64);
  const auto x = xg::test::seeded({5, 4, 4}, xg::kFloat64, 31);
  const auto xc = x.detach().requires_grad_(), xd = x.cuda().detach().requires_grad_();
  const auto pc = rnn::pack_padded_sequence(xc, lengths, false, false);
  const auto pd = rnn::pack_padded_sequence(xd, lengths, false, false);
  ASSERT_TRUE(pd.is_cuda() && pd.sorted_indices().is_cuda() && pd.batch_sizes().is_cpu());
  auto [oc, sc] = cpu.forward_with_packed_input(pc);
  auto [od, sd] = gpu.forward_with_packed_input(pd);
  const auto [yc, lc] = rnn::pad_packed_sequence(oc, true, -1.0);
  const auto [yd, ld] = rnn::pad_packed_sequence(od, true, -1.0);
  EXPECT_TRUE(ld.is_cpu());
  EXPECT_TRUE(xg::test::matches_cpu(yd, yc, 1e-12));
  EXPECT_TRUE(xg::test::matches_cpu(std::get<0>(sd), std::get<0>(sc), 1e-12));
  EXPECT_TRUE(xg::test::matches_cpu(std::get<1>(sd), std::get<1>(sc), 1e-12));
  ((yc * yc).sum() + std::get<1>(sc).sum()).backward();
  ((yd * yd).sum() + std::get<1>(sd).sum()).backward();
  EXPECT_TRUE(xg::test::matches_cpu(xd.grad(), xc.grad(), 1e-12));
  const auto a = cpu.named_parameters(), b = gpu.named_parameters();
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(xg::test::matches_cpu(b[i].second.grad(), a[i].second.grad(), 1e-12)) << a[i].first;
  // The numerical checks on the device.
  xg::nn::GRU gru(xg::nn::GRUOptions(2, 3).bidirectional(true).dtype(xg::kFloat64));
  gru.to(xg::kCUDA);
  const auto fn = [&](L v) {
    auto [out, h] = gru.forward_with_packed_input(rnn::pack_padded_sequence(v[0], xg::tensor({3, 2}, xg::kInt64), true), v[1]);
    return xg::concat({out.data().reshape({-1}), h.reshape({-1})}, 0);
  };
  const xg::tensor_list in = inputs({{2, 3, 2}, {2, 2, 3}}, xg::kCUDA);
  EXPECT_TRUE(xg::testing::gradcheck_ok(fn, in));
  EXPECT_TRUE(xg::testing::gradgradcheck_ok(fn, in));
}
