// One time step of each recurrent cell from the input's projection xp = x W_ih^T + b_ih,
// (N, G·H): the public cell functions (autograd/ops_recurrent.cpp) compute xp per call, the
// layers (nn/recurrent.cpp) for the whole sequence in one matrix product before the loop.
// The RNN step is composed from differentiable operations; the LSTM and GRU steps' pointwise
// parts are fused operations (autograd/ops_recurrent.cpp) whose second order is composed.
#pragma once

#include <utility>

#include <xgrad/ops.h>

namespace xg::steps {

// One direction of one LSTM layer over x (T, N, I) from h0 and c0 (N, H), stepping from the
// last step to the first when `reverse`: {y (T, N, H), h_T, c_T}, as one graph node with
// fused kernels (autograd/recurrent_layers.cpp); biases may be undefined. Its gradient's
// gradient recomputes the layer from the steps below. With a projection W_hr (P, H), each
// step's h is h W_hr^T (h0, y and h_T have P features), composed from the steps below.
tensor_list lstm_layer(const Tensor& x, const Tensor& W_ih, const Tensor& W_hh, const Tensor& b_ih, const Tensor& b_hh,
                       const Tensor& h0, const Tensor& c0, bool reverse, const Tensor& W_hr = Tensor());
// The same for a GRU layer: {y (T, N, H), h_T}.
tensor_list gru_layer(const Tensor& x, const Tensor& W_ih, const Tensor& W_hh, const Tensor& b_ih, const Tensor& b_hh,
                      const Tensor& h0, bool reverse);

// unbind(x, 0) of a sequence (T, ...) without copying: each step reads x's bytes in place
// (one launch fewer per step on a GPU); the gradient is unbind's. The steps are read-only:
// for the layers' own loops (nn/recurrent.cpp), never handed to a user.
tensor_list time_steps(const Tensor& x);

inline Tensor rnn_step(const Tensor& xp, const Tensor& h, const Tensor& W_hh, const Tensor& b_hh, bool relu) {
  const Tensor a = xp + linear_t(h, W_hh, b_hh);
  return relu ? xg::relu(a) : tanh(a);
}

// The LSTM cell's pointwise part from its pre-activations (N, 4H), gates i, f, g, o:
// c' = f c + i g, h' = o tanh(c'); one fused kernel forward and one backward
// (tensor/cell_kernels.h), the composed formulas for higher orders. Returns {h', c'}.
std::pair<Tensor, Tensor> lstm_pointwise(const Tensor& gates, const Tensor& c);
// The GRU cell's pointwise part from the input projection xp and the hidden one hp (N, 3H,
// b_hh included), gates r, z, n; the reset gate scales hp's n part, as PyTorch:
// h' = (1 - z) n + z h, written n + z (h - n). Fused like lstm_pointwise.
Tensor gru_pointwise(const Tensor& xp, const Tensor& hp, const Tensor& h);

inline std::pair<Tensor, Tensor> lstm_step(const Tensor& xp, const Tensor& h, const Tensor& c, const Tensor& W_hh,
                                           const Tensor& b_hh) {
  return lstm_pointwise(xp + linear_t(h, W_hh, b_hh), c);
}

inline Tensor gru_step(const Tensor& xp, const Tensor& h, const Tensor& W_hh, const Tensor& b_hh) {
  return gru_pointwise(xp, linear_t(h, W_hh, b_hh), h);
}

}  // namespace xg::steps
