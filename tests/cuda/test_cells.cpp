// The fused LSTM and GRU cells on a GPU: the CPU's values and gradients (float64, 1e-12),
// gradcheck and gradgradcheck of CUDA tensors (the second order composed).
#include "cuda/cuda_util.h"

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
