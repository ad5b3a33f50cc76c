// One time step of each recurrent cell from the input's projection xp = x W_ih^T + b_ih,
// (N, G·H): the public cell functions (autograd/ops_recurrent.cpp) compute xp per call, the
// layers (nn/recurrent.cpp) for the whole sequence in one matrix product before the loop.
// Composed from differentiable operations, so every order of gradient comes from the parts.
#pragma once

#include <utility>

#include <xgrad/ops.h>

namespace xg::steps {

inline Tensor rnn_step(const Tensor& xp, const Tensor& h, const Tensor& W_hh, const Tensor& b_hh, bool relu) {
  const Tensor a = xp + linear_t(h, W_hh, b_hh);
  return relu ? xg::relu(a) : tanh(a);
}

// Gates i, f, g, o: c' = f c + i g, h' = o tanh(c').
inline std::pair<Tensor, Tensor> lstm_step(const Tensor& xp, const Tensor& h, const Tensor& c, const Tensor& W_hh,
                                           const Tensor& b_hh) {
  const tensor_list g = chunk(xp + linear_t(h, W_hh, b_hh), 4, 1);
  const Tensor c1 = sigmoid(g[1]) * c + sigmoid(g[0]) * tanh(g[2]);
  return {sigmoid(g[3]) * tanh(c1), c1};
}

// Gates r, z, n; the reset gate scales the hidden projection (b_hn included), as PyTorch.
// h' = (1 - z) n + z h, written n + z (h - n).
inline Tensor gru_step(const Tensor& xp, const Tensor& h, const Tensor& W_hh, const Tensor& b_hh) {
  const tensor_list gi = chunk(xp, 3, 1), gh = chunk(linear_t(h, W_hh, b_hh), 3, 1);
  const Tensor r = sigmoid(gi[0] + gh[0]), z = sigmoid(gi[1] + gh[1]);
  const Tensor n = tanh(gi[2] + r * gh[2]);
  return n + z * (h - n);
}

}  // namespace xg::steps
