// Private: the one n-d iteration loop behind broadcasting, reductions and permutes.
// Each operand is described by element strides over a common iteration shape (stride 0 on
// a broadcast or reduced axis). Adjacent axes that are contiguous for every operand are
// merged first, so the common cases run as one flat inner loop.
#pragma once

#include <xgrad/detail/format.h>
#include <array>
#include <cstdint>
#include <vector>

#include <xgrad/tensor.h>

namespace xg::detail {

/// Broadcast shape of a and b (numpy rules); throws naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

/// Strides of a contiguous tensor of shape `in` viewed as broadcast to `out` (0 where broadcast).
Shape broadcast_strides(const Shape& in, const Shape& out);

/// The most axes the iterator handles (numpy's limit is 32; models use 4 or fewer).
inline constexpr std::size_t kMaxDims = 16;

/// Iterates `shape`; for each innermost run calls f(offsets, n, inner_strides) where offsets[k]
/// is operand k's element offset at the run's start. Works on the stack: no allocation.
template <std::size_t K, class F>
void for_each_run(const Shape& shape, const std::array<Shape, K>& strides, F&& f) {
  if (shape.size() > kMaxDims) fail("tensor: ", shape.size(), " axes exceed the supported ", kMaxDims);
  // Merge axes: drop size-1 axes, fuse i with i+1 when every operand has stride[i] ==
  // stride[i+1] * shape[i+1].
  std::int64_t dims[kMaxDims];
  std::int64_t st[K][kMaxDims];
  std::size_t nd = 0;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (shape[i] == 0) return;
    bool fuse = nd > 0;
    for (std::size_t k = 0; k < K && fuse; ++k) fuse = st[k][nd - 1] == strides[k][i] * shape[i];
    if (fuse) {
      dims[nd - 1] *= shape[i];
      for (std::size_t k = 0; k < K; ++k) st[k][nd - 1] = strides[k][i];
    } else {
      dims[nd] = shape[i];
      for (std::size_t k = 0; k < K; ++k) st[k][nd] = strides[k][i];
      ++nd;
    }
  }
  std::array<std::int64_t, K> off{};
  std::array<std::int64_t, K> inner{};
  if (nd == 0) {
    f(off, std::int64_t{1}, inner);
    return;
  }
  for (std::size_t k = 0; k < K; ++k) inner[k] = st[k][nd - 1];
  const std::int64_t n = dims[nd - 1];
  if (nd == 1) {
    f(off, n, inner);
    return;
  }
  // Odometer over the outer axes.
  std::int64_t idx[kMaxDims] = {};
  while (true) {
    f(off, n, inner);
    std::size_t ax = nd - 1;
    while (ax > 0) {
      --ax;
      ++idx[ax];
      for (std::size_t k = 0; k < K; ++k) off[k] += st[k][ax];
      if (idx[ax] < dims[ax]) break;
      for (std::size_t k = 0; k < K; ++k) off[k] -= st[k][ax] * dims[ax];
      idx[ax] = 0;
      if (ax == 0) return;
    }
  }
}

}  // namespace xg::detail
