// Private: the short name of a C++ type, as modules and optimizers name themselves in
// messages and saved state ("xg::nn::Linear" -> "Linear", "(anonymous namespace)::Net" -> "Net").
#pragma once

#include <cxxabi.h>

#include <cstdlib>
#include <string>
#include <typeinfo>

namespace xg::detail {

inline std::string short_type_name(const std::type_info& type) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string name = status == 0 && demangled ? demangled : type.name();
  std::free(demangled);
  const auto colon = name.rfind("::");
  return colon == std::string::npos ? name : name.substr(colon + 2);
}

}  // namespace xg::detail
