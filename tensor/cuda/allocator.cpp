// Device memory: a caching allocator per device (PyTorch's reasoning, the CPU BufferCache's
// shape). Sizes are rounded (to 512 B up to 1 MiB, to 2 MiB above) and freed blocks kept in
// exact-size free lists: training repeats its sizes every step, so after the first step no
// allocation reaches cudaMalloc. One stream per device, so a block freed on the host is
// reusable at once by later work on that stream. A mutex, because the last reference to a
// tensor may drop on another thread (DDP's communication thread). XGRAD_CUDA_ALLOC=async uses
// CUDA's stream-ordered pool instead (cudaMallocAsync, nothing released to the driver), the
// baseline the GPU benchmark compares with (docs/benchmarks.md).
//
// During a CUDA graph capture, blocks go to the capture's private pool (PyTorch's scheme): a
// replay writes to the addresses the capture used, so no block of the graph may serve other
// work while the graph lives. A block freed while its graph lives returns to the graph's pool
// (reusable by the same capture); when the graph dies, its pool's free blocks return to the
// device's cache, and blocks still held by tensors return there when those tensors die.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
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

// A capture's pool: its free blocks by rounded size, while its graph lives.
struct PrivatePool {
  int index = 0;
  bool graph_alive = true;
  std::unordered_map<std::size_t, std::vector<void*>> free;
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
  // Private pools: the capture's (null when none), and which pool owns each block allocated
  // into one (in use or free), by address.
  std::shared_ptr<PrivatePool> capture_pool;
  std::unordered_map<void*, std::shared_ptr<PrivatePool>> owner;
  std::unordered_map<std::uint64_t, std::shared_ptr<PrivatePool>> pools_by_id;
  std::uint64_t next_id = 1;

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
  PrivatePool* priv = a.capture_pool && a.capture_pool->index == index ? a.capture_pool.get() : nullptr;
  if (priv && a.async)
    fail(op, ": XGRAD_CUDA_ALLOC=async cannot allocate inside a CUDA graph capture in this version; unset it");
  if (priv) {
    if (auto it = priv->free.find(size); it != priv->free.end() && !it->second.empty()) {
      block = it->second.back();  // the capture's own block, freed earlier in the capture
      it->second.pop_back();
      pool.allocated += size;
      pool.peak = std::max(pool.peak, pool.allocated);
      return block;
    }
  }
  if (a.async) {
    block = a.allocate_async(size, index, op);
    pool.reserved += size;  // the pool's own reserve is CUDA's; counted as in use
  } else if (auto it = pool.free.find(size); it != pool.free.end() && !it->second.empty()) {
    block = it->second.back();  // free in stream order: a capture may take it over
    it->second.pop_back();
  } else {
    check(cudaSetDevice(index), op);
    // cudaMalloc is not stream-ordered, so a capture does not record it; CUDA refuses it in a
    // capturing thread unless the thread's mode is relaxed (PyTorch's allocator does the same).
    cudaStreamCaptureMode mode = cudaStreamCaptureModeRelaxed;
    if (priv) check(cudaThreadExchangeStreamCaptureMode(&mode), op);
    cudaError_t err = cudaMalloc(&block, size);
    const std::size_t cached = pool.reserved - pool.allocated;
    // Give the cache back to the driver and try once more (not in a capture: cudaFree waits for
    // the device, which a capture cannot do).
    if (err == cudaErrorMemoryAllocation && !priv) {
      cudaGetLastError();
      a.drop_cache(index, pool);
      err = cudaMalloc(&block, size);
    }
    if (priv) cudaThreadExchangeStreamCaptureMode(&mode);  // the capture's mode again
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      std::size_t free_bytes = 0, total = 0;
      cudaMemGetInfo(&free_bytes, &total);
      fail(op, ": CUDA out of memory on cuda:", index, ": asked for ", nbytes, " bytes (", nbytes >> 20,
           " MiB); xgrad's tensors hold ", pool.allocated >> 20, " MiB, its cache held ", cached >> 20,
           priv ? " MiB (kept: inside a CUDA graph capture)" : " MiB (freed, then retried)", "; the device has ",
           free_bytes >> 20, " MiB free of ", total >> 20, " MiB");
    }
    check(err, op);
    pool.reserved += size;
  }
  if (priv) a.owner[block] = a.capture_pool;
  pool.allocated += size;
  pool.peak = std::max(pool.peak, pool.allocated);
  return block;
}

std::uint64_t detail::gpu::begin_private_pool(int index) {
  auto& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  a.capture_pool = std::make_shared<PrivatePool>();
  a.capture_pool->index = index;
  const std::uint64_t id = a.next_id++;
  a.pools_by_id[id] = a.capture_pool;
  return id;
}

void detail::gpu::end_private_pool() noexcept {
  auto& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  a.capture_pool.reset();
}

void detail::gpu::release_private_pool(std::uint64_t id) noexcept {
  auto& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  const auto it = a.pools_by_id.find(id);
  if (it == a.pools_by_id.end()) return;
  PrivatePool& priv = *it->second;
  priv.graph_alive = false;
  DevicePool& pool = a.pools[priv.index];
  for (auto& [size, blocks] : priv.free)
    for (void* b : blocks) {
      a.owner.erase(b);
      if (a.cache) {
        pool.free[size].push_back(b);
      } else {  // XGRAD_CUDA_NO_CACHE=1: back to the driver, as every other block
        cudaSetDevice(priv.index);
        cudaFree(b);
        pool.reserved -= size;
      }
    }
  priv.free.clear();
  a.pools_by_id.erase(it);  // blocks still in tensors keep the pool alive through `owner`
}

void detail::gpu::release(void* block, std::size_t nbytes, int index) noexcept {
  if (!block) return;
  const std::size_t size = rounded(nbytes);
  auto& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  DevicePool& pool = a.pools[index];
  pool.allocated -= size;
  if (!a.owner.empty()) {  // a block of a capture: back to its graph's pool while the graph lives
    const auto it = a.owner.find(block);
    if (it != a.owner.end()) {
      if (it->second->graph_alive) {
        it->second->free[size].push_back(block);
        return;
      }
      a.owner.erase(it);  // its graph is gone: the block joins the device's cache below
    }
  }
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
  if (a.capture_pool) return;  // cudaFree waits for the device: not inside a capture (PyTorch skips it too)
  for (auto& [index, pool] : a.pools) a.drop_cache(index, pool);
}

}  // namespace xg
