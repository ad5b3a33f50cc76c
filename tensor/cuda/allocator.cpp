// Device memory: a caching allocator per device (PyTorch's reasoning, the CPU BufferCache's
// shape). Sizes are rounded (to 512 B up to 1 MiB, to 2 MiB above) and freed blocks kept in
// exact-size free lists: training repeats its sizes every step, so after the first step no
// allocation reaches cudaMalloc. One stream per device, so a block freed on the host is
// reusable at once by later work on that stream. A mutex, because the last reference to a
// tensor may drop on another thread (DDP's communication thread). XGRAD_CUDA_ALLOC=async uses
// CUDA's stream-ordered pool instead (cudaMallocAsync, nothing released to the driver), the
// baseline the GPU benchmark compares with (docs/benchmarks.md).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <xgrad/cuda.h>

#include "tensor/cuda/check.h"
#include "tensor/cuda/runtime.h"

namespace xg {

namespace {

struct DevicePool {
  std::unordered_map<std::size_t, std::vector<void*>> free;  // by rounded size
  std::size_t allocated = 0, peak = 0, reserved = 0;          // bytes: in tensors, most ever, from the driver
};

struct Allocator {
  std::mutex mutex;
  std::unordered_map<int, DevicePool> pools;
  // XGRAD_CUDA_NO_CACHE=1: every block goes back to the driver (for compute-sanitizer, as
  // the CPU cache is off under AddressSanitizer).
  const bool cache = [] {
    const char* v = std::getenv("XGRAD_CUDA_NO_CACHE");
    return !(v && std::string(v) == "1");
  }();
  const bool async = [] {
    const char* v = std::getenv("XGRAD_CUDA_ALLOC");
    return v && std::string(v) == "async";
  }();
  std::unordered_map<int, bool> async_ready;  // the device's pool keeps what is freed

  // cudaMallocAsync on the device's stream (the lock held).
  void* allocate_async(std::size_t size, int index, const char* op) {
    detail::gpu::check(cudaSetDevice(index), op);
    if (!async_ready[index]) {
      cudaMemPool_t pool;
      detail::gpu::check(cudaDeviceGetDefaultMemPool(&pool, index), op);
      std::uint64_t keep_all = UINT64_MAX;
      detail::gpu::check(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep_all), op);
      async_ready[index] = true;
    }
    void* block = nullptr;
    const cudaError_t err = cudaMallocAsync(&block, size, detail::gpu::stream(index));
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      fail(op, ": CUDA out of memory on cuda:", index, ": asked for ", size, " bytes (", size >> 20,
           " MiB) from CUDA's stream-ordered pool (XGRAD_CUDA_ALLOC=async)");
    }
    detail::gpu::check(err, op);
    return block;
  }

  // Frees the cached blocks of one device (the lock held).
  void drop_cache(int index, DevicePool& pool) {
    cudaSetDevice(index);
    for (auto& [size, blocks] : pool.free) {
      for (void* b : blocks) cudaFree(b);
      pool.reserved -= size * blocks.size();
      blocks.clear();
    }
  }
};

// Never destroyed: tensors freed while the process exits still find it.
Allocator& allocator() {
  static Allocator* a = new Allocator;
  return *a;
}

std::size_t rounded(std::size_t nbytes) {
  constexpr std::size_t kSmall = 512, kLarge = 2u << 20;
  return nbytes <= (1u << 20) ? (nbytes + kSmall - 1) / kSmall * kSmall : (nbytes + kLarge - 1) / kLarge * kLarge;
}

int current_index() {
  int index = 0;
  cudaGetDevice(&index);
  return index;
}

}  // namespace

void* detail::gpu::allocate(std::size_t nbytes, int index, const char* op) {
  if (nbytes == 0) return nullptr;
  const std::size_t size = rounded(nbytes);
  auto& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  DevicePool& pool = a.pools[index];
  void* block = nullptr;
  if (a.async) {
    block = a.allocate_async(size, index, op);
    pool.reserved += size;  // the pool's own reserve is CUDA's; counted as in use
  } else if (auto it = pool.free.find(size); it != pool.free.end() && !it->second.empty()) {
    block = it->second.back();
    it->second.pop_back();
  } else {
    check(cudaSetDevice(index), op);
    cudaError_t err = cudaMalloc(&block, size);
    const std::size_t cached = pool.reserved - pool.allocated;
    if (err == cudaErrorMemoryAllocation) {  // give the cache back to the driver and try once more
      cudaGetLastError();
      a.drop_cache(index, pool);
      err = cudaMalloc(&block, size);
    }
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      std::size_t free_bytes = 0, total = 0;
      cudaMemGetInfo(&free_bytes, &total);
      fail(op, ": CUDA out of memory on cuda:", index, ": asked for ", nbytes, " bytes (", nbytes >> 20,
           " MiB); xgrad's tensors hold ", pool.allocated >> 20, " MiB, its cache held ", cached >> 20,
           " MiB (freed, then retried); the device has ", free_bytes >> 20, " MiB free of ", total >> 20, " MiB");
    }
    check(err, op);
    pool.reserved += size;
  }
  pool.allocated += size;
  pool.peak = std::max(pool.peak, pool.allocated);
  return block;
}

void detail::gpu::release(void* block, std::size_t nbytes, int index) noexcept {
  if (!block) return;
  const std::size_t size = rounded(nbytes);
  auto& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  DevicePool& pool = a.pools[index];
  pool.allocated -= size;
  if (a.async) {
    cudaSetDevice(index);
    try {
      cudaFreeAsync(block, detail::gpu::stream(index));  // stream order: reusable by later work at once
    } catch (const Error&) {  // release must not throw; the stream exists if the block does
    }
    pool.reserved -= size;
  } else if (a.cache) {
    pool.free[size].push_back(block);
  } else {
    cudaSetDevice(index);
    cudaFree(block);
    pool.reserved -= size;
  }
}

namespace {
template <class F>
std::size_t statistic(const char* op, F f) {
  if (!cuda::is_available()) fail("xg::cuda::", op, ": CUDA is not available (", cuda::unavailable_reason(), ")");
  auto& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  return f(a.pools[current_index()]);
}
}  // namespace

std::size_t cuda::memory_allocated() {
  return statistic("memory_allocated", [](const DevicePool& p) { return p.allocated; });
}
std::size_t cuda::max_memory_allocated() {
  return statistic("max_memory_allocated", [](const DevicePool& p) { return p.peak; });
}
std::size_t cuda::memory_reserved() {
  return statistic("memory_reserved", [](const DevicePool& p) { return p.reserved; });
}

void cuda::empty_cache() {
  if (!is_available()) return;
  auto& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  for (auto& [index, pool] : a.pools) a.drop_cache(index, pool);
}

}  // namespace xg
