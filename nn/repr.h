// Private: PyTorch's repr spellings for the layers' describe() (nn/padding.cpp,
// nn/upsample.cpp): "(1, 1, 2, 0)" for sizes, "2.0" for a Python float.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xg::nn::detail_repr {

/// "(a, b, ...)", as Python prints a tuple of ints (one element: "(a,)"), from any ints
/// or, through `show`, any values.
template <class T, class Show>
std::string py_tuple(const std::vector<T>& v, Show show) {
  std::string s = "(";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + show(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}
inline std::string py_tuple(const std::vector<std::int64_t>& v) {
  return py_tuple(v, [](std::int64_t x) { return std::to_string(x); });
}
/// Python's repr of a float: the shortest digits that read back the same, ".0" when whole.
std::string py_float(double v);

}  // namespace xg::nn::detail_repr
