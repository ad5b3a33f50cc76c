// TensorDataset and DataLoader.
#include <set>
#include <type_traits>

#include "test_util.h"

TEST(DataLoader, EpochCoversEverySampleOnceInShuffledBatches) {
  auto x = xg::arange(10, xg::kFloat32).reshape({10, 1});
  auto t = xg::arange(10);
  xg::data::TensorDataset ds(x, t);
  xg::data::DataLoader loader(ds, 4, xg::data::DataLoaderOptions().set_seed(1));
  EXPECT_EQ(loader.num_batches(), 3);
  std::multiset<std::int64_t> seen;
  std::vector<std::int64_t> sizes, first_order;
  for (auto [xb, tb] : loader) {
    sizes.push_back(tb.numel());
    for (auto v : tb.to_vector<std::int64_t>()) seen.insert(v), first_order.push_back(v);
    EXPECT_EQ(xb.reshape({-1}).to_vector<std::int64_t>(), tb.to_vector<std::int64_t>());  // pairs stay together
  }
  EXPECT_EQ(sizes, (std::vector<std::int64_t>{4, 4, 2}));
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(std::set<std::int64_t>(seen.begin(), seen.end()).size(), 10u);
  std::vector<std::int64_t> second_order;
  for (auto [xb, tb] : loader)
    for (auto v : tb.to_vector<std::int64_t>()) second_order.push_back(v);
  EXPECT_NE(first_order, second_order);  // reshuffled
  xg::data::DataLoader fixed(ds, 4, xg::data::DataLoaderOptions().set_shuffle(false).set_drop_last(true));
  EXPECT_EQ(fixed.num_batches(), 2);
  EXPECT_EQ((*fixed.begin()).t.to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 2, 3}));
}

TEST(DataLoader, TextbookSamplingIsWithReplacementAndSeeded) {
  xg::data::TensorDataset ds(xg::zeros({5, 2}), xg::arange(5));
  xg::data::DataLoader a(ds, 100, xg::data::DataLoaderOptions().set_seed(7));
  xg::data::DataLoader b(ds, 100, xg::data::DataLoaderOptions().set_seed(7));
  auto ta = a.sample().t.to_vector<std::int64_t>();
  EXPECT_EQ(ta, b.sample().t.to_vector<std::int64_t>());
  EXPECT_EQ(ta.size(), 100u);  // more than the dataset: only possible with replacement
  EXPECT_EQ(std::set<std::int64_t>(ta.begin(), ta.end()).size(), 5u);
}

namespace {
// The libtorch habit: a factory that builds the dataset and returns its loader. The loader
// used to keep a reference to the dataset, which died here (a segfault on first use).
xg::data::DataLoader make_loader(std::int64_t n) {
  xg::data::TensorDataset ds(xg::arange(static_cast<double>(n), xg::kFloat32).reshape({n, 1}), xg::arange(static_cast<double>(n)));
  return xg::data::DataLoader(ds, 3, xg::data::DataLoaderOptions().set_shuffle(false));
}
}  // namespace

TEST(DataLoader, HugeBatchSizesAreOneBatchOrABoundedError) {
  xg::data::TensorDataset ds(xg::arange(10, xg::kFloat32).reshape({10, 1}), xg::arange(10));
  // INT64_MAX once wrapped the batch count to 0: an epoch that saw no data. PyTorch gives
  // one batch of all 10.
  xg::data::DataLoader loader(ds, INT64_MAX, xg::data::DataLoaderOptions().set_shuffle(false));
  EXPECT_EQ(loader.num_batches(), 1);
  std::int64_t seen = 0;
  for (auto& [x, t] : loader) seen += x.size(0);
  EXPECT_EQ(seen, 10);
  xg::data::DataLoader dropping(ds, INT64_MAX, xg::data::DataLoaderOptions().set_drop_last(true));
  EXPECT_EQ(dropping.num_batches(), 0);
  // With replacement a batch is drawn at its full size: 2^40 indices are refused, named.
  xg::data::DataLoader sampling(ds, 1LL << 40);
  EXPECT_XG_ERROR(sampling.sample(), "DataLoader::sample: a batch of 1099511627776 indices would take",
                  "more than the allocation limit");
  EXPECT_EQ(xg::data::DataLoader(ds, 25).sample().x.size(0), 25);
}

TEST(DataLoader, SharesOwnershipOfItsDataset) {
  auto loader = make_loader(7);
  std::vector<std::int64_t> seen;
  for (auto& [x, t] : loader)  // the epoch loop as documented, binding by reference
    for (auto v : t.to_vector<std::int64_t>()) seen.push_back(v);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6}));
  // A temporary dataset and a shared one work too.
  xg::data::DataLoader from_temporary(xg::data::TensorDataset(xg::ones({4, 2}), xg::arange(4)), 2);
  EXPECT_EQ(from_temporary.num_batches(), 2);
  auto shared = std::make_shared<xg::data::TensorDataset>(xg::ones({5, 2}), xg::arange(5));
  xg::data::DataLoader a(shared, 5), b(shared, 5);
  EXPECT_EQ(&a.dataset(), &b.dataset());
  for (const auto& [x, t] : a) EXPECT_EQ(x.shape(), (xg::Shape{5, 2}));
  for (auto [x, t] : b) EXPECT_EQ(t.numel(), 5);
}

TEST(Dataset, ErrorsAndSingleItems) {
  EXPECT_XG_ERROR(xg::data::TensorDataset(xg::zeros({3, 2}), xg::arange(4)), "TensorDataset: inputs (3,2) and targets (4,)");
  xg::data::TensorDataset ds(xg::arange(6, xg::kFloat32).reshape({3, 2}), xg::arange(3));
  auto [x, t] = ds.get(2);
  EXPECT_EQ(x.shape(), (xg::Shape{2}));
  EXPECT_EQ(t.item(), 2);
  EXPECT_XG_ERROR(ds.get(3), "Dataset::get: index 3 is out of range for 3 samples");
  EXPECT_XG_ERROR(xg::data::DataLoader(ds, 0), "batch_size must be positive");
}
