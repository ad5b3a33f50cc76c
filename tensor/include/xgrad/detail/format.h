// How xgrad builds its error messages (shapes are written as "(100,784)"). Included by
// the library's sources, not by the umbrella header: <sstream> costs users' compile time.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <xgrad/error.h>

namespace xg {

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
std::string shape_str(const std::vector<std::int64_t>& shape);

}  // namespace detail

/// Throws xg::Error with the streamed arguments as message.
template <class... Args>
[[noreturn]] void fail(const Args&... args) {
  throw Error(detail::cat(args...));
}

}  // namespace xg
