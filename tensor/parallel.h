// Private: splitting work over the threads xg::set_num_threads allows.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>

namespace xg::detail {

/// Calls body(begin, end, chunk) on disjoint chunks numbered 0, 1, ... covering [0, n), on up to get_num_threads()
/// threads (the caller's and a persistent pool's), when `work` (about the multiply-adds of
/// the whole job) is large enough to pay for waking threads; otherwise body(0, n, 0) on this
/// thread. OpenBLAS itself always runs on its caller's thread (see set_num_threads), so each
/// chunk's products stay on its core. The first exception thrown by a chunk is rethrown.
/// A body whose results depend on where chunks start (a partial sum) must not use this: its
/// chunks follow the thread count. Use reduction_blocks.
void parallel_for(std::int64_t n, double work, const std::function<void(std::int64_t, std::int64_t, int)>& body);

/// How many chunks parallel_for would use for this job (1 when it runs inline). The thread
/// count may change at any time (another thread's set_num_threads): a caller that sizes
/// per-chunk state from this must run with the same count, through parallel_for_chunks.
int parallel_chunks(std::int64_t n, double work);

/// How many partial results a reduction over n items of `work` multiply-adds is cut into:
/// from the job's size alone, never the thread count, so summing the partials in block order
/// gives the same bits on any number of threads. Run the blocks with parallel_for_chunks.
int reduction_blocks(std::int64_t n, double work);

/// parallel_for with the chunk count fixed by the caller (from parallel_chunks or
/// reduction_blocks); the chunks run on up to that many threads, never more than the pool has.
void parallel_for_chunks(std::int64_t n, int chunks, const std::function<void(std::int64_t, std::int64_t, int)>& body);

/// How many chunks an elementwise job of n elements, each worth `cost` simple operations (1
/// for an add, about 10 for an exp), is split into: 1 below a measured size, else up to the
/// thread count. An elementwise result does not depend on where chunks start.
int elementwise_chunks(std::int64_t n, double cost);

/// Chunks of an elementwise kernel start at multiples of this many elements: a vectorised
/// kernel (xsimd's exp) computes a run's tail with scalar code, other bits than its vector
/// code, so a boundary elsewhere would make results depend on the thread count.
constexpr std::int64_t kElementAlign = 64;

/// body(begin, end) over [0, n), split as elementwise_chunks says at multiples of `align`
/// (kElementAlign for runs of elements; 1 for whole lines or planes); inline (no
/// std::function, no pool) when it is not split, so small tensors pay nothing for it.
template <class F>
void parallel_elements(std::int64_t n, double cost, F&& body, std::int64_t align = kElementAlign) {
  const int chunks = elementwise_chunks(n, cost);
  if (chunks <= 1) return static_cast<void>(body(std::int64_t{0}, n));
  const std::int64_t blocks = (n + align - 1) / align;
  parallel_for_chunks(blocks, chunks, [&](std::int64_t b, std::int64_t e, int) {
    body(b * align, std::min(n, e * align));
  });
}

}  // namespace xg::detail
