// Conv1d, MaxPool1d and AvgPool1d: parameters and checks; the work is xg::conv1d,
// max_pool1d and avg_pool1d (autograd/ops_conv1d.cpp).
#include <xgrad/nn/conv1d.h>

#include <xgrad/detail/format.h>
#include <xgrad/nn/init.h>

#include "tensor/checked.h"

namespace xg::nn {

Conv1d::Conv1d(const Conv1dOptions& options) : options_(options) {
  detail::CallScope call("Conv1d");
  const auto& o = options;
  if (o.in_channels() <= 0 || o.out_channels() <= 0 || o.kernel_size() <= 0 || o.groups() <= 0)
    fail("Conv1d: in_channels, out_channels, kernel_size and groups must be positive, got in_channels ",
         o.in_channels(), ", out_channels ", o.out_channels(), ", kernel_size ", o.kernel_size(), ", groups ",
         o.groups());
  if (o.in_channels() % o.groups() != 0 || o.out_channels() % o.groups() != 0)
    fail("Conv1d: groups = ", o.groups(), " must divide in_channels (", o.in_channels(), ") and out_channels (",
         o.out_channels(), ")");
  W = empty({o.out_channels(), o.in_channels() / o.groups(), o.kernel_size()}, o.dtype());
  init::xavier_normal(W);  // N(0, 1/fan_in), fan_in = in/groups·k
  register_parameter("W", W);
  if (o.bias()) {
    b = zeros({o.out_channels()}, o.dtype());
    register_parameter("b", b);
  }
}

std::string Conv1d::describe() const {
  const auto& o = options_;
  std::string s = detail::cat("Conv1d(", o.in_channels(), ", ", o.out_channels(), ", kernel_size=(", o.kernel_size(),
                              ",), stride=(", o.stride(), ",)");
  if (o.padding()) s += detail::cat(", padding=(", o.padding(), ",)");
  if (o.dilation() != 1) s += detail::cat(", dilation=(", o.dilation(), ",)");
  if (o.groups() != 1) s += detail::cat(", groups=", o.groups());
  if (!o.bias()) s += ", bias=False";
  if (o.padding_mode() != kZeros) s += detail::cat(", padding_mode=", pad_mode_name(o.padding_mode()));
  return s + ")";
}

Tensor Conv1d::forward(const Tensor& x) {
  const auto& o = options_;
  if (!x.defined() || (x.dim() != 2 && x.dim() != 3) || x.shape()[x.dim() - 2] != o.in_channels())
    fail(describe(), ": expected input (N, ", o.in_channels(), ", L) or unbatched (", o.in_channels(), ", L), got ",
         x.defined() ? detail::shape_str(x.shape()) : std::string("undefined"));
  if (o.padding_mode() == kZeros) return conv1d(x, W, b, o.stride(), o.padding(), o.dilation(), o.groups());
  detail::CallScope call("Conv1d");  // pad's messages name the layer
  return conv1d(pad(x, {o.padding(), o.padding()}, o.padding_mode()), W, b, o.stride(), 0, o.dilation(), o.groups());
}

ConvTranspose1d::ConvTranspose1d(const ConvTranspose1dOptions& options) : options_(options) {
  detail::CallScope call("ConvTranspose1d");
  const auto& o = options;
  if (o.in_channels() <= 0 || o.out_channels() <= 0 || o.kernel_size() <= 0 || o.groups() <= 0 ||
      o.in_channels() % o.groups() != 0 || o.out_channels() % o.groups() != 0)
    fail("ConvTranspose1d: need positive in_channels, out_channels and kernel_size, and groups dividing both; got ",
         o.in_channels(), ", ", o.out_channels(), ", ", o.kernel_size(), ", groups ", o.groups());
  W = empty({o.in_channels(), o.out_channels() / o.groups(), o.kernel_size()}, o.dtype());
  init::xavier_normal(W);
  register_parameter("W", W);
  if (o.bias()) {
    b = zeros({o.out_channels()}, o.dtype());
    register_parameter("b", b);
  }
}

Tensor ConvTranspose1d::forward(const Tensor& x) {
  const auto& o = options_;
  if (!x.defined() || (x.dim() != 2 && x.dim() != 3) || x.shape()[x.dim() - 2] != o.in_channels())
    fail("ConvTranspose1d(", o.in_channels(), ", ", o.out_channels(), ", kernel_size=(", o.kernel_size(),
         ",)): expected input (N, ", o.in_channels(), ", L) or unbatched (", o.in_channels(), ", L), got ",
         x.defined() ? detail::shape_str(x.shape()) : std::string("undefined"));
  return conv_transpose1d(x, W, b, o.stride(), o.padding(), o.output_padding(), o.groups(), o.dilation());
}

Tensor MaxPool1d::forward(const Tensor& x) {
  const auto& o = options_;
  return max_pool1d(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}

std::tuple<Tensor, Tensor> MaxPool1d::forward_with_indices(const Tensor& x) {
  const auto& o = options_;
  return max_pool1d_with_indices(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}

Tensor AvgPool1d::forward(const Tensor& x) {
  const auto& o = options_;
  return avg_pool1d(x, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(), o.count_include_pad());
}

Tensor AdaptiveAvgPool1d::forward(const Tensor& x) { return adaptive_avg_pool1d(x, output_size_); }

Tensor AdaptiveMaxPool1d::forward(const Tensor& x) { return adaptive_max_pool1d(x, output_size_); }

std::tuple<Tensor, Tensor> AdaptiveMaxPool1d::forward_with_indices(const Tensor& x) {
  return adaptive_max_pool1d_with_indices(x, output_size_);
}

}  // namespace xg::nn
