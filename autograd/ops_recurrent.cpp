// The recurrent cells as functions, libtorch's rnn_tanh_cell, rnn_relu_cell, lstm_cell and
// gru_cell: one time step from x (N, I), the state (N, H) and PyTorch-layout weights.
#include <xgrad/detail/format.h>

#include <xgrad/ops.h>

#include "autograd/recurrent_steps.h"
#include "tensor/checked.h"

namespace xg {

namespace {

// Checks the shapes the step functions rely on; names the function and every shape.
void check_cell(const char* op, std::int64_t gates, const Tensor& x, const tensor_list& states, const Tensor& w_ih,
                const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  const auto bad = [&](const std::string& why) {
    std::string shapes = "x " + detail::shape_str(x.shape());
    for (const auto& s : states) shapes += ", state " + (s.defined() ? detail::shape_str(s.shape()) : "undefined");
    shapes += ", w_ih " + detail::shape_str(w_ih.shape()) + ", w_hh " + detail::shape_str(w_hh.shape());
    if (b_ih.defined()) shapes += ", b_ih " + detail::shape_str(b_ih.shape());
    if (b_hh.defined()) shapes += ", b_hh " + detail::shape_str(b_hh.shape());
    fail(op, ": ", why, " (", shapes, ")");
  };
  if (x.dim() != 2) bad("expected x of shape (N, input_size)");
  if (w_hh.dim() != 2 || w_hh.shape()[0] % gates != 0 || w_hh.shape()[0] != gates * w_hh.shape()[1])
    bad("expected w_hh of shape (" + std::to_string(gates) + "·H, H)");
  const std::int64_t H = w_hh.shape()[1];
  if (w_ih.dim() != 2 || w_ih.shape()[0] != gates * H || w_ih.shape()[1] != x.shape()[1])
    bad("expected w_ih of shape (" + std::to_string(gates * H) + ", " + std::to_string(x.shape()[1]) + ")");
  for (const Tensor* b : {&b_ih, &b_hh})
    if (b->defined() && b->shape() != Shape{gates * H})
      bad("expected biases of shape (" + std::to_string(gates * H) + ")");
  for (const auto& s : states)
    if (!s.defined() || s.shape() != Shape{x.shape()[0], H})
      bad("expected states of shape (" + std::to_string(x.shape()[0]) + ", " + std::to_string(H) + ")");
}

}  // namespace

Tensor rnn_tanh_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  detail::CallScope call("rnn_tanh_cell");
  check_cell("rnn_tanh_cell", 1, x, {h}, w_ih, w_hh, b_ih, b_hh);
  return steps::rnn_step(linear_t(x, w_ih, b_ih), h, w_hh, b_hh, false);
}

Tensor rnn_relu_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  detail::CallScope call("rnn_relu_cell");
  check_cell("rnn_relu_cell", 1, x, {h}, w_ih, w_hh, b_ih, b_hh);
  return steps::rnn_step(linear_t(x, w_ih, b_ih), h, w_hh, b_hh, true);
}

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& x, const std::tuple<Tensor, Tensor>& hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  detail::CallScope call("lstm_cell");
  const auto& [h, c] = hx;
  check_cell("lstm_cell", 4, x, {h, c}, w_ih, w_hh, b_ih, b_hh);
  auto [h1, c1] = steps::lstm_step(linear_t(x, w_ih, b_ih), h, c, w_hh, b_hh);
  return {h1, c1};
}

Tensor gru_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                const Tensor& b_hh) {
  detail::CallScope call("gru_cell");
  check_cell("gru_cell", 3, x, {h}, w_ih, w_hh, b_ih, b_hh);
  return steps::gru_step(linear_t(x, w_ih, b_ih), h, w_hh, b_hh);
}

}  // namespace xg
