// Private: what the linalg operations (autograd/ops_linalg_lapack.cpp,
// autograd/ops_linalg_svd_qr.cpp) share: the matrix axes, their transpose, and the checks
// whose messages name the user's call and the operand.
#pragma once

#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

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

}  // namespace xg::autograd::linalg_util
