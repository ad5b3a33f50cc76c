// Private: reading and writing one element or one xsimd batch at a pointer, so that a kernel
// body written once for V = T (a row's scalar tail) and V = xsimd::batch<T> (its vector part)
// compiles for both (tensor/cell_kernels.cpp, tensor/activation.cpp). Host only. Call them
// qualified: for a batch, argument-dependent lookup would also find xsimd::store, which
// requires an aligned address.
#pragma once

#include <type_traits>

namespace xg::detail::simd {

template <class V, class T>
V load(const T* p) {
  if constexpr (std::is_same_v<V, T>) return *p;
  else return V::load_unaligned(p);
}

template <class V, class T>
void store(T* p, const V& v) {
  if constexpr (std::is_same_v<V, T>) *p = v;
  else v.store_unaligned(p);
}

}  // namespace xg::detail::simd
