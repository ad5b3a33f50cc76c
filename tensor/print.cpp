// numpy-style printing: tensor([[1., 2.], [3., 4.]], shape=(2,2), dtype=float32).
#include <xgrad/detail/format.h>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "tensor/tensor_impl.h"

namespace xg {

namespace {

constexpr std::int64_t kSummarizeOver = 1000;  // numpy's threshold
constexpr std::int64_t kEdgeItems = 3;

std::string format_value(double v, bool float32, bool all_integral) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  if (all_integral && std::fabs(v) < 1e16) {
    std::snprintf(buf, sizeof buf, "%.0f.", v);
    return buf;
  }
  std::snprintf(buf, sizeof buf, float32 ? "%.7g" : "%.10g", v);
  return buf;
}

struct Printer {
  const Tensor& x;
  std::vector<std::string> cells;  // formatted elements, row-major
  std::size_t width = 0;
  bool summarize = false;
  std::ostream& os;

  bool shown(std::int64_t i, std::int64_t n) const {
    return !summarize || n <= 2 * kEdgeItems || i < kEdgeItems || i >= n - kEdgeItems;
  }

  void print(std::size_t axis, std::int64_t offset, int indent) {
    const auto& shape = x.shape();
    const std::int64_t n = shape[axis];
    std::int64_t stride = 1;
    for (std::size_t k = axis + 1; k < shape.size(); ++k) stride *= shape[k];
    os << '[';
    bool skipped = false;
    for (std::int64_t i = 0; i < n; ++i) {
      if (!shown(i, n)) {
        if (!skipped) {
          os << (axis + 1 == shape.size() ? "..., " : "...,\n" + std::string(indent + 1, ' '));
          skipped = true;
        }
        continue;
      }
      if (axis + 1 == shape.size()) {
        const auto& c = cells[offset + i];
        os << std::string(width - c.size(), ' ') << c;
        if (i + 1 < n) os << ", ";
      } else {
        print(axis + 1, offset + i * stride, indent + 1);
        if (i + 1 < n) os << ',' << std::string(shape.size() - axis - 1, '\n') << std::string(indent + 1, ' ');
      }
    }
    os << ']';
  }
};

}  // namespace

std::string repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::ostream& operator<<(std::ostream& os, const Tensor& x) {
  if (!x.defined()) return os << "tensor(undefined)";
  Printer p{x, {}, 0, x.numel() > kSummarizeOver, os};
  if (x.dtype() == kInt64) {  // read as integers: a double holds 53 bits, an int64 64
    for (std::int64_t v : x.to_vector<std::int64_t>()) p.cells.push_back(std::to_string(v));
  } else {
    const auto values = x.to_vector<double>();
    bool integral = true;
    for (double v : values) integral = integral && std::isfinite(v) && v == std::floor(v);
    for (double v : values) p.cells.push_back(format_value(v, x.dtype() == kFloat32, integral));
  }
  for (const auto& c : p.cells) p.width = std::max(p.width, c.size());
  os << "tensor(";
  if (x.dim() == 0)
    os << p.cells[0];
  else
    p.print(0, 0, 7);
  os << ", shape=" << detail::shape_str(x.shape()) << ", dtype=" << dtype_name(x.dtype());
  if (!x.device().is_cpu()) os << ", device=" << x.device().str();
  if (x.requires_grad()) os << (x.is_leaf() ? ", requires_grad=true" : ", grad_fn=" + x.grad_fn_name());
  return os << ')';
}

}  // namespace xg
