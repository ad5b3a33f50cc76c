// The CUDA runtime behind xg::cuda and CUDA tensors: is there a device (and if not, why),
// one stream per device, copies between host and device. Kernels come with their entry
// points (issue 20's next steps); device memory is tensor/cuda/allocator.cpp's.
#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include <xgrad/cuda.h>

#include "tensor/cuda/check.h"
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
  for (int i = 0; i < device_count(); ++i) {
    detail::gpu::check(cudaSetDevice(i), "xg::cuda::synchronize");
    detail::gpu::check(cudaStreamSynchronize(detail::gpu::stream(i)), "xg::cuda::synchronize");
  }
  detail::note_host_wait("xg::cuda::synchronize");
}

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
  const Device gpu = to.is_cuda() ? to : from;
  check(cudaSetDevice(gpu.index()), op);
  const cudaStream_t s = stream(gpu.index());
  const cudaMemcpyKind kind = from.is_cpu() ? cudaMemcpyHostToDevice
                              : to.is_cpu() ? cudaMemcpyDeviceToHost
                                            : cudaMemcpyDeviceToDevice;
  // A copy that touches host memory waits for the stream: the caller reads `dst` next, or
  // frees `src` (a creation's host values) right after.
  check(cudaMemcpyAsync(dst, src, nbytes, kind, s), op);
  if (to.is_cpu() || from.is_cpu()) {
    check(cudaStreamSynchronize(s), op);
    note_host_wait(op);
  }
}

}  // namespace detail::gpu
}  // namespace xg
