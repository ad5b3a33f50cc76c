// LU in PyTorch's layout (torch.linalg.lu_factor): A = P L U for (..., m, n) matrices, the
// factors packed row-major (L's strict lower part and U) with LAPACK's 1-based pivots, and
// the permutation those pivots describe. tensor/lapack.cpp's LU factors A^T for its own
// solves (no transpose); a user's factors must be A's, so each matrix is transposed into
// LAPACK's column-major order, factored by getrf and transposed back.
#include <xgrad/detail/format.h>

#include <algorithm>
#include <vector>

#include "tensor/lapack_common.h"

namespace xg::kernel {

namespace {

using namespace lapack;

template <class T>
LU lu_factor_packed_t(const Tensor& a, bool error_if_singular, const char* op) {
  const Batch bt = batch_of(a, op);
  const Index m = bt.n, n = bt.cols, k = std::min(m, n);
  Shape pivot_shape(a.shape().begin(), a.shape().end() - 2);
  pivot_shape.push_back(k);
  LU lu{detail::make_tensor(a.shape(), a.dtype()), detail::make_tensor(pivot_shape, kInt64)};
  std::vector<T> col(static_cast<std::size_t>(m) * n);
  std::vector<Index> piv(static_cast<std::size_t>(std::max(k, 1)));
  const T* src = a.impl()->ptr<T>();
  T* factors = lu.factors.impl()->ptr<T>();
  std::int64_t* pivots = lu.pivots.impl()->ptr<std::int64_t>();
  const std::int64_t size = static_cast<std::int64_t>(m) * n;
  for (std::int64_t b = 0; b < bt.count; ++b) {
    transpose_copy(src + b * size, col.data(), m, n);  // A column-major
    const Index info = cxxlapack::getrf<Index>(m, n, col.data(), m, piv.data());
    if (info > 0 && error_if_singular)
      fail(op, ": ", batch_prefix(a, b), "U[", info - 1, ",", info - 1,
           "] is zero (the matrix is singular) and lu_solve would divide by it; linalg::lu factors it anyway");
    transpose_copy(col.data(), factors + b * size, n, m);  // back to rows
    std::copy(piv.begin(), piv.begin() + k, pivots + b * k);
  }
  return lu;
}

}  // namespace

LU lu_factor_packed(const Tensor& a, bool error_if_singular, const char* op) {
  const Tensor h = lapack::on_host(a, op);
  LU lu = lapack::by_dtype<LU>(h, [&](auto t) { return lu_factor_packed_t<decltype(t)>(h, error_if_singular, op); });
  return {lapack::back_to(lu.factors, a.device(), op), lapack::back_to(lu.pivots, a.device(), op)};
}

Tensor lu_permutation(const Tensor& pivots, std::int64_t m, const char* op) {
  const Tensor h = lapack::on_host(pivots, op);  // (..., k), k <= m: the caller's checks
  const std::int64_t k = h.shape().back();
  Shape shape(h.shape().begin(), h.shape().end() - 1);
  shape.push_back(m);
  Tensor perm = detail::make_tensor(shape, kInt64);
  const std::int64_t* p = h.impl()->ptr<std::int64_t>();
  std::int64_t* out = perm.impl()->ptr<std::int64_t>();
  const std::int64_t batches = m == 0 ? 0 : perm.numel() / m;
  for (std::int64_t b = 0; b < batches; ++b) {
    std::int64_t* row = out + b * m;
    for (std::int64_t i = 0; i < m; ++i) row[i] = i;
    for (std::int64_t i = 0; i < k; ++i) {
      const std::int64_t v = p[b * k + i];
      // LAPACK's row i was exchanged with row v >= i (1-based), never one already final.
      if (v < i + 1 || v > m)
        fail(op, ": pivots must lie in [i + 1, ", m, "] at each position i (LAPACK's 1-based pivots), but element ",
             b * k + i, " (flat) is ", v);
      std::swap(row[i], row[v - 1]);
    }
  }
  return lapack::back_to(perm, pivots.device(), op);
}

}  // namespace xg::kernel
