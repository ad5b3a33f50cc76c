// Dense linear algebra through LAPACK: OpenBLAS's own LAPACK, called through the raw-pointer
// interface xtensor-blas bundles (cxxlapack), and OpenBLAS's trsm for triangular solves.
// A library made for the job: LU with partial pivoting, Cholesky and the divide-and-conquer
// symmetric eigensolver are decades of numerical care we would not match by hand.
//
// Every kernel takes contiguous (..., n, n) float32/float64 matrices whose shapes the caller
// (autograd/ops_linalg_lapack.cpp) has checked, and loops over the batch. LAPACK is
// column-major, so it reads our row-major A as A^T; rather than transpose (measured: 12% of a
// Cholesky step), each routine is asked the transposed question: the LU of A^T (its
// inverse, read back as rows, is A^-1; its determinant is A's; A X = B is a solve with the
// factors transposed), the upper Cholesky factor of A^T (read as rows: A's lower factor, from
// A's lower triangle), the eigenvectors of A^T = A from the other triangle. Only right-hand
// sides and eigenvectors are transposed. A GPU tensor goes through the host (one of the
// documented waits, tensor/waits.cpp); its errors are therefore raised at the call, with the
// CPU's message.
#include <xgrad/detail/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <cblas.h>

#include "tensor/lapack_common.h"

namespace xg::kernel {

namespace {

using namespace lapack;

// LU with partial pivoting of each matrix, kept as LAPACK leaves it: the factors of A^T
// (A's rows read as columns) with LAPACK's 1-based pivots, so a solve or an inverse reuses
// them without factoring again.
template <class T>
LU lu_factor_t(const Tensor& a, Singular singular, const char* op) {
  const Batch bt = batch_of(a, op);
  const Index n = bt.n;
  LU lu{detail::make_tensor(a.shape(), a.dtype()),
        detail::make_tensor(Shape(a.shape().begin(), a.shape().end() - 1), kInt64)};
  std::vector<Index> piv(static_cast<std::size_t>(std::max(n, 1)));
  const T* src = a.impl()->ptr<T>();
  T* factors = lu.factors.impl()->ptr<T>();
  std::int64_t* pivots = lu.pivots.impl()->ptr<std::int64_t>();
  for (std::int64_t b = 0; b < bt.count; ++b) {
    T* m = factors + b * n * n;
    std::copy(src + b * n * n, src + (b + 1) * n * n, m);
    const Index info = cxxlapack::getrf<Index>(n, n, m, n, piv.data());
    if (info > 0 && singular == Singular::InverseError)
      fail(op, ": ", batch_prefix(a, b), "The diagonal element ", info,
           " is zero, the inversion could not be completed because the input matrix is singular.");
    if (info > 0 && singular == Singular::SolveError)
      fail(op, ": ", batch_prefix(a, b), "The solver failed because the input matrix is singular (U(", info, ",", info,
           ") is exactly zero).");
    std::copy(piv.begin(), piv.begin() + n, pivots + b * n);
  }
  return lu;
}

// Matrix b's pivots in LAPACK's integer type, into `piv` (one buffer for the whole batch).
void pivots_of(const LU& lu, std::int64_t b, Index n, std::vector<Index>& piv) {
  const std::int64_t* p = lu.pivots.impl()->ptr<std::int64_t>() + b * n;
  piv.assign(p, p + n);
}

// A^-1 from the factors of A^T (LAPACK's getri gives A^-T, whose columns are A^-1's rows),
// or A^-T itself.
template <class T>
Tensor lu_inverse_t(const LU& lu, bool transposed, const char* op) {
  const Batch bt = batch_of(lu.factors, op);
  const Index n = bt.n;
  Tensor out = detail::make_tensor(lu.factors.shape(), lu.factors.dtype());
  std::vector<T> m(static_cast<std::size_t>(n) * n);
  std::vector<T> work(static_cast<std::size_t>(std::max(n, 1)) * 64);
  std::vector<Index> piv;
  const T* factors = lu.factors.impl()->ptr<T>();
  T* dst = out.impl()->ptr<T>();
  for (std::int64_t b = 0; b < bt.count; ++b) {
    const std::int64_t off = b * n * n;
    std::copy(factors + off, factors + off + static_cast<std::int64_t>(n) * n, m.begin());
    pivots_of(lu, b, n, piv);
    const Index info = cxxlapack::getri<Index>(n, m.data(), n, piv.data(), work.data(), static_cast<Index>(work.size()));
    if (info > 0)
      fail(op, ": ", batch_prefix(lu.factors, b), "The diagonal element ", info,
           " is zero, the inversion could not be completed because the input matrix is singular.");
    if (transposed) transpose_copy(m.data(), dst + off, n, n);
    else std::copy(m.begin(), m.end(), dst + off);
  }
  return out;
}

// log|det| and the sign of each matrix from its factors (det A^T = det A): the product of U's diagonal, its
// sign flipped by each row exchange. A zero pivot (singular) gives sign 0 and log|det| -inf;
// the sign comes from the signs alone, so a determinant too small for T (det underflowing
// to 0) keeps its sign, as PyTorch's.
template <class T>
SignLogDet slogdet_t(const LU& lu, const char* op) {
  const Batch bt = batch_of(lu.factors, op);
  const Shape batch(lu.factors.shape().begin(), lu.factors.shape().end() - 2);
  const Dtype dtype = lu.factors.dtype();
  SignLogDet r{detail::make_tensor(batch, dtype), detail::make_tensor(batch, dtype), detail::make_tensor(batch, dtype)};
  const Index n = bt.n;
  const T* factors = lu.factors.impl()->ptr<T>();
  const std::int64_t* pivots = lu.pivots.impl()->ptr<std::int64_t>();
  T *sign = r.sign.impl()->ptr<T>(), *logabs = r.logabsdet.impl()->ptr<T>(), *det = r.det.impl()->ptr<T>();
  const std::int64_t count = n == 0 ? r.sign.numel() : bt.count;  // 0 x 0 matrices: det 1
  for (std::int64_t b = 0; b < count; ++b) {
    T s = 1, l = 0, d = 1;
    for (Index i = 0; i < n; ++i) {
      const T u = factors[b * n * n + static_cast<std::int64_t>(i) * n + i];
      const bool swapped = pivots[b * n + i] != i + 1;
      d = swapped ? -d * u : d * u;
      if (swapped != (u < 0)) s = -s;
      if (u == 0) s = 0;
      l += std::log(std::abs(u));
    }
    sign[b] = s, logabs[b] = l, det[b] = d;
  }
  return r;
}

// X with A X = b, or A^T X = b (adjoint), from the factors of A^T (LAPACK's getrs, with
// the transposition the other way round).
template <class T>
Tensor lu_solve_t(const LU& lu, const Tensor& rhs, bool adjoint, const char* op) {
  const Batch ba = batch_of(lu.factors, op), bb = batch_of(rhs, op);
  const Index n = ba.n, k = bb.cols;
  Tensor out = detail::make_tensor(rhs.shape(), rhs.dtype());
  std::vector<T> x(static_cast<std::size_t>(n) * k);
  std::vector<Index> piv;
  const T *factors = lu.factors.impl()->ptr<T>(), *pb = rhs.impl()->ptr<T>();
  T* po = out.impl()->ptr<T>();
  for (std::int64_t b = 0; b < (k == 0 ? 0 : ba.count); ++b) {
    transpose_copy(pb + b * n * k, x.data(), n, k);
    pivots_of(lu, b, n, piv);
    cxxlapack::getrs<Index>(adjoint ? 'N' : 'T', n, k, factors + b * n * n, n, piv.data(), x.data(), n);
    transpose_copy(x.data(), po + b * n * k, k, n);
  }
  return out;
}

// potrf('U') of A^T reads A's lower triangle and leaves U with A^T = U^T U, whose rows are
// the columns of L = U^T: the factor is written in place, then the other triangle cleared.
template <class T>
Tensor cholesky_t(const Tensor& a, const char* op) {
  const Batch bt = batch_of(a, op);
  const Index n = bt.n;
  Tensor out = detail::make_tensor(a.shape(), a.dtype());
  const T* src = a.impl()->ptr<T>();
  T* dst = out.impl()->ptr<T>();
  for (std::int64_t b = 0; b < bt.count; ++b) {
    T* m = dst + b * n * n;
    std::copy(src + b * n * n, src + (b + 1) * n * n, m);
    const Index info = cxxlapack::potrf<Index>('U', n, m, n);
    if (info > 0)
      fail(op, ": ", batch_prefix(a, b), "The factorization could not be completed because the input is not ",
           "positive-definite (the leading minor of order ", info, " is not positive-definite).");
    for (Index i = 0; i < n; ++i) std::fill(m + static_cast<std::int64_t>(i) * n + i + 1, m + static_cast<std::int64_t>(i + 1) * n, T(0));
  }
  return out;
}

template <class T>
Eigh eigh_t(const Tensor& a, bool lower, const char* op) {
  const Batch bt = batch_of(a, op);
  const Index n = bt.n;
  const Shape values_shape(a.shape().begin(), a.shape().end() - 1);
  Eigh r{detail::make_tensor(values_shape, a.dtype()), detail::make_tensor(a.shape(), a.dtype())};
  std::vector<T> m(static_cast<std::size_t>(n) * n);
  const T* src = a.impl()->ptr<T>();
  T *w = r.values.impl()->ptr<T>(), *v = r.vectors.impl()->ptr<T>();
  // The workspace sizes LAPACK asks for, once for the whole batch.
  T work_size = 0;
  Index iwork_size = 0;
  if (bt.count > 0)
    cxxlapack::syevd<Index>('V', lower ? 'U' : 'L', n, m.data(), n, w, &work_size, -1, &iwork_size, -1);
  std::vector<T> work(static_cast<std::size_t>(std::max<T>(work_size, 1)));
  std::vector<Index> iwork(static_cast<std::size_t>(std::max<Index>(iwork_size, 1)));
  for (std::int64_t b = 0; b < bt.count; ++b) {
    const std::int64_t off = b * n * n;
    std::copy(src + off, src + off + static_cast<std::int64_t>(n) * n, m.begin());  // A^T: A's lower triangle is its upper
    const Index info = cxxlapack::syevd<Index>('V', lower ? 'U' : 'L', n, m.data(), n, w + b * n, work.data(),
                                               static_cast<Index>(work.size()), iwork.data(),
                                               static_cast<Index>(iwork.size()));
    if (info > 0)
      fail(op, ": ", batch_prefix(a, b), "The algorithm failed to converge because the input matrix is ill-conditioned ",
           "or has too many repeated eigenvalues (error code: ", info, ").");
    transpose_copy(m.data(), v + off, n, n);  // column j of the result: the j-th eigenvector
  }
  return r;
}

// OpenBLAS's CBLAS for the triangular solves and products, in row-major layout.
void trsm(CBLAS_SIDE side, CBLAS_UPLO uplo, CBLAS_TRANSPOSE trans, CBLAS_DIAG diag, Index m, Index k, const double* a,
          Index lda, double* b) {
  cblas_dtrsm(CblasRowMajor, side, uplo, trans, diag, m, k, 1.0, a, lda, b, k);
}
void trsm(CBLAS_SIDE side, CBLAS_UPLO uplo, CBLAS_TRANSPOSE trans, CBLAS_DIAG diag, Index m, Index k, const float* a,
          Index lda, float* b) {
  cblas_strsm(CblasRowMajor, side, uplo, trans, diag, m, k, 1.0F, a, lda, b, k);
}
void gemm_tn(Index n, const double* a, const double* b, double* c) {  // c = a^T b, n x n
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
}
void gemm_tn(Index n, const float* a, const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, n, 1.0F, a, n, b, n, 0.0F, c, n);
}

// PyTorch's rule for L = cholesky(A) in one pass per matrix: P = L^T gL, its lower triangle
// mirrored with the whole halved (S), then gA = L^-T S L^-1 by two triangular solves.
template <class T>
Tensor cholesky_backward_t(const Tensor& L, const Tensor& gL, const char* op) {
  const Batch bt = batch_of(L, op);
  const Index n = bt.n;
  Tensor out = detail::make_tensor(L.shape(), L.dtype());
  const T *pl = L.impl()->ptr<T>(), *pg = gL.impl()->ptr<T>();
  T* po = out.impl()->ptr<T>();
  for (std::int64_t b = 0; b < bt.count; ++b) {
    const std::int64_t off = b * n * n;
    T* o = po + off;
    gemm_tn(n, pl + off, pg + off, o);
    for (Index i = 0; i < n; ++i) {
      for (Index j = 0; j < i; ++j) {
        T& lower = o[static_cast<std::int64_t>(i) * n + j];
        lower *= T(0.5);
        o[static_cast<std::int64_t>(j) * n + i] = lower;
      }
      o[static_cast<std::int64_t>(i) * n + i] *= T(0.5);
    }
    trsm(CblasLeft, CblasLower, CblasTrans, CblasNonUnit, n, n, pl + off, n, o);     // L^-T S
    trsm(CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, n, n, pl + off, n, o);  // (L^-T S) L^-1
  }
  return out;
}

// Row-major trsm needs no transposition: OpenBLAS's CBLAS takes the layout.
template <class T>
Tensor solve_triangular_t(const Tensor& a, const Tensor& rhs, bool upper, bool left, bool unit, bool transposed,
                          const char* op) {
  const Batch ba = batch_of(a, op), bb = batch_of(rhs, op);
  Tensor out = detail::make_tensor(rhs.shape(), a.dtype());
  const std::int64_t per_a = static_cast<std::int64_t>(ba.n) * ba.n, per_b = static_cast<std::int64_t>(bb.n) * bb.cols;
  const T* pa = a.impl()->ptr<T>();
  T* po = out.impl()->ptr<T>();
  std::copy(rhs.impl()->ptr<T>(), rhs.impl()->ptr<T>() + rhs.numel(), po);
  if (per_b > 0)
    for (std::int64_t b = 0; b < ba.count; ++b)
      trsm(left ? CblasLeft : CblasRight, upper ? CblasUpper : CblasLower, transposed ? CblasTrans : CblasNoTrans,
           unit ? CblasUnit : CblasNonUnit, bb.n, bb.cols, pa + b * per_a, left ? bb.n : bb.cols, po + b * per_b);
  return out;
}


}  // namespace

LU lu_factor(const Tensor& a, Singular singular, const char* op) {
  const Tensor h = on_host(a, op);
  return by_dtype<LU>(h, [&](auto t) { return lu_factor_t<decltype(t)>(h, singular, op); });
}

double lu_smallest_pivot_ratio(const LU& lu) {
  return by_dtype<double>(lu.factors, [&](auto t) {
    using T = decltype(t);
    const std::int64_t n = lu.factors.dim() < 2 ? 0 : lu.factors.shape().back();
    const T* f = lu.factors.impl()->ptr<T>();
    double smallest = 1.0;
    for (std::int64_t b = 0; n > 0 && b < lu.factors.numel() / (n * n); ++b) {
      double lo = INFINITY, hi = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        const double u = std::abs(static_cast<double>(f[b * n * n + i * n + i]));
        lo = std::min(lo, u), hi = std::max(hi, u);
      }
      smallest = std::min(smallest, hi == 0 ? 0.0 : lo / hi);
    }
    return smallest;
  });
}

Tensor lu_inverse(const LU& lu, bool transposed, Device device, const char* op) {
  return back_to(by_dtype<Tensor>(lu.factors, [&](auto t) { return lu_inverse_t<decltype(t)>(lu, transposed, op); }),
                 device, op);
}

SignLogDet slogdet(const LU& lu, Device device, const char* op) {
  SignLogDet r = by_dtype<SignLogDet>(lu.factors, [&](auto t) { return slogdet_t<decltype(t)>(lu, op); });
  return {back_to(r.sign, device, op), back_to(r.logabsdet, device, op), back_to(r.det, device, op)};
}

Tensor lu_solve(const LU& lu, const Tensor& b, bool adjoint, const char* op) {
  const Tensor hb = on_host(b, op);
  return back_to(by_dtype<Tensor>(hb, [&](auto t) { return lu_solve_t<decltype(t)>(lu, hb, adjoint, op); }), b.device(),
                 op);
}

Tensor cholesky(const Tensor& a, const char* op) {
  const Tensor h = on_host(a, op);
  return back_to(by_dtype<Tensor>(h, [&](auto t) { return cholesky_t<decltype(t)>(h, op); }), a.device(), op);
}

Tensor cholesky_backward(const Tensor& L, const Tensor& gL, const char* op) {
  const Tensor hl = on_host(L, op), hg = on_host(gL, op);
  return back_to(by_dtype<Tensor>(hl, [&](auto t) { return cholesky_backward_t<decltype(t)>(hl, hg, op); }), L.device(),
                 op);
}

Eigh eigh(const Tensor& a, bool lower, const char* op) {
  const Tensor h = on_host(a, op);
  Eigh r = by_dtype<Eigh>(h, [&](auto t) { return eigh_t<decltype(t)>(h, lower, op); });
  return {back_to(r.values, a.device(), op), back_to(r.vectors, a.device(), op)};
}

Tensor solve_triangular(const Tensor& a, const Tensor& b, bool upper, bool left, bool unitriangular, const char* op,
                        bool transposed) {
  const Tensor ha = on_host(a, op), hb = on_host(b, op);
  return back_to(by_dtype<Tensor>(ha, [&](auto t) {
                   return solve_triangular_t<decltype(t)>(ha, hb, upper, left, unitriangular, transposed, op);
                 }),
                 a.device(), op);
}

}  // namespace xg::kernel
