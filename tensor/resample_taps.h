// Private: interpolate's taps as a pure function of (in, out, mode, align_corners, output,
// tap), compiled for the host and, in .cu files, for the GPU: the CPU builds its tap table
// from it and a GPU kernel computes each tap where it needs it (a table would have to be
// copied to the device, a wait). The weights and clamped indices are PyTorch's UpSample.h
// (area_pixel_compute_source_index, Keys' cubic kernel with a = -0.75).
#pragma once

#include <cmath>
#include <cstdint>

#include "tensor/host_device.h"

namespace xg::detail::taps {

enum Mode : int { kNearest = 0, kBilinear = 1, kBicubic = 2, kNearestExact = 3 };

/// One axis's resampling: `in` input positions to `out` outputs. `scale`, when positive, is
/// 1 / the user's scale_factor, which PyTorch samples with instead of in / out (they differ
/// when in · scale_factor is not whole); the caller leaves it 0 where PyTorch ignores it.
struct Rule {
  std::int64_t in = 0, out = 0;
  int mode = kNearest;
  bool align_corners = false;
  double scale = 0.0;
};

/// Taps per output: 1 nearest (either rule), 2 bilinear, 4 bicubic.
XG_HOST_DEVICE int count(const Rule& r) {
  return r.mode == kNearest || r.mode == kNearestExact ? 1 : r.mode == kBilinear ? 2 : 4;
}

XG_HOST_DEVICE double floor_of(double x) {
#if defined(__CUDA_ARCH__)
  return ::floor(x);
#else
  return std::floor(x);
#endif
}

/// a · b + c rounded once, on both sides: left to the compilers, nvcc fuses it and GCC may or
/// may not (-march=native), and a whole-number position would then pick different taps.
XG_HOST_DEVICE double fma_of(double a, double b, double c) {
#if defined(__CUDA_ARCH__)
  return ::fma(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}

/// Where output `dst` samples the input, in input coordinates, as the integer below it and
/// the fraction past it. Without align_corners the position in/out (dst + 0.5) - 0.5 is the
/// exact fraction (in (2 dst + 1) - out) / (2 out), split in integers: computed in floating
/// point, a compiler may fuse its multiply and subtract into one FMA in one place and not in
/// another (the CPU's table, the GPU's kernel, the adjoint's search), and where the position
/// is a whole number the two roundings fall on either side of it and pick different taps.
/// interpolate bounds in (2 out + 1) to int64.
XG_HOST_DEVICE void source_index(const Rule& r, std::int64_t dst, std::int64_t& i0, double& t) {
  if (r.align_corners) {
    const double src = r.out > 1 ? static_cast<double>(r.in - 1) / static_cast<double>(r.out - 1) * static_cast<double>(dst) : 0.0;
    i0 = static_cast<std::int64_t>(floor_of(src));
    t = src - static_cast<double>(i0);
    return;
  }
  if (r.scale > 0) {  // PyTorch's scale · (dst + 0.5) - 0.5 with the user's scale
    const double src = fma_of(r.scale, static_cast<double>(dst) + 0.5, -0.5);
    if (src < 0 && r.mode != kBicubic) {
      i0 = 0;
      t = 0.0;
      return;
    }
    i0 = static_cast<std::int64_t>(floor_of(src));
    t = src - static_cast<double>(i0);
    return;
  }
  const std::int64_t num = r.in * (2 * dst + 1) - r.out, den = 2 * r.out;
  if (num < 0 && r.mode != kBicubic) {  // before the first input: clamped to it
    i0 = 0;
    t = 0.0;
    return;
  }
  i0 = num >= 0 ? num / den : -((-num + den - 1) / den);  // floor division
  t = static_cast<double>(num - i0 * den) / static_cast<double>(den);
}

constexpr double kCubicA = -0.75;
XG_HOST_DEVICE double cubic_near(double t) { return ((kCubicA + 2) * t - (kCubicA + 3)) * t * t + 1; }  // |t| <= 1
XG_HOST_DEVICE double cubic_far(double t) { return ((kCubicA * t - 5 * kCubicA) * t + 8 * kCubicA) * t - 4 * kCubicA; }

/// Tap k of output o: the input index (clamped: borders replicate) and its weight.
XG_HOST_DEVICE void tap(const Rule& r, std::int64_t o, int k, std::int64_t& index, double& weight) {
  std::int64_t i = 0;
  if (r.mode == kNearest) {
    // With a scale, PyTorch's float product floorf(dst · (float) scale), to its bits.
    i = r.scale > 0 ? static_cast<std::int64_t>(floor_of(static_cast<double>(static_cast<float>(o) * static_cast<float>(r.scale))))
                    : static_cast<std::int64_t>(floor_of(static_cast<double>(o) * static_cast<double>(r.in) / static_cast<double>(r.out)));
    weight = 1.0;
  } else if (r.mode == kNearestExact) {
    // PyTorch's floorf((dst + 0.5) · scale) with its float scale (1 / scale_factor, or
    // in / out), to its bits: the product in double, rounded to float, then floored.
    const float scale =
        r.scale > 0 ? static_cast<float>(r.scale) : static_cast<float>(r.in) / static_cast<float>(r.out);
    const float src = static_cast<float>((static_cast<double>(o) + 0.5) * static_cast<double>(scale));
    i = static_cast<std::int64_t>(floor_of(static_cast<double>(src)));
    weight = 1.0;
  } else {
    std::int64_t i0;
    double t;
    source_index(r, o, i0, t);
    if (r.mode == kBilinear) {
      i = i0 + k;
      weight = k == 0 ? 1 - t : t;
    } else {
      i = i0 - 1 + k;
      weight = k == 0 ? cubic_far(t + 1) : k == 1 ? cubic_near(t) : k == 2 ? cubic_near(1 - t) : cubic_far(2 - t);
    }
  }
  index = i < 0 ? 0 : i > r.in - 1 ? r.in - 1 : i;
}

XG_HOST_DEVICE std::int64_t tap_index(const Rule& r, std::int64_t o, int k) {
  std::int64_t i;
  double w;
  tap(r, o, k, i, w);
  return i;
}

/// The outputs [lo, hi] with a tap on input i (none when hi < lo): each tap's index never
/// decreases with o and an output's taps are consecutive before clamping, so they are the
/// outputs whose last tap is >= i and whose first is <= i, found by two binary searches.
/// The adjoint's gather (GPU) walks them in the CPU's scatter order.
XG_HOST_DEVICE void outputs_reading(const Rule& r, std::int64_t i, std::int64_t& lo, std::int64_t& hi) {
  const int last = count(r) - 1;
  std::int64_t a = 0, b = r.out;  // first o with tap_index(o, last) >= i
  while (a < b) {
    const std::int64_t m = a + (b - a) / 2;
    if (tap_index(r, m, last) >= i) b = m;
    else a = m + 1;
  }
  lo = a;
  a = 0, b = r.out;  // first o with tap_index(o, 0) > i
  while (a < b) {
    const std::int64_t m = a + (b - a) / 2;
    if (tap_index(r, m, 0) > i) b = m;
    else a = m + 1;
  }
  hi = a - 1;
}

}  // namespace xg::detail::taps
