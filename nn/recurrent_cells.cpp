// RNNCell, LSTMCell and GRUCell: one time step, for loops the user writes (decoders,
// custom recurrences): the modules of xg::rnn_tanh_cell, lstm_cell and gru_cell.
#include <xgrad/detail/format.h>

#include <cmath>

#include <xgrad/nn/init.h>
#include <xgrad/nn/recurrent.h>
#include <xgrad/ops.h>

#include "tensor/checked.h"

namespace xg::nn {

RNNCellBase::RNNCellBase(const char* name, std::int64_t input_size, std::int64_t hidden_size, bool bias,
                         std::int64_t gates, Dtype dtype)
    : name_(name), input_size_(input_size), hidden_size_(hidden_size) {
  detail::CallScope call(name);
  if (input_size <= 0 || hidden_size <= 0)
    fail(name, ": input_size and hidden_size must be positive, got ", input_size, ", ", hidden_size);
  // Checked and bounded before anything is made: (3, 2^62) once wrapped into a (0, 3) weight.
  using detail::size_add, detail::size_mul;
  const std::int64_t G = size_mul(gates, hidden_size, name, "gates x hidden_size");
  const std::int64_t cols = size_add(size_add(input_size, hidden_size, name, "the parameters"), bias ? 2 : 0, name,
                                     "the parameters");
  detail::checked_buffer(size_mul(G, cols, name, "the parameters"), dtype_size(dtype), name, "the parameters");
  const double k = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  weight_ih = empty({G, input_size}, dtype);
  weight_hh = empty({G, hidden_size}, dtype);
  register_parameter("weight_ih", init::uniform(weight_ih, -k, k));
  register_parameter("weight_hh", init::uniform(weight_hh, -k, k));
  if (bias) {
    bias_ih = empty({G}, dtype);
    bias_hh = empty({G}, dtype);
    register_parameter("bias_ih", init::uniform(bias_ih, -k, k));
    register_parameter("bias_hh", init::uniform(bias_hh, -k, k));
  }
}

std::pair<Tensor, bool> RNNCellBase::batched(const Tensor& x) const {
  if (!x.defined()) fail(name_, ": the input is undefined");
  if (!is_floating(x.dtype()))
    fail(name_, ": expected a float input, got ", dtype_name(x.dtype()), " of shape ", detail::shape_str(x.shape()));
  if ((x.dim() != 2 && x.dim() != 1) || x.shape().back() != input_size_)
    fail(name_, ": expected input of shape (N, ", input_size_, ") or (", input_size_, "), got ",
         detail::shape_str(x.shape()));
  return {x.dim() == 1 ? unsqueeze(x, 0) : x, x.dim() == 1};
}

Tensor RNNCellBase::state(const Tensor& s, const char* what, std::int64_t n, bool unbatched, Dtype dtype) const {
  if (!s.defined()) return zeros({n, hidden_size_}, TensorOptions().dtype(dtype).device(weight_ih.device()));
  const Shape expected = unbatched ? Shape{hidden_size_} : Shape{n, hidden_size_};
  if (s.shape() != expected)
    fail(name_, ": expected ", what, " of shape ", detail::shape_str(expected), " for input of ",
         unbatched ? "shape (" + std::to_string(input_size_) + ")" : "batch " + std::to_string(n), ", got ",
         detail::shape_str(s.shape()));
  return unbatched ? unsqueeze(s, 0) : s;
}

RNNCell::RNNCell(std::int64_t input_size, std::int64_t hidden_size, bool bias, std::string nonlinearity, Dtype dtype)
    : RNNCellBase("RNNCell", input_size, hidden_size, bias, 1, dtype), relu_(nonlinearity == "relu") {
  if (nonlinearity != "tanh" && nonlinearity != "relu")
    fail("RNNCell: nonlinearity must be \"tanh\" or \"relu\", got \"", nonlinearity, "\"");
}

Tensor RNNCell::forward(const Tensor& x_in, const Tensor& h_in) {
  const auto [x, unbatched] = batched(x_in);
  const Tensor h = state(h_in, "h", x.shape()[0], unbatched, weight_ih.dtype());
  const Tensor h1 = (relu_ ? rnn_relu_cell : rnn_tanh_cell)(x, h, weight_ih, weight_hh, bias_ih, bias_hh);
  return unbatched ? squeeze(h1, 0) : h1;
}

Tensor RNNCell::operator()(const Tensor& x, const Tensor& h) {
  return call(x, [&](const Tensor& input) { return forward(input, h); });
}

LSTMCell::LSTMCell(std::int64_t input_size, std::int64_t hidden_size, bool bias, Dtype dtype)
    : RNNCellBase("LSTMCell", input_size, hidden_size, bias, 4, dtype) {}

std::tuple<Tensor, Tensor> LSTMCell::forward(const Tensor& x_in, const std::tuple<Tensor, Tensor>& hx) {
  const auto [x, unbatched] = batched(x_in);
  if (std::get<0>(hx).defined() != std::get<1>(hx).defined()) fail("LSTMCell: give both h and c, or neither");
  const std::int64_t n = x.shape()[0];
  const Tensor h = state(std::get<0>(hx), "h", n, unbatched, weight_ih.dtype());
  const Tensor c = state(std::get<1>(hx), "c", n, unbatched, weight_ih.dtype());
  auto [h1, c1] = lstm_cell(x, {h, c}, weight_ih, weight_hh, bias_ih, bias_hh);
  if (unbatched) return {squeeze(h1, 0), squeeze(c1, 0)};
  return {h1, c1};
}

std::tuple<Tensor, Tensor> LSTMCell::operator()(const Tensor& x, const std::tuple<Tensor, Tensor>& hx) {
  Tensor c1;
  Tensor h1 = call(x, [&](const Tensor& input) {
    Tensor h;
    std::tie(h, c1) = forward(input, hx);
    return h;
  });
  return {h1, c1};
}

GRUCell::GRUCell(std::int64_t input_size, std::int64_t hidden_size, bool bias, Dtype dtype)
    : RNNCellBase("GRUCell", input_size, hidden_size, bias, 3, dtype) {}

Tensor GRUCell::forward(const Tensor& x_in, const Tensor& h_in) {
  const auto [x, unbatched] = batched(x_in);
  const Tensor h = state(h_in, "h", x.shape()[0], unbatched, weight_ih.dtype());
  const Tensor h1 = gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh);
  return unbatched ? squeeze(h1, 0) : h1;
}

Tensor GRUCell::operator()(const Tensor& x, const Tensor& h) {
  return call(x, [&](const Tensor& input) { return forward(input, h); });
}

}  // namespace xg::nn
