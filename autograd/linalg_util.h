// Private: what the linalg operations (autograd/ops_linalg_lapack.cpp,
// autograd/ops_linalg_svd_qr.cpp) share: the matrix axes, their transpose, and the checks
// whose messages name the user's call and the operand.
#pragma once

#include <algorithm>
#include <limits>
#include <optional>

#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include "tensor/tensor_impl.h"

namespace xg::autograd::linalg_util {

inline Tensor mT(const Tensor& x) { return xg::transpose(x, -2, -1); }
inline std::int64_t rows(const Tensor& x) { return x.shape()[x.dim() - 2]; }
inline std::int64_t cols(const Tensor& x) { return x.shape()[x.dim() - 1]; }

/// A defined float32/float64 operand `name` of `op`.
inline void check_float(const Tensor& x, const char* op, const char* name) {
  if (!x.defined()) fail(op, ": ", name, " is undefined");
  if (!is_floating(x.dtype()))
    fail(op, ": expected a float32 or float64 ", name, ", got ", dtype_name(x.dtype()), " ", detail::shape_str(x.shape()));
}

/// A float A with at least the two matrix axes.
inline void check_matrices(const Tensor& A, const char* op) {
  check_float(A, op, "A");
  if (A.dim() < 2) fail(op, ": A must have at least 2 dimensions, got ", detail::shape_str(A.shape()));
}

/// A float A of square matrices.
inline void check_square(const Tensor& A, const char* op) {
  check_matrices(A, op);
  if (rows(A) != cols(A))
    fail(op, ": A must be batches of square matrices, but they are ", rows(A), " by ", cols(A), " matrices: ",
         detail::shape_str(A.shape()));
}

/// B beside a checked A: a float tensor of A's dtype and device with at least 2 axes.
inline void check_rhs(const Tensor& A, const Tensor& B, const char* op) {
  check_float(B, op, "B");
  if (B.dtype() != A.dtype())
    fail(op, ": expected A and B of one dtype, got ", dtype_name(A.dtype()), " and ", dtype_name(B.dtype()));
  detail::compute_device({{"A", A}, {"B", B}}, op);
  if (B.dim() < 2) fail(op, ": B must have at least 2 dimensions, got ", detail::shape_str(B.shape()));
}

/// Identity matrices of A's (square) batch shape, dtype and device.
inline Tensor identity_like(const Tensor& A) {
  return broadcast_to(eye(rows(A), TensorOptions(A.dtype()).device(A.device())), A.shape());
}

/// PyTorch's tolerance for pinv, matrix_rank and lstsq, per matrix, keepdim: max(atol, rtol ·
/// the largest singular value s), rtol defaulting to eps · max(m, n) unless atol > 0 is given.
inline Tensor rank_tolerance(const Tensor& A, const Tensor& s, std::optional<double> atol, std::optional<double> rtol,
                             const char* op) {
  if ((atol && !(*atol >= 0)) || (rtol && !(*rtol >= 0))) fail(op, ": atol and rtol must be at least 0");
  const double eps = A.dtype() == kFloat64 ? std::numeric_limits<double>::epsilon() : std::numeric_limits<float>::epsilon();
  const double r = rtol ? *rtol : atol && *atol > 0 ? 0.0 : eps * static_cast<double>(std::max(rows(A), cols(A)));
  Tensor tol = s.numel() == 0 ? s.sum(-1, true) : s.amax(-1, true) * r;
  if (atol) tol = maximum(tol, full_like(tol, *atol));
  return tol;
}

}  // namespace xg::autograd::linalg_util

namespace xg::autograd {

/// The recorded triangular solve (autograd/ops_linalg_lapack.cpp) behind linalg::solve_triangular,
/// for A and B of one batch: X = op(A)^-1 B (left) or B op(A)^-1 with op(A) = A^T when
/// transposed (a flag of the kernel: no copy of the transpose), reading only A's stored
/// triangle (`upper`, without the diagonal when unit). `op` names errors.
Tensor solve_triangular_of(const Tensor& A, const Tensor& B, bool upper, bool left, bool unit, const char* op,
                           bool transposed = false);

}  // namespace xg::autograd
