// Least squares, solves from a Cholesky factor and the matrix exponential: libtorch's
// torch::linalg::lstsq, torch::cholesky_solve, torch::cholesky_inverse and
// torch::linalg::matrix_exp, each composed from the recorded linalg primitives (QR, the SVD,
// triangular and general solves, products), so every order of gradient follows from theirs.
#include <cmath>
#include <limits>

#include <xgrad/detail/format.h>
#include <xgrad/linalg.h>
#include <xgrad/ops.h>

#include "autograd/linalg_util.h"
#include "tensor/checked.h"

namespace xg {

using namespace autograd::linalg_util;

namespace {

// An empty 1-D result: PyTorch's answer for the parts a driver does not compute.
Tensor nothing(Dtype dtype, Device device) { return empty({0}, TensorOptions(dtype).device(device)); }

// The Padé approximant r_m(A) = (V - U)^-1 (V + U) of degree m for exp(A) (Higham 2005): U
// holds the odd powers, V the even ones; b the numerator's coefficients b_0..b_m.
Tensor pade(const Tensor& A, const std::vector<double>& b) {
  tensor_list powers{identity_like(A), matmul(A, A)};  // A^0, A^2, A^4, ...
  while (2 * powers.size() < b.size()) powers.push_back(matmul(powers.back(), powers[1]));
  Tensor odd = powers[0] * b[1], even = powers[0] * b[0];
  for (std::size_t k = 1; k < powers.size(); ++k) {
    if (2 * k + 1 < b.size()) odd = odd + powers[k] * b[2 * k + 1];
    even = even + powers[k] * b[2 * k];
  }
  const Tensor U = matmul(A, odd);
  return linalg::solve(even - U, even + U);
}

}  // namespace

namespace linalg {

std::tuple<Tensor, Tensor, Tensor, Tensor> lstsq(const Tensor& A, const Tensor& B, std::optional<double> rcond,
                                                 std::optional<std::string> driver) {
  const char* op = "linalg.lstsq";
  detail::CallScope call(op);
  check_matrices(A, op);
  check_float(B, op, "B");
  const std::string how = driver.value_or("gelsy");
  if (how != "gels" && how != "gelsy" && how != "gelsd" && how != "gelss")
    fail(op, ": driver must be one of gels, gelsy, gelsd, gelss, got \"", how, "\"");
  if (rcond && !(*rcond >= 0)) fail(op, ": rcond must be at least 0, got ", *rcond);
  // B (..., m, k), or (..., m) vectors when it has one axis fewer than A (PyTorch's rule).
  const bool vector = B.dim() == A.dim() - 1;
  if (B.dtype() != A.dtype())
    fail(op, ": expected A and B of one dtype, got ", dtype_name(A.dtype()), " and ", dtype_name(B.dtype()));
  const Tensor rhs = vector ? B.unsqueeze(-1) : B;
  check_rhs(A, rhs, op);
  const std::int64_t m = rows(A), n = cols(A);
  if (rows(rhs) != m)
    fail(op, ": A ", detail::shape_str(A.shape()), " has ", m, " rows but B ", detail::shape_str(B.shape()), " has ",
         rows(rhs));
  // The rank, with PyTorch's tolerance (rcond times the largest singular value; rcond
  // defaults to eps · max(m, n)), picks the route: a full-rank A is solved through its QR
  // factorization (A's or, when wide, Aᵀ's: the minimum-norm solution), whose gradient is
  // defined everywhere; a rank-deficient one through the pseudo-inverse.
  // A NaN or infinity would leave no singular value above the tolerance and pass for rank 0
  // (a zero solution): refused instead.
  if (A.numel() > 0 && !isfinite(A.detach()).all().item()) fail(op, ": A ", detail::shape_str(A.shape()), " has a non-finite entry");
  // One SVD: the singular values give the rank and, differentiable, gelsd's and gelss's output.
  const bool svd_driver = how == "gelsd" || how == "gelss";
  const Tensor sv = svdvals(svd_driver ? A : A.detach()), s = sv.detach();
  const Tensor rank = (s > rank_tolerance(A, s, std::nullopt, rcond, op)).to(kInt64).sum(-1);
  const std::int64_t full = std::min(m, n);
  const bool full_rank = rank.numel() == 0 || rank.amin().item() == static_cast<double>(full);
  Tensor X;
  if (!full_rank) {
    X = matmul(pinv(A, std::nullopt, rcond), rhs);
  } else if (m >= n) {
    auto [Q, R] = qr(A);
    X = solve_triangular(R, matmul(mT(Q), rhs), true);
  } else {
    auto [Q, R] = qr(mT(A));
    X = matmul(Q, solve_triangular(mT(R), rhs, false));
  }
  // Residuals, the squared norms of the columns of A X - B, where PyTorch gives them: a tall
  // full-rank A, a driver other than gelsy.
  Tensor residuals = nothing(A.dtype(), A.device());
  if (m > n && full_rank && how != "gelsy") residuals = (matmul(A, X) - rhs).square().sum(-2);
  if (vector) X = X.squeeze(-1);  // the residuals keep their (..., 1), as PyTorch's
  return {X, residuals, how == "gels" ? nothing(kInt64, A.device()) : rank, svd_driver ? sv : nothing(A.dtype(), A.device())};
}

Tensor matrix_exp(const Tensor& A) {
  const char* op = "linalg.matrix_exp";
  detail::CallScope call(op);
  check_square(A, op);
  if (A.numel() == 0) return A.clone();
  // Scaling and squaring with Padé approximants (Higham 2005, "The scaling and squaring
  // method for the matrix exponential revisited"): the lowest degree whose bound θ_m covers
  // the largest 1-norm in the batch, else degree 13 on A / 2^s, squared s times. The bounds
  // keep the approximant's backward error below the dtype's unit roundoff.
  const bool f64 = A.dtype() == kFloat64;
  const double norm = A.detach().abs().sum(-2).amax().item();  // the 1-norm: the largest column sum
  if (!std::isfinite(norm)) fail(op, ": A has a non-finite entry (its 1-norm is ", norm, ")");
  static const std::vector<std::vector<double>> kCoefficients{
      {120, 60, 12, 1},
      {30240, 15120, 3360, 420, 30, 1},
      {17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1},
      {17643225600, 8821612800, 2075673600, 302702400, 30270240, 2162160, 110880, 3960, 90, 1},
      {64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600,
       670442572800, 33522128640, 1323241920, 40840800, 960960, 16380, 182, 1}};
  // θ_3, θ_5, θ_7, θ_9, θ_13 for float64; float32's (the single-precision bounds) use 3, 5, 7.
  static const double kTheta64[] = {1.495585217958292e-2, 2.539398330063230e-1, 9.504178996162932e-1,
                                    2.097847961257068e0, 5.371920351148152e0};
  static const double kTheta32[] = {4.258730016922831e-1, 1.880152677804762e0, 3.925724783138660e0};
  const double* theta = f64 ? kTheta64 : kTheta32;
  const std::size_t degrees = f64 ? 5 : 3;
  for (std::size_t d = 0; d < degrees; ++d)
    if (norm <= theta[d]) return pade(A, kCoefficients[d]);
  const std::size_t top = degrees - 1;
  const int s = std::max(0, static_cast<int>(std::ceil(std::log2(norm / theta[top]))));
  Tensor E = pade(A * std::ldexp(1.0, -s), kCoefficients[top]);
  for (int k = 0; k < s; ++k) E = matmul(E, E);
  return E;
}

}  // namespace linalg

Tensor matrix_exp(const Tensor& A) { return linalg::matrix_exp(A); }

Tensor cholesky_solve(const Tensor& B, const Tensor& L, bool upper) {
  const char* op = "cholesky_solve";
  detail::CallScope call(op);
  check_square(L, op);
  check_rhs(L, B, op);
  if (rows(B) != rows(L))
    fail(op, ": the factor ", detail::shape_str(L.shape()), " and B ", detail::shape_str(B.shape()),
         " do not fit A X = B (B needs ", rows(L), " rows)");
  // A = L Lᵀ (or Uᵀ U): two triangular solves, each reading only the factor's triangle.
  const Tensor lower = upper ? mT(L) : L;
  return linalg::solve_triangular(mT(lower), linalg::solve_triangular(lower, B, false), true);
}

Tensor cholesky_inverse(const Tensor& L, bool upper) {
  const char* op = "cholesky_inverse";
  detail::CallScope call(op);
  check_square(L, op);
  return cholesky_solve(identity_like(L), L, upper);
}

}  // namespace xg
