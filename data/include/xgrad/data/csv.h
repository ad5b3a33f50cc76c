// Numeric CSV files with a header row, and the preprocessing tabular models need.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <xgrad/tensor.h>

namespace xg::data {

/// A table of numbers: its column names and the values, (rows, columns).
struct CsvTable {
  std::vector<std::string> columns;
  Tensor values;
  /// The index of a named column; throws naming the file's columns if absent.
  std::int64_t column(const std::string& name) const;
  /// Features (every column but `label`) and the label column, as float tensors.
  std::pair<Tensor, Tensor> split_label(const std::string& label) const;
};

/// Reads a comma-separated file whose first row names the columns and whose cells are all
/// numbers. A non-numeric cell or a short row throws naming the file, row and column.
CsvTable read_csv(const std::string& path, Dtype dtype = kFloat32);

/// Per-column standardisation fitted on training data: (x - mean) / std (std with ddof 0,
/// as scikit-learn; a constant column is left centred, not divided by 0).
class StandardScaler {
 public:
  StandardScaler& fit(const Tensor& x);
  Tensor transform(const Tensor& x) const;
  Tensor fit_transform(const Tensor& x) { return fit(x).transform(x); }
  const Tensor& mean() const { return mean_; }
  const Tensor& scale() const { return scale_; }

 private:
  Tensor mean_, scale_;
};

/// A seeded random split of (x, y) rows: the first (1 - test_fraction) of a permutation
/// for training, the rest for testing.
struct Split {
  Tensor x_train, y_train, x_test, y_test;
};
Split train_test_split(const Tensor& x, const Tensor& y, double test_fraction, std::uint64_t seed = 0);

}  // namespace xg::data
