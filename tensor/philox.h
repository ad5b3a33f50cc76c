// Private: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11),
// the counter-based generator behind xg::kPhilox, compiled for the host and, in .cu files, for
// the GPU. A draw is a pure function of (seed, counter), so element i of a tensor drawn at
// offset o is philox(seed, o + i) on any device and any thread count: that is what makes a
// CPU draw and a CUDA draw of the same generator state equal bit for bit.
//
// One counter per element (not four elements per counter): it wastes three quarters of the
// bits, but no element depends on where a thread's run of elements starts.
#pragma once

#include <cmath>
#include <cstdint>

#include "tensor/host_device.h"

namespace xg::detail::philox {

struct Words {
  std::uint32_t w[4];
};

XG_HOST_DEVICE std::uint32_t mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t* hi) {
  const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  *hi = static_cast<std::uint32_t>(p >> 32);
  return static_cast<std::uint32_t>(p);
}

/// The 4x32 block function, 10 rounds (Random123's philox4x32 10).
XG_HOST_DEVICE Words block(std::uint32_t c0, std::uint32_t c1, std::uint32_t c2, std::uint32_t c3, std::uint32_t k0,
                         std::uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {  // the key schedule: Weyl sequence constants
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    std::uint32_t hi0, hi1;
    const std::uint32_t lo0 = mulhilo(0xD2511F53u, c0, &hi0);
    const std::uint32_t lo1 = mulhilo(0xCD9E8D57u, c2, &hi1);
    const std::uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
  }
  return Words{{c0, c1, c2, c3}};
}

/// The four words for one element: counter = the 64-bit element counter, key = the seed.
XG_HOST_DEVICE Words at(std::uint64_t seed, std::uint64_t counter) {
  return block(static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32), 0u, 0u,
               static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
}

XG_HOST_DEVICE std::uint64_t u64(std::uint32_t lo, std::uint32_t hi) {
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

/// Uniform on [0, 1): 53 bits for double, 24 for float (never rounds up to 1).
XG_HOST_DEVICE double uniform_double(const Words& r) { return static_cast<double>(u64(r.w[0], r.w[1]) >> 11) * 0x1.0p-53; }
XG_HOST_DEVICE float uniform_float(const Words& r) { return static_cast<float>(r.w[0] >> 8) * 0x1.0p-24f; }

/// Standard normal by Box-Muller, one per element (the cosine branch): u1 on (0, 1] from
/// words 0-1, u2 on [0, 1) from words 2-3. In double for both dtypes; a device's log and cos
/// may differ from the host's by an ulp, so normals agree across devices to about 1e-15.
XG_HOST_DEVICE double normal(const Words& r) {
  const double u1 = 1.0 - uniform_double(r);
  const double u2 = static_cast<double>(u64(r.w[2], r.w[3]) >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586476925 * u2);
}

/// An integer in [0, span) by a 64x64 multiply-high (Lemire's method without its rejection
/// step, so each element needs one block): bias below span / 2^64, at most 2^-32 for spans
/// up to 2^32.
XG_HOST_DEVICE std::uint64_t below(const Words& r, std::uint64_t span) {
  const std::uint64_t x = u64(r.w[0], r.w[1]);
#if defined(__CUDA_ARCH__)
  return __umul64hi(x, span);
#else
  __extension__ using u128 = unsigned __int128;  // GCC and Clang; __extension__ keeps -Wpedantic quiet
  return static_cast<std::uint64_t>((static_cast<u128>(x) * span) >> 64);
#endif
}

}  // namespace xg::detail::philox
