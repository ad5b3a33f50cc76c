// Conv3d, ConvTranspose3d and the 3-D pooling modules: parameters and the checks that name
// the layer; the work is xg::conv3d, conv_transpose3d and the 3-D pools
// (autograd/ops_volume.cpp).
#include <xgrad/nn/conv3d.h>

#include <xgrad/detail/format.h>
#include <xgrad/nn/init.h>

#include "nn/repr.h"
#include "tensor/checked.h"

namespace xg::nn {

namespace {

// "(d, h, w)", as PyTorch prints a size (nn/repr.h).
std::string triple(Int3 v) { return detail_repr::py_tuple(std::vector<std::int64_t>{v.d, v.h, v.w}); }

// (C, D, H, W) or (N, C, D, H, W) with `channels` channels (any when 0).
void check_volume(const std::string& who, const Tensor& x, std::int64_t channels) {
  if (!x.defined()) fail(who, ": the input is undefined");
  const bool batched = x.dim() == 5;
  if ((x.dim() != 4 && !batched) || (channels > 0 && x.shape()[batched ? 1 : 0] != channels))
    fail(who, ": expected input (N, ", channels > 0 ? std::to_string(channels) : std::string("C"),
         ", D, H, W) or unbatched (", channels > 0 ? std::to_string(channels) : std::string("C"), ", D, H, W), got ",
         detail::shape_str(x.shape()));
}

// Positive channels and kernel, groups dividing both channel counts.
void check_layer(const char* who, std::int64_t in, std::int64_t out, Int3 k, std::int64_t groups) {
  if (in <= 0 || out <= 0 || k.d <= 0 || k.h <= 0 || k.w <= 0 || groups <= 0)
    fail(who, ": in_channels, out_channels, kernel_size and groups must be positive, got in_channels ", in,
         ", out_channels ", out, ", kernel_size ", triple(k), ", groups ", groups);
  if (in % groups != 0 || out % groups != 0)
    fail(who, ": groups = ", groups, " must divide in_channels (", in, ") and out_channels (", out, ")");
}

}  // namespace

Conv3d::Conv3d(const Conv3dOptions& options) : options_(options) {
  detail::CallScope call("Conv3d");
  const auto& o = options;
  const Int3 k = o.kernel_size();
  check_layer("Conv3d", o.in_channels(), o.out_channels(), k, o.groups());
  W = empty({o.out_channels(), o.in_channels() / o.groups(), k.d, k.h, k.w}, o.dtype());
  init::xavier_normal(W);  // N(0, 1/fan_in), fan_in = in/groups·kd·kh·kw
  register_parameter("W", W);
  if (o.bias()) {
    b = zeros({o.out_channels()}, o.dtype());
    register_parameter("b", b);
  }
}

std::string Conv3d::describe() const {
  const auto& o = options_;
  std::string s = detail::cat("Conv3d(", o.in_channels(), ", ", o.out_channels(), ", kernel_size=",
                              triple(o.kernel_size()), ", stride=", triple(o.stride()));
  const Int3 p = o.padding(), d = o.dilation();
  if (p.d || p.h || p.w) s += ", padding=" + triple(p);
  if (d.d != 1 || d.h != 1 || d.w != 1) s += ", dilation=" + triple(d);
  if (o.groups() != 1) s += detail::cat(", groups=", o.groups());
  if (!o.bias()) s += ", bias=False";
  if (o.padding_mode() != kZeros) s += detail::cat(", padding_mode=", pad_mode_name(o.padding_mode()));
  return s + ")";
}

Tensor Conv3d::forward(const Tensor& x) {
  const auto& o = options_;
  check_volume(describe(), x, o.in_channels());
  if (o.padding_mode() == kZeros) return conv3d(x, W, b, o.stride(), o.padding(), o.dilation(), o.groups());
  detail::CallScope call("Conv3d");  // pad's messages name the layer
  const Int3 p = o.padding();
  return conv3d(pad(x, {p.w, p.w, p.h, p.h, p.d, p.d}, o.padding_mode()), W, b, o.stride(), 0, o.dilation(),
                o.groups());
}

ConvTranspose3d::ConvTranspose3d(const ConvTranspose3dOptions& options) : options_(options) {
  detail::CallScope call("ConvTranspose3d");
  const auto& o = options;
  const Int3 k = o.kernel_size();
  check_layer("ConvTranspose3d", o.in_channels(), o.out_channels(), k, o.groups());
  W = empty({o.in_channels(), o.out_channels() / o.groups(), k.d, k.h, k.w}, o.dtype());
  init::xavier_normal(W);
  register_parameter("W", W);
  if (o.bias()) {
    b = zeros({o.out_channels()}, o.dtype());
    register_parameter("b", b);
  }
}

Tensor ConvTranspose3d::forward(const Tensor& x) {
  const auto& o = options_;
  check_volume(detail::cat("ConvTranspose3d(", o.in_channels(), ", ", o.out_channels(), ", kernel_size=",
                           triple(o.kernel_size()), ")"),
               x, o.in_channels());
  return conv_transpose3d(x, W, b, o.stride(), o.padding(), o.output_padding(), o.groups(), o.dilation());
}

Tensor MaxPool3d::forward(const Tensor& x) {
  const auto& o = options_;
  check_volume(detail::cat("MaxPool3d(kernel_size=", triple(o.kernel_size()), ")"), x, 0);
  return max_pool3d(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}

std::tuple<Tensor, Tensor> MaxPool3d::forward_with_indices(const Tensor& x) {
  const auto& o = options_;
  check_volume(detail::cat("MaxPool3d(kernel_size=", triple(o.kernel_size()), ")"), x, 0);
  return max_pool3d_with_indices(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}

Tensor AvgPool3d::forward(const Tensor& x) {
  const auto& o = options_;
  check_volume(detail::cat("AvgPool3d(kernel_size=", triple(o.kernel_size()), ")"), x, 0);
  return avg_pool3d(x, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(), o.count_include_pad(),
                    o.divisor_override());
}

Tensor AdaptiveAvgPool3d::forward(const Tensor& x) {
  check_volume(detail::cat("AdaptiveAvgPool3d(", triple(output_size_), ")"), x, 0);
  return adaptive_avg_pool3d(x, output_size_);
}

Tensor AdaptiveMaxPool3d::forward(const Tensor& x) { return std::get<0>(forward_with_indices(x)); }

std::tuple<Tensor, Tensor> AdaptiveMaxPool3d::forward_with_indices(const Tensor& x) {
  check_volume(detail::cat("AdaptiveMaxPool3d(", triple(output_size_), ")"), x, 0);
  return adaptive_max_pool3d_with_indices(x, output_size_);
}

}  // namespace xg::nn
