// The per-thread block pool of small_alloc.h: 32 size classes of 32 bytes, each a singly
// linked free list through the blocks themselves, at most 4096 blocks per class.
#include "tensor/small_alloc.h"

#include <xgrad/detail/sanitizers.h>

#include <cstdint>

namespace xg::detail {

namespace {

constexpr std::size_t kGranule = 32, kClasses = 32, kMaxPerClass = 4096;

// Under AddressSanitizer every block goes back to operator delete, so a use after free is
// caught (as the buffer cache does).
#ifdef XGRAD_ASAN
constexpr bool kUsePool = false;
#else
constexpr bool kUsePool = true;
#endif

struct FreeBlock {
  FreeBlock* next;
};

class Pool {
 public:
  ~Pool() {
    alive_ = false;
    for (std::size_t c = 0; c < kClasses; ++c)
      while (FreeBlock* b = head_[c]) {
        head_[c] = b->next;
        ::operator delete(b);
      }
  }
  void* take(std::size_t c) {
    FreeBlock* b = head_[c];
    if (!b) return ::operator new((c + 1) * kGranule);
    head_[c] = b->next;
    --count_[c];
    return b;
  }
  void give(void* p, std::size_t c) {
    if (count_[c] >= kMaxPerClass) return ::operator delete(p);
    head_[c] = new (p) FreeBlock{head_[c]};
    ++count_[c];
  }
  static bool alive() { return alive_; }

 private:
  FreeBlock* head_[kClasses] = {};
  std::size_t count_[kClasses] = {};
  static thread_local bool alive_;  // false once this thread's pool is destroyed
};
thread_local bool Pool::alive_ = true;

Pool& pool() {
  static thread_local Pool p;
  return p;
}

// The class of a request, or kClasses when it is too large (or the pool is off).
std::size_t class_of(std::size_t bytes) {
  if (!kUsePool || bytes == 0 || bytes > kClasses * kGranule) return kClasses;
  return (bytes - 1) / kGranule;
}

}  // namespace

void* small_alloc(std::size_t bytes) {
  const std::size_t c = class_of(bytes);
  if (c == kClasses) return ::operator new(bytes);
  // Always the class's full size, even past this thread's end: the block may be freed into
  // another thread's pool and handed out there for any request of its class.
  return Pool::alive() ? pool().take(c) : ::operator new((c + 1) * kGranule);
}

void small_free(void* p, std::size_t bytes) noexcept {
  const std::size_t c = class_of(bytes);
  if (c < kClasses && Pool::alive())
    pool().give(p, c);
  else
    ::operator delete(p);
}

}  // namespace xg::detail
