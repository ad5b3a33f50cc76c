// xg::linalg's SVD, QR, pseudo-inverse and matrix norms against PyTorch 1.13 in float64
// (tests/fixtures/torch_linalg.npz from scripts/make_linalg_fixtures.py): values and
// gradients in both backward forms, gradcheck and gradgradcheck, the factorizations'
// identities in float32, PyTorch's edges, errors naming the call.
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

xg::Tensor svd_parts(const xg::Tensor& a, bool full, std::int64_t k = -1) {
  auto [U, S, Vh] = xg::linalg::svd(a, full);
  if (k >= 0) U = U.narrow(-1, 0, k), Vh = Vh.narrow(-2, 0, k);
  return xg::cat({S.flatten(), (U * U).flatten(), (Vh * Vh).flatten()});
}

xg::Tensor qr_parts(const xg::Tensor& a, const std::string& mode) {
  auto [Q, R] = xg::linalg::qr(a, mode);
  return xg::cat({Q.flatten(), R.flatten()});
}

struct Case {
  const char* name;
  std::function<xg::Tensor(const xg::Tensor&)> f;
};

// The cases of scripts/make_linalg_fixtures.py from svd_tall on, in its order.
const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"svd_tall", [](const xg::Tensor& a) { return svd_parts(a, false); }},
      {"svd_wide_batch", [](const xg::Tensor& a) { return svd_parts(a, false); }},
      {"svd_full_tall", [](const xg::Tensor& a) { return svd_parts(a, true, 3); }},
      {"svdvals", [](const xg::Tensor& a) { return xg::linalg::svdvals(a); }},
      {"qr_tall", [](const xg::Tensor& a) { return qr_parts(a, "reduced"); }},
      {"qr_wide_batch", [](const xg::Tensor& a) { return qr_parts(a, "reduced"); }},
      {"qr_complete_square", [](const xg::Tensor& a) { return qr_parts(a, "complete"); }},
      {"pinv", [](const xg::Tensor& a) { return xg::linalg::pinv(a); }},
      {"pinv_rank_two", [](const xg::Tensor& a) { return xg::linalg::pinv(a); }},
      {"matrix_norm_fro", [](const xg::Tensor& a) { return xg::linalg::matrix_norm(a); }},
      {"matrix_norm_nuc", [](const xg::Tensor& a) { return xg::linalg::matrix_norm(a, "nuc"); }},
      {"matrix_norm_2", [](const xg::Tensor& a) { return xg::linalg::matrix_norm(a, 2); }},
      {"matrix_norm_minus2_dims", [](const xg::Tensor& a) { return xg::linalg::matrix_norm(a, -2, {0, 2}, true); }},
      {"matrix_norm_1", [](const xg::Tensor& a) { return xg::linalg::matrix_norm(a, 1); }},
      {"matrix_norm_minus_inf",
       [](const xg::Tensor& a) { return xg::linalg::matrix_norm(a, -std::numeric_limits<double>::infinity()); }}};
  return all;
}

}  // namespace

TEST(LinalgSvdQr, MatchPyTorch) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const xg::tensor_list in = xg::test::fixture_inputs("torch_linalg.npz", c.name, 1);
    xg::test::expect_fixture_case("torch_linalg.npz", c.name, c.f(in[0]), in, 1e-12, 1e-10);
  }
}

TEST(LinalgSvdQr, GradcheckAndGradgradcheck) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const std::string k = c.name;
    // The norms' max and min sit away from ties at the fixtures' points; pinv of rank 2 is
    // checked along rank-2 perturbations only (its rank would change), so it is skipped.
    if (k == "pinv_rank_two") continue;
    const auto f = [&](L v) { return c.f(v[0]); };
    EXPECT_TRUE(gradcheck_ok(f, {fx(k + ".in0").clone().requires_grad_()}));
    EXPECT_TRUE(gradgradcheck_ok(f, {fx(k + ".in0").clone().requires_grad_()}));
  }
}

TEST(LinalgSvdQr, FactorizationsHoldInFloat32) {
  xg::manual_seed(5);
  const auto A = xg::randn({2, 6, 4});
  auto [U, S, Vh] = xg::linalg::svd(A);  // full: U (6, 6), Vh (4, 4)
  ASSERT_EQ(U.shape(), (xg::Shape{2, 6, 6}));
  ASSERT_EQ(Vh.shape(), (xg::Shape{2, 4, 4}));
  EXPECT_LT(max_abs_diff(xg::matmul(mT(U), U), xg::eye(6).expand({2, 6, 6})), 1e-5);
  EXPECT_LT(max_abs_diff(xg::matmul(U.narrow(-1, 0, 4) * S.unsqueeze(-2), Vh), A), 1e-5);
  for (std::int64_t i = 1; i < 4; ++i) EXPECT_GE(S.at({0, i - 1}), S.at({0, i}));  // descending
  EXPECT_LT(max_abs_diff(xg::linalg::svdvals(A), S), 1e-5);  // LAPACK's path without vectors: other roundings
  auto [Q, R] = xg::linalg::qr(A);
  EXPECT_LT(max_abs_diff(xg::matmul(Q, R), A), 1e-5);
  EXPECT_EQ(max_abs_diff(xg::tril(R, -1), xg::zeros({2, 4, 4})), 0.0);
  auto [Qc, Rc] = xg::linalg::qr(A, "complete");
  EXPECT_EQ(Qc.shape(), (xg::Shape{2, 6, 6}));
  EXPECT_LT(max_abs_diff(xg::matmul(Qc, Rc), A), 1e-5);
  EXPECT_EQ(std::get<1>(xg::linalg::qr(A, "r")).to_vector<float>(), R.to_vector<float>());
  const auto P = xg::linalg::pinv(A);
  EXPECT_LT(max_abs_diff(xg::matmul(xg::matmul(A, P), A), A), 1e-5);
  EXPECT_NEAR(xg::linalg::matrix_norm(A.select(0, 0), 2).item(), S.at({0, 0}), 1e-6);
}

TEST(LinalgSvdQr, PyTorchsEdges) {
  // Empty matrices: no singular values; the full bases are identities.
  auto [U, S, Vh] = xg::linalg::svd(xg::zeros({3, 0}));
  EXPECT_EQ(S.shape(), (xg::Shape{0}));
  EXPECT_EQ(U.to_vector<float>(), xg::eye(3).to_vector<float>());
  EXPECT_EQ(Vh.shape(), (xg::Shape{0, 0}));
  EXPECT_EQ(xg::linalg::pinv(xg::zeros({2, 0})).shape(), (xg::Shape{0, 2}));
  // pinv drops singular values at or below the tolerance: a zero matrix gives zeros.
  EXPECT_EQ(xg::linalg::pinv(xg::zeros({2, 3}, xg::kFloat64)).abs().max().item(), 0.0);
  EXPECT_NEAR(xg::linalg::pinv(xg::tensor({{2.0, 0.0}, {0.0, 1e-20}}, xg::kFloat64)).at({0, 0}), 0.5, 1e-15);
  EXPECT_EQ(xg::linalg::pinv(xg::tensor({{2.0, 0.0}, {0.0, 0.5}}, xg::kFloat64), /*atol=*/1.0).at({1, 1}), 0.0);
  // The gradient of the columns of a full U past min(m, n) is ignored, as PyTorch documents.
  const auto a = xg::randn({4, 2}, xg::kFloat64).requires_grad_();
  auto [Uf, Sf, Vf] = xg::linalg::svd(a);
  EXPECT_EQ(xg::grad({Uf.narrow(-1, 2, 2).pow(2).sum()}, {a})[0].abs().max().item(), 0.0);
}

TEST(LinalgSvdQr, ErrorsNameTheCall) {
  EXPECT_XG_ERROR(xg::linalg::svd(xg::zeros({3})), "linalg.svd: A must have at least 2 dimensions, got (3,)");
  EXPECT_XG_ERROR(xg::linalg::svdvals(xg::zeros({2, 2}, xg::kInt64)), "linalg.svdvals: expected a float32 or float64 A, got int64");
  EXPECT_XG_ERROR(xg::linalg::qr(xg::zeros({2, 2}), "full"), "linalg.qr: mode must be \"reduced\", \"complete\" or \"r\", got \"full\"");
  EXPECT_XG_ERROR(xg::linalg::qr(xg::zeros({2, 2}).requires_grad_(), "r"), "linalg.qr: the derivative of R depends on Q");
  EXPECT_XG_ERROR(xg::linalg::qr(xg::zeros({3, 2}).requires_grad_(), "complete"),
                  "linalg.qr: the QR decomposition is not differentiable when mode=\"complete\" and nrows > ncols ((3,2))");
  EXPECT_XG_ERROR(xg::linalg::matrix_norm(xg::zeros({2, 2}), 3), "linalg.matrix_norm: ord must be 1, -1, 2, -2, inf, -inf");
  EXPECT_XG_ERROR(xg::linalg::matrix_norm(xg::zeros({2, 2}), "max"), "linalg.matrix_norm: ord must be \"fro\" or \"nuc\"");
  EXPECT_XG_ERROR(xg::linalg::matrix_norm(xg::zeros({2, 2}), "fro", {0}), "linalg.matrix_norm: dim must name 2 axes, got (0,)");
  EXPECT_XG_ERROR(xg::linalg::pinv(xg::zeros({2, 2}), -1.0), "linalg.pinv: atol and rtol must be at least 0");
}
