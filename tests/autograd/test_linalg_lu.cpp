// linalg::lu_factor, linalg::lu, linalg::lu_solve and lu_unpack: values and gradients
// against PyTorch 1.13 (tests/fixtures/torch_lu.npz, scripts/make_lu_fixtures.py) for square,
// wide, tall and batched matrices, numerical checks of every order, and the errors.
#include <xgrad/linalg.h>

#include "test_util.h"

using xg::Tensor;
using xg::test::fixture;
using xg::test::max_abs_diff;
using xg::test::randp;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {

const char* kFile = "torch_lu.npz";

xg::tensor_list inputs(const std::string& c, std::size_t count) {
  xg::tensor_list in;
  for (std::size_t i = 0; i < count; ++i) in.push_back(fixture(kFile, c + ".in" + std::to_string(i)).clone().requires_grad_());
  return in;
}

// Each output j is <c>.y<j>; the gradient of sum_j y_j * <c>.gy<j> for each input is <c>.g<i>,
// by a plain backward and under create_graph.
void expect_case(const std::string& c, const xg::tensor_list& ys, const xg::tensor_list& in, double tol) {
  Tensor loss;
  for (std::size_t j = 0; j < ys.size(); ++j) {
    SCOPED_TRACE("output " + std::to_string(j));
    const Tensor want = fixture(kFile, c + ".y" + std::to_string(j));
    ASSERT_EQ(ys[j].shape(), want.shape());
    EXPECT_LT(max_abs_diff(ys[j], want), tol);
    const Tensor gy = fixture(kFile, c + ".gy" + std::to_string(j), false);
    if (gy.defined()) loss = loss.defined() ? loss + (ys[j] * gy).sum() : (ys[j] * gy).sum();
  }
  for (const bool create_graph : {false, true}) {
    const auto g = xg::grad({loss}, in, {}, true, create_graph);
    for (std::size_t i = 0; i < in.size(); ++i)
      EXPECT_LT(max_abs_diff(g[i], fixture(kFile, c + ".g" + std::to_string(i))), tol)
          << "input " << i << (create_graph ? ", create_graph" : "");
  }
}

Tensor pivots_of(const std::string& c) { return fixture(kFile, c + ".pivots"); }

}  // namespace

TEST(LinalgLu, FactorAndLuMatchPyTorch) {
  for (const char* c : {"square", "batch", "wide", "tall", "wide_batch"}) {
    SCOPED_TRACE(c);
    const auto in = inputs(c, 1);
    const auto [LU, pivots] = xg::linalg::lu_factor(in[0]);
    EXPECT_EQ(pivots.dtype(), xg::kInt64);
    EXPECT_TRUE(xg::equal(pivots, pivots_of(c)));
    expect_case(c, {LU}, in, 1e-12);
    const auto [P, Lf, U] = xg::linalg::lu(in[0]);
    expect_case(std::string(c) + "_plu", {P, Lf, U}, in, 1e-12);
    // A = P L U.
    EXPECT_LT(max_abs_diff(xg::matmul(P, xg::matmul(Lf, U)), in[0]), 1e-12);
  }
}

TEST(LinalgLu, UnpackAndSolveMatchPyTorch) {
  const auto in = inputs("unpack", 1);
  const auto [P, Lf, U] = xg::lu_unpack(in[0], pivots_of("unpack"));
  expect_case("unpack", {P, Lf, U}, in, 1e-12);
  for (const char* c : {"solve_left", "solve_left_adjoint", "solve_right", "solve_right_adjoint"}) {
    SCOPED_TRACE(c);
    const std::string s = c;
    const auto v = inputs(c, 2);
    const bool left = s.find("left") != std::string::npos, adjoint = s.find("adjoint") != std::string::npos;
    expect_case(c, {xg::linalg::lu_solve(v[0], pivots_of("solve"), v[1], left, adjoint)}, v, 1e-11);
  }
  const auto b = inputs("solve_broadcast", 2);
  expect_case("solve_broadcast", {xg::linalg::lu_solve(b[0], pivots_of("solve_broadcast"), b[1])}, b, 1e-12);
}

TEST(LinalgLu, PassesNumericalChecksOfEveryOrder) {
  // Shapes whose pivots stay put under the checks' small steps (a random matrix's pivots
  // are separated by far more than 1e-6).
  for (const xg::Shape& shape : {xg::Shape{4, 4}, xg::Shape{2, 3, 3}, xg::Shape{3, 5}, xg::Shape{5, 3}}) {
    SCOPED_TRACE(shape.size());
    const xg::tensor_list in{randp(shape)};
    EXPECT_TRUE(gradcheck_ok([](L v) { return std::get<0>(xg::linalg::lu_factor(v[0])); }, in));
    EXPECT_TRUE(gradgradcheck_ok([](L v) { return std::get<0>(xg::linalg::lu_factor(v[0])); }, in));
    EXPECT_TRUE(gradcheck_ok([](L v) { return std::get<1>(xg::linalg::lu(v[0])) + 0.0; }, in));
  }
  const Tensor A = xg::randn({3, 3}, xg::kFloat64);
  const auto [LU, piv] = xg::linalg::lu_factor(A);
  const auto solve = [p = piv](L v) { return xg::linalg::lu_solve(v[0], p, v[1]); };
  const xg::tensor_list sv{LU.clone().requires_grad_(), randp({3, 2})};
  EXPECT_TRUE(gradcheck_ok(solve, sv));
  EXPECT_TRUE(gradgradcheck_ok(solve, sv));
}

TEST(LinalgLu, SolvesWhatSolveSolves) {
  const Tensor A = xg::randn({2, 4, 4}, xg::kFloat64), B = xg::randn({2, 4, 3}, xg::kFloat64);
  const auto [LU, piv] = xg::linalg::lu_factor(A);
  EXPECT_LT(max_abs_diff(xg::linalg::lu_solve(LU, piv, B), xg::linalg::solve(A, B)), 1e-12);
  EXPECT_LT(max_abs_diff(xg::linalg::lu_solve(LU, piv, B, true, true), xg::linalg::solve(A.transpose(-2, -1), B)), 1e-12);
  const Tensor R = xg::randn({2, 3, 4}, xg::kFloat64);
  EXPECT_LT(max_abs_diff(xg::linalg::lu_solve(LU, piv, R, false), xg::linalg::solve(A, R, false)), 1e-12);
  // float32, and without unpacking: empty parts.
  const auto [P, Lf, U] = xg::lu_unpack(LU.to(xg::kFloat32), piv, false, true);
  EXPECT_EQ(P.dtype(), xg::kFloat32);
  EXPECT_EQ(Lf.numel(), 0);
  EXPECT_EQ(U.numel(), 0);
  // A singular matrix: lu factors it, with a zero on U's diagonal.
  const Tensor S = xg::tensor({1.0, 2.0, 2.0, 4.0}, {2, 2}, xg::kFloat64);
  EXPECT_EQ(std::get<2>(xg::linalg::lu(S)).to_vector<double>().back(), 0.0);
}

TEST(LinalgLu, ErrorsNameTheCall) {
  const Tensor S = xg::tensor({1.0, 2.0, 2.0, 4.0}, {2, 2}, xg::kFloat64);
  EXPECT_XG_ERROR(xg::linalg::lu_factor(S), "linalg.lu_factor: U[1,1] is zero (the matrix is singular)");
  EXPECT_XG_ERROR(xg::linalg::lu_factor(xg::stack({xg::eye(2, xg::kFloat64), S})),
                  "linalg.lu_factor: (Batch element 1): U[1,1] is zero");
  EXPECT_XG_ERROR(xg::linalg::lu_factor(xg::zeros({3})), "linalg.lu_factor: A must have at least 2 dimensions, got (3,)");
  EXPECT_XG_ERROR(xg::linalg::lu_factor(xg::zeros({2, 2}, xg::kInt64)), "linalg.lu_factor: expected a float32 or float64 A");
  EXPECT_XG_ERROR(xg::linalg::lu(S, false), "linalg.lu: LU without pivoting is not implemented");
  const auto [LU, piv] = xg::linalg::lu_factor(xg::eye(3, xg::kFloat64) + 1.0);
  EXPECT_XG_ERROR(xg::linalg::lu_solve(LU, piv, xg::zeros({2, 1}, xg::kFloat64)), "linalg.lu_solve: B (2,1) must have 3 rows for LU (3,3)");
  EXPECT_XG_ERROR(xg::linalg::lu_solve(LU, piv, xg::zeros({1, 2}, xg::kFloat64), false), "must have 3 columns", "left = false");
  EXPECT_XG_ERROR(xg::linalg::lu_solve(LU, piv.to(xg::kFloat64), xg::zeros({3, 1}, xg::kFloat64)),
                  "linalg.lu_solve: expected int64 pivots, got float64");
  EXPECT_XG_ERROR(xg::linalg::lu_solve(LU, piv.narrow(0, 0, 2), xg::zeros({3, 1}, xg::kFloat64)),
                  "linalg.lu_solve: pivots (2,) must be (3,) for LU (3,3)");
  EXPECT_XG_ERROR(xg::linalg::lu_solve(LU, xg::tensor({1, 1, 1}, xg::kInt64), xg::zeros({3, 1}, xg::kFloat64)),
                  "linalg.lu_solve: pivots must lie in [i + 1, 3]", "element 1 (flat) is 1");
  EXPECT_XG_ERROR(xg::linalg::lu_solve(LU, xg::tensor({4, 2, 3}, xg::kInt64), xg::zeros({3, 1}, xg::kFloat64)),
                  "element 0 (flat) is 4");
  EXPECT_XG_ERROR(xg::linalg::lu_solve(LU, piv, xg::zeros({3, 1})), "linalg.lu_solve: expected A and B of one dtype");
  EXPECT_XG_ERROR(xg::linalg::lu_solve(xg::zeros({2, 3}, xg::kFloat64), piv, xg::zeros({3, 1}, xg::kFloat64)),
                  "linalg.lu_solve: A must be batches of square matrices");
  EXPECT_XG_ERROR(xg::lu_unpack(LU, xg::Tensor()), "lu_unpack: pivots is undefined");
}

TEST(LinalgLu, EmptyShapesGiveEmptyResults) {
  // No right-hand sides, no matrices in the batch, and matrices with no rows: PyTorch's shapes.
  const auto [LU, piv] = xg::linalg::lu_factor(xg::eye(3, xg::kFloat64).expand({2, 3, 3}).contiguous());
  const Tensor B = xg::zeros({2, 3, 0}, xg::kFloat64).requires_grad_();
  const Tensor X = xg::linalg::lu_solve(LU, piv, B);
  EXPECT_EQ(X.shape(), (xg::Shape{2, 3, 0}));
  EXPECT_EQ(xg::grad({X.sum()}, {B})[0].shape(), B.shape());
  const auto [LU0, piv0] = xg::linalg::lu_factor(xg::zeros({0, 4, 4}, xg::kFloat64));
  EXPECT_EQ(piv0.shape(), (xg::Shape{0, 4}));
  const auto [P, L, U] = xg::linalg::lu(xg::zeros({2, 0, 3}, xg::kFloat64));
  EXPECT_EQ(P.shape(), (xg::Shape{2, 0, 0}));
  EXPECT_EQ(L.shape(), (xg::Shape{2, 0, 0}));
  EXPECT_EQ(U.shape(), (xg::Shape{2, 0, 3}));
}
