// xg::Error, the one exception type xgrad throws for bad input.
#pragma once

#include <stdexcept>
#include <string>

namespace xg {

/// Thrown for every user error: the message names the operation and the shapes,
/// dtypes, axes or indices involved.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace xg
