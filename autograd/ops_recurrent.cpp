// The recurrent cells as functions, libtorch's rnn_tanh_cell, rnn_relu_cell, lstm_cell and
// gru_cell: one time step from x (N, I), the state (N, H) and PyTorch-layout weights.
#include <xgrad/detail/format.h>

#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "autograd/recurrent_steps.h"
#include "tensor/cell_kernels.h"
#include "tensor/checked.h"

namespace xg {

using autograd::Node;

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

// The composed LSTM pointwise step: the reference the fused kernels follow, run where they
// cannot (operands of mixed dtypes or devices).
std::pair<Tensor, Tensor> lstm_composed(const Tensor& gates, const Tensor& c) {
  const tensor_list g = chunk(gates, 4, 1);
  const Tensor c1 = sigmoid(g[1]) * c + sigmoid(g[0]) * tanh(g[2]);
  return {sigmoid(g[3]) * tanh(c1), c1};
}

Tensor gru_composed(const Tensor& xp, const Tensor& hp, const Tensor& h) {
  const tensor_list gi = chunk(xp, 3, 1), gh = chunk(hp, 3, 1);
  const Tensor r = sigmoid(gi[0] + gh[0]), z = sigmoid(gi[1] + gh[1]);
  const Tensor n = tanh(gi[2] + r * gh[2]);
  return n + z * (h - n);
}

bool fusable(std::initializer_list<const Tensor*> xs) {
  const Tensor& first = **xs.begin();
  for (const Tensor* x : xs)
    if (x->dtype() != first.dtype() || x->device() != first.device() || !is_floating(x->dtype())) return false;
  return true;
}

}  // namespace

namespace steps {

std::pair<Tensor, Tensor> lstm_pointwise(const Tensor& gates, const Tensor& c) {
  if (!fusable({&gates, &c})) return lstm_composed(gates, c);
  auto out = kernel::lstm_cell_forward(gates, c, "lstm_cell");
  tensor_list hc = autograd::record(
      "lstm_cell", {gates, c}, {out.h1, out.c1}, {gates, c, out.c1, out.acts}, [](Node& n, const tensor_list& gys) {
        if (!is_grad_enabled()) {
          auto g = kernel::lstm_cell_backward(n.saved(3), n.saved(1), n.saved(2), gys[0], gys[1], "lstm_cell");
          return tensor_list{g.gates, g.c};
        }
        // Higher orders: the same gradients composed from the inputs, so they differentiate.
        const Tensor c = n.saved(1);
        const tensor_list pre = chunk(n.saved(0), 4, 1);
        const Tensor i = sigmoid(pre[0]), f = sigmoid(pre[1]), g = tanh(pre[2]), o = sigmoid(pre[3]);
        const Tensor tc = tanh(f * c + i * g);
        const Tensor dct = gys[1] + gys[0] * o * (1.0 - tc * tc);
        return tensor_list{cat({dct * g * i * (1.0 - i), dct * c * f * (1.0 - f), dct * i * (1.0 - g * g),
                                gys[0] * tc * o * (1.0 - o)},
                               1),
                           dct * f};
      });
  return {hc[0], hc[1]};
}

Tensor gru_pointwise(const Tensor& xp, const Tensor& hp, const Tensor& h) {
  if (!fusable({&xp, &hp, &h})) return gru_composed(xp, hp, h);
  auto out = kernel::gru_cell_forward(xp, hp, h, "gru_cell");
  return autograd::record(
      "gru_cell", {xp, hp, h}, tensor_list{out.h1}, {xp, hp, h, out.acts}, [](Node& n, const tensor_list& gys) {
        if (!is_grad_enabled()) {
          auto g = kernel::gru_cell_backward(n.saved(3), n.saved(1), n.saved(2), gys[0], "gru_cell");
          return tensor_list{g.xp, g.hp, g.h};
        }
        const Tensor h = n.saved(2), dh1 = gys[0];
        const tensor_list gi = chunk(n.saved(0), 3, 1), gh = chunk(n.saved(1), 3, 1);
        const Tensor r = sigmoid(gi[0] + gh[0]), z = sigmoid(gi[1] + gh[1]);
        const Tensor nn = tanh(gi[2] + r * gh[2]);
        const Tensor dn = dh1 * (1.0 - z) * (1.0 - nn * nn);
        const Tensor dr = dn * gh[2] * r * (1.0 - r);
        const Tensor dz = dh1 * (h - nn) * z * (1.0 - z);
        return tensor_list{cat({dr, dz, dn}, 1), cat({dr, dz, dn * r}, 1), dh1 * z};
      })[0];
}

}  // namespace steps

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
