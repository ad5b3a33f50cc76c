// Private: the per-element rules of the binary kernel kinds on the host (kernel::Binary), the
// one place a kind's scalar formula lives; tensor/elementwise.cpp runs them through its
// broadcast loops. The GPU's functors are in tensor/cuda/elementwise.cu; rules both share
// (integer division, shifts) are in tensor/pointwise_rules.h.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "tensor/kernels.h"
#include "tensor/pointwise_rules.h"

namespace xg::kernel::binary_rules {

// f(a, b) for float T; binary() refuses int64 operands of the float-only kinds before any
// element is read, so the int64 instantiation is never called.
template <class T, class F>
T float_only(F f, T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return f(a, b);
  else return T(0);
}

// Python's a % b (PyTorch's remainder): fmod, then moved into b's sign.
template <class T>
T python_mod(T a, T b) {
  T r = std::fmod(a, b);
  if (r != T(0) && ((b < T(0)) != (r < T(0)))) r += b;
  return r;
}

// The kinds defined for float operands only.
inline bool float_only_kind(Binary kind) {
  return kind == Binary::Atan2 || kind == Binary::Hypot || kind == Binary::LogAddExp || kind == Binary::LogAddExp2;
}

// The kinds defined for int64 operands only.
inline bool int_only_kind(Binary kind) {
  return kind == Binary::BitAnd || kind == Binary::BitOr || kind == Binary::BitXor || kind == Binary::ShiftLeft ||
         kind == Binary::ShiftRight;
}

// log(exp(a) + exp(b)) (base 2 with `two`), PyTorch's formula: the larger plus the log1p of
// the smaller's share; two equal infinities are themselves (the formula would give NaN).
template <class T>
T log_add_exp(T a, T b, bool two) {
  if (std::isinf(a) && a == b) return a;
  const T hi = std::max(a, b), gap = -std::fabs(a - b);
  return two ? hi + std::log1p(std::exp2(gap)) / T(0.69314718055994530942) : hi + std::log1p(std::exp(gap));
}

// A kind's cost per element in adds, for the thread split: the library calls cost about ten.
inline double binary_cost(Binary kind) {
  return float_only_kind(kind) || kind == Binary::Pow || kind == Binary::Fmod || kind == Binary::Remainder ||
                 kind == Binary::FloorDivide || kind == Binary::TruncDivide
             ? 10
             : 1;
}

// Python's a // b as PyTorch computes it (div_floor_floating): the exact quotient of a -
// fmod(a, b), moved down where fmod's sign differs from b's, then floored with a correction
// for rounding; 1 // 0.1 is 9, not floor(10.000000000000002). A zero divisor gives a / b.
template <class T>
T python_floor_divide(T a, T b) {
  if (b == T(0)) return a / b;
  const T mod = std::fmod(a, b);
  T div = (a - mod) / b;
  if (mod != T(0) && (b < T(0)) != (mod < T(0))) div -= T(1);
  if (div == T(0)) return std::copysign(T(0), a / b);
  T floordiv = std::floor(div);
  if (div - floordiv > T(0.5)) floordiv += T(1);
  return floordiv;
}

template <class T, class Run>
void with_binary_op(Binary kind, Run run) {
  switch (kind) {
    case Binary::Add: return run([](T x, T y) { return detail::add_wrapping(x, y); });
    case Binary::Sub: return run([](T x, T y) { return detail::sub_wrapping(x, y); });
    case Binary::Mul: return run([](T x, T y) { return detail::mul_wrapping(x, y); });
    case Binary::Div: return run([](T x, T y) { return x / y; });
    case Binary::Pow: return run([](T x, T y) { return static_cast<T>(std::pow(x, y)); });
    case Binary::Maximum: return run([](T x, T y) { return x > y || std::isnan(static_cast<double>(x)) ? x : y; });
    case Binary::Minimum: return run([](T x, T y) { return x < y || std::isnan(static_cast<double>(x)) ? x : y; });
    case Binary::Eq: return run([](T x, T y) { return T(x == y); });
    case Binary::Ne: return run([](T x, T y) { return T(x != y); });
    case Binary::Lt: return run([](T x, T y) { return T(x < y); });
    case Binary::Le: return run([](T x, T y) { return T(x <= y); });
    case Binary::Gt: return run([](T x, T y) { return T(x > y); });
    case Binary::Ge: return run([](T x, T y) { return T(x >= y); });
    case Binary::SigmoidGrad: return run([](T y, T g) { return g * y * (T(1) - y); });
    case Binary::TanhGrad: return run([](T y, T g) { return g * (T(1) - y * y); });
    case Binary::ReluGrad: return run([](T x, T g) { return x > T(0) ? g : T(0); });
    case Binary::Atan2: return run([](T y, T x) { return float_only<T>([](auto a, auto b) { return std::atan2(a, b); }, y, x); });
    case Binary::Fmod:
      if constexpr (std::is_integral_v<T>) return run([](T a, T b) { return detail::fmod_int(a, b); });
      else return run([](T a, T b) { return std::fmod(a, b); });
    case Binary::Remainder:
      if constexpr (std::is_integral_v<T>) return run([](T a, T b) { return detail::remainder_int(a, b); });
      else return run([](T a, T b) { return python_mod<T>(a, b); });
    case Binary::FloorDivide:
      if constexpr (std::is_integral_v<T>) return run([](T a, T b) { return detail::floor_divide_int(a, b); });
      else return run([](T a, T b) { return python_floor_divide<T>(a, b); });
    case Binary::TruncDivide:
      if constexpr (std::is_integral_v<T>) return run([](T a, T b) { return detail::trunc_divide_int(a, b); });
      else return run([](T a, T b) { return std::trunc(a / b); });
    case Binary::Hypot: return run([](T a, T b) { return float_only<T>([](auto u, auto v) { return std::hypot(u, v); }, a, b); });
    case Binary::LogAddExp:
      return run([](T a, T b) { return float_only<T>([](auto u, auto v) { return log_add_exp(u, v, false); }, a, b); });
    case Binary::LogAddExp2:
      return run([](T a, T b) { return float_only<T>([](auto u, auto v) { return log_add_exp(u, v, true); }, a, b); });
    case Binary::BitAnd: case Binary::BitOr: case Binary::BitXor: case Binary::ShiftLeft: case Binary::ShiftRight:
      if constexpr (std::is_integral_v<T>) {  // floats were refused by binary()
        if (kind == Binary::BitAnd) return run([](T a, T b) { return a & b; });
        if (kind == Binary::BitOr) return run([](T a, T b) { return a | b; });
        if (kind == Binary::BitXor) return run([](T a, T b) { return a ^ b; });
        if (kind == Binary::ShiftLeft) return run([](T a, T b) { return detail::shift_left_int(a, b); });
        return run([](T a, T b) { return detail::shift_right_int(a, b); });
      }
      return;
  }
}

}  // namespace xg::kernel::binary_rules
