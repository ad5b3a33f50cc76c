// xg::linalg's products and counts against PyTorch 1.13 in float64 (tests/fixtures/
// torch_linalg.npz from scripts/make_linalg_fixtures.py): matrix_power, multi_dot (and the
// order it multiplies in), cross, vector_norm, matrix_rank; gradients of every input, both
// backward forms, gradcheck and gradgradcheck, errors naming the call.
#include <limits>

#include "test_util.h"

using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {

xg::Tensor fx(const std::string& key) { return xg::test::fixture("torch_linalg.npz", key); }

struct Case {
  const char* name;
  std::size_t inputs;
  std::function<xg::Tensor(L)> f;
};

// The cases of scripts/make_linalg_fixtures.py from matrix_power_3 on, in its order.
const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"matrix_power_3", 1, [](L v) { return xg::linalg::matrix_power(v[0], 3); }},
      {"matrix_power_minus2_batch", 1, [](L v) { return xg::matrix_power(v[0], -2); }},
      {"multi_dot_vectors", 5, [](L v) { return xg::linalg::multi_dot(v); }},
      {"multi_dot_matrices", 3, [](L v) { return xg::linalg::multi_dot(v); }},
      {"cross", 2, [](L v) { return xg::linalg::cross(v[0], v[1]); }},
      {"cross_dim0", 2, [](L v) { return xg::linalg::cross(v[0], v[1], 0); }},
      {"vector_norm_3", 1, [](L v) { return xg::linalg::vector_norm(v[0], 3, {0, 2}, true); }}};
  return all;
}

xg::tensor_list inputs_of(const Case& c) { return xg::test::fixture_inputs("torch_linalg.npz", c.name, c.inputs); }

}  // namespace

TEST(LinalgProducts, MatchPyTorch) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const xg::tensor_list in = inputs_of(c);
    xg::test::expect_fixture_case("torch_linalg.npz", c.name, c.f(in), in, 1e-12, 1e-11);
  }
}

TEST(LinalgProducts, GradcheckAndGradgradcheck) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(gradcheck_ok(c.f, inputs_of(c)));
    EXPECT_TRUE(gradgradcheck_ok(c.f, inputs_of(c)));
  }
}

TEST(LinalgProducts, PowersOrdersAndRanks) {
  const auto A = xg::tensor({{1.0, 1.0}, {0.0, 1.0}}, xg::kFloat64);
  EXPECT_EQ(xg::linalg::matrix_power(A, 10).to_vector<double>(), (std::vector<double>{1, 10, 0, 1}));
  EXPECT_EQ(xg::linalg::matrix_power(A, -3).to_vector<double>(), (std::vector<double>{1, -3, 0, 1}));
  EXPECT_EQ(xg::linalg::matrix_power(A.expand({3, 2, 2}), 0).to_vector<double>(),
            xg::eye(2, xg::kFloat64).expand({3, 2, 2}).to_vector<double>());
  // multi_dot multiplies the cheap way round: (2 x 50)(50 x 50)(50 x 1) as A (B c) takes 2600
  // multiply-adds, (A B) c 5100. Random float32 values round differently in the two orders,
  // so the bits show which one ran.
  xg::manual_seed(9);
  const auto a = xg::randn({2, 50}), b = xg::randn({50, 50}), c = xg::randn({50, 1});
  const auto cheap = xg::matmul(a, xg::matmul(b, c)), dear = xg::matmul(xg::matmul(a, b), c);
  ASSERT_NE(cheap.to_vector<float>(), dear.to_vector<float>());
  EXPECT_EQ(xg::linalg::multi_dot({a, b, c}).to_vector<float>(), cheap.to_vector<float>());
  // ... and the other way round for (1 x 50)(50 x 50)(50 x 2).
  const auto r = xg::randn({1, 50}), s = xg::randn({50, 2});
  EXPECT_EQ(xg::linalg::multi_dot({r, b, s}).to_vector<float>(), xg::matmul(xg::matmul(r, b), s).to_vector<float>());
  // matrix_rank: PyTorch's tolerance; a rank-2 product, a hermitian one, batches.
  xg::manual_seed(4);
  const auto r2 = xg::matmul(xg::randn({5, 2}, xg::kFloat64), xg::randn({2, 4}, xg::kFloat64));
  EXPECT_EQ(xg::linalg::matrix_rank(r2).item<std::int64_t>(), 2);
  EXPECT_EQ(xg::linalg::matrix_rank(xg::matmul(r2, r2.t()), std::nullopt, std::nullopt, true).item<std::int64_t>(), 2);
  EXPECT_EQ(xg::linalg::matrix_rank(xg::stack({r2, xg::zeros({5, 4}, xg::kFloat64)})).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{2, 0}));
  EXPECT_EQ(xg::linalg::matrix_rank(xg::tensor({{1.0, 0.0}, {0.0, 1e-3}}, xg::kFloat64), 0.01).item<std::int64_t>(), 1);
}

TEST(LinalgProducts, ErrorsNameTheCall) {
  EXPECT_XG_ERROR(xg::linalg::matrix_power(xg::zeros({2, 3}), 2),
                  "linalg.matrix_power: A must be batches of square matrices, but they are 2 by 3 matrices: (2,3)");
  EXPECT_XG_ERROR(xg::linalg::multi_dot({xg::zeros({2, 2})}), "linalg.multi_dot: expected at least 2 tensors but got 1");
  EXPECT_XG_ERROR(xg::linalg::multi_dot({xg::zeros({2, 3}), xg::zeros({4}), xg::zeros({4, 2})}),
                  "linalg.multi_dot: tensor 1 must be 2-D, got (4,)");
  EXPECT_XG_ERROR(xg::linalg::multi_dot({xg::zeros({2, 3}), xg::zeros({4, 2})}),
                  "linalg.multi_dot: tensors 0 and 1 cannot be multiplied: (2,3) and (4,2)");
  EXPECT_XG_ERROR(xg::linalg::cross(xg::zeros({2, 3}), xg::zeros({2, 2})), "linalg.cross: inputs dimension -1 must have length 3");
  EXPECT_XG_ERROR(xg::linalg::cross(xg::zeros({2, 3}), xg::zeros({3})), "linalg.cross: input and other must have the same number of dimensions");
  EXPECT_XG_ERROR(xg::linalg::matrix_rank(xg::zeros({2, 3}), std::nullopt, std::nullopt, true),
                  "linalg.matrix_rank: a hermitian A must be square, got (2,3)");
  EXPECT_XG_ERROR(xg::linalg::matrix_rank(xg::zeros({2, 2}), -1.0), "linalg.matrix_rank: atol and rtol must be at least 0");
}
