// The Transformer layers, libtorch's torch::nn::TransformerEncoderLayer, TransformerDecoderLayer,
// TransformerEncoder, TransformerDecoder and Transformer: their options, PyTorch's parameter
// names (self_attn.in_proj_weight, linear1.weight, norm1.weight, ...) and initialisation, and
// their forward's arguments. Masks have MultiheadAttention's meanings (nn/attention.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <xgrad/nn/attention.h>
#include <xgrad/nn/layers.h>

namespace xg::nn {

/// The feed-forward activation: "relu" or "gelu" (libtorch's kReLU / kGELU), or any function.
class TransformerActivation {
 public:
  TransformerActivation(const char* name) : TransformerActivation(std::string(name)) {}  // NOLINT: implicit
  TransformerActivation(const std::string& name);                                          // NOLINT: implicit
  TransformerActivation(std::function<Tensor(const Tensor&)> fn) : name_("custom"), fn_(std::move(fn)) {}  // NOLINT
  Tensor operator()(const Tensor& x) const { return fn_(x); }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::function<Tensor(const Tensor&)> fn_;
};

/// Options shared by the encoder and decoder layers (libtorch's TransformerEncoderLayerOptions
/// and TransformerDecoderLayerOptions; PyTorch's defaults).
class TransformerLayerOptions {
 public:
  TransformerLayerOptions(std::int64_t d_model, std::int64_t nhead) : d_model_(d_model), nhead_(nhead) {}
  TransformerLayerOptions& d_model(std::int64_t v) { d_model_ = v; return *this; }
  std::int64_t d_model() const { return d_model_; }
  TransformerLayerOptions& nhead(std::int64_t v) { nhead_ = v; return *this; }
  std::int64_t nhead() const { return nhead_; }
  TransformerLayerOptions& dim_feedforward(std::int64_t v) { dim_feedforward_ = v; return *this; }
  std::int64_t dim_feedforward() const { return dim_feedforward_; }
  TransformerLayerOptions& dropout(double v) { dropout_ = v; return *this; }
  double dropout() const { return dropout_; }
  TransformerLayerOptions& activation(TransformerActivation v) { activation_ = std::move(v); return *this; }
  const TransformerActivation& activation() const { return activation_; }
  TransformerLayerOptions& layer_norm_eps(double v) { layer_norm_eps_ = v; return *this; }
  double layer_norm_eps() const { return layer_norm_eps_; }
  /// (batch, seq, feature) inputs instead of (seq, batch, feature).
  TransformerLayerOptions& batch_first(bool v) { batch_first_ = v; return *this; }
  bool batch_first() const { return batch_first_; }
  /// Pre-norm (x + f(norm(x))) instead of post-norm (norm(x + f(x))).
  TransformerLayerOptions& norm_first(bool v) { norm_first_ = v; return *this; }
  bool norm_first() const { return norm_first_; }
  TransformerLayerOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t d_model_, nhead_;
  std::int64_t dim_feedforward_ = 2048;
  double dropout_ = 0.1;
  TransformerActivation activation_{"relu"};
  double layer_norm_eps_ = 1e-5;
  bool batch_first_ = false, norm_first_ = false;
  Dtype dtype_ = kFloat32;
};
using TransformerEncoderLayerOptions = TransformerLayerOptions;
using TransformerDecoderLayerOptions = TransformerLayerOptions;

/// Self-attention and a feed-forward block (linear1, activation, dropout, linear2), each
/// with a residual connection, dropout and a LayerNorm (norm1, norm2).
class TransformerEncoderLayer : public Module {
 public:
  explicit TransformerEncoderLayer(const TransformerLayerOptions& options);
  TransformerEncoderLayer(std::int64_t d_model, std::int64_t nhead)
      : TransformerEncoderLayer(TransformerLayerOptions(d_model, nhead)) {}
  Tensor forward(const Tensor& src) override { return forward(src, Tensor(), Tensor()); }
  Tensor forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask = Tensor());
  using Module::operator();
  Tensor operator()(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask = Tensor());
  const TransformerLayerOptions& options() const { return options_; }

  std::shared_ptr<MultiheadAttention> self_attn;
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<LayerNorm> norm1, norm2;

 private:
  TransformerLayerOptions options_;
};

/// Self-attention over the target, attention to the encoder's output (memory), and a
/// feed-forward block, each with a residual connection, dropout and a LayerNorm (norm1..3).
class TransformerDecoderLayer : public Module {
 public:
  explicit TransformerDecoderLayer(const TransformerLayerOptions& options);
  TransformerDecoderLayer(std::int64_t d_model, std::int64_t nhead)
      : TransformerDecoderLayer(TransformerLayerOptions(d_model, nhead)) {}
  /// A decoder layer needs the memory: this throws, naming forward(tgt, memory, ...).
  Tensor forward(const Tensor& tgt) override;
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = Tensor(),
                 const Tensor& memory_mask = Tensor(), const Tensor& tgt_key_padding_mask = Tensor(),
                 const Tensor& memory_key_padding_mask = Tensor());
  using Module::operator();
  Tensor operator()(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = Tensor(),
                    const Tensor& memory_mask = Tensor(), const Tensor& tgt_key_padding_mask = Tensor(),
                    const Tensor& memory_key_padding_mask = Tensor());
  const TransformerLayerOptions& options() const { return options_; }

  std::shared_ptr<MultiheadAttention> self_attn, multihead_attn;
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<LayerNorm> norm1, norm2, norm3;

 private:
  TransformerLayerOptions options_;
};

/// num_layers encoder (decoder) layers of one configuration, all starting from the same
/// weights (PyTorch deep-copies its layer), then an optional final LayerNorm `norm`.
class TransformerEncoderOptions {
 public:
  TransformerEncoderOptions(TransformerLayerOptions layer, std::int64_t num_layers)
      : layer_(std::move(layer)), num_layers_(num_layers) {}
  const TransformerLayerOptions& encoder_layer() const { return layer_; }
  std::int64_t num_layers() const { return num_layers_; }
  /// A final LayerNorm(d_model) after the last layer (what pre-norm stacks need).
  TransformerEncoderOptions& norm(bool v) { norm_ = v; return *this; }
  bool norm() const { return norm_; }

 private:
  TransformerLayerOptions layer_;
  std::int64_t num_layers_;
  bool norm_ = false;
};
using TransformerDecoderOptions = TransformerEncoderOptions;

class TransformerEncoder : public Module {
 public:
  explicit TransformerEncoder(const TransformerEncoderOptions& options);
  Tensor forward(const Tensor& src) override { return forward(src, Tensor(), Tensor()); }
  Tensor forward(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask = Tensor());
  using Module::operator();
  Tensor operator()(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask = Tensor());
  std::vector<std::shared_ptr<TransformerEncoderLayer>> layers;
  std::shared_ptr<LayerNorm> norm;  // null without a final norm

 private:
  std::shared_ptr<ModuleList> list_;  // registers the layers as "layers.0", "layers.1", ...
};

class TransformerDecoder : public Module {
 public:
  explicit TransformerDecoder(const TransformerDecoderOptions& options);
  Tensor forward(const Tensor& tgt) override;  // throws: needs the memory
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = Tensor(),
                 const Tensor& memory_mask = Tensor(), const Tensor& tgt_key_padding_mask = Tensor(),
                 const Tensor& memory_key_padding_mask = Tensor());
  using Module::operator();
  Tensor operator()(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = Tensor(),
                    const Tensor& memory_mask = Tensor(), const Tensor& tgt_key_padding_mask = Tensor(),
                    const Tensor& memory_key_padding_mask = Tensor());
  std::vector<std::shared_ptr<TransformerDecoderLayer>> layers;
  std::shared_ptr<LayerNorm> norm;

 private:
  std::shared_ptr<ModuleList> list_;
};

/// libtorch's TransformerOptions (PyTorch's defaults: d_model 512, nhead 8, 6 + 6 layers,
/// dim_feedforward 2048, dropout 0.1, relu).
class TransformerOptions {
 public:
  TransformerOptions(std::int64_t d_model = 512, std::int64_t nhead = 8, std::int64_t num_encoder_layers = 6,
                     std::int64_t num_decoder_layers = 6)
      : layer_(d_model, nhead), encoders_(num_encoder_layers), decoders_(num_decoder_layers) {}
  TransformerOptions& d_model(std::int64_t v) { layer_.d_model(v); return *this; }
  std::int64_t d_model() const { return layer_.d_model(); }
  TransformerOptions& nhead(std::int64_t v) { layer_.nhead(v); return *this; }
  std::int64_t nhead() const { return layer_.nhead(); }
  TransformerOptions& num_encoder_layers(std::int64_t v) { encoders_ = v; return *this; }
  std::int64_t num_encoder_layers() const { return encoders_; }
  TransformerOptions& num_decoder_layers(std::int64_t v) { decoders_ = v; return *this; }
  std::int64_t num_decoder_layers() const { return decoders_; }
  TransformerOptions& dim_feedforward(std::int64_t v) { layer_.dim_feedforward(v); return *this; }
  TransformerOptions& dropout(double v) { layer_.dropout(v); return *this; }
  TransformerOptions& activation(TransformerActivation v) { layer_.activation(std::move(v)); return *this; }
  TransformerOptions& layer_norm_eps(double v) { layer_.layer_norm_eps(v); return *this; }
  TransformerOptions& batch_first(bool v) { layer_.batch_first(v); return *this; }
  TransformerOptions& norm_first(bool v) { layer_.norm_first(v); return *this; }
  TransformerOptions& dtype(Dtype v) { layer_.dtype(v); return *this; }
  /// The options every encoder and decoder layer is built with.
  const TransformerLayerOptions& layer() const { return layer_; }

 private:
  TransformerLayerOptions layer_;
  std::int64_t encoders_, decoders_;
};

/// An encoder and a decoder, each with a final LayerNorm; every weight matrix re-initialised
/// with xavier_uniform_, as PyTorch's nn.Transformer.
class Transformer : public Module {
 public:
  explicit Transformer(const TransformerOptions& options = TransformerOptions());
  Tensor forward(const Tensor& src) override;  // throws: needs src and tgt
  Tensor forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask = Tensor(),
                 const Tensor& tgt_mask = Tensor(), const Tensor& memory_mask = Tensor(),
                 const Tensor& src_key_padding_mask = Tensor(), const Tensor& tgt_key_padding_mask = Tensor(),
                 const Tensor& memory_key_padding_mask = Tensor());
  using Module::operator();
  Tensor operator()(const Tensor& src, const Tensor& tgt, const Tensor& src_mask = Tensor(),
                    const Tensor& tgt_mask = Tensor(), const Tensor& memory_mask = Tensor(),
                    const Tensor& src_key_padding_mask = Tensor(), const Tensor& tgt_key_padding_mask = Tensor(),
                    const Tensor& memory_key_padding_mask = Tensor());
  /// nn.Transformer.generate_square_subsequent_mask (see nn/attention.h).
  static Tensor generate_square_subsequent_mask(std::int64_t sz, const TensorOptions& options = kFloat32) {
    return nn::generate_square_subsequent_mask(sz, options);
  }
  std::shared_ptr<TransformerEncoder> encoder;
  std::shared_ptr<TransformerDecoder> decoder;
};

/// The sinusoidal position table of Vaswani et al.: (max_len, d_model) with
/// PE(p, 2i) = sin(p / 10000^(2i/d_model)) and PE(p, 2i+1) = cos(p / 10000^(2i/d_model)).
Tensor sinusoidal_positional_encoding(std::int64_t max_len, std::int64_t d_model, Dtype dtype = kFloat32);

/// Adds the sinusoidal table's first T rows to x (batch, T, d_model) or (T, d_model); a
/// buffer, not trained (learned positions are an Embedding). T > max_len is an error.
class PositionalEncoding : public Module {
 public:
  PositionalEncoding(std::int64_t d_model, std::int64_t max_len = 5000, Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x) override;
  Tensor pe;  // (max_len, d_model)
};

}  // namespace xg::nn
