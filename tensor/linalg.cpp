// Matrix products through cblas_?gemm with transpose flags: transposed operands are never
// copied and results are written once. (OpenBLAS's cblas.h cannot share a translation unit
// with xtensor-blas, so nothing else lives here.)
#include <xgrad/detail/format.h>
#include <cblas.h>

#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

// OpenBLAS's threading controls (declared in its cblas.h on Debian; re-declared here in case
// another CBLAS header is found first).
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}

namespace xg {

namespace {
int g_threads = [] {
  // One thread by default: on this 2-core machine OpenBLAS with 2 threads was measured
  // erratic for the small products of typical models. set_num_threads(2) opts in.
  openblas_set_num_threads(1);
  return 1;
}();
}  // namespace

void set_num_threads(int n) {
  if (n < 1) fail("set_num_threads: need at least one thread, got ", n);
  openblas_set_num_threads(n);
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
  const int M = static_cast<int>(m), N = static_cast<int>(n), K = static_cast<int>(k);
  for (std::int64_t i = 0; i < batch; ++i) {
    if (a.dtype() == kFloat32) {
      cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, 1.0f, a.data<float>() + i * m * k, lda,
                  b.data<float>() + i * k * n, ldb, 0.0f, c.data<float>() + i * m * n, N);
    } else if (a.dtype() == kFloat64) {
      cblas_dgemm(CblasRowMajor, ta, tb, M, N, K, 1.0, a.data<double>() + i * m * k, lda,
                  b.data<double>() + i * k * n, ldb, 0.0, c.data<double>() + i * m * n, N);
    } else {
      fail("matmul: int64 matrices are not supported; convert with .to(xg::kFloat32)");
    }
  }
  return c;
}

Tensor linear(const Tensor& x, const Tensor& W, const Tensor& b) {
  const std::int64_t m = x.shape()[0], k = x.shape()[1], n = W.shape()[1];
  Tensor c = detail::make_tensor({m, n}, x.dtype());
  const auto fill_rows = [&](auto tag) {
    using T = decltype(tag);
    const T* pb = b.data<T>();
    T* pc = c.data<T>();
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) pc[i * n + j] = pb[j];
  };
  if (x.dtype() == kFloat32) {
    fill_rows(float{});
    if (m && n && k)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
                  1.0f, x.data<float>(), static_cast<int>(k), W.data<float>(), static_cast<int>(n), 1.0f, c.data<float>(),
                  static_cast<int>(n));
  } else {
    fill_rows(double{});
    if (m && n && k)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
                  1.0, x.data<double>(), static_cast<int>(k), W.data<double>(), static_cast<int>(n), 1.0, c.data<double>(),
                  static_cast<int>(n));
  }
  return c;
}

}  // namespace kernel
}  // namespace xg
