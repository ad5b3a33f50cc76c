// layer_norm (one fused node, its higher orders from the composed form), group_norm (layer_norm
// on each sample's groups) and dropout (compositions: their gradients, to any order, come
// from the parts).
#include <xgrad/detail/format.h>
#include <cmath>

#include <xgrad/autograd.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "autograd/graph.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/norm_kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

using autograd::Node;

namespace {

// layer_norm from differentiable operations: the reference the fused kernels follow (and
// what runs for mixed dtypes or devices), and, recomputed from the saved
// inputs, the path a gradient of the gradient is taken through.
Tensor composed_layer_norm(const Tensor& x, const Axes& axes, const Tensor& weight, const Tensor& bias, double eps) {
  // (x − mean)² overflows float32 for |x| above about 1.8e19 (and float64 above 1e154): the
  // variance became inf and the output a plausible-looking 0. Each row is first divided by
  // a power of two near its largest magnitude, s (a constant: no gradient flows through it),
  // and eps by s²: the same function, and because scaling by 2^k is exact, the same values
  // bit for bit wherever nothing overflowed. inf and NaN inputs still give NaN, as PyTorch.
  const Tensor scale = kernel::unary(kernel::Unary::PowerOfTwoScale, max(abs(x.detach()), axes, true), "layer_norm");
  const Tensor z = x / scale;
  const Tensor centred = z - z.mean(axes, true);
  Tensor y = centred / sqrt((centred * centred).mean(axes, true) + eps / (scale * scale));
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
}

bool fusable(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  for (const Tensor* p : {&weight, &bias})
    if (p->defined() && (p->dtype() != x.dtype() || p->device() != x.device())) return false;
  return true;
}

}  // namespace

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias, double eps) {
  detail::CallScope call("layer_norm");
  if (!x.defined()) fail("layer_norm: the input is undefined");
  if (!is_floating(x.dtype())) fail("layer_norm: expected a float input, got ", dtype_name(x.dtype()));
  const auto k = static_cast<std::int64_t>(normalized_shape.size());
  const Shape& s = x.shape();
  if (k == 0 || k > x.dim() || !std::equal(normalized_shape.begin(), normalized_shape.end(), s.end() - k))
    fail("layer_norm: normalized_shape ", detail::shape_str(normalized_shape), " must be the trailing axes of the input ",
         detail::shape_str(s));
  for (const Tensor* p : {&weight, &bias})
    if (p->defined() && p->shape() != normalized_shape)
      fail("layer_norm: ", p == &weight ? "weight" : "bias", " has shape ", detail::shape_str(p->shape()),
           ", expected normalized_shape ", detail::shape_str(normalized_shape));
  if (!(eps > 0)) fail("layer_norm: eps must be positive, got ", eps);
  Axes axes;
  for (std::int64_t a = x.dim() - k; a < x.dim(); ++a) axes.push_back(a);
  if (!fusable(x, weight, bias)) return composed_layer_norm(x, axes, weight, bias, eps);

  // One node: the kernels keep per row the scale, mean and 1/std (tensor/norm_kernels.h).
  const std::int64_t cols = detail::checked_numel(normalized_shape, "layer_norm");
  if (cols == 0) return x * 0.0;  // rows of nothing: an empty result (PyTorch's), still in the graph
  auto out = kernel::layer_norm_forward(x, cols, weight, bias, eps, "layer_norm");
  const bool has_w = weight.defined(), has_b = bias.defined();
  tensor_list saved{x, out.stats};
  if (has_w) saved.push_back(weight);
  if (has_b) saved.push_back(bias);
  return autograd::record("layer_norm", {x, weight, bias}, out.y, saved,
                          [axes, cols, eps, has_w, has_b, shape = normalized_shape](Node& n, const Tensor& gy) {
    const Tensor x = n.saved(0);
    const Tensor w = has_w ? n.saved(2) : Tensor(), b = has_b ? n.saved(has_w ? 3 : 2) : Tensor();
    if (is_grad_enabled())  // higher orders: the composed form's gradient, with a graph
      return autograd::recomputed_gradients(n, {x, w, b}, [&axes, eps](const tensor_list& in) {
        return tensor_list{composed_layer_norm(in[0], axes, in[1], in[2], eps)};
      }, {gy});
    const Tensor g = gy.dtype() == x.dtype() ? gy : gy.to(x.dtype());
    auto r = kernel::layer_norm_backward(x, cols, n.saved(1), w, g, has_w && n.needs_input_grad(1),
                                         has_b && n.needs_input_grad(2), "layer_norm");
    const auto shaped = [&](const Tensor& t) { return t.defined() ? detail::alias(t, shape) : t; };
    return tensor_list{n.needs_input_grad(0) ? r.x : Tensor(), shaped(r.weight), shaped(r.bias)};
  });
}

// Each sample's group as one row of the fused layer_norm (no affine), then the per-channel
// affine: one normalisation node on either device, and its higher orders, for free.
Tensor group_norm(const Tensor& x, std::int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  detail::CallScope call("group_norm");
  if (!x.defined()) fail("group_norm: the input is undefined");
  if (!is_floating(x.dtype())) fail("group_norm: expected a float input, got ", dtype_name(x.dtype()));
  if (x.dim() < 2) fail("group_norm: expected an input (N, C, ...), got ", detail::shape_str(x.shape()));
  const Shape& s = x.shape();
  const std::int64_t N = s[0], C = s[1];
  if (num_groups < 1 || C % num_groups != 0)
    fail("group_norm: num_groups must be positive and divide the ", C, " channels of input ", detail::shape_str(s),
         ", got ", num_groups);
  for (const Tensor* p : {&weight, &bias})
    if (p->defined() && p->shape() != Shape{C})
      fail("group_norm: ", p == &weight ? "weight" : "bias", " has shape ", detail::shape_str(p->shape()),
           ", expected (", C, ") for input ", detail::shape_str(s));
  if (!(eps > 0)) fail("group_norm: eps must be positive, got ", eps);
  // C/G channels times the positions (an existing tensor's sizes: no overflow).
  const std::int64_t per_group = C / num_groups * detail::checked_numel(Shape(s.begin() + 2, s.end()), "group_norm");
  Tensor y = reshape(layer_norm(reshape(x, {N, num_groups, per_group}), {per_group}, Tensor(), Tensor(), eps), s);
  if (!weight.defined() && !bias.defined()) return y;
  Shape per_channel(s.size(), 1);  // (1, C, 1, ...): broadcast over the samples and positions
  per_channel[1] = C;
  if (weight.defined()) y = y * reshape(weight, per_channel);
  if (bias.defined()) y = y + reshape(bias, per_channel);
  return y;
}

Tensor dropout(const Tensor& x, double p, bool training) {
  detail::CallScope call("dropout");
  if (!(p >= 0 && p <= 1)) fail("dropout: probability must be in [0, 1], got ", p);
  if (!training || p == 0) return x;
  if (p == 1) return x * 0.0;
  const Tensor keep = rand_like(x) >= p;  // each element kept with probability 1 - p, drawn where x lives
  return x * keep * (1.0 / (1.0 - p));
}

}  // namespace xg
