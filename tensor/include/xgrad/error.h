// xg::Error, the one exception type xgrad throws for bad input, and the helpers that
// build its messages (shapes are written as "(100,784)").
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace xg {

/// Thrown for every user error: the message names the operation and the shapes,
/// dtypes, axes or indices involved.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

namespace detail {

inline void append(std::ostringstream&) {}
template <class T, class... Rest>
void append(std::ostringstream& os, const T& v, const Rest&... rest) {
  os << v;
  append(os, rest...);
}

/// Concatenates the streamed arguments into a string.
template <class... Args>
std::string cat(const Args&... args) {
  std::ostringstream os;
  append(os, args...);
  return os.str();
}

/// "(2,3)" for a shape or list of axes.
std::string shape_str(const std::vector<int64_t>& shape);

}  // namespace detail

/// Throws xg::Error with the streamed arguments as message.
template <class... Args>
[[noreturn]] void fail(const Args&... args) {
  throw Error(detail::cat(args...));
}

}  // namespace xg
