// The optimizer base: a flat list of parameters (in groups with their own learning rate and
// weight decay), per-parameter state kept beside it, and step() running without a graph.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <xgrad/tensor.h>

namespace xg::optim {

/// Parameters sharing a learning rate and an L2 weight decay.
struct ParamGroup {
  tensor_list params;
  double lr = 0.01;
  double weight_decay = 0.0;
};

class Optimizer {
 public:
  /// One group holding `params`.
  Optimizer(const tensor_list& params, double lr, double weight_decay);
  /// Several groups, each with its own learning rate and weight decay.
  explicit Optimizer(std::vector<ParamGroup> groups);
  virtual ~Optimizer() = default;

  /// Adds parameters with their own learning rate and weight decay (as PyTorch's).
  void add_param_group(ParamGroup group);

  /// Drops the gradient of every parameter.
  void zero_grad();
  /// One update of every parameter that has a gradient (frozen or unused ones are skipped).
  /// Weight decay, if set, is added to the gradient first (L2, as the textbook and DeZero),
  /// except for optimizers with decoupled decay (AdamW).
  void step();

  /// Learning rate of the first group; set_lr sets every group's.
  double lr() const;
  void set_lr(double lr);
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  /// Number of step() calls so far.
  std::int64_t steps() const { return steps_; }

  /// Everything needed to resume: "steps", "group.<g>.lr", "group.<g>.weight_decay" and
  /// "state.<i>.<buffer>" for parameter i (in group order). Saved with xg::save.
  NamedTensors state_dict() const;
  /// Restores a state_dict; shapes must match this optimizer's parameters.
  void load_state_dict(const NamedTensors& state);

 protected:
  using State = std::map<std::string, Tensor>;
  /// Updates p in place (recording is off) from its gradient g.
  virtual void update(Tensor& p, const Tensor& g, State& state, const ParamGroup& group) = 0;
  /// True when weight decay is applied to the parameter directly, not to the gradient.
  virtual bool decoupled_weight_decay() const { return false; }
  /// The named buffer of a parameter's state, created as zeros like p on first use.
  static Tensor& buffer(State& state, const std::string& name, const Tensor& p);

 private:
  std::vector<ParamGroup> groups_;
  std::vector<State> state_;  // one per parameter, over the groups in order
  std::int64_t steps_ = 0;
};

}  // namespace xg::optim

namespace xg {
/// Writes the optimizer's state_dict() to an .npz, atomically (as xg::save of a model).
void save(const optim::Optimizer& optimizer, const std::string& path);
/// Restores an optimizer saved with xg::save; errors name the key or byte offset.
void load(optim::Optimizer& optimizer, const std::string& path);
}  // namespace xg
