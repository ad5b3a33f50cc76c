// torch::linalg's norm (a vector or a matrix norm by its arguments, as PyTorch chooses),
// cond (the condition number), vecdot and vander: compositions of vector_norm, matrix_norm,
// svdvals, lu_factor/lu_solve and products, so values and gradients of every order follow
// from theirs.
#include <xgrad/detail/format.h>
#include <xgrad/linalg.h>
#include <xgrad/ops.h>

#include <cmath>
#include <limits>

#include "autograd/linalg_util.h"
#include "tensor/checked.h"

namespace xg {

using namespace autograd::linalg_util;

namespace {

constexpr const char* kNorm = "linalg.norm";

bool matrix_ord(double ord) { return std::abs(ord) == 1 || std::abs(ord) == 2 || std::isinf(ord); }

void check_matrix_ord(double ord, const char* op) {
  if (!matrix_ord(ord)) fail(op, ": a matrix norm's ord must be 1, -1, 2, -2, inf, -inf, \"fro\" or \"nuc\", got ", ord);
}

void check_string_ord(const std::string& ord, const char* op) {
  if (ord != "fro" && ord != "nuc") fail(op, ": ord must be \"fro\" or \"nuc\" as a string, got \"", ord, "\"");
}

}  // namespace

namespace linalg {

Tensor norm(const Tensor& A, std::optional<double> ord, std::optional<Axes> dim, bool keepdim) {
  detail::CallScope call(kNorm);
  check_float(A, kNorm, "the input");
  if (dim) {
    if (dim->size() == 1) return vector_norm(A, ord.value_or(2.0), *dim, keepdim);
    if (dim->size() != 2) fail(kNorm, ": dim must name 1 or 2 axes, got ", detail::shape_str(*dim));
    if (!ord) return matrix_norm(A, "fro", *dim, keepdim);
    check_matrix_ord(*ord, kNorm);
    return matrix_norm(A, *ord, *dim, keepdim);
  }
  if (!ord) return vector_norm(A, 2.0, {}, keepdim);  // every element, flattened
  if (A.dim() == 1) return vector_norm(A, *ord, {0}, keepdim);
  if (A.dim() != 2)
    fail(kNorm, ": with ord and no dim the input must be 1-D or 2-D, got ", detail::shape_str(A.shape()),
         "; give dim");
  check_matrix_ord(*ord, kNorm);
  return matrix_norm(A, *ord, {0, 1}, keepdim);
}

Tensor norm(const Tensor& A, const std::string& ord, std::optional<Axes> dim, bool keepdim) {
  detail::CallScope call(kNorm);
  check_float(A, kNorm, "the input");
  check_string_ord(ord, kNorm);
  if (!dim && A.dim() != 2)
    fail(kNorm, ": ord \"", ord, "\" with no dim needs a 2-D input, got ", detail::shape_str(A.shape()), "; give dim");
  const Axes axes = dim.value_or(Axes{0, 1});
  if (axes.size() != 2) fail(kNorm, ": ord \"", ord, "\" is a matrix norm: dim must name 2 axes, got ", detail::shape_str(axes));
  return matrix_norm(A, ord, axes, keepdim);
}

// norm(A) norm(A^-1) of square A by `norm_of`, +inf where A is singular (PyTorch's answer):
// the inverse comes from lu's factors by two triangular solves, so no singular matrix raises.
template <class NormOf>
Tensor cond_by_norms(const Tensor& A, const char* op, NormOf norm_of) {
  check_square(A, op);
  const auto [P, L, U] = lu(A);
  const Tensor inverse = solve_triangular(U, solve_triangular(L, mT(P), false, true, true), true);
  const Tensor singular = (diagonal(U, 0, -2, -1) == 0.0).any(-1);
  return where(singular, scalar_tensor(INFINITY, A.dtype()), norm_of(A) * norm_of(inverse));
}

// σ_max / σ_min (p = 2, the default) or its inverse (p = -2) from the singular values, any
// shape; the other p through cond_by_norms.
Tensor cond(const Tensor& A, std::optional<double> p) {
  const char* op = "linalg.cond";
  detail::CallScope call(op);
  check_matrices(A, op);
  const double ord = p.value_or(2.0);
  if (std::abs(ord) == 2) {
    const Tensor s = svdvals(A);
    return ord > 0 ? s.amax(-1) / s.amin(-1) : s.amin(-1) / s.amax(-1);
  }
  check_matrix_ord(ord, op);
  return cond_by_norms(A, op, [ord](const Tensor& M) { return matrix_norm(M, ord); });
}

Tensor cond(const Tensor& A, const std::string& p) {
  const char* op = "linalg.cond";
  detail::CallScope call(op);
  check_matrices(A, op);
  check_string_ord(p, op);
  return cond_by_norms(A, op, [&p](const Tensor& M) { return matrix_norm(M, p); });
}

Tensor vecdot(const Tensor& x, const Tensor& y, std::int64_t dim) {
  const char* op = "linalg.vecdot";
  detail::CallScope call(op);
  check_float(x, op, "x");
  check_float(y, op, "y");
  return (x * y).sum(dim);
}

Tensor vander(const Tensor& x, std::optional<std::int64_t> N) {
  const char* op = "linalg.vander";
  detail::CallScope call(op);
  if (!x.defined()) fail(op, ": x is undefined");
  if (x.dim() < 1) fail(op, ": x must have at least 1 dimension, got a 0-d tensor");
  const std::int64_t n = N.value_or(x.shape().back());
  if (n < 1) fail(op, ": N must be at least 1, got ", n);
  // Columns x^0, x^1, ..., x^(n-1): ones, then the running product of x repeated (PyTorch's
  // construction: exact powers of integers, and gradients where x is 0).
  const TensorOptions options = TensorOptions(x.dtype()).device(x.device());
  Shape one = x.shape(), rest = x.shape();
  one.push_back(1);
  rest.push_back(n - 1);
  const Tensor first = ones(one, options);
  return n == 1 ? first : cat({first, cumprod(x.unsqueeze(-1).expand(rest), -1)}, -1);
}

}  // namespace linalg

}  // namespace xg
