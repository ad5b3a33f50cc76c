// The options of the dense, activation, dropout, embedding and normalisation modules, in
// libtorch's style: the required sizes in the constructor, chainable setters named after the
// option (`LinearOptions(784, 10).bias(false)`), and a getter of the same name. Convolution,
// pooling (conv.h), BatchNorm (layers.h), recurrent (recurrent.h) and loss options (losses.h)
// follow the same style.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <xgrad/tensor.h>

namespace xg::nn {

/// libtorch's nonlinearity tags, for RNNOptions::nonlinearity and init::calculate_gain.
enum class Nonlinearity { Linear, Sigmoid, Tanh, ReLU, LeakyReLU };
/// libtorch's fan modes of init::kaiming_uniform_ / kaiming_normal_.
enum class FanMode { FanIn, FanOut };

class LinearOptions {
 public:
  LinearOptions(std::int64_t in_features, std::int64_t out_features) : in_(in_features), out_(out_features) {}
  LinearOptions& in_features(std::int64_t v) { in_ = v; return *this; }
  std::int64_t in_features() const { return in_; }
  LinearOptions& out_features(std::int64_t v) { out_ = v; return *this; }
  std::int64_t out_features() const { return out_; }
  LinearOptions& bias(bool v) { bias_ = v; return *this; }
  bool bias() const { return bias_; }
  LinearOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t in_, out_;
  bool bias_ = true;
  Dtype dtype_ = kFloat32;
};

/// Dropout's and Dropout2d's probability of zeroing an element (or channel), libtorch's 0.5.
class DropoutOptions {
 public:
  DropoutOptions(double p = 0.5) : p_(p) {}  // NOLINT: implicit, as libtorch
  DropoutOptions& p(double v) { p_ = v; return *this; }
  double p() const { return p_; }
  /// libtorch's in-place flag: accepted and ignored (xgrad's dropout always makes a new tensor).
  DropoutOptions& inplace(bool v) { inplace_ = v; return *this; }
  bool inplace() const { return inplace_; }

 private:
  double p_;
  bool inplace_ = false;
};
using Dropout2dOptions = DropoutOptions;
using Dropout3dOptions = DropoutOptions;

class FlattenOptions {
 public:
  FlattenOptions& start_dim(std::int64_t v) { start_ = v; return *this; }
  std::int64_t start_dim() const { return start_; }
  FlattenOptions& end_dim(std::int64_t v) { end_ = v; return *this; }
  std::int64_t end_dim() const { return end_; }

 private:
  std::int64_t start_ = 1, end_ = -1;
};

/// libtorch's ReLU option: inplace(true) rectifies the input itself (Tensor::relu_, recorded
/// as libtorch records it; refused on a leaf that requires grad or on a view while recording).
class ReLUOptions {
 public:
  ReLUOptions(bool inplace = false) : inplace_(inplace) {}  // NOLINT: implicit, as libtorch
  ReLUOptions& inplace(bool v) { inplace_ = v; return *this; }
  bool inplace() const { return inplace_; }

 private:
  bool inplace_;
};

class LeakyReLUOptions {
 public:
  LeakyReLUOptions& negative_slope(double v) { slope_ = v; return *this; }
  double negative_slope() const { return slope_; }

 private:
  double slope_ = 0.01;
};

class SoftmaxOptions {
 public:
  SoftmaxOptions(std::int64_t dim) : dim_(dim) {}  // NOLINT: implicit, as libtorch
  SoftmaxOptions& dim(std::int64_t v) { dim_ = v; return *this; }
  std::int64_t dim() const { return dim_; }

 private:
  std::int64_t dim_;
};
using LogSoftmaxOptions = SoftmaxOptions;

class GELUOptions {
 public:
  /// "none" (the exact erf form) or "tanh".
  GELUOptions& approximate(std::string v) { approximate_ = std::move(v); return *this; }
  const std::string& approximate() const { return approximate_; }

 private:
  std::string approximate_ = "none";
};

class CELUOptions {
 public:
  CELUOptions& alpha(double v) { alpha_ = v; return *this; }
  double alpha() const { return alpha_; }

 private:
  double alpha_ = 1.0;
};

class PReLUOptions {
 public:
  PReLUOptions& num_parameters(std::int64_t v) { num_parameters_ = v; return *this; }
  std::int64_t num_parameters() const { return num_parameters_; }
  PReLUOptions& init(double v) { init_ = v; return *this; }
  double init() const { return init_; }
  PReLUOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t num_parameters_ = 1;
  double init_ = 0.25;
  Dtype dtype_ = kFloat32;
};

class ELUOptions {
 public:
  ELUOptions& alpha(double v) { alpha_ = v; return *this; }
  double alpha() const { return alpha_; }

 private:
  double alpha_ = 1.0;
};

/// libtorch's SoftplusOptions: log(1 + e^(beta x)) / beta, and x itself where beta x >
/// threshold (PyTorch's switch to the linear part).
class SoftplusOptions {
 public:
  SoftplusOptions& beta(double v) { beta_ = v; return *this; }
  double beta() const { return beta_; }
  SoftplusOptions& threshold(double v) { threshold_ = v; return *this; }
  double threshold() const { return threshold_; }

 private:
  double beta_ = 1.0, threshold_ = 20.0;
};

/// The lookup options every embedding's options share (libtorch's names and defaults):
/// max_norm renormalises each row the input reads, in place and before the lookup, to
/// p-norm max_norm when its norm exceeds it (norm_type is p); scale_grad_by_freq divides
/// each row's gradient by how often the input reads it. Used as a base of the options
/// classes below, so each setter returns the class the user holds.
template <class Self>
class EmbeddingLookupOptions {
 public:
  Self& max_norm(double v) { max_norm_ = v; return self(); }
  Self& max_norm(std::optional<double> v) { max_norm_ = v; return self(); }
  std::optional<double> max_norm() const { return max_norm_; }
  Self& norm_type(double v) { norm_type_ = v; return self(); }
  double norm_type() const { return norm_type_; }
  Self& scale_grad_by_freq(bool v) { scale_grad_ = v; return self(); }
  bool scale_grad_by_freq() const { return scale_grad_; }

 private:
  Self& self() { return static_cast<Self&>(*this); }
  std::optional<double> max_norm_;
  double norm_type_ = 2.0;
  bool scale_grad_ = false;
};

class EmbeddingOptions : public EmbeddingLookupOptions<EmbeddingOptions> {
 public:
  EmbeddingOptions(std::int64_t num_embeddings, std::int64_t embedding_dim) : num_(num_embeddings), dim_(embedding_dim) {}
  EmbeddingOptions& num_embeddings(std::int64_t v) { num_ = v; return *this; }
  std::int64_t num_embeddings() const { return num_; }
  EmbeddingOptions& embedding_dim(std::int64_t v) { dim_ = v; return *this; }
  std::int64_t embedding_dim() const { return dim_; }
  /// The row that stays zero and never learns (negative counts from the end); none by default.
  EmbeddingOptions& padding_idx(std::int64_t v) { padding_idx_ = v; has_padding_ = true; return *this; }
  std::int64_t padding_idx() const { return padding_idx_; }
  bool has_padding_idx() const { return has_padding_; }
  EmbeddingOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t num_, dim_, padding_idx_ = 0;
  bool has_padding_ = false;
  Dtype dtype_ = kFloat32;
};

/// Embedding::from_pretrained's options (libtorch's): frozen by default; a padding row keeps
/// its pretrained values and never learns.
class EmbeddingFromPretrainedOptions : public EmbeddingLookupOptions<EmbeddingFromPretrainedOptions> {
 public:
  EmbeddingFromPretrainedOptions& freeze(bool v) { freeze_ = v; return *this; }
  bool freeze() const { return freeze_; }
  EmbeddingFromPretrainedOptions& padding_idx(std::int64_t v) { padding_idx_ = v; return *this; }
  std::optional<std::int64_t> padding_idx() const { return padding_idx_; }

 private:
  bool freeze_ = true;
  std::optional<std::int64_t> padding_idx_;
};

class GroupNormOptions {
 public:
  GroupNormOptions(std::int64_t num_groups, std::int64_t num_channels) : groups_(num_groups), channels_(num_channels) {}
  GroupNormOptions& num_groups(std::int64_t v) { groups_ = v; return *this; }
  std::int64_t num_groups() const { return groups_; }
  GroupNormOptions& num_channels(std::int64_t v) { channels_ = v; return *this; }
  std::int64_t num_channels() const { return channels_; }
  GroupNormOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }
  GroupNormOptions& affine(bool v) { affine_ = v; return *this; }
  bool affine() const { return affine_; }
  GroupNormOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t groups_, channels_;
  double eps_ = 1e-5;
  bool affine_ = true;
  Dtype dtype_ = kFloat32;
};

class LayerNormOptions {
 public:
  LayerNormOptions(Shape normalized_shape) : shape_(std::move(normalized_shape)) {}  // NOLINT: implicit, as libtorch
  LayerNormOptions& normalized_shape(Shape v) { shape_ = std::move(v); return *this; }
  const Shape& normalized_shape() const { return shape_; }
  LayerNormOptions& eps(double v) { eps_ = v; return *this; }
  double eps() const { return eps_; }
  LayerNormOptions& elementwise_affine(bool v) { affine_ = v; return *this; }
  bool elementwise_affine() const { return affine_; }
  LayerNormOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  Shape shape_;
  double eps_ = 1e-5;
  bool affine_ = true;
  Dtype dtype_ = kFloat32;
};

}  // namespace xg::nn

namespace xg {
// libtorch's tags: torch::kReLU, torch::kFanIn, ... are xg::kReLU, xg::kFanIn, ... (xg::kLinear,
// which is also an interpolation mode, is ops_spatial.h's LinearTag).
inline constexpr nn::Nonlinearity kSigmoid = nn::Nonlinearity::Sigmoid;
inline constexpr nn::Nonlinearity kTanh = nn::Nonlinearity::Tanh;
inline constexpr nn::Nonlinearity kReLU = nn::Nonlinearity::ReLU;
inline constexpr nn::Nonlinearity kLeakyReLU = nn::Nonlinearity::LeakyReLU;
inline constexpr nn::FanMode kFanIn = nn::FanMode::FanIn;
inline constexpr nn::FanMode kFanOut = nn::FanMode::FanOut;
}  // namespace xg
