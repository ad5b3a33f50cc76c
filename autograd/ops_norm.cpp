// layer_norm and dropout: compositions of existing operations (their gradients, to any
// order, come from the parts).
#include <xgrad/detail/format.h>
#include <cmath>

#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "tensor/checked.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace {

// 2^(e-1) <= m < 2^e for each finite positive m (so |x / scale| < 2; 2^e itself may not
// exist: 3e38 < 2^128 > FLT_MAX); 1 for 0, inf or NaN (those rows give NaN or exact results
// unscaled).
Tensor power_of_two_scale(const Tensor& m) {
  Tensor s = empty(m.shape(), m.dtype());
  detail::dispatch_float(m.dtype(), "layer_norm", [&](auto tag) {
    using T = decltype(tag);
    const T* pm = m.data<T>();
    T* ps = s.data<T>();
    for (std::int64_t i = 0; i < m.numel(); ++i) {
      int e = 0;
      const T v = pm[i];
      if (v > 0 && std::isfinite(v)) std::frexp(v, &e);
      ps[i] = e == 0 ? T(1) : std::ldexp(T(1), e - 1);
    }
  });
  return s;
}

}  // namespace

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
  const Tensor scale = power_of_two_scale(max(abs(x.detach()), axes, true));
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
  const Tensor keep = rand(x.shape(), x.dtype()) >= p;  // each element kept with probability 1 - p
  return x * keep * (1.0 / (1.0 - p));
}

}  // namespace xg
