// Private: the stable sort of one line by value as a least-significant-digit radix sort on
// order-preserving integer keys (the CPU's sort, argsort and quantile, tensor/along_axis.cpp).
// A comparison sort of (value, position) pairs branches on every comparison, half of them
// mispredicted on random data: std::stable_sort of a row of 1024 floats took most of the
// quantile row's time. The keys order every number as `ascending` does (NaN above +inf, all
// NaNs equal; -0 equal to +0), so the radix sort's stability gives ties in position order,
// the same permutation the comparison sort gave. A digit that is the same in every key (the
// high bytes of small integers, say) costs no pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace xg::kernel::detail_radix {

// An unsigned key whose order is the ascending order of the values (see above).
inline std::uint32_t key_of(float v) {
  if (v != v) return 0xFFFFFFFFu;  // every NaN above +inf (0xFF800000), and equal
  if (v == 0.0f) v = 0.0f;         // -0 sorts with +0, by position
  std::uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits & 0x80000000u ? ~bits : bits | 0x80000000u;
}
inline std::uint64_t key_of(double v) {
  if (v != v) return ~std::uint64_t{0};
  if (v == 0.0) v = 0.0;
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits >> 63 ? ~bits : bits | (std::uint64_t{1} << 63);
}
inline std::uint64_t key_of(std::int64_t v) { return static_cast<std::uint64_t>(v) ^ (std::uint64_t{1} << 63); }

/// Reusable buffers for one thread's lines.
template <class K>
struct Scratch {
  std::vector<K> keys, keys_out;
  std::vector<std::int64_t> pos, pos_out;
};

/// out[j * stride] = the position of the j-th element of line[0, n) (read with `in_stride`)
/// in the stable ascending order, or descending (NaN first; ties still in position order).
template <class T, class K = decltype(key_of(T{}))>
void sort_positions(const T* line, std::int64_t in_stride, std::int64_t n, bool descending, std::int64_t* out,
                    std::int64_t stride, Scratch<K>& s) {
  constexpr int kDigits = sizeof(K);
  const auto size = static_cast<std::size_t>(n);
  s.keys.resize(size), s.keys_out.resize(size), s.pos.resize(size), s.pos_out.resize(size);
  std::uint32_t count[kDigits][256] = {};
  const K flip = descending ? ~K{0} : K{0};  // the complement reverses the order, ties kept
  for (std::size_t j = 0; j < size; ++j) {
    const K key = key_of(line[static_cast<std::int64_t>(j) * in_stride]) ^ flip;
    s.keys[j] = key;
    s.pos[j] = static_cast<std::int64_t>(j);
    for (int d = 0; d < kDigits; ++d) ++count[d][(key >> (8 * d)) & 0xFF];
  }
  for (int d = 0; d < kDigits; ++d) {
    const std::uint32_t* c = count[d];
    if (c[(s.keys[0] >> (8 * d)) & 0xFF] == size) continue;  // one value of this digit: no pass
    std::size_t start[256];
    std::size_t at = 0;
    for (int b = 0; b < 256; ++b) start[b] = at, at += c[b];
    for (std::size_t j = 0; j < size; ++j) {  // in order: equal digits keep their order
      const std::size_t to = start[(s.keys[j] >> (8 * d)) & 0xFF]++;
      s.keys_out[to] = s.keys[j];
      s.pos_out[to] = s.pos[j];
    }
    s.keys.swap(s.keys_out);
    s.pos.swap(s.pos_out);
  }
  for (std::size_t j = 0; j < size; ++j) out[static_cast<std::int64_t>(j) * stride] = s.pos[j];
}

}  // namespace xg::kernel::detail_radix
