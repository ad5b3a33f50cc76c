// The optimizer base: groups, the step loop, weight decay and state save/restore.
#include <xgrad/detail/format.h>

#include <algorithm>
#include <cmath>
#include <typeinfo>

#include <xgrad/autograd.h>
#include <xgrad/npz.h>
#include <xgrad/ops.h>
#include <xgrad/optim/optimizer.h>

#include "tensor/checked.h"
#include "tensor/cuda/capture.h"
#include "tensor/tensor_impl.h"
#include "tensor/type_name.h"

namespace xg::optim {

Optimizer::Optimizer(const tensor_list& params, double lr, double weight_decay)
    : Optimizer(std::vector<ParamGroup>{{params, lr, weight_decay}}) {}

Optimizer::Optimizer(std::vector<ParamGroup> groups) {
  std::size_t count = 0;
  for (const auto& g : groups) count += g.params.size();
  if (count == 0)
    fail("optimizer: got an empty parameter list (a model whose layers are not registered? "
         "register_module / register_parameter them)");
  for (auto& g : groups) add_param_group(std::move(g));
}

std::string Optimizer::type_name() const { return detail::short_type_name(typeid(*this)); }

void Optimizer::add_param_group(ParamGroup g) {
  const std::size_t gi = groups_.size();
  if (!(g.lr >= 0)) fail("optimizer: group ", gi, " has an invalid learning rate ", g.lr);
  if (!(g.weight_decay >= 0)) fail("optimizer: group ", gi, " has a negative weight decay ", g.weight_decay);
  for (std::size_t i = 0; i < g.params.size(); ++i) {
    const auto& p = g.params[i];
    if (!p.defined() || !is_floating(p.dtype()))
      fail("optimizer: parameter ", i, " of group ", gi, " is ", p.defined() ? "not a float tensor" : "undefined");
    // A tensor listed twice would be updated twice per step (and its state kept twice).
    for (std::size_t j = 0; j < i; ++j)
      if (g.params[j].is_same(p))
        fail("optimizer: parameter ", i, " of group ", gi, " is parameter ", j, " again; list each tensor once "
             "(Module::parameters() does, also for shared modules)");
    for (std::size_t h = 0; h < groups_.size(); ++h)
      for (std::size_t j = 0; j < groups_[h].params.size(); ++j)
        if (groups_[h].params[j].is_same(p))
          fail("optimizer: parameter ", i, " of group ", gi, " is already parameter ", j, " of group ", h,
               "; a parameter belongs to one group");
  }
  state_.resize(state_.size() + g.params.size());
  groups_.push_back(std::move(g));
  guard_.token = std::make_shared<const int>(0);  // references into groups_ and state_ may have moved
}

void Optimizer::zero_grad() {
  for (auto& g : groups_)
    for (auto& p : g.params) p.zero_grad();
}

void Optimizer::step() {
  detail::CallScope call("step");  // what an error (or an implicit GPU wait) inside names
  NoGradGuard no_grad;
  // A module member reassigned after this optimizer took its tensor (`net.W = ...`): forward
  // uses the new tensor, this optimizer would train the old one, silently.
  for (std::size_t gi = 0; gi < groups_.size(); ++gi)
    for (std::size_t i = 0; i < groups_[gi].params.size(); ++i) {
      const auto& impl = groups_[gi].params[i].impl();
      if (const auto home = impl->home.lock(); home && home->member->impl() != impl)
        fail("step: parameter ", i, " of group ", gi, " (", home->what, ") was replaced by assignment after the "
             "optimizer was built: forward uses the new tensor, the optimizer holds the old one. Load values in "
             "place with set_parameter() or copy_(), or build the optimizer after replacing it.");
    }
  ++steps_;
  std::size_t k = 0;
  std::vector<Slot> slots;
  for (const auto& group : groups_) {
    slots.clear();
    for (const auto& p : group.params) {
      State& state = state_[k++];
      if (Tensor g = p.grad(); g.defined()) slots.push_back({p, std::move(g), &state});
    }
    if (!slots.empty()) update_group(slots, group);
  }
}

void Optimizer::update_group(std::vector<Slot>& slots, const ParamGroup& group) {
  if (detail::gpu::capturing() && !slots.empty() && !slots[0].param.device().is_cpu())
    fail("step: ", type_name(), "'s composed update (fused off, or a subclass of a built-in optimizer) cannot be "
         "captured in a CUDA graph: its learning rate and step counts would stay those of the capture; use a "
         "built-in optimizer with set_fused(true), the default");
  for (Slot& s : slots) {
    Tensor g = s.grad;
    if (group.weight_decay != 0.0) {
      if (decoupled_weight_decay())
        s.param.mul_(1.0 - group.lr * group.weight_decay);
      else
        g = g + s.param * group.weight_decay;  // d/dW of 0.5 * wd * ||W||^2
    }
    update(s.param, g, *s.state, group);
  }
}

double Optimizer::lr() const {
  if (groups_.empty()) fail("optimizer: no parameter groups");
  return groups_[0].lr;
}

void Optimizer::set_lr(double lr) {
  for (auto& g : groups_) g.lr = lr;
}

Tensor& Optimizer::buffer(State& state, const std::string& name, const Tensor& p) {
  auto it = state.find(name);
  if (it == state.end()) it = state.emplace(name, zeros_like(p)).first;
  // State follows its parameter (a Module::to after the optimizer's first step).
  else if (it->second.device() != p.device()) it->second = it->second.to(p.device());
  return it->second;
}

NamedTensors Optimizer::state_dict() const {
  NamedTensors out;
  out.emplace_back("type." + type_name(), scalar_tensor(1.0, kInt64));  // who wrote it, format 1
  out.emplace_back("steps", scalar_tensor(static_cast<double>(steps_), kInt64));
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    out.emplace_back("group." + std::to_string(g) + ".lr", scalar_tensor(groups_[g].lr, kFloat64));
    out.emplace_back("group." + std::to_string(g) + ".weight_decay", scalar_tensor(groups_[g].weight_decay, kFloat64));
  }
  for (std::size_t i = 0; i < state_.size(); ++i)
    for (const auto& [name, t] : state_[i]) out.emplace_back("state." + std::to_string(i) + "." + name, t);
  for (auto& [name, t] : extra_state()) out.emplace_back("extra." + name, std::move(t));
  return out;
}

namespace {

// "<prefix><index>.<rest>" -> (index, rest); anything else is an error naming the key.
std::pair<std::size_t, std::string> split_key(const std::string& key, std::size_t prefix) {
  const auto dot = key.find('.', prefix);
  if (dot == std::string::npos || dot + 1 == key.size())
    fail("load_state_dict: malformed key '", key, "' (expected '", key.substr(0, prefix), "<index>.<name>')");
  const auto index = detail::parse_size(key.substr(prefix, dot - prefix), "load_state_dict: key '" + key + "'");
  return {static_cast<std::size_t>(index), key.substr(dot + 1)};
}

// The value of a one-element tensor that must be finite and at least 0 (and, for counters,
// a whole number no larger than 2^53, so the conversion to int64 is exact).
double checked_scalar(const Tensor& t, const std::string& key, bool counter) {
  if (t.numel() != 1)
    fail("load_state_dict: '", key, "' must hold one value, got shape ", detail::shape_str(t.shape()));
  const double v = t.item();
  if (!std::isfinite(v) || v < 0 || (counter && (v != std::floor(v) || v > 9007199254740992.0)))
    fail("load_state_dict: '", key, "' is ", v, ", expected a ", counter ? "whole number of steps" : "finite value",
         " >= 0");
  return v;
}

}  // namespace

void Optimizer::load_extra_state(const NamedTensors& extra) {
  if (!extra.empty()) fail("load_state_dict: unexpected key 'extra.", extra.front().first, "': ", type_name(), " keeps no such state");
}

void Optimizer::load_state_dict(const NamedTensors& state) {
  // Validate everything first, so a bad file leaves the optimizer as it was.
  std::vector<const Tensor*> params;
  for (const auto& g : groups_)
    for (const auto& p : g.params) params.push_back(&p);
  std::vector<State> new_state(state_.size());
  NamedTensors extra;
  std::vector<ParamGroup> new_groups = groups_;
  std::int64_t new_steps = -1;
  const std::vector<std::string> names = state_names();
  std::string keeps;
  for (const auto& n : names) keeps += (keeps.empty() ? "" : ", ") + n;
  for (const auto& [key, t] : state) {
    if (!t.defined()) fail("load_state_dict: '", key, "' is undefined");
    if (key.rfind("type.", 0) == 0) {
      if (key.substr(5) != type_name())
        fail("load_state_dict: the state was saved by ", key.substr(5), ", and this optimizer is ", type_name(),
             "; load it into a ", key.substr(5));
      if (t.numel() != 1 || t.item() != 1.0)
        fail("load_state_dict: '", key, "' holds format ", t.numel() == 1 ? t.item() : -1.0, ", expected 1");
      continue;
    }
    if (key.rfind("extra.", 0) == 0) {
      extra.emplace_back(key.substr(6), t);
    } else if (key == "steps") {
      new_steps = static_cast<std::int64_t>(checked_scalar(t, key, true));
    } else if (key.rfind("group.", 0) == 0) {
      const auto [g, field] = split_key(key, 6);
      if (g >= new_groups.size()) fail("load_state_dict: '", key, "' names group ", g, ", but the optimizer has ", new_groups.size());
      if (field == "lr") new_groups[g].lr = checked_scalar(t, key, false);
      else if (field == "weight_decay") new_groups[g].weight_decay = checked_scalar(t, key, false);
      else fail("load_state_dict: unexpected key '", key, "' (a group has 'lr' and 'weight_decay')");
    } else if (key.rfind("state.", 0) == 0) {
      const auto [i, name] = split_key(key, 6);
      if (i >= params.size()) fail("load_state_dict: '", key, "' names parameter ", i, ", but the optimizer has ", params.size());
      if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end())
        fail("load_state_dict: '", key, "' is a '", name, "' buffer, which ", type_name(), " does not keep (it keeps ",
             keeps, "): the state comes from another optimizer");
      if (name == "step" || is_scalar_state(name)) {  // one value, kept as a float64 on the CPU
        new_state[i][name] = scalar_tensor(checked_scalar(t, key, name == "step"), kFloat64);
        continue;
      }
      if (t.shape() != params[i]->shape())
        fail("load_state_dict: '", key, "' has shape ", detail::shape_str(t.shape()), ", but parameter ", i, " has shape ",
             detail::shape_str(params[i]->shape()));
      if (!is_floating(t.dtype())) fail("load_state_dict: '", key, "' is ", dtype_name(t.dtype()), ", expected a float tensor");
      // On the parameter's device and in its dtype, never sharing the loaded tensor.
      const Tensor placed = t.to(params[i]->device(), params[i]->dtype());
      new_state[i][name] = placed.is_same(t) ? t.clone() : placed;
    } else {
      fail("load_state_dict: unexpected key '", key, "'");
    }
  }
  if (new_steps < 0) fail("load_state_dict: missing key 'steps'");
  load_extra_state(extra);  // checks everything before it changes anything, as above
  state_ = std::move(new_state);
  groups_ = std::move(new_groups);
  steps_ = new_steps;
  guard_.token = std::make_shared<const int>(0);  // new buffers: a captured step would update the old ones
}

}  // namespace xg::optim

namespace xg {
void save(const optim::Optimizer& optimizer, const std::string& path) {
  detail::CallScope call("save");
  save_npz(optimizer.state_dict(), path);
}
void load(optim::Optimizer& optimizer, const std::string& path) {
  detail::CallScope call("load");
  const NamedTensors state = load_npz(path);
  try {
    optimizer.load_state_dict(state);
  } catch (const Error& e) {
    fail("load: ", path, ": ", e.what());
  }
}
}  // namespace xg
