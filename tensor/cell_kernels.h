// Private: the LSTM and GRU cells' pointwise work as one pass forward and one backward (the
// matrix products stay with the callers). The composed cells run about 14 tensor operations
// per step forward, each a pass over (N, H) and a graph node; these run one. Gate order is
// PyTorch's (LSTM i, f, g, o; GRU r, z, n); the per-element formulas are tensor/cell_rules.h.
#pragma once

#include <xgrad/tensor.h>

namespace xg::kernel {

struct LstmCellOut {
  Tensor h1, c1;
  Tensor acts;  // (N, 4H): sigmoid(i), sigmoid(f), tanh(g), sigmoid(o), the backward's workspace
};
/// gates (N, 4H) pre-activations, c (N, H), one float dtype and device: c' = f c + i g,
/// h' = o tanh(c'). `op` names errors.
LstmCellOut lstm_cell_forward(const Tensor& gates, const Tensor& c, const char* op);
/// The same into given outputs (views of a layer's sequences, say), shaped as c and gates.
void lstm_cell_forward_into(const Tensor& gates, const Tensor& c, LstmCellOut& out, const char* op);

struct LstmCellGrads {
  Tensor gates;  // (N, 4H)
  Tensor c;      // (N, H)
};
/// The gradients of the pre-activations and of c from those of h' and c' (defined: the engine
/// gives zeros for an output no gradient reached).
LstmCellGrads lstm_cell_backward(const Tensor& acts, const Tensor& c, const Tensor& c1, const Tensor& dh1,
                                 const Tensor& dc1, const char* op);
void lstm_cell_backward_into(const Tensor& acts, const Tensor& c, const Tensor& c1, const Tensor& dh1,
                             const Tensor& dc1, LstmCellGrads& out, const char* op);

struct GruCellOut {
  Tensor h1;
  Tensor acts;  // (N, 3H): r, z, n
};
/// xp (N, 3H) the input projection, hp (N, 3H) the hidden one (b_hh included), h (N, H):
/// r = sigmoid(x_r + h_r), z = sigmoid(x_z + h_z), n = tanh(x_n + r h_n), h' = n + z (h - n).
GruCellOut gru_cell_forward(const Tensor& xp, const Tensor& hp, const Tensor& h, const char* op);
void gru_cell_forward_into(const Tensor& xp, const Tensor& hp, const Tensor& h, GruCellOut& out, const char* op);

struct GruCellGrads {
  Tensor xp, hp, h;
};
GruCellGrads gru_cell_backward(const Tensor& acts, const Tensor& hp, const Tensor& h, const Tensor& dh1, const char* op);
void gru_cell_backward_into(const Tensor& acts, const Tensor& hp, const Tensor& h, const Tensor& dh1, GruCellGrads& out,
                            const char* op);

}  // namespace xg::kernel
