// Private to tensor/cuda/: what every kernel launch needs: a tensor's device pointer, the
// stream of its device (made current), a grid size, and the grid-stride loop.
#pragma once

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>

#include "tensor/cuda/check.h"
#include "tensor/tensor_impl.h"

namespace xg::detail::gpu {

/// The tensor's elements in device memory (every xgrad tensor is contiguous from its start).
template <class T>
const T* dptr(const Tensor& t) {
  return static_cast<const T*>(t.impl()->storage->data);
}
template <class T>
T* dptr(Tensor& t) {
  return static_cast<T*>(t.impl()->storage->data);
}

/// Makes t's device current and returns its stream; `op` names a failure.
inline cudaStream_t on(const Tensor& t, const char* op) {
  check(cudaSetDevice(t.device().index()), op);
  return stream(t.device().index());
}

/// The frame of one float kernel's launch: `x`'s device made current, body(T{}, stream) for
/// x's dtype (the launch itself), then the launch recorded under `op` (its errors name it).
template <class F>
void launch_float(const Tensor& x, const char* op, F&& body) {
  const cudaStream_t s = on(x, op);
  dispatch_float(x.dtype(), op, [&](auto tag) { body(tag, s); });
  launched(op);
}

/// Blocks of `threads` for n elements of a grid-stride loop: at least one, at most 2^20.
inline unsigned grid_for(std::int64_t n, int threads = 256) {
  return static_cast<unsigned>(std::min<std::int64_t>(std::max<std::int64_t>((n + threads - 1) / threads, 1), 1 << 20));
}

}  // namespace xg::detail::gpu

/// for (i over [0, n) in grid-stride steps): the loop of every elementwise-shaped kernel.
#define XG_GRID_LOOP(i, n)                                                                                    \
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);          \
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
