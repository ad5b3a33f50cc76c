// RNN, LSTM and GRU over a PackedSequence: sequences of different lengths, each run for its
// own steps. The batch is sorted longest first, so the sequences still running at step t are
// the first batch_sizes[t] rows: each step narrows the state to them (no mask, no work on
// padding), as PyTorch's packed path does. A sequence's final state is its state when it
// drops out; the reverse direction starts each sequence at its own last step. The steps are
// the cells' (autograd/recurrent_steps.h), so every derivative order composes; the padded
// path's one-node layers (autograd/recurrent_layers.cpp) need one length for all.
#include <string>

#include <xgrad/detail/format.h>
#include <xgrad/nn/recurrent.h>
#include <xgrad/ops.h>

#include "tensor/checked.h"

#include "autograd/recurrent_steps.h"

namespace xg::nn {

using utils::rnn::PackedSequence;

namespace {

// The concatenation of the pieces, or the piece itself when there is one.
Tensor join(const tensor_list& parts) { return parts.size() == 1 ? parts[0] : concat(parts, 0); }

}  // namespace

PackedSequence RNNBase::run_packed(const PackedSequence& packed, tensor_list& state) {
  const auto& o = options_;
  const std::string type = type_name();
  const char* name = type.c_str();
  detail::CallScope call(name);
  const Tensor& data = packed.data();
  if (!data.defined()) fail(name, ": the PackedSequence is empty (default-constructed)");
  if (!is_floating(data.dtype()))
    fail(name, ": expected float packed data, got ", dtype_name(data.dtype()), " of shape ", detail::shape_str(data.shape()));
  if (data.dim() != 2 || data.shape()[1] != o.input_size())
    fail(name, ": expected packed data of shape (steps, ", o.input_size(), "), got ", detail::shape_str(data.shape()));
  const std::vector<std::int64_t>& bs = packed.host_batch_sizes();
  const std::int64_t T = static_cast<std::int64_t>(bs.size()), N = bs[0];
  const std::int64_t H = o.hidden_size(), D = o.bidirectional() ? 2 : 1, L = o.num_layers();
  const std::int64_t F = o.proj_size() > 0 ? o.proj_size() : H;

  // Initial states (L·D, N, features) in the batch's order, taken to the sorted order.
  std::vector<tensor_list> init(state.size());
  for (std::size_t s = 0; s < state.size(); ++s) {
    const std::int64_t features = s == 0 ? F : H;
    const Shape expected{L * D, N, features};
    if (!state[s].defined()) {
      init[s].assign(static_cast<std::size_t>(L * D),
                     zeros({N, features}, TensorOptions().dtype(weights_[0].dtype()).device(weights_[0].device())));
      continue;
    }
    if (state[s].shape() != expected)
      fail(name, ": expected ", s == 0 ? "h0" : "c0", " of shape ", detail::shape_str(expected), " for ", N,
           " packed sequences, got ", detail::shape_str(state[s].shape()));
    init[s] = unbind(packed.sorted_indices().defined() ? index_select(state[s], 1, packed.sorted_indices()) : state[s], 0);
  }
  const bool lstm = mode_ == Mode::Lstm;

  tensor_list final_h, final_c;
  Tensor layer_in = data;
  for (std::int64_t l = 0; l < L; ++l) {
    tensor_list dir_out;
    for (std::int64_t d = 0; d < D; ++d) {
      const std::size_t idx = static_cast<std::size_t>(l * D + d);
      const DirectionWeights w = direction_weights(l, d);
      // Every step's input projection in one product, split into the steps' rows by one node
      // (its gradient one concat; a narrow per step would build a full-size gradient each).
      const tensor_list xp = split(linear_t(layer_in, w.w_ih, w.b_ih), bs, 0);
      const auto step = [&](std::int64_t t, Tensor& h, Tensor& c) {
        const Tensor& x_t = xp[static_cast<std::size_t>(t)];
        if (mode_ == Mode::Gru) {
          h = steps::gru_step(x_t, h, w.w_hh, w.b_hh);
        } else if (lstm) {
          std::tie(h, c) = steps::lstm_step(x_t, h, c, w.w_hh, w.b_hh);
          if (w.w_hr.defined()) h = linear_t(h, w.w_hr);  // LSTMP: h W_hr^T
        } else {
          h = steps::rnn_step(x_t, h, w.w_hh, w.b_hh, mode_ == Mode::RnnRelu);
        }
      };
      const Tensor& h0 = init[0][idx];
      const Tensor c0 = lstm ? init[1][idx] : Tensor();
      tensor_list out(static_cast<std::size_t>(T));
      Tensor h, c;
      if (d == 0) {
        // Forward: the rows that stop before step t keep the state they reached.
        tensor_list done_h, done_c;  // pieces from the last rows up
        h = h0, c = c0;
        for (std::int64_t t = 0; t < T; ++t) {
          const std::int64_t rows = h.shape()[0], running = bs[static_cast<std::size_t>(t)];
          if (running < rows) {
            done_h.push_back(narrow(h, 0, running, rows - running));
            h = narrow(h, 0, 0, running);
            if (lstm) {
              done_c.push_back(narrow(c, 0, running, rows - running));
              c = narrow(c, 0, 0, running);
            }
          }
          step(t, h, c);
          out[static_cast<std::size_t>(t)] = h;
        }
        done_h.push_back(h);
        final_h.push_back(join(tensor_list(done_h.rbegin(), done_h.rend())));
        if (lstm) {
          done_c.push_back(c);
          final_c.push_back(join(tensor_list(done_c.rbegin(), done_c.rend())));
        }
      } else {
        // Reverse: a sequence joins, from its initial state, at its own last step.
        for (std::int64_t t = T - 1; t >= 0; --t) {
          const std::int64_t rows = h.defined() ? h.shape()[0] : 0, running = bs[static_cast<std::size_t>(t)];
          if (running > rows) {
            const Tensor h_new = narrow(h0, 0, rows, running - rows);
            h = rows == 0 ? h_new : concat({h, h_new}, 0);
            if (lstm) {
              const Tensor c_new = narrow(c0, 0, rows, running - rows);
              c = rows == 0 ? c_new : concat({c, c_new}, 0);
            }
          }
          step(t, h, c);
          out[static_cast<std::size_t>(t)] = h;
        }
        final_h.push_back(h);
        if (lstm) final_c.push_back(c);
      }
      dir_out.push_back(join(out));
    }
    layer_in = D == 1 ? dir_out[0] : concat(dir_out, 1);
    if (l + 1 < L && o.dropout() > 0 && is_training()) layer_in = xg::dropout(layer_in, o.dropout(), true);
  }

  // Final states back in the batch's order.
  const auto finish = [&](const tensor_list& parts) {
    const Tensor s = stack(parts, 0);
    return packed.unsorted_indices().defined() ? index_select(s, 1, packed.unsorted_indices()) : s;
  };
  state[0] = finish(final_h);
  if (lstm) state[1] = finish(final_c);
  return packed.with_data(layer_in);
}

std::tuple<PackedSequence, Tensor> RNNBase::packed_h(const PackedSequence& x, const Tensor& h0) {
  tensor_list state{h0};
  PackedSequence y = run_packed(x, state);
  return {y, state[0]};
}

std::tuple<PackedSequence, std::tuple<Tensor, Tensor>> LSTM::forward_with_packed_input(const PackedSequence& packed_input,
                                                                                      const std::tuple<Tensor, Tensor>& hx) {
  tensor_list state{std::get<0>(hx), std::get<1>(hx)};
  if (state[0].defined() != state[1].defined()) fail("LSTM: give both h0 and c0, or neither");
  PackedSequence y = run_packed(packed_input, state);
  return {y, {state[0], state[1]}};
}

}  // namespace xg::nn
