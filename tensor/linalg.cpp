// Matrix products of whole tensors (matmul, linear) through detail::parallel_gemm with
// transpose flags: transposed operands are never copied and results are written once.
#include <xgrad/detail/format.h>

#include <algorithm>

#include "tensor/blas.h"
#include "tensor/cuda/kernels.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

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
  const Device device = detail::compute_device({{"input", a}, {"other", b}}, "matmul");
  // With beta = 0 gemm never reads C, so it need not be zeroed first.
  if (m == 0 || n == 0 || k == 0) return zeros(shape, TensorOptions(a.dtype()).device(device));
  if (a.dtype() == kInt64) fail("matmul: int64 matrices are not supported; convert with .to(xg::kFloat32)");
  Tensor c = detail::make_tensor(shape, a.dtype(), device);
  if (!device.is_cpu()) return detail::gpu::gemm(c, a, b, trans_a, trans_b, m, n, k, batch), c;
  const std::int64_t lda = trans_a ? m : k, ldb = trans_b ? k : n;
  for (std::int64_t i = 0; i < batch; ++i) {
    if (a.dtype() == kFloat32)
      detail::parallel_gemm(trans_a, trans_b, m, n, k, 1.0f, a.data<float>() + i * m * k, lda,
                            b.data<float>() + i * k * n, ldb, 0.0f, c.data<float>() + i * m * n, n);
    else
      detail::parallel_gemm(trans_a, trans_b, m, n, k, 1.0, a.data<double>() + i * m * k, lda,
                            b.data<double>() + i * k * n, ldb, 0.0, c.data<double>() + i * m * n, n);
  }
  return c;
}

Tensor gemm_in_row_blocks(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, std::int64_t block_rows,
                          const RowsDone& done) {
  const bool plain = a.dim() == 2 && b.dim() == 2 && a.dtype() == b.dtype() && a.dtype() != kInt64 &&
                     a.shape()[trans_a ? 0 : 1] == b.shape()[trans_b ? 1 : 0] && a.numel() > 0 && b.numel() > 0;
  // One block: an unusual product (or gemm's error), or one on a GPU (where DDP does not stream).
  if (!plain || block_rows <= 0 || block_rows % detail::kGemmRowAlign != 0 || !a.device().is_cpu()) {
    Tensor c = gemm(a, b, trans_a, trans_b);
    done(0, c.shape()[0], c);
    return c;
  }
  const std::int64_t m = a.shape()[trans_a ? 1 : 0], k = a.shape()[trans_a ? 0 : 1], n = b.shape()[trans_b ? 0 : 1];
  Tensor c = detail::make_tensor({m, n}, a.dtype());
  const std::int64_t lda = trans_a ? m : k, ldb = trans_b ? k : n;
  // Row r of op(a) starts at column r of a when a is read transposed, at row r otherwise.
  const std::int64_t a_row_step = trans_a ? 1 : lda;
  for (std::int64_t r0 = 0; r0 < m; r0 += block_rows) {
    const std::int64_t rows = std::min(block_rows, m - r0);
    if (a.dtype() == kFloat32)
      detail::parallel_gemm(trans_a, trans_b, rows, n, k, 1.0f, a.data<float>() + r0 * a_row_step, lda,
                            b.data<float>(), ldb, 0.0f, c.data<float>() + r0 * n, n);
    else
      detail::parallel_gemm(trans_a, trans_b, rows, n, k, 1.0, a.data<double>() + r0 * a_row_step, lda,
                            b.data<double>(), ldb, 0.0, c.data<double>() + r0 * n, n);
    done(r0, r0 + rows, c);
  }
  return c;
}

void gemm_into(Tensor& c, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, double beta) {
  const std::int64_t m = trans_a ? a.shape()[1] : a.shape()[0], k = trans_a ? a.shape()[0] : a.shape()[1];
  const std::int64_t n = trans_b ? b.shape()[0] : b.shape()[1];
  if (c.shape() != Shape{m, n} || (trans_b ? b.shape()[1] : b.shape()[0]) != k || k == 0 || a.dtype() != c.dtype() ||
      b.dtype() != c.dtype() || !is_floating(c.dtype()))
    fail("gemm_into: ", detail::shape_str(a.shape()), " @ ", detail::shape_str(b.shape()), " into ",
         detail::shape_str(c.shape()), " (an internal error)");
  if (m == 0 || n == 0) return;
  const std::int64_t lda = trans_a ? m : k, ldb = trans_b ? k : n;
  if (!c.device().is_cpu()) {
    detail::gpu::GemmArgs g;
    g.trans_a = trans_a, g.trans_b = trans_b, g.m = m, g.n = n, g.k = k, g.lda = lda, g.ldb = ldb, g.ldc = n;
    return detail::gpu::gemm_strided(g, a, 0, b, 0, beta, c, 0);
  }
  if (c.dtype() == kFloat32)
    detail::parallel_gemm(trans_a, trans_b, m, n, k, 1.0f, a.data<float>(), lda, b.data<float>(), ldb,
                          static_cast<float>(beta), c.data<float>(), n, "gemm_into");
  else
    detail::parallel_gemm(trans_a, trans_b, m, n, k, 1.0, a.data<double>(), lda, b.data<double>(), ldb, beta,
                          c.data<double>(), n, "gemm_into");
}

Tensor linear(const Tensor& x, const Tensor& W, const Tensor& b, bool trans_w) {
  const std::int64_t m = x.shape()[0], k = x.shape()[1], n = W.shape()[trans_w ? 0 : 1];
  const std::int64_t ldw = trans_w ? k : n;
  const Device device = detail::compute_device({{"input", x}, {"weight", W}, {"bias", b}}, "linear");
  Tensor c = detail::make_tensor({m, n}, x.dtype(), device);
  if (!device.is_cpu()) return detail::gpu::linear(c, x, W, b, trans_w), c;
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
  if (x.dtype() == kFloat32)
    detail::parallel_gemm(false, trans_w, m, n, k, 1.0f, x.data<float>(), k, W.data<float>(), ldw, 1.0f,
                          c.data<float>(), n, "linear");
  else
    detail::parallel_gemm(false, trans_w, m, n, k, 1.0, x.data<double>(), k, W.data<double>(), ldw, 1.0,
                          c.data<double>(), n, "linear");
  return c;
}

}  // namespace kernel
}  // namespace xg
