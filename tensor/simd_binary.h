// Private: the binary kinds computed with xsimd's vectorised math (atan2, logaddexp,
// logaddexp2, and float32's fmod and remainder), one batch routine for the CPU kernel of
// tensor/elementwise.cpp. Kept apart so
// that xsimd is read by the files that use it only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "tensor/kernels.h"

namespace xg::kernel {

// The kinds computed with xsimd's vectorised math: libm's scalar atan2f, log1pf and expf were
// most of their time (perf); xsimd's are within 3 ulp of libm's. fmod and remainder in
// float32 (libm's fmodf was 40% of the elementwise bench), exact as fmodf.
// (Only where the fused multiply-add is the hardware's: elsewhere std::fma is libm's software
// one, no faster than fmodf; XGRAD_NATIVE=OFF builds on x86 keep libm's fmodf.)
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
constexpr bool kHardwareFma = true;
#else
constexpr bool kHardwareFma = false;
#endif

template <class T>
bool simd_kind(Binary kind) {
  if (kind == Binary::Fmod || kind == Binary::Remainder) return std::is_same_v<T, float> && kHardwareFma;
  return kind == Binary::Atan2 || kind == Binary::LogAddExp || kind == Binary::LogAddExp2;
}

// C's fmod(x, y) for float32 lanes, exact, so the same bits as fmodf: with the quotient's
// magnitude below 2^23, q = trunc(x / y) is the true truncated quotient or one past it (the
// division rounded onto the next integer), x - q y is exact in one fused multiply-add (its
// true value has at most 24 significant bits), and one past shows as a remainder of the
// wrong sign, put right by adding y with x's sign (exact too: a multiple of ulp(y) below |y|). A zero takes
// x's sign. Lanes outside (an infinite or NaN operand, y = 0, a larger quotient) are left
// to the caller: `exact` is false there.
inline xsimd::batch<float> exact_fmod(const xsimd::batch<float>& x, const xsimd::batch<float>& y,
                                      xsimd::batch_bool<float>& exact) {
  using B = xsimd::batch<float>;
  const B q = xsimd::trunc(x / y);
  exact = xsimd::isfinite(x) & xsimd::isfinite(y) & (y != B(0.0f)) & (xsimd::abs(q) < B(8388608.0f));
  // x - q y with one rounding: std::fma per lane, fused by definition (the compiler turns it
  // into the hardware's instruction and vectorises the loop); xsimd's fnma is a multiply and
  // an add that only some compilers contract (clang at -O1 and GCC at -O0 do not).
  alignas(64) float qv[B::size], yv[B::size], xv[B::size];
  q.store_aligned(qv);
  y.store_aligned(yv);
  x.store_aligned(xv);
  for (std::size_t j = 0; j < B::size; ++j) xv[j] = std::fma(-qv[j], yv[j], xv[j]);
  B r = B::load_aligned(xv);
  const B sx = xsimd::copysign(B(1.0f), x);
  r = xsimd::select((r != B(0.0f)) & (r * sx < B(0.0f)), r + sx * xsimd::abs(y), r);
  return xsimd::copysign(r, x);  // |r| < |y|, with x's sign (a zero too)
}

// o[i] = kind(a[i sa], b[i sb]) for i < n, a simd_kind, every element through the same
// batch arithmetic wherever it falls (a short run or a thread's last elements are copied
// into a padded batch), so the bits depend neither on the thread split nor on broadcasting.
// Lanes where the batch formula and C's values part are recomputed one by one: atan2 of two
// zeros or two infinities (xsimd 8.1 gives NaN where C gives a multiple of pi / 4), and the
// log-add-exps of two equal infinities (themselves, where inf - inf would give NaN).
template <class T>
void simd_run(Binary kind, T* o, const T* a, std::int64_t sa, const T* b, std::int64_t sb, std::int64_t n) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  constexpr T kLn2 = T(0.69314718055994530942);
  alignas(64) T av[W], bv[W], r[W];
  for (std::int64_t i = 0; i < n; i += W) {
    const std::int64_t m = std::min(W, n - i);
    for (std::int64_t j = 0; j < W; ++j) {
      av[j] = j < m ? a[(i + j) * sa] : T(1);
      bv[j] = j < m ? b[(i + j) * sb] : T(1);
    }
    const B x = B::load_aligned(av), y = B::load_aligned(bv);
    if (kind == Binary::Atan2) {
      xsimd::atan2(x, y).store_aligned(r);
      if (xsimd::any(((x == B(T(0))) & (y == B(T(0)))) | (xsimd::isinf(x) & xsimd::isinf(y))))
        for (std::int64_t j = 0; j < m; ++j)
          if ((av[j] == T(0) && bv[j] == T(0)) || (std::isinf(av[j]) && std::isinf(bv[j])))
            r[j] = std::atan2(av[j], bv[j]);
    } else if (kind == Binary::Fmod || kind == Binary::Remainder) {
      if constexpr (std::is_same_v<T, float>) {
        xsimd::batch_bool<float> exact;
        B md = exact_fmod(x, y, exact);
        if (kind == Binary::Remainder)  // Python's: moved into y's sign, as python_mod
          md = xsimd::select((md != B(T(0))) & ((y < B(T(0))) != (md < B(T(0)))), md + y, md);
        md.store_aligned(r);
        if (!xsimd::all(exact))  // libm for the lanes outside exact_fmod's range
          for (std::int64_t j = 0; j < m; ++j) {
            const T u = av[j], v = bv[j];
            if (std::isfinite(u) && std::isfinite(v) && v != T(0) && std::fabs(std::trunc(u / v)) < T(8388608.0f)) continue;
            r[j] = std::fmod(u, v);
            if (kind == Binary::Remainder && r[j] != T(0) && ((v < T(0)) != (r[j] < T(0)))) r[j] += v;
          }
      }
    } else {
      const B hi = xsimd::select(x > y, x, y), gap = -xsimd::abs(x - y);  // a NaN operand makes gap NaN
      const B sum = kind == Binary::LogAddExp ? hi + xsimd::log1p(xsimd::exp(gap))
                                              : hi + xsimd::log1p(xsimd::exp2(gap)) / B(kLn2);
      sum.store_aligned(r);
      if (xsimd::any(xsimd::isinf(x) & (x == y)))
        for (std::int64_t j = 0; j < m; ++j)
          if (std::isinf(av[j]) && av[j] == bv[j]) r[j] = av[j];
    }
    std::copy(r, r + m, o + i);
  }
}

}  // namespace xg::kernel
