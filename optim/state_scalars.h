// Private: the per-parameter scalars of optimizer state, kept as float64 tensors on the CPU
// so that bias corrections and step sizes cost no device read: the step count t (a
// parameter skipped on some steps keeps its own count) and others such as NAdam's product
// of momenta. Used by optim/optimizers.cpp and optim/optimizers_more.cpp.
#pragma once

#include <map>
#include <string>

#include <xgrad/tensor.h>

namespace xg::optim::state_scalars {

/// The scalar `name` of a parameter's state, made as `initial` on first use.
inline Tensor& scalar(std::map<std::string, Tensor>& s, const std::string& name, double initial) {
  auto it = s.find(name);
  if (it == s.end()) it = s.emplace(name, scalar_tensor(initial, kFloat64)).first;
  return it->second;
}

/// The parameter's next step count t (1 on its first update), stored when `commit` (a
/// captured step reads it without advancing it).
inline double next_step(std::map<std::string, Tensor>& s, bool commit = true) {
  Tensor& t = scalar(s, "step", 0.0);
  if (!commit) return t.item() + 1.0;
  t.add_(1.0);
  return t.item();
}

}  // namespace xg::optim::state_scalars
