// Module registration, traversal and mode switching.
#include <xgrad/detail/format.h>

#include <algorithm>
#include <typeinfo>
#include <functional>
#include <unordered_set>

#include <xgrad/autograd.h>
#include <xgrad/nn/module.h>

#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"
#include "tensor/type_name.h"

namespace xg::nn {

Tensor Module::operator()(const Tensor& x) {
  return call(x, [this](const Tensor& input) { return forward(input); });
}

std::string Module::type_name() const { return detail::short_type_name(typeid(*this)); }

void Module::check_new_name(const std::string& name, const char* call) {
  if (name.empty() || name.find('.') != std::string::npos)
    fail(call, ": name '", name, "' must be non-empty and contain no '.'");
  // A set, not a scan of the slots: registering n members stays linear (a 65,536-layer
  // recurrent stack once spent minutes here).
  if (names_.count(name)) fail(call, ": '", name, "' is already registered in this ", type_name());
}

void Module::register_parameter(const std::string& name, Tensor& parameter) {
  check_new_name(name, "register_parameter");
  if (!parameter.defined()) fail("register_parameter: '", name, "' is undefined");
  if (!is_floating(parameter.dtype()))
    fail("register_parameter: '", name, "' is ", dtype_name(parameter.dtype()), "; parameters must be float");
  if (!parameter.is_leaf()) parameter = parameter.detach();
  parameter.requires_grad_();
  auto home = std::make_shared<const detail::ParameterHome>(detail::ParameterHome{&parameter, "'" + name + "' of " + type_name()});
  parameter.impl()->home = home;
  params_.push_back({name, &parameter, parameter.impl(), std::move(home)});
  names_.insert(name);
}

void Module::register_buffer(const std::string& name, Tensor& buffer) {
  check_new_name(name, "register_buffer");
  if (!buffer.defined()) fail("register_buffer: '", name, "' is undefined");
  buffers_.push_back({name, &buffer, buffer.impl(), nullptr});  // buffers are not trained: no home
  names_.insert(name);
}

void Module::register_module(const std::string& name, Module& module) {
  check_new_name(name, "register_module");
  if (&module == this) fail("register_module: a module cannot contain itself");
  children_.emplace_back(name, &module);
  names_.insert(name);
  module.train(training_);
}

void Module::unregister_module(const std::string& name) {
  const auto it = std::find_if(children_.begin(), children_.end(), [&](const auto& c) { return c.first == name; });
  if (it == children_.end()) fail("unregister_module: no module '", name, "' is registered in this ", type_name());
  children_.erase(it);
  names_.erase(name);
}

void Module::unregister_parameter(const std::string& name) {
  const auto it = std::find_if(params_.begin(), params_.end(), [&](const Slot& s) { return s.name == name; });
  if (it == params_.end()) fail("unregister_parameter: no parameter '", name, "' is registered in this ", type_name());
  params_.erase(it);
  names_.erase(name);
}

const Tensor& Module::checked(const Slot& slot, const std::string& prefix) const {
  // A member reassigned after registration would leave optimizers updating the old tensor
  // while forward uses the new one: make that loud instead of silently not training.
  if (slot.member->impl() != slot.registered)
    fail(type_name(), ": '", prefix, slot.name, "' was replaced by assignment after registration; "
         "optimizers and saved state still hold the original tensor. Load values with "
         "set_parameter() or copy_() instead.");
  return *slot.member;
}

void Module::collect(const std::string& prefix, bool want_params, NamedTensors& out) const {
  if (!materialized())
    fail(type_name(), prefix.empty() ? std::string() : " '" + prefix.substr(0, prefix.size() - 1) + "'",
         ": its parameters are sized by the first input it sees, and it has not seen one yet. Run the model "
         "once (a forward, or xg::nn::summary) before taking parameters(), building an optimizer or saving.");
  for (const auto& s : want_params ? params_ : buffers_) out.emplace_back(prefix + s.name, checked(s, prefix));
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", want_params, out);
}

void Module::collect_entries(const std::string& prefix, const std::string& torch_prefix,
                             std::vector<StateEntry>& out) const {
  if (!materialized()) {
    NamedTensors unused;
    collect(prefix, true, unused);  // throws the lazy layer's message
  }
  const std::vector<TorchName> renames = torch_names();
  for (const bool buffer : {false, true})
    for (const auto& s : buffer ? buffers_ : params_) {
      StateEntry e{prefix + s.name, torch_prefix + s.name, checked(s, prefix), false, buffer};
      for (const auto& r : renames)
        if (s.name == r.name) {
          e.torch_name = torch_prefix + r.torch;
          e.transposed = r.transposed;
        }
      out.push_back(std::move(e));
    }
  for (const auto& [name, child] : children_) child->collect_entries(prefix + name + ".", torch_prefix + name + ".", out);
}

std::vector<StateEntry> Module::state_entries() const {
  std::vector<StateEntry> out;
  collect_entries("", "", out);
  return out;
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", true, out);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", false, out);
  return out;
}

NamedTensors Module::state() const {
  NamedTensors out = named_parameters();
  collect("", false, out);
  return out;
}

namespace {
// Each tensor once, at its first name: a module registered under two names (tied weights)
// or added to a Sequential twice shares its tensors, and an optimizer, clip_grad_norm or
// DDP that saw them twice would update, count or all-reduce them twice (PyTorch lists each once).
tensor_list unique(const NamedTensors& named) {
  tensor_list out;
  std::unordered_set<const detail::TensorImpl*> seen;
  for (const auto& [name, t] : named)
    if (seen.insert(t.impl().get()).second) out.push_back(t);
  return out;
}
}  // namespace

tensor_list Module::parameters() const { return unique(named_parameters()); }

tensor_list Module::buffers() const { return unique(named_buffers()); }

std::vector<std::pair<std::string, Module*>> Module::children() const { return children_; }

std::vector<Module::NamedModule> Module::named_children() const {
  return std::vector<NamedModule>(children_.begin(), children_.end());
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (Module* m : modules()) fn(*m);
}

std::vector<Module*> Module::modules(bool include_self) const {
  std::vector<Module*> out;
  std::unordered_set<const Module*> seen;
  // Pre-order, children in registration order, each module at its first visit.
  const std::function<void(const Module*)> visit = [&](const Module* m) {
    if (!seen.insert(m).second) return;
    out.push_back(const_cast<Module*>(m));  // the handles are mutable, as children()'s
    for (const auto& child : m->children_) visit(child.second);
  };
  visit(this);
  if (!include_self) out.erase(out.begin());
  return out;
}

void Module::set_parameter(const std::string& dotted_name, const Tensor& value) {
  for (auto& [name, t] : state()) {
    if (name != dotted_name) continue;
    if (value.shape() != t.shape())
      fail("set_parameter: '", dotted_name, "' has shape ", detail::shape_str(t.shape()), ", got ",
           detail::shape_str(value.shape()));
    NoGradGuard no_grad;
    t.copy_(value);
    return;
  }
  fail("set_parameter: ", type_name(), " has no parameter or buffer '", dotted_name, "'");
}

void Module::zero_grad() {
  for (auto& [name, t] : named_parameters()) t.zero_grad();
}

void Module::train(bool on) {
  training_ = on;
  on_train(on);
  for (auto& [name, child] : children_) child->train(on);
}

void Module::to(Dtype dtype) {
  for (auto& [name, t] : state()) {
    if (t.dtype() == dtype || !is_floating(t.dtype())) continue;
    if (!is_floating(dtype)) fail("to: parameter '", name, "' cannot become ", dtype_name(dtype));
    // Swap the storage inside the same handle: optimizers holding it stay valid.
    const Tensor converted = kernel::cast(t, dtype);
    t.impl()->storage = converted.impl()->storage;
    t.impl()->dtype = dtype;
    t.impl()->grad.reset();
  }
}

void Module::to(Device device) {
  detail::check_device(device, "Module::to");
  for (auto& [name, t] : state()) {
    if (t.device() == detail::resolved(device)) continue;
    // Swap the storage inside the same handle, as to(Dtype): optimizers holding it stay valid.
    t.impl()->storage = detail::copy_to(t, device, "Module::to").impl()->storage;
    t.impl()->grad.reset();
  }
}

void Module::to(Device device, Dtype dtype) {
  to(device);
  to(dtype);
}

void Module::requires_grad_(bool requires_grad) {
  for (auto& [name, t] : named_parameters()) t.requires_grad_(requires_grad);
}

}  // namespace xg::nn
