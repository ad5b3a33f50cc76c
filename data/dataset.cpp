// TensorDataset and DataLoader.
#include <xgrad/detail/format.h>
#include <algorithm>

#include <xgrad/data/dataset.h>

#include "tensor/checked.h"
#include <xgrad/ops.h>

namespace xg::data {

Batch Dataset::get(std::int64_t i) const {
  if (i < 0 || i >= size()) fail("Dataset::get: index ", i, " is out of range for ", size(), " samples");
  Batch b = get_batch(tensor({static_cast<double>(i)}, kInt64));
  return {b.x.squeeze(0), b.t.squeeze(0)};
}

TensorDataset::TensorDataset(Tensor x, Tensor t) : x_(std::move(x)), t_(std::move(t)) {
  if (x_.dim() == 0 || t_.dim() == 0 || x_.shape()[0] != t_.shape()[0])
    fail("TensorDataset: inputs ", detail::shape_str(x_.shape()), " and targets ", detail::shape_str(t_.shape()),
         " need the same number of samples on their leading axis");
}

Batch TensorDataset::get_batch(const Tensor& indices) const {
  // A data set on a GPU is batched there: the indices (made on the host) go to its device.
  const Tensor at = indices.to(x_.device());
  return {index_select(x_, 0, at), index_select(t_, 0, at.to(t_.device()))};
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, std::int64_t batch_size, DataLoaderOptions options)
    : dataset_(std::move(dataset)), batch_size_(batch_size), options_(options), gen_(options.seed()) {
  if (!dataset_) fail("DataLoader: the dataset is null");
  if (batch_size <= 0) fail("DataLoader: batch_size must be positive, got ", batch_size);
  if (dataset_->size() == 0) fail("DataLoader: the dataset is empty");
  if (options_.sampler() && options_.replacement())
    fail("DataLoader: a sampler and sampling with replacement exclude each other");
  order_.resize(static_cast<std::size_t>(dataset_->size()));
  for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<std::int64_t>(i);
  if (options_.sampler()) order_ = sampled_order();
}

std::vector<std::int64_t> DataLoader::sampled_order() const {
  std::vector<std::int64_t> order = options_.sampler()->indices(dataset_->size());
  for (std::size_t i = 0; i < order.size(); ++i)
    if (order[i] < 0 || order[i] >= dataset_->size())
      fail("DataLoader: the sampler gave index ", order[i], " (position ", i, ") for a data set of ", dataset_->size(),
           " samples");
  return order;
}

std::int64_t DataLoader::num_batches() const {
  const auto n = static_cast<std::int64_t>(order_.size());
  // ⌈n / batch⌉ without n + batch − 1, which wrapped for batch_size INT64_MAX (0 batches: an
  // epoch that saw no data; PyTorch gives one batch of all n).
  return n / batch_size_ + (!options_.drop_last() && n % batch_size_ != 0);
}

Batch DataLoader::sample() {
  // With replacement a batch may be larger than the data set: its size is bounded here.
  detail::CallScope call("DataLoader::sample");
  detail::checked_buffer(batch_size_, sizeof(double) + sizeof(std::int64_t), "DataLoader::sample",
                         detail::cat("a batch of ", batch_size_, " indices").c_str());
  std::vector<double> idx(static_cast<std::size_t>(batch_size_));
  for (auto& i : idx) i = static_cast<double>(gen_.below(static_cast<std::uint64_t>(dataset_->size())));
  return dataset_->get_batch(tensor(idx, {batch_size_}, kInt64));
}

DataLoader::Iterator DataLoader::begin() {
  if (options_.sampler())
    order_ = sampled_order();
  else if (options_.shuffle() && !options_.replacement())
    for (std::size_t i = order_.size() - 1; i > 0; --i)  // Fisher-Yates
      std::swap(order_[i], order_[gen_.below(i + 1)]);
  return Iterator(this, 0);
}

Batch DataLoader::batch_at(std::int64_t b) const {
  const auto n = static_cast<std::int64_t>(order_.size());
  const std::int64_t start = b * batch_size_, stop = start + std::min(n - start, batch_size_);
  std::vector<double> idx;
  for (std::int64_t i = start; i < stop; ++i) idx.push_back(static_cast<double>(order_[static_cast<std::size_t>(i)]));
  return dataset_->get_batch(tensor(idx, {stop - start}, kInt64));
}

Batch& DataLoader::Iterator::operator*() {
  if (!loaded_) {
    current_ = loader_->options_.replacement() ? loader_->sample() : loader_->batch_at(batch_);
    loaded_ = true;
  }
  return current_;
}

}  // namespace xg::data
