// xg::dist in one process: DistributedSampler's semantics for any (num_replicas, rank), the
// DataLoader with a sampler, the collectives and DDP as a world of one, post-accumulate hooks.
#include <algorithm>
#include <set>

#include "test_util.h"

namespace dist = xg::dist;
using Opts = dist::DistributedSampler::Options;

TEST(DistributedSampler, SplitsDisjointEqualAndCoversWithPadding) {
  for (int p : {1, 2, 3, 4}) {
    for (std::int64_t n : {10, 12, 3}) {
      SCOPED_TRACE(std::to_string(p) + " replicas, " + std::to_string(n) + " samples");
      std::vector<std::int64_t> all;
      std::size_t count = 0;
      for (int r = 0; r < p; ++r) {
        dist::DistributedSampler s(Opts().set_num_replicas(p).set_rank(r).set_seed(7));
        const auto mine = s.indices(n);
        EXPECT_EQ(static_cast<std::int64_t>(mine.size()), (n + p - 1) / p);  // ceil(n / p) on every rank
        EXPECT_EQ(static_cast<std::int64_t>(mine.size()), s.num_samples(n));
        if (r == 0) count = mine.size();
        EXPECT_EQ(mine.size(), count);
        all.insert(all.end(), mine.begin(), mine.end());
      }
      std::set<std::int64_t> distinct(all.begin(), all.end());
      EXPECT_EQ(static_cast<std::int64_t>(distinct.size()), n);  // covers the data set
      // Only the padding repeats: exactly ceil(n/p)·p - n duplicates.
      EXPECT_EQ(static_cast<std::int64_t>(all.size()) - n, (n + p - 1) / p * p - n);
    }
  }
}

TEST(DistributedSampler, EpochsReshuffleTheSameWayOnEveryRank) {
  dist::DistributedSampler a(Opts().set_num_replicas(2).set_rank(0)), b(Opts().set_num_replicas(2).set_rank(1));
  const auto a0 = a.indices(100), b0 = b.indices(100);
  EXPECT_EQ(a.indices(100), a0);  // without set_epoch every epoch repeats
  a.set_epoch(1);
  b.set_epoch(1);
  const auto a1 = a.indices(100), b1 = b.indices(100);
  EXPECT_NE(a1, a0);
  std::set<std::int64_t> both(a1.begin(), a1.end());
  both.insert(b1.begin(), b1.end());
  EXPECT_EQ(both.size(), 100u);  // still disjoint and covering: one permutation shared
}

TEST(DistributedSampler, DropLastAndUnshuffledStrides) {
  dist::DistributedSampler s(Opts().set_num_replicas(4).set_rank(1).set_shuffle(false).set_drop_last(true));
  EXPECT_EQ(s.indices(10), (std::vector<std::int64_t>{1, 5}));  // ceil((10 - 4) / 4) = 2, tail cut
  dist::DistributedSampler pad(Opts().set_num_replicas(4).set_rank(3).set_shuffle(false));
  EXPECT_EQ(pad.indices(10), (std::vector<std::int64_t>{3, 7, 1}));  // padded with the first indices
  EXPECT_XG_ERROR(dist::DistributedSampler(Opts().set_num_replicas(2).set_rank(2)),
                  "DistributedSampler: invalid rank 2, rank should be in the interval [0, 1]");
}

TEST(DistributedSampler, ANegativeRankOrCountIsAnErrorNotTheDefault) {
  // Both were once taken as "unset" and replaced by rank() and world_size() silently.
  EXPECT_XG_ERROR(dist::DistributedSampler(Opts().num_replicas(2).rank(-1)),
                  "DistributedSampler: invalid rank -1, rank should be in the interval [0, 1]");
  EXPECT_XG_ERROR(dist::DistributedSampler(Opts().num_replicas(-3)), "DistributedSampler: num_replicas must be positive, got -3");
  EXPECT_XG_ERROR(dist::DistributedSampler(Opts().num_replicas(0).rank(0)), "num_replicas must be positive, got 0");
  // Unset, they are this process's: rank 0 of 1 without a launcher.
  dist::DistributedSampler alone(Opts().shuffle(false));
  EXPECT_EQ(alone.num_replicas(), 1);
  EXPECT_EQ(alone.rank(), 0);
}

TEST(DistributedSampler, DrivesADataLoader) {
  auto x = xg::arange(10, xg::kFloat32).reshape({10, 1});
  auto sampler = std::make_shared<dist::DistributedSampler>(Opts().set_num_replicas(2).set_rank(1).set_shuffle(false));
  xg::data::DataLoader loader(xg::data::TensorDataset(x, x), 2, xg::data::DataLoaderOptions().set_sampler(sampler));
  EXPECT_EQ(loader.num_batches(), 3);
  std::vector<double> seen;
  for (auto& [xb, tb] : loader)
    for (double v : xb.to_vector<double>()) seen.push_back(v);
  EXPECT_EQ(seen, (std::vector<double>{1, 3, 5, 7, 9}));
}

TEST(Dist, AWorldOfOne) {
  EXPECT_EQ(dist::rank(), 0);
  EXPECT_EQ(dist::world_size(), 1);
  auto t = xg::tensor({1.0, 2.0}, xg::kFloat64);
  dist::all_reduce(t, dist::ReduceOp::Average);
  dist::broadcast(t);
  EXPECT_TRUE(xg::test::values_near(t, {1, 2}, 0));
  EXPECT_EQ(dist::all_gather(t).size(), 1u);
  dist::barrier();
  auto w = xg::ones({2}).requires_grad_();
  EXPECT_XG_ERROR(dist::all_reduce(w), "xg::dist::all_reduce: writes its result in place");
}

TEST(Dist, DDPOfOneProcessIsTheModule) {
  xg::manual_seed(3);
  xg::nn::Linear lin(3, 2);
  dist::DistributedDataParallel ddp(lin, dist::DDPOptions().set_bucket_cap_mb(0.00001));
  EXPECT_EQ(ddp.named_parameters()[0].first, "module.W");
  EXPECT_EQ(ddp.bucket_sizes(), (std::vector<std::int64_t>{2, 6}));  // tiny cap: one bucket each, b first
  auto x = xg::randn({4, 3});
  ddp(x).pow(2).sum().backward();
  const auto g = lin.W.grad().clone();
  lin.zero_grad();
  lin(x).pow(2).sum().backward();
  EXPECT_EQ(xg::test::max_abs_diff(g, lin.W.grad()), 0.0);
}

TEST(PostAccumulateGradHook, SeesTheAccumulatedGradient) {
  auto w = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  std::vector<double> seen;
  const unsigned h = w.register_post_accumulate_grad_hook([&](const xg::Tensor& p) {
    for (double v : p.grad().to_vector<double>()) seen.push_back(v);
  });
  (w * 3.0).sum().backward();
  (w * 3.0).sum().backward();  // accumulates: the hook sees 6
  EXPECT_EQ(seen, (std::vector<double>{3, 3, 6, 6}));
  xg::grad({(w * 3.0).sum()}, {w});  // xg::grad accumulates nothing: no call
  EXPECT_EQ(seen.size(), 4u);
  w.remove_hook(h);
  (w * 3.0).sum().backward();
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_XG_ERROR((w * 2.0).register_post_accumulate_grad_hook([](const xg::Tensor&) {}),
                  "register_post_accumulate_grad_hook: only a leaf");
}
