// layer_norm and dropout: compositions of existing operations (their gradients, to any
// order, come from the parts).
#include <xgrad/detail/format.h>
#include <cmath>

#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias, double eps) {
  detail::CallScope call("layer_norm");
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

Tensor dropout(const Tensor& x, double p, bool training) {
  detail::CallScope call("dropout");
  if (!(p >= 0 && p <= 1)) fail("dropout: probability must be in [0, 1], got ", p);
  if (!training || p == 0) return x;
  if (p == 1) return x * 0.0;
  const Tensor keep = rand_like(x) >= p;  // each element kept with probability 1 - p, drawn where x lives
  return x * keep * (1.0 / (1.0 - p));
}

}  // namespace xg
