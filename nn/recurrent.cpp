// RNN, LSTM and GRU layers: stacked, optionally bidirectional, unrolled over the sequence.
// Each layer and direction computes its input projection for all time steps in one matrix
// product, then runs the cell step (nn/recurrent_steps.h) T times; the graph is as long as
// the sequence, which the iterative engine and node destructor handle at any length.
#include <xgrad/detail/format.h>

#include <cmath>

#include <xgrad/autograd.h>
#include <xgrad/nn/init.h>
#include <xgrad/nn/recurrent.h>
#include <xgrad/ops.h>

#include "tensor/checked.h"

#include "autograd/recurrent_steps.h"

namespace xg::nn {

namespace {

std::int64_t gate_count(RNNBase::Mode mode) {
  switch (mode) {
    case RNNBase::Mode::Lstm: return 4;
    case RNNBase::Mode::Gru: return 3;
    default: return 1;
  }
}

const char* mode_name(RNNBase::Mode mode) {
  switch (mode) {
    case RNNBase::Mode::Lstm: return "LSTM";
    case RNNBase::Mode::Gru: return "GRU";
    default: return "RNN";
  }
}

RNNBase::Mode rnn_mode(const RNNOptions& o) {
  if (o.nonlinearity() == "tanh") return RNNBase::Mode::RnnTanh;
  if (o.nonlinearity() == "relu") return RNNBase::Mode::RnnRelu;
  fail("RNN: nonlinearity must be \"tanh\" or \"relu\", got \"", o.nonlinearity(), "\"");
}

RNNBase::Mode fixed_mode(RNNBase::Mode mode, const RNNOptions& o) {
  if (o.nonlinearity() != "tanh")
    fail(mode_name(mode), ": nonlinearity is an RNN option; ", mode_name(mode), " has fixed gates (got \"",
         o.nonlinearity(), "\")");
  return mode;
}

// weight_ih, weight_hh, [bias_ih, bias_hh], [weight_hr]: PyTorch's order in each direction.
std::int64_t tensors_per_direction(const RNNOptions& o) { return (o.bias() ? 4 : 2) + (o.proj_size() > 0 ? 1 : 0); }

}  // namespace

RNNBase::RNNBase(Mode mode, RNNOptions options) : mode_(mode), options_(std::move(options)) {
  const auto& o = options_;
  const char* name = mode_name(mode);
  detail::CallScope call(name);
  if (o.input_size() <= 0 || o.hidden_size() <= 0 || o.num_layers() <= 0)
    fail(name, ": input_size, hidden_size and num_layers must be positive, got ", o.input_size(), ", ",
         o.hidden_size(), ", ", o.num_layers());
  if (!(o.dropout() >= 0 && o.dropout() <= 1)) fail(name, ": dropout must be in [0, 1], got ", o.dropout());
  const std::int64_t H = o.hidden_size(), D = o.bidirectional() ? 2 : 1, P = o.proj_size();
  if (P != 0 && mode != Mode::Lstm) fail(name, ": proj_size is an LSTM option (got ", P, ")");
  if (P < 0 || P >= H) fail(name, ": proj_size must be 0 (none) or in [1, hidden_size ", H, "), got ", P);
  const std::int64_t out = P > 0 ? P : H;  // the features of h and of each direction's output
  // Every size from the options, checked, and all layers' parameters bounded together before
  // the first is made: LSTM(3, 2^62) once wrapped into a (0, 3) weight, num_layers(2^40)
  // reserved without bound.
  using detail::size_add, detail::size_mul;
  const std::int64_t G = size_mul(gate_count(mode), H, name, "gates x hidden_size");
  const auto per_layer = [&](std::int64_t in) {
    const std::int64_t cols = size_add(size_add(in, out, name, "a layer's parameters"), o.bias() ? 2 : 0, name,
                                       "a layer's parameters");
    const std::int64_t one = size_add(size_mul(G, cols, name, "a layer's parameters"), size_mul(P, H, name, "proj_size x hidden_size"),
                                      name, "a layer's parameters");
    return size_mul(one, D, name, "a layer's parameters");
  };
  const std::int64_t upper = o.num_layers() > 1 ? size_mul(o.num_layers() - 1, per_layer(size_mul(out, D, name, "features x directions")), name,
                                                          "the parameters") : 0;
  detail::checked_buffer(size_add(per_layer(o.input_size()), upper, name, "the parameters"), dtype_size(o.dtype()), name,
                         "the parameters");
  const double k = 1.0 / std::sqrt(static_cast<double>(H));
  weights_.reserve(static_cast<std::size_t>(o.num_layers() * D * tensors_per_direction(o)));
  std::vector<std::string> names;
  for (std::int64_t l = 0; l < o.num_layers(); ++l)
    for (std::int64_t d = 0; d < D; ++d) {
      const std::int64_t in = l == 0 ? o.input_size() : out * D;
      const std::string suffix = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      weights_.push_back(empty({G, in}, o.dtype()));
      weights_.push_back(empty({G, out}, o.dtype()));
      names.push_back("weight_ih" + suffix);
      names.push_back("weight_hh" + suffix);
      if (o.bias()) {
        weights_.push_back(empty({G}, o.dtype()));
        weights_.push_back(empty({G}, o.dtype()));
        names.push_back("bias_ih" + suffix);
        names.push_back("bias_hh" + suffix);
      }
      if (P > 0) {
        weights_.push_back(empty({P, H}, o.dtype()));
        names.push_back("weight_hr" + suffix);
      }
    }
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    init::uniform(weights_[i], -k, k);
    register_parameter(names[i], weights_[i]);
  }
}

std::string RNNBase::type_name() const { return mode_name(mode_); }

RNNBase::DirectionWeights RNNBase::direction_weights(std::int64_t layer, std::int64_t direction) const {
  const auto& o = options_;
  const std::int64_t per_dir = tensors_per_direction(o);
  const Tensor* w = &weights_[static_cast<std::size_t>(((o.bidirectional() ? 2 : 1) * layer + direction) * per_dir)];
  return {w[0], w[1], o.bias() ? w[2] : Tensor(), o.bias() ? w[3] : Tensor(), o.proj_size() > 0 ? w[per_dir - 1] : Tensor()};
}

Tensor RNNBase::forward(const Tensor& x) {
  tensor_list state(mode_ == Mode::Lstm ? 2 : 1);
  return run(x, state);
}

Tensor RNNBase::run(const Tensor& x_in, tensor_list& state) {
  const auto& o = options_;
  const char* name = mode_name(mode_);
  detail::CallScope call(name);  // a failure inside (a GPU's out of memory, say) names the layer
  const std::int64_t H = o.hidden_size(), D = o.bidirectional() ? 2 : 1, L = o.num_layers();
  const std::int64_t P = o.proj_size();
  const std::int64_t out = P > 0 ? P : H;  // h's features (c keeps H)
  const char* layout = o.batch_first() ? "(N, T, " : "(T, N, ";
  if (!x_in.defined()) fail(name, ": the input is undefined");
  if (!is_floating(x_in.dtype()))
    fail(name, ": expected a float input, got ", dtype_name(x_in.dtype()), " of shape ", detail::shape_str(x_in.shape()),
         " (token ids go through an nn::Embedding first)");
  if ((x_in.dim() != 3 && x_in.dim() != 2) || x_in.shape().back() != o.input_size())
    fail(name, ": expected input of shape ", layout, o.input_size(), ") (or (T, ", o.input_size(),
         ") unbatched), got ", detail::shape_str(x_in.shape()));
  const bool unbatched = x_in.dim() == 2;
  Tensor x = unbatched ? unsqueeze(x_in, o.batch_first() ? 0 : 1) : x_in;
  if (o.batch_first()) x = transpose(x, 0, 1);  // (T, N, I) from here on
  const std::int64_t T = x.shape()[0], N = x.shape()[1];
  if (T == 0) fail(name, ": the input ", detail::shape_str(x_in.shape()), " has no time steps");

  // Initial states: (L·D, N, F) each (unbatched (L·D, F)), or zeros; F is h's features for
  // h0 (proj_size when projecting) and H for c0.
  std::vector<tensor_list> init(state.size());
  for (std::size_t s = 0; s < state.size(); ++s) {
    const std::int64_t F = s == 0 ? out : H;
    const Shape expected = unbatched ? Shape{L * D, F} : Shape{L * D, N, F};
    if (!state[s].defined()) {
      init[s].assign(static_cast<std::size_t>(L * D),
                     zeros({N, F}, TensorOptions().dtype(weights_[0].dtype()).device(weights_[0].device())));
      continue;
    }
    if (state[s].shape() != expected)
      fail(name, ": expected ", s == 0 ? "h0" : "c0", " of shape ", detail::shape_str(expected), " for input ",
           detail::shape_str(x_in.shape()), ", got ", detail::shape_str(state[s].shape()));
    init[s] = unbind(unbatched ? unsqueeze(state[s], 1) : state[s], 0);
  }

  tensor_list final_h, final_c;
  Tensor layer_in = x;
  for (std::int64_t l = 0; l < L; ++l) {
    tensor_list dir_out;
    for (std::int64_t d = 0; d < D; ++d) {
      const std::size_t idx = static_cast<std::size_t>(l * D + d);
      const DirectionWeights w = direction_weights(l, d);
      if (mode_ == Mode::Lstm || mode_ == Mode::Gru) {  // the direction as one node (autograd/recurrent_layers.cpp)
        const tensor_list yh = mode_ == Mode::Lstm
                                   ? steps::lstm_layer(layer_in, w.w_ih, w.w_hh, w.b_ih, w.b_hh, init[0][idx], init[1][idx],
                                                       d == 1, w.w_hr)
                                   : steps::gru_layer(layer_in, w.w_ih, w.w_hh, w.b_ih, w.b_hh, init[0][idx], d == 1);
        dir_out.push_back(yh[0]);
        final_h.push_back(yh[1]);
        if (mode_ == Mode::Lstm) final_c.push_back(yh[2]);
        continue;
      }
      const std::int64_t in = layer_in.shape()[2];
      // Explicit sizes (no -1): a batch of 0 is valid and gives an empty output, as PyTorch.
      const tensor_list xp =
          steps::time_steps(reshape(linear_t(reshape(layer_in, {T * N, in}), w.w_ih, w.b_ih), {T, N, w.w_ih.size(0)}));
      Tensor h = init[0][idx];
      tensor_list out(static_cast<std::size_t>(T));
      for (std::int64_t s = 0; s < T; ++s) {
        const auto t = static_cast<std::size_t>(d ? T - 1 - s : s);
        h = steps::rnn_step(xp[t], h, w.w_hh, w.b_hh, mode_ == Mode::RnnRelu);
        out[t] = h;
      }
      final_h.push_back(h);
      dir_out.push_back(stack(out, 0));
    }
    layer_in = D == 1 ? dir_out[0] : concat(dir_out, 2);
    if (l + 1 < L && o.dropout() > 0 && is_training()) layer_in = xg::dropout(layer_in, o.dropout(), true);
  }

  Tensor y = o.batch_first() ? transpose(layer_in, 0, 1) : layer_in;
  if (unbatched) y = squeeze(y, o.batch_first() ? 0 : 1);
  const auto finish = [&](const tensor_list& parts) {
    const Tensor s = stack(parts, 0);
    return unbatched ? squeeze(s, 1) : s;
  };
  state[0] = finish(final_h);
  if (mode_ == Mode::Lstm) state[1] = finish(final_c);
  return y;
}

RNN::RNN(const RNNOptions& options) : RNNBase(rnn_mode(options), options) {}

std::tuple<Tensor, Tensor> RNNBase::forward_h(const Tensor& x, const Tensor& h0) {
  tensor_list state{h0};
  Tensor y = run(x, state);
  return {y, state[0]};
}

std::tuple<Tensor, Tensor> RNNBase::call_h(const Tensor& x, const Tensor& h0) {
  Tensor h_n;
  Tensor y = call(x, [&](const Tensor& input) {
    Tensor out;
    std::tie(out, h_n) = forward_h(input, h0);
    return out;
  });
  return {y, h_n};
}

LSTM::LSTM(const LSTMOptions& options) : RNNBase(fixed_mode(Mode::Lstm, options), options) {}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTM::forward(const Tensor& x, const std::tuple<Tensor, Tensor>& hx) {
  tensor_list state{std::get<0>(hx), std::get<1>(hx)};
  if (state[0].defined() != state[1].defined()) fail("LSTM: give both h0 and c0, or neither");
  Tensor y = run(x, state);
  return {y, {state[0], state[1]}};
}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTM::operator()(const Tensor& x, const std::tuple<Tensor, Tensor>& hx) {
  std::tuple<Tensor, Tensor> final_state;
  Tensor y = call(x, [&](const Tensor& input) {
    Tensor out;
    std::tie(out, final_state) = forward(input, hx);
    return out;
  });
  return {y, final_state};
}

GRU::GRU(const GRUOptions& options) : RNNBase(fixed_mode(Mode::Gru, options), options) {}

}  // namespace xg::nn
