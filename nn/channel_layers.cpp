// LocalResponseNorm, ChannelShuffle, Softmax2d and RReLU, composed as PyTorch 1.13 computes
// them (local_response_norm: the squares averaged over a channel window with zeros past the
// edges, then k + alpha · average, to the power beta).
#include <xgrad/detail/format.h>
#include <xgrad/nn/channel_layers.h>
#include <xgrad/ops.h>

#include "tensor/checked.h"

namespace xg::nn {

namespace functional {

Tensor local_response_norm(const Tensor& x, const LocalResponseNormFuncOptions& o) {
  xg::detail::CallScope call("local_response_norm");
  if (!x.defined()) fail("local_response_norm: the input is undefined");
  if (x.dim() < 3)
    fail("local_response_norm: expected an input of 3 or more dimensions (N, C, ...), got ",
         xg::detail::shape_str(x.shape()));
  if (!is_floating(x.dtype())) fail("local_response_norm: expected a float tensor, got int64");
  if (o.size() < 1) fail("local_response_norm: size must be positive, got ", o.size());
  // PyTorch's computation: the squares as (N, 1, C, rest), padded with size/2 zero channels
  // before and (size-1)/2 after, averaged over windows of `size` channels (one pooling kernel
  // on either device, whatever the size).
  const std::int64_t N = x.shape()[0], C = x.shape()[1];
  const std::int64_t rest = shape_numel(Shape(x.shape().begin() + 2, x.shape().end()));
  const Tensor squares = pad((x * x).reshape({N, 1, C, rest}), {0, 0, o.size() / 2, (o.size() - 1) / 2});
  const Tensor average = avg_pool2d(squares, {o.size(), 1}, {1, 1}).reshape(x.shape());
  return x / pow(average * o.alpha() + o.k(), o.beta());
}

Tensor channel_shuffle(const Tensor& x, std::int64_t groups) {
  xg::detail::CallScope call("channel_shuffle");
  if (!x.defined()) fail("channel_shuffle: the input is undefined");
  if (x.dim() < 3)
    fail("channel_shuffle: expected an input of 3 or more dimensions (N, C, ...), got ", xg::detail::shape_str(x.shape()));
  if (groups < 1) fail("channel_shuffle: groups must be positive, got ", groups);
  const std::int64_t C = x.shape()[1];
  if (C % groups != 0) fail("channel_shuffle: groups = ", groups, " must divide the ", C, " channels");
  Shape split = x.shape();
  split[1] = C / groups;
  split.insert(split.begin() + 1, groups);
  return x.reshape(split).transpose(1, 2).reshape(x.shape());
}

Tensor rrelu(const Tensor& x, const RReLUFuncOptions& o) {
  xg::detail::CallScope call("rrelu");
  if (!x.defined()) fail("rrelu: the input is undefined");
  if (!is_floating(x.dtype())) fail("rrelu: expected a float tensor, got int64");
  if (!(o.lower() <= o.upper()))
    fail("rrelu: lower (", o.lower(), ") must not exceed upper (", o.upper(), ")");
  if (!o.training()) return where(x >= 0.0, x, x * ((o.lower() + o.upper()) / 2));
  const Tensor slope = rand_like(x) * (o.upper() - o.lower()) + o.lower();  // a constant: no gradient
  return where(x >= 0.0, x, x * slope);
}

}  // namespace functional

Tensor Softmax2d::forward(const Tensor& x) {
  if (!x.defined() || (x.dim() != 3 && x.dim() != 4))
    fail("Softmax2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got ",
         x.defined() ? xg::detail::shape_str(x.shape()) : std::string("undefined"));
  return softmax(x, -3);
}

Tensor RReLU::forward(const Tensor& x) {
  return functional::rrelu(x, functional::RReLUFuncOptions().lower(options_.lower()).upper(options_.upper()).training(
                                  is_training()));
}

}  // namespace xg::nn
