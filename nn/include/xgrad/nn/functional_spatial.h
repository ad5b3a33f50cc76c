// libtorch's torch::nn::functional, its linear, convolution, pooling, padding and resampling
// forms (F::linear, F::conv2d, F::max_pool2d, F::pad, F::interpolate, F::grid_sample, ...)
// with their *FuncOptions. Part of xgrad/nn/functional.h, which includes it: include that.
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include <xgrad/nn/conv.h>
#include <xgrad/nn/conv1d.h>
#include <xgrad/nn/conv3d.h>
#include <xgrad/nn/lp_pool.h>
#include <xgrad/nn/options.h>
#include <xgrad/nn/unpool.h>
#include <xgrad/ops.h>

namespace xg::nn::functional {

// ---- linear and convolution (PyTorch's weight layouts) ----
/// x Wᵀ + b with weight (out, in), as libtorch's F::linear.
inline Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor()) {
  return xg::linear_t(x, weight, bias);
}

class Conv2dFuncOptions {
 public:
  Conv2dFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  const Tensor& bias() const { return bias_; }
  Conv2dFuncOptions& stride(Int2 v) { stride_ = v; return *this; }
  Int2 stride() const { return stride_; }
  Conv2dFuncOptions& padding(Int2 v) { padding_ = v; return *this; }
  Int2 padding() const { return padding_; }
  Conv2dFuncOptions& dilation(Int2 v) { dilation_ = v; return *this; }
  Int2 dilation() const { return dilation_; }
  Conv2dFuncOptions& groups(std::int64_t v) { groups_ = v; return *this; }
  std::int64_t groups() const { return groups_; }

 private:
  Tensor bias_;
  Int2 stride_ = 1, padding_ = 0, dilation_ = 1;
  std::int64_t groups_ = 1;
};
Tensor conv2d(const Tensor& x, const Tensor& weight, const Conv2dFuncOptions& options = {});

class ConvTranspose2dFuncOptions {
 public:
  ConvTranspose2dFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  const Tensor& bias() const { return bias_; }
  ConvTranspose2dFuncOptions& stride(Int2 v) { stride_ = v; return *this; }
  Int2 stride() const { return stride_; }
  ConvTranspose2dFuncOptions& padding(Int2 v) { padding_ = v; return *this; }
  Int2 padding() const { return padding_; }
  ConvTranspose2dFuncOptions& output_padding(Int2 v) { output_padding_ = v; return *this; }
  Int2 output_padding() const { return output_padding_; }
  ConvTranspose2dFuncOptions& groups(std::int64_t v) { groups_ = v; return *this; }
  std::int64_t groups() const { return groups_; }
  ConvTranspose2dFuncOptions& dilation(Int2 v) { dilation_ = v; return *this; }
  Int2 dilation() const { return dilation_; }

 private:
  Tensor bias_;
  Int2 stride_ = 1, padding_ = 0, output_padding_ = 0, dilation_ = 1;
  std::int64_t groups_ = 1;
};
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const ConvTranspose2dFuncOptions& options = {});

// ---- pooling and resizing ----
class Conv1dFuncOptions {
 public:
  Conv1dFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  const Tensor& bias() const { return bias_; }
  Conv1dFuncOptions& stride(std::int64_t v) { stride_ = v; return *this; }
  std::int64_t stride() const { return stride_; }
  Conv1dFuncOptions& padding(std::int64_t v) { padding_ = v; return *this; }
  std::int64_t padding() const { return padding_; }
  Conv1dFuncOptions& dilation(std::int64_t v) { dilation_ = v; return *this; }
  std::int64_t dilation() const { return dilation_; }
  Conv1dFuncOptions& groups(std::int64_t v) { groups_ = v; return *this; }
  std::int64_t groups() const { return groups_; }

 private:
  Tensor bias_;
  std::int64_t stride_ = 1, padding_ = 0, dilation_ = 1, groups_ = 1;
};
inline Tensor conv1d(const Tensor& x, const Tensor& weight, const Conv1dFuncOptions& o = {}) {
  return xg::conv1d(x, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups());
}
class ConvTranspose1dFuncOptions {
 public:
  ConvTranspose1dFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  const Tensor& bias() const { return bias_; }
  ConvTranspose1dFuncOptions& stride(std::int64_t v) { stride_ = v; return *this; }
  std::int64_t stride() const { return stride_; }
  ConvTranspose1dFuncOptions& padding(std::int64_t v) { padding_ = v; return *this; }
  std::int64_t padding() const { return padding_; }
  ConvTranspose1dFuncOptions& output_padding(std::int64_t v) { output_padding_ = v; return *this; }
  std::int64_t output_padding() const { return output_padding_; }
  ConvTranspose1dFuncOptions& groups(std::int64_t v) { groups_ = v; return *this; }
  std::int64_t groups() const { return groups_; }
  ConvTranspose1dFuncOptions& dilation(std::int64_t v) { dilation_ = v; return *this; }
  std::int64_t dilation() const { return dilation_; }

 private:
  Tensor bias_;
  std::int64_t stride_ = 1, padding_ = 0, output_padding_ = 0, groups_ = 1, dilation_ = 1;
};
inline Tensor conv_transpose1d(const Tensor& x, const Tensor& weight, const ConvTranspose1dFuncOptions& o = {}) {
  return xg::conv_transpose1d(x, weight, o.bias(), o.stride(), o.padding(), o.output_padding(), o.groups(),
                              o.dilation());
}
using MaxPool1dFuncOptions = MaxPool1dOptions;
inline Tensor max_pool1d(const Tensor& x, const MaxPool1dFuncOptions& o) {
  return xg::max_pool1d(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}
inline std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& x, const MaxPool1dFuncOptions& o) {
  return xg::max_pool1d_with_indices(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}
using AvgPool1dFuncOptions = AvgPool1dOptions;
inline Tensor avg_pool1d(const Tensor& x, const AvgPool1dFuncOptions& o) {
  return xg::avg_pool1d(x, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(), o.count_include_pad());
}

using AdaptiveAvgPool1dFuncOptions = AdaptiveAvgPool1dOptions;
inline Tensor adaptive_avg_pool1d(const Tensor& x, const AdaptiveAvgPool1dFuncOptions& o) {
  return xg::adaptive_avg_pool1d(x, o.output_size());
}
using AdaptiveMaxPool1dFuncOptions = AdaptiveMaxPool1dOptions;
inline Tensor adaptive_max_pool1d(const Tensor& x, const AdaptiveMaxPool1dFuncOptions& o) {
  return xg::adaptive_max_pool1d(x, o.output_size());
}
inline std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& x, const AdaptiveMaxPool1dFuncOptions& o) {
  return xg::adaptive_max_pool1d_with_indices(x, o.output_size());
}
using MaxPool2dFuncOptions = MaxPool2dOptions;
Tensor max_pool2d(const Tensor& x, const MaxPool2dFuncOptions& options);
/// The maxima and their positions h·W + w, what F::max_unpool2d takes.
inline std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, const MaxPool2dFuncOptions& o) {
  return xg::max_pool2d_with_indices(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}
using AvgPool2dFuncOptions = AvgPool2dOptions;
Tensor avg_pool2d(const Tensor& x, const AvgPool2dFuncOptions& options);
using AdaptiveAvgPool2dFuncOptions = AdaptiveAvgPool2dOptions;
inline Tensor adaptive_avg_pool2d(const Tensor& x, const AdaptiveAvgPool2dFuncOptions& o) {
  return xg::adaptive_avg_pool2d(x, o.output_size());
}
using AdaptiveMaxPool2dFuncOptions = AdaptiveMaxPool2dOptions;
inline Tensor adaptive_max_pool2d(const Tensor& x, const AdaptiveMaxPool2dFuncOptions& o) {
  return xg::adaptive_max_pool2d(x, o.output_size());
}
inline std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& x, const AdaptiveMaxPool2dFuncOptions& o) {
  return xg::adaptive_max_pool2d_with_indices(x, o.output_size());
}

/// F::pad: pads in libtorch's order (last axis first), the mode (kConstant by default,
/// kReflect, kReplicate, kCircular) and the constant mode's fill value.
class PadFuncOptions {
 public:
  PadFuncOptions(std::vector<std::int64_t> pad) : pad_(std::move(pad)) {}  // NOLINT: implicit, as libtorch
  PadFuncOptions& pad(std::vector<std::int64_t> v) { pad_ = std::move(v); return *this; }
  const std::vector<std::int64_t>& pad() const { return pad_; }
  PadFuncOptions& mode(PadMode v) { mode_ = v; return *this; }
  PadMode mode() const { return mode_; }
  PadFuncOptions& value(double v) { value_ = v; return *this; }
  double value() const { return value_; }

 private:
  std::vector<std::int64_t> pad_;
  PadMode mode_ = kConstant;
  double value_ = 0.0;
};
inline Tensor pad(const Tensor& x, const PadFuncOptions& o) { return xg::pad(x, o.pad(), o.mode(), o.value()); }

/// F::interpolate of (N, C, H, W) by output size, `.size({28, 28}).mode(xg::kBilinear)`, or
/// by scale factors, `.scale_factor({2, 2})` (one value for both axes too): the output is
/// floor(H · sh) × floor(W · sw), sampled with the factors as PyTorch samples (unless
/// recompute_scale_factor, which resizes to that size as `.size` would). One of the two.
class InterpolateFuncOptions {
 public:
  InterpolateFuncOptions& size(std::vector<std::int64_t> v) { size_ = std::move(v); return *this; }
  const std::vector<std::int64_t>& size() const { return size_; }
  InterpolateFuncOptions& scale_factor(std::vector<double> v) { scale_factor_ = std::move(v); return *this; }
  const std::optional<std::vector<double>>& scale_factor() const { return scale_factor_; }
  /// libtorch's default is nearest.
  InterpolateFuncOptions& mode(InterpolateMode v) { mode_ = v; return *this; }
  InterpolateMode mode() const { return mode_; }
  InterpolateFuncOptions& align_corners(bool v) { align_corners_ = v; return *this; }
  std::optional<bool> align_corners() const { return align_corners_; }
  InterpolateFuncOptions& recompute_scale_factor(bool v) { recompute_scale_factor_ = v; return *this; }
  std::optional<bool> recompute_scale_factor() const { return recompute_scale_factor_; }

 private:
  std::vector<std::int64_t> size_;
  std::optional<std::vector<double>> scale_factor_;
  InterpolateMode mode_ = InterpolateMode::Nearest;
  std::optional<bool> align_corners_, recompute_scale_factor_;
};
Tensor interpolate(const Tensor& x, const InterpolateFuncOptions& options);

/// F::grid_sample: `.mode(xg::kBilinear)` (or kNearest, kBicubic), `.padding_mode(xg::kZeros)`
/// (or kBorder, kReflection), `.align_corners(false)`; libtorch's defaults.
class GridSampleFuncOptions {
 public:
  GridSampleFuncOptions& mode(InterpolateMode v) { mode_ = v; return *this; }
  InterpolateMode mode() const { return mode_; }
  GridSampleFuncOptions& padding_mode(PadMode v) { padding_mode_ = v; return *this; }
  PadMode padding_mode() const { return padding_mode_; }
  GridSampleFuncOptions& align_corners(bool v) { align_corners_ = v; return *this; }
  std::optional<bool> align_corners() const { return align_corners_; }

 private:
  InterpolateMode mode_ = InterpolateMode::Bilinear;
  PadMode padding_mode_ = PadMode::Constant;
  std::optional<bool> align_corners_;
};
inline Tensor grid_sample(const Tensor& input, const Tensor& grid, const GridSampleFuncOptions& o = {}) {
  return xg::grid_sample(input, grid, o.mode(), o.padding_mode(), o.align_corners().value_or(false));
}
inline Tensor affine_grid(const Tensor& theta, const Shape& size, bool align_corners = false) {
  return xg::affine_grid(theta, size, align_corners);
}

}  // namespace xg::nn::functional
