// Inverses, solves, determinants and factorizations with gradients: libtorch's
// torch::linalg (inv, det, slogdet, solve, solve_triangular, cholesky, eigh, eigvalsh) and
// torch::inverse, det, logdet, slogdet. The values come from LAPACK (tensor/lapack.cpp).
//
// Five recorded primitives (inv, solve, solve_triangular, cholesky and eigh) carry the
// gradients; each backward rule is written with differentiable operations, the primitives
// among them, so every order of gradient follows. The rules are PyTorch's (FunctionsManual):
// they were checked against PyTorch 1.13 in float64, eigh's after its skew-symmetric
// projection, which is what makes its gradient symmetric.
#include <xgrad/detail/format.h>
#include <xgrad/linalg.h>
#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "autograd/linalg_util.h"
#include "autograd/matmul.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

using autograd::Node;
using autograd::record;

namespace {

using namespace autograd::linalg_util;

using autograd::product;

// Both operands broadcast to their common batch (recorded, so gradients sum back).
std::pair<Tensor, Tensor> broadcast_batches(const Tensor& A, const Tensor& B, const char* op) {
  Shape a = autograd::batch_shape(A, B, op), b = a;
  a.insert(a.end(), {rows(A), cols(A)});
  b.insert(b.end(), {rows(B), cols(B)});
  return {A.shape() == a ? A : broadcast_to(A, a), B.shape() == b ? B : broadcast_to(B, b)};
}

// The primitives. `op` names the kernel's errors: the user's call, or the gradient that
// needed the primitive.

Tensor inverse_of(const Tensor& A, const char* op) {
  Tensor Y = kernel::lu_inverse(kernel::lu_factor(A, kernel::Singular::InverseError, op), false, A.device(), op);
  return record("linalg_inv", {A}, Y, {Y}, [](Node& n, const Tensor& gY) {
    const Tensor Y = n.saved(0);
    return tensor_list{-product(product(Y, gY, true, false), Y, false, true)};  // d(A^-1) = -A^-1 dA A^-1
  });
}

// Plain backward solves with the forward's factors (A^T X = gX is getrs 'T'); under
// create_graph it solves again, recorded, so the next order sees the operation.
Tensor solve_of(const Tensor& A, const Tensor& B, const char* op) {
  const kernel::LU lu = kernel::lu_factor(A, kernel::Singular::SolveError, op);
  Tensor X = kernel::lu_solve(lu, B, false, op);
  return record("linalg_solve", {A, B}, X, {A, X, lu.factors, lu.pivots}, [op](Node& n, const Tensor& gX) {
    const auto s = n.saved();
    const Tensor gB = is_grad_enabled() ? solve_of(mT(s[0]), gX, op) : kernel::lu_solve({s[2], s[3]}, gX, true, op);
    return tensor_list{n.needs_input_grad(0) ? -product(gB, s[1], false, true) : Tensor(), gB};
  });
}

}  // namespace

namespace autograd {

// Its backward solves with the other op (op(A)^-T), so a transpose is never copied.
Tensor solve_triangular_of(const Tensor& A, const Tensor& B, bool upper, bool left, bool unit, const char* op,
                           bool transposed) {
  Tensor X = kernel::solve_triangular(A, B, upper, left, unit, op, transposed);
  return record("linalg_solve_triangular", {A, B}, X, {A, X}, [=](Node& n, const Tensor& gX) {
    const auto s = n.saved();
    const Tensor gB = solve_triangular_of(s[0], gX, upper, left, unit, op, !transposed);  // op(A)^-T gX or gX op(A)^-T
    Tensor gA;
    if (n.needs_input_grad(0)) {
      // g op(A) = -gB X^T (left) or -X^T gB; transposed, A's gradient is its transpose.
      if (left) gA = transposed ? -product(s[1], gB, false, true) : -product(gB, s[1], false, true);
      else gA = transposed ? -product(gB, s[1], true, false) : -product(s[1], gB, true, false);
      // Only A's stored triangle was read (without its diagonal when unitriangular).
      gA = upper ? triu(gA, unit ? 1 : 0) : tril(gA, unit ? -1 : 0);
    }
    return tensor_list{gA, gB};
  });
}

}  // namespace autograd

namespace {

// PyTorch's cholesky_backward: with P = tril(L^T gL), gA = L^-T sym(P) L^-1, where sym keeps
// the diagonal and averages the off-diagonal halves, symmetric as A is. Plain backward is
// one kernel; under create_graph the same rule is recorded.
Tensor cholesky_of(const Tensor& A, const char* op) {
  Tensor L = kernel::cholesky(A, op);
  return record("linalg_cholesky", {A}, L, {L}, [op](Node& n, const Tensor& gL) {
    const Tensor L = n.saved(0);
    if (!is_grad_enabled()) return tensor_list{kernel::cholesky_backward(L, gL, op)};
    const Tensor P = tril(product(L, gL, true, false));
    const Tensor S = 0.5 * (P + mT(tril(P, -1)));
    const Tensor left = autograd::solve_triangular_of(L, S, false, true, false, op, true);  // L^-T S
    return tensor_list{autograd::solve_triangular_of(L, left, false, false, false, op)};
  });
}

// For A = V diag(L) V^T: gA = V (diag(gL) + skew(V^T gV) / E) V^T with E_ij = L_j - L_i off
// the diagonal. Infinite where two eigenvalues coincide, as PyTorch's (the eigenvectors are
// not unique there).
tensor_list eigh_of(const Tensor& A, bool lower, const char* op) {
  kernel::Eigh r = kernel::eigh(A, lower, op);
  return record("linalg_eigh", {A}, tensor_list{r.values, r.vectors}, {r.values, r.vectors},
                [](Node& n, const tensor_list& gys) {
                  const Tensor L = n.saved(0), V = n.saved(1);
                  const Tensor I = eye(cols(V), TensorOptions().dtype(V.dtype()).device(V.device()));
                  const Tensor VhgV = product(V, gys[1], true, false);
                  const Tensor E = L.unsqueeze(-2) - L.unsqueeze(-1) + I;  // 1 on the diagonal, where skew is 0
                  const Tensor inner = 0.5 * (VhgV - mT(VhgV)) / E + gys[0].unsqueeze(-1) * I;
                  return tensor_list{product(product(V, inner), V, false, true)};
                });
}

// The cofactor matrix (adj(A)^T) of square A through its SVD: with A = U diag(S) Vh,
// cof(A) = det(U) det(Vh) U diag(prod_{j != i} S_j) Vh. It is det(A) A^-T where A is
// invertible and stays defined where it is not: PyTorch's route to det's gradient at a
// singular matrix.
Tensor cofactor(const Tensor& A) {
  auto [U, S, Vh] = linalg::svd(A, false);
  const std::int64_t n = cols(S);
  const Tensor one = ones_like(S.narrow(-1, 0, 1));
  // prod_{j != i} S_j: the running product before i times the one after i.
  const Tensor before = cat({one, cumprod(S.narrow(-1, 0, n - 1), -1)}, -1);
  const Tensor after = flip(cat({one, cumprod(flip(S, {-1}).narrow(-1, 0, n - 1), -1)}, -1), {-1});
  Tensor sign;
  {
    NoGradGuard constant;  // +-1, piecewise constant in A
    sign = (linalg::det(U.detach()) * linalg::det(Vh.detach())).unsqueeze(-1).unsqueeze(-1);
  }
  return sign * matmul(U * (before * after).unsqueeze(-2), Vh);
}

// det or log|det| (`value`, from A's factors `lu`) recorded with its gradient: d det =
// cof(A) : dA (det A^-T where A is invertible), d log|det| = A^-T : dA. Plain backward
// inverts the forward's factors; under create_graph the recorded inverse of A. For det of a
// numerically singular matrix (a pivot below n eps times the largest, read from the factors
// on the host without a wait) the gradient is the cofactor matrix through the SVD, as
// PyTorch's: det A^-T is still accurate there to first order, but its derivative cancels
// terms of size det |A^-1|^2 (a near-singular matrix's second derivative came out 256 where
// it is 0). log|det|'s gradient is infinite at an exactly singular matrix: an error, as in
// PyTorch (whose solve fails).
Tensor det_part(const Tensor& A, const kernel::LU& lu, const Tensor& value, const char* node, bool is_det) {
  return record(node, {A}, value, {A, value, lu.factors, lu.pivots}, [is_det](Node& n, const Tensor& g) {
    const auto s = n.saved();
    const Tensor gy = g.unsqueeze(-1).unsqueeze(-1);
    const kernel::LU factors{s[2], s[3]};
    const double ratio = kernel::lu_smallest_pivot_ratio(factors);
    const double eps = s[0].dtype() == kFloat64 ? 2.220446049250313e-16 : 1.1920929e-07;
    if (is_det ? ratio <= static_cast<double>(cols(s[0])) * eps : ratio == 0) {
      if (!is_det)
        fail("linalg.slogdet: the gradient of log|det| at a singular matrix is infinite (A ", detail::shape_str(s[0].shape()),
             " has a zero pivot)");
      return tensor_list{gy * cofactor(s[0])};
    }
    const Tensor scale = is_det ? gy * s[1].unsqueeze(-1).unsqueeze(-1) : gy;
    const char* op = is_det ? "linalg.det" : "linalg.slogdet";
    if (is_grad_enabled()) return tensor_list{scale * mT(inverse_of(s[0], op))};
    return tensor_list{scale * kernel::lu_inverse(factors, /*transposed=*/true, s[0].device(), op)};
  });
}

}  // namespace

namespace linalg {

Tensor inv(const Tensor& A) {
  detail::CallScope call("linalg.inv");
  check_square(A, "linalg.inv");
  return inverse_of(A, "linalg.inv");
}

Tensor det(const Tensor& A) {
  detail::CallScope call("linalg.det");
  check_square(A, "linalg.det");
  const kernel::LU lu = kernel::lu_factor(A, kernel::Singular::Fine, "linalg.det");
  return det_part(A, lu, kernel::slogdet(lu, A.device(), "linalg.det").det, "linalg_det", true);
}

std::tuple<Tensor, Tensor> slogdet(const Tensor& A) {
  detail::CallScope call("linalg.slogdet");
  check_square(A, "linalg.slogdet");
  const kernel::LU lu = kernel::lu_factor(A, kernel::Singular::Fine, "linalg.slogdet");
  kernel::SignLogDet r = kernel::slogdet(lu, A.device(), "linalg.slogdet");
  return {r.sign, det_part(A, lu, r.logabsdet, "linalg_slogdet", false)};
}

Tensor solve(const Tensor& A, const Tensor& B, bool left) {
  detail::CallScope call("linalg.solve");
  const char* op = "linalg.solve";
  check_square(A, op);
  check_float(B, op, "B");
  // PyTorch's rule: B is a (batch of) vector(s) when it is 1-D or has A's shape without the last axis.
  const bool vector = B.dim() == 1 || (B.dim() == A.dim() - 1 && Shape(A.shape().begin(), A.shape().end() - 1) == B.shape());
  const Tensor Bm = vector ? B.unsqueeze(-1) : B;
  check_rhs(A, Bm, op);
  const std::int64_t n = rows(A);
  if ((left || vector ? rows(Bm) : cols(Bm)) != n)
    fail(op, ": incompatible shapes of A and B for the equation ", left ? "AX = B" : "XA = B", ": ",
         detail::shape_str(A.shape()), " and ", detail::shape_str(B.shape()));
  // XA = B is A^T X^T = B^T; a vector b there is the row x^T A = b^T.
  const Tensor lhs = left ? A : mT(A), rhs = left || vector ? Bm : mT(Bm);
  auto [a, b] = broadcast_batches(lhs, rhs, op);
  const Tensor X = solve_of(a, b, op);
  return vector ? X.squeeze(-1) : left ? X : mT(X);
}

Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left, bool unitriangular) {
  detail::CallScope call("linalg.solve_triangular");
  const char* op = "linalg.solve_triangular";
  check_square(A, op);
  check_rhs(A, B, op);
  if ((left ? rows(B) : cols(B)) != rows(A))
    fail(op, ": incompatible shapes of A and B for the equation ", left ? "AX = B" : "XA = B", ": ",
         detail::shape_str(A.shape()), " and ", detail::shape_str(B.shape()));
  auto [a, b] = broadcast_batches(A, B, op);
  return autograd::solve_triangular_of(a, b, upper, left, unitriangular, op);
}

Tensor cholesky(const Tensor& A, bool upper) {
  detail::CallScope call("linalg.cholesky");
  check_square(A, "linalg.cholesky");
  const Tensor L = cholesky_of(A, "linalg.cholesky");
  return upper ? mT(L) : L;
}

std::tuple<Tensor, Tensor> eigh(const Tensor& A, const std::string& uplo) {
  detail::CallScope call("linalg.eigh");
  check_square(A, "linalg.eigh");
  if (uplo != "L" && uplo != "U") fail("linalg.eigh: expected UPLO to be 'L' or 'U', got '", uplo, "'");
  tensor_list r = eigh_of(A, uplo == "L", "linalg.eigh");
  return {r[0], r[1]};
}

Tensor eigvalsh(const Tensor& A, const std::string& uplo) {
  detail::CallScope call("linalg.eigvalsh");
  check_square(A, "linalg.eigvalsh");
  if (uplo != "L" && uplo != "U") fail("linalg.eigvalsh: expected UPLO to be 'L' or 'U', got '", uplo, "'");
  if (!autograd::should_record({A})) return eigh_of(A, uplo == "L", "linalg.eigvalsh")[0];
  // Its own node, as svdvals: the gradient of the eigenvalues alone is V diag(gL) V^T, one
  // product where linalg.eigh's rule takes three with a zero gradient of V; the higher orders
  // recompute through linalg.eigh's node.
  const bool lower = uplo == "L";
  kernel::Eigh r = kernel::eigh(A, lower, "linalg.eigvalsh");
  return record("linalg_eigvalsh", {A}, r.values, {A, r.vectors}, [lower](Node& n, const Tensor& gL) {
    const auto s = n.saved();
    if (is_grad_enabled())
      return autograd::recomputed_gradients(n, {s[0]}, [lower](const tensor_list& in) {
        return tensor_list{eigh_of(in[0], lower, "linalg.eigvalsh")[0]};
      }, {gL});
    return tensor_list{product(s[1] * gL.unsqueeze(-2), s[1], false, true)};
  });
}

}  // namespace linalg

Tensor inverse(const Tensor& A) { return linalg::inv(A); }
Tensor det(const Tensor& A) { return linalg::det(A); }
std::tuple<Tensor, Tensor> slogdet(const Tensor& A) { return linalg::slogdet(A); }

// PyTorch's logdet: log|det| where det > 0, nan where det < 0, -inf where it is 0.
Tensor logdet(const Tensor& A) {
  detail::CallScope call("logdet");
  auto [sign, logabsdet] = linalg::slogdet(A);
  return logabsdet + log(sign);
}

}  // namespace xg
