// Private: splitting work over the threads xg::set_num_threads allows.
#pragma once

#include <cstdint>
#include <functional>

namespace xg::detail {

/// Calls body(begin, end, chunk) on disjoint chunks numbered 0, 1, ... covering [0, n), on up to get_num_threads()
/// threads (the caller's among them), when `work` (about the multiply-adds of the whole job)
/// is large enough to pay for starting threads; otherwise body(0, n, 0) on this thread.
/// OpenBLAS itself always runs on its caller's thread (see set_num_threads), so each chunk's
/// products stay on its core. The first exception thrown by a chunk is rethrown.
void parallel_for(std::int64_t n, double work, const std::function<void(std::int64_t, std::int64_t, int)>& body);

/// How many chunks parallel_for would use for this job (1 when it runs inline). The thread
/// count may change at any time (another thread's set_num_threads): a caller that sizes
/// per-chunk state from this must run with the same count, through parallel_for_chunks.
int parallel_chunks(std::int64_t n, double work);

/// parallel_for with the chunk count fixed by the caller (from parallel_chunks).
void parallel_for_chunks(std::int64_t n, int chunks, const std::function<void(std::int64_t, std::int64_t, int)>& body);

}  // namespace xg::detail
