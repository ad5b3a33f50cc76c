// adaptive_avg_pool1d and adaptive_max_pool1d (functions, F:: forms and modules) against
// PyTorch 1.13 in float64 (tests/fixtures/torch_pool1d.npz from
// scripts/make_pool1d_fixtures.py): uneven, overlapping and global windows, 2-D inputs,
// indices, gradients plain and under create_graph; gradgradchecks and errors.
#include "test_util.h"

using namespace xg;
namespace F = xg::nn::functional;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_pool1d.npz";
}  // namespace

TEST(AdaptivePool1d, MatchesPyTorch) {
  for (const std::string name : {"avg1", "avg4", "avg7", "avg11", "avg15", "avg_2d", "max1", "max4", "max7", "max11",
                                 "max15", "max_2d"}) {
    SCOPED_TRACE(name);
    const tensor_list in = xg::test::fixture_inputs(kFile, name, 1);
    const std::int64_t size = name == "avg_2d" ? 3 : name == "max_2d" ? 5 : std::stoll(name.substr(3));
    if (name.rfind("avg", 0) == 0) {
      xg::test::expect_fixture_case(kFile, name, F::adaptive_avg_pool1d(in[0], F::AdaptiveAvgPool1dFuncOptions(size)), in,
                                    1e-12, 1e-12);
      continue;
    }
    nn::AdaptiveMaxPool1d pool(nn::AdaptiveMaxPool1dOptions{size});
    auto [values, indices] = pool.forward_with_indices(in[0]);
    EXPECT_EQ(indices.to_vector<std::int64_t>(), xg::test::fixture(kFile, name + ".i").to_vector<std::int64_t>());
    xg::test::expect_fixture_case(kFile, name, values, in, 1e-12, 1e-12);
    EXPECT_EQ(pool(in[0]).to_vector<double>(), values.to_vector<double>());
  }
}

TEST(AdaptivePool1d, GradgradcheckModulesAndErrors) {
  xg::manual_seed(3);
  const auto avg = [](L v) { return adaptive_avg_pool1d(v[0], 4) * adaptive_avg_pool1d(v[0], 4); };
  const auto max = [](L v) { return adaptive_max_pool1d(v[0], 3) * 2.0; };
  EXPECT_TRUE(gradcheck_ok(avg, {xg::randn({2, 2, 7}, kFloat64).requires_grad_()}));
  EXPECT_TRUE(gradgradcheck_ok(avg, {xg::randn({2, 2, 7}, kFloat64).requires_grad_()}));
  EXPECT_TRUE(gradgradcheck_ok(max, {xg::randn({3, 7}, kFloat64).requires_grad_()}));
  nn::AdaptiveAvgPool1d global(1);
  const Tensor x = xg::randn({4, 8, 50});
  EXPECT_EQ(global(x).shape(), (Shape{4, 8, 1}));
  EXPECT_LT(xg::test::max_abs_diff(global(x).squeeze(-1), x.mean({2})), 1e-6);
  EXPECT_XG_ERROR(adaptive_avg_pool1d(xg::zeros({2, 3, 4, 5}), 2),
                  "adaptive_avg_pool1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got 4-D (2,3,4,5)");
  EXPECT_XG_ERROR(adaptive_max_pool1d(xg::zeros({2, 3}), 0), "adaptive_max_pool1d: output_size must be positive, got 0");
  EXPECT_XG_ERROR(adaptive_avg_pool1d(xg::zeros({2, 0}), 1), "adaptive_avg_pool1d: the input's length is 0 in (2,0)");
  EXPECT_XG_ERROR(adaptive_max_pool1d(xg::zeros({2, 3}, kInt64), 1), "adaptive_max_pool1d: expected a float tensor, got int64");
  EXPECT_XG_ERROR(nn::AdaptiveMaxPool1d(2)(Tensor()), "adaptive_max_pool1d: the input is undefined");
}
