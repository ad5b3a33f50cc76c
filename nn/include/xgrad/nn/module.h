// xg::nn::Module: the base of layers and models. A module registers its parameters,
// buffers and sub-modules *by reference*: they are plain members, as in DeZero.
//
//   struct TwoLayerNet : xg::nn::Module {
//     xg::nn::Linear l1{784, 50}, l2{50, 10};
//     TwoLayerNet() { register_module("l1", l1); register_module("l2", l2); }
//     xg::Tensor forward(const xg::Tensor& x) override { return l2(xg::sigmoid(l1(x))); }
//   };
//
// Because the registry points at the members, a module is neither copyable nor movable.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <xgrad/tensor.h>

namespace xg::detail {
struct ParameterHome;
}

namespace xg::nn {

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  Module(Module&&) = delete;
  Module& operator=(Module&&) = delete;

  /// The computation; called through operator().
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x);

  /// The class name shown by summary ("Linear"); derived from the type by default.
  virtual std::string type_name() const;

  /// Registers a member tensor as a trainable parameter (marks it requires_grad).
  void register_parameter(const std::string& name, Tensor& parameter);
  /// Registers a member tensor as state that is saved but not trained (running statistics).
  void register_buffer(const std::string& name, Tensor& buffer);
  /// Registers a member module; its parameters appear as "<name>.<parameter>".
  void register_module(const std::string& name, Module& module);

  /// Parameters in registration order, depth first: own parameters, then each child's.
  /// Throws if a registered member was replaced by assignment (see set_parameter).
  tensor_list parameters() const;
  /// The same, with dotted names ("l1.W", "l1.b", "l2.W", ...).
  NamedTensors named_parameters() const;
  tensor_list buffers() const;
  NamedTensors named_buffers() const;
  /// Parameters then buffers: what save() writes.
  NamedTensors state() const;
  /// Direct children, in registration order.
  std::vector<std::pair<std::string, Module*>> children() const;

  /// Copies `value` into the named parameter or buffer in place, so every holder of the
  /// tensor (optimizers included) sees the new values. Shapes must match.
  void set_parameter(const std::string& dotted_name, const Tensor& value);

  /// Drops every parameter's gradient.
  void zero_grad();
  /// Training or evaluation mode, for this module and all its descendants.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  /// Converts every parameter and buffer to `dtype` in place (handles stay valid).
  void to(Dtype dtype);
  /// Freezes (false) or unfreezes (true) every parameter.
  void requires_grad_(bool requires_grad);

 protected:
  /// Called by train(); layers whose behaviour depends on the mode may override it.
  virtual void on_train(bool) {}
  /// False while a lazy layer has not yet seen the input that sizes its parameters:
  /// parameters() and state() then throw rather than silently leave them out.
  virtual bool materialized() const { return true; }

 private:
  struct Slot {
    std::string name;
    Tensor* member;
    std::shared_ptr<detail::TensorImpl> registered;  // what the member held when registered
    std::shared_ptr<const detail::ParameterHome> home;  // the registered tensor refers to it weakly
  };
  const Tensor& checked(const Slot& slot, const std::string& prefix) const;
  void collect(const std::string& prefix, bool want_params, NamedTensors& out) const;
  void check_new_name(const std::string& name) const;

  std::vector<Slot> params_;
  std::vector<Slot> buffers_;
  std::vector<std::pair<std::string, Module*>> children_;
  bool training_ = true;
};

}  // namespace xg::nn
