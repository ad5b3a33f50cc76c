// ModuleDict, ParameterList, ParameterDict (nn/include/xgrad/nn/containers.h). A change
// other than appending re-registers every entry in order, so positions are kept and every
// registration points at where its entry now lives.
#include <xgrad/nn/containers.h>

#include <algorithm>

#include <xgrad/detail/format.h>

namespace xg::nn {

namespace {

std::string key_list(const std::vector<std::string>& keys) {
  std::string s = "[";
  for (std::size_t i = 0; i < keys.size(); ++i) s += (i ? ", '" : "'") + keys[i] + "'";
  return s + "]";
}

[[noreturn]] void no_key(const char* container, const std::string& key, const std::vector<std::string>& keys) {
  fail(container, ": no entry '", key, "' (keys: ", key_list(keys), ")");
}

[[noreturn]] void not_callable(const char* container) {
  fail(container, ": a container has no forward; call the modules it holds (", container, "[key](x))");
}

}  // namespace

// ---- ModuleDict ----

std::vector<ModuleDict::Item>::const_iterator ModuleDict::find(const std::string& key) const {
  return std::find_if(items_.begin(), items_.end(), [&](const Item& it) { return it.first == key; });
}

void ModuleDict::insert(const std::string& key, std::shared_ptr<Module> module) {
  if (!module) fail("ModuleDict: the module for '", key, "' is null");
  const auto at = find(key);
  if (at == items_.end()) {
    register_module(key, *module);
    items_.emplace_back(key, std::move(module));
    return;
  }
  // Replaced in place: re-register every child, so the order stays the dictionary's.
  for (const auto& [k, m] : items_) unregister_module(k);
  items_[static_cast<std::size_t>(at - items_.begin())].second = std::move(module);
  for (const auto& [k, m] : items_) register_module(k, *m);
}

void ModuleDict::update(const std::vector<Item>& modules) {
  for (const auto& [key, module] : modules) insert(key, module);
}

Module& ModuleDict::operator[](const std::string& key) const {
  const auto at = find(key);
  if (at == items_.end()) no_key("ModuleDict", key, keys());
  return *at->second;
}

void ModuleDict::wrong_type(const std::string& key) const {
  fail("ModuleDict: the module under '", key, "' is a ", (*this)[key].type_name(), ", not the type asked for");
}

std::shared_ptr<Module> ModuleDict::pop(const std::string& key) {
  const auto at = find(key);
  if (at == items_.end()) no_key("ModuleDict", key, keys());
  std::shared_ptr<Module> module = at->second;
  unregister_module(key);
  items_.erase(at);
  return module;
}

void ModuleDict::clear() {
  for (const auto& [k, m] : items_) unregister_module(k);
  items_.clear();
}

bool ModuleDict::contains(const std::string& key) const { return find(key) != items_.end(); }

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, m] : items_) out.push_back(k);
  return out;
}

std::vector<std::shared_ptr<Module>> ModuleDict::values() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [k, m] : items_) out.push_back(m);
  return out;
}

Tensor ModuleDict::forward(const Tensor&) { not_callable("ModuleDict"); }

// ---- parameters: registered with their own requires_grad, as libtorch's containers ----

namespace {
template <class Register>
void register_keeping_flag(Tensor& t, Register&& reg) {
  const bool trained = t.requires_grad();
  reg(t);  // marks it requires_grad
  if (!trained) t.requires_grad_(false);
}
}  // namespace

void ParameterList::append(const Tensor& parameter) {
  if (!parameter.defined()) fail("ParameterList: parameter ", params_.size(), " is undefined");
  params_.push_back(parameter);
  register_keeping_flag(params_.back(), [&](Tensor& t) { register_parameter(std::to_string(params_.size() - 1), t); });
}

void ParameterList::extend(const tensor_list& parameters) {
  for (const Tensor& p : parameters) append(p);
}

Tensor& ParameterList::operator[](std::size_t i) {
  if (i >= params_.size()) fail("ParameterList: index ", i, " is out of range for ", params_.size(), " parameters");
  return params_[i];
}

const Tensor& ParameterList::operator[](std::size_t i) const {
  return (*const_cast<ParameterList*>(this))[i];  // NOLINT: the same checked lookup
}

Tensor ParameterList::forward(const Tensor&) { not_callable("ParameterList"); }

std::size_t ParameterDict::index(const std::string& key) const {
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (params_[i].first == key) return i;
  return params_.size();
}

void ParameterDict::insert(const std::string& key, const Tensor& parameter) {
  if (!parameter.defined()) fail("ParameterDict: the parameter for '", key, "' is undefined");
  const std::size_t i = index(key);
  if (i == params_.size()) {
    params_.emplace_back(key, parameter);
    register_keeping_flag(params_.back().second, [&](Tensor& t) { register_parameter(key, t); });
    return;
  }
  // Replaced in place: every entry re-registered, in order (the slot held the old tensor).
  for (const auto& [k, t] : params_) unregister_parameter(k);
  params_[i].second = parameter;
  for (auto& [k, t] : params_) register_keeping_flag(t, [&, name = k](Tensor& p) { register_parameter(name, p); });
}

void ParameterDict::update(const NamedTensors& parameters) {
  for (const auto& [key, t] : parameters) insert(key, t);
}

Tensor& ParameterDict::operator[](const std::string& key) {
  const std::size_t i = index(key);
  if (i == params_.size()) no_key("ParameterDict", key, keys());
  return params_[i].second;
}

const Tensor& ParameterDict::operator[](const std::string& key) const {
  return (*const_cast<ParameterDict*>(this))[key];  // NOLINT: the same checked lookup
}

Tensor ParameterDict::pop(const std::string& key) {
  const std::size_t i = index(key);
  if (i == params_.size()) no_key("ParameterDict", key, keys());
  // Erasing from a deque's middle moves the later entries: re-register them all.
  for (const auto& [k, t] : params_) unregister_parameter(k);
  Tensor out = params_[i].second;
  params_.erase(params_.begin() + static_cast<std::ptrdiff_t>(i));
  for (auto& [k, t] : params_) register_keeping_flag(t, [&, name = k](Tensor& p) { register_parameter(name, p); });
  return out;
}

void ParameterDict::clear() {
  for (const auto& [k, t] : params_) unregister_parameter(k);
  params_.clear();
}

bool ParameterDict::contains(const std::string& key) const { return index(key) != params_.size(); }

std::vector<std::string> ParameterDict::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, t] : params_) out.push_back(k);
  return out;
}

tensor_list ParameterDict::values() const {
  tensor_list out;
  for (const auto& [k, t] : params_) out.push_back(t);
  return out;
}

NamedTensors ParameterDict::items() const { return NamedTensors(params_.begin(), params_.end()); }

Tensor ParameterDict::forward(const Tensor&) { not_callable("ParameterDict"); }

}  // namespace xg::nn
