// Private: the one place matrix products meet a BLAS. Every product (matmul, linear,
// convolutions, fused attention) comes through here, so the engine choice, the 32-bit limits
// of the BLAS interfaces and the thread split are decided once.
#pragma once

#include <cstdint>

namespace xg::detail {

/// C = alpha·op(A)·op(B) + beta·C, row-major, with leading dimensions, on this thread. float
/// runs on the engine set_sgemm_engine chose; double always on OpenBLAS. `op` names the
/// user's call in the error a dimension beyond the BLAS's 32-bit interface gets.
void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
          std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc,
          const char* op = "matmul");
void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, double alpha, const double* a,
          std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c, std::int64_t ldc,
          const char* op = "matmul");

/// gemm with C's rows split over set_num_threads threads. The split falls only at multiples
/// of kGemmRowAlign rows: a BLAS computes a row with the same instructions whether or not the
/// rows before it are in the same call when the call starts at such a multiple (measured for
/// OpenBLAS's kernels, every transpose, float and double), so the bits of the result do not
/// depend on the thread count.
template <class T>
void parallel_gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
                   std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc,
                   const char* op = "matmul");

/// oneDNN's OpenMP runtime on one thread for the primitives this thread runs: xgrad splits
/// the work over its own threads (no-op in a build without oneDNN).
void onednn_on_this_thread();

/// 48 = lcm of the row blockings of OpenBLAS's x86 sgemm/dgemm kernels (4, 8, 12, 16, 24).
constexpr std::int64_t kGemmRowAlign = 48;

}  // namespace xg::detail
