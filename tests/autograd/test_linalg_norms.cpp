// linalg::norm, linalg::cond, linalg::vecdot and linalg::vander: values and gradients against
// PyTorch 1.13 (tests/fixtures/torch_linalg_norms.npz, scripts/make_linalg_norms_fixtures.py),
// numerical checks of every order, the singular case and the errors.
#include <cmath>

#include <xgrad/linalg.h>

#include "test_util.h"

using xg::Tensor;
using xg::test::expect_fixture_case;
using xg::test::fixture;
using xg::test::fixture_inputs;
using xg::test::max_abs_diff;
using xg::test::randp;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_linalg_norms.npz";
constexpr double kInf = INFINITY;
}  // namespace

TEST(LinalgNorms, NormPicksPyTorchsNorm) {
  namespace la = xg::linalg;
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> cases = {
      {"norm_flat", [](const Tensor& a) { return la::norm(a); }},
      {"norm_vector_ord3", [](const Tensor& a) { return la::norm(a, 3.0); }},
      {"norm_vector_inf", [](const Tensor& a) { return la::norm(a, kInf); }},
      {"norm_matrix_ord1", [](const Tensor& a) { return la::norm(a, 1.0); }},
      {"norm_matrix_ord2", [](const Tensor& a) { return la::norm(a, 2.0); }},
      {"norm_matrix_fro", [](const Tensor& a) { return la::norm(a, "fro"); }},
      {"norm_matrix_nuc", [](const Tensor& a) { return la::norm(a, "nuc"); }},
      {"norm_dim1", [](const Tensor& a) { return la::norm(a, std::nullopt, xg::Axes{1}); }},
      {"norm_dim1_ord0_5_keep", [](const Tensor& a) { return la::norm(a, 0.5, xg::Axes{-1}, true); }},
      {"norm_dims_02", [](const Tensor& a) { return la::norm(a, std::nullopt, xg::Axes{0, 2}); }},
      {"norm_dims_inf_keep", [](const Tensor& a) { return la::norm(a, -kInf, xg::Axes{2, 1}, true); }},
      {"norm_dims_nuc", [](const Tensor& a) { return la::norm(a, "nuc", xg::Axes{-2, -1}); }},
  };
  for (const auto& [c, f] : cases) {
    SCOPED_TRACE(c);
    const auto in = fixture_inputs(kFile, c, 1);
    expect_fixture_case(kFile, c, f(in[0]), in, 1e-12, 1e-12);
  }
}

TEST(LinalgNorms, CondMatchesPyTorch) {
  namespace la = xg::linalg;
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> cases = {
      {"cond_none", [](const Tensor& a) { return la::cond(a); }},
      {"cond_2", [](const Tensor& a) { return la::cond(a, 2.0); }},
      {"cond_m2", [](const Tensor& a) { return la::cond(a, -2.0); }},
      {"cond_1", [](const Tensor& a) { return la::cond(a, 1.0); }},
      {"cond_m1", [](const Tensor& a) { return la::cond(a, -1.0); }},
      {"cond_inf", [](const Tensor& a) { return la::cond(a, kInf); }},
      {"cond_minf", [](const Tensor& a) { return la::cond(a, -kInf); }},
      {"cond_fro", [](const Tensor& a) { return la::cond(a, "fro"); }},
      {"cond_nuc", [](const Tensor& a) { return la::cond(a, "nuc"); }},
      {"cond_wide", [](const Tensor& a) { return la::cond(a); }},
  };
  for (const auto& [c, f] : cases) {
    SCOPED_TRACE(c);
    const auto in = fixture_inputs(kFile, c, 1);
    expect_fixture_case(kFile, c, f(in[0]), in, 1e-11, 1e-10);
    // torch.linalg.cond's own values, where the gradients came from its definition.
    const Tensor direct = fixture(kFile, std::string(c) + ".cond", false);
    if (direct.defined()) EXPECT_LT(max_abs_diff(f(in[0]), direct), 1e-11);
  }
  // A singular matrix: +inf for the norm-based p, as PyTorch's; σ_max / 0 for p = 2.
  const Tensor S = xg::tensor({1.0, 2.0, 2.0, 4.0}, {2, 2}, xg::kFloat64);
  EXPECT_EQ(la::cond(S, 1.0).item(), kInf);
  const auto both = la::cond(xg::stack({S, xg::eye(2, xg::kFloat64)}), "fro").to_vector<double>();
  EXPECT_EQ(both[0], kInf);
  EXPECT_NEAR(both[1], 2.0, 1e-15);  // the identity's: sqrt(2) sqrt(2)
  EXPECT_GT(la::cond(S).item(), 1e15);
  // The zero matrix: its "inverse" is 0/0 everywhere; still +inf, as PyTorch's.
  EXPECT_EQ(la::cond(xg::zeros({2, 2}, xg::kFloat64), 1.0).item(), kInf);
  EXPECT_EQ(la::cond(xg::zeros({2, 2}, xg::kFloat64), "fro").item(), kInf);
}

TEST(LinalgNorms, VecdotAndVanderMatchPyTorch) {
  for (const char* c : {"vecdot", "vecdot_dim0"}) {
    SCOPED_TRACE(c);
    const auto in = fixture_inputs(kFile, c, 2);
    expect_fixture_case(kFile, c, xg::linalg::vecdot(in[0], in[1], std::string(c) == "vecdot" ? -1 : 0), in, 1e-12, 1e-12);
  }
  const auto v = fixture_inputs(kFile, "vander", 1);
  expect_fixture_case(kFile, "vander", xg::linalg::vander(v[0]), v, 1e-12, 1e-12);
  const auto w = fixture_inputs(kFile, "vander_n5", 1);
  expect_fixture_case(kFile, "vander_n5", xg::linalg::vander(w[0], 5), w, 1e-12, 1e-12);
  // Integers stay exact int64 powers.
  const Tensor iv = xg::linalg::vander(xg::tensor({2, -3}, xg::kInt64), 4);
  EXPECT_EQ(iv.dtype(), xg::kInt64);
  EXPECT_EQ(iv.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 2, 4, 8, 1, -3, 9, -27}));
}

TEST(LinalgNorms, PassNumericalChecksOfEveryOrder) {
  const auto f = [](L v) {
    return xg::linalg::norm(v[0], 1.0) + xg::linalg::cond(v[0]) + xg::linalg::cond(v[0], "fro") +
           xg::linalg::vecdot(v[0], v[0]).sum() + xg::linalg::vander(v[0].select(0, 0), 3).sum();
  };
  const xg::tensor_list in{(randp({3, 3}) + xg::eye(3, xg::kFloat64) * 3.0).detach().requires_grad_()};
  EXPECT_TRUE(gradcheck_ok(f, in));
  EXPECT_TRUE(gradgradcheck_ok(f, in));
}

TEST(LinalgNorms, ErrorsNameTheCall) {
  const Tensor x3 = xg::zeros({2, 3, 4});
  EXPECT_XG_ERROR(xg::linalg::norm(x3, 2.0), "linalg.norm: with ord and no dim the input must be 1-D or 2-D, got (2,3,4)");
  EXPECT_XG_ERROR(xg::linalg::norm(x3, "fro"), "linalg.norm: ord \"fro\" with no dim needs a 2-D input");
  EXPECT_XG_ERROR(xg::linalg::norm(x3, std::nullopt, xg::Axes{0, 1, 2}), "linalg.norm: dim must name 1 or 2 axes");
  EXPECT_XG_ERROR(xg::linalg::norm(xg::zeros({2, 2}), 3.0), "linalg.norm: a matrix norm's ord must be 1, -1, 2, -2");
  EXPECT_XG_ERROR(xg::linalg::norm(xg::zeros({2, 2}), "max"), "linalg.norm: ord must be \"fro\" or \"nuc\"");
  EXPECT_XG_ERROR(xg::linalg::norm(xg::zeros({2}, xg::kInt64)), "linalg.norm: expected a float32 or float64 the input");
  EXPECT_XG_ERROR(xg::linalg::cond(xg::zeros({2, 3}), 1.0), "linalg.cond: A must be batches of square matrices");
  EXPECT_XG_ERROR(xg::linalg::cond(xg::zeros({2, 2}), 0.5), "linalg.cond: a matrix norm's ord");
  EXPECT_XG_ERROR(xg::linalg::vander(xg::scalar_tensor(1.0)), "linalg.vander: x must have at least 1 dimension");
  EXPECT_XG_ERROR(xg::linalg::vander(xg::zeros({3}), 0), "linalg.vander: N must be at least 1, got 0");
  EXPECT_XG_ERROR(xg::linalg::vecdot(xg::zeros({2}), xg::zeros({2}, xg::kInt64)), "linalg.vecdot: expected a float32 or float64 y");
}
