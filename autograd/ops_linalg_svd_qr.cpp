// The singular value and QR decompositions with gradients, and what is built on the SVD:
// libtorch's torch::linalg::svd, svdvals, qr, pinv and matrix_norm. Values from LAPACK
// (tensor/lapack_svd_qr.cpp); the backward rules are PyTorch's (FunctionsManual's
// svd_backward and linalg_qr_backward, checked against PyTorch 1.13 numerically before
// writing them), made of differentiable operations, so every order of gradient follows.
#include <xgrad/detail/format.h>
#include <xgrad/linalg.h>
#include <xgrad/ops.h>

#include <cmath>
#include <limits>

#include "autograd/graph.h"
#include "autograd/linalg_util.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg {

using autograd::Node;
using autograd::record;

namespace {

using namespace autograd::linalg_util;

// X - X^T
Tensor skew(const Tensor& X) { return X - mT(X); }

// The symmetric matrix with X's lower triangle (PyTorch's copyltu).
Tensor lower_to_symmetric(const Tensor& X) {
  const Tensor strict = tril(X, -1);
  return strict + mT(strict) + X * eye(cols(X), TensorOptions().dtype(X.dtype()).device(X.device()));
}

// For A = U diag(S) Vh (reduced, k = min(m, n)) and gradients gU, gS, gVh of the reduced
// factors: gA = U [diag(gS) + (skew(U^T gU) / E) S + S (skew(V^T gV) / E)] Vh, with
// E_ij = S_j^2 - S_i^2 off the diagonal, plus the parts of gU and gV outside the spans of U
// and V when A is not square. Infinite where singular values coincide, as PyTorch's.
Tensor svd_gradient(const Tensor& U, const Tensor& S, const Tensor& Vh, const Tensor& gU, const Tensor& gS,
                    const Tensor& gVh) {
  const std::int64_t m = rows(U), n = cols(Vh), k = cols(S);
  const Tensor I = eye(k, TensorOptions().dtype(S.dtype()).device(S.device()));
  const Tensor S2 = S * S;
  const Tensor E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + I;
  const Tensor V = mT(Vh), gV = mT(gVh);
  const Tensor UtgU = matmul(mT(U), gU), VtgV = matmul(mT(V), gV);
  const Tensor inner = gS.unsqueeze(-1) * I + skew(UtgU) / E * S.unsqueeze(-2) + S.unsqueeze(-1) * (skew(VtgV) / E);
  Tensor gA = matmul(matmul(U, inner), Vh);
  if (m > k) gA = gA + matmul((gU - matmul(U, UtgU)) / S.unsqueeze(-2), Vh);
  if (n > k) gA = gA + matmul(U, mT((gV - matmul(V, VtgV)) / S.unsqueeze(-2)));
  return gA;
}

tensor_list svd_of(const Tensor& A, bool full, const char* op) {
  kernel::Svd r = kernel::svd(A, full, true, op);
  return record("linalg_svd", {A}, tensor_list{r.U, r.S, r.Vh}, {r.U, r.S, r.Vh}, [full](Node& n, const tensor_list& g) {
    const auto s = n.saved();
    const std::int64_t k = cols(s[1]);
    // The columns of a full U (rows of Vh) past k are any basis of the complement: their
    // gradients are ignored, as PyTorch documents.
    const auto reduced = [&](const Tensor& t, std::int64_t axis) { return full ? t.narrow(axis, 0, k) : t; };
    return tensor_list{svd_gradient(reduced(s[0], -1), s[1], reduced(s[2], -2), reduced(g[0], -1), g[1], reduced(g[2], -2))};
  });
}

// PyTorch's linalg_qr_backward for reduced (or square complete) Q, R: with
// M = R gR^T - gQ^T Q, gA = (gQ + Q sym(M)) R^-T for m >= n; for m < n, A = Q [U | V] and
// the columns past m enter through Q: gA = [(gQ' + Q sym(M')) U^-T | Q gV] with
// gQ' = gQ + (Q V) gV^T and M' = U gU^T - gQ'^T Q.
tensor_list qr_of(const Tensor& A, bool complete, const char* op) {
  kernel::Qr r = kernel::qr(A, complete, true, op);
  return record("linalg_qr", {A}, tensor_list{r.Q, r.R}, {r.Q, r.R}, [](Node& n, const tensor_list& g) {
    const auto s = n.saved();
    const Tensor &Q = s[0], &R = s[1];
    const std::int64_t m = rows(Q), cols_a = cols(R);
    const auto solve_right = [](const Tensor& B, const Tensor& Rsq) {  // B Rsq^-T
      return linalg::solve_triangular(Rsq, mT(B), /*upper=*/true).transpose(-2, -1);
    };
    if (m >= cols_a) {
      const Tensor M = matmul(R, mT(g[1])) - matmul(mT(g[0]), Q);
      return tensor_list{solve_right(g[0] + matmul(Q, lower_to_symmetric(M)), R)};
    }
    const Tensor U = R.narrow(-1, 0, m), V = R.narrow(-1, m, cols_a - m);
    const Tensor gU = g[1].narrow(-1, 0, m), gV = g[1].narrow(-1, m, cols_a - m);
    const Tensor gQ = g[0] + matmul(matmul(Q, V), mT(gV));
    const Tensor M = matmul(U, mT(gU)) - matmul(mT(gQ), Q);
    return tensor_list{cat({solve_right(gQ + matmul(Q, lower_to_symmetric(M)), U), matmul(Q, gV)}, -1)};
  });
}

}  // namespace

namespace linalg {

std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices) {
  detail::CallScope call("linalg.svd");
  check_matrices(A, "linalg.svd");
  tensor_list r = svd_of(A, full_matrices, "linalg.svd");
  return {r[0], r[1], r[2]};
}

Tensor svdvals(const Tensor& A) {
  detail::CallScope call("linalg.svdvals");
  check_matrices(A, "linalg.svdvals");
  // Without a gradient to take, LAPACK skips the singular vectors.
  if (!autograd::should_record({A})) return kernel::svd(A, false, false, "linalg.svdvals").S;
  // Its own node: the gradient of S alone is U diag(gS) Vh, where linalg.svd's rule would
  // multiply the zero gradients of U and Vh through six more products (the suite's svd row:
  // backward 0.6 -> 0.15 ms). The higher orders recompute through linalg.svd's node.
  kernel::Svd r = kernel::svd(A, false, true, "linalg.svdvals");
  return record("linalg_svdvals", {A}, r.S, {A, r.U, r.Vh}, [](Node& n, const Tensor& gS) {
    const auto s = n.saved();
    if (is_grad_enabled())
      return autograd::recomputed_gradients(n, {s[0]}, [](const tensor_list& in) {
        return tensor_list{svd_of(in[0], false, "linalg.svdvals")[1]};
      }, {gS});
    return tensor_list{matmul(s[1] * gS.unsqueeze(-2), s[2])};
  });
}

std::tuple<Tensor, Tensor> qr(const Tensor& A, const std::string& mode) {
  detail::CallScope call("linalg.qr");
  check_matrices(A, "linalg.qr");
  if (mode != "reduced" && mode != "complete" && mode != "r")
    fail("linalg.qr: mode must be \"reduced\", \"complete\" or \"r\", got \"", mode, "\"");
  const bool complete = mode == "complete";
  if (mode == "r") {
    // R alone has no gradient rule (it needs Q): PyTorch refuses to differentiate it, and so
    // does this one, at the call rather than in backward.
    if (autograd::should_record({A}))
      fail("linalg.qr: the derivative of R depends on Q, which mode \"r\" does not compute; use mode \"reduced\" to "
           "differentiate through linalg.qr");
    return {Tensor(), kernel::qr(A, false, false, "linalg.qr").R};
  }
  if (complete && rows(A) > cols(A) && autograd::should_record({A}))
    fail("linalg.qr: the QR decomposition is not differentiable when mode=\"complete\" and nrows > ncols (",
         detail::shape_str(A.shape()), "): the extra columns of Q are any basis; use mode \"reduced\"");
  tensor_list r = qr_of(A, complete, "linalg.qr");
  return {r[0], r[1]};
}

}  // namespace linalg

namespace linalg {

Tensor pinv(const Tensor& A, std::optional<double> atol, std::optional<double> rtol) {
  detail::CallScope call("linalg.pinv");
  check_matrices(A, "linalg.pinv");
  auto [U, S, Vh] = linalg::svd(A, false);
  const Tensor s = S.detach();
  const Tensor keep = (s > rank_tolerance(A, s, atol, rtol, "linalg.pinv")).to(A.dtype());
  const Tensor s_inv = keep / where(keep, S, ones_like(S));  // 1/s where kept, 0 elsewhere, no 1/0 in the graph
  return matmul(mT(Vh) * s_inv.unsqueeze(-2), mT(U));
}

Tensor matrix_rank(const Tensor& A, std::optional<double> atol, std::optional<double> rtol, bool hermitian) {
  detail::CallScope call("linalg.matrix_rank");
  check_matrices(A, "linalg.matrix_rank");
  if (hermitian && rows(A) != cols(A))
    fail("linalg.matrix_rank: a hermitian A must be square, got ", detail::shape_str(A.shape()));
  NoGradGuard no_grad;  // a count: nothing to differentiate
  const Tensor s = hermitian ? linalg::eigvalsh(A).abs() : linalg::svdvals(A);
  return (s > rank_tolerance(A, s, atol, rtol, "linalg.matrix_rank")).to(kInt64).sum(-1);
}

Tensor matrix_norm(const Tensor& A, double ord, const Axes& dim, bool keepdim) {
  detail::CallScope call("linalg.matrix_norm");
  check_matrices(A, "linalg.matrix_norm");
  if (dim.size() != 2) fail("linalg.matrix_norm: dim must name 2 axes, got ", detail::shape_str(dim));
  const Tensor M = movedim(A, dim, {-2, -1});
  Tensor r;
  if (std::abs(ord) == 2) {
    const Tensor s = svdvals(M);
    r = ord > 0 ? s.amax(-1) : s.amin(-1);
  } else if (std::abs(ord) == 1 || std::isinf(ord)) {
    const Tensor sums = M.abs().sum(std::isinf(ord) ? -1 : -2);  // column sums (1) or row sums (inf)
    r = ord > 0 ? sums.amax(-1) : sums.amin(-1);
  } else {
    fail("linalg.matrix_norm: ord must be 1, -1, 2, -2, inf, -inf, \"fro\" or \"nuc\", got ", ord);
  }
  return keepdim ? r.unsqueeze(-1).unsqueeze(-1).movedim({-2, -1}, dim) : r;
}

Tensor matrix_norm(const Tensor& A, const std::string& ord, const Axes& dim, bool keepdim) {
  detail::CallScope call("linalg.matrix_norm");
  check_matrices(A, "linalg.matrix_norm");
  if (ord != "fro" && ord != "nuc") fail("linalg.matrix_norm: ord must be \"fro\" or \"nuc\" as a string, got \"", ord, "\"");
  if (dim.size() != 2) fail("linalg.matrix_norm: dim must name 2 axes, got ", detail::shape_str(dim));
  if (ord == "fro") return xg::norm(A, 2.0, dim, keepdim);
  const Tensor r = svdvals(movedim(A, dim, {-2, -1})).sum(-1);
  return keepdim ? r.unsqueeze(-1).unsqueeze(-1).movedim({-2, -1}, dim) : r;
}

}  // namespace linalg

}  // namespace xg
