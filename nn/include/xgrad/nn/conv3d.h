// 3-D (volumetric) convolution and pooling modules over (N, C, D, H, W) inputs (or
// unbatched (C, D, H, W)), with options in the libtorch habit:
//   xg::nn::Conv3d conv(xg::nn::Conv3dOptions(1, 8, 3).padding(1));
//   xg::nn::MaxPool3d pool(2);
//   F::conv3d(x, w, F::Conv3dFuncOptions().stride({1, 2, 2}));
// Parameters are W (out, in/groups, kd, kh, kw) and b (out), as Conv2d's, with its default
// init: W ~ N(0, 1/fan_in), fan_in = in/groups·kd·kh·kw; b = 0. The work is xg::conv3d,
// conv_transpose3d and the 3-D pools (autograd/ops_volume.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include <xgrad/nn/module.h>
#include <xgrad/ops.h>

namespace xg::nn {

class Conv3dOptions {
 public:
  Conv3dOptions(std::int64_t in_channels, std::int64_t out_channels, Int3 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  Conv3dOptions& in_channels(std::int64_t v) { in_channels_ = v; return *this; }
  std::int64_t in_channels() const { return in_channels_; }
  Conv3dOptions& out_channels(std::int64_t v) { out_channels_ = v; return *this; }
  std::int64_t out_channels() const { return out_channels_; }
  Conv3dOptions& kernel_size(Int3 v) { kernel_size_ = v; return *this; }
  Int3 kernel_size() const { return kernel_size_; }
  Conv3dOptions& stride(Int3 v) { stride_ = v; return *this; }
  Int3 stride() const { return stride_; }
  Conv3dOptions& padding(Int3 v) { padding_ = v; return *this; }
  Int3 padding() const { return padding_; }
  Conv3dOptions& dilation(Int3 v) { dilation_ = v; return *this; }
  Int3 dilation() const { return dilation_; }
  Conv3dOptions& groups(std::int64_t v) { groups_ = v; return *this; }
  std::int64_t groups() const { return groups_; }
  Conv3dOptions& bias(bool v) { bias_ = v; return *this; }
  bool bias() const { return bias_; }
  /// kZeros (default), kReflect, kReplicate or kCircular, as Conv2dOptions::padding_mode.
  Conv3dOptions& padding_mode(PadMode v) { padding_mode_ = v; return *this; }
  PadMode padding_mode() const { return padding_mode_; }
  Conv3dOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t in_channels_, out_channels_;
  Int3 kernel_size_, stride_ = 1, padding_ = 0, dilation_ = 1;
  std::int64_t groups_ = 1;
  bool bias_ = true;
  PadMode padding_mode_ = kZeros;
  Dtype dtype_ = kFloat32;
};

/// 3-D convolution over (N, C, D, H, W) inputs.
class Conv3d : public Module {
 public:
  explicit Conv3d(const Conv3dOptions& options);
  Conv3d(std::int64_t in_channels, std::int64_t out_channels, Int3 kernel_size)
      : Conv3d(Conv3dOptions(in_channels, out_channels, kernel_size)) {}
  Tensor forward(const Tensor& x) override;
  /// "Conv3d(1, 8, kernel_size=(3, 3, 3), stride=(1, 1, 1))", as PyTorch prints it.
  std::string describe() const;
  std::vector<TorchName> torch_names() const override { return {{"W", "weight"}, {"b", "bias"}}; }
  const Conv3dOptions& options() const { return options_; }
  Tensor W;
  Tensor b;  // undefined without bias

 private:
  Conv3dOptions options_;
};

class ConvTranspose3dOptions {
 public:
  ConvTranspose3dOptions(std::int64_t in_channels, std::int64_t out_channels, Int3 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  ConvTranspose3dOptions& in_channels(std::int64_t v) { in_channels_ = v; return *this; }
  std::int64_t in_channels() const { return in_channels_; }
  ConvTranspose3dOptions& out_channels(std::int64_t v) { out_channels_ = v; return *this; }
  std::int64_t out_channels() const { return out_channels_; }
  ConvTranspose3dOptions& kernel_size(Int3 v) { kernel_size_ = v; return *this; }
  Int3 kernel_size() const { return kernel_size_; }
  ConvTranspose3dOptions& stride(Int3 v) { stride_ = v; return *this; }
  Int3 stride() const { return stride_; }
  ConvTranspose3dOptions& padding(Int3 v) { padding_ = v; return *this; }
  Int3 padding() const { return padding_; }
  ConvTranspose3dOptions& output_padding(Int3 v) { output_padding_ = v; return *this; }
  Int3 output_padding() const { return output_padding_; }
  ConvTranspose3dOptions& dilation(Int3 v) { dilation_ = v; return *this; }
  Int3 dilation() const { return dilation_; }
  ConvTranspose3dOptions& groups(std::int64_t v) { groups_ = v; return *this; }
  std::int64_t groups() const { return groups_; }
  ConvTranspose3dOptions& bias(bool v) { bias_ = v; return *this; }
  bool bias() const { return bias_; }
  ConvTranspose3dOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t in_channels_, out_channels_;
  Int3 kernel_size_, stride_ = 1, padding_ = 0, output_padding_ = 0, dilation_ = 1;
  std::int64_t groups_ = 1;
  bool bias_ = true;
  Dtype dtype_ = kFloat32;
};

/// The transposed 3-D convolution: W (in, out/groups, kd, kh, kw), as PyTorch's; output
/// size per axis S(I-1) - 2P + D(K-1) + 1 + output_padding (a 3-D U-Net's up-sampling).
class ConvTranspose3d : public Module {
 public:
  explicit ConvTranspose3d(const ConvTranspose3dOptions& options);
  ConvTranspose3d(std::int64_t in_channels, std::int64_t out_channels, Int3 kernel_size)
      : ConvTranspose3d(ConvTranspose3dOptions(in_channels, out_channels, kernel_size)) {}
  Tensor forward(const Tensor& x) override;
  std::vector<TorchName> torch_names() const override { return {{"W", "weight"}, {"b", "bias"}}; }
  const ConvTranspose3dOptions& options() const { return options_; }
  Tensor W;
  Tensor b;  // undefined without bias

 private:
  ConvTranspose3dOptions options_;
};

class MaxPool3dOptions {
 public:
  MaxPool3dOptions(Int3 kernel_size) : kernel_size_(kernel_size) {}  // NOLINT: implicit, as libtorch
  MaxPool3dOptions& kernel_size(Int3 v) { kernel_size_ = v; return *this; }
  Int3 kernel_size() const { return kernel_size_; }
  MaxPool3dOptions& stride(Int3 v) { stride_ = v; return *this; }
  Int3 stride() const { return stride_; }  // not given: the kernel size
  MaxPool3dOptions& padding(Int3 v) { padding_ = v; return *this; }
  Int3 padding() const { return padding_; }
  MaxPool3dOptions& dilation(Int3 v) { dilation_ = v; return *this; }
  Int3 dilation() const { return dilation_; }
  /// Count a last window cut by the edge (PyTorch's rounding up of the output size).
  MaxPool3dOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  bool ceil_mode() const { return ceil_mode_; }

 private:
  Int3 kernel_size_, stride_, padding_ = 0, dilation_ = 1;
  bool ceil_mode_ = false;
};

class MaxPool3d : public Module {
 public:
  explicit MaxPool3d(const MaxPool3dOptions& options) : options_(options) {}
  explicit MaxPool3d(std::int64_t kernel_size) : options_(kernel_size) {}
  Tensor forward(const Tensor& x) override;
  /// The maxima and their positions d·H·W + h·W + w (libtorch's), what MaxUnpool3d takes.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& x);

 private:
  MaxPool3dOptions options_;
};

class AvgPool3dOptions {
 public:
  AvgPool3dOptions(Int3 kernel_size) : kernel_size_(kernel_size) {}  // NOLINT: implicit, as libtorch
  AvgPool3dOptions& kernel_size(Int3 v) { kernel_size_ = v; return *this; }
  Int3 kernel_size() const { return kernel_size_; }
  AvgPool3dOptions& stride(Int3 v) { stride_ = v; return *this; }
  Int3 stride() const { return stride_; }  // not given: the kernel size
  AvgPool3dOptions& padding(Int3 v) { padding_ = v; return *this; }
  Int3 padding() const { return padding_; }
  AvgPool3dOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  bool ceil_mode() const { return ceil_mode_; }
  AvgPool3dOptions& count_include_pad(bool v) { count_include_pad_ = v; return *this; }
  bool count_include_pad() const { return count_include_pad_; }
  /// Every window's divisor (not zero), in place of its size.
  AvgPool3dOptions& divisor_override(std::optional<std::int64_t> v) { divisor_override_ = v; return *this; }
  std::optional<std::int64_t> divisor_override() const { return divisor_override_; }

 private:
  Int3 kernel_size_, stride_, padding_ = 0;
  bool ceil_mode_ = false, count_include_pad_ = true;
  std::optional<std::int64_t> divisor_override_;
};

class AvgPool3d : public Module {
 public:
  explicit AvgPool3d(const AvgPool3dOptions& options) : options_(options) {}
  explicit AvgPool3d(std::int64_t kernel_size) : options_(kernel_size) {}
  Tensor forward(const Tensor& x) override;

 private:
  AvgPool3dOptions options_;
};

class AdaptiveAvgPool3dOptions {
 public:
  AdaptiveAvgPool3dOptions(Int3 output_size) : output_size_(output_size) {}  // NOLINT: implicit, as libtorch
  AdaptiveAvgPool3dOptions& output_size(Int3 v) { output_size_ = v; return *this; }
  Int3 output_size() const { return output_size_; }

 private:
  Int3 output_size_;
};
using AdaptiveMaxPool3dOptions = AdaptiveAvgPool3dOptions;

/// Averages each channel down to output_size cells; AdaptiveAvgPool3d(1) is global pooling.
class AdaptiveAvgPool3d : public Module {
 public:
  explicit AdaptiveAvgPool3d(const AdaptiveAvgPool3dOptions& options) : output_size_(options.output_size()) {}
  explicit AdaptiveAvgPool3d(Int3 output_size) : output_size_(output_size) {}
  Tensor forward(const Tensor& x) override;

 private:
  Int3 output_size_;
};

/// The maximum of each of output_size windows; forward_with_indices also gives each
/// maximum's position d·H·W + h·W + w (libtorch's return_indices).
class AdaptiveMaxPool3d : public Module {
 public:
  explicit AdaptiveMaxPool3d(const AdaptiveMaxPool3dOptions& options) : output_size_(options.output_size()) {}
  explicit AdaptiveMaxPool3d(Int3 output_size) : output_size_(output_size) {}
  Tensor forward(const Tensor& x) override;
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& x);

 private:
  Int3 output_size_;
};

namespace functional {

class Conv3dFuncOptions {
 public:
  Conv3dFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  const Tensor& bias() const { return bias_; }
  Conv3dFuncOptions& stride(Int3 v) { stride_ = v; return *this; }
  Int3 stride() const { return stride_; }
  Conv3dFuncOptions& padding(Int3 v) { padding_ = v; return *this; }
  Int3 padding() const { return padding_; }
  Conv3dFuncOptions& dilation(Int3 v) { dilation_ = v; return *this; }
  Int3 dilation() const { return dilation_; }
  Conv3dFuncOptions& groups(std::int64_t v) { groups_ = v; return *this; }
  std::int64_t groups() const { return groups_; }

 private:
  Tensor bias_;
  Int3 stride_ = 1, padding_ = 0, dilation_ = 1;
  std::int64_t groups_ = 1;
};

inline Tensor conv3d(const Tensor& x, const Tensor& weight, const Conv3dFuncOptions& o = {}) {
  return xg::conv3d(x, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups());
}

class ConvTranspose3dFuncOptions {
 public:
  ConvTranspose3dFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  const Tensor& bias() const { return bias_; }
  ConvTranspose3dFuncOptions& stride(Int3 v) { stride_ = v; return *this; }
  Int3 stride() const { return stride_; }
  ConvTranspose3dFuncOptions& padding(Int3 v) { padding_ = v; return *this; }
  Int3 padding() const { return padding_; }
  ConvTranspose3dFuncOptions& output_padding(Int3 v) { output_padding_ = v; return *this; }
  Int3 output_padding() const { return output_padding_; }
  ConvTranspose3dFuncOptions& groups(std::int64_t v) { groups_ = v; return *this; }
  std::int64_t groups() const { return groups_; }
  ConvTranspose3dFuncOptions& dilation(Int3 v) { dilation_ = v; return *this; }
  Int3 dilation() const { return dilation_; }

 private:
  Tensor bias_;
  Int3 stride_ = 1, padding_ = 0, output_padding_ = 0, dilation_ = 1;
  std::int64_t groups_ = 1;
};

inline Tensor conv_transpose3d(const Tensor& x, const Tensor& weight, const ConvTranspose3dFuncOptions& o = {}) {
  return xg::conv_transpose3d(x, weight, o.bias(), o.stride(), o.padding(), o.output_padding(), o.groups(),
                              o.dilation());
}

using MaxPool3dFuncOptions = MaxPool3dOptions;
inline Tensor max_pool3d(const Tensor& x, const MaxPool3dFuncOptions& o) {
  return xg::max_pool3d(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}
inline std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& x, const MaxPool3dFuncOptions& o) {
  return xg::max_pool3d_with_indices(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}
using AvgPool3dFuncOptions = AvgPool3dOptions;
inline Tensor avg_pool3d(const Tensor& x, const AvgPool3dFuncOptions& o) {
  return xg::avg_pool3d(x, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(), o.count_include_pad(),
                        o.divisor_override());
}
using AdaptiveAvgPool3dFuncOptions = AdaptiveAvgPool3dOptions;
inline Tensor adaptive_avg_pool3d(const Tensor& x, const AdaptiveAvgPool3dFuncOptions& o) {
  return xg::adaptive_avg_pool3d(x, o.output_size());
}
using AdaptiveMaxPool3dFuncOptions = AdaptiveMaxPool3dOptions;
inline Tensor adaptive_max_pool3d(const Tensor& x, const AdaptiveMaxPool3dFuncOptions& o) {
  return xg::adaptive_max_pool3d(x, o.output_size());
}
inline std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(const Tensor& x,
                                                                   const AdaptiveMaxPool3dFuncOptions& o) {
  return xg::adaptive_max_pool3d_with_indices(x, o.output_size());
}

}  // namespace functional

}  // namespace xg::nn
