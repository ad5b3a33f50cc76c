// Datasets and the loader that batches them.
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include <xgrad/random.h>
#include <xgrad/tensor.h>

namespace xg::data {

/// An input batch and its targets.
struct Batch {
  Tensor x;
  Tensor t;
};

/// A sized, indexable collection of (input, target) samples.
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::int64_t size() const = 0;
  /// The samples at `indices` (int64, 1-D), stacked along a new leading axis.
  virtual Batch get_batch(const Tensor& indices) const = 0;
  /// One sample (x[i], t[i]).
  Batch get(std::int64_t i) const;
};

/// Inputs and targets held as two tensors whose leading axes are the samples.
class TensorDataset : public Dataset {
 public:
  TensorDataset(Tensor x, Tensor t);
  std::int64_t size() const override { return x_.shape()[0]; }
  Batch get_batch(const Tensor& indices) const override;
  const Tensor& inputs() const { return x_; }
  const Tensor& targets() const { return t_; }

 private:
  Tensor x_, t_;
};

/// Chooses which samples an epoch visits, in what order (PyTorch's Sampler): a DataLoader
/// given one asks it for the order at the start of every epoch, instead of shuffling.
class Sampler {
 public:
  virtual ~Sampler() = default;
  /// The epoch's indices into a data set of `dataset_size` samples.
  virtual std::vector<std::int64_t> indices(std::int64_t dataset_size) = 0;
};

/// DataLoader's options, with libtorch's chainable setters: `DataLoaderOptions().shuffle(false)`.
class DataLoaderOptions {
 public:
  /// When set, it orders every epoch (shuffle is then unused).
  DataLoaderOptions& sampler(std::shared_ptr<Sampler> v) { sampler_ = std::move(v); return *this; }
  const std::shared_ptr<Sampler>& sampler() const { return sampler_; }
  /// A new order every epoch (default true).
  DataLoaderOptions& shuffle(bool v) { shuffle_ = v; return *this; }
  bool shuffle() const { return shuffle_; }
  /// Drop a final batch smaller than batch_size.
  DataLoaderOptions& drop_last(bool v) { drop_last_ = v; return *this; }
  bool drop_last() const { return drop_last_; }
  /// The loader's own generator: reproducible, independent of manual_seed.
  DataLoaderOptions& seed(std::uint64_t v) { seed_ = v; return *this; }
  std::uint64_t seed() const { return seed_; }
  /// Each batch drawn uniformly with replacement (np.random.choice), as the textbook.
  DataLoaderOptions& replacement(bool v) { replacement_ = v; return *this; }
  bool replacement() const { return replacement_; }

  // Older spellings, kept for existing code.
  DataLoaderOptions& set_shuffle(bool v) { return shuffle(v); }
  DataLoaderOptions& set_drop_last(bool v) { return drop_last(v); }
  DataLoaderOptions& set_seed(std::uint64_t v) { return seed(v); }
  DataLoaderOptions& set_replacement(bool v) { return replacement(v); }
  DataLoaderOptions& set_sampler(std::shared_ptr<Sampler> v) { return sampler(std::move(v)); }

 private:
  std::shared_ptr<Sampler> sampler_;
  bool shuffle_ = true, drop_last_ = false, replacement_ = false;
  std::uint64_t seed_ = 0;
};

/// Batches of a dataset, one epoch per range-for:
///
///     xg::data::DataLoader loader(xg::data::TensorDataset(x, t), 100);
///     for (int epoch = 0; epoch < epochs; ++epoch)
///       for (auto& [x_batch, t_batch] : loader) { ... }
///
/// or one batch at a time as the textbook does (`np.random.choice(train_size, batch_size)`):
/// `auto [x_batch, t_batch] = loader.sample();`. The loader shares ownership of its dataset
/// (as libtorch's data loader takes it by value), so a loader returned from a function is safe.
class DataLoader {
 public:
  /// A loader over a copy of `dataset` (cheap for TensorDataset: tensors are shared handles;
  /// pass std::move(dataset), or a shared_ptr, for a dataset that should not be copied).
  template <class D, class = std::enable_if_t<std::is_base_of_v<Dataset, std::decay_t<D>>>>
  DataLoader(D&& dataset, std::int64_t batch_size, DataLoaderOptions options = {})
      : DataLoader(std::make_shared<std::decay_t<D>>(std::forward<D>(dataset)), batch_size, options) {}
  /// A loader sharing `dataset` with its other owners.
  DataLoader(std::shared_ptr<const Dataset> dataset, std::int64_t batch_size, DataLoaderOptions options = {});

  /// Batches per epoch.
  std::int64_t num_batches() const;
  /// batch_size indices drawn uniformly with replacement, and their samples.
  Batch sample();
  std::int64_t batch_size() const { return batch_size_; }
  const Dataset& dataset() const { return *dataset_; }

  class Iterator {
   public:
    Iterator(DataLoader* loader, std::int64_t batch) : loader_(loader), batch_(batch) {}
    /// The current batch (loaded on first access), so `auto& [x, t]` binds to it.
    Batch& operator*();
    Iterator& operator++() {
      ++batch_;
      loaded_ = false;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return batch_ != other.batch_; }
    bool operator==(const Iterator& other) const { return batch_ == other.batch_; }

   private:
    DataLoader* loader_;
    std::int64_t batch_;
    Batch current_;
    bool loaded_ = false;
  };
  /// Starts an epoch (reshuffling if asked).
  Iterator begin();
  Iterator end() { return Iterator(this, num_batches()); }

 private:
  Batch batch_at(std::int64_t b) const;
  std::vector<std::int64_t> sampled_order() const;
  std::shared_ptr<const Dataset> dataset_;
  std::int64_t batch_size_;
  DataLoaderOptions options_;
  Generator gen_;
  std::vector<std::int64_t> order_;
};

}  // namespace xg::data
