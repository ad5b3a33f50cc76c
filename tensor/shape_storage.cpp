// xg::Shape's out-of-line members: growth onto the heap and the rarer edits.
#include <xgrad/shape.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>

namespace xg {

std::int64_t& Shape::at(std::size_t i) {
  if (i >= size_) throw std::out_of_range("Shape::at: index " + std::to_string(i) + " of " + std::to_string(size_));
  return data_[i];
}

const std::int64_t& Shape::at(std::size_t i) const { return const_cast<Shape*>(this)->at(i); }

void Shape::release() noexcept {
  if (on_heap()) delete[] data_;
  data_ = inline_;
  size_ = 0;
  capacity_ = kInline;
}

void Shape::take(Shape& other) noexcept {
  if (other.on_heap()) {
    data_ = other.data_;
    capacity_ = other.capacity_;
    other.data_ = other.inline_;
    other.capacity_ = kInline;
  } else {
    std::memcpy(inline_, other.inline_, other.size_ * sizeof(std::int64_t));
  }
  size_ = other.size_;
  other.size_ = 0;
}

void Shape::grow(std::size_t n) {
  // A 32-bit count is far beyond any rank: the library bounds ranks long before.
  if (n > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("Shape: more than 2^32 sizes");
  n = std::max<std::size_t>(n, 2 * static_cast<std::size_t>(capacity_));
  n = std::min<std::size_t>(n, std::numeric_limits<std::uint32_t>::max());
  auto* fresh = new std::int64_t[n];
  std::copy(data_, data_ + size_, fresh);
  if (on_heap()) delete[] data_;
  data_ = fresh;
  capacity_ = static_cast<std::uint32_t>(n);
}

void Shape::open_gap(std::size_t at, std::size_t count) {
  reserve(size_ + count);
  std::copy_backward(data_ + at, data_ + size_, data_ + size_ + count);
  size_ = static_cast<std::uint32_t>(size_ + count);
}

Shape::iterator Shape::insert(const_iterator pos, std::size_t count, std::int64_t value) {
  const std::size_t at = static_cast<std::size_t>(pos - begin());
  open_gap(at, count);
  std::fill(data_ + at, data_ + at + count, value);
  return begin() + at;
}

Shape::iterator Shape::erase(const_iterator first, const_iterator last) noexcept {
  auto* f = const_cast<std::int64_t*>(first);
  auto* l = const_cast<std::int64_t*>(last);
  std::copy(l, end(), f);
  size_ = static_cast<std::uint32_t>(size_ - static_cast<std::size_t>(l - f));
  return f;
}

bool operator<(const Shape& a, const Shape& b) noexcept {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace xg
