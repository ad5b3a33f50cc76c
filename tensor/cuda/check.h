// Private to tensor/cuda/: CUDA runtime errors as xg::Error naming the operation that asked.
#pragma once

#include <cuda_runtime_api.h>

#include <xgrad/detail/format.h>

namespace xg::detail::gpu {

/// Throws "op: CUDA error cudaErrorX: <text>" unless `err` is cudaSuccess.
inline void check(cudaError_t err, const char* op) {
  if (err == cudaSuccess) return;
  cudaGetLastError();  // a non-sticky error is cleared, so the next call starts afresh
  fail(op, ": CUDA error ", cudaGetErrorName(err), ": ", cudaGetErrorString(err));
}

/// The stream every xgrad operation on cuda:`index` runs on (non-blocking, created on first
/// use: the legacy default stream cannot be captured into a CUDA graph).
cudaStream_t stream(int index);

}  // namespace xg::detail::gpu
