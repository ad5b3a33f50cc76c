// Conv2d, LazyConv2d, ConvTranspose2d and the pooling modules. The modules check the input
// against what they were built for and name themselves (PyTorch's own messages name the
// kernel, not the layer); the operations check the rest.
#include <xgrad/detail/format.h>

#include <xgrad/nn/conv.h>
#include <xgrad/nn/init.h>
#include <xgrad/ops.h>

#include "tensor/checked.h"

namespace xg::nn {

namespace {

std::string pair_str(Int2 v) { return detail::cat("(", v.h, ", ", v.w, ")"); }

// x (N, C, H, W) or unbatched (C, H, W), with C = channels when that is positive.
void check_nchw(const std::string& who, const Tensor& x, std::int64_t channels) {
  if (!x.defined() || (x.dim() != 3 && x.dim() != 4) || (channels > 0 && x.shape()[x.dim() - 3] != channels)) {
    const std::string c = channels > 0 ? std::to_string(channels) : std::string("C");
    // The textbook's slip: one-channel images batched as (N, H, W), the channel axis left out.
    const bool no_channel_axis = channels == 1 && x.defined() && x.dim() == 3;
    fail(who, ": expected input (N, ", c, ", H, W) or unbatched (", c, ", H, W), got ",
         x.defined() ? detail::shape_str(x.shape()) : std::string("undefined"),
         no_channel_axis ? " (a batch of one-channel images needs its channel axis: x.unsqueeze(1))" : "");
  }
}

}  // namespace

Conv2d::Conv2d(const Conv2dOptions& options) : options_(options) {
  if (options.in_channels() <= 0) fail("Conv2d: in_channels must be positive, got ", options.in_channels(), " (LazyConv2d infers it)");
  create(options.in_channels());
}

Conv2d::Conv2d(const Conv2dOptions& options, Lazy) : options_(options) { options_.in_channels(0); }

void Conv2d::create(std::int64_t in_channels) {
  detail::CallScope call("Conv2d");
  const auto& o = options_;
  const Int2 k = o.kernel_size();
  if (o.out_channels() <= 0 || k.h <= 0 || k.w <= 0 || o.groups() <= 0)
    fail(type_name(), ": out_channels, kernel_size and groups must be positive, got out_channels ", o.out_channels(),
         ", kernel_size ", pair_str(k), ", groups ", o.groups());
  if (in_channels % o.groups() != 0 || o.out_channels() % o.groups() != 0)
    fail(type_name(), ": groups = ", o.groups(), " must divide in_channels (", in_channels, ") and out_channels (",
         o.out_channels(), ")");
  options_.in_channels(in_channels);
  W = empty({o.out_channels(), in_channels / o.groups(), k.h, k.w}, o.dtype());
  init::xavier_normal(W);  // N(0, 1/fan_in), fan_in = in/groups·kh·kw
  register_parameter("W", W);
  if (o.bias()) {
    b = zeros({o.out_channels()}, o.dtype());
    register_parameter("b", b);
  }
}

std::string Conv2d::describe() const {
  const auto& o = options_;
  std::string s = detail::cat(type_name(), "(", o.in_channels(), ", ", o.out_channels(), ", kernel_size=",
                              pair_str(o.kernel_size()), ", stride=", pair_str(o.stride()));
  if (o.padding().h || o.padding().w) s += ", padding=" + pair_str(o.padding());
  if (o.dilation().h != 1 || o.dilation().w != 1) s += ", dilation=" + pair_str(o.dilation());
  if (o.groups() != 1) s += detail::cat(", groups=", o.groups());
  if (!o.bias()) s += ", bias=False";
  if (o.padding_mode() != kZeros) s += detail::cat(", padding_mode=", pad_mode_name(o.padding_mode()));
  return s + ")";
}

Tensor Conv2d::forward(const Tensor& x) {
  check_nchw(describe(), x, options_.in_channels());
  const auto& o = options_;
  if (o.padding_mode() == kZeros) return conv2d(x, W, b, o.stride(), o.padding(), o.dilation(), o.groups());
  const std::string who = type_name();
  detail::CallScope call(who.c_str());  // pad's messages name the layer
  const Int2 p = o.padding();
  return conv2d(pad(x, {p.w, p.w, p.h, p.h}, o.padding_mode()), W, b, o.stride(), 0, o.dilation(), o.groups());
}

LazyConv2d::LazyConv2d(const Conv2dOptions& options) : Conv2d(options, Lazy{}) {}

Tensor LazyConv2d::forward(const Tensor& x) {
  if (!W.defined()) {
    check_nchw("LazyConv2d", x, 0);
    create(x.shape()[x.dim() - 3]);
  }
  return Conv2d::forward(x);
}

ConvTranspose2d::ConvTranspose2d(const ConvTranspose2dOptions& options) : options_(options) {
  detail::CallScope call("ConvTranspose2d");
  const auto& o = options;
  const Int2 k = o.kernel_size();
  if (o.in_channels() <= 0 || o.out_channels() <= 0 || k.h <= 0 || k.w <= 0 || o.groups() <= 0 ||
      o.in_channels() % o.groups() != 0 || o.out_channels() % o.groups() != 0)
    fail("ConvTranspose2d: need positive in_channels, out_channels and kernel_size, and groups dividing both; got ",
         o.in_channels(), ", ", o.out_channels(), ", ", pair_str(k), ", groups ", o.groups());
  W = empty({o.in_channels(), o.out_channels() / o.groups(), k.h, k.w}, o.dtype());
  init::xavier_normal(W);
  register_parameter("W", W);
  if (o.bias()) {
    b = zeros({o.out_channels()}, o.dtype());
    register_parameter("b", b);
  }
}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  const auto& o = options_;
  check_nchw(detail::cat("ConvTranspose2d(", o.in_channels(), ", ", o.out_channels(), ", kernel_size=",
                         pair_str(o.kernel_size()), ")"),
             x, o.in_channels());
  return conv_transpose2d(x, W, b, o.stride(), o.padding(), o.output_padding(), o.groups(), o.dilation());
}

Tensor MaxPool2d::forward(const Tensor& x) {
  check_nchw(detail::cat("MaxPool2d(kernel_size=", pair_str(options_.kernel_size()), ")"), x, 0);
  const auto& o = options_;
  return max_pool2d(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}

std::tuple<Tensor, Tensor> MaxPool2d::forward_with_indices(const Tensor& x) {
  check_nchw(detail::cat("MaxPool2d(kernel_size=", pair_str(options_.kernel_size()), ")"), x, 0);
  const auto& o = options_;
  return max_pool2d_with_indices(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}

Tensor AvgPool2d::forward(const Tensor& x) {
  check_nchw(detail::cat("AvgPool2d(kernel_size=", pair_str(options_.kernel_size()), ")"), x, 0);
  const auto& o = options_;
  return avg_pool2d(x, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(), o.count_include_pad(),
                    o.divisor_override());
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
  check_nchw(detail::cat("AdaptiveAvgPool2d(", pair_str(output_size_), ")"), x, 0);
  return adaptive_avg_pool2d(x, output_size_);
}

Tensor AdaptiveMaxPool2d::forward(const Tensor& x) { return std::get<0>(forward_with_indices(x)); }

std::tuple<Tensor, Tensor> AdaptiveMaxPool2d::forward_with_indices(const Tensor& x) {
  check_nchw(detail::cat("AdaptiveMaxPool2d(", pair_str(output_size_), ")"), x, 0);
  return adaptive_max_pool2d_with_indices(x, output_size_);
}

}  // namespace xg::nn
