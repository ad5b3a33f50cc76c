// The CPU buffer cache (tensor/tensor.cpp): a size asked for again is served from it, and a
// cache full of sizes no longer asked for makes room for the new ones (the buffers idle
// longest go), so a program that moves on to other shapes keeps its reuse.
#include <xgrad/detail/sanitizers.h>

#include "tensor/tensor_impl.h"
#include "test_util.h"

using namespace xg;

TEST(BufferCache, ServesRepeatedSizesAndEvictsTheLongestIdle) {
#ifdef XGRAD_ASAN
  GTEST_SKIP() << "under AddressSanitizer every buffer goes back to malloc (no cache)";
#endif
  const auto step = [](std::int64_t floats) { (void)empty({floats}); };  // allocated, then freed
  const auto hits = [] { return detail::buffer_cache_stats().large_hits; };
  // A phase of sizes that fills the 256 MiB cache: 40 distinct sizes of about 7 MiB.
  for (int k = 0; k < 40; ++k) step((std::int64_t{7} << 18) + 16 * k);
  EXPECT_GT(detail::buffer_cache_stats().bytes, std::size_t{230} << 20);
  // The next phase: a new size is kept (evicting the oldest) and served on every later request.
  const auto before = hits();
  for (int i = 0; i < 5; ++i) step((std::int64_t{3} << 18) + 8);
  EXPECT_EQ(hits() - before, 4u);
  EXPECT_LE(detail::buffer_cache_stats().bytes, std::size_t{256} << 20);
  // A size of the first phase given back long ago was evicted; one given back recently is there.
  const auto mid = hits();
  step((std::int64_t{7} << 18) + 16 * 39);
  EXPECT_EQ(hits() - mid, 1u);
  step((std::int64_t{7} << 18));
  EXPECT_EQ(hits() - mid, 1u);
}
