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

/// Where trigamma's recurrence hands over to its series, per dtype: from 12 the series' first
/// omitted term is below double's precision; a float result needs only 6 (the series then
/// within 2e-12 relative: the same float as from 12 for all but 71 of the 37.7M floats in
/// [0.5, 12), 1 ulp apart; measured), which halves the divisions.
template <class T>
constexpr double trigamma_from = sizeof(T) == sizeof(float) ? 6 : 12;

/// π² / sin²(πx), the reflection term of ψ' below 1/2 (x not an integer); the CPU's vector
/// path calls it for its lanes there, so they get trigamma's bits.
XG_HOST_DEVICE double trigamma_reflection(double x) {
  const double s = ::sin(kPi * (x - ::nearbyint(x)));  // sin² has period 1: reduce (exactly) first
  return kPi * kPi / (s * s);
}

/// ψ'(x), digamma's derivative (every backward of digamma evaluates it): the recurrence
/// ψ'(x) = ψ'(x + 1) + 1/x² to x ≥ `from`, then the asymptotic series 1/x + 1/(2x²) + Σ B_2k /
/// x^(2k+1); reflection ψ'(x) = π² / sin²(πx) - ψ'(1 - x) below 0.5. +inf at the poles (x a
/// non-positive integer). Three times faster than ζ(2, x) (no pow). Divisions were its cost
/// (a vector division is slow and barely pipelined): the recurrence divides once per two
/// steps and the series once, 4.2 ulp from a long-double reference at worst (4.8 before).
XG_HOST_DEVICE double trigamma(double x, double from = trigamma_from<double>) {
  if (x != x) return x;
  double result = 0;
  if (x < 0.5) {
    if (x == ::floor(x)) return HUGE_VAL;
    result = -trigamma_reflection(x);  // ψ'(x) = π²/sin² - ψ'(1 - x): accumulate ψ'(1 - x), subtract at the end
    x = 1 - x;
  }
  double sum = 0;
  while (x < from) {  // two steps per division: 1/a² + 1/b² = (a² + b²) / (a² b²)
    const bool two = x + 1 < from;
    const double a2 = x * x, b2 = (x + 1) * (x + 1);
    sum += (two ? a2 + b2 : 1.0) / (two ? a2 * b2 : a2);
    x += two ? 2 : 1;
  }
  if (x == HUGE_VAL) return result < 0 ? -result - sum : sum;
  const double r = 1 / x, z = r * r;
  sum += r + 0.5 * z + trigamma_series(z) * r;  // 1/x + 1/(2x²) + Σ B_2k / x^(2k+1)
  return result < 0 ? -result - sum : sum;
}

/// ψ⁽ⁿ⁾(x) for n ≥ 0: digamma for n = 0, trigamma for n = 1 (from `trigamma_from`), else
/// (-1)^(n+1) n! ζ(n + 1, x).
XG_HOST_DEVICE double polygamma(int n, double x, double trigamma_from = 12) {
  if (n == 0) return digamma(x);
  if (n == 1) return trigamma(x, trigamma_from);
  double factorial = 1;
  for (int k = 2; k <= n; ++k) factorial *= k;
  return (n % 2 == 1 ? factorial : -factorial) * hurwitz_zeta(n + 1.0, x);
}

/// Halley steps for erfinv from Giles's guess (below): one reaches each dtype's precision
/// (float: the bits of two steps from Winitzki's guess, used before, for all but one of the
/// 1.07e9 floats in [0, 1), 1 ulp apart there, checked exhaustively; double: within 2 ulp of
/// the converged value over 6M draws to 1 - 1e-16 and 1e-300, as three steps were).
template <class T>
constexpr int erfinv_steps = 1;

/// A first guess of erfinv(a), 0 < a < 1, with w = -ln((1 - a)(1 + a)) < 16: M. Giles's
/// single-precision rational fit ("Approximating the erfinv function", GPU Computing Gems,
/// 2011), evaluated in double: within 1.3e-7 relative there (measured), so one Halley step
/// (the error cubed) lands on double's precision.
XG_HOST_DEVICE double erfinv_giles(double a, double w) {
  double p;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = ::sqrt(w) - 3;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  return p * a;
}

/// The inverse of erf on (-1, 1), ±inf at ±1, NaN outside; erfinv(-0) = -0. A first guess
/// refined by Halley's iteration, which triples the correct digits each step: Giles's fit
/// (within 1.3e-7) and `steps` steps where w < 16 (every float, and doubles up to 1 - 1.1e-7);
/// nearer ±1, where that fit loses its accuracy, Winitzki's closed form (within 0.2%) and three
/// steps. Near ±1 the residual is formed from erfc and 1 - |y| (exact there), so the tail keeps
/// its precision. (Winitzki's guess with two or three steps everywhere was 1.7x slower.)
XG_HOST_DEVICE double erfinv(double y, int steps = erfinv_steps<double>) {
  if (y != y) return y;
  const double a = ::fabs(y);
  if (a >= 1) return a == 1 ? ::copysign(HUGE_VAL, y) : NAN;
  if (a == 0) return y;
  const double ln = ::log((1 - a) * (1 + a));
  double x;
  if (-ln < 16) {
    x = erfinv_giles(a, -ln);
  } else {
    constexpr double k = 0.147;
    const double t = 2 / (kPi * k) + ln / 2;
    x = ::sqrt(::sqrt(t * t - ln / k) - t);
    steps = 3;
  }
  const double rest = 1 - a;  // exact for a ≥ 1/2
  for (int step = 0; step < steps; ++step) {
    const double f = a <= 0.5 ? ::erf(x) - a : rest - ::erfc(x);  // erf(x) - a
    const double u = f / (1.1283791670955126 * ::exp(-x * x));    // f / f', f' = 2/√π e^(-x²)
    x -= u / (1 + x * u);                                          // Halley: f''/f' = -2x
  }
  return ::copysign(x, y);
}

}  // namespace xg::detail::special
