// libtorch's in-place random fills (autograd/tensor_random_fills.cpp): each distribution's
// moments, quantiles and support from 200,000 draws, the dtype and storage kept, the seed
// reproducing the values, and the errors naming the call.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "test_util.h"

using namespace xg;

namespace {
constexpr std::int64_t kDraws = 200000;

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}
double quantile_of(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}
}  // namespace

TEST(RandomFills, EachDistributionHasItsMomentsAndSupport) {
  manual_seed(21);
  // Exponential(2): mean 1/2, variance 1/4, nothing negative.
  auto e = empty({kDraws}, kFloat64);
  const auto ev = e.exponential_(2.0).to_vector<double>();
  EXPECT_NEAR(mean_of(ev), 0.5, 0.005);
  EXPECT_NEAR(quantile_of(ev, 0.5), std::log(2.0) / 2, 0.005);
  EXPECT_GE(*std::min_element(ev.begin(), ev.end()), 0.0);
  // Geometric(1/4): whole numbers from 1, mean 4, P(1) = 1/4; into int64 too.
  const auto gv = empty({kDraws}, kFloat64).geometric_(0.25).to_vector<double>();
  EXPECT_NEAR(mean_of(gv), 4.0, 0.05);
  EXPECT_NEAR(static_cast<double>(std::count(gv.begin(), gv.end(), 1.0)) / kDraws, 0.25, 0.005);
  for (double x : gv) ASSERT_TRUE(x >= 1 && x == std::floor(x)) << x;
  const auto gi = empty({1000}, kInt64).geometric_(0.5);
  EXPECT_EQ(gi.dtype(), kInt64);
  EXPECT_GE(gi.min().item<std::int64_t>(), 1);
  // Cauchy(1, 2): median 1, quartiles 1 -+ 2 (no mean to test).
  const auto cv = empty({kDraws}, kFloat64).cauchy_(1.0, 2.0).to_vector<double>();
  EXPECT_NEAR(quantile_of(cv, 0.5), 1.0, 0.04);
  EXPECT_NEAR(quantile_of(cv, 0.25), -1.0, 0.05);
  EXPECT_NEAR(quantile_of(cv, 0.75), 3.0, 0.05);
  // Log-normal(0.5, 0.25): its log has mean 0.5 and deviation 0.25.
  const auto lv = log(empty({kDraws}, kFloat64).log_normal_(0.5, 0.25));
  EXPECT_NEAR(lv.mean().item(), 0.5, 0.003);
  EXPECT_NEAR(lv.std().item(), 0.25, 0.003);
  // libtorch's defaults: exponential_() rate 1, cauchy_() (0, 1), log_normal_() (1, 2).
  EXPECT_NEAR(empty({kDraws}, kFloat64).exponential_().mean().item(), 1.0, 0.01);
  EXPECT_NEAR(log(empty({kDraws}, kFloat64).log_normal_()).std().item(), 2.0, 0.02);
}

TEST(RandomFills, RandomDrawsEveryIntegerOfItsRangeAndNothingElse) {
  manual_seed(22);
  const auto r = empty({10000}, kInt64).random_(3, 7).to_vector<std::int64_t>();
  EXPECT_EQ(std::set<std::int64_t>(r.begin(), r.end()), (std::set<std::int64_t>{3, 4, 5, 6}));
  const auto f = empty({10000}).random_(10);  // a float tensor gets whole numbers
  EXPECT_EQ(f.dtype(), kFloat32);
  const auto fv = f.to(kFloat64).to_vector<double>();
  EXPECT_EQ(std::set<double>(fv.begin(), fv.end()).size(), 10u);
  for (double x : fv) ASSERT_TRUE(x >= 0 && x < 10 && x == std::floor(x)) << x;
  // Without bounds: the dtype's exact integers (float32 up to 2^24).
  const auto top = empty({10000}).random_();
  EXPECT_LE(top.max().item(), 16777216.0);
  EXPECT_GT(top.max().item(), 16000000.0);
  EXPECT_GE(empty({1000}, kInt64).random_().min().item<std::int64_t>(), 0);
  const auto neg = empty({1000}, kInt64).random_(std::numeric_limits<std::int64_t>::min(), -5);
  EXPECT_LT(neg.max().item<std::int64_t>(), -5);
}

TEST(RandomFills, FillInPlaceKeepTheDtypeAndFollowTheSeed) {
  auto x = zeros({2, 3});
  const void* before = x.data_ptr<float>();
  const auto version = x.version();
  manual_seed(5);
  Tensor& same = x.exponential_(3.0);
  EXPECT_EQ(&same, &x);
  EXPECT_EQ(x.data_ptr<float>(), before);
  EXPECT_EQ(x.dtype(), kFloat32);
  EXPECT_GT(x.version(), version);
  const auto first = x.clone();
  manual_seed(5);
  x.exponential_(3.0);
  EXPECT_EQ(xg::test::max_abs_diff(x, first), 0.0);
}

TEST(RandomFills, BadArgumentsAndRecordedTensorsAreRefusedNamingTheCall) {
  auto x = empty({3}, kFloat64);
  EXPECT_XG_ERROR(x.exponential_(0.0), "exponential_: lambd must be positive, got 0");
  EXPECT_XG_ERROR(x.geometric_(1.0), "geometric_: p must be in (0, 1), got 1");
  EXPECT_XG_ERROR(x.geometric_(0.0), "geometric_: p must be in (0, 1), got 0");
  EXPECT_XG_ERROR(x.cauchy_(0.0, -1.0), "cauchy_: sigma must be positive, got -1");
  EXPECT_XG_ERROR(x.log_normal_(0.0, 0.0), "log_normal_: std must be positive, got 0");
  EXPECT_XG_ERROR(x.random_(5, 5), "random_: expects 'from' to be less than 'to', got from=5 >= to=5");
  EXPECT_XG_ERROR(empty({3}).random_(0, (1LL << 24) + 2), "random_: [0, 16777218) holds integers a float32 tensor cannot hold exactly");
  EXPECT_XG_ERROR(empty({3}, kInt64).exponential_(), "exponential_: expects a float tensor, got int64");
  EXPECT_XG_ERROR(Tensor().cauchy_(), "cauchy_: the tensor is undefined");
  auto w = zeros({3}).requires_grad_();
  EXPECT_XG_ERROR(w.log_normal_(), "log_normal_: in-place random fill of a tensor of shape (3,)", "NoGradGuard");
  {
    NoGradGuard init;
    EXPECT_GT(w.log_normal_().min().item(), 0.0);
  }
}
