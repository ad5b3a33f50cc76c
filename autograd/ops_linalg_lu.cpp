// The LU family: libtorch's torch::linalg::lu_factor, torch::linalg::lu,
// torch::linalg::lu_solve and torch::lu_unpack. One recorded primitive (the factorization,
// with PyTorch's rules for square, wide and tall A written with differentiable operations);
// unpacking and solving are compositions of tril/triu, gathers by the permutation and
// triangular solves, so every order of gradient follows.
#include <xgrad/detail/format.h>
#include <xgrad/linalg.h>
#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "autograd/linalg_util.h"
#include "autograd/matmul.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg {

using autograd::Node;
using autograd::product;
using autograd::record;
using namespace autograd::linalg_util;

namespace {

// L^-T X (L unit lower) and X U^-T (U upper), of one batch: the two halves of every rule
// below, each one trsm with its transpose flag.
Tensor left_solve_lt(const Tensor& L, const Tensor& X) {
  return autograd::solve_triangular_of(L, X, false, true, true, "linalg.lu_factor", true);
}
Tensor right_solve_ut(const Tensor& U, const Tensor& X) {
  return autograd::solve_triangular_of(U, X, true, false, false, "linalg.lu_factor", true);
}

// The rows of x (..., m, c) taken by index (..., m): x[index[r]] as row r. One index_select
// of whole rows over the flattened batch (a gather with the index broadcast along the rows
// read element by element: 17% of a factor-and-solve step).
Tensor rows_by(const Tensor& x, const Tensor& index) {
  const std::int64_t m = rows(x), c = cols(x);
  if (x.dim() == 2) return index_select(x, 0, index);
  const std::int64_t batches = m == 0 ? 0 : index.numel() / m;
  const Tensor first = arange(0, static_cast<double>(batches * m), static_cast<double>(std::max<std::int64_t>(m, 1)),
                              TensorOptions(kInt64).device(index.device()));
  const Tensor flat = (index.reshape({batches, m}) + first.unsqueeze(-1)).reshape({-1});
  return index_select(x.reshape({batches * m, c}), 0, flat).reshape(x.shape());
}

// L (m x k, unit lower) and U (k x n, upper) packed in LU (m x n).
std::pair<Tensor, Tensor> split_factors(const Tensor& LU) {
  const std::int64_t m = rows(LU), n = cols(LU), k = std::min(m, n);
  const Tensor lower = tril(LU, -1), upper = triu(LU);
  const Tensor I = eye(m, TensorOptions(LU.dtype()).device(LU.device()));
  return {(k < n ? lower.narrow(-1, 0, k) : lower) + (k < m ? I.narrow(-1, 0, k) : I),
          k < m ? upper.narrow(-2, 0, k) : upper};
}

// gA for A = P L U from gL and gU (PyTorch's linalg_lu_backward, derived for B = P^T A = L U):
// square, gB = L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T; wide (U = [U1 U2]), U2 = L^-1 B2
// adds -gU2 U2^T to the lower part and L^-T gU2 as B2's gradient; tall (L = [L1; L2]),
// L2 = B2 U^-1 adds -L2^T gL2 to the upper part and gL2 U^-T as B2's gradient.
Tensor lu_backward(const Tensor& perm, const Tensor& L, const Tensor& U, const Tensor& gL, const Tensor& gU) {
  const std::int64_t m = rows(L), n = cols(U), k = cols(L);
  Tensor gB;
  if (m <= n) {
    const Tensor U1 = U.narrow(-1, 0, k), gU1 = gU.narrow(-1, 0, k);
    Tensor lower = product(L, gL, true);
    if (n > k) lower = lower - product(gU.narrow(-1, k, n - k), U.narrow(-1, k, n - k), false, true);
    gB = left_solve_lt(L, right_solve_ut(U1, tril(lower, -1) + triu(product(gU1, U1, false, true))));
    if (n > k) gB = cat({gB, left_solve_lt(L, gU.narrow(-1, k, n - k))}, -1);
  } else {
    const Tensor L1 = L.narrow(-2, 0, k), gL1 = gL.narrow(-2, 0, k);
    const Tensor L2 = L.narrow(-2, k, m - k), gL2 = gL.narrow(-2, k, m - k);
    const Tensor upper = product(gU, U, false, true) - product(L2, gL2, true);
    gB = cat({left_solve_lt(L1, right_solve_ut(U, tril(product(L1, gL1, true), -1) + triu(upper))), right_solve_ut(U, gL2)},
             -2);
  }
  return rows_by(gB, argsort(perm, -1));  // gA = P gB: row r of gB is row perm[r] of gA
}

// The recorded factorization: LU (differentiable) and the pivots.
std::tuple<Tensor, Tensor> factor(const Tensor& A, bool pivot, bool error_if_singular, const char* op) {
  check_matrices(A, op);
  if (!pivot) fail(op, ": LU without pivoting is not implemented on the CPU (pivot must be true)");
  const kernel::LU lu = kernel::lu_factor_packed(A.contiguous(), error_if_singular, op);
  const Tensor perm = kernel::lu_permutation(lu.pivots, rows(A), op);
  Tensor LU = record("linalg_lu_factor", {A}, lu.factors, {lu.factors, perm}, [](Node& n, const Tensor& gLU) {
    const Tensor LU = n.saved(0), perm = n.saved(1);
    const std::int64_t k = std::min(rows(LU), cols(LU));
    const auto [L, U] = split_factors(LU);
    const Tensor gL = tril(gLU, -1).narrow(-1, 0, k), gU = triu(gLU).narrow(-2, 0, k);
    return tensor_list{lu_backward(perm, L, U, gL, gU)};
  });
  return {LU, lu.pivots};
}

// A pivots tensor for LU (..., m, n): int64 of LU's batch and device, min(m, n) per matrix.
void check_pivots(const Tensor& LU, const Tensor& pivots, const char* op) {
  if (!pivots.defined()) fail(op, ": pivots is undefined");
  if (pivots.dtype() != kInt64) fail(op, ": expected int64 pivots, got ", dtype_name(pivots.dtype()));
  detail::compute_device({{"LU", LU}, {"pivots", pivots}}, op);
  Shape want(LU.shape().begin(), LU.shape().end() - 2);
  want.push_back(std::min(rows(LU), cols(LU)));
  if (pivots.shape() != want)
    fail(op, ": pivots ", detail::shape_str(pivots.shape()), " must be ", detail::shape_str(want), " for LU ",
         detail::shape_str(LU.shape()));
}

}  // namespace

namespace linalg {

std::tuple<Tensor, Tensor> lu_factor(const Tensor& A, bool pivot) {
  detail::CallScope call("linalg.lu_factor");
  return factor(A, pivot, true, "linalg.lu_factor");
}

std::tuple<Tensor, Tensor, Tensor> lu(const Tensor& A, bool pivot) {
  detail::CallScope call("linalg.lu");
  const auto [LU, pivots] = factor(A, pivot, false, "linalg.lu");
  return lu_unpack(LU, pivots);
}

Tensor lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left, bool adjoint) {
  const char* op = "linalg.lu_solve";
  detail::CallScope call(op);
  check_square(LU, op);
  check_pivots(LU, pivots, op);
  check_rhs(LU, B, op);
  const std::int64_t n = rows(LU);
  if ((left ? rows(B) : cols(B)) != n)
    fail(op, ": B ", detail::shape_str(B.shape()), " must have ", n, left ? " rows" : " columns", " for LU ",
         detail::shape_str(LU.shape()), left ? "" : " (left = false)");
  if (!left) return mT(lu_solve(LU, pivots, mT(B), true, !adjoint));  // X A = B is A^T X^T = B^T
  // One batch for all three (PyTorch broadcasts LU's and B's batch axes).
  Shape batch = autograd::batch_shape(LU, B, op), lu_shape = batch, b_shape = batch;
  lu_shape.insert(lu_shape.end(), {n, n});
  b_shape.insert(b_shape.end(), {n, cols(B)});
  Shape p_shape = batch;
  p_shape.push_back(n);
  const Tensor F = LU.shape() == lu_shape ? LU : broadcast_to(LU, lu_shape);
  const Tensor perm = broadcast_to(kernel::lu_permutation(pivots, n, op), p_shape);
  const Tensor Bb = B.shape() == b_shape ? B : broadcast_to(B, b_shape);
  // A = P L U, L's strict lower part and U in F; each solve reads only its triangle.
  using autograd::solve_triangular_of;
  if (!adjoint) {  // X = U^-1 L^-1 P^T B, (P^T B)[r] = B[perm[r]]
    const Tensor Y = solve_triangular_of(F, rows_by(Bb, perm), false, true, true, op);
    return solve_triangular_of(F, Y, true, true, false, op);
  }
  // A^T X = B: X = P L^-T U^-T B, row r of the solve is row perm[r] of X.
  const Tensor Z = solve_triangular_of(F, Bb, true, true, false, op, true);
  return rows_by(solve_triangular_of(F, Z, false, true, true, op, true), argsort(perm, -1));
}

}  // namespace linalg

std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU, const Tensor& pivots, bool unpack_data, bool unpack_pivots) {
  const char* op = "lu_unpack";
  detail::CallScope call(op);
  check_matrices(LU, op);
  check_pivots(LU, pivots, op);
  const TensorOptions options = TensorOptions(LU.dtype()).device(LU.device());
  Tensor P = empty({0}, options), L = empty({0}, options), U = empty({0}, options);
  if (unpack_data) std::tie(L, U) = split_factors(LU);
  if (unpack_pivots) {  // P[i][j] = 1 where i = perm[j]
    const std::int64_t m = rows(LU);
    const Tensor perm = kernel::lu_permutation(pivots, m, op);
    P = eq(arange(static_cast<double>(m), TensorOptions(kInt64).device(LU.device())).unsqueeze(-1), perm.unsqueeze(-2))
            .to(LU.dtype());
  }
  return {P, L, U};
}

}  // namespace xg
