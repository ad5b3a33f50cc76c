// Dense linear algebra with gradients, libtorch's torch::linalg: inverses, solves,
// determinants, the Cholesky factor and the symmetric eigendecomposition of square matrices
// or batches of them (..., n, n), float32 or float64, on any device (LAPACK computes them on
// the host: on a GPU each call waits, one of the documented waits). Every result is
// differentiable to any order. Errors name the call as PyTorch does ("linalg.inv: ...").
#pragma once

#include <string>
#include <tuple>

#include <xgrad/tensor.h>

namespace xg::linalg {

/// A^-1. A singular matrix is an error naming the zero pivot (and the batch element).
Tensor inv(const Tensor& A);
/// det(A), from an LU factorization. Its gradient det(A) A^-T needs A invertible: at an
/// exactly singular matrix, backward raises an error (PyTorch takes an SVD there).
Tensor det(const Tensor& A);
/// (sign, log|det|): sign is 1, -1, or 0 with log|det| -inf for a singular matrix; the
/// sign carries no gradient. Free of det's overflow for large matrices.
std::tuple<Tensor, Tensor> slogdet(const Tensor& A);
/// X with A X = B (left) or X A = B. B is (..., n, k), or a vector (n,) or a batch of them
/// (A's shape without the last axis); the batch axes of A and B broadcast.
Tensor solve(const Tensor& A, const Tensor& B, bool left = true);
/// X with A X = B (left) or X A = B for triangular A: only its upper (lower) triangle is
/// read, and with unitriangular its diagonal is taken as ones. Batch axes broadcast.
Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left = true, bool unitriangular = false);
/// The lower triangular L with A = L L^T for symmetric positive-definite A, read from A's
/// lower triangle; with upper, U = L^T (A = U^T U). Not positive-definite is an error naming
/// the leading minor that failed.
Tensor cholesky(const Tensor& A, bool upper = false);
/// (eigenvalues ascending (..., n), eigenvectors in the columns (..., n, n)) of symmetric A,
/// read from its lower ("L") or upper ("U") triangle. Each eigenvector's sign is LAPACK's:
/// a loss should not depend on it. The gradient is symmetric and infinite where eigenvalues
/// coincide (PyTorch's).
std::tuple<Tensor, Tensor> eigh(const Tensor& A, const std::string& uplo = "L");
/// The eigenvalues of eigh alone.
Tensor eigvalsh(const Tensor& A, const std::string& uplo = "L");

}  // namespace xg::linalg

namespace xg {

/// torch::inverse, torch::det, torch::slogdet: the linalg functions under libtorch's older names.
Tensor inverse(const Tensor& A);
Tensor det(const Tensor& A);
std::tuple<Tensor, Tensor> slogdet(const Tensor& A);
/// torch::logdet: log det(A), nan where det < 0 and -inf where it is 0.
Tensor logdet(const Tensor& A);

}  // namespace xg
