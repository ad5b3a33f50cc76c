// Datasets and the loader that batches them.
#pragma once

#include <cstdint>
#include <memory>
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

struct DataLoaderOptions {
  bool shuffle = true;       // a new order every epoch
  bool drop_last = false;    // drop a final batch smaller than batch_size
  std::uint64_t seed = 0;    // the loader's own generator: reproducible, independent of manual_seed
  bool replacement = false;  // each batch drawn uniformly with replacement (np.random.choice)
  DataLoaderOptions& set_shuffle(bool v) { shuffle = v; return *this; }
  DataLoaderOptions& set_drop_last(bool v) { drop_last = v; return *this; }
  DataLoaderOptions& set_seed(std::uint64_t v) { seed = v; return *this; }
  DataLoaderOptions& set_replacement(bool v) { replacement = v; return *this; }
};

/// Batches of a dataset. `for (auto& [x, t] : loader)` runs one epoch; sample() draws one
/// batch as the textbook does (`np.random.choice(train_size, batch_size)`).
class DataLoader {
 public:
  /// The loader refers to `dataset`, which must outlive it.
  DataLoader(const Dataset& dataset, std::int64_t batch_size, DataLoaderOptions options = {});
  /// A temporary dataset would dangle: keep the dataset in a variable.
  DataLoader(const Dataset&& dataset, std::int64_t batch_size, DataLoaderOptions options = {}) = delete;

  /// Batches per epoch.
  std::int64_t num_batches() const;
  /// batch_size indices drawn uniformly with replacement, and their samples.
  Batch sample();
  std::int64_t batch_size() const { return batch_size_; }

  class Iterator {
   public:
    Iterator(DataLoader* loader, std::int64_t batch) : loader_(loader), batch_(batch) {}
    Batch operator*() const;
    Iterator& operator++() {
      ++batch_;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return batch_ != other.batch_; }

   private:
    DataLoader* loader_;
    std::int64_t batch_;
  };
  /// Starts an epoch (reshuffling if asked).
  Iterator begin();
  Iterator end() { return Iterator(this, num_batches()); }

 private:
  Batch batch_at(std::int64_t b) const;
  const Dataset& dataset_;
  std::int64_t batch_size_;
  DataLoaderOptions options_;
  Generator gen_;
  std::vector<std::int64_t> order_;
};

}  // namespace xg::data
