// Matrix products through cblas_?gemm with transpose flags: transposed operands are never
// copied and results are written once. (OpenBLAS's cblas.h cannot share a translation unit
// with xtensor-blas, so nothing else lives here.)
#include <xgrad/detail/format.h>
#include <cblas.h>

#include <atomic>

#include "tensor/kernels.h"
#include "tensor/parallel.h"
#include "tensor/tensor_impl.h"

// OpenBLAS's threading controls (declared in its cblas.h on Debian; re-declared here in case
// another CBLAS header is found first).
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}

namespace xg {

namespace {
// Atomic: set_num_threads may be called from any thread while others compute; each kernel
// reads it once per call (see detail::parallel_chunks).
std::atomic<int> g_threads = [] {
  // OpenBLAS always runs on the calling thread: xgrad splits work over its own threads
  // (detail::parallel_for). OpenBLAS's workers spin for a while after each product, and
  // measured to take the second core from the convolution threads that followed (a Keras
  // CNN step on 2 threads was 1.26x faster than on 1 with them, see docs/benchmarks.md).
  openblas_set_num_threads(1);
  return 1;
}();
}  // namespace

void set_num_threads(int n) {
  if (n < 1) fail("set_num_threads: need at least one thread, got ", n);
  g_threads = n;
}

int get_num_threads() { return g_threads; }

namespace kernel {

Tensor gemm(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  const bool batched = a.dim() == 3;
  if (a.dim() != b.dim() || (a.dim() != 2 && a.dim() != 3) || a.dtype() != b.dtype())
    fail("matmul: unsupported operands ", detail::shape_str(a.shape()), " ", dtype_name(a.dtype()), " @ ",
         detail::shape_str(b.shape()), " ", dtype_name(b.dtype()));
  const std::int64_t batch = batched ? a.shape()[0] : 1;
  if (batched && b.shape()[0] != batch)
    fail("matmul: batch sizes differ: ", detail::shape_str(a.shape()), " @ ", detail::shape_str(b.shape()));
  const std::int64_t r = batched ? 1 : 0;
  const std::int64_t m = trans_a ? a.shape()[r + 1] : a.shape()[r];
  const std::int64_t k = trans_a ? a.shape()[r] : a.shape()[r + 1];
  const std::int64_t kb = trans_b ? b.shape()[r + 1] : b.shape()[r];
  const std::int64_t n = trans_b ? b.shape()[r] : b.shape()[r + 1];
  if (k != kb)
    fail("matmul: ", detail::shape_str(a.shape()), trans_a ? "^T" : "", " @ ", detail::shape_str(b.shape()),
         trans_b ? "^T" : "", ": inner dimensions ", k, " and ", kb, " differ");
  const Shape shape = batched ? Shape{batch, m, n} : Shape{m, n};
  // With beta = 0 gemm never reads C, so it need not be zeroed first.
  if (m == 0 || n == 0 || k == 0) return zeros(shape, a.dtype());
  Tensor c = detail::make_tensor(shape, a.dtype());
  const auto ta = trans_a ? CblasTrans : CblasNoTrans;
  const auto tb = trans_b ? CblasTrans : CblasNoTrans;
  const int lda = static_cast<int>(trans_a ? m : k), ldb = static_cast<int>(trans_b ? k : n);
  const int N = static_cast<int>(n), K = static_cast<int>(k);
  if (a.dtype() == kInt64) fail("matmul: int64 matrices are not supported; convert with .to(xg::kFloat32)");
  // Rows of C split over threads: op(A)'s rows r0.. start at a + r0·k, or at column r0 of a
  // transposed A.
  const auto rows = [&](std::int64_t i, std::int64_t r0, std::int64_t r1) {
    const std::int64_t a_off = i * m * k + (trans_a ? r0 : r0 * k), c_off = i * m * n + r0 * n;
    const int R = static_cast<int>(r1 - r0);
    if (a.dtype() == kFloat32)
      cblas_sgemm(CblasRowMajor, ta, tb, R, N, K, 1.0f, a.data<float>() + a_off, lda, b.data<float>() + i * k * n, ldb,
                  0.0f, c.data<float>() + c_off, N);
    else
      cblas_dgemm(CblasRowMajor, ta, tb, R, N, K, 1.0, a.data<double>() + a_off, lda, b.data<double>() + i * k * n, ldb,
                  0.0, c.data<double>() + c_off, N);
  };
  for (std::int64_t i = 0; i < batch; ++i)
    detail::parallel_for(m, static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k),
                         [&](std::int64_t r0, std::int64_t r1, int) { rows(i, r0, r1); });
  return c;
}

Tensor linear(const Tensor& x, const Tensor& W, const Tensor& b, bool trans_w) {
  const std::int64_t m = x.shape()[0], k = x.shape()[1], n = W.shape()[trans_w ? 0 : 1];
  const auto tw = trans_w ? CblasTrans : CblasNoTrans;
  const int ldw = static_cast<int>(trans_w ? k : n);
  Tensor c = detail::make_tensor({m, n}, x.dtype());
  const auto fill_rows = [&](auto tag) {
    using T = decltype(tag);
    const T* pb = b.data<T>();
    T* pc = c.data<T>();
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) pc[i * n + j] = pb[j];
  };
  if (x.dtype() == kFloat32) fill_rows(float{});
  else fill_rows(double{});
  if (!(m && n && k)) return c;
  detail::parallel_for(m, static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k),
                       [&](std::int64_t r0, std::int64_t r1, int) {
                         const int R = static_cast<int>(r1 - r0), N = static_cast<int>(n), K = static_cast<int>(k);
                         if (x.dtype() == kFloat32)
                           cblas_sgemm(CblasRowMajor, CblasNoTrans, tw, R, N, K, 1.0f, x.data<float>() + r0 * k, K,
                                       W.data<float>(), ldw, 1.0f, c.data<float>() + r0 * n, N);
                         else
                           cblas_dgemm(CblasRowMajor, CblasNoTrans, tw, R, N, K, 1.0, x.data<double>() + r0 * k, K,
                                       W.data<double>(), ldw, 1.0, c.data<double>() + r0 * n, N);
                       });
  return c;
}

}  // namespace kernel
}  // namespace xg
