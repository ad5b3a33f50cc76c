// DistributedSampler: PyTorch's semantics (torch/utils/data/distributed.py), so a data set
// split over ranks visits the same samples, in the same epochs, as there.
#include <xgrad/detail/format.h>

#include <cmath>

#include <xgrad/dist.h>
#include <xgrad/random.h>

namespace xg::dist {

DistributedSampler::DistributedSampler(Options options) : options_(options) {
  // Checked before the defaults are read: a negative rank or count was once taken as
  // "unset" and silently replaced (PyTorch: "Invalid rank -2, rank should be in the
  // interval [0, num_replicas - 1]").
  if (options.num_replicas() && *options.num_replicas() <= 0)
    fail("DistributedSampler: num_replicas must be positive, got ", *options.num_replicas());
  replicas_ = options.num_replicas() ? *options.num_replicas() : world_size();
  rank_ = options.rank() ? *options.rank() : xg::dist::rank();
  if (rank_ < 0 || rank_ >= replicas_)
    fail("DistributedSampler: invalid rank ", rank_, ", rank should be in the interval [0, ", replicas_ - 1, "]");
}

std::int64_t DistributedSampler::num_samples(std::int64_t n) const {
  const double p = replicas_;
  // drop_last cuts the tail that does not divide; otherwise the order is padded up.
  if (options_.drop_last() && n % replicas_ != 0)
    return static_cast<std::int64_t>(std::max(0.0, std::ceil((static_cast<double>(n) - p) / p)));
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(n) / p));
}

std::vector<std::int64_t> DistributedSampler::indices(std::int64_t n) {
  if (n <= 0) fail("DistributedSampler: the data set is empty");
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  if (options_.shuffle()) {  // the same permutation on every rank: seeded by seed + epoch only
    Generator gen(options_.seed() + static_cast<std::uint64_t>(epoch_));
    for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[gen.below(i + 1)]);
  }
  const std::int64_t total = num_samples(n) * replicas_;
  for (std::int64_t i = n; i < total; ++i) order.push_back(order[static_cast<std::size_t>((i - n) % n)]);
  order.resize(static_cast<std::size_t>(total));
  std::vector<std::int64_t> mine;
  for (std::int64_t i = rank_; i < total; i += replicas_) mine.push_back(order[static_cast<std::size_t>(i)]);
  return mine;
}

}  // namespace xg::dist
