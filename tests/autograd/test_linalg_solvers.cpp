// linalg::lstsq, cholesky_solve, cholesky_inverse and linalg::matrix_exp: values and
// gradients against PyTorch 1.13 (tests/fixtures/torch_linalg_solvers.npz,
// scripts/make_linalg_solvers_fixtures.py), numerical checks of every order, the drivers'
// outputs, and the errors.
#include <cmath>

#include <xgrad/linalg.h>

#include "test_util.h"

using xg::test::expect_fixture_case;
using xg::test::fixture;
using xg::test::fixture_inputs;
using xg::test::max_abs_diff;
using xg::test::randp;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_linalg_solvers.npz";
xg::Tensor solution(const xg::Tensor& A, const xg::Tensor& B) { return std::get<0>(xg::linalg::lstsq(A, B)); }
}  // namespace

TEST(LinalgSolvers, LstsqMatchesPyTorch) {
  for (const char* c : {"lstsq_tall", "lstsq_wide", "lstsq_batch"}) {
    SCOPED_TRACE(c);
    const auto in = fixture_inputs(kFile, c, 2);
    expect_fixture_case(kFile, c, solution(in[0], in[1]), in, 1e-12, 1e-11);
    const auto [X, residuals, rank, sv] = xg::linalg::lstsq(in[0], in[1], std::nullopt, "gelsd");
    EXPECT_LT(max_abs_diff(rank.to(xg::kFloat64).reshape({-1}), fixture(kFile, std::string(c) + ".rank").reshape({-1})), 1e-300);
    EXPECT_EQ(rank.dtype(), xg::kInt64);
    const auto want = fixture(kFile, std::string(c) + ".residuals");
    ASSERT_EQ(residuals.shape(), want.shape());  // empty for the wide case, as PyTorch's
    EXPECT_LT(residuals.numel() ? max_abs_diff(residuals, want) : 0.0, 1e-12);
    EXPECT_LT(max_abs_diff(sv, xg::linalg::svdvals(in[0])), 1e-300);
  }
  // A vector B gives a vector solution; its residuals keep PyTorch's (1).
  const auto v = fixture_inputs(kFile, "lstsq_vector", 2);
  const auto [X, residuals, rank, sv] = xg::linalg::lstsq(v[0], v[1], std::nullopt, "gelss");
  EXPECT_LT(max_abs_diff(X, fixture(kFile, "lstsq_vector.y")), 1e-12);
  EXPECT_LT(max_abs_diff(residuals, fixture(kFile, "lstsq_vector.residuals")), 1e-12);
  // A rank-deficient A: the minimum-norm solution and the rank, as gelsd's.
  const auto d = fixture_inputs(kFile, "lstsq_deficient", 2);
  const auto [Xd, rd, rankd, svd] = xg::linalg::lstsq(d[0], d[1]);
  EXPECT_LT(max_abs_diff(Xd, fixture(kFile, "lstsq_deficient.y")), 1e-12);
  EXPECT_EQ(rankd.item(), 2.0);
  EXPECT_EQ(rd.numel(), 0);  // no residuals for a deficient A
}

TEST(LinalgSolvers, LstsqDriversReturnWhatPyTorchsDo) {
  const auto A = xg::randn({6, 3}, xg::kFloat64), B = xg::randn({6, 2}, xg::kFloat64);
  const auto [X, residuals, rank, sv] = xg::linalg::lstsq(A, B);  // gelsy: residuals and sv empty
  EXPECT_EQ(residuals.shape(), (xg::Shape{0}));
  EXPECT_EQ(rank.item(), 3.0);
  EXPECT_EQ(sv.shape(), (xg::Shape{0}));
  const auto [Xg, rg, rankg, svg] = xg::linalg::lstsq(A, B, std::nullopt, "gels");  // residuals only
  EXPECT_EQ(rg.shape(), (xg::Shape{2}));
  EXPECT_EQ(rankg.shape(), (xg::Shape{0}));
  EXPECT_EQ(rankg.dtype(), xg::kInt64);
  EXPECT_LT(max_abs_diff(rg, (xg::matmul(A, X) - B).square().sum(0)), 1e-12);
  // The normal equations hold: Aᵀ (A X - B) = 0.
  EXPECT_LT(xg::matmul(A.T(), xg::matmul(A, X) - B).abs().max().item(), 1e-12);
  // rcond decides the rank: a tiny singular value counts as zero above its threshold.
  auto near = xg::cat({A.narrow(1, 0, 2), A.narrow(1, 0, 1) + 1e-9 * A.narrow(1, 2, 1)}, 1);
  EXPECT_EQ(std::get<2>(xg::linalg::lstsq(near, B)).item(), 3.0);
  EXPECT_EQ(std::get<2>(xg::linalg::lstsq(near, B, 1e-6)).item(), 2.0);
}

TEST(LinalgSolvers, LstsqPassesNumericalChecksOfEveryOrder) {
  for (const auto& shapes : {std::pair<xg::Shape, xg::Shape>{{5, 3}, {5, 2}}, {{2, 4}, {2, 3}}, {{2, 4, 2}, {1, 4, 1}}}) {
    const xg::tensor_list in{randp(shapes.first), randp(shapes.second)};
    const auto f = [](L v) { return solution(v[0], v[1]); };
    EXPECT_TRUE(gradcheck_ok(f, in));
    EXPECT_TRUE(gradgradcheck_ok(f, in));
  }
  // Orthonormal columns (equal singular values): the QR route keeps the gradient finite.
  const xg::tensor_list q{xg::eye(4, xg::kFloat64).narrow(1, 0, 2).clone().requires_grad_(), randp({4, 2})};
  EXPECT_TRUE(gradcheck_ok([](L v) { return solution(v[0], v[1]); }, q));
  // Rank-deficient: through the pseudo-inverse, whose singular values are apart here.
  auto base = xg::randn({5, 2}, xg::kFloat64);
  const xg::tensor_list d{xg::cat({base, base.narrow(1, 0, 1) * 2.0}, 1).requires_grad_(), randp({5, 2})};
  EXPECT_TRUE(gradcheck_ok([](L v) { return xg::matmul(v[0], solution(v[0], v[1])); }, d));
  // The residuals are differentiable (PyTorch's are not).
  EXPECT_TRUE(gradcheck_ok([](L v) { return std::get<1>(xg::linalg::lstsq(v[0], v[1], std::nullopt, "gelsd")); },
                           {randp({6, 3}), randp({6, 2})}));
}

TEST(LinalgSolvers, CholeskySolveAndInverseMatchPyTorch) {
  for (const bool upper : {false, true}) {
    const std::string c = upper ? "cholesky_solve_upper" : "cholesky_solve";
    SCOPED_TRACE(c);
    const auto in = fixture_inputs(kFile, c, 2);
    expect_fixture_case(kFile, c, xg::cholesky_solve(in[1], xg::linalg::cholesky(in[0], upper), upper), in, 1e-12, 1e-12);
    const std::string i = upper ? "cholesky_inverse_upper" : "cholesky_inverse";
    const auto a = fixture_inputs(kFile, i, 1);
    expect_fixture_case(kFile, i, xg::cholesky_inverse(xg::linalg::cholesky(a[0], upper), upper), a, 1e-12, 1e-12);
  }
  // Only the factor's triangle is read: what lies beyond it changes nothing.
  const auto A = fixture(kFile, "cholesky_solve.in0"), B = fixture(kFile, "cholesky_solve.in1");
  const auto Lf = xg::linalg::cholesky(A);
  EXPECT_LT(max_abs_diff(xg::cholesky_solve(B, Lf + xg::triu(xg::ones_like(Lf), 1)), xg::linalg::solve(A, B)), 1e-12);
  // The factor's own gradient is zero above the diagonal, and numerically right below it.
  const auto f = [](L v) { return xg::cholesky_solve(v[1], xg::tril(v[0]) + xg::eye(3, xg::kFloat64) * 3.0); };
  EXPECT_TRUE(gradcheck_ok(f, {randp({3, 3}), randp({3, 2})}));
  EXPECT_TRUE(gradgradcheck_ok(f, {randp({3, 3}), randp({3, 2})}));
  auto L0 = (xg::tril(xg::randn({3, 3}, xg::kFloat64)) + xg::eye(3, xg::kFloat64) * 3.0).requires_grad_();
  xg::cholesky_solve(xg::randn({3, 2}, xg::kFloat64), L0).sum().backward();
  EXPECT_EQ(xg::triu(L0.grad(), 1).abs().max().item(), 0.0);
}

TEST(LinalgSolvers, MatrixExpMatchesPyTorchAtEveryDegree) {
  for (const char* c : {"expm_tiny", "expm_small", "expm_mid", "expm_large", "expm_13", "expm_squared", "expm_past_9", "expm_past_13",
                        "expm_batch"}) {
    SCOPED_TRACE(c);
    const auto in = fixture_inputs(kFile, c, 1);
    const double scale = fixture(kFile, std::string(c) + ".y").abs().max().item();
    expect_fixture_case(kFile, c, xg::linalg::matrix_exp(in[0]), in, 1e-14 * scale + 1e-15, 1e-12 * scale);
  }
  // Known values: exp of a rotation generator, a diagonal, a nilpotent matrix; float32 too.
  const auto R = xg::linalg::matrix_exp(xg::tensor({{0.0, -1.0}, {1.0, 0.0}}, xg::kFloat64) * 2.5);
  EXPECT_LT(max_abs_diff(R, xg::tensor({{std::cos(2.5), -std::sin(2.5)}, {std::sin(2.5), std::cos(2.5)}}, xg::kFloat64)), 1e-14);
  const auto D = xg::matrix_exp(xg::diag(xg::tensor({-30.0, 0.0, 12.0}, xg::kFloat64)));
  EXPECT_NEAR(D.at({2, 2}) / std::exp(12.0), 1.0, 1e-14);
  EXPECT_NEAR(D.at({0, 0}) / std::exp(-30.0), 1.0, 1e-10);  // squared 3 times from the largest norm
  const auto N = xg::linalg::matrix_exp(xg::tensor({{0.0, 5.0}, {0.0, 0.0}}, xg::kFloat32));
  EXPECT_EQ(N.dtype(), xg::kFloat32);
  EXPECT_LT(max_abs_diff(N.to(xg::kFloat64), xg::tensor({{1.0, 5.0}, {0.0, 1.0}}, xg::kFloat64)), 1e-5);
  EXPECT_EQ(xg::linalg::matrix_exp(xg::zeros({0, 3, 3})).shape(), (xg::Shape{0, 3, 3}));
}

TEST(LinalgSolvers, MatrixExpPassesNumericalChecksOfEveryOrder) {
  for (const double scale : {0.01, 0.3, 4.0}) {  // degrees 3, 7 and 13 with squaring
    SCOPED_TRACE(scale);
    const auto x = (xg::randn({3, 3}, xg::kFloat64) * scale).requires_grad_();
    const auto f = [](L v) { return xg::linalg::matrix_exp(v[0]); };
    EXPECT_TRUE(gradcheck_ok(f, {x}));
    EXPECT_TRUE(gradgradcheck_ok(f, {x}));
  }
}

TEST(LinalgSolvers, BadInputsNameTheCall) {
  const auto A = xg::randn({4, 3}, xg::kFloat64);
  EXPECT_XG_ERROR(xg::linalg::lstsq(A, xg::randn({5, 2}, xg::kFloat64)), "linalg.lstsq", "(4,3)", "4 rows", "(5,2)", "5");
  EXPECT_XG_ERROR(xg::linalg::lstsq(A, xg::randn({4, 2})), "linalg.lstsq", "one dtype", "float64", "float32");
  EXPECT_XG_ERROR(xg::linalg::lstsq(A, xg::randn({4, 2}, xg::kFloat64), std::nullopt, "gesv"), "linalg.lstsq",
                  "gels, gelsy, gelsd, gelss", "gesv");
  EXPECT_XG_ERROR(xg::linalg::lstsq(A, xg::randn({4, 2}, xg::kFloat64), -1.0), "linalg.lstsq", "rcond", "-1");
  EXPECT_XG_ERROR(xg::linalg::lstsq(xg::randn({4}, xg::kFloat64), xg::randn({4}, xg::kFloat64)), "linalg.lstsq",
                  "at least 2 dimensions");
  EXPECT_XG_ERROR(xg::linalg::lstsq(A.to(xg::kInt64), A), "linalg.lstsq", "int64");
  EXPECT_XG_ERROR(xg::linalg::lstsq(xg::full({3, 2}, NAN, xg::kFloat64), xg::ones({3, 1}, xg::kFloat64)), "linalg.lstsq",
                  "(3,2)", "non-finite");
  // Empty problems: PyTorch's zero-sized or zero solutions.
  EXPECT_EQ(solution(xg::zeros({0, 3}, xg::kFloat64), xg::zeros({0, 2}, xg::kFloat64)).shape(), (xg::Shape{3, 2}));
  EXPECT_EQ(solution(xg::zeros({0, 3, 2}, xg::kFloat64), xg::zeros({0, 3, 2}, xg::kFloat64)).shape(), (xg::Shape{0, 2, 2}));
  EXPECT_XG_ERROR(xg::linalg::matrix_exp(A), "linalg.matrix_exp", "square", "4 by 3");
  EXPECT_XG_ERROR(xg::linalg::matrix_exp(xg::full({2, 2}, INFINITY, xg::kFloat64)), "linalg.matrix_exp", "non-finite");
  EXPECT_XG_ERROR(xg::cholesky_solve(xg::randn({4, 2}, xg::kFloat64), xg::eye(3, xg::kFloat64)), "cholesky_solve",
                  "(3,3)", "(4,2)", "3 rows");
  EXPECT_XG_ERROR(xg::cholesky_solve(xg::randn({3, 2}, xg::kFloat64), A), "cholesky_solve", "square");
  EXPECT_XG_ERROR(xg::cholesky_inverse(xg::randn({2, 3}, xg::kFloat64)), "cholesky_inverse", "square");
}
