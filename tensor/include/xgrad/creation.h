// Creation functions (libtorch's): tensor, zeros, ones, full, the *_like family, arange,
// linspace, logspace, eye. Included by tensor.h, after the Tensor class they return.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include <xgrad/tensor.h>

namespace xg {

// Each takes TensorOptions (libtorch's), to which a Dtype, a Device or a DeviceType converts:
// `zeros(shape, kFloat64)`, `zeros(shape, kCUDA)`, `zeros(shape, dtype(kFloat64).requires_grad())`.
// The dtype defaults to float32 unless a function says otherwise; the device to the CPU.
/// A tensor from values and a shape: `xg::tensor(values, {3, 4}, xg::kFloat64)`.
Tensor tensor(const std::vector<double>& values, const Shape& shape, const TensorOptions& options = {});
/// A braced list of numbers, nested to any depth: `{{1, 2}, {3, 4}}`. One recursive type
/// (rather than an overload per depth) keeps `{{1}, {2}}` unambiguous: a 2x1 matrix.
class NestedList {
 public:
  NestedList(double value) : value_(value), scalar_(true) {}
  NestedList(std::initializer_list<NestedList> items) : items_(items) {}
  bool is_scalar() const { return scalar_; }
  double value() const { return value_; }
  const std::vector<NestedList>& items() const { return items_; }

 private:
  std::vector<NestedList> items_;
  double value_ = 0.0;
  bool scalar_ = false;
};

/// A tensor from nested braced lists: `xg::tensor({{1, 2}, {3, 4}})`; ragged lists throw.
Tensor tensor(const NestedList& values, const TensorOptions& options = {});
/// A 0-d tensor holding one value.
Tensor scalar_tensor(double value, const TensorOptions& options = {});
/// Uninitialised storage of the given shape (the fastest creation; contents are unspecified).
Tensor empty(const Shape& shape, const TensorOptions& options = {});
Tensor zeros(const Shape& shape, const TensorOptions& options = {});
Tensor ones(const Shape& shape, const TensorOptions& options = {});
Tensor full(const Shape& shape, double value, const TensorOptions& options = {});
/// One integer for a 1-D shape, where libtorch's IntArrayRef takes one: `xg::zeros(3)`.
template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
Tensor empty(I n, const TensorOptions& options = {}) { return empty(Shape{static_cast<std::int64_t>(n)}, options); }
template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
Tensor zeros(I n, const TensorOptions& options = {}) { return zeros(Shape{static_cast<std::int64_t>(n)}, options); }
template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
Tensor ones(I n, const TensorOptions& options = {}) { return ones(Shape{static_cast<std::int64_t>(n)}, options); }
template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
Tensor full(I n, double value, const TensorOptions& options = {}) {
  return full(Shape{static_cast<std::int64_t>(n)}, value, options);
}
/// x's shape, and x's dtype and device unless `options` sets them.
Tensor zeros_like(const Tensor& x, const TensorOptions& options = {});
Tensor ones_like(const Tensor& x, const TensorOptions& options = {});
Tensor full_like(const Tensor& x, double value, const TensorOptions& options = {});
/// Uniform [0, 1) / standard normal values of x's shape, dtype (float) and device.
Tensor rand_like(const Tensor& x, const TensorOptions& options = {});
Tensor randn_like(const Tensor& x, const TensorOptions& options = {});
/// Uniform integers in [low, high) (or [0, high)) in x's shape, dtype and device unless
/// `options` sets them (libtorch's randint_like: a float x gets whole numbers as floats).
Tensor randint_like(const Tensor& x, std::int64_t high, const TensorOptions& options = {});
Tensor randint_like(const Tensor& x, std::int64_t low, std::int64_t high, const TensorOptions& options = {});
/// start, start+step, ... < stop (numpy's arange); int64 unless a dtype is given.
Tensor arange(double start, double stop, double step = 1.0, const TensorOptions& options = {});
Tensor arange(double stop, const TensorOptions& options = {});
/// `steps` values from start to end, evenly spaced, both ends included (torch::linspace:
/// float32 unless a dtype is given; PyTorch's halves rule, so both ends are exact).
Tensor linspace(double start, double end, std::int64_t steps, const TensorOptions& options = {});
/// base^linspace(start, end, steps) (torch::logspace; float dtypes).
Tensor logspace(double start, double end, std::int64_t steps, double base = 10.0, const TensorOptions& options = {});
/// n x n identity; n x m: ones at (i, i) (libtorch's eye(n, m)).
Tensor eye(std::int64_t n, const TensorOptions& options = {});
Tensor eye(std::int64_t n, std::int64_t m, const TensorOptions& options = {});

}  // namespace xg
