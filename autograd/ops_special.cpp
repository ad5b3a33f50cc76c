// The special functions (lgamma, digamma, polygamma, erfc, erfinv, mvlgamma, sinc) and the
// sign-bit functions (copysign, signbit, heaviside). Each smooth one is one kernel forward
// (tensor/special_rules.h where C's library has none) and a backward written with the next
// function of the family, so every order of gradient and both devices come with it.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include <cmath>
#include <limits>

#include "autograd/graph.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg {

using autograd::Node;
using autograd::record;
using kernel::Binary;
using kernel::Unary;

namespace {

constexpr double kTwoOverSqrtPi = 1.1283791670955126, kSqrtPiOverTwo = 0.886226925452758;
constexpr std::int64_t kMaxPolygammaOrder = 170;  // n! overflows double past 170

// PyTorch's rule for these functions: integer input is computed in the default float dtype.
Tensor float_input(const Tensor& x, const char* op) {
  if (!x.defined()) fail(op, ": the input is undefined");
  return is_floating(x.dtype()) ? x : x.to(kFloat32);
}

// f's kernel forward; the backward gy · derivative(x, y) in differentiable operations.
template <class Derivative>
Tensor special(const char* op, Unary kind, const Tensor& input, Derivative derivative) {
  detail::CallScope call(op);
  const Tensor x = float_input(input, op);
  const Tensor y = kernel::unary(kind, x, op);
  return record(op, {x}, y, {x}, [derivative](Node& n, const Tensor& gy) {
    return tensor_list{gy * derivative(n.saved(0))};
  });
}

}  // namespace

Tensor lgamma(const Tensor& x) {
  return special("lgamma", Unary::Lgamma, x, [](const Tensor& v) { return digamma(v); });
}

Tensor digamma(const Tensor& x) {
  return special("digamma", Unary::Digamma, x, [](const Tensor& v) { return polygamma(1, v); });
}

Tensor polygamma(std::int64_t n, const Tensor& input) {
  detail::CallScope call("polygamma");
  if (n < 0) fail("polygamma: the order n must be non-negative, got ", n);
  if (n > kMaxPolygammaOrder) fail("polygamma: the order n must be at most ", kMaxPolygammaOrder, ", got ", n);
  if (n == 0) return digamma(input);
  const Tensor x = float_input(input, "polygamma");
  const int order = static_cast<int>(n);
  return record("polygamma", {x}, kernel::polygamma(order, x, "polygamma"), {x}, [order](Node& node, const Tensor& gy) {
    return tensor_list{gy * polygamma(order + 1, node.saved(0))};
  });
}

Tensor erfc(const Tensor& x) {
  return special("erfc", Unary::Erfc, x, [](const Tensor& v) { return exp(-(v * v)) * -kTwoOverSqrtPi; });
}

Tensor erfinv(const Tensor& input) {
  // The derivative √π/2 e^(y²) needs y = erfinv(x): saved as the output, so higher orders
  // differentiate through this node again.
  detail::CallScope call("erfinv");
  const Tensor x = float_input(input, "erfinv");
  const Tensor y = kernel::unary(Unary::Erfinv, x, "erfinv");
  return record("erfinv", {x}, y, {y}, [](Node& n, const Tensor& gy) {
    const Tensor v = n.saved(0);
    return tensor_list{gy * exp(v * v) * kSqrtPiOverTwo};
  });
}

Tensor mvlgamma(const Tensor& input, std::int64_t p) {
  detail::CallScope call("mvlgamma");
  if (p < 1) fail("mvlgamma: p must be at least 1, got ", p);
  if (p > 1000000) fail("mvlgamma: p must be at most 1000000, got ", p);
  const Tensor x = float_input(input, "mvlgamma");
  const double bound = (static_cast<double>(p) - 1) / 2;
  kernel::require_greater(x, bound, "mvlgamma", "(p - 1) / 2");
  // Σ_j lgamma(x - j/2) as one lgamma of a trailing axis of p shifts (made where x lives), summed.
  const Tensor offsets = arange(0.0, static_cast<double>(p), 1.0, TensorOptions(x.dtype()).device(x.device())) * -0.5;
  const double constant = static_cast<double>(p) * (static_cast<double>(p) - 1) / 4 * std::log(M_PI);
  return lgamma(x.unsqueeze(-1) + offsets).sum(Axes{-1}) + constant;
}

Tensor sinc(const Tensor& input) {
  detail::CallScope call("sinc");
  const Tensor x = float_input(input, "sinc");
  // Near 0, its Taylor series 1 - z²/6 + z⁴/120 - z⁶/5040 (z = πx; the next term is below
  // 1e-16 there), so every derivative at 0 is right (the second is -π²/3, where PyTorch's
  // masked rule gives 0); elsewhere sin(z)/z, taken at 1 inside the series' range so the
  // unused branch stays finite (its gradient would be 0 · inf = NaN).
  const Tensor small = abs(x) < 1e-3;
  const Tensor z = where(small, scalar_tensor(1.0, x.dtype()), x) * M_PI;
  const Tensor z2 = (x * M_PI) * (x * M_PI);
  const Tensor series = 1.0 - z2 * (1.0 / 6 - z2 * (1.0 / 120 - z2 * (1.0 / 5040)));
  return where(small, series, sin(z) / z);
}

Tensor signbit(const Tensor& x) {
  detail::CallScope call("signbit");
  if (!x.defined()) fail("signbit: the input is undefined");
  if (x.dtype() == kInt64) return kernel::cast(kernel::binary(Binary::Lt, x, scalar_tensor(0.0, kInt64), "signbit"), kInt64);
  return kernel::cast(kernel::unary(Unary::Signbit, x, "signbit"), kInt64);
}

Tensor copysign(const Tensor& x, const Tensor& other) {
  detail::CallScope call("copysign");
  if (!x.defined() || !other.defined()) fail("copysign: an operand is undefined");
  const Tensor a = float_input(x, "copysign");
  const Tensor b = is_floating(other.dtype()) ? other : other.to(a.dtype());
  // |x| · s with s = 1 - 2 signbit(other), a constant: x's gradient is gy sign(x) s (0 at
  // x = 0, PyTorch's), other's is zero (PyTorch's too: the result moves only by jumps).
  const Tensor s = kernel::binary(Binary::Sub, scalar_tensor(1.0, b.dtype()),
                                  kernel::binary(Binary::Mul, kernel::unary(Unary::Signbit, b, "copysign"),
                                                 scalar_tensor(2.0, b.dtype()), "copysign"),
                                  "copysign");
  const Tensor y = kernel::binary(Binary::Mul, kernel::unary(Unary::Abs, a, "copysign"), s, "copysign");
  return record("copysign", {a, b}, y, {a, s}, [](Node& n, const Tensor& gy) {
    const Tensor v = n.saved(0), sign = n.saved(1);
    return tensor_list{n.needs_input_grad(0) ? sum_to(gy * xg::sign(v) * sign, n.input_meta(0).shape) : Tensor(),
                       n.needs_input_grad(1) ? zeros(n.input_meta(1).shape, TensorOptions(gy.dtype()).device(gy.device()))
                                             : Tensor()};
  });
}
Tensor copysign(const Tensor& x, double other) {
  if (!x.defined()) fail("copysign: an operand is undefined");
  return copysign(x, scalar_tensor(other, is_floating(x.dtype()) ? x.dtype() : kFloat32));
}

Tensor heaviside(const Tensor& x, const Tensor& values) {
  detail::CallScope call("heaviside");
  if (!x.defined() || !values.defined()) fail("heaviside: an operand is undefined");
  const Tensor positive = kernel::binary(Binary::Gt, x, scalar_tensor(0.0, x.dtype()), "heaviside");
  const Tensor y = kernel::where(kernel::binary(Binary::Eq, x, scalar_tensor(0.0, x.dtype()), "heaviside"), values,
                                 positive);
  return record("heaviside", {x, values}, y, {}, [](Node&, const Tensor&) -> tensor_list {
    fail("heaviside: the derivative is not implemented (nor is PyTorch's); for a trainable step use a "
         "smooth one such as sigmoid(x / t)");
  });
}

}  // namespace xg
