// Convolution and pooling modules, with options in the libtorch habit:
//   xg::nn::Conv2d conv(xg::nn::Conv2dOptions(1, 32, 3).stride(1).padding(0));
//   xg::nn::MaxPool2d pool(2);
// Parameters are W (out, in/groups, kh, kw) and b (out), as the textbook's W1, b1.
// Default init: W ~ N(0, 1/fan_in) with fan_in = in/groups·kh·kw (DeZero's Conv2d, and the
// house's Linear), b = 0. The textbook's 0.01·randn is init::normal(conv.W, 0.01); He is
// init::he_normal(conv.W); Keras's is init::glorot_uniform(conv.W).
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include <xgrad/nn/module.h>
#include <xgrad/ops.h>

namespace xg::nn {

// Options: `stride()` reads one, `stride(2)` sets it and returns the options (libtorch's
// TORCH_ARG, written out).
class Conv2dOptions {
 public:
  Conv2dOptions(std::int64_t in_channels, std::int64_t out_channels, Int2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  Conv2dOptions& in_channels(std::int64_t v) { in_channels_ = v; return *this; }
  std::int64_t in_channels() const { return in_channels_; }
  Conv2dOptions& out_channels(std::int64_t v) { out_channels_ = v; return *this; }
  std::int64_t out_channels() const { return out_channels_; }
  Conv2dOptions& kernel_size(Int2 v) { kernel_size_ = v; return *this; }
  Int2 kernel_size() const { return kernel_size_; }
  Conv2dOptions& stride(Int2 v) { stride_ = v; return *this; }
  Int2 stride() const { return stride_; }
  Conv2dOptions& padding(Int2 v) { padding_ = v; return *this; }
  Int2 padding() const { return padding_; }
  Conv2dOptions& dilation(Int2 v) { dilation_ = v; return *this; }
  Int2 dilation() const { return dilation_; }
  Conv2dOptions& groups(std::int64_t v) { groups_ = v; return *this; }
  std::int64_t groups() const { return groups_; }
  Conv2dOptions& bias(bool v) { bias_ = v; return *this; }
  bool bias() const { return bias_; }
  /// kZeros (default), kReflect, kReplicate or kCircular: the input is padded in that mode
  /// (xg::pad), then convolved without padding, as libtorch.
  Conv2dOptions& padding_mode(PadMode v) { padding_mode_ = v; return *this; }
  PadMode padding_mode() const { return padding_mode_; }
  Conv2dOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t in_channels_;
  std::int64_t out_channels_;
  Int2 kernel_size_;
  Int2 stride_ = 1;
  Int2 padding_ = 0;
  Int2 dilation_ = 1;
  std::int64_t groups_ = 1;
  bool bias_ = true;
  PadMode padding_mode_ = kZeros;
  Dtype dtype_ = kFloat32;
};

/// 2-D convolution over (N, C, H, W) inputs, or unbatched (C, H, W) (the pools too).
class Conv2d : public Module {
 public:
  explicit Conv2d(const Conv2dOptions& options);
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, Int2 kernel_size)
      : Conv2d(Conv2dOptions(in_channels, out_channels, kernel_size)) {}
  Tensor forward(const Tensor& x) override;
  /// "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))", as PyTorch prints it.
  std::string describe() const;
  std::vector<TorchName> torch_names() const override { return {{"W", "weight"}, {"b", "bias"}}; }
  const Conv2dOptions& options() const { return options_; }
  Tensor W;
  Tensor b;  // undefined without bias

 protected:
  /// For LazyConv2d: options with in_channels still unknown (0); create() makes W and b.
  struct Lazy {};
  Conv2d(const Conv2dOptions& options, Lazy);
  void create(std::int64_t in_channels);
  bool materialized() const override { return W.defined(); }
  Conv2dOptions options_;
};

/// Conv2d whose in_channels is taken from the first input it sees (DeZero's Conv2d
/// without in_channels, PyTorch's LazyConv2d). Run one forward (summary() does) before
/// asking for parameters(): until then they do not exist, and parameters() says so.
class LazyConv2d : public Conv2d {
 public:
  /// Conv2dOptions(0, out_channels, kernel_size)...: in_channels is ignored.
  explicit LazyConv2d(const Conv2dOptions& options);
  LazyConv2d(std::int64_t out_channels, Int2 kernel_size) : LazyConv2d(Conv2dOptions(0, out_channels, kernel_size)) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LazyConv2d"; }
};

class ConvTranspose2dOptions {
 public:
  ConvTranspose2dOptions(std::int64_t in_channels, std::int64_t out_channels, Int2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  ConvTranspose2dOptions& in_channels(std::int64_t v) { in_channels_ = v; return *this; }
  std::int64_t in_channels() const { return in_channels_; }
  ConvTranspose2dOptions& out_channels(std::int64_t v) { out_channels_ = v; return *this; }
  std::int64_t out_channels() const { return out_channels_; }
  ConvTranspose2dOptions& kernel_size(Int2 v) { kernel_size_ = v; return *this; }
  Int2 kernel_size() const { return kernel_size_; }
  ConvTranspose2dOptions& stride(Int2 v) { stride_ = v; return *this; }
  Int2 stride() const { return stride_; }
  ConvTranspose2dOptions& padding(Int2 v) { padding_ = v; return *this; }
  Int2 padding() const { return padding_; }
  ConvTranspose2dOptions& output_padding(Int2 v) { output_padding_ = v; return *this; }
  Int2 output_padding() const { return output_padding_; }
  ConvTranspose2dOptions& dilation(Int2 v) { dilation_ = v; return *this; }
  Int2 dilation() const { return dilation_; }
  ConvTranspose2dOptions& groups(std::int64_t v) { groups_ = v; return *this; }
  std::int64_t groups() const { return groups_; }
  ConvTranspose2dOptions& bias(bool v) { bias_ = v; return *this; }
  bool bias() const { return bias_; }
  ConvTranspose2dOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t in_channels_;
  std::int64_t out_channels_;
  Int2 kernel_size_;
  Int2 stride_ = 1;
  Int2 padding_ = 0;
  Int2 output_padding_ = 0;
  Int2 dilation_ = 1;
  std::int64_t groups_ = 1;
  bool bias_ = true;
  Dtype dtype_ = kFloat32;
};

/// The transposed convolution (DeZero's Deconv2d): W is (in, out/groups, kh, kw), as
/// PyTorch's; output size S(H-1) - 2P + D(K-1) + 1 + output_padding.
class ConvTranspose2d : public Module {
 public:
  explicit ConvTranspose2d(const ConvTranspose2dOptions& options);
  Tensor forward(const Tensor& x) override;
  std::vector<TorchName> torch_names() const override { return {{"W", "weight"}, {"b", "bias"}}; }
  Tensor W;
  Tensor b;

 private:
  ConvTranspose2dOptions options_;
};

class MaxPool2dOptions {
 public:
  MaxPool2dOptions(Int2 kernel_size) : kernel_size_(kernel_size) {}  // NOLINT: implicit, as libtorch
  MaxPool2dOptions& kernel_size(Int2 v) { kernel_size_ = v; return *this; }
  Int2 kernel_size() const { return kernel_size_; }
  MaxPool2dOptions& stride(Int2 v) { stride_ = v; return *this; }
  Int2 stride() const { return stride_; }  // default: the kernel size
  MaxPool2dOptions& padding(Int2 v) { padding_ = v; return *this; }
  Int2 padding() const { return padding_; }
  MaxPool2dOptions& dilation(Int2 v) { dilation_ = v; return *this; }
  Int2 dilation() const { return dilation_; }
  /// Count a last window cut by the edge (PyTorch's rounding up of the output size).
  MaxPool2dOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  bool ceil_mode() const { return ceil_mode_; }

 private:
  Int2 kernel_size_;
  Int2 stride_;  // not given: the kernel size
  Int2 padding_ = 0;
  Int2 dilation_ = 1;
  bool ceil_mode_ = false;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(const MaxPool2dOptions& options) : options_(options) {}
  explicit MaxPool2d(std::int64_t kernel_size) : options_(kernel_size) {}
  Tensor forward(const Tensor& x) override;
  /// The maxima and their positions h·W + w in each plane (libtorch's), what MaxUnpool2d takes.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& x);

 private:
  MaxPool2dOptions options_;
};

class AvgPool2dOptions {
 public:
  AvgPool2dOptions(Int2 kernel_size) : kernel_size_(kernel_size) {}  // NOLINT: implicit, as libtorch
  AvgPool2dOptions& kernel_size(Int2 v) { kernel_size_ = v; return *this; }
  Int2 kernel_size() const { return kernel_size_; }
  AvgPool2dOptions& stride(Int2 v) { stride_ = v; return *this; }
  Int2 stride() const { return stride_; }  // default: the kernel size
  AvgPool2dOptions& padding(Int2 v) { padding_ = v; return *this; }
  Int2 padding() const { return padding_; }
  AvgPool2dOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  bool ceil_mode() const { return ceil_mode_; }
  AvgPool2dOptions& count_include_pad(bool v) { count_include_pad_ = v; return *this; }
  bool count_include_pad() const { return count_include_pad_; }
  /// Every window's divisor (not zero), in place of its size.
  AvgPool2dOptions& divisor_override(std::optional<std::int64_t> v) { divisor_override_ = v; return *this; }
  std::optional<std::int64_t> divisor_override() const { return divisor_override_; }

 private:
  Int2 kernel_size_;
  Int2 stride_;  // not given: the kernel size
  Int2 padding_ = 0;
  bool ceil_mode_ = false, count_include_pad_ = true;
  std::optional<std::int64_t> divisor_override_;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(const AvgPool2dOptions& options) : options_(options) {}
  explicit AvgPool2d(std::int64_t kernel_size) : options_(kernel_size) {}
  Tensor forward(const Tensor& x) override;

 private:
  AvgPool2dOptions options_;
};

class AdaptiveAvgPool2dOptions {
 public:
  AdaptiveAvgPool2dOptions(Int2 output_size) : output_size_(output_size) {}  // NOLINT: implicit, as libtorch
  AdaptiveAvgPool2dOptions& output_size(Int2 v) { output_size_ = v; return *this; }
  Int2 output_size() const { return output_size_; }

 private:
  Int2 output_size_;
};

/// Averages each channel down to output_size cells; AdaptiveAvgPool2d(1) is global average pooling.
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Int2 output_size) : output_size_(output_size) {}
  explicit AdaptiveAvgPool2d(const AdaptiveAvgPool2dOptions& options) : output_size_(options.output_size()) {}
  Tensor forward(const Tensor& x) override;

 private:
  Int2 output_size_;
};

using AdaptiveMaxPool2dOptions = AdaptiveAvgPool2dOptions;

/// The maximum of each of output_size windows (AdaptiveAvgPool2d's); AdaptiveMaxPool2d(1) is
/// global max pooling. forward_with_indices also gives each maximum's position h·W + w.
class AdaptiveMaxPool2d : public Module {
 public:
  explicit AdaptiveMaxPool2d(Int2 output_size) : output_size_(output_size) {}
  explicit AdaptiveMaxPool2d(const AdaptiveMaxPool2dOptions& options) : output_size_(options.output_size()) {}
  Tensor forward(const Tensor& x) override;
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& x);

 private:
  Int2 output_size_;
};

}  // namespace xg::nn
