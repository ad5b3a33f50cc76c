// Private: the special functions PyTorch has and C's library lacks (digamma, polygamma through
// the Hurwitz zeta function, erfinv), written once in double for the CPU (tensor/unary.cpp)
// and the GPU (tensor/cuda/elementwise.cu), so both devices give the same bits. float32
// inputs are evaluated in double and rounded once, a little more exact than PyTorch's float
// series. The algorithms are the textbook ones (recurrence plus asymptotic series, reflection
// for negative arguments, Euler-Maclaurin summation, Halley's iteration on erf/erfc).
#pragma once

#include <cmath>

#include "tensor/host_device.h"

namespace xg::detail::special {

constexpr double kPi = 3.14159265358979323846;

/// Σ c_k z^(k+1), k = 0..6, by Horner's rule. V is double, or a SIMD batch of them
/// (tensor/special_host.cpp): both evaluate the same operations in the same order.
template <class V>
XG_HOST_DEVICE V series7(V z, const double (&c)[7]) {
  V series = V(0.0);
  for (int k = 6; k >= 0; --k) series = (series + c[k]) * z;
  return series;
}

/// Σ B_2k / (2k x^2k), k = 1..7 (B_2k the Bernoulli numbers), from z = 1/x²: ψ's asymptotic
/// series past ln x - 1/(2x).
template <class V>
XG_HOST_DEVICE V digamma_series(V z) {
  constexpr double c[7] = {1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240, 1.0 / 132, -691.0 / 32760, 1.0 / 12};
  return series7(z, c);
}

/// Σ B_2k z^k, k = 1..7 (1/6, -1/30, 1/42, -1/30, 5/66, -691/2730, 7/6), from z = 1/x²:
/// ψ' ~ 1/x + 1/(2x²) + (this) / x.
template <class V>
XG_HOST_DEVICE V trigamma_series(V z) {
  constexpr double b[7] = {1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6};
  return series7(z, b);
}

/// ψ(x), the derivative of lgamma: PyTorch's values at the poles (ψ(±0) = ∓inf, NaN at the
/// negative integers and -inf).
XG_HOST_DEVICE double digamma(double x) {
  if (x != x) return x;
  if (x == 0) return ::copysign(HUGE_VAL, -x);
  double result = 0;
  if (x < 0) {
    if (x == ::floor(x)) return NAN;
    // Reflection ψ(x) = ψ(1 - x) - π / tan(πx); tan has period π, so x minus its nearest
    // integer (exact) goes in: πx itself would lose its low bits for large |x|.
    result = -kPi / ::tan(kPi * (x - ::nearbyint(x)));
    x = 1 - x;
  }
  while (x < 10) {  // ψ(x) = ψ(x + 1) - 1/x until the asymptotic series is exact in double
    result -= 1 / x;
    x += 1;
  }
  if (x == HUGE_VAL) return x;
  // ψ(x) ~ ln x - 1/(2x) - Σ B_2k / (2k x^2k), k = 1..7.
  return result + ::log(x) - 0.5 / x - digamma_series(1 / (x * x));
}

/// ζ(s, q) = Σ_k (q + k)^-s for s > 1: the terms summed directly until q + k passes 9, then
/// the Euler-Maclaurin tail. A pole (q a non-positive integer) is +inf; a negative q with a
/// non-integer s is NaN (a negative number to a fractional power).
XG_HOST_DEVICE double hurwitz_zeta(double s, double q) {
  if (s != s || q != q) return s + q;
  if (s == 1) return HUGE_VAL;
  if (s < 1) return NAN;
  if (q <= 0) {
    if (q == ::floor(q)) return HUGE_VAL;
    if (s != ::floor(s)) return NAN;
  }
  constexpr double eps = 1.1102230246251565e-16;
  double a = q, b = ::pow(q, -s), sum = b;
  for (int i = 0; i < 9 || a <= 9; ++i) {
    a += 1;
    b = ::pow(a, -s);
    sum += b;
    if (::fabs(b / sum) < eps) return sum;
  }
  // sum holds the terms to w = a inclusive: Σ_{k<N} + w^-s/2 + w^(1-s)/(s-1) + Σ_j T_j with
  // T_j = B_2j / (2j)! · s (s+1) ... (s+2j-2) · w^(-s-2j+1); d[j] = (2j)! / B_2j.
  constexpr double d[12] = {12.0,
                            -720.0,
                            30240.0,
                            -1209600.0,
                            47900160.0,
                            -1892437580.3183792,
                            74724249600.0,
                            -2950130727918.164,
                            116467828143500.67,
                            -4597978722407473.0,
                            1.8152105401943546e+17,
                            -7.166165256175667e+18};
  const double w = a;
  sum += b * w / (s - 1) - 0.5 * b;
  double rising = s, power = b / w;  // s (s+1)...(s+2j-2) and w^(-s-2j+1)
  for (int j = 0; j < 12; ++j) {
    const double t = rising * power / d[j];
    sum += t;
    if (::fabs(t / sum) < eps) break;
    rising *= (s + 2 * j + 1) * (s + 2 * j + 2);
    power /= w * w;
  }
  return sum;
}

/// ψ'(x), digamma's derivative (every backward of digamma evaluates it): the recurrence
/// ψ'(x) = ψ'(x + 1) + 1/x² to x ≥ 12, then the asymptotic series 1/x + 1/(2x²) + Σ B_2k /
/// x^(2k+1); reflection ψ'(x) = π² / sin²(πx) - ψ'(1 - x) below 0.5. +inf at the poles (x a
/// non-positive integer). Three times faster than ζ(2, x) (no pow).
XG_HOST_DEVICE double trigamma(double x) {
  if (x != x) return x;
  double result = 0;
  if (x < 0.5) {
    if (x == ::floor(x)) return HUGE_VAL;
    const double s = ::sin(kPi * (x - ::nearbyint(x)));  // sin² has period 1: reduce (exactly) first
    result = kPi * kPi / (s * s);
    result = -result;  // ψ'(x) = π²/sin² - ψ'(1 - x): accumulate ψ'(1 - x), subtract at the end
    x = 1 - x;
  }
  double sum = 0;
  while (x < 12) {
    sum += 1 / (x * x);
    x += 1;
  }
  if (x == HUGE_VAL) return result < 0 ? -result - sum : sum;
  const double z = 1 / (x * x);
  sum += 1 / x + 0.5 * z + trigamma_series(z) / x;  // 1/x + 1/(2x²) + Σ B_2k / x^(2k+1)
  return result < 0 ? -result - sum : sum;
}

/// ψ⁽ⁿ⁾(x) for n ≥ 0: digamma for n = 0, trigamma for n = 1, else (-1)^(n+1) n! ζ(n + 1, x).
XG_HOST_DEVICE double polygamma(int n, double x) {
  if (n == 0) return digamma(x);
  if (n == 1) return trigamma(x);
  double factorial = 1;
  for (int k = 2; k <= n; ++k) factorial *= k;
  return (n % 2 == 1 ? factorial : -factorial) * hurwitz_zeta(n + 1.0, x);
}

/// Halley steps for erfinv per dtype: float's answer after two equals three's (checked over 2M
/// draws), double needs three.
template <class T>
constexpr int erfinv_steps = sizeof(T) == sizeof(float) ? 2 : 3;

/// The inverse of erf on (-1, 1), ±inf at ±1, NaN outside; erfinv(-0) = -0. A closed-form
/// guess (Winitzki's, within 0.2%) refined by Halley's iteration, which triples the correct
/// digits each step: three steps reach double's precision, two float's (`steps`). Near ±1 the
/// residual is formed from erfc and 1 - |y| (exact there), so the tail keeps its precision.
XG_HOST_DEVICE double erfinv(double y, int steps = 3) {
  if (y != y) return y;
  const double a = ::fabs(y);
  if (a >= 1) return a == 1 ? ::copysign(HUGE_VAL, y) : NAN;
  if (a == 0) return y;
  constexpr double k = 0.147;
  const double ln = ::log((1 - a) * (1 + a));
  const double t = 2 / (kPi * k) + ln / 2;
  double x = ::sqrt(::sqrt(t * t - ln / k) - t);
  const double rest = 1 - a;  // exact for a ≥ 1/2
  for (int step = 0; step < steps; ++step) {
    const double f = a <= 0.5 ? ::erf(x) - a : rest - ::erfc(x);  // erf(x) - a
    const double u = f / (1.1283791670955126 * ::exp(-x * x));    // f / f', f' = 2/√π e^(-x²)
    x -= u / (1 + x * u);                                          // Halley: f''/f' = -2x
  }
  return ::copysign(x, y);
}

}  // namespace xg::detail::special
