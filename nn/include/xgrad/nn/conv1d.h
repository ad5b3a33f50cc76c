// 1-D convolution and pooling modules over (N, C, L) sequences, with options in the libtorch
// habit:
//   xg::nn::Conv1d conv(xg::nn::Conv1dOptions(8, 16, 3).padding(1));
//   xg::nn::MaxPool1d pool(2);
// Parameters are W (out, in/groups, k) and b (out), as Conv2d's; default init W ~ N(0,
// 1/fan_in) with fan_in = in/groups·k, b = 0 (Conv2d's rule). Each runs its 2-D form on
// (N, C, 1, L) (xg::conv1d, max_pool1d, avg_pool1d).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include <xgrad/nn/module.h>
#include <xgrad/ops.h>

namespace xg::nn {

class Conv1dOptions {
 public:
  Conv1dOptions(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  Conv1dOptions& in_channels(std::int64_t v) { in_channels_ = v; return *this; }
  std::int64_t in_channels() const { return in_channels_; }
  Conv1dOptions& out_channels(std::int64_t v) { out_channels_ = v; return *this; }
  std::int64_t out_channels() const { return out_channels_; }
  Conv1dOptions& kernel_size(std::int64_t v) { kernel_size_ = v; return *this; }
  std::int64_t kernel_size() const { return kernel_size_; }
  Conv1dOptions& stride(std::int64_t v) { stride_ = v; return *this; }
  std::int64_t stride() const { return stride_; }
  Conv1dOptions& padding(std::int64_t v) { padding_ = v; return *this; }
  std::int64_t padding() const { return padding_; }
  Conv1dOptions& dilation(std::int64_t v) { dilation_ = v; return *this; }
  std::int64_t dilation() const { return dilation_; }
  Conv1dOptions& groups(std::int64_t v) { groups_ = v; return *this; }
  std::int64_t groups() const { return groups_; }
  Conv1dOptions& bias(bool v) { bias_ = v; return *this; }
  bool bias() const { return bias_; }
  /// kZeros (default), kReflect, kReplicate or kCircular, as Conv2dOptions::padding_mode.
  Conv1dOptions& padding_mode(PadMode v) { padding_mode_ = v; return *this; }
  PadMode padding_mode() const { return padding_mode_; }
  Conv1dOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t in_channels_, out_channels_, kernel_size_;
  std::int64_t stride_ = 1, padding_ = 0, dilation_ = 1, groups_ = 1;
  bool bias_ = true;
  PadMode padding_mode_ = kZeros;
  Dtype dtype_ = kFloat32;
};

/// 1-D convolution over (N, C, L) inputs, or unbatched (C, L) (the pools too).
class Conv1d : public Module {
 public:
  explicit Conv1d(const Conv1dOptions& options);
  Conv1d(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size)
      : Conv1d(Conv1dOptions(in_channels, out_channels, kernel_size)) {}
  Tensor forward(const Tensor& x) override;
  /// "Conv1d(8, 16, kernel_size=(3,), stride=(1,))", as PyTorch prints it.
  std::string describe() const;
  std::vector<TorchName> torch_names() const override { return {{"W", "weight"}, {"b", "bias"}}; }
  const Conv1dOptions& options() const { return options_; }
  Tensor W;
  Tensor b;  // undefined without bias

 private:
  Conv1dOptions options_;
};

class ConvTranspose1dOptions {
 public:
  ConvTranspose1dOptions(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  ConvTranspose1dOptions& in_channels(std::int64_t v) { in_channels_ = v; return *this; }
  std::int64_t in_channels() const { return in_channels_; }
  ConvTranspose1dOptions& out_channels(std::int64_t v) { out_channels_ = v; return *this; }
  std::int64_t out_channels() const { return out_channels_; }
  ConvTranspose1dOptions& kernel_size(std::int64_t v) { kernel_size_ = v; return *this; }
  std::int64_t kernel_size() const { return kernel_size_; }
  ConvTranspose1dOptions& stride(std::int64_t v) { stride_ = v; return *this; }
  std::int64_t stride() const { return stride_; }
  ConvTranspose1dOptions& padding(std::int64_t v) { padding_ = v; return *this; }
  std::int64_t padding() const { return padding_; }
  ConvTranspose1dOptions& output_padding(std::int64_t v) { output_padding_ = v; return *this; }
  std::int64_t output_padding() const { return output_padding_; }
  ConvTranspose1dOptions& dilation(std::int64_t v) { dilation_ = v; return *this; }
  std::int64_t dilation() const { return dilation_; }
  ConvTranspose1dOptions& groups(std::int64_t v) { groups_ = v; return *this; }
  std::int64_t groups() const { return groups_; }
  ConvTranspose1dOptions& bias(bool v) { bias_ = v; return *this; }
  bool bias() const { return bias_; }
  ConvTranspose1dOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t in_channels_, out_channels_, kernel_size_;
  std::int64_t stride_ = 1, padding_ = 0, output_padding_ = 0, dilation_ = 1, groups_ = 1;
  bool bias_ = true;
  Dtype dtype_ = kFloat32;
};

/// The transposed 1-D convolution over (N, C, L): W (in, out/groups, k), as PyTorch's, and
/// its init (ConvTranspose2d's rule); output length S(L-1) - 2P + D(K-1) + 1 + output_padding.
class ConvTranspose1d : public Module {
 public:
  explicit ConvTranspose1d(const ConvTranspose1dOptions& options);
  Tensor forward(const Tensor& x) override;
  std::vector<TorchName> torch_names() const override { return {{"W", "weight"}, {"b", "bias"}}; }
  const ConvTranspose1dOptions& options() const { return options_; }
  Tensor W;
  Tensor b;  // undefined without bias

 private:
  ConvTranspose1dOptions options_;
};

class MaxPool1dOptions {
 public:
  MaxPool1dOptions(std::int64_t kernel_size) : kernel_size_(kernel_size) {}  // NOLINT: implicit, as libtorch
  MaxPool1dOptions& kernel_size(std::int64_t v) { kernel_size_ = v; return *this; }
  std::int64_t kernel_size() const { return kernel_size_; }
  MaxPool1dOptions& stride(std::int64_t v) { stride_ = v; return *this; }
  std::optional<std::int64_t> stride() const { return stride_; }  // not given: the kernel size
  MaxPool1dOptions& padding(std::int64_t v) { padding_ = v; return *this; }
  std::int64_t padding() const { return padding_; }
  MaxPool1dOptions& dilation(std::int64_t v) { dilation_ = v; return *this; }
  std::int64_t dilation() const { return dilation_; }
  /// Count a last window cut by the edge (PyTorch's rounding up of the output size).
  MaxPool1dOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  bool ceil_mode() const { return ceil_mode_; }

 private:
  std::int64_t kernel_size_;
  std::optional<std::int64_t> stride_;
  std::int64_t padding_ = 0, dilation_ = 1;
  bool ceil_mode_ = false;
};

class MaxPool1d : public Module {
 public:
  explicit MaxPool1d(const MaxPool1dOptions& options) : options_(options) {}
  explicit MaxPool1d(std::int64_t kernel_size) : options_(kernel_size) {}
  Tensor forward(const Tensor& x) override;
  /// The maxima and their positions along L (libtorch's), what MaxUnpool1d takes.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& x);

 private:
  MaxPool1dOptions options_;
};

class AvgPool1dOptions {
 public:
  AvgPool1dOptions(std::int64_t kernel_size) : kernel_size_(kernel_size) {}  // NOLINT: implicit, as libtorch
  AvgPool1dOptions& kernel_size(std::int64_t v) { kernel_size_ = v; return *this; }
  std::int64_t kernel_size() const { return kernel_size_; }
  AvgPool1dOptions& stride(std::int64_t v) { stride_ = v; return *this; }
  std::optional<std::int64_t> stride() const { return stride_; }  // not given: the kernel size
  AvgPool1dOptions& padding(std::int64_t v) { padding_ = v; return *this; }
  std::int64_t padding() const { return padding_; }
  AvgPool1dOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  bool ceil_mode() const { return ceil_mode_; }
  AvgPool1dOptions& count_include_pad(bool v) { count_include_pad_ = v; return *this; }
  bool count_include_pad() const { return count_include_pad_; }

 private:
  std::int64_t kernel_size_;
  std::optional<std::int64_t> stride_;
  std::int64_t padding_ = 0;
  bool ceil_mode_ = false, count_include_pad_ = true;
};

class AvgPool1d : public Module {
 public:
  explicit AvgPool1d(const AvgPool1dOptions& options) : options_(options) {}
  explicit AvgPool1d(std::int64_t kernel_size) : options_(kernel_size) {}
  Tensor forward(const Tensor& x) override;

 private:
  AvgPool1dOptions options_;
};

class AdaptiveAvgPool1dOptions {
 public:
  AdaptiveAvgPool1dOptions(std::int64_t output_size) : output_size_(output_size) {}  // NOLINT: implicit, as libtorch
  AdaptiveAvgPool1dOptions& output_size(std::int64_t v) { output_size_ = v; return *this; }
  std::int64_t output_size() const { return output_size_; }

 private:
  std::int64_t output_size_;
};
using AdaptiveMaxPool1dOptions = AdaptiveAvgPool1dOptions;

/// Averages each channel of (C, L) or (N, C, L) down to output_size cells;
/// AdaptiveAvgPool1d(1) is global average pooling over time.
class AdaptiveAvgPool1d : public Module {
 public:
  explicit AdaptiveAvgPool1d(const AdaptiveAvgPool1dOptions& options) : output_size_(options.output_size()) {}
  Tensor forward(const Tensor& x) override;

 private:
  std::int64_t output_size_;
};

/// The maximum of each of output_size windows; forward_with_indices also gives each
/// maximum's position along L.
class AdaptiveMaxPool1d : public Module {
 public:
  explicit AdaptiveMaxPool1d(const AdaptiveMaxPool1dOptions& options) : output_size_(options.output_size()) {}
  Tensor forward(const Tensor& x) override;
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& x);

 private:
  std::int64_t output_size_;
};

}  // namespace xg::nn
