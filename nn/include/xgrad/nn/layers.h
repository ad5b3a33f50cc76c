// Layers. Each documents its parameters' shapes and default initialisation.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <xgrad/nn/module.h>
#include <xgrad/nn/options.h>

namespace xg::nn {

/// y = x W + b, with W of shape (in, out) and b of shape (out), as the textbook and DeZero.
/// Default init: W ~ N(0, 1/in) (DeZero's Linear; the textbook's "Xavier"), b = 0. Re-init
/// with xg::nn::init (e.g. init::normal(layer.W, 0.01) for the textbook's TwoLayerNet).
class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true, Dtype dtype = kFloat32);
  explicit Linear(const LinearOptions& options);
  Tensor forward(const Tensor& x) override;
  /// PyTorch's weight (out, in) is W transposed; bias is b.
  std::vector<TorchName> torch_names() const override { return {{"W", "weight", true}, {"b", "bias"}}; }
  Tensor W;
  Tensor b;  // undefined without bias

 protected:
  Linear() = default;  // for LazyLinear: W and b come later, from create()
  void create(std::int64_t in_features, std::int64_t out_features, bool bias, Dtype dtype);
};

namespace detail_seq {
template <class T>
inline constexpr bool always_false = false;
template <class T>
struct is_shared_module : std::false_type {};
template <class M>
struct is_shared_module<std::shared_ptr<M>> : std::is_base_of<Module, M> {};
}  // namespace detail_seq

/// Modules applied in order. Owns them: `net.emplace<Linear>(13, 10)`, `net.push_back(ptr)`
/// (or `add`), or libtorch's variadic constructor over shared pointers:
///   xg::nn::Sequential net(std::make_shared<Linear>(784, 50), std::make_shared<ReLU>());
/// A module *value* (libtorch's `Sequential(Linear(3, 4))`, whose Linear is a holder) does
/// not compile: xgrad's modules hold their tensors by reference and cannot be moved.
class Sequential : public Module {
 public:
  Sequential() = default;
  template <class... Ms, class = std::enable_if_t<(sizeof...(Ms) > 0)>>
  explicit Sequential(Ms&&... modules) {
    (push_back(std::forward<Ms>(modules)), ...);
  }
  /// Appends a module it then shares ownership of (libtorch's push_back), named "0", "1", ...
  template <class M>
  Sequential& push_back(M&& module) {
    if constexpr (detail_seq::is_shared_module<std::decay_t<M>>::value) {
      return add(std::forward<M>(module));
    } else {
      static_assert(detail_seq::always_false<M>,
                    "xg::nn::Sequential takes std::shared_ptr<Module>s: xgrad's modules hold their parameters by "
                    "reference and cannot be moved or copied. Write std::make_shared<xg::nn::Linear>(3, 4), or "
                    "seq.emplace<xg::nn::Linear>(3, 4). See docs/libtorch.md, 'Sequential'.");
      return *this;
    }
  }
  /// Appends under a name of its own (libtorch's push_back(name, module)).
  Sequential& push_back(const std::string& name, std::shared_ptr<Module> module);
  /// Constructs a module in place, appends it (named "0", "1", ...) and returns it.
  template <class M, class... Args>
  M& emplace(Args&&... args) {
    auto m = std::make_shared<M>(std::forward<Args>(args)...);
    add(m);
    return *m;
  }
  /// Appends a module it then shares ownership of.
  Sequential& add(std::shared_ptr<Module> module);
  Tensor forward(const Tensor& x) override;
  std::size_t size() const { return modules_.size(); }
  Module& operator[](std::size_t i) const;
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

/// A list of modules that registers them ("0", "1", ...) without a forward of its own
/// (libtorch's ModuleList): the container of a stack whose layers take several arguments.
class ModuleList : public Module {
 public:
  ModuleList() = default;
  /// Appends a module it then shares ownership of.
  ModuleList& push_back(std::shared_ptr<Module> module);
  /// Throws: a ModuleList is iterated by its owner, not called.
  Tensor forward(const Tensor& x) override;
  std::size_t size() const { return modules_.size(); }
  Module& operator[](std::size_t i) const;
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

// ---- activations ----
class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
class ReLU : public Module {
 public:
  explicit ReLU(const ReLUOptions& options = {}) : options_(options) {}
  Tensor forward(const Tensor& x) override;
  const ReLUOptions& options() const { return options_; }

 private:
  ReLUOptions options_;
};
class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double slope = 0.01) : slope_(slope) {}
  explicit LeakyReLU(const LeakyReLUOptions& options) : slope_(options.negative_slope()) {}
  Tensor forward(const Tensor& x) override;

 private:
  double slope_;
};
class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
/// PyTorch's Softplus: beta 1 and threshold 20 by default (x itself above it), or options.
class Softplus : public Module {
 public:
  Softplus() = default;
  explicit Softplus(const SoftplusOptions& options) : options_(options) {}
  Tensor forward(const Tensor& x) override;

 private:
  SoftplusOptions options_;
};
/// GELU; approximate "tanh" for PyTorch's tanh form (see xg::gelu).
class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none");
  explicit GELU(const GELUOptions& options) : GELU(options.approximate()) {}
  Tensor forward(const Tensor& x) override;

 private:
  std::string approximate_;
};
/// SiLU (swish): x · sigmoid(x).
class SiLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
/// PyTorch's further activations (xg::selu, celu, mish, hardswish, hardsigmoid, softsign).
class SELU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
class CELU : public Module {
 public:
  explicit CELU(double alpha = 1.0);
  explicit CELU(const CELUOptions& options) : CELU(options.alpha()) {}
  Tensor forward(const Tensor& x) override;

 private:
  double alpha_;
};
class Mish : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
class Hardswish : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
class Hardsigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
class Softsign : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
/// PReLU: a learnt slope for negative inputs, one (num_parameters 1) or one per channel
/// (axis 1), starting at init (0.25); parameter W, PyTorch's `weight`.
class PReLU : public Module {
 public:
  explicit PReLU(const PReLUOptions& options = {});
  Tensor forward(const Tensor& x) override;
  std::vector<TorchName> torch_names() const override { return {{"W", "weight"}}; }
  Tensor W;
};

/// ELU with scale alpha for negative inputs.
class ELU : public Module {
 public:
  explicit ELU(double alpha = 1.0) : alpha_(alpha) {}
  explicit ELU(const ELUOptions& options) : alpha_(options.alpha()) {}
  Tensor forward(const Tensor& x) override;

 private:
  double alpha_;
};
class Softmax : public Module {
 public:
  explicit Softmax(std::int64_t axis = -1) : axis_(axis) {}
  explicit Softmax(const SoftmaxOptions& options) : axis_(options.dim()) {}
  Tensor forward(const Tensor& x) override;

 private:
  std::int64_t axis_;
};
class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
};
/// Flattens every axis from start_dim (default 1: keeps the batch axis).
class Flatten : public Module {
 public:
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1) : start_(start_dim), end_(end_dim) {}
  explicit Flatten(const FlattenOptions& options) : start_(options.start_dim()), end_(options.end_dim()) {}
  Tensor forward(const Tensor& x) override;

 private:
  std::int64_t start_, end_;
};

/// Dropout with ratio p. Inverted (default, as PyTorch and Keras): training keeps each
/// element with probability 1-p and scales by 1/(1-p); evaluation is the identity.
/// Textbook: training multiplies by the mask unscaled; evaluation scales by (1-p).
class Dropout : public Module {
 public:
  enum class Mode { Inverted, Textbook };
  explicit Dropout(double p = 0.5, Mode mode = Mode::Inverted);
  explicit Dropout(const DropoutOptions& options) : Dropout(options.p()) {}
  Tensor forward(const Tensor& x) override;

 private:
  double p_;
  Mode mode_;
};

/// Options of BatchNorm1d and BatchNorm2d, with libtorch's names, meanings and defaults:
///   xg::nn::BatchNorm2d bn(xg::nn::BatchNorm2dOptions(8).momentum(0.1).eps(1e-5));
/// momentum is the weight of the new batch: running = (1 − momentum)·running + momentum·batch
/// (unset, std::nullopt, gives the cumulative average over num_batches_tracked batches). The
/// textbook's momentum 0.9 is the weight of the *old* value: momentum(0.1) here.
class BatchNormOptions {
 public:
  BatchNormOptions() = default;
  explicit BatchNormOptions(std::int64_t num_features) : num_features_(num_features) {}
  BatchNormOptions& num_features(std::int64_t v) { num_features_ = v; return *this; }
  std::int64_t num_features() const { return num_features_; }
  BatchNormOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }
  BatchNormOptions& momentum(std::optional<double> v) { momentum_ = v; return *this; }
  std::optional<double> momentum() const { return momentum_; }
  /// Learnable per-channel scale and shift (gamma, beta); false: neither exists.
  BatchNormOptions& affine(bool v) { affine_ = v; return *this; }
  bool affine() const { return affine_; }
  /// Keep running statistics for evaluation; false: always normalise with the batch's own.
  BatchNormOptions& track_running_stats(bool v) { track_running_stats_ = v; return *this; }
  bool track_running_stats() const { return track_running_stats_; }
  BatchNormOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

  /// Older spellings, kept for existing code: set_eps(v) is eps(v); set_momentum(keep) takes
  /// the textbook's keep factor (0.9 means momentum(0.1)), as it always has.
  BatchNormOptions& set_eps(double v) { return eps(v); }
  BatchNormOptions& set_momentum(double keep) { return momentum(1.0 - keep); }

 private:
  std::int64_t num_features_ = 0;
  double eps_ = 1e-5;
  std::optional<double> momentum_ = 0.1;
  bool affine_ = true, track_running_stats_ = true;
  Dtype dtype_ = kFloat32;
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;
using BatchNorm3dOptions = BatchNormOptions;

/// What BatchNorm1d and BatchNorm2d share: gamma = 1, beta = 0 (parameters, PyTorch's
/// weight and bias), running_mean = 0, running_var = 1 and num_batches_tracked = 0 (buffers),
/// per feature or channel. Training normalises with the batch's mean and biased variance and
/// updates the running statistics with the batch's mean and *unbiased* variance, as PyTorch;
/// evaluation uses them. So a model with PyTorch's weights gives PyTorch's outputs.
class BatchNormBase : public Module {
 public:
  const BatchNormOptions& options() const { return options_; }
  std::vector<TorchName> torch_names() const override { return {{"gamma", "weight"}, {"beta", "bias"}}; }
  Tensor gamma, beta;  // undefined without affine
  Tensor running_mean, running_var, num_batches_tracked;  // undefined without track_running_stats

 protected:
  BatchNormBase(const char* name, BatchNormOptions options);
  /// x normalised over every axis but the channel axis 1 (functional::batch_norm), the
  /// running statistics and batch counter updated in training.
  Tensor normalize(const Tensor& x);

 private:
  BatchNormOptions options_;
};

/// Batch normalisation over the batch axis of (N, C) inputs (BatchNormBase).
class BatchNorm1d : public BatchNormBase {
 public:
  explicit BatchNorm1d(const BatchNormOptions& options);
  /// The older forms: num_features, then options (their num_features unused) and a dtype
  /// (which replaces the options' dtype).
  explicit BatchNorm1d(std::int64_t num_features, BatchNormOptions options = BatchNormOptions());
  BatchNorm1d(std::int64_t num_features, BatchNormOptions options, Dtype dtype);
  Tensor forward(const Tensor& x) override;
};

/// Linear whose in_features is taken from the first input it sees (PyTorch's LazyLinear):
/// the Flatten -> Linear of a CNN without computing 64·12·12 by hand. Run one forward
/// (summary() does) before asking for parameters().
class LazyLinear : public Linear {
 public:
  explicit LazyLinear(std::int64_t out_features, bool bias = true, Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LazyLinear"; }

 protected:
  bool materialized() const override { return W.defined(); }

 private:
  std::int64_t out_;
  bool bias_;
  Dtype dtype_;
};

/// Batch normalisation per channel of (N, C, H, W) inputs: statistics over N, H and W;
/// otherwise as BatchNorm1d (BatchNormBase).
class BatchNorm2d : public BatchNormBase {
 public:
  explicit BatchNorm2d(const BatchNormOptions& options);
  explicit BatchNorm2d(std::int64_t num_features, BatchNormOptions options = BatchNormOptions());
  BatchNorm2d(std::int64_t num_features, BatchNormOptions options, Dtype dtype);
  Tensor forward(const Tensor& x) override;
};

/// Batch normalisation per channel of (N, C, D, H, W) volumes: statistics over N, D, H and
/// W; otherwise as BatchNorm1d (BatchNormBase).
class BatchNorm3d : public BatchNormBase {
 public:
  explicit BatchNorm3d(const BatchNormOptions& options);
  explicit BatchNorm3d(std::int64_t num_features, BatchNormOptions options = BatchNormOptions());
  Tensor forward(const Tensor& x) override;
};

/// Drops whole channels of (N, C, H, W) inputs with probability p (inverted: kept
/// channels are scaled by 1/(1-p)); the identity in evaluation. PyTorch's Dropout2d.
class Dropout2d : public Module {
 public:
  explicit Dropout2d(double p = 0.5);
  explicit Dropout2d(const Dropout2dOptions& options) : Dropout2d(options.p()) {}
  Tensor forward(const Tensor& x) override;

 private:
  double p_;
};

/// Dropout2d's rule for (N, C, D, H, W) volumes: one draw per (sample, channel), the whole
/// volume kept or dropped. PyTorch's Dropout3d.
class Dropout3d : public Module {
 public:
  explicit Dropout3d(double p = 0.5);
  explicit Dropout3d(const Dropout3dOptions& options) : Dropout3d(options.p()) {}
  Tensor forward(const Tensor& x) override;

 private:
  double p_;
};

/// A lookup table: int64 indices of any shape -> their rows of W (num_embeddings, dim).
/// Default init: W ~ N(0, 1). With a padding_idx (negative counts from the end, as
/// PyTorch), that row starts at zero and never receives a gradient: padding positions
/// stay zero vectors through training. max_norm, norm_type and scale_grad_by_freq as
/// F::embedding's (nn/embedding.cpp).
class Embedding : public Module {
 public:
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, Dtype dtype = kFloat32);
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, std::int64_t padding_idx, Dtype dtype = kFloat32);
  /// libtorch's form: `Embedding(EmbeddingOptions(100, 16).padding_idx(0))`.
  explicit Embedding(const EmbeddingOptions& options);
  /// libtorch's Embedding::from_pretrained: W is `embeddings` (num_embeddings, dim) itself
  /// (its storage shared, as PyTorch's), trainable unless frozen (the default):
  ///   auto emb = xg::nn::Embedding::from_pretrained(vectors);
  static Embedding from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options = {});
  Tensor forward(const Tensor& indices) override;
  std::vector<TorchName> torch_names() const override { return {{"W", "weight"}}; }
  /// The padding row, or -1 when there is none.
  std::int64_t padding_idx() const { return padding_idx_; }
  /// What the module was built with (from_pretrained: the table's sizes and dtype).
  const EmbeddingOptions& options() const { return options_; }
  Tensor W;

 private:
  struct Pretrained {};
  Embedding(Pretrained, const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options);
  // Checks padding_idx against the table and registers the hook that drops its gradient.
  void set_padding_idx(std::int64_t padding_idx, const char* call);
  std::int64_t padding_idx_ = -1;
  EmbeddingOptions options_;
};

/// Layer normalisation over the trailing normalized_shape axes (xg::layer_norm), with a
/// learnable per-element scale gamma (ones) and shift beta (zeros) unless
/// elementwise_affine is false; the textbook's BatchNorm names, libtorch's semantics.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true, Dtype dtype = kFloat32);
  explicit LayerNorm(const LayerNormOptions& options)
      : LayerNorm(options.normalized_shape(), options.eps(), options.elementwise_affine(), options.dtype()) {}
  Tensor forward(const Tensor& x) override;
  std::vector<TorchName> torch_names() const override { return {{"gamma", "weight"}, {"beta", "bias"}}; }
  Tensor gamma, beta;

 private:
  Shape normalized_shape_;
  double eps_;
};

/// Group normalisation over (N, C, *) inputs (xg::group_norm): the C channels in num_groups
/// groups, each normalised per sample, with a learnable per-channel scale gamma (ones) and
/// shift beta (zeros) unless affine is false. GroupNorm(C, C) is instance normalisation,
/// GroupNorm(1, C) a LayerNorm over everything but the batch with per-channel affine.
class GroupNorm : public Module {
 public:
  GroupNorm(std::int64_t num_groups, std::int64_t num_channels, double eps = 1e-5, bool affine = true,
            Dtype dtype = kFloat32);
  /// libtorch's form: `GroupNorm(GroupNormOptions(8, 32).eps(1e-5))`.
  explicit GroupNorm(const GroupNormOptions& options)
      : GroupNorm(options.num_groups(), options.num_channels(), options.eps(), options.affine(), options.dtype()) {}
  Tensor forward(const Tensor& x) override;
  std::vector<TorchName> torch_names() const override { return {{"gamma", "weight"}, {"beta", "bias"}}; }
  Tensor gamma, beta;

 private:
  std::int64_t num_groups_, num_channels_;
  double eps_;
};

}  // namespace xg::nn
