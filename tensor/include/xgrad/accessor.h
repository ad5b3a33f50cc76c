// libtorch's TensorAccessor: `auto a = x.accessor<float, 2>(); a[i][j] = 1;`, element access
// by indices in loops that would otherwise compute flat offsets by hand. Each level keeps
// its own sizes and strides (a few integers), so a row taken from a temporary accessor,
// `auto row = x.accessor<float, 2>()[0];`, stays valid as long as the tensor's storage.
// Unlike libtorch's, every index is checked (xg::Error naming the axis, the index and the
// size): the raw, unchecked path is data_ptr<T>().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include <xgrad/error.h>

namespace xg {

namespace detail {
[[noreturn]] inline void accessor_out_of_range(std::size_t axis, std::int64_t index, std::int64_t size) {
  throw Error("accessor: index " + std::to_string(index) + " is out of bounds for axis " + std::to_string(axis) +
              " of size " + std::to_string(size));
}
}  // namespace detail

template <class T, std::size_t N>
class TensorAccessor {
  static_assert(N >= 1, "TensorAccessor needs at least one axis; a 0-d tensor's value is item<T>()");

 public:
  TensorAccessor(T* data, const std::array<std::int64_t, N>& sizes, const std::array<std::int64_t, N>& strides,
                 std::size_t first_axis = 0)
      : data_(data), sizes_(sizes), strides_(strides), first_axis_(first_axis) {}

  /// Element i along the first axis (negative indices are not accepted, as libtorch's).
  decltype(auto) operator[](std::int64_t i) const {
    if (i < 0 || i >= sizes_[0]) detail::accessor_out_of_range(first_axis_, i, sizes_[0]);
    if constexpr (N == 1) {
      return static_cast<T&>(data_[i * strides_[0]]);
    } else {
      std::array<std::int64_t, N - 1> sizes{}, strides{};
      for (std::size_t k = 1; k < N; ++k) {
        sizes[k - 1] = sizes_[k];
        strides[k - 1] = strides_[k];
      }
      return TensorAccessor<T, N - 1>(data_ + i * strides_[0], sizes, strides, first_axis_ + 1);
    }
  }
  std::int64_t size(std::size_t axis) const { return sizes_.at(axis); }
  std::int64_t stride(std::size_t axis) const { return strides_.at(axis); }
  const std::array<std::int64_t, N>& sizes() const { return sizes_; }
  const std::array<std::int64_t, N>& strides() const { return strides_; }
  T* data() const { return data_; }

 private:
  T* data_;
  std::array<std::int64_t, N> sizes_, strides_;
  std::size_t first_axis_;
};

}  // namespace xg
