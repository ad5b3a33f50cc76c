// Module hooks: how Module::operator() runs forward pre-hooks, forward hooks and full
// backward hooks around forward(). A module without hooks never reaches this file.
//
// A full backward hook needs the gradients with respect to the module's input and output,
// which the engine computes at different times. As PyTorch's BackwardHook, the call wraps
// its input and its output in identity operations: the output's backward stores grad_output,
// and the input's backward, which runs once the module's whole graph has been traversed,
// calls the hooks with both. The two identities share that state; they refer to the
// module's hooks weakly, so a graph outliving its module calls nothing.
#include <xgrad/detail/format.h>

#include <xgrad/autograd.h>
#include <xgrad/nn/module.h>

#include "autograd/graph.h"
#include "tensor/tensor_impl.h"

namespace xg::nn {

struct ModuleHooks {
  Module* owner = nullptr;
  unsigned next_id = 0;
  std::vector<std::pair<unsigned, ForwardPreHook>> pre;
  std::vector<std::pair<unsigned, ForwardHook>> forward;
  std::vector<std::pair<unsigned, BackwardHook>> backward;
  bool empty() const { return pre.empty() && forward.empty() && backward.empty(); }
};

namespace {

template <class List>
bool erase_id(List& list, unsigned id) {
  for (auto it = list.begin(); it != list.end(); ++it)
    if (it->first == id) {
      list.erase(it);
      return true;
    }
  return false;
}

// What the input and output identities of one hooked call share.
struct BackwardCall {
  std::weak_ptr<ModuleHooks> hooks;
  bool input_wrapped = false;
  tensor_list grad_output;
};

// Calls the backward hooks with grad_input and the stored grad_output; returns the
// (possibly replaced) grad_input.
tensor_list fire(BackwardCall& call, tensor_list grad_input) {
  auto hooks = call.hooks.lock();
  tensor_list grad_output = std::move(call.grad_output);  // also breaks a create_graph cycle
  call.grad_output.clear();
  // A higher-order pass can reach the input identity without passing the output's: no
  // output gradient then, but the hooks still see one (undefined) entry.
  if (grad_output.empty()) grad_output = {Tensor()};
  if (!hooks) return grad_input;
  const auto snapshot = hooks->backward;  // a hook may remove hooks
  for (const auto& [id, hook] : snapshot) {
    tensor_list replaced = hook(*hooks->owner, grad_input, grad_output);
    if (replaced.empty()) continue;
    if (replaced.size() != grad_input.size())
      fail("register_full_backward_hook: hook ", id, " of ", hooks->owner->type_name(), " returned ", replaced.size(),
           " gradients for ", grad_input.size(), " inputs");
    for (std::size_t i = 0; i < replaced.size(); ++i)
      if (replaced[i].defined() && grad_input[i].defined() && replaced[i].shape() != grad_input[i].shape())
        fail("register_full_backward_hook: hook ", id, " of ", hooks->owner->type_name(),
             " returned a gradient of shape ", detail::shape_str(replaced[i].shape()), " for an input of shape ",
             detail::shape_str(grad_input[i].shape()));
    grad_input = std::move(replaced);
  }
  return grad_input;
}

Tensor identity_with(const char* op, const Tensor& x, autograd::UnaryBackwardFn backward) {
  return autograd::record(op, {x}, detail::alias(x, x.shape()), {}, std::move(backward));
}

}  // namespace

void HookHandle::remove() {
  auto hooks = hooks_.lock();
  if (!hooks) return;
  if (erase_id(hooks->pre, id_) || erase_id(hooks->forward, id_) || erase_id(hooks->backward, id_))
    if (hooks->empty() && hooks->owner->hooks_ == hooks) hooks->owner->hooks_.reset();  // back to no cost
  hooks_.reset();
}

bool HookHandle::active() const {
  auto hooks = hooks_.lock();
  if (!hooks) return false;
  auto has = [this](const auto& list) {
    for (const auto& entry : list)
      if (entry.first == id_) return true;
    return false;
  };
  return has(hooks->pre) || has(hooks->forward) || has(hooks->backward);
}

ModuleHooks& Module::hooks() {
  if (!hooks_) {
    hooks_ = std::make_shared<ModuleHooks>();
    hooks_->owner = this;
  }
  return *hooks_;
}

HookHandle Module::add_forward_pre_hook(ForwardPreHook hook) {
  if (!hook) fail("register_forward_pre_hook: empty hook");
  auto& h = hooks();
  h.pre.emplace_back(h.next_id, std::move(hook));
  return HookHandle(hooks_, h.next_id++);
}

HookHandle Module::add_forward_hook(ForwardHook hook) {
  if (!hook) fail("register_forward_hook: empty hook");
  auto& h = hooks();
  h.forward.emplace_back(h.next_id, std::move(hook));
  return HookHandle(hooks_, h.next_id++);
}

HookHandle Module::add_backward_hook(BackwardHook hook) {
  if (!hook) fail("register_full_backward_hook: empty hook");
  auto& h = hooks();
  h.backward.emplace_back(h.next_id, std::move(hook));
  return HookHandle(hooks_, h.next_id++);
}

Tensor Module::call_with_hooks(const Tensor& x, const std::function<Tensor(const Tensor&)>& body) {
  const std::shared_ptr<ModuleHooks> hooks = hooks_;  // alive even if a hook removes them all
  Tensor input = x;
  for (const auto& [id, hook] : std::vector(hooks->pre))
    if (Tensor replaced = hook(*this, input); replaced.defined()) input = replaced;

  std::shared_ptr<BackwardCall> call;
  if (!hooks->backward.empty() && is_grad_enabled()) {
    call = std::make_shared<BackwardCall>();
    call->hooks = hooks;
    if (input.defined() && input.requires_grad()) {
      call->input_wrapped = true;
      input = identity_with("backward_hook", input, [call](autograd::Node&, const Tensor& gy) {
        return fire(*call, {gy});
      });
    }
  }

  Tensor output = body(input);
  for (const auto& [id, hook] : std::vector(hooks->forward))
    if (Tensor replaced = hook(*this, input, output); replaced.defined()) {
      // A hook replaces values, not the shape: a wrong shape would otherwise surface as an
      // error of the next layer, naming a module the hook's author did not touch.
      if (output.defined() && (replaced.shape() != output.shape() || replaced.dtype() != output.dtype()))
        fail("forward hook of ", type_name(), ": it returned ", detail::shape_str(replaced.shape()), " ",
             dtype_name(replaced.dtype()), " for the output ", detail::shape_str(output.shape()), " ",
             dtype_name(output.dtype()), "; a forward hook may replace the output's values, not its shape or dtype");
      output = replaced;
    }

  if (call && output.defined() && output.requires_grad())
    output = identity_with("backward_hook", output, [call](autograd::Node&, const Tensor& gy) {
      call->grad_output = {gy};
      if (!call->input_wrapped) fire(*call, {Tensor()});  // no input gradient will come
      return tensor_list{gy};
    });
  return output;
}

}  // namespace xg::nn
