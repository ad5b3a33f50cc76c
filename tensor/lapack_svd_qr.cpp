// The singular value and QR decompositions through LAPACK (gesdd, geqrf + orgqr), batched,
// for (..., m, n) float matrices the caller (autograd/ops_linalg_svd_qr.cpp) has checked.
// gesdd is asked for the SVD of A^T, which is what it reads from our row-major A: its
// column-major left vectors, read as rows, are A's Vh, and its right vectors A's U, so no
// matrix is transposed; except a tall A, which gesdd factors faster transposed. QR has no such identity (the QR of A^T is A's LQ): A goes in
// transposed and Q and R come out transposed.
#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/lapack_common.h"

namespace xg::kernel {

namespace {

using namespace lapack;

template <class T>
Svd svd_t(const Tensor& a, bool full, bool vectors, const char* op) {
  const Batch bt = batch_of(a, op);
  const Index m = bt.n, n = bt.cols, k = std::min(m, n);
  const Index ucols = full ? m : k, vrows = full ? n : k;
  const Shape batch(a.shape().begin(), a.shape().end() - 2);
  const auto with = [&](std::initializer_list<std::int64_t> tail) {
    Shape s = batch;
    s.insert(s.end(), tail);
    return s;
  };
  Svd r{vectors ? detail::make_tensor(with({m, ucols}), a.dtype()) : Tensor(), detail::make_tensor(with({k}), a.dtype()),
        vectors ? detail::make_tensor(with({vrows, n}), a.dtype()) : Tensor()};
  const std::int64_t count = shape_numel(batch);
  if (k == 0) {  // no singular values; full bases are identities, as LAPACK would give
    if (vectors) {
      r.U = zeros(r.U.shape(), a.dtype()), r.Vh = zeros(r.Vh.shape(), a.dtype());
      T *pu = r.U.impl()->ptr<T>(), *pv = r.Vh.impl()->ptr<T>();
      for (std::int64_t b = 0; b < count; ++b) {
        for (Index i = 0; i < std::min(m, ucols); ++i) pu[b * m * ucols + static_cast<std::int64_t>(i) * ucols + i] = 1;
        for (Index i = 0; i < std::min(n, vrows); ++i) pv[b * vrows * n + static_cast<std::int64_t>(i) * n + i] = 1;
      }
    }
    return r;
  }
  const char jobz = !vectors ? 'N' : full ? 'A' : 'S';
  std::vector<T> work_a(static_cast<std::size_t>(m) * n);
  std::vector<Index> iwork(static_cast<std::size_t>(8) * k);
  T query = 0;
  T* no_vectors = nullptr;
  const T* src = a.impl()->ptr<T>();
  // gesdd is faster on a tall matrix than on its wide transpose (measured, OpenBLAS's LAPACK:
  // the reduced SVD of (256, 128) 2.45 ms tall against 3.06 wide, the QR path against the LQ
  // one), so a tall A goes in transposed, as PyTorch passes it, and its vectors come out
  // transposed; otherwise gesdd reads A^T in place (below).
  if (m > n) {
    std::vector<T> ubuf(vectors ? static_cast<std::size_t>(m) * ucols : 0), vtbuf(vectors ? static_cast<std::size_t>(vrows) * n : 0);
    cxxlapack::gesdd<Index>(jobz, m, n, work_a.data(), m, r.S.impl()->ptr<T>(), no_vectors, m, no_vectors,
                            std::max<Index>(vrows, 1), &query, -1, iwork.data());
    std::vector<T> work(static_cast<std::size_t>(std::max<T>(query, 1)));
    for (std::int64_t b = 0; b < count; ++b) {
      transpose_copy(src + b * m * n, work_a.data(), m, n);
      const Index info = cxxlapack::gesdd<Index>(jobz, m, n, work_a.data(), m, r.S.impl()->ptr<T>() + b * k,
                                                 vectors ? ubuf.data() : nullptr, m, vectors ? vtbuf.data() : nullptr,
                                                 std::max<Index>(vrows, 1), work.data(),
                                                 static_cast<Index>(work.size()), iwork.data());
      if (info > 0) fail(op, ": ", batch_prefix(a, b), "The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated singular values (error code: ", info, ").");
      if (!vectors) continue;
      // U': m x ucols and VT': vrows x n, column-major; read as rows they are U^T and Vh^T.
      transpose_copy(ubuf.data(), r.U.impl()->ptr<T>() + b * m * ucols, ucols, m);
      transpose_copy(vtbuf.data(), r.Vh.impl()->ptr<T>() + b * vrows * n, n, vrows);
    }
    return r;
  }
  // gesdd of M = A^T (n x m, column-major, leading dimension n): M = U' S VT' with U' n x vrows
  // (read as rows: Vh, vrows x n) and VT' ucols x m (read as rows: U, m x ucols).
  cxxlapack::gesdd<Index>(jobz, n, m, work_a.data(), n, r.S.impl()->ptr<T>(), no_vectors, n, no_vectors,
                          std::max<Index>(ucols, 1), &query, -1, iwork.data());
  std::vector<T> work(static_cast<std::size_t>(std::max<T>(query, 1)));
  for (std::int64_t b = 0; b < count; ++b) {
    std::copy(src + b * m * n, src + (b + 1) * m * n, work_a.begin());
    T* vh = vectors ? r.Vh.impl()->ptr<T>() + b * vrows * n : nullptr;
    T* u = vectors ? r.U.impl()->ptr<T>() + b * m * ucols : nullptr;
    const Index info = cxxlapack::gesdd<Index>(jobz, n, m, work_a.data(), n, r.S.impl()->ptr<T>() + b * k, vh, n, u,
                                               std::max<Index>(ucols, 1), work.data(), static_cast<Index>(work.size()),
                                               iwork.data());
    if (info > 0) fail(op, ": ", batch_prefix(a, b), "The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated singular values (error code: ", info, ").");
  }
  return r;
}

template <class T>
Qr qr_t(const Tensor& a, bool complete, bool want_q, const char* op) {
  const Batch bt = batch_of(a, op);
  const Index m = bt.n, n = bt.cols, k = std::min(m, n);
  const Index qcols = complete ? m : k, rrows = complete ? m : k;
  const Shape batch(a.shape().begin(), a.shape().end() - 2);
  Shape qshape = batch, rshape = batch;
  qshape.insert(qshape.end(), {m, qcols});
  rshape.insert(rshape.end(), {rrows, n});
  Qr r{want_q ? zeros(qshape, a.dtype()) : Tensor(), zeros(rshape, a.dtype())};
  const std::int64_t count = shape_numel(batch);
  // A column-major m x max(n, qcols) buffer: A's columns, then room for Q's extra ones.
  const Index cols = std::max(n, qcols);
  std::vector<T> buf(static_cast<std::size_t>(m) * std::max<Index>(cols, 1)), tau(static_cast<std::size_t>(std::max<Index>(k, 1)));
  T query = 0, query_q = 0;
  cxxlapack::geqrf<Index>(m, n, buf.data(), std::max<Index>(m, 1), tau.data(), &query, -1);
  if (want_q && m > 0) cxxlapack::orgqr<Index>(m, qcols, k, buf.data(), m, tau.data(), &query_q, -1);
  std::vector<T> work(static_cast<std::size_t>(std::max<T>({query, query_q, T(1)})));
  const T* src = a.impl()->ptr<T>();
  for (std::int64_t b = 0; b < count; ++b) {
    if (m == 0) break;
    transpose_copy(src + b * m * n, buf.data(), m, n);
    if (k > 0) cxxlapack::geqrf<Index>(m, n, buf.data(), m, tau.data(), work.data(), static_cast<Index>(work.size()));
    T* pr = r.R.impl()->ptr<T>() + b * rrows * n;
    for (Index i = 0; i < std::min(rrows, m); ++i)  // R: the upper triangle (trapezoid) of the factored buffer
      for (Index j = i; j < n; ++j) pr[static_cast<std::int64_t>(i) * n + j] = buf[static_cast<std::size_t>(j) * m + i];
    if (!want_q) continue;
    cxxlapack::orgqr<Index>(m, qcols, k, buf.data(), m, tau.data(), work.data(), static_cast<Index>(work.size()));
    T* pq = r.Q.impl()->ptr<T>() + b * m * qcols;
    for (Index i = 0; i < m; ++i)
      for (Index j = 0; j < qcols; ++j) pq[static_cast<std::int64_t>(i) * qcols + j] = buf[static_cast<std::size_t>(j) * m + i];
  }
  return r;
}

}  // namespace

Svd svd(const Tensor& a, bool full_matrices, bool compute_uv, const char* op) {
  const Tensor h = on_host(a, op);
  Svd r = by_dtype<Svd>(h, [&](auto t) { return svd_t<decltype(t)>(h, full_matrices, compute_uv, op); });
  const Device d = a.device();
  return {r.U.defined() ? back_to(r.U, d, op) : r.U, back_to(r.S, d, op), r.Vh.defined() ? back_to(r.Vh, d, op) : r.Vh};
}

Qr qr(const Tensor& a, bool complete, bool compute_q, const char* op) {
  const Tensor h = on_host(a, op);
  Qr r = by_dtype<Qr>(h, [&](auto t) { return qr_t<decltype(t)>(h, complete, compute_q, op); });
  return {r.Q.defined() ? back_to(r.Q, a.device(), op) : r.Q, back_to(r.R, a.device(), op)};
}

}  // namespace xg::kernel
