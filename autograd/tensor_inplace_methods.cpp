// libtorch's in-place forms (tensor/include/xgrad/detail/tensor_inplace_methods.h): each runs
// the out-of-place xg:: operation of its name and writes the result back, so the two forms
// never differ and every device gets the in-place form with its operation. The price is one
// temporary per call, which the updates that run every step (the optimizers' add_, mul_, ...,
// in autograd/tensor_methods.cpp) do not pay: they have kernels that write in place.
// write_back is also where every in-place update that must be recorded goes (libtorch's
// rebase of the tensor's history; autograd/inplace.h, docs/design.md).
#include <xgrad/detail/format.h>
#include <string>

#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "autograd/inplace.h"
#include "autograd/views.h"
#include "autograd/write_journal.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace autograd {

bool must_record_inplace(const Tensor& t, TensorPtrs operands) {
  if (!is_grad_enabled()) return false;
  if (t.requires_grad()) return true;
  for (const Tensor* o : operands)
    if (o && o->requires_grad()) return true;
  return false;
}

bool needs_write_back(const Tensor& t, TensorPtrs operands) {
  return is_view_copy(t) || must_record_inplace(t, operands);
}

void check_inplace(const Tensor& t, const char* op) {
  if (!t.defined()) fail(op, ": the tensor is undefined");
  WriteJournal::note(t);
}

void check_writable(const Tensor& t, Dtype from, const char* op) {
  if (t.dtype() == kInt64 && from != kInt64)
    fail(op, ": cannot write ", dtype_name(from), " values into an int64 tensor");
}

namespace {

// Whether another tensor holds t's bytes (a reshape or detach of it, a saved copy of its
// handle, a library view), not counting the gradient checks' journal.
bool shares_storage(const Tensor& t) {
  const auto& storage = t.impl()->storage;
  return storage.use_count() - WriteJournal::references(storage.get()) > 1 || storage->base != nullptr;
}

}  // namespace

void check_recordable(const Tensor& t, const char* op, const char* view_op) {
  // Said of the base when the write goes into a copy of its view (x[0].fill_(1)).
  const std::string on = view_op ? detail::cat("a view (", view_op, ") of ") : std::string();
  if (t.is_leaf() && t.requires_grad())
    fail(op, ": in-place operation on ", on, "a leaf tensor of shape ", detail::shape_str(t.shape()),
         " that requires grad while recording is on (a parameter, whose gradient is for its value before the "
         "write): wrap an update of parameters in xg::NoGradGuard, or write the out-of-place form (x = x.exp() "
         "for x.exp_())");
  if (shares_storage(t))
    fail(op, ": in-place operation on ", on, "a tensor of shape ", detail::shape_str(t.shape()),
         " whose storage another tensor shares (a view such as reshape, view or detach, or a tensor a recorded "
         "operation saved for backward) while recording is on: xgrad records an in-place operation only on a "
         "tensor that owns its storage; write the out-of-place form (x = x.exp() for x.exp_())");
}

Tensor& write_back(Tensor& t, const char* op, TensorPtrs operands, const std::function<Tensor(const Tensor&)>& f) {
  detail::CallScope call(op);
  if (!t.defined()) fail(op, ": the tensor is undefined");
  const bool recorded_before = must_record_inplace(t, operands);
  if (recorded_before) check_recordable(t, op);  // before a refresh writes anything
  // A view copy may be taken again from its base first, and then require grad.
  const ViewWrite view = prepare_view_write(t, op, recorded_before);
  const bool recorded = recorded_before || must_record_inplace(t, operands);
  if (recorded && !recorded_before) check_recordable(t, op);
  Tensor result;
  try {
    if (recorded) {
      result = f(t.clone());  // the old values, on the graph: f's node may save them
    } else {
      NoGradGuard no_grad;
      result = f(t);
    }
  } catch (const Error& e) {  // "scatter: index 7 ..." from x.scatter_ reads "scatter_: index 7 ..."
    const std::string name(op);
    detail::rethrow_as(e, name.substr(0, name.size() - 1), name);
  }
  if (result.shape() != t.shape())
    fail(op, ": the result has shape ", detail::shape_str(result.shape()), ", which cannot be written into this tensor of shape ",
         detail::shape_str(t.shape()), " (in place, the other operands must broadcast to its shape)");
  check_writable(t, result.dtype(), op);
  if (result.dtype() != t.dtype()) result = recorded ? result.to(t.dtype()) : kernel::cast(result, t.dtype());
  // t takes result's history below, so result must have one of its own (copy_ of a parameter).
  if (recorded && result.is_leaf() && result.requires_grad()) result = result.clone();
  WriteJournal::note(t);  // a gradient check running puts it back afterwards
  kernel::copy_into(t, result);
  ++t.impl()->storage->version;
  if (recorded) rebase_history(t, result);
  if (view.origin) write_through(t, view, op);
  return t;
}

}  // namespace autograd

using autograd::write_back;

namespace {

// libtorch's in-place shape changes: t takes the shape (and, when the operation moves them,
// the values) of f(t), and, recording, its history. Values move only for transpose_: then no
// other tensor may share t's bytes (it would see them moved), and a view copy's mark follows.
Tensor& reshape_in_place(Tensor& t, const char* op, bool moves_values, const std::function<Tensor(const Tensor&)>& f) {
  detail::CallScope call(op);
  if (!t.defined()) fail(op, ": the tensor is undefined");
  const bool recorded = autograd::must_record_inplace(t);
  if (recorded && t.is_leaf())
    fail(op, ": in-place operation on a leaf tensor of shape ", detail::shape_str(t.shape()),
         " that requires grad while recording is on: wrap it in xg::NoGradGuard, or write the out-of-place form");
  const auto& storage = t.impl()->storage;
  if (moves_values && autograd::shares_storage(t))
    fail(op, ": another tensor shares the storage of this tensor of shape ", detail::shape_str(t.shape()),
         " (a view such as reshape or detach, or a tensor saved for backward), which would see its values moved: "
         "write the out-of-place form (x = x.transpose(0, 1))");
  Tensor result;
  if (recorded) {
    result = f(t);
  } else {
    NoGradGuard no_grad;
    result = f(t);
  }
  if (result.is_same(t)) return t;  // nothing changes (a squeeze of no unit axis, transpose(1, 1))
  const Shape before = t.shape();
  autograd::WriteJournal::note(t);
  t.impl()->shape = result.shape();
  if (moves_values) {
    kernel::copy_into(t, result);
    if (const auto& origin = storage->view_origin)  // the copy's bytes are now the transposed view's
      origin->view = [view = origin->view, before, f](const Tensor& base) { return f(reshape(view(base), before)); };
  }
  ++storage->version;  // a backward that saved t (with its old shape) refuses
  if (recorded) autograd::rebase_history(t, result);
  return t;
}

}  // namespace

#define XG_INPLACE_UNARY(name) \
  Tensor& Tensor::name##_() { \
    return write_back(*this, #name "_", {}, [](const Tensor& self) { return xg::name(self); }); \
  }
XG_INPLACE_UNARY(abs)
XG_INPLACE_UNARY(neg)
XG_INPLACE_UNARY(exp)
XG_INPLACE_UNARY(log)
XG_INPLACE_UNARY(log1p)
XG_INPLACE_UNARY(expm1)
XG_INPLACE_UNARY(sqrt)
XG_INPLACE_UNARY(rsqrt)
XG_INPLACE_UNARY(sin)
XG_INPLACE_UNARY(cos)
XG_INPLACE_UNARY(tanh)
XG_INPLACE_UNARY(sigmoid)
XG_INPLACE_UNARY(relu)
XG_INPLACE_UNARY(sign)
XG_INPLACE_UNARY(floor)
XG_INPLACE_UNARY(ceil)
XG_INPLACE_UNARY(round)
XG_INPLACE_UNARY(trunc)
XG_INPLACE_UNARY(frac)
XG_INPLACE_UNARY(reciprocal)
XG_INPLACE_UNARY(erf)
#undef XG_INPLACE_UNARY

Tensor& Tensor::pow_(double exponent) {
  return write_back(*this, "pow_", {}, [&](const Tensor& self) { return xg::pow(self, exponent); });
}
Tensor& Tensor::pow_(const Tensor& exponent) {
  return write_back(*this, "pow_", {&exponent}, [&](const Tensor& self) { return xg::pow(self, exponent); });
}
Tensor& Tensor::clamp_(double min, double max) {
  return write_back(*this, "clamp_", {}, [&](const Tensor& self) { return xg::clamp(self, min, max); });
}
Tensor& Tensor::clamp_(const Tensor& min, const Tensor& max) {
  return write_back(*this, "clamp_", {&min, &max}, [&](const Tensor& self) { return xg::clamp(self, min, max); });
}
Tensor& Tensor::clamp_min_(double min) {
  return write_back(*this, "clamp_min_", {}, [&](const Tensor& self) { return xg::clamp_min(self, min); });
}
Tensor& Tensor::clamp_max_(double max) {
  return write_back(*this, "clamp_max_", {}, [&](const Tensor& self) { return xg::clamp_max(self, max); });
}
Tensor& Tensor::nan_to_num_(std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) {
  return write_back(*this, "nan_to_num_", {},
                    [&](const Tensor& self) { return xg::nan_to_num(self, nan, posinf, neginf); });
}
Tensor& Tensor::addcmul_(const Tensor& tensor1, const Tensor& tensor2, double value) {
  return write_back(*this, "addcmul_", {&tensor1, &tensor2},
                    [&](const Tensor& self) { return xg::addcmul(self, tensor1, tensor2, value); });
}
Tensor& Tensor::addcdiv_(const Tensor& tensor1, const Tensor& tensor2, double value) {
  return write_back(*this, "addcdiv_", {&tensor1, &tensor2},
                    [&](const Tensor& self) { return xg::addcdiv(self, tensor1, tensor2, value); });
}
Tensor& Tensor::lerp_(const Tensor& end, double weight) {
  return write_back(*this, "lerp_", {&end}, [&](const Tensor& self) { return xg::lerp(self, end, weight); });
}
Tensor& Tensor::lerp_(const Tensor& end, const Tensor& weight) {
  return write_back(*this, "lerp_", {&end, &weight}, [&](const Tensor& self) { return xg::lerp(self, end, weight); });
}
Tensor& Tensor::masked_fill_(const Tensor& mask, double value) {
  return write_back(*this, "masked_fill_", {}, [&](const Tensor& self) { return xg::masked_fill(self, mask, value); });
}
Tensor& Tensor::masked_scatter_(const Tensor& mask, const Tensor& source) {
  return write_back(*this, "masked_scatter_", {&source},
                    [&](const Tensor& self) { return xg::masked_scatter(self, mask, source); });
}
Tensor& Tensor::index_fill_(std::int64_t dim, const Tensor& index, double value) {
  return write_back(*this, "index_fill_", {},
                    [&](const Tensor& self) { return xg::index_fill(self, dim, index, value); });
}
Tensor& Tensor::index_copy_(std::int64_t dim, const Tensor& index, const Tensor& source) {
  return write_back(*this, "index_copy_", {&source},
                    [&](const Tensor& self) { return xg::index_copy(self, dim, index, source); });
}
Tensor& Tensor::index_add_(std::int64_t dim, const Tensor& index, const Tensor& source, double alpha) {
  return write_back(*this, "index_add_", {&source},
                    [&](const Tensor& self) { return xg::index_add(self, dim, index, source, alpha); });
}
Tensor& Tensor::scatter_(std::int64_t dim, const Tensor& index, const Tensor& src) {
  return write_back(*this, "scatter_", {&src}, [&](const Tensor& self) { return xg::scatter(self, dim, index, src); });
}
Tensor& Tensor::scatter_(std::int64_t dim, const Tensor& index, double value) {
  return write_back(*this, "scatter_", {}, [&](const Tensor& self) { return xg::scatter(self, dim, index, value); });
}
Tensor& Tensor::scatter_add_(std::int64_t dim, const Tensor& index, const Tensor& src) {
  return write_back(*this, "scatter_add_", {&src},
                    [&](const Tensor& self) { return xg::scatter_add(self, dim, index, src); });
}
Tensor& Tensor::scatter_reduce_(std::int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                                bool include_self) {
  return write_back(*this, "scatter_reduce_", {&src},
                    [&](const Tensor& self) { return xg::scatter_reduce(self, dim, index, src, reduce, include_self); });
}
Tensor& Tensor::bernoulli_(double p) {
  return write_back(*this, "bernoulli_", {}, [&](const Tensor& self) { return xg::bernoulli(self, p); });
}

Tensor& Tensor::squeeze_() {
  return reshape_in_place(*this, "squeeze_", false, [](const Tensor& self) { return self.squeeze(); });
}
Tensor& Tensor::squeeze_(std::int64_t dim) {
  return reshape_in_place(*this, "squeeze_", false, [dim](const Tensor& self) { return xg::squeeze(self, dim); });
}
Tensor& Tensor::unsqueeze_(std::int64_t dim) {
  return reshape_in_place(*this, "unsqueeze_", false, [dim](const Tensor& self) { return xg::unsqueeze(self, dim); });
}
Tensor& Tensor::transpose_(std::int64_t dim0, std::int64_t dim1) {
  return reshape_in_place(*this, "transpose_", true,
                          [dim0, dim1](const Tensor& self) { return xg::transpose(self, dim0, dim1); });
}
Tensor& Tensor::t_() {
  return reshape_in_place(*this, "t_", true, [](const Tensor& self) { return self.t(); });
}

}  // namespace xg
