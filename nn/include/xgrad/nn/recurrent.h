// Recurrent layers: RNN (tanh or relu), LSTM and GRU, and their single-step cells, with
// libtorch's options, semantics and PyTorch's parameter names and layouts, so weights
// exported from PyTorch load with xg::load and give the same outputs.
//
//   xg::nn::LSTM lstm(xg::nn::LSTMOptions(1, 100));
//   auto [y, state] = lstm(x, {h, c});        // x (T, N, 1) -> y (T, N, 100)
//   auto [h1, c1] = state;                    // (num_layers * directions, N, 100) each
//
// forward(x) with one tensor (the Module interface, so Sequential and summary work) starts
// from a zero state and returns the output sequence only. forward_with_packed_input runs a
// PackedSequence (xgrad/nn/rnn_utils.h): each sequence for its own length only.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include <xgrad/nn/module.h>
#include <xgrad/nn/options.h>
#include <xgrad/nn/rnn_utils.h>

namespace xg::nn {

/// Options of RNN, LSTM and GRU, as libtorch's RNNOptions / LSTMOptions / GRUOptions.
class RNNOptions {
 public:
  RNNOptions(std::int64_t input_size, std::int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  /// Stacked layers; layer l > 0 reads layer l - 1's output sequence.
  RNNOptions& num_layers(std::int64_t v) { num_layers_ = v; return *this; }
  /// "tanh" or "relu" (RNN only; LSTM and GRU have fixed gates); or libtorch's tags
  /// xg::kTanh, xg::kReLU.
  RNNOptions& nonlinearity(std::string v) { nonlinearity_ = std::move(v); return *this; }
  RNNOptions& nonlinearity(Nonlinearity v) {
    nonlinearity_ = v == Nonlinearity::Tanh ? "tanh" : v == Nonlinearity::ReLU ? "relu" : "(not tanh or relu)";
    return *this;
  }
  /// Whether the layers have the biases b_ih and b_hh.
  RNNOptions& bias(bool v) { bias_ = v; return *this; }
  /// Input and output as (N, T, features) instead of (T, N, features); states keep (L·D, N, H).
  RNNOptions& batch_first(bool v) { batch_first_ = v; return *this; }
  /// Dropout probability on each layer's output but the last, in training mode.
  RNNOptions& dropout(double v) { dropout_ = v; return *this; }
  /// A second pass over the reversed sequence; outputs concatenated (features 2H).
  RNNOptions& bidirectional(bool v) { bidirectional_ = v; return *this; }
  /// LSTM only (libtorch's LSTMOptions::proj_size): each step's h is projected to proj_size
  /// features by weight_hr (proj_size, hidden_size), so outputs and h are (.., proj_size)
  /// and c stays (.., hidden_size). 0 (the default) projects nothing; else < hidden_size.
  RNNOptions& proj_size(std::int64_t v) { proj_size_ = v; return *this; }
  RNNOptions& dtype(Dtype v) { dtype_ = v; return *this; }

  std::int64_t input_size() const { return input_size_; }
  std::int64_t hidden_size() const { return hidden_size_; }
  std::int64_t num_layers() const { return num_layers_; }
  const std::string& nonlinearity() const { return nonlinearity_; }
  bool bias() const { return bias_; }
  bool batch_first() const { return batch_first_; }
  double dropout() const { return dropout_; }
  bool bidirectional() const { return bidirectional_; }
  std::int64_t proj_size() const { return proj_size_; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t input_size_, hidden_size_, num_layers_ = 1, proj_size_ = 0;
  std::string nonlinearity_ = "tanh";
  bool bias_ = true, batch_first_ = false, bidirectional_ = false;
  double dropout_ = 0.0;
  Dtype dtype_ = kFloat32;
};
using LSTMOptions = RNNOptions;
using GRUOptions = RNNOptions;

/// What RNN, LSTM and GRU share: the parameters weight_ih_l{k}[_reverse] ((G·H, in)),
/// weight_hh_l{k}[_reverse] ((G·H, H)), bias_ih_l{k}[_reverse], bias_hh_l{k}[_reverse]
/// ((G·H)), with G gates (1, 4 or 3), all initialised U(-1/√H, 1/√H) as PyTorch. An LSTM
/// with proj_size P adds weight_hr_l{k}[_reverse] ((P, H)) after the biases, and its
/// weight_hh is (4H, P).
class RNNBase : public Module {
 public:
  enum class Mode { RnnTanh, RnnRelu, Lstm, Gru };
  const RNNOptions& options() const { return options_; }
  /// The parameters in PyTorch's order: per layer and direction w_ih, w_hh[, b_ih, b_hh][, w_hr].
  const std::vector<Tensor>& flat_weights() const { return weights_; }
  /// The output sequence from a zero initial state.
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override;

 protected:
  RNNBase(Mode mode, RNNOptions options);
  /// The output sequence and the final states (h_n, and c_n for the LSTM); `state` holds
  /// the initial ones (undefined = zeros).
  Tensor run(const Tensor& x, tensor_list& state);
  /// The packed output and the final states (nn/recurrent_packed.cpp): each sequence stops
  /// at its own last step (the reverse direction starts there); `state` in the batch's
  /// original order, as the results.
  utils::rnn::PackedSequence run_packed(const utils::rnn::PackedSequence& x, tensor_list& state);
  std::tuple<utils::rnn::PackedSequence, Tensor> packed_h(const utils::rnn::PackedSequence& x, const Tensor& h0);
  /// (output, h_n), for RNN and GRU: without and with the module's hooks.
  std::tuple<Tensor, Tensor> forward_h(const Tensor& x, const Tensor& h0);
  std::tuple<Tensor, Tensor> call_h(const Tensor& x, const Tensor& h0);
  /// One direction's parameters of one layer (undefined: the biases without bias, w_hr
  /// without proj_size); direction 1 is the reverse one.
  struct DirectionWeights {
    Tensor w_ih, w_hh, b_ih, b_hh, w_hr;
  };
  DirectionWeights direction_weights(std::int64_t layer, std::int64_t direction) const;
  Mode mode_;

 private:
  RNNOptions options_;
  std::vector<Tensor> weights_;  // reserved once: the registry refers to its elements
};

/// Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or relu.
class RNN : public RNNBase {
 public:
  explicit RNN(const RNNOptions& options);
  RNN(std::int64_t input_size, std::int64_t hidden_size) : RNN(RNNOptions(input_size, hidden_size)) {}
  using RNNBase::forward;
  using Module::operator();
  /// (output, h_n) from x and the initial h0 (L·D, N, H) (undefined = zeros).
  std::tuple<Tensor, Tensor> forward(const Tensor& x, const Tensor& h0) { return forward_h(x, h0); }
  /// The same with this module's hooks (they see x and the output sequence).
  std::tuple<Tensor, Tensor> operator()(const Tensor& x, const Tensor& h0) { return call_h(x, h0); }
  /// (packed output, h_n) of sequences of different lengths, each run for its own steps;
  /// h0 and h_n (L·D, N, H) in the batch's original order. No hooks run (as libtorch's).
  std::tuple<utils::rnn::PackedSequence, Tensor> forward_with_packed_input(const utils::rnn::PackedSequence& packed_input,
                                                                          const Tensor& hx = Tensor()) {
    return packed_h(packed_input, hx);
  }
};

/// LSTM with gates i, f, g, o (in that order in the weights): c_t = f c_{t-1} + i g,
/// h_t = o tanh(c_t).
class LSTM : public RNNBase {
 public:
  explicit LSTM(const LSTMOptions& options);
  LSTM(std::int64_t input_size, std::int64_t hidden_size) : LSTM(LSTMOptions(input_size, hidden_size)) {}
  using RNNBase::forward;
  using Module::operator();
  /// (output, (h_n, c_n)) from x and the initial (h0, c0) (undefined = zeros).
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(const Tensor& x, const std::tuple<Tensor, Tensor>& hx);
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> operator()(const Tensor& x, const std::tuple<Tensor, Tensor>& hx);
  /// (packed output, (h_n, c_n)) of sequences of different lengths, as RNN's.
  std::tuple<utils::rnn::PackedSequence, std::tuple<Tensor, Tensor>> forward_with_packed_input(
      const utils::rnn::PackedSequence& packed_input, const std::tuple<Tensor, Tensor>& hx = {});
};

/// GRU with gates r, z, n (in that order): n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn))
/// (the reset gate applied after the hidden matmul, as PyTorch), h_t = (1 - z) n + z h_{t-1}.
class GRU : public RNNBase {
 public:
  explicit GRU(const GRUOptions& options);
  GRU(std::int64_t input_size, std::int64_t hidden_size) : GRU(GRUOptions(input_size, hidden_size)) {}
  using RNNBase::forward;
  using Module::operator();
  std::tuple<Tensor, Tensor> forward(const Tensor& x, const Tensor& h0) { return forward_h(x, h0); }
  std::tuple<Tensor, Tensor> operator()(const Tensor& x, const Tensor& h0) { return call_h(x, h0); }
  std::tuple<utils::rnn::PackedSequence, Tensor> forward_with_packed_input(const utils::rnn::PackedSequence& packed_input,
                                                                          const Tensor& hx = Tensor()) {
    return packed_h(packed_input, hx);
  }
};

/// Options of RNNCell, LSTMCell and GRUCell, as libtorch's RNNCellOptions / LSTMCellOptions /
/// GRUCellOptions.
class RNNCellOptions {
 public:
  RNNCellOptions(std::int64_t input_size, std::int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  RNNCellOptions& input_size(std::int64_t v) { input_size_ = v; return *this; }
  std::int64_t input_size() const { return input_size_; }
  RNNCellOptions& hidden_size(std::int64_t v) { hidden_size_ = v; return *this; }
  std::int64_t hidden_size() const { return hidden_size_; }
  RNNCellOptions& bias(bool v) { bias_ = v; return *this; }
  bool bias() const { return bias_; }
  /// RNNCell only: "tanh" or "relu", or xg::kTanh / xg::kReLU.
  RNNCellOptions& nonlinearity(std::string v) { nonlinearity_ = std::move(v); return *this; }
  RNNCellOptions& nonlinearity(Nonlinearity v) {
    nonlinearity_ = v == Nonlinearity::Tanh ? "tanh" : v == Nonlinearity::ReLU ? "relu" : "(not tanh or relu)";
    return *this;
  }
  const std::string& nonlinearity() const { return nonlinearity_; }
  RNNCellOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t input_size_, hidden_size_;
  bool bias_ = true;
  std::string nonlinearity_ = "tanh";
  Dtype dtype_ = kFloat32;
};
using LSTMCellOptions = RNNCellOptions;
using GRUCellOptions = RNNCellOptions;

/// One time step: parameters weight_ih (G·H, I), weight_hh (G·H, H), bias_ih, bias_hh.
/// Inputs are (N, I) or unbatched (I); states (N, H) or (H).
class RNNCellBase : public Module {
 public:
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;
  std::int64_t input_size() const { return input_size_; }
  std::int64_t hidden_size() const { return hidden_size_; }

 protected:
  RNNCellBase(const char* name, std::int64_t input_size, std::int64_t hidden_size, bool bias, std::int64_t gates,
              Dtype dtype);
  /// x as (N, I) (unbatched inputs get N = 1), and whether it was unbatched.
  std::pair<Tensor, bool> batched(const Tensor& x) const;
  /// A given state checked to be (N, H) (or (H) unbatched), or zeros.
  Tensor state(const Tensor& s, const char* what, std::int64_t n, bool unbatched, Dtype dtype) const;

 private:
  const char* name_;
  std::int64_t input_size_, hidden_size_;
};

class RNNCell : public RNNCellBase {
 public:
  /// nonlinearity "tanh" or "relu".
  RNNCell(std::int64_t input_size, std::int64_t hidden_size, bool bias = true, std::string nonlinearity = "tanh",
          Dtype dtype = kFloat32);
  explicit RNNCell(const RNNCellOptions& o)
      : RNNCell(o.input_size(), o.hidden_size(), o.bias(), o.nonlinearity(), o.dtype()) {}
  /// The next hidden state from a zero one.
  Tensor forward(const Tensor& x) override { return forward(x, Tensor()); }
  Tensor forward(const Tensor& x, const Tensor& h);
  using Module::operator();
  Tensor operator()(const Tensor& x, const Tensor& h);

 private:
  bool relu_;
};

class LSTMCell : public RNNCellBase {
 public:
  LSTMCell(std::int64_t input_size, std::int64_t hidden_size, bool bias = true, Dtype dtype = kFloat32);
  explicit LSTMCell(const LSTMCellOptions& o) : LSTMCell(o.input_size(), o.hidden_size(), o.bias(), o.dtype()) {}
  /// The next h from a zero state (the one-tensor Module interface).
  Tensor forward(const Tensor& x) override { return std::get<0>(forward(x, {})); }
  /// The next (h, c) from (h, c) (undefined = zeros).
  std::tuple<Tensor, Tensor> forward(const Tensor& x, const std::tuple<Tensor, Tensor>& hx);
  using Module::operator();
  std::tuple<Tensor, Tensor> operator()(const Tensor& x, const std::tuple<Tensor, Tensor>& hx);
};

class GRUCell : public RNNCellBase {
 public:
  GRUCell(std::int64_t input_size, std::int64_t hidden_size, bool bias = true, Dtype dtype = kFloat32);
  explicit GRUCell(const GRUCellOptions& o) : GRUCell(o.input_size(), o.hidden_size(), o.bias(), o.dtype()) {}
  Tensor forward(const Tensor& x) override { return forward(x, Tensor()); }
  Tensor forward(const Tensor& x, const Tensor& h);
  using Module::operator();
  Tensor operator()(const Tensor& x, const Tensor& h);
};

}  // namespace xg::nn
