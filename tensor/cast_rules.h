// Private: the conversion every dtype cast applies, on both devices (tensor/elementwise.cpp,
// tensor/cuda/elementwise.cu). Float to int64 is defined for every value, where C++ leaves
// NaN, the infinities and anything beyond int64's range undefined (UBSan's
// float-cast-overflow; the ops fuzzer found `.to(kInt64)` of 1.6e19): it saturates at int64's
// limits and takes NaN to 0, as Rust's `as` and the GPU's cvt.rzi instruction do.
#pragma once

#include <cstdint>
#include <type_traits>

#include "tensor/host_device.h"

namespace xg::rule {

template <class D, class S>
XG_HOST_DEVICE D convert(S v) {
  if constexpr (std::is_integral_v<D> && std::is_floating_point_v<S>) {
    static_assert(sizeof(D) == 8, "int64 is xgrad's one integer dtype");
    if (v != v) return D(0);
    // 2^63 is exact in float and double; int64 holds [-2^63, 2^63).
    if (v >= S(9223372036854775808.0)) return D(INT64_MAX);
    if (v < S(-9223372036854775808.0)) return D(INT64_MIN);
    return static_cast<D>(v);
  } else {
    return static_cast<D>(v);
  }
}

}  // namespace xg::rule
