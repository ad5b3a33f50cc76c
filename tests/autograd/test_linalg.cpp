// xg::linalg against PyTorch 1.13 in float64 (tests/fixtures/torch_linalg.npz from
// scripts/make_linalg_fixtures.py): values and gradients, gradcheck and gradgradcheck,
// the identities each result satisfies in float32, PyTorch's edges, errors naming the call.
#include <cmath>
#include <limits>

#include "test_util.h"

using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {

xg::Tensor fx(const std::string& key) { return xg::test::fixture("torch_linalg.npz", key); }

xg::Tensor mT(const xg::Tensor& x) { return x.transpose(-2, -1); }

xg::Tensor eigh_parts(const xg::Tensor& a, const std::string& uplo) {
  auto [values, vectors] = xg::linalg::eigh(a, uplo);
  return xg::cat({values.flatten(), (vectors * vectors).flatten()});
}

struct Case {
  const char* name;
  std::size_t inputs;
  std::function<xg::Tensor(L)> f;
  // Where the function reads only part of A (a triangle, symmetric input assumed), gradcheck
  // differentiates f(sym(A)), as PyTorch's own tests do.
  bool symmetric_input = false;
};

// The cases of scripts/make_linalg_fixtures.py, in its order (those of test_linalg_svd_qr.cpp
// left out).
const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"inv", 1, [](L v) { return xg::linalg::inv(v[0]); }},
      {"inv_batch", 1, [](L v) { return xg::inverse(v[0]); }},
      {"det", 1, [](L v) { return xg::linalg::det(v[0]); }},
      {"det_batch", 1, [](L v) { return xg::det(v[0]); }},
      {"slogdet", 1,
       [](L v) {
         auto [sign, logabsdet] = xg::linalg::slogdet(v[0]);
         return xg::cat({sign.flatten(), logabsdet.flatten()});
       }},
      {"logdet", 1, [](L v) { return xg::logdet(v[0]); }, true},
      {"solve", 2, [](L v) { return xg::linalg::solve(v[0], v[1]); }},
      {"solve_vector", 2, [](L v) { return xg::linalg::solve(v[0], v[1]); }},
      {"solve_batch_vectors", 2, [](L v) { return xg::linalg::solve(v[0], v[1]); }},
      {"solve_broadcast", 2, [](L v) { return xg::linalg::solve(v[0], v[1]); }},
      {"solve_right", 2, [](L v) { return xg::linalg::solve(v[0], v[1], /*left=*/false); }},
      {"solve_triangular_upper", 2, [](L v) { return xg::linalg::solve_triangular(v[0], v[1], /*upper=*/true); }},
      {"solve_triangular_lower_right_unit", 2,
       [](L v) { return xg::linalg::solve_triangular(v[0], v[1], false, /*left=*/false, /*unitriangular=*/true); }},
      {"solve_triangular_batch", 2, [](L v) { return xg::linalg::solve_triangular(v[0], v[1], false); }},
      {"cholesky", 1, [](L v) { return xg::linalg::cholesky(v[0]); }, true},
      {"cholesky_upper_batch", 1, [](L v) { return xg::linalg::cholesky(v[0], /*upper=*/true); }, true},
      {"eigh", 1, [](L v) { return eigh_parts(v[0], "L"); }, true},
      {"eigh_upper_batch", 1, [](L v) { return eigh_parts(v[0], "U"); }, true},
      {"eigvalsh", 1, [](L v) { return xg::linalg::eigvalsh(v[0]); }, true},
      {"det_singular", 1, [](L v) { return xg::linalg::det(v[0]); }},
      {"det_singular_batch", 1, [](L v) { return xg::det(v[0]); }}};
  return all;
}

xg::tensor_list inputs_of(const Case& c) { return xg::test::fixture_inputs("torch_linalg.npz", c.name, c.inputs); }

xg::Tensor random_spd(std::int64_t n, xg::Dtype dtype) {
  const auto m = xg::randn({n, n}, dtype);
  return xg::matmul(m, mT(m)) + static_cast<double>(n) * xg::eye(n, dtype);
}

}  // namespace

TEST(Linalg, MatchPyTorch) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    // Plain backward reuses the forward's factors; under create_graph the rules are
    // recorded compositions: both must give PyTorch's gradient.
    const xg::tensor_list in = inputs_of(c);
    xg::test::expect_fixture_case("torch_linalg.npz", c.name, c.f(in), in, 1e-12, 1e-11);
  }
}

TEST(Linalg, GradcheckAndGradgradcheck) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const auto f = [&](L v) {
      if (!c.symmetric_input) return c.f(v);
      xg::tensor_list s = v;
      s[0] = 0.5 * (v[0] + mT(v[0]));
      return c.f(s);
    };
    xg::tensor_list in = inputs_of(c);
    EXPECT_TRUE(gradcheck_ok(f, in));
    EXPECT_TRUE(gradgradcheck_ok(f, in));
  }
}

TEST(Linalg, IdentitiesInFloat32) {
  xg::manual_seed(3);
  const auto A = random_spd(6, xg::kFloat32);
  const auto I = xg::eye(6);
  EXPECT_LT(max_abs_diff(xg::matmul(A, xg::linalg::inv(A)), I), 1e-5);
  const auto Lc = xg::linalg::cholesky(A);
  EXPECT_LT(max_abs_diff(xg::matmul(Lc, mT(Lc)), A), 1e-4);
  EXPECT_EQ(max_abs_diff(xg::triu(Lc, 1), xg::zeros({6, 6})), 0.0);
  auto [w, V] = xg::linalg::eigh(A);
  EXPECT_LT(max_abs_diff(xg::matmul(V * w.unsqueeze(0), mT(V)), A), 1e-4);
  EXPECT_LT(max_abs_diff(xg::matmul(mT(V), V), I), 1e-5);
  for (std::int64_t i = 1; i < 6; ++i) EXPECT_LE(w.at({i - 1}), w.at({i}));  // ascending
  const auto B = xg::randn({6, 3});
  EXPECT_LT(max_abs_diff(xg::matmul(A, xg::linalg::solve(A, B)), B), 1e-4);
  EXPECT_LT(max_abs_diff(xg::matmul(Lc, xg::linalg::solve_triangular(Lc, B, false)), B), 1e-4);
  // det of a product is the product of the dets, and log|det| agrees with det.
  const auto C = xg::randn({6, 6});
  EXPECT_NEAR(xg::det(xg::matmul(A, C)).item(), xg::det(A).item() * xg::det(C).item(),
              1e-4 * std::abs(xg::det(A).item() * xg::det(C).item()));
  auto [sign, logabsdet] = xg::slogdet(C);
  EXPECT_NEAR(sign.item() * std::exp(logabsdet.item()), xg::det(C).item(), 1e-4 * std::abs(xg::det(C).item()));
  EXPECT_EQ(xg::linalg::inv(A).dtype(), xg::kFloat32);
}

TEST(Linalg, PyTorchsEdges) {
  // A singular matrix: sign 0 and log|det| -inf, det 0, logdet -inf; a negative det: logdet nan.
  const auto S = xg::tensor({{1.0, 2.0}, {2.0, 4.0}}, xg::kFloat64);
  auto [sign, logabsdet] = xg::linalg::slogdet(S);
  EXPECT_EQ(sign.item(), 0.0);
  EXPECT_EQ(logabsdet.item(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(xg::det(S).item(), 0.0);
  EXPECT_EQ(xg::logdet(S).item(), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(xg::logdet(xg::tensor({{0.0, 1.0}, {1.0, 0.0}}, xg::kFloat64)).item()));
  // A row exchange flips det's sign: the permutation matrix above has det -1.
  EXPECT_EQ(xg::det(xg::tensor({{0.0, 1.0}, {1.0, 0.0}}, xg::kFloat64)).item(), -1.0);
  // A determinant below double's range keeps its sign in slogdet.
  auto [tiny_sign, tiny_log] = xg::slogdet(-1e-200 * xg::eye(3, xg::kFloat64));
  EXPECT_EQ(tiny_sign.item(), -1.0);
  EXPECT_NEAR(tiny_log.item(), 3 * std::log(1e-200), 1e-9);
  // 0 x 0 matrices: det 1, an empty inverse, no eigenvalues.
  EXPECT_EQ(xg::det(xg::zeros({0, 0})).item(), 1.0);
  EXPECT_EQ(xg::det(xg::zeros({2, 0, 0})).shape(), (xg::Shape{2}));
  EXPECT_EQ(xg::linalg::inv(xg::zeros({3, 0, 0})).shape(), (xg::Shape{3, 0, 0}));
  EXPECT_EQ(std::get<0>(xg::linalg::eigh(xg::zeros({0, 0}))).shape(), (xg::Shape{0}));
  // cholesky and eigh("L") read the lower triangle only; solve_triangular its own triangle.
  const auto A = xg::tensor({{4.0, 2.0}, {2.0, 5.0}}, xg::kFloat64);
  const auto junk = xg::tensor({{0.0, 99.0}, {0.0, 0.0}}, xg::kFloat64);
  EXPECT_EQ(xg::linalg::cholesky(A + junk).to_vector<double>(), xg::linalg::cholesky(A).to_vector<double>());
  EXPECT_EQ(xg::linalg::eigvalsh(A + junk).to_vector<double>(), xg::linalg::eigvalsh(A).to_vector<double>());
  EXPECT_EQ(xg::linalg::eigvalsh(A + mT(junk), "U").to_vector<double>(), xg::linalg::eigvalsh(A).to_vector<double>());
  EXPECT_EQ(xg::linalg::solve_triangular(A + mT(junk), xg::ones({2, 1}, xg::kFloat64), true).to_vector<double>(),
            xg::linalg::solve_triangular(A, xg::ones({2, 1}, xg::kFloat64), true).to_vector<double>());
  // det's gradient at an exactly singular matrix (a zero pivot) is the cofactor matrix,
  // through the SVD as PyTorch's: for [[1, 2], [2, 4]], [[4, -2], [-2, 1]]; to any order.
  for (const bool create_graph : {false, true}) {
    const auto Sg = xg::tensor({{1.0, 2.0}, {2.0, 4.0}}, xg::kFloat64).requires_grad_();
    const auto g = xg::grad({xg::det(Sg)}, {Sg}, {}, true, create_graph)[0];
    EXPECT_LT(max_abs_diff(g, xg::tensor({{4.0, -2.0}, {-2.0, 1.0}}, xg::kFloat64)), 1e-14) << create_graph;
  }
  const auto rank_one = xg::tensor({{1.0, 2.0, 3.0}, {2.0, 4.0, 6.0}, {1.0, 1.0, 1.0}}, xg::kFloat64);
  EXPECT_TRUE(gradcheck_ok([](L v) { return xg::det(v[0]); }, {rank_one.clone().requires_grad_()}));
  EXPECT_TRUE(gradgradcheck_ok([](L v) { return xg::det(v[0]); }, {rank_one.clone().requires_grad_()}));
  // det's second derivative, PyTorch 1.13's values: finite at the identity (repeated singular
  // values, where an SVD route would divide by zero) and at a singular matrix.
  const auto w = xg::arange(9.0, xg::kFloat64).reshape({3, 3});
  const auto second = [&](const xg::Tensor& A0) {
    const auto A = A0.clone().requires_grad_();
    const auto g = xg::grad({xg::det(A)}, {A}, {}, true, true)[0];
    return xg::grad({(g * w).sum()}, {A})[0].reshape({9}).to_vector<double>();
  };
  const auto at_identity = second(xg::eye(3, xg::kFloat64));
  const auto at_singular = second(rank_one);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(at_identity[i], (std::vector<double>{12, -3, -6, -1})[i], 1e-12);
    EXPECT_NEAR(at_singular[i], (std::vector<double>{-11, 22, -11, 6})[i], 1e-12);
  }
  // The sign of slogdet is no function of A's entries to differentiate.
  auto [s2, l2] = xg::slogdet(xg::eye(2, xg::kFloat64).requires_grad_());
  EXPECT_FALSE(s2.requires_grad());
  EXPECT_TRUE(l2.requires_grad());
  EXPECT_EQ(l2.grad_fn_name(), "LinalgSlogdetBackward");
}

TEST(Linalg, ErrorsNameTheCall) {
  EXPECT_XG_ERROR(xg::linalg::inv(xg::zeros({2, 3})),
                  "linalg.inv: A must be batches of square matrices, but they are 2 by 3 matrices: (2,3)");
  EXPECT_XG_ERROR(xg::linalg::det(xg::zeros({3})), "linalg.det: A must have at least 2 dimensions, got (3,)");
  EXPECT_XG_ERROR(xg::linalg::cholesky(xg::zeros({2, 2}, xg::kInt64)),
                  "linalg.cholesky: expected a float32 or float64 A, got int64 (2,2)");
  EXPECT_XG_ERROR(xg::linalg::inv(xg::zeros({3, 3})),
                  "linalg.inv: The diagonal element 1 is zero, the inversion could not be completed because the input "
                  "matrix is singular.");
  auto batch = xg::stack({xg::eye(2), xg::tensor({{1.0F, 2.0F}, {2.0F, 4.0F}})});
  EXPECT_XG_ERROR(xg::linalg::inv(batch), "linalg.inv: (Batch element 1): The diagonal element 2 is zero");
  EXPECT_XG_ERROR(xg::linalg::solve(batch, xg::ones({2, 2})),
                  "linalg.solve: (Batch element 1): The solver failed because the input matrix is singular");
  EXPECT_XG_ERROR(xg::linalg::cholesky(xg::stack({xg::eye(3), -xg::eye(3)})),
                  "linalg.cholesky: (Batch element 1): The factorization could not be completed because the input is "
                  "not positive-definite (the leading minor of order 1 is not positive-definite).");
  EXPECT_XG_ERROR(xg::linalg::solve(xg::eye(3), xg::ones({4, 2})),
                  "linalg.solve: incompatible shapes of A and B for the equation AX = B: (3,3) and (4,2)");
  EXPECT_XG_ERROR(xg::linalg::solve(xg::eye(3), xg::ones({3, 2}, xg::kFloat64)),
                  "linalg.solve: expected A and B of one dtype, got float32 and float64");
  EXPECT_XG_ERROR(xg::linalg::solve(xg::eye(3).expand({2, 3, 3}), xg::ones({3, 3, 1})),
                  "linalg.solve: (2,3,3) and (3,3,1): batch dimensions (2,) and (3,) do not broadcast");
  EXPECT_XG_ERROR(xg::linalg::solve_triangular(xg::eye(3), xg::ones({3, 2}), true, /*left=*/false),
                  "linalg.solve_triangular: incompatible shapes of A and B for the equation XA = B: (3,3) and (3,2)");
  EXPECT_XG_ERROR(xg::linalg::solve_triangular(xg::eye(3), xg::ones({3}), true),
                  "linalg.solve_triangular: B must have at least 2 dimensions, got (3,)");
  EXPECT_XG_ERROR(xg::linalg::eigh(xg::eye(2), "X"), "linalg.eigh: expected UPLO to be 'L' or 'U', got 'X'");
  // log|det|'s gradient A^-T is infinite at an exactly singular matrix: an error, as PyTorch's.
  const auto S = xg::tensor({{1.0, 2.0}, {2.0, 4.0}}, xg::kFloat64).requires_grad_();
  EXPECT_XG_ERROR(std::get<1>(xg::slogdet(S)).backward(),
                  "linalg.slogdet: the gradient of log|det| at a singular matrix is infinite (A (2,2) has a zero pivot)");
}
