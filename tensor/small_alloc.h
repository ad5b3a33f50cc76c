// Private: a per-thread pool of small blocks for the objects every recorded operation creates
// and frees: tensor metadata (TensorImpl), storage headers and graph nodes, each with its
// shared_ptr control block. Freed in bursts (a backward frees the whole graph), they overflow
// malloc's per-thread cache and take its slow path: under callgrind, malloc and free were 45%
// of a small operation's instructions. Blocks are plain ::operator new memory, so a block
// freed on another thread simply joins that thread's pool.
#pragma once

#include <cstddef>
#include <new>

namespace xg::detail {

/// A block of at least `bytes` from this thread's pool (::operator new above 1 KiB).
void* small_alloc(std::size_t bytes);
/// Returns a block from small_alloc of the same `bytes`.
void small_free(void* p, std::size_t bytes) noexcept;

/// std::allocate_shared<T>(PoolAllocator<T>(), ...) puts T and its control block in one
/// pooled block.
template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(small_alloc(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { small_free(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const PoolAllocator<U>&) const {
    return false;
  }
};

}  // namespace xg::detail
