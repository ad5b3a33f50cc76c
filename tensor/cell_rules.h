// Private: the LSTM and GRU cells' pointwise arithmetic on one element, written once for
// scalars on the host, xsimd batches (tensor/cell_kernels.cpp) and the GPU
// (tensor/cuda/cells.cu). The transcendental functions (sigmoid, tanh) are the caller's: each
// target has its own (xsimd's vector exp, CUDA's). Gate order is PyTorch's: LSTM i, f, g, o;
// GRU r, z, n.
#pragma once

#include "tensor/host_device.h"

namespace xg::detail::cell {

/// LSTM: c' = f c + i g from the activated gates (h' = o tanh(c') is the caller's).
template <class V>
XG_HOST_DEVICE V lstm_c1(V i, V f, V g, V c) {
  return f * c + i * g;
}

/// LSTM backward from the activated gates, c, tc = tanh(c') and the outputs' gradients:
/// the gradients of the four pre-activations and of c.
template <class V>
XG_HOST_DEVICE void lstm_backward(V i, V f, V g, V o, V c, V tc, V dh1, V dc1, V& di, V& df, V& dg, V& dout, V& dc) {
  const V one(1);
  const V dct = dc1 + dh1 * o * (one - tc * tc);  // all of c' 's gradient
  dout = dh1 * tc * o * (one - o);
  di = dct * g * i * (one - i);
  df = dct * c * f * (one - f);
  dg = dct * i * (one - g * g);
  dc = dct * f;
}

/// GRU: h' = n + z (h - n) (= (1 - z) n + z h), n = tanh(x_n + r hh_n) computed by the caller.
template <class V>
XG_HOST_DEVICE V gru_h1(V z, V n, V h) {
  return n + z * (h - n);
}

/// GRU backward from the activated gates, the hidden projection's n part hh_n, h and h' 's
/// gradient: the pre-activations' gradients (r and z shared by both projections; n's, for the
/// hidden projection, times r) and h's.
template <class V>
XG_HOST_DEVICE void gru_backward(V r, V z, V n, V hhn, V h, V dh1, V& dr, V& dz, V& dn, V& dh) {
  const V one(1);
  dh = dh1 * z;
  dn = dh1 * (one - z) * (one - n * n);
  dr = dn * hhn * r * (one - r);
  dz = dh1 * (h - n) * z * (one - z);
}

}  // namespace xg::detail::cell
