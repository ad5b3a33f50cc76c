// The ops fuzzer's decoding of its bytes (shared by fuzz_ops.cpp and fuzz_ops_more.cpp):
// small sizes and the extremes that break size arithmetic, small tensors, backward runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include <xgrad/xgrad.h>

namespace xg::fuzz {

// The bytes, read front to back; zeros once they run out.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  std::uint8_t byte() { return i_ < n_ ? p_[i_++] : 0; }
  bool flag() { return byte() & 1; }
  // A size-like argument: mostly small, sometimes one of the values that break arithmetic.
  std::int64_t arg() {
    static constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    static constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    static constexpr std::int64_t extremes[] = {0, -1, -2, 1, 2, 3, 1000, 1 << 16, 1 << 20, (1LL << 31) - 1,
                                                1LL << 31, 1LL << 32, 1LL << 40, 1LL << 62, (1LL << 62) + 1,
                                                kMax / 3, kMax - 1, kMax, kMin, kMin + 1};
    const std::uint8_t b = byte();
    if (b < 208) return b % 8;
    return extremes[(b - 208) % (sizeof(extremes) / sizeof(extremes[0]))];
  }
  // A small axis length for an input tensor.
  std::int64_t dim() { return byte() % 7; }
  xg::Dtype dtype() {
    const std::uint8_t b = byte() % 8;
    return b == 0 ? xg::kInt64 : b < 4 ? xg::kFloat64 : xg::kFloat32;
  }
  xg::Int2 int2() {
    if (flag()) return xg::Int2(arg());
    const std::int64_t h = arg();
    return xg::Int2(h, arg());
  }
  // A 3-D size: one value for the three axes, or three.
  xg::Int3 int3() {
    if (flag()) return xg::Int3(arg());
    const std::int64_t d = arg(), h = arg();
    return xg::Int3(d, h, arg());
  }
  // A tensor of a small decoded shape (`rank` axes), with values in [-2, 2) drawn from the
  // bytes, or an undefined tensor now and then.
  xg::Tensor tensor(std::size_t rank, bool allow_undefined = true) {
    if (allow_undefined && byte() == 255) return xg::Tensor();
    xg::Shape shape;
    for (std::size_t i = 0; i < rank; ++i) shape.push_back(dim());
    const xg::Dtype dt = dtype();
    std::vector<double> values(static_cast<std::size_t>(xg::shape_numel(shape)));
    for (auto& v : values) v = static_cast<double>(byte() % 16) / 4.0 - 2.0;
    return xg::tensor(values, shape, dt);
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_, i_ = 0;
};

// Backpropagates from a float result that requires grad: the backward of these geometries runs too.
inline void backprop(const xg::Tensor& y) {
  if (y.defined() && y.requires_grad() && xg::is_floating(y.dtype())) y.sum().backward();
}

inline xg::Tensor leaf(xg::Tensor x) {
  if (x.defined() && xg::is_floating(x.dtype())) x.requires_grad_();
  return x;
}

/// The ops along a line and the newer functions (tests/fuzz/fuzz_ops_more.cpp).
void run_more(Reader& r);

}  // namespace xg::fuzz
