// Private: per-element arithmetic written once for scalars on the host, xsimd batches and
// the GPU: GELU's (tensor/activation.cpp, tensor/cuda/elementwise.cu), layer_norm's exact
// scale, integer floor division and shifts. The transcendental functions (erf, exp, tanh) are the caller's, as in
// tensor/cell_rules.h: each target has its own.
#pragma once

#include <cmath>
#include <type_traits>

#include "tensor/host_device.h"

namespace xg::detail::gelu {

constexpr double kInvSqrt2 = 0.7071067811865476;     // 1/√2: Φ(x) = (1 + erf(x/√2)) / 2
constexpr double kInvSqrt2Pi = 0.3989422804014327;   // 1/√(2π): φ(x) = e^(-x²/2) / √(2π)
constexpr double kSqrt2OverPi = 0.7978845608028654;  // √(2/π), the tanh form's scale
constexpr double kCubic = 0.044715;                  // the tanh form's cubic coefficient

/// The erf form: x Φ(x), given e = erf(x/√2).
template <class V>
XG_HOST_DEVICE V exact(V x, V e) {
  return V(0.5) * x * (V(1) + e);
}
/// Its derivative times g: g (Φ(x) + x φ(x)), given e = erf(x/√2) and d = e^(-x²/2).
template <class V>
XG_HOST_DEVICE V exact_grad(V x, V e, V d, V g) {
  return g * (V(0.5) * (V(1) + e) + x * d * V(kInvSqrt2Pi));
}

/// The tanh form's argument u = √(2/π) (x + 0.044715 x³).
template <class V>
XG_HOST_DEVICE V tanh_arg(V x) {
  return V(kSqrt2OverPi) * (x + V(kCubic) * x * x * x);
}
/// The tanh form: x (1 + tanh u) / 2, given t = tanh(u).
template <class V>
XG_HOST_DEVICE V tanh_form(V x, V t) {
  return V(0.5) * x * (V(1) + t);
}
/// Its derivative times g, given t = tanh(u): g ((1 + t)/2 + x (1 - t²) u'(x) / 2).
template <class V>
XG_HOST_DEVICE V tanh_grad(V x, V t, V g) {
  const V du = V(kSqrt2OverPi) * (V(1) + V(3 * kCubic) * x * x);
  return g * (V(0.5) * (V(1) + t) + V(0.5) * x * (V(1) - t * t) * du);
}

}  // namespace xg::detail::gelu

namespace xg::detail {

/// layer_norm's exact scale of a row whose largest magnitude is v: 2^(e-1) for finite v > 0
/// with frexp exponent e != 0 (2^(e-1) <= v < 2^e), else 1. Dividing by a power of two is
/// exact, so it changes no bit where nothing overflowed. Host only: the GPU's copy is
/// PowerOfTwoScaleF in tensor/cuda/elementwise.cu.
template <class T>
inline T power_of_two_scale(T v) {
  int e = 0;
  if (v > T(0) && std::isfinite(v)) std::frexp(v, &e);
  return e == 0 ? T(1) : std::ldexp(T(1), e - 1);
}

}  // namespace xg::detail

namespace xg::detail {

// int64 sums, differences, products and negations wrap around, as PyTorch's (two's
// complement): C++ leaves signed overflow undefined, so they go through uint64. Other T: the
// plain operation.
template <class T>
XG_HOST_DEVICE T add_wrapping(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(static_cast<unsigned long long>(a) + static_cast<unsigned long long>(b));
  else
    return a + b;
}
template <class T>
XG_HOST_DEVICE T sub_wrapping(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(static_cast<unsigned long long>(a) - static_cast<unsigned long long>(b));
  else
    return a - b;
}
template <class T>
XG_HOST_DEVICE T mul_wrapping(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(static_cast<unsigned long long>(a) * static_cast<unsigned long long>(b));
  else
    return a * b;
}
template <class T>
XG_HOST_DEVICE T neg_wrapping(T a) {
  return sub_wrapping(T(0), a);
}

// Integer division's rules (torch::div's rounding modes, fmod, remainder) for int64 on the
// host and the GPU. Callers check for a zero divisor first (kernel::require_nonzero); the
// rules give 0 there rather than trap. The one quotient outside int64, INT64_MIN / -1,
// wraps to INT64_MIN (two's complement, as numpy; C++ leaves it undefined and x86 traps,
// which kills PyTorch 1.13 on `a // -1`), and its remainder is 0.

/// C's a / b: the quotient truncated toward zero.
template <class T>
XG_HOST_DEVICE T trunc_divide_int(T a, T b) {
  if (b == T(0)) return T(0);
  if (b == T(-1)) return static_cast<T>(0ull - static_cast<unsigned long long>(a));
  return a / b;
}
/// C's a % b: the remainder of the truncated quotient, with a's sign.
template <class T>
XG_HOST_DEVICE T fmod_int(T a, T b) {
  return b == T(0) || b == T(-1) ? T(0) : a % b;
}
/// Python's a % b: the remainder of the floored quotient, with b's sign.
template <class T>
XG_HOST_DEVICE T remainder_int(T a, T b) {
  const T r = fmod_int(a, b);
  return r != T(0) && ((r < T(0)) != (b < T(0))) ? r + b : r;
}
/// Python's a // b (C++ truncates): one less where a remainder's sign differs from b's.
template <class T>
XG_HOST_DEVICE T floor_divide_int(T a, T b) {
  const T q = trunc_divide_int(a, b);
  return fmod_int(a, b) != T(0) && ((a < T(0)) != (b < T(0))) ? q - T(1) : q;
}

/// Shifts of int64 as PyTorch 2 defines them (1.13's CPU took the count mod 64, which C++
/// leaves undefined): a count outside [0, 63] shifts every bit out, to 0 on the left and to
/// the sign on the right; the left shift is done unsigned, so no overflow is undefined.
template <class T>
XG_HOST_DEVICE T shift_left_int(T a, T b) {
  constexpr T kBits = static_cast<T>(8 * sizeof(T));
  return b < T(0) || b >= kBits ? T(0) : static_cast<T>(static_cast<unsigned long long>(a) << b);
}
template <class T>
XG_HOST_DEVICE T shift_right_int(T a, T b) {
  constexpr T kBits = static_cast<T>(8 * sizeof(T));
  return a >> (b < T(0) || b >= kBits ? kBits - T(1) : b);
}

}  // namespace xg::detail
