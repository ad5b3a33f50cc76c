// The CUDA runtime behind xg::cuda and CUDA tensors: is there a device (and if not, why),
// one stream per device, copies between host and device. Kernels come with their entry
// points (issue 20's next steps); device memory is tensor/cuda/allocator.cpp's.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include <xgrad/cuda.h>

#include "tensor/checked.h"
#include "tensor/cuda/capture.h"
#include "tensor/cuda/check.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/runtime.h"
#include "tensor/waits.h"

namespace xg {

namespace {

struct Availability {
  int count = 0;
  std::string reason;  // empty when count > 0
};

// Asked once: the answer does not change while the process runs.
const Availability& availability() {
  static const Availability a = [] {
    Availability out;
    int n = 0;
    const cudaError_t err = cudaGetDeviceCount(&n);
    cudaGetLastError();
    // Without a driver the runtime returns an error and leaves the count unset: it is 0.
    if (err == cudaErrorInsufficientDriver)
      out.reason = std::string("no CUDA driver (cudaErrorInsufficientDriver: ") + cudaGetErrorString(err) + ")";
    else if (err == cudaErrorNoDevice || (err == cudaSuccess && n <= 0))
      out.reason = "no CUDA device";
    else if (err != cudaSuccess)
      out.reason = std::string("CUDA error ") + cudaGetErrorName(err) + ": " + cudaGetErrorString(err);
    else
      out.count = n;
    return out;
  }();
  return a;
}

}  // namespace

bool cuda::is_available() { return availability().count > 0; }
std::string cuda::unavailable_reason() { return availability().reason; }
int cuda::device_count() { return availability().count; }

void cuda::synchronize() {
  if (!is_available()) fail("xg::cuda::synchronize: CUDA is not available (", unavailable_reason(), ")");
  detail::gpu::refuse_in_capture("xg::cuda::synchronize", "waiting for the GPU");
  for (int i = 0; i < device_count(); ++i) {
    detail::gpu::check(cudaSetDevice(i), "xg::cuda::synchronize");
    detail::gpu::check_wait(cudaStreamSynchronize(detail::gpu::stream(i)), "xg::cuda::synchronize");
  }
  detail::note_host_wait("xg::cuda::synchronize");
  detail::gpu::raise_pending_checks("xg::cuda::synchronize");
}

namespace detail::gpu {

namespace {

// The operations launched last, for the message of an asynchronous error: string literals
// (operation names), so keeping the pointers is safe; relaxed atomics, nearly free.
constexpr std::size_t kRing = 8;
std::array<std::atomic<const char*>, kRing> g_recent{};
std::atomic<std::size_t> g_launches{0};

bool sticky(cudaError_t err) {
  return err == cudaErrorIllegalAddress || err == cudaErrorLaunchFailure || err == cudaErrorHardwareStackError ||
         err == cudaErrorIllegalInstruction || err == cudaErrorMisalignedAddress || err == cudaErrorInvalidAddressSpace ||
         err == cudaErrorInvalidPc || err == cudaErrorAssert;
}

}  // namespace

bool sync_each_launch() {
  static const bool on = [] {
    const char* v = std::getenv("XGRAD_CUDA_SYNC");
    return v && *v && std::string(v) != "0";
  }();
  return on;
}

void launched(const char* op) {
  check(cudaGetLastError(), op);
  g_recent[g_launches.fetch_add(1, std::memory_order_relaxed) % kRing].store(op, std::memory_order_relaxed);
  if (sync_each_launch() && !capturing()) {  // a capture cannot synchronise: errors show at replay
    int device = 0;
    check(cudaGetDevice(&device), op);
    const cudaError_t err = cudaStreamSynchronize(stream(device));
    if (err != cudaSuccess)
      fail(op, ": CUDA error ", cudaGetErrorName(err), ": ", cudaGetErrorString(err),
           " (found by XGRAD_CUDA_SYNC=1 right after this operation's kernels)",
           sticky(err) ? "; the CUDA context is lost: restart the process" : "");
  }
}

void check_wait(cudaError_t err, const char* op) {
  if (err == cudaSuccess) return;
  if (!sticky(err)) cudaGetLastError();
  std::string recent;
  const std::size_t n = g_launches.load(std::memory_order_relaxed);
  for (std::size_t i = n > kRing ? n - kRing : 0; i < n; ++i) {
    const char* name = g_recent[i % kRing].load(std::memory_order_relaxed);
    recent += cat(recent.empty() ? "" : ", ", name ? name : "?");
  }
  fail(op, ": CUDA error ", cudaGetErrorName(err), ": ", cudaGetErrorString(err),
       ", reported at this wait by work queued earlier (asynchronous); the operations launched last, oldest first: ",
       recent.empty() ? "none" : recent, "; run with XGRAD_CUDA_SYNC=1 to synchronise after every operation and name "
       "the one that failed", sticky(err) ? "; the CUDA context is lost: restart the process" : "");
}

}  // namespace detail::gpu

std::uint64_t cuda::launch_count() { return detail::gpu::g_launches.load(std::memory_order_relaxed); }

namespace detail::gpu {

Device resolve(Device device) {
  if (device.is_cpu()) return Device(kCPU);
  return device.has_index() ? device : Device(kCUDA, 0);
}

cudaStream_t stream(int index) {
  static std::mutex mutex;
  static std::vector<cudaStream_t> streams;  // by device; never destroyed (process lifetime)
  std::lock_guard<std::mutex> lock(mutex);
  if (streams.empty()) streams.resize(static_cast<std::size_t>(std::max(cuda::device_count(), 1)), nullptr);
  auto& s = streams.at(static_cast<std::size_t>(index));
  if (!s) {
    check(cudaSetDevice(index), "stream");
    check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "stream");
  }
  return s;
}

void copy(void* dst, Device to, const void* src, Device from, std::size_t nbytes, const char* op) {
  if (nbytes == 0) return;
  if (to.is_cpu() || from.is_cpu()) refuse_in_capture(call_or(op), to.is_cpu() ? "a copy to the host" : "a copy from the host");
  const Device gpu = to.is_cuda() ? to : from;
  check(cudaSetDevice(gpu.index()), op);
  const cudaStream_t s = stream(gpu.index());
  // Host to device: staged through pinned memory, queued, no wait (the caller's `src` is free
  // to go at once). Only if no pinned memory can be had does the copy below wait.
  if (from.is_cpu() && to.is_cuda() && stage_to_device(dst, src, nbytes, gpu.index(), op)) return;
  const cudaMemcpyKind kind = from.is_cpu() ? cudaMemcpyHostToDevice
                              : to.is_cpu() ? cudaMemcpyDeviceToHost
                                            : cudaMemcpyDeviceToDevice;
  // A copy that touches host memory waits for the stream: the caller reads `dst` next, or
  // frees `src` (a creation's host values) right after.
  check(cudaMemcpyAsync(dst, src, nbytes, kind, s), op);
  if (to.is_cpu() || from.is_cpu()) {
    check_wait(cudaStreamSynchronize(s), op);
    note_host_wait(op);
    raise_pending_checks(op);  // a bad label or index found meanwhile: the CPU's message, now
  }
}

}  // namespace detail::gpu
}  // namespace xg
