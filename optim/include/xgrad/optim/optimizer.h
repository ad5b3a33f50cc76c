// The optimizer base: a flat list of parameters (in groups with their own learning rate and
// weight decay), per-parameter state kept beside it, and step() running without a graph.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
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
  /// One group holding `params`. An empty list is an error (PyTorch: "optimizer got an
  /// empty parameter list"), and so is a tensor listed twice: it would be updated twice per
  /// step (Module::parameters() lists shared tensors once).
  Optimizer(const tensor_list& params, double lr, double weight_decay);
  /// Several groups, each with its own learning rate and weight decay.
  explicit Optimizer(std::vector<ParamGroup> groups);
  virtual ~Optimizer() = default;

  /// Adds parameters with their own learning rate and weight decay (as PyTorch's); a
  /// parameter already in a group is an error.
  void add_param_group(ParamGroup group);

  /// The optimizer's name ("Adam"), recorded in its saved state; derived from the type.
  virtual std::string type_name() const;
  /// The per-parameter state buffers this optimizer keeps ("m", "v", ...): a saved state
  /// holding others came from another optimizer. Empty (the default, for user-defined
  /// optimizers): any name is accepted.
  virtual std::vector<std::string> state_names() const { return {}; }

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

  /// Whether the built-in optimizers run a group's update as one fused kernel (on the CPU one
  /// pass over each parameter, on a GPU one launch for up to 40 parameters) instead of the
  /// composed tensor operations (2 to 11 passes per parameter). On by default (PyTorch's
  /// `fused=True`); both give the same values to rounding (a multiply and an add may be fused
  /// into one FMA). Off: the composed rule, the reference the fused one is tested against.
  /// Subclasses of a built-in optimizer always run the composed rule, so their update()
  /// overrides are honoured.
  void set_fused(bool on) { fused_ = on; }
  bool fused() const { return fused_; }

  /// Everything needed to resume: "type.<type_name()>" (the format version, 1), "steps",
  /// "group.<g>.lr", "group.<g>.weight_decay" and "state.<i>.<buffer>" for parameter i (in
  /// group order). Saved with xg::save.
  NamedTensors state_dict() const;
  /// Restores a state_dict; shapes must match this optimizer's parameters. A state saved by
  /// another optimizer type, or holding a buffer this one does not keep, is an xg::Error
  /// naming both (files without a "type." entry, from before it was recorded, are checked
  /// by their buffers alone).
  void load_state_dict(const NamedTensors& state);

 protected:
  using State = std::map<std::string, Tensor>;
  /// A parameter of a group that has a gradient this step, with its state.
  struct Slot {
    Tensor param;
    Tensor grad;
    State* state;
  };
  /// Updates p in place (recording is off) from its gradient g.
  virtual void update(Tensor& p, const Tensor& g, State& state, const ParamGroup& group) = 0;
  /// Updates a group's parameters that have gradients. The default adds L2 weight decay to
  /// each gradient (or decays the parameter, with decoupled decay) and calls update(); the
  /// built-in optimizers run their fused kernel here when fused() allows.
  virtual void update_group(std::vector<Slot>& slots, const ParamGroup& group);
  /// True when weight decay is applied to the parameter directly, not to the gradient.
  virtual bool decoupled_weight_decay() const { return false; }
  /// State kept for the whole optimizer rather than per parameter (LBFGS's history), saved
  /// as "extra.<name>". load_extra_state receives every "extra." entry of a state_dict
  /// (names without the prefix) and must check them all before changing anything; the
  /// default accepts none.
  virtual NamedTensors extra_state() const { return {}; }
  virtual void load_extra_state(const NamedTensors& extra);
  /// Whether a per-parameter state entry other than "step" (a whole count) is one value
  /// kept as a float64 on the CPU (NAdam's "mu_product"), restored as such by
  /// load_state_dict (a finite value >= 0) instead of a buffer of the parameter's shape.
  virtual bool is_scalar_state(const std::string& name) const { (void)name; return false; }
  /// The named buffer of a parameter's state, created as zeros like p on first use.
  static Tensor& buffer(State& state, const std::string& name, const Tensor& p);
  /// Expires when this optimizer dies, is assigned to, or its groups or state are changed
  /// (add_param_group, load_state_dict): a CUDA graph that captured a fused step reads the
  /// groups' learning rates and the state's step counts through it before every replay.
  std::weak_ptr<const int> capture_guard() const { return guard_.token; }

 private:
  // A token per object (a copy gets its own), renewed when groups or state change.
  struct Guard {
    std::shared_ptr<const int> token = std::make_shared<const int>(0);
    Guard() = default;
    Guard(const Guard&) {}
    Guard& operator=(const Guard&) {
      token = std::make_shared<const int>(0);
      return *this;
    }
  };
  std::vector<ParamGroup> groups_;
  std::vector<State> state_;  // one per parameter, over the groups in order
  std::int64_t steps_ = 0;
  bool fused_ = true;
  Guard guard_;
};

}  // namespace xg::optim

namespace xg {
/// Writes the optimizer's state_dict() to an .npz, atomically (as xg::save of a model).
void save(const optim::Optimizer& optimizer, const std::string& path);
/// Restores an optimizer saved with xg::save; errors name the key or byte offset.
void load(optim::Optimizer& optimizer, const std::string& path);
}  // namespace xg
