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

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include <xgrad/tensor.h>

namespace xg::detail {
struct ParameterHome;
}

namespace xg::nn {

class Module;
struct ModuleHooks;  // private: nn/hooks.cpp

/// What register_forward_pre_hook, register_forward_hook and register_full_backward_hook
/// return. remove() detaches the hook (calling it again does nothing). As PyTorch's
/// RemovableHandle, and unlike an RAII guard, dropping the handle keeps the hook: wrap it
/// in a ScopedHook to tie the hook to a scope. A handle outliving its module is harmless.
class HookHandle {
 public:
  HookHandle() = default;
  void remove();
  /// True until remove() (or the module's destruction).
  bool active() const;

 private:
  friend class Module;
  HookHandle(std::weak_ptr<ModuleHooks> hooks, unsigned id) : hooks_(std::move(hooks)), id_(id) {}
  std::weak_ptr<ModuleHooks> hooks_;
  unsigned id_ = 0;
};

/// RAII: removes the hook when the scope ends (also when an exception leaves it).
class ScopedHook {
 public:
  explicit ScopedHook(HookHandle handle) : handle_(std::move(handle)) {}
  ~ScopedHook() { handle_.remove(); }
  ScopedHook(ScopedHook&& other) noexcept : handle_(std::move(other.handle_)) { other.handle_ = HookHandle(); }
  ScopedHook(const ScopedHook&) = delete;
  ScopedHook& operator=(const ScopedHook&) = delete;
  ScopedHook& operator=(ScopedHook&&) = delete;

 private:
  HookHandle handle_;
};

/// Sees (and may replace, by returning a defined tensor) the input before forward.
using ForwardPreHook = std::function<Tensor(Module& module, const Tensor& input)>;
/// Sees the input and output after forward; may replace the output.
using ForwardHook = std::function<Tensor(Module& module, const Tensor& input, const Tensor& output)>;
/// Sees the gradients with respect to the module's input and output ({undefined} for an
/// input that needs none) once backward has passed through the module; may return
/// replacement input gradients (the same count) or {} to keep them. A create_graph
/// (higher-order) pass through the call's input runs it again, grad_output then undefined
/// if that pass did not come through the call's output.
using BackwardHook =
    std::function<tensor_list(Module& module, const tensor_list& grad_input, const tensor_list& grad_output)>;

/// One parameter or buffer of a model with its name in xgrad and in PyTorch's state_dict,
/// and whether PyTorch stores it transposed (the house's Linear keeps W as (in, out), as the
/// textbook; PyTorch's weight is (out, in)). What xg::save and xg::load use.
struct StateEntry {
  std::string name;        // "fc.W"
  std::string torch_name;  // "fc.weight"
  Tensor tensor;
  bool transposed = false;  // PyTorch's layout is this tensor's transpose (2-D)
  bool is_buffer = false;
};

/// A module's own parameter or buffer as PyTorch names it (see Module::torch_names).
struct TorchName {
  const char* name;   // xgrad's name in this module ("W")
  const char* torch;  // PyTorch's ("weight")
  bool transposed = false;
};

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

  // ---- hooks (PyTorch's module hooks; they fire for modules called through operator(),
  // also inside Sequential and nested models, in registration order) ----
  /// `hook(module, input)` before each forward; return void or a replacement input.
  template <class F>
  HookHandle register_forward_pre_hook(F&& hook) {
    if constexpr (std::is_void_v<std::invoke_result_t<F&, Module&, const Tensor&>>)
      return add_forward_pre_hook([h = std::forward<F>(hook)](Module& m, const Tensor& x) mutable {
        h(m, x);
        return Tensor();
      });
    else
      return add_forward_pre_hook(ForwardPreHook(std::forward<F>(hook)));
  }
  /// `hook(module, input, output)` after each forward; return void or a replacement output.
  template <class F>
  HookHandle register_forward_hook(F&& hook) {
    if constexpr (std::is_void_v<std::invoke_result_t<F&, Module&, const Tensor&, const Tensor&>>)
      return add_forward_hook([h = std::forward<F>(hook)](Module& m, const Tensor& x, const Tensor& y) mutable {
        h(m, x, y);
        return Tensor();
      });
    else
      return add_forward_hook(ForwardHook(std::forward<F>(hook)));
  }
  /// `hook(module, grad_input, grad_output)` when backward has computed the gradient with
  /// respect to the module's input (PyTorch's full backward hook); return void or
  /// replacement grad_input. Calls made while recording is off are not hooked.
  template <class F>
  HookHandle register_full_backward_hook(F&& hook) {
    using R = std::invoke_result_t<F&, Module&, const tensor_list&, const tensor_list&>;
    if constexpr (std::is_void_v<R>)
      return add_backward_hook(
          [h = std::forward<F>(hook)](Module& m, const tensor_list& gx, const tensor_list& gy) mutable {
            h(m, gx, gy);
            return tensor_list{};
          });
    else
      return add_backward_hook(BackwardHook(std::forward<F>(hook)));
  }

  /// True while a hook is registered on this module itself (not its children).
  bool has_hooks() const { return hooks_ != nullptr; }

  /// The class name shown by summary ("Linear"); derived from the type by default.
  virtual std::string type_name() const;

  /// Registers a member tensor as a trainable parameter (marks it requires_grad).
  void register_parameter(const std::string& name, Tensor& parameter);
  /// Registers a member tensor as state that is saved but not trained (running statistics).
  void register_buffer(const std::string& name, Tensor& buffer);
  /// Registers a member module; its parameters appear as "<name>.<parameter>".
  void register_module(const std::string& name, Module& module);
  /// Removes a registered child (libtorch's unregister_module); an error naming the module
  /// when there is none of that name.
  void unregister_module(const std::string& name);

  /// Parameters in registration order, depth first: own parameters, then each child's;
  /// each tensor once, even when shared (a module registered under two names, as for tied
  /// weights, or added twice): what optimizers, clip_grad_norm and DDP take.
  /// Throws if a registered member was replaced by assignment (see set_parameter).
  tensor_list parameters() const;
  /// With dotted names ("l1.W", "l1.b", "l2.W", ...): a shared tensor under each of its
  /// names, as PyTorch's state_dict keeps both keys.
  NamedTensors named_parameters() const;
  tensor_list buffers() const;
  NamedTensors named_buffers() const;
  /// Parameters then buffers, every name: what save() writes.
  NamedTensors state() const;
  /// state() with each entry's PyTorch name and layout (Linear's "W" (in, out) is
  /// "weight" (out, in), BatchNorm's "gamma" is "weight", ...), in PyTorch's state_dict
  /// order: each module's parameters, then its buffers, then its children's.
  std::vector<StateEntry> state_entries() const;
  /// Direct children, in registration order.
  std::vector<std::pair<std::string, Module*>> children() const;
  /// This module (unless include_self is false) and every module below it, depth first in
  /// registration order, each once (a module registered in two places is listed at its first):
  /// libtorch's modules(), for `for (auto* m : net.modules()) ...`.
  std::vector<Module*> modules(bool include_self = true) const;
  /// children() with libtorch's OrderedDict item spelling: `c.key()`, `c.value()` (also
  /// `c.first`, `c.second`, or `auto& [name, m] = c`).
  struct NamedModule : std::pair<std::string, Module*> {
    using std::pair<std::string, Module*>::pair;
    NamedModule(std::pair<std::string, Module*> p) : std::pair<std::string, Module*>(std::move(p)) {}  // NOLINT: implicit
    const std::string& key() const { return first; }
    Module* value() const { return second; }
  };
  std::vector<NamedModule> named_children() const;
  /// Calls fn on this module, then on every module below it in modules()' order (libtorch's
  /// apply, for example to initialise every Linear's weights).
  void apply(const std::function<void(Module&)>& fn);

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
  /// Moves every parameter and buffer to `device` in place (handles stay valid, so an
  /// optimizer built before the move keeps working), as libtorch's module->to(device).
  void to(Device device);
  void to(Device device, Dtype dtype);
  /// Freezes (false) or unfreezes (true) every parameter.
  void requires_grad_(bool requires_grad);

 protected:
  /// Removes a registered parameter (the containers' pop and clear).
  void unregister_parameter(const std::string& name);
  /// Called by train(); layers whose behaviour depends on the mode may override it.
  virtual void on_train(bool) {}
  /// Runs `body(x)` as operator() runs forward: with this module's hooks around it. For a
  /// module whose forward takes or returns more than one tensor (the recurrent layers): the
  /// hooks see x, the primary input, and body's result, the primary output; the other
  /// results travel through body's captures.
  template <class F>
  Tensor call(const Tensor& x, F&& body) {
    if (!hooks_) return body(x);
    return call_with_hooks(x, std::function<Tensor(const Tensor&)>(std::forward<F>(body)));
  }
  /// This module's own parameters and buffers whose PyTorch name or layout differs from
  /// xgrad's; those not listed keep their names. A layer with textbook names overrides it so
  /// that a PyTorch state_dict loads (xg::load) and saves (xg::save with StateLayout::PyTorch).
  virtual std::vector<TorchName> torch_names() const { return {}; }
  /// False while a lazy layer has not yet seen the input that sizes its parameters:
  /// parameters() and state() then throw rather than silently leave them out.
  virtual bool materialized() const { return true; }

 private:
  friend class HookHandle;
  HookHandle add_forward_pre_hook(ForwardPreHook hook);
  HookHandle add_forward_hook(ForwardHook hook);
  HookHandle add_backward_hook(BackwardHook hook);
  ModuleHooks& hooks();
  Tensor call_with_hooks(const Tensor& x, const std::function<Tensor(const Tensor&)>& body);

  struct Slot {
    std::string name;
    Tensor* member;
    std::shared_ptr<detail::TensorImpl> registered;  // what the member held when registered
    std::shared_ptr<const detail::ParameterHome> home;  // the registered tensor refers to it weakly
  };
  const Tensor& checked(const Slot& slot, const std::string& prefix) const;
  void collect(const std::string& prefix, bool want_params, NamedTensors& out) const;
  void collect_entries(const std::string& prefix, const std::string& torch_prefix, std::vector<StateEntry>& out) const;
  void check_new_name(const std::string& name, const char* call);

  std::vector<Slot> params_;
  std::vector<Slot> buffers_;
  std::vector<std::pair<std::string, Module*>> children_;
  std::unordered_set<std::string> names_;  // of params_, buffers_ and children_
  bool training_ = true;
  std::shared_ptr<ModuleHooks> hooks_;  // null while no hook is registered: calls cost one test
};

}  // namespace xg::nn
