// Dense linear algebra with gradients, libtorch's torch::linalg: inverses, solves,
// determinants, the Cholesky factor and the symmetric eigendecomposition of square matrices
// or batches of them (..., n, n), their exponential, and the SVD, QR, pseudo-inverse, least
// squares and matrix norms of any (..., m, n), float32 or float64, on any device (LAPACK computes them on
// the host: on a GPU each call waits, one of the documented waits). Every result is
// differentiable to any order. Errors name the call as PyTorch does ("linalg.inv: ...").
#pragma once

#include <optional>
#include <string>
#include <tuple>

#include <xgrad/tensor.h>

namespace xg::linalg {

/// A^-1. A singular matrix is an error naming the zero pivot (and the batch element).
Tensor inv(const Tensor& A);
/// det(A), from an LU factorization. Its gradient is the cofactor matrix: det(A) A^-T from
/// the factors, or through the SVD where A is numerically singular (PyTorch's route).
Tensor det(const Tensor& A);
/// (sign, log|det|): sign is 1, -1, or 0 with log|det| -inf for a singular matrix; the
/// sign carries no gradient, and log|det|'s (A^-T) is an error at an exactly singular matrix
/// (infinite there). Free of det's overflow for large matrices.
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
/// (U, S, Vh) with A = U diag(S) Vh for (..., m, n) A, S descending (LAPACK's gesdd).
/// full_matrices (the default, as libtorch's): U (..., m, m) and Vh (..., n, n), whose
/// columns (rows) past min(m, n) get no gradient, as PyTorch documents; otherwise U
/// (..., m, k), Vh (..., k, n). Signs are LAPACK's; the gradient is infinite where singular
/// values coincide or, for the vectors, vanish (PyTorch's).
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices = true);
/// The singular values alone (no vectors computed unless a gradient is needed).
Tensor svdvals(const Tensor& A);
/// (Q, R) with A = Q R, Q's columns orthonormal, R upper triangular (LAPACK's geqrf and
/// orgqr): mode "reduced" (Q (..., m, k), R (..., k, n)), "complete" (Q (..., m, m)) or "r"
/// (R alone, Q undefined; not differentiable, as PyTorch's).
std::tuple<Tensor, Tensor> qr(const Tensor& A, const std::string& mode = "reduced");
/// The Moore-Penrose pseudo-inverse through the SVD: singular values at or below
/// max(atol, rtol * the largest) count as zero (rtol defaults to eps * max(m, n) when neither
/// is given, PyTorch's rule).
Tensor pinv(const Tensor& A, std::optional<double> atol = std::nullopt, std::optional<double> rtol = std::nullopt);
/// The matrix norm over the two axes `dim`: ord 1, -1 (column sums), inf, -inf (row sums),
/// 2, -2 (largest, smallest singular value), or "fro", "nuc" (the sum of singular values).
Tensor matrix_norm(const Tensor& A, const std::string& ord = "fro", const Axes& dim = {-2, -1}, bool keepdim = false);
Tensor matrix_norm(const Tensor& A, double ord, const Axes& dim = {-2, -1}, bool keepdim = false);
/// The p-norm of vectors over `dim` (all axes by default): xg::norm under its linalg name.
Tensor vector_norm(const Tensor& x, double ord = 2.0, const Axes& dim = {}, bool keepdim = false);
/// The number of singular values (|eigenvalues| when hermitian) above pinv's tolerance,
/// int64 of the batch's shape; no gradient.
Tensor matrix_rank(const Tensor& A, std::optional<double> atol = std::nullopt, std::optional<double> rtol = std::nullopt,
                   bool hermitian = false);
/// A^n for square A by repeated squaring; n = 0 the identity, n < 0 powers of inv(A).
Tensor matrix_power(const Tensor& A, std::int64_t n);
/// The product of a chain of 2-D tensors (the first and last may be 1-D: a row, a column)
/// in the order that costs the fewest multiply-adds.
Tensor multi_dot(const tensor_list& tensors);
/// The cross product of 3-vectors along `dim` (of size 3 in both), torch::linalg::cross.
Tensor cross(const Tensor& input, const Tensor& other, std::int64_t dim = -1);
/// (solution, residuals, rank, singular_values) of min ||A X - B|| for A (..., m, n) and B
/// (..., m, k) or vectors (..., m), batch axes broadcasting: the minimum-norm solution,
/// through A's (or, wide, Aᵀ's) QR factorization when every matrix has full rank and the
/// pseudo-inverse otherwise; the rank counts the singular values above rcond times the
/// largest (rcond defaults to eps · max(m, n)). As PyTorch's drivers: residuals (the squared
/// column norms of A X - B) only for a tall full-rank A and a driver other than "gelsy" (the
/// default), rank for all but "gels", singular_values for "gelsd" and "gelss"; the others
/// are empty. Differentiable in the solution, the residuals and the singular values.
std::tuple<Tensor, Tensor, Tensor, Tensor> lstsq(const Tensor& A, const Tensor& B, std::optional<double> rcond = std::nullopt,
                                                 std::optional<std::string> driver = std::nullopt);
/// exp(A) of square matrices by scaling and squaring with Padé approximants (Higham 2005):
/// the degree (3 to 13; 3 to 7 in float32) from the largest 1-norm of the batch.
Tensor matrix_exp(const Tensor& A);
/// (LU, pivots): A = P L U with partial pivoting for A (..., m, n), L (m x k) unit lower and U
/// (k x n) upper packed into LU (A's shape), pivots (..., k) LAPACK's 1-based row exchanges
/// (int64; PyTorch's are int32), k = min(m, n). A zero pivot (a singular matrix) is an
/// error, as PyTorch's; linalg::lu factors it anyway. Differentiable in A (PyTorch's rules
/// for square, wide and tall A). pivot = false (no pivoting) is refused, as on PyTorch's CPU.
std::tuple<Tensor, Tensor> lu_factor(const Tensor& A, bool pivot = true);
/// (P, L, U) with A = P L U: P (..., m, m) a permutation matrix, L (..., m, k), U (..., k, n);
/// differentiable in A through L and U.
std::tuple<Tensor, Tensor, Tensor> lu(const Tensor& A, bool pivot = true);
/// X with A X = B (A^T X = B with adjoint; X A = B, or X A^T = B, when not left) from
/// lu_factor's (LU, pivots) of square A; B (..., n, k) (right: (..., k, n)), batch axes
/// broadcasting. Differentiable in LU and B.
Tensor lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left = true, bool adjoint = false);
/// torch::linalg::norm: with dim of one axis (or a 1-D input and ord) vector_norm, with dim of
/// two axes (or a 2-D input and ord) matrix_norm ("fro" without ord), and without ord or dim
/// the 2-norm of every element; a string ord ("fro", "nuc") is a matrix norm.
Tensor norm(const Tensor& A, std::optional<double> ord = std::nullopt, std::optional<Axes> dim = std::nullopt,
            bool keepdim = false);
Tensor norm(const Tensor& A, const std::string& ord, std::optional<Axes> dim = std::nullopt, bool keepdim = false);
/// The condition number: σ_max / σ_min for p = 2 (the default; any shape), σ_min / σ_max for
/// -2, else norm(A, p) norm(A^-1, p) of square A, +inf where A is singular.
Tensor cond(const Tensor& A, std::optional<double> p = std::nullopt);
Tensor cond(const Tensor& A, const std::string& p);
/// sum(x * y) along dim, broadcasting.
Tensor vecdot(const Tensor& x, const Tensor& y, std::int64_t dim = -1);
/// The Vandermonde matrix (..., n, N) of x (..., n): columns x^0, x^1, ..., x^(N-1) (N
/// defaults to n).
Tensor vander(const Tensor& x, std::optional<std::int64_t> N = std::nullopt);

}  // namespace xg::linalg

namespace xg {

/// torch::cross: linalg::cross along dim, or without dim along the first axis of size 3 in
/// both (libtorch's older default; linalg::cross's is the last axis).
Tensor cross(const Tensor& input, const Tensor& other, std::optional<std::int64_t> dim = std::nullopt);

/// torch::inverse, torch::det, torch::slogdet: the linalg functions under libtorch's older names.
Tensor inverse(const Tensor& A);
Tensor det(const Tensor& A);
std::tuple<Tensor, Tensor> slogdet(const Tensor& A);
/// torch::logdet: log det(A), nan where det < 0 and -inf where it is 0.
Tensor logdet(const Tensor& A);
/// torch::matrix_power: linalg::matrix_power.
Tensor matrix_power(const Tensor& A, std::int64_t n);
/// torch::matrix_exp: linalg::matrix_exp.
Tensor matrix_exp(const Tensor& A);
/// torch::cholesky_solve: X with A X = B from A's Cholesky factor L (A = L Lᵀ), or U (A = Uᵀ
/// U) with upper; only the factor's triangle is read, so its gradient is zero beyond it.
Tensor cholesky_solve(const Tensor& B, const Tensor& L, bool upper = false);
/// torch::cholesky_inverse: A^-1 from A's Cholesky factor.
Tensor cholesky_inverse(const Tensor& L, bool upper = false);
/// torch::lu_unpack: (P, L, U) from lu_factor's (LU, pivots), differentiable in LU. Without
/// unpack_data L and U are empty; without unpack_pivots P is.
std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU, const Tensor& pivots, bool unpack_data = true,
                                             bool unpack_pivots = true);

}  // namespace xg
