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

// A loader over a temporary dataset would dangle, so it does not compile.
static_assert(!std::is_constructible_v<xg::data::DataLoader, xg::data::TensorDataset&&, std::int64_t>);
static_assert(std::is_constructible_v<xg::data::DataLoader, xg::data::TensorDataset&, std::int64_t>);

TEST(Dataset, ErrorsAndSingleItems) {
  EXPECT_XG_ERROR(xg::data::TensorDataset(xg::zeros({3, 2}), xg::arange(4)), "TensorDataset: inputs (3,2) and targets (4,)");
  xg::data::TensorDataset ds(xg::arange(6, xg::kFloat32).reshape({3, 2}), xg::arange(3));
  auto [x, t] = ds.get(2);
  EXPECT_EQ(x.shape(), (xg::Shape{2}));
  EXPECT_EQ(t.item(), 2);
  EXPECT_XG_ERROR(ds.get(3), "Dataset::get: index 3 is out of range for 3 samples");
  EXPECT_XG_ERROR(xg::data::DataLoader(ds, 0), "batch_size must be positive");
}
