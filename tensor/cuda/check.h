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

/// After a kernel launch (or a library call that queues work): a launch error names `op`;
/// `op` joins the ring of recent launches that an asynchronous error lists; with
/// XGRAD_CUDA_SYNC=1 the stream is synchronised at once, so a failing kernel names its op.
void launched(const char* op);

/// Whether XGRAD_CUDA_SYNC=1 asks for a synchronisation after every launch.
bool sync_each_launch();

/// Checks a wait for the GPU: an error there comes from work queued earlier, and the message
/// says so, lists the operations launched last and how to find the one that failed.
void check_wait(cudaError_t err, const char* op);

/// The stream every xgrad operation on cuda:`index` runs on (non-blocking, created on first
/// use: the legacy default stream cannot be captured into a CUDA graph).
cudaStream_t stream(int index);

}  // namespace xg::detail::gpu
