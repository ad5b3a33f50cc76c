// The optimizer base: groups, the step loop, weight decay and state save/restore.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/npz.h>
#include <xgrad/ops.h>
#include <xgrad/optim/optimizer.h>

namespace xg::optim {

Optimizer::Optimizer(const tensor_list& params, double lr, double weight_decay)
    : Optimizer(std::vector<ParamGroup>{{params, lr, weight_decay}}) {}

Optimizer::Optimizer(std::vector<ParamGroup> groups) {
  for (auto& g : groups) add_param_group(std::move(g));
}

void Optimizer::add_param_group(ParamGroup g) {
  const std::size_t gi = groups_.size();
  if (!(g.lr >= 0)) fail("optimizer: group ", gi, " has an invalid learning rate ", g.lr);
  if (!(g.weight_decay >= 0)) fail("optimizer: group ", gi, " has a negative weight decay ", g.weight_decay);
  for (std::size_t i = 0; i < g.params.size(); ++i) {
    const auto& p = g.params[i];
    if (!p.defined() || !is_floating(p.dtype()))
      fail("optimizer: parameter ", i, " of group ", gi, " is ", p.defined() ? "not a float tensor" : "undefined");
  }
  state_.resize(state_.size() + g.params.size());
  groups_.push_back(std::move(g));
}

void Optimizer::zero_grad() {
  for (auto& g : groups_)
    for (auto& p : g.params) p.zero_grad();
}

void Optimizer::step() {
  NoGradGuard no_grad;
  ++steps_;
  std::size_t k = 0;
  for (const auto& group : groups_) {
    for (auto p : group.params) {
      State& state = state_[k++];
      Tensor g = p.grad();
      if (!g.defined()) continue;
      if (group.weight_decay != 0.0) {
        if (decoupled_weight_decay())
          p.mul_(1.0 - group.lr * group.weight_decay);
        else
          g = g + p * group.weight_decay;  // d/dW of 0.5 * wd * ||W||^2
      }
      update(p, g, state, group);
    }
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
  return it->second;
}

NamedTensors Optimizer::state_dict() const {
  NamedTensors out;
  out.emplace_back("steps", scalar_tensor(static_cast<double>(steps_), kInt64));
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    out.emplace_back("group." + std::to_string(g) + ".lr", scalar_tensor(groups_[g].lr, kFloat64));
    out.emplace_back("group." + std::to_string(g) + ".weight_decay", scalar_tensor(groups_[g].weight_decay, kFloat64));
  }
  for (std::size_t i = 0; i < state_.size(); ++i)
    for (const auto& [name, t] : state_[i]) out.emplace_back("state." + std::to_string(i) + "." + name, t);
  return out;
}

void Optimizer::load_state_dict(const NamedTensors& state) {
  // Validate everything first, so a bad file leaves the optimizer as it was.
  std::vector<const Tensor*> params;
  for (const auto& g : groups_)
    for (const auto& p : g.params) params.push_back(&p);
  std::vector<State> new_state(state_.size());
  std::vector<ParamGroup> new_groups = groups_;
  std::int64_t new_steps = -1;
  for (const auto& [key, t] : state) {
    if (key == "steps") {
      new_steps = static_cast<std::int64_t>(t.item());
    } else if (key.rfind("group.", 0) == 0) {
      const auto dot = key.find('.', 6);
      const std::size_t g = std::stoul(key.substr(6, dot - 6));
      if (g >= new_groups.size()) fail("load_state_dict: '", key, "' names group ", g, ", but the optimizer has ", new_groups.size());
      (key.substr(dot + 1) == "lr" ? new_groups[g].lr : new_groups[g].weight_decay) = t.item();
    } else if (key.rfind("state.", 0) == 0) {
      const auto dot = key.find('.', 6);
      const std::size_t i = std::stoul(key.substr(6, dot - 6));
      if (i >= params.size()) fail("load_state_dict: '", key, "' names parameter ", i, ", but the optimizer has ", params.size());
      const std::string name = key.substr(dot + 1);
      if (name != "step" && t.shape() != params[i]->shape())
        fail("load_state_dict: '", key, "' has shape ", detail::shape_str(t.shape()), ", but parameter ", i, " has shape ",
             detail::shape_str(params[i]->shape()));
      new_state[i][name] = t.to(name == "step" ? t.dtype() : params[i]->dtype()).clone();
    } else {
      fail("load_state_dict: unexpected key '", key, "'");
    }
  }
  if (new_steps < 0) fail("load_state_dict: missing key 'steps'");
  state_ = std::move(new_state);
  groups_ = std::move(new_groups);
  steps_ = new_steps;
}

}  // namespace xg::optim

namespace xg {
void save(const optim::Optimizer& optimizer, const std::string& path) { save_npz(optimizer.state_dict(), path); }
void load(optim::Optimizer& optimizer, const std::string& path) { optimizer.load_state_dict(load_npz(path)); }
}  // namespace xg
