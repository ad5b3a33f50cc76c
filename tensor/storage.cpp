// Storage: the bytes of a tensor. CPU bytes come from a per-thread cache of freed buffers
// (BufferCache, below) or aligned_alloc; GPU bytes from the CUDA runtime's allocator.
#include <atomic>
#include <cstdlib>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include <xgrad/detail/sanitizers.h>

#include "tensor/checked.h"
#include "tensor/cuda/runtime.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace detail {

namespace {

// A per-thread cache of freed buffers, by exact (64-byte rounded) size. A training loop
// allocates the same sizes every step; reusing them skips malloc's bookkeeping and, for
// large buffers, the page faults of fresh memory (measured: malloc and free were the
// largest cost after the matrix products). Bounded, and emptied when the thread ends. When
// full, the large buffers idle longest make room: a program that moves on to other sizes
// (another model, an evaluation batch, the next benchmark) would otherwise keep a cache full
// of sizes it no longer asks for and pay malloc and page faults for every new one (measured:
// 2-4x slower elementwise workloads after a few others had run).
class BufferCache {
 public:
  static constexpr std::size_t kLimit = std::size_t{256} << 20;  // bytes kept per thread

  ~BufferCache() {
    alive_ = false;
    release();
  }
  void* take(std::size_t size) {
    if (size <= kSmall) {
      std::vector<void*>& list = small_[size / 64 - 1];
      if (list.empty()) return nullptr;
      void* p = list.back();
      list.pop_back();
      cached_ -= size;
      return p;
    }
    auto it = free_.find(size);
    if (it == free_.end() || it->second.empty()) {
      ++stats_.large_misses;
      return nullptr;
    }
    void* p = it->second.back().data;
    it->second.pop_back();  // an emptied list stays: the size comes back next step, without a map node
    cached_ -= size;
    ++stats_.large_hits;
    return p;
  }
  bool give(void* p, std::size_t size) {
    if (size > kLimit) return false;
    if (cached_ + size > kLimit && size > kSmall) evict(cached_ + size - kLimit);
    if (cached_ + size > kLimit) return false;
    if (size <= kSmall) small_[size / 64 - 1].push_back(p);
    else free_[size].push_back({p, ++clock_});
    cached_ += size;
    return true;
  }
  void release() {
    for (auto& [size, entries] : free_)
      for (const Entry& e : entries) std::free(e.data);
    for (auto& ptrs : small_) {
      for (void* p : ptrs) std::free(p);
      ptrs.clear();
    }
    free_.clear();
    cached_ = 0;
  }
  BufferCacheStats stats() const {
    BufferCacheStats s = stats_;
    s.bytes = cached_;
    return s;
  }
  static bool alive() { return alive_; }

 private:
  // Sizes up to kSmall (the buffers of small operations, one per recorded operation and
  // gradient) by direct index: no hash lookup on the per-operation path.
  static constexpr std::size_t kSmall = 4096;
  struct Entry {
    void* data;
    std::uint64_t freed_at;  // clock_ when it was given back
  };
  // Frees the large buffers given back longest ago until `need` bytes are released or none
  // is left. Each size's entries are in the order they were given back (taken from the back),
  // so its oldest is its front; the sizes are few, so a scan finds the oldest overall (only
  // when the cache is full). A size whose list empties here is dropped: it is not in use.
  void evict(std::size_t need) {
    std::size_t freed = 0;
    while (freed < need) {
      auto oldest = free_.end();
      for (auto it = free_.begin(); it != free_.end(); ++it)
        if (!it->second.empty() &&
            (oldest == free_.end() || it->second.front().freed_at < oldest->second.front().freed_at))
          oldest = it;
      if (oldest == free_.end()) return;
      std::free(oldest->second.front().data);
      oldest->second.erase(oldest->second.begin());
      freed += oldest->first;
      cached_ -= oldest->first;
      if (oldest->second.empty()) free_.erase(oldest);
    }
  }
  std::vector<void*> small_[kSmall / 64];
  std::unordered_map<std::size_t, std::vector<Entry>> free_;
  std::size_t cached_ = 0;
  std::uint64_t clock_ = 0;
  BufferCacheStats stats_;
  static thread_local bool alive_;  // false once this thread's cache is destroyed
};
thread_local bool BufferCache::alive_ = true;

BufferCache& cache() {
  static thread_local BufferCache c;
  return c;
}

std::size_t rounded(std::size_t bytes) { return ((bytes + 63) / 64) * 64 + 64 * (bytes == 0); }

// Under AddressSanitizer every buffer goes back to malloc, so a use after free is caught.
#ifdef XGRAD_ASAN
constexpr bool kUseCache = false;
#else
constexpr bool kUseCache = true;
#endif

}  // namespace

namespace {
std::atomic<std::uint64_t> g_storage_serial{1};
}  // namespace

std::uint64_t next_storage_serial() { return g_storage_serial.load(); }

BufferCacheStats buffer_cache_stats() { return kUseCache && BufferCache::alive() ? cache().stats() : BufferCacheStats{}; }

Storage::Storage(std::size_t bytes, Device where)
    // Every CPU tensor passes here: the CUDA runtime is asked only for a GPU storage.
    : nbytes(bytes), device(where.is_cpu() ? Device(kCPU) : gpu::resolve(where)), serial(g_storage_serial.fetch_add(1)) {
  if (device.is_cuda()) {
    data = gpu::allocate(bytes, device.index(), call_or("tensor"));
    return;
  }
  const std::size_t size = rounded(bytes);  // aligned_alloc wants a multiple of the alignment
  data = kUseCache && BufferCache::alive() ? cache().take(size) : nullptr;
  if (!data) data = std::aligned_alloc(64, size);
  if (data == nullptr)
    fail(call_or("tensor"), ": out of memory allocating ", bytes, " bytes (", bytes >> 20, " MiB)");
}

Storage::Storage(std::shared_ptr<Storage> of, std::size_t offset, std::size_t bytes)
    : data(static_cast<unsigned char*>(of->data) + offset), nbytes(bytes), device(of->device),
      serial(g_storage_serial.fetch_add(1)), base(std::move(of)) {}

Storage::~Storage() {
  if (base) return;  // the bytes are base's
  if (device.is_cuda()) {
    gpu::release(data, nbytes, device.index());
    return;
  }
  if (!kUseCache || !BufferCache::alive() || !cache().give(data, rounded(nbytes))) std::free(data);
}

void Storage::elements_on_gpu() const {
  fail(call_or("this operation"), ": not available for tensors on ", device.str(),
       " yet (xgrad's CUDA kernels are in progress); move the operands with .to(xg::kCPU)");
}

}  // namespace detail

void release_cached_memory() { detail::cache().release(); }

}  // namespace xg
