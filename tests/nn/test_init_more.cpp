// nn::init's orthogonal_, trunc_normal_, dirac_ and sparse_: the properties PyTorch's give
// (orthogonality in PyTorch's orientation, the house's (in, out) Linear.W included; the
// truncated normal's range and moments; dirac_'s identity; sparse_'s zeros per column), and
// their errors.
#include <cmath>

#include "test_util.h"

using xg::test::max_abs_diff;
namespace init = xg::nn::init;

TEST(InitOrthogonal, RowsOrColumnsAreOrthonormalScaledByGain) {
  xg::manual_seed(7);
  // Tall (6, 4): orthonormal columns; wide (3, 5): orthonormal rows; gain scales both.
  auto tall = xg::empty({6, 4}, xg::kFloat64);
  init::orthogonal_(tall, 2.0);
  EXPECT_LT(max_abs_diff(xg::matmul(tall.t(), tall), 4.0 * xg::eye(4, xg::kFloat64)), 1e-12);
  auto wide = xg::empty({3, 5});
  init::orthogonal_(wide);
  EXPECT_LT(max_abs_diff(xg::matmul(wide, wide.t()), xg::eye(3)), 1e-6);
  // A convolution filter (FN, C, FH, FW): its FN rows of C·FH·FW values are orthonormal.
  auto filter = xg::empty({4, 2, 3, 3}, xg::kFloat64);
  init::orthogonal_(filter);
  const auto rows = filter.reshape({4, 18});
  EXPECT_LT(max_abs_diff(xg::matmul(rows, rows.t()), xg::eye(4, xg::kFloat64)), 1e-12);
  // The house's Linear.W is (in, out) = (5, 3), PyTorch's (3, 5) transposed: orthonormal rows
  // there are orthonormal columns here, what a tall matrix gets.
  xg::nn::Linear layer(5, 3);
  init::orthogonal_(layer.W);
  EXPECT_LT(max_abs_diff(xg::matmul(layer.W.t(), layer.W), xg::eye(3)), 1e-6);
  // Draws differ from call to call; the matrix is uniform over orthogonal ones (R's signs).
  auto again = xg::empty({6, 4}, xg::kFloat64);
  init::orthogonal_(again, 2.0);
  EXPECT_GT(max_abs_diff(again, tall), 0.1);
  EXPECT_XG_ERROR(init::orthogonal_(xg::empty({4})), "orthogonal_: only tensors with 2 or more dimensions are supported, got (4,)");
}

TEST(InitTruncNormal, StaysInRangeWithTheTruncatedMoments) {
  xg::manual_seed(8);
  auto w = xg::empty({200000}, xg::kFloat64);
  init::trunc_normal_(w);  // N(0, 1) on [-2, 2]
  EXPECT_GE(w.min().item(), -2.0);
  EXPECT_LE(w.max().item(), 2.0);
  EXPECT_NEAR(w.mean().item(), 0.0, 0.01);
  // The standard deviation of N(0, 1) truncated to [-2, 2]: sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)).
  const double phi2 = std::exp(-2.0) / std::sqrt(2 * M_PI), Z = std::erf(2 / std::sqrt(2.0));
  EXPECT_NEAR(w.std().item(), std::sqrt(1 - 4 * phi2 / Z), 0.005);
  // A one-sided window [0, 3] of N(0, 1): mean (phi(0) - phi(3)) / (Phi(3) - Phi(0)).
  init::trunc_normal_(w, 0.0, 1.0, 0.0, 3.0);
  EXPECT_GE(w.min().item(), 0.0);
  EXPECT_LE(w.max().item(), 3.0);
  const double phi0 = 1 / std::sqrt(2 * M_PI), phi3 = std::exp(-4.5) / std::sqrt(2 * M_PI);
  EXPECT_NEAR(w.mean().item(), (phi0 - phi3) / (0.5 * std::erf(3 / std::sqrt(2.0))), 0.01);
  // ViT's use: std 0.02 within [-2, 2] is a plain N(0, 0.02²) in practice.
  auto vit = xg::empty({100000});
  init::trunc_normal_(vit, 0.0, 0.02);
  EXPECT_NEAR(vit.std().item(), 0.02, 0.0005);
  EXPECT_XG_ERROR(init::trunc_normal_(w, 0.0, 0.0), "trunc_normal_: std must be positive and finite, got 0");
  EXPECT_XG_ERROR(init::trunc_normal_(w, 0.0, 1.0, 1.0, -1.0), "trunc_normal_: expected a < b, got a = 1 and b = -1");
}

TEST(InitDiracAndSparse, DiracPassesTheInputThroughAndSparseZeroesEachColumn) {
  // A 3x3 convolution with a dirac_ weight (padding 1) is the identity on its channels; with
  // more outputs than inputs the extra channels are zero; groups keep each group's identity.
  const auto x = xg::randn({2, 3, 5, 6}, xg::kFloat64);
  auto w = xg::empty({3, 3, 3, 3}, xg::kFloat64);
  xg::nn::init::dirac_(w);
  EXPECT_EQ(xg::test::max_abs_diff(xg::conv2d(x, w, {}, 1, 1), x), 0);
  auto wide = xg::empty({4, 3, 3}, xg::kFloat64);
  xg::nn::init::dirac_(wide);
  const auto seq = xg::randn({1, 3, 7}, xg::kFloat64);
  const auto y = xg::conv1d(seq, wide, {}, 1, 1);
  EXPECT_EQ(xg::test::max_abs_diff(y.narrow(1, 0, 3), seq), 0);
  EXPECT_EQ(y.select(1, 3).abs().max().item(), 0);
  auto grouped = xg::empty({4, 2, 1, 3, 3}, xg::kFloat64);
  xg::nn::init::dirac_(grouped, 2);
  const auto vol = xg::randn({1, 4, 2, 4, 4}, xg::kFloat64);
  EXPECT_EQ(xg::test::max_abs_diff(xg::conv3d(vol, grouped, {}, 1, {0, 1, 1}, 1, 2), vol), 0);
  EXPECT_XG_ERROR(xg::nn::init::dirac_(xg::empty({3, 3})), "dirac_: only tensors with 3, 4 or 5 dimensions");
  EXPECT_XG_ERROR(xg::nn::init::dirac_(xg::empty({3, 3, 3}), 2), "dirac_: groups must be positive and divide the weight's first axis 3, got 2");

  xg::manual_seed(9);
  auto s = xg::empty({200, 30}, xg::kFloat64);
  xg::nn::init::sparse_(s, 0.25, 0.5);
  const auto zero_per_column = (s == 0.0).to(xg::kFloat64).sum({0});
  EXPECT_EQ(zero_per_column.min().item(), 50);  // ceil(0.25 · 200) in every column
  EXPECT_EQ(zero_per_column.max().item(), 50);
  const auto kept = xg::masked_select(s, (s != 0.0).to(xg::kInt64));
  EXPECT_NEAR(kept.std().item(), 0.5, 0.03);
  EXPECT_XG_ERROR(xg::nn::init::sparse_(s, 1.5), "sparse_: sparsity must be in [0, 1], got 1.5");
  EXPECT_XG_ERROR(xg::nn::init::sparse_(xg::empty({2, 3, 4}), 0.1), "sparse_: only 2-D tensors are supported, got (2,3,4)");
}
