// libtorch's EmbeddingBag and F::embedding_bag: the rows of a table for bags of indices,
// reduced per bag (sum, mean or max) without materialising a (bags, length, dim) tensor.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <xgrad/nn/losses.h>
#include <xgrad/nn/module.h>
#include <xgrad/nn/options.h>

namespace xg::nn {

/// How a bag's rows are reduced: libtorch's kSum, kMean (the default) and kMax.
enum class EmbeddingBagMode { Sum, Mean, Max };

class EmbeddingBagFuncOptions : public EmbeddingLookupOptions<EmbeddingBagFuncOptions> {
 public:
  /// 1-D input only: where each bag starts (int64, first 0, non-decreasing); with
  /// include_last_offset, one more entry closes the last bag.
  EmbeddingBagFuncOptions& offsets(const Tensor& v) { offsets_ = v; return *this; }
  const Tensor& offsets() const { return offsets_; }
  EmbeddingBagFuncOptions& mode(EmbeddingBagMode v) { mode_ = v; return *this; }
  /// `.mode(xg::kSum)`, `.mode(xg::kMean)`: libtorch's tags (kNone is refused).
  EmbeddingBagFuncOptions& mode(Reduction v);
  EmbeddingBagMode mode() const { return mode_; }
  /// One weight per index (input's shape), multiplying its row: sum mode only.
  EmbeddingBagFuncOptions& per_sample_weights(const Tensor& v) { weights_ = v; return *this; }
  const Tensor& per_sample_weights() const { return weights_; }
  EmbeddingBagFuncOptions& include_last_offset(bool v) { last_ = v; return *this; }
  bool include_last_offset() const { return last_; }
  /// Entries equal to it take no part in their bag (nor in a mean's count).
  EmbeddingBagFuncOptions& padding_idx(std::int64_t v) { padding_idx_ = v; return *this; }
  std::optional<std::int64_t> padding_idx() const { return padding_idx_; }

 private:
  Tensor offsets_, weights_;
  EmbeddingBagMode mode_ = EmbeddingBagMode::Mean;
  bool last_ = false;
  std::optional<std::int64_t> padding_idx_;
};

class EmbeddingBagOptions : public EmbeddingLookupOptions<EmbeddingBagOptions> {
 public:
  EmbeddingBagOptions(std::int64_t num_embeddings, std::int64_t embedding_dim) : num_(num_embeddings), dim_(embedding_dim) {}
  EmbeddingBagOptions& num_embeddings(std::int64_t v) { num_ = v; return *this; }
  std::int64_t num_embeddings() const { return num_; }
  EmbeddingBagOptions& embedding_dim(std::int64_t v) { dim_ = v; return *this; }
  std::int64_t embedding_dim() const { return dim_; }
  EmbeddingBagOptions& mode(EmbeddingBagMode v) { mode_ = v; return *this; }
  EmbeddingBagOptions& mode(Reduction v);
  EmbeddingBagMode mode() const { return mode_; }
  EmbeddingBagOptions& include_last_offset(bool v) { last_ = v; return *this; }
  bool include_last_offset() const { return last_; }
  EmbeddingBagOptions& padding_idx(std::int64_t v) { padding_idx_ = v; return *this; }
  std::optional<std::int64_t> padding_idx() const { return padding_idx_; }
  EmbeddingBagOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t num_, dim_;
  EmbeddingBagMode mode_ = EmbeddingBagMode::Mean;
  bool last_ = false;
  std::optional<std::int64_t> padding_idx_;
  Dtype dtype_ = kFloat32;
};

/// Bags of int64 indices -> (bags, dim): each bag's rows of W (num_embeddings, dim) summed,
/// averaged or maximised. input is 2-D (each row a bag of equal length) or 1-D with offsets.
/// Default init W ~ N(0, 1) as PyTorch's; a padding_idx row starts at zero, and entries
/// equal to it are left out of their bags. An empty bag gives zeros.
/// EmbeddingBag::from_pretrained's options (libtorch's): frozen by default.
class EmbeddingBagFromPretrainedOptions : public EmbeddingLookupOptions<EmbeddingBagFromPretrainedOptions> {
 public:
  EmbeddingBagFromPretrainedOptions& freeze(bool v) { freeze_ = v; return *this; }
  bool freeze() const { return freeze_; }
  EmbeddingBagFromPretrainedOptions& mode(EmbeddingBagMode v) { mode_ = v; return *this; }
  EmbeddingBagFromPretrainedOptions& mode(Reduction v);
  EmbeddingBagMode mode() const { return mode_; }
  EmbeddingBagFromPretrainedOptions& include_last_offset(bool v) { last_ = v; return *this; }
  bool include_last_offset() const { return last_; }
  EmbeddingBagFromPretrainedOptions& padding_idx(std::int64_t v) { padding_idx_ = v; return *this; }
  std::optional<std::int64_t> padding_idx() const { return padding_idx_; }

 private:
  bool freeze_ = true, last_ = false;
  EmbeddingBagMode mode_ = EmbeddingBagMode::Mean;
  std::optional<std::int64_t> padding_idx_;
};

class EmbeddingBag : public Module {
 public:
  EmbeddingBag(std::int64_t num_embeddings, std::int64_t embedding_dim, Dtype dtype = kFloat32);
  explicit EmbeddingBag(const EmbeddingBagOptions& options);
  /// libtorch's EmbeddingBag::from_pretrained: W is `embeddings` itself (storage shared),
  /// trainable unless frozen (the default).
  static EmbeddingBag from_pretrained(const Tensor& embeddings, const EmbeddingBagFromPretrainedOptions& options = {});
  /// A 2-D input: each row is a bag.
  Tensor forward(const Tensor& input) override;
  /// A 1-D input with offsets (and per_sample_weights in sum mode, or an undefined tensor).
  Tensor forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights = Tensor());
  using Module::operator();
  Tensor operator()(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights = Tensor());
  std::vector<TorchName> torch_names() const override { return {{"W", "weight"}}; }
  const EmbeddingBagOptions& options() const { return options_; }
  Tensor W;

 private:
  struct Pretrained {};
  EmbeddingBag(Pretrained, const Tensor& embeddings, const EmbeddingBagFromPretrainedOptions& options);
  EmbeddingBagOptions options_;
};

namespace functional {
using EmbeddingBagFuncOptions = nn::EmbeddingBagFuncOptions;  // libtorch's F::EmbeddingBagFuncOptions
/// F::embedding_bag(input, weight, options): EmbeddingBag's reduction with a given table.
Tensor embedding_bag(const Tensor& input, const Tensor& weight, const EmbeddingBagFuncOptions& options = {});
}  // namespace functional

}  // namespace xg::nn

namespace xg {
/// libtorch's tag for EmbeddingBag's max mode (kSum and kMean are the losses' Reduction tags).
inline constexpr nn::EmbeddingBagMode kMax = nn::EmbeddingBagMode::Max;
}  // namespace xg
