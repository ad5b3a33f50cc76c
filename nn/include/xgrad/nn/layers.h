// Layers. Each documents its parameters' shapes and default initialisation. The activation
// layers are in xgrad/nn/activations.h and batch normalisation in xgrad/nn/batch_norm.h
// (both included here, so this header still brings every layer it always did).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <xgrad/nn/activations.h>
#include <xgrad/nn/batch_norm.h>
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
