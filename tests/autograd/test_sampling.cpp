// multinomial and bernoulli: the draws follow the given probabilities (frequencies within
// five standard deviations over thousands of draws), zero probabilities are never drawn,
// draws without replacement are distinct, a seed repeats them, and bad probabilities get
// PyTorch's messages.
#include <cmath>
#include <limits>
#include <set>

#include "test_util.h"

namespace {

// The fraction of `draws` (int64) equal to each of `n` categories.
std::vector<double> frequencies(const xg::Tensor& draws, std::int64_t n) {
  std::vector<double> f(static_cast<std::size_t>(n), 0.0);
  const auto v = draws.to_vector<std::int64_t>();
  for (const auto k : v) {
    EXPECT_GE(k, 0);
    EXPECT_LT(k, n);
    if (k >= 0 && k < n) f[static_cast<std::size_t>(k)] += 1.0 / static_cast<double>(v.size());
  }
  return f;
}

void expect_frequencies(const std::vector<double>& f, const std::vector<double>& p, double draws) {
  for (std::size_t k = 0; k < p.size(); ++k) {
    const double sigma = std::sqrt(p[k] * (1 - p[k]) / draws);
    if (p[k] == 0) EXPECT_EQ(f[k], 0.0) << "category " << k << " has probability 0";
    else EXPECT_NEAR(f[k], p[k], 5 * sigma + 1e-12) << "category " << k;
  }
}

}  // namespace

TEST(Sampling, MultinomialWithReplacementFollowsTheWeights) {
  xg::manual_seed(3);
  // Unnormalised weights, as torch::multinomial takes them.
  const auto w = xg::tensor({0.2, 0.0, 1.2, 0.6}, xg::kFloat64);
  const auto d = xg::multinomial(w, 20000, true);
  EXPECT_EQ(d.shape(), (xg::Shape{20000}));
  EXPECT_EQ(d.dtype(), xg::kInt64);
  expect_frequencies(frequencies(d, 4), {0.1, 0.0, 0.6, 0.3}, 20000);
  // Rows are drawn independently, each from its own weights.
  const auto rows = xg::tensor({{0.0, 0.0, 1.0}, {5.0, 0.0, 0.0}, {0.0, 2.0, 0.0}});
  const auto r = rows.multinomial(7, true);
  ASSERT_EQ(r.shape(), (xg::Shape{3, 7}));
  const auto v = r.to_vector<std::int64_t>();
  for (std::size_t j = 0; j < 7; ++j) {
    EXPECT_EQ(v[j], 2);
    EXPECT_EQ(v[7 + j], 0);
    EXPECT_EQ(v[14 + j], 1);
  }
}

TEST(Sampling, MultinomialWithoutReplacementIsDistinctAndFirstDrawFollowsTheWeights) {
  xg::manual_seed(4);
  const std::vector<double> p{0.1, 0.0, 0.6, 0.3};
  const auto rows = xg::tensor(p, {1, 4}, xg::kFloat64).expand({20000, 4});
  const auto d = xg::multinomial(rows, 3, false);  // as many as the nonzero categories
  ASSERT_EQ(d.shape(), (xg::Shape{20000, 3}));
  const auto v = d.to_vector<std::int64_t>();
  for (std::size_t r = 0; r < 20000; r += 97) {
    const std::set<std::int64_t> seen{v[3 * r], v[3 * r + 1], v[3 * r + 2]};
    EXPECT_EQ(seen, (std::set<std::int64_t>{0, 2, 3})) << "row " << r;
  }
  expect_frequencies(frequencies(d.select(1, 0), 4), p, 20000);
  // The default is without replacement, as torch::multinomial's.
  const auto one = xg::multinomial(xg::tensor({1.0, 1.0, 1.0, 1.0}), 4).to_vector<std::int64_t>();
  EXPECT_EQ(std::set<std::int64_t>(one.begin(), one.end()).size(), 4u);
}

TEST(Sampling, ASeedRepeatsTheDraws) {
  const auto w = xg::tensor({0.5, 0.25, 0.25});
  xg::manual_seed(11);
  const auto a = xg::multinomial(w, 50, true), b = xg::bernoulli(xg::full({50}, 0.5));
  xg::manual_seed(11);
  EXPECT_EQ(a.to_vector<std::int64_t>(), xg::multinomial(w, 50, true).to_vector<std::int64_t>());
  EXPECT_EQ(b.to_vector<float>(), xg::bernoulli(xg::full({50}, 0.5)).to_vector<float>());
}

TEST(Sampling, BernoulliFollowsItsProbabilities) {
  xg::manual_seed(5);
  const auto p = xg::full({20000}, 0.3, xg::kFloat64);
  const auto d = xg::bernoulli(p);
  EXPECT_EQ(d.dtype(), xg::kFloat64);
  const auto v = d.to_vector<double>();
  double ones = 0;
  for (const double x : v) {
    EXPECT_TRUE(x == 0.0 || x == 1.0);
    ones += x;
  }
  EXPECT_NEAR(ones / 20000, 0.3, 5 * std::sqrt(0.3 * 0.7 / 20000));
  EXPECT_TRUE(xg::test::values_near(xg::bernoulli(xg::tensor({0.0, 1.0, 0.0, 1.0})), {0, 1, 0, 1}, 0));
  EXPECT_TRUE(xg::test::values_near(xg::bernoulli(xg::zeros({3}), 1.0), {1, 1, 1}, 0));
  EXPECT_TRUE(xg::test::values_near(xg::bernoulli(xg::zeros({3}), 0.0), {0, 0, 0}, 0));
  const auto ints = xg::bernoulli(xg::zeros({4}, xg::kInt64), 0.5);
  EXPECT_EQ(ints.dtype(), xg::kInt64);
}

TEST(Sampling, BadProbabilitiesGetPyTorchsMessages) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_XG_ERROR(xg::multinomial(xg::tensor({0.5, -0.1}), 1), "multinomial: probability tensor contains either inf, nan or element < 0");
  EXPECT_XG_ERROR(xg::multinomial(xg::tensor({0.5, nan}), 1), "multinomial: probability tensor contains either inf, nan");
  EXPECT_XG_ERROR(xg::multinomial(xg::tensor({{0.5, 0.5}, {0.0, 0.0}}), 1, true),
                  "multinomial: invalid multinomial distribution (sum of probabilities <= 0)");
  EXPECT_XG_ERROR(xg::multinomial(xg::tensor({0.5, 0.0, 0.5}), 3),
                  "multinomial: invalid multinomial distribution (with replacement=False, not enough non-negative",
                  "a row has 2 nonzero probabilities for 3 samples");
  EXPECT_XG_ERROR(xg::multinomial(xg::tensor({0.5, 0.5}), 3), "multinomial: cannot sample 3 > 2 categories without replacement");
  EXPECT_XG_ERROR(xg::multinomial(xg::tensor({0.5, 0.5}), 0, true), "multinomial: cannot sample n_sample <= 0 samples, got 0");
  EXPECT_XG_ERROR(xg::multinomial(xg::zeros({2, 2, 2}), 1), "multinomial: expected a 1-D or 2-D tensor of probabilities, got (2,2,2)");
  EXPECT_XG_ERROR(xg::multinomial(xg::zeros({3}, xg::kInt64), 1), "multinomial: expected float probabilities, got int64");
  EXPECT_XG_ERROR(xg::multinomial(xg::zeros({2, 0}), 1, true), "multinomial: no categories to draw from in (2,0)");
  EXPECT_XG_ERROR(xg::bernoulli(xg::tensor({0.5, 1.5})), "bernoulli: expected all probabilities in [0, 1]");
  EXPECT_XG_ERROR(xg::bernoulli(xg::tensor({nan})), "bernoulli: expected all probabilities in [0, 1]");
  EXPECT_XG_ERROR(xg::bernoulli(xg::zeros({2}), -0.5), "bernoulli: expected 0 <= p <= 1, got -0.5");
}
