// The CUDA libraries a CUDA build opens on demand (tensor/cuda/cublas_library.h). These run
// without a GPU: opening cuBLAS and finding its functions needs only the toolkit, which a
// CUDA build's machine has (CI's does).
#include "tensor/cuda/cublas_library.h"
#include "tensor/cuda/entry_count.h"
#include "cuda/cuda_util.h"

namespace {

using xg::test::library_mapped;

TEST(CudaLibraries, CublasOpensOnFirstUseWithEveryFunction) {
  if (xg::detail::gpu::cublas_loaded()) GTEST_SKIP() << "an earlier test in this process opened it";
  EXPECT_FALSE(library_mapped("libcublas"));
  const auto& api = xg::detail::gpu::cublas("test");
  EXPECT_TRUE(xg::detail::gpu::cublas_loaded());
  EXPECT_TRUE(library_mapped("libcublas"));
  EXPECT_NE(api.create, nullptr);
  EXPECT_NE(api.set_stream, nullptr);
  EXPECT_NE(api.set_workspace, nullptr);
  EXPECT_NE(api.set_math_mode, nullptr);
  EXPECT_NE(api.sgemm_strided_batched, nullptr);
  EXPECT_NE(api.dgemm_strided_batched, nullptr);
  // Callable without a GPU: the library's own answers, not placeholders.
  EXPECT_STREQ(api.status_name(CUBLAS_STATUS_NOT_INITIALIZED), "CUBLAS_STATUS_NOT_INITIALIZED");
  EXPECT_EQ(&xg::detail::gpu::cublas("again"), &api);  // opened once
}

}  // namespace

TEST(CudaEntryPoints, EachCallIsCounted) {
  XG_REQUIRE_CUDA();
  const auto calls = [](const std::string& name) {
    for (const auto& [n, c] : xg::detail::gpu::entry_counts())
      if (n == name) return c;
    return std::uint64_t{0};
  };
  const auto a = xg::ones({4}, xg::kCUDA);
  const auto before = calls("binary");
  const auto b = a + a;
  const auto c = b * a;
  EXPECT_EQ(calls("binary"), before + 2);
  EXPECT_GE(calls("cast"), 1u);  // ones() fills through cast
}
