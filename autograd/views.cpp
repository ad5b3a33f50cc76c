// Writes through the copies xgrad makes where libtorch returns views (autograd/views.h):
// `x[0].fill_(1)`, `x.select(1, j).copy_(v)`, `x.narrow(0, 2, 3).zero_()`, `x.t().mul_(2)`,
// `auto [a, b] = x.chunk(2); a.relu_()` change x, as in libtorch. Storage stays contiguous; a
// copy remembers its view (detail::ViewOrigin on its bytes), and a write into it is followed
// by the same values written into the base at the view's positions.
#include <xgrad/detail/format.h>

#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "autograd/inplace.h"
#include "autograd/views.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/small_alloc.h"

namespace xg::autograd {

namespace {

// The tensor a view copy writes into: its base while that handle lives, else a handle on the
// base's bytes (which other tensors still hold), else none (nobody could see the write).
Tensor live_base(const detail::ViewOrigin& o) {
  if (auto impl = o.base.lock()) return Tensor(std::move(impl));
  auto storage = o.storage.lock();
  if (!storage) return Tensor();
  auto impl = std::allocate_shared<detail::TensorImpl>(detail::PoolAllocator<detail::TensorImpl>());
  impl->storage = std::move(storage);
  impl->shape = o.shape;
  impl->numel = detail::checked_numel(o.shape, "view");
  impl->dtype = o.dtype;
  return Tensor(std::move(impl));
}

// The base was written after t was taken from it (by another view, or directly): t is taken
// again, as libtorch's view would see the write; recording, t's history becomes the new view's.
void refresh(Tensor& t, detail::ViewOrigin& o, const Tensor& base) {
  Tensor fresh = reshape(o.view(base), t.shape());
  const bool rebase = is_grad_enabled() && !(t.is_leaf() && t.requires_grad()) &&
                      (fresh.requires_grad() || t.requires_grad());
  if (rebase && fresh.is_leaf()) fresh = fresh.clone();  // t must not become the base's leaf
  kernel::copy_into(t, fresh);
  ++t.impl()->storage->version;
  if (rebase) rebase_history(t, fresh);
  o.version = base.impl()->storage->version;
}

}  // namespace

void mark_view(const Tensor& out, const Tensor& x, const char* op, ViewFn view, bool writable) {
  if (!out.defined() || !x.defined() || out.impl()->storage == x.impl()->storage) return;
  auto origin = std::allocate_shared<detail::ViewOrigin>(detail::PoolAllocator<detail::ViewOrigin>());
  const auto& parent = x.impl()->storage->view_origin;
  if (parent && !parent->storage.expired()) {
    // x is a view copy itself (or a reshape of one): a view of x is a view of x's base.
    *origin = *parent;
    origin->view = [first = parent->view, shape = x.shape(), then = std::move(view)](const Tensor& b) {
      return then(reshape(first(b), shape));
    };
    if (parent->writable) origin->op = op;  // the refusal names the expand
    origin->writable = parent->writable && writable;
  } else {
    origin->base = x.impl();
    origin->storage = x.impl()->storage;
    origin->shape = x.shape();
    origin->dtype = x.dtype();
    origin->version = x.impl()->storage->version;
    origin->view = std::move(view);
    origin->op = op;
    origin->writable = writable;
  }
  out.impl()->storage->view_origin = std::move(origin);
}

ViewWrite prepare_view_write(Tensor& t, const char* op, bool recorded) {
  const auto origin = t.impl()->storage->view_origin;
  if (!origin) return {};
  if (!origin->writable)
    fail(op, ": this tensor of shape ", detail::shape_str(t.shape()), " was made by ", origin->op,
         ", whose elements share memory in libtorch (more than one element refers to a single memory location), so "
         "it cannot be written in place: clone() it first");
  Tensor base = live_base(*origin);
  if (!base.defined()) {  // nobody holds the base: t is an ordinary tensor from now on
    t.impl()->storage->view_origin.reset();
    return {};
  }
  if (base.impl()->storage->version != origin->version) refresh(t, *origin, base);
  // The base takes a recorded write when t's is recorded or the base requires grad: refused
  // now, before t is written, if it could not.
  if (is_grad_enabled() && (recorded || t.requires_grad() || base.requires_grad()))
    check_recordable(base, op, origin->op);
  return {origin, base};
}

void write_through(const Tensor& t, const ViewWrite& target, const char* op) {
  Tensor base = target.base;
  Tensor positions;
  {
    NoGradGuard no_grad;  // which elements of the base the view is, as int64 positions
    const TensorOptions ints = TensorOptions().dtype(kInt64).device(base.device());
    const Tensor numbered = reshape(arange(0.0, static_cast<double>(base.numel()), 1.0, ints), base.shape());
    positions = reshape(target.origin->view(numbered), {t.numel()});
  }
  const Tensor values = reshape(t, {t.numel()});
  write_back(base, op, {&values}, [&](const Tensor& self) {
    return reshape(index_copy(reshape(self, {self.numel()}), 0, positions, values), self.shape());
  });
  target.origin->version = base.impl()->storage->version;
}

}  // namespace xg::autograd
