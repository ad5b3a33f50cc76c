// Tensor gradient hooks and retain_grad(). The engine calls HookList::run once per backward
// on a tensor's summed gradient; here is where hooks are stored, run and removed.
#include <xgrad/detail/format.h>

#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "tensor/blas.h"
#include "tensor/kernels.h"

namespace xg {

namespace autograd {

Tensor HookList::run(Tensor grad) const {
  for (const auto& [id, hook] : hooks) {
    Tensor replaced = hook(grad);
    if (!replaced.defined()) continue;
    if (replaced.shape() != grad.shape())
      fail("register_hook: hook ", id, " returned a gradient of shape ", detail::shape_str(replaced.shape()),
           " for a tensor of shape ", detail::shape_str(grad.shape()));
    grad = replaced.dtype() == grad.dtype() ? replaced : replaced.to(grad.dtype());
  }
  if (auto impl = retained.lock()) {
    // Accumulates as a leaf does; with create_graph (grad mode on here) the sum stays differentiable.
    if (is_grad_enabled())
      impl->grad = (impl->grad ? Tensor(impl->grad) + grad : grad).impl();
    else
      impl->grad = (impl->grad ? kernel::binary(kernel::Binary::Add, Tensor(impl->grad), grad, "retain_grad")
                               : kernel::copy(grad)).impl();
  }
  return grad;
}

HookList& Node::hooks_for(std::uint32_t output_nr) {
  for (auto& [nr, list] : hooks_)
    if (nr == output_nr) return *list;
  hooks_.emplace_back(output_nr, std::make_shared<HookList>());
  return *hooks_.back().second;
}

const HookList* Node::hooks(std::uint32_t output_nr) const {
  for (const auto& [nr, list] : hooks_)
    if (nr == output_nr) return list.get();
  return nullptr;
}

}  // namespace autograd

namespace {

autograd::HookList& hook_list(const std::shared_ptr<detail::TensorImpl>& impl) {
  if (impl->grad_fn) return impl->grad_fn->hooks_for(impl->output_nr);
  if (!impl->hooks) impl->hooks = std::make_shared<autograd::HookList>();
  return *impl->hooks;
}

}  // namespace

unsigned Tensor::add_hook(std::function<Tensor(const Tensor&)> hook) const {
  if (!defined()) fail("register_hook: the tensor is undefined");
  if (!requires_grad())
    fail("register_hook: cannot register a hook on a tensor of shape ", detail::shape_str(shape()),
         " that does not require grad");
  if (!hook) fail("register_hook: empty hook");
  auto& list = hook_list(impl_);
  const unsigned id = list.next_id++;
  list.hooks.emplace_back(id, std::move(hook));
  return id;
}

unsigned Tensor::register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const {
  if (!defined()) fail("register_post_accumulate_grad_hook: the tensor is undefined");
  if (!requires_grad() || !is_leaf())
    fail("register_post_accumulate_grad_hook: only a leaf that requires grad accumulates a gradient (got a tensor of "
         "shape ", detail::shape_str(shape()), requires_grad() ? " made by an operation)" : " that does not require grad)");
  if (!hook) fail("register_post_accumulate_grad_hook: empty hook");
  auto& list = hook_list(impl_);
  const unsigned id = list.next_id++;
  list.post_accumulate.emplace_back(id, std::move(hook));
  return id;
}

void Tensor::remove_hook(unsigned handle) const {
  if (defined() && requires_grad()) {
    auto& list = hook_list(impl_);
    for (auto it = list.hooks.begin(); it != list.hooks.end(); ++it)
      if (it->first == handle) {
        list.hooks.erase(it);
        return;
      }
    for (auto it = list.post_accumulate.begin(); it != list.post_accumulate.end(); ++it)
      if (it->first == handle) {
        list.post_accumulate.erase(it);
        return;
      }
  }
  fail("remove_hook: this tensor has no hook ", handle, " (already removed, or registered on another tensor)");
}

void Tensor::retain_grad() const {
  if (!defined()) fail("retain_grad: the tensor is undefined");
  if (!requires_grad())
    fail("retain_grad: a tensor of shape ", detail::shape_str(shape()), " that does not require grad has no gradient");
  if (is_leaf() || impl_->retains_grad) return;
  hook_list(impl_).retained = impl_;
  impl_->retains_grad = true;
}

void autograd::rebase_history(const Tensor& t, const Tensor& result) {
  detail::TensorImpl& impl = *t.impl();
  const bool retained = impl.retains_grad;
  if (retained) {  // the old node must not fill t's gradient with the old values'
    hook_list(t.impl()).retained.reset();
    impl.retains_grad = false;
  }
  impl.grad_fn = result.impl()->grad_fn;
  impl.output_nr = result.impl()->output_nr;
  impl.requires_grad = result.requires_grad();
  if (retained && impl.requires_grad) t.retain_grad();
}

void autograd::set_row_stream(const Tensor& leaf, std::int64_t block_rows,
                              std::function<void(std::int64_t, std::int64_t, const Tensor&)> rows) {
  if (!leaf.defined() || !leaf.requires_grad() || !leaf.is_leaf() || leaf.dim() < 1)
    fail("set_row_stream: expected a leaf that requires grad and has rows");
  if (rows && (block_rows <= 0 || block_rows % detail::kGemmRowAlign != 0))
    fail("set_row_stream: blocks of ", block_rows, " rows; expected a positive multiple of ", detail::kGemmRowAlign);
  auto& list = hook_list(leaf.impl());
  list.stream_rows = std::move(rows);
  list.stream_block_rows = list.stream_rows ? block_rows : 0;
}

bool Tensor::retains_grad() const { return defined() && impl_->retains_grad; }

}  // namespace xg
