// xg::Shape: a tensor's sizes, a vector of int64 that keeps up to six of them inline.
// Every tensor, every recorded operation's metadata and most kernels' outputs hold one; as
// a std::vector each was a heap block, the largest share of the per-operation cost
// (docs/design.md, "Per-operation cost"). libtorch keeps its sizes the same way
// (c10::SmallVector, DimVector). The interface is std::vector's, and a Shape converts to
// and from std::vector<std::int64_t>, so code written for the vector keeps compiling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <type_traits>
#include <vector>

namespace xg {

class Shape {
 public:
  using value_type = std::int64_t;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using reference = std::int64_t&;
  using const_reference = const std::int64_t&;
  using pointer = std::int64_t*;
  using const_pointer = const std::int64_t*;
  using iterator = std::int64_t*;
  using const_iterator = const std::int64_t*;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  /// Sizes kept without a heap block (more than any tensor of the library uses).
  static constexpr std::size_t kInline = 6;

  Shape() noexcept : data_(inline_) {}
  Shape(std::initializer_list<std::int64_t> sizes) : Shape() { assign(sizes.begin(), sizes.end()); }
  explicit Shape(std::size_t count, std::int64_t value = 0) : Shape() { assign(count, value); }
  template <class It, class = typename std::iterator_traits<It>::iterator_category>
  Shape(It first, It last) : Shape() {
    assign(first, last);
  }
  Shape(const std::vector<std::int64_t>& sizes) : Shape() { assign(sizes.begin(), sizes.end()); }  // NOLINT: implicit by design
  Shape(const Shape& other) : Shape() { assign(other.begin(), other.end()); }
  Shape(Shape&& other) noexcept : Shape() { take(other); }
  Shape& operator=(const Shape& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  Shape& operator=(Shape&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  Shape& operator=(std::initializer_list<std::int64_t> sizes) {
    assign(sizes.begin(), sizes.end());
    return *this;
  }
  ~Shape() {
    if (on_heap()) delete[] data_;
  }

  /// A std::vector with the same sizes (libtorch's IntArrayRef::vec()); also implicit.
  std::vector<std::int64_t> vec() const { return std::vector<std::int64_t>(begin(), end()); }
  operator std::vector<std::int64_t>() const { return vec(); }  // NOLINT: implicit by design

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::size_t capacity() const noexcept { return capacity_; }
  std::int64_t* data() noexcept { return data_; }
  const std::int64_t* data() const noexcept { return data_; }
  std::int64_t& operator[](std::size_t i) noexcept { return data_[i]; }
  const std::int64_t& operator[](std::size_t i) const noexcept { return data_[i]; }
  /// Bounds-checked, as std::vector::at (throws std::out_of_range).
  std::int64_t& at(std::size_t i);
  const std::int64_t& at(std::size_t i) const;
  std::int64_t& front() noexcept { return data_[0]; }
  const std::int64_t& front() const noexcept { return data_[0]; }
  std::int64_t& back() noexcept { return data_[size_ - 1]; }
  const std::int64_t& back() const noexcept { return data_[size_ - 1]; }

  iterator begin() noexcept { return data_; }
  iterator end() noexcept { return data_ + size_; }
  const_iterator begin() const noexcept { return data_; }
  const_iterator end() const noexcept { return data_ + size_; }
  const_iterator cbegin() const noexcept { return data_; }
  const_iterator cend() const noexcept { return data_ + size_; }
  reverse_iterator rbegin() noexcept { return reverse_iterator(end()); }
  reverse_iterator rend() noexcept { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const noexcept { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const noexcept { return const_reverse_iterator(begin()); }

  void reserve(std::size_t n) {
    if (n > capacity_) grow(n);
  }
  void clear() noexcept { size_ = 0; }
  void resize(std::size_t n, std::int64_t value = 0) {
    reserve(n);
    for (std::size_t i = size_; i < n; ++i) data_[i] = value;
    size_ = static_cast<std::uint32_t>(n);
  }
  void push_back(std::int64_t value) {
    if (size_ == capacity_) grow(2 * static_cast<std::size_t>(capacity_));
    data_[size_++] = value;
  }
  std::int64_t& emplace_back(std::int64_t value) {
    push_back(value);
    return back();
  }
  void pop_back() noexcept { --size_; }
  void assign(std::size_t count, std::int64_t value) {
    size_ = 0;
    resize(count, value);
  }
  template <class It, class = typename std::iterator_traits<It>::iterator_category>
  void assign(It first, It last) {
    size_ = 0;
    if constexpr (std::is_base_of_v<std::forward_iterator_tag, typename std::iterator_traits<It>::iterator_category>)
      reserve(static_cast<std::size_t>(std::distance(first, last)));
    for (; first != last; ++first) push_back(static_cast<std::int64_t>(*first));
  }
  void assign(std::initializer_list<std::int64_t> sizes) { assign(sizes.begin(), sizes.end()); }

  iterator insert(const_iterator pos, std::int64_t value) { return insert(pos, std::size_t{1}, value); }
  iterator insert(const_iterator pos, std::size_t count, std::int64_t value);
  template <class It, class = typename std::iterator_traits<It>::iterator_category>
  iterator insert(const_iterator pos, It first, It last) {
    // Through a copy: the range may be this shape itself.
    const Shape items(first, last);
    const std::size_t at = static_cast<std::size_t>(pos - begin());
    open_gap(at, items.size());
    for (std::size_t i = 0; i < items.size(); ++i) data_[at + i] = items[i];
    return begin() + at;
  }
  iterator insert(const_iterator pos, std::initializer_list<std::int64_t> sizes) {
    return insert(pos, sizes.begin(), sizes.end());
  }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) noexcept;

  void swap(Shape& other) noexcept {
    Shape tmp(std::move(other));
    other = std::move(*this);
    *this = std::move(tmp);
  }

  friend bool operator==(const Shape& a, const Shape& b) noexcept {
    if (a.size_ != b.size_) return false;
    for (std::size_t i = 0; i < a.size_; ++i)
      if (a.data_[i] != b.data_[i]) return false;
    return true;
  }
  friend bool operator!=(const Shape& a, const Shape& b) noexcept { return !(a == b); }
  friend bool operator<(const Shape& a, const Shape& b) noexcept;
  friend bool operator>(const Shape& a, const Shape& b) noexcept { return b < a; }
  friend bool operator<=(const Shape& a, const Shape& b) noexcept { return !(b < a); }
  friend bool operator>=(const Shape& a, const Shape& b) noexcept { return !(a < b); }

 private:
  bool on_heap() const noexcept { return data_ != inline_; }
  void release() noexcept;
  void take(Shape& other) noexcept;  // moves other's sizes here (this holds none); other ends empty
  void grow(std::size_t n);          // capacity at least n, keeping the sizes
  void open_gap(std::size_t at, std::size_t count);

  std::int64_t* data_;
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = kInline;
  std::int64_t inline_[kInline];
};

inline void swap(Shape& a, Shape& b) noexcept { a.swap(b); }

}  // namespace xg
