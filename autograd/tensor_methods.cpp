// The Tensor handle's autograd state, conversions, in-place updates and method forms of
// the common operations.
#include <xgrad/detail/format.h>
#include <algorithm>
#include <cmath>
#include <cstring>

#include <xgrad/autograd.h>
#include <xgrad/ops.h>
#include <xgrad/ops_layers.h>
#include <xgrad/random.h>

#include "autograd/graph.h"
#include "autograd/inplace.h"
#include "autograd/views.h"
#include "autograd/write_journal.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg {

using autograd::Node;
using autograd::record;

Tensor& Tensor::requires_grad_(bool requires_grad) {
  if (requires_grad && !is_floating(dtype()))
    fail("requires_grad_: only float tensors can require grad, this one is ", dtype_name(dtype()));
  if (!is_leaf())
    fail("requires_grad_: only leaves can be marked; this tensor was produced by ", grad_fn_name(),
         " (use detach() to make a new leaf)");
  impl_->requires_grad = requires_grad;
  return *this;
}

bool Tensor::requires_grad() const { return impl_ && impl_->requires_grad; }
bool Tensor::is_leaf() const { return !impl_ || !impl_->grad_fn; }
std::string Tensor::grad_fn_name() const { return impl_ && impl_->grad_fn ? impl_->grad_fn->name() : ""; }
std::shared_ptr<autograd::Node> Tensor::grad_fn() const { return impl_ ? impl_->grad_fn : nullptr; }
Tensor Tensor::grad() const { return impl_ && impl_->grad ? Tensor(impl_->grad) : Tensor(); }
std::uint64_t Tensor::version() const { return impl_ ? impl_->storage->version : 0; }

void Tensor::set_grad(const Tensor& g) {
  if (g.defined() && (g.shape() != shape()))
    fail("set_grad: gradient of shape ", detail::shape_str(g.shape()), " for a tensor of shape ",
         detail::shape_str(shape()));
  impl_->grad = g.defined() ? g.impl() : nullptr;
}

void Tensor::zero_grad() {
  if (impl_) impl_->grad.reset();
}

Tensor Tensor::detach() const { return detail::alias(*this, shape()); }

Tensor Tensor::clone() const {
  return record("clone", {*this}, kernel::copy(*this), {}, [](Node&, const Tensor& gy) { return tensor_list{gy}; });
}

Tensor Tensor::to(Dtype dtype) const {
  if (dtype == this->dtype()) return *this;
  return record("to", {*this}, kernel::cast(*this, dtype), {},
                [](Node& n, const Tensor& gy) { return tensor_list{gy.to(n.input_meta(0).dtype)}; });
}

Tensor Tensor::to(Device device) const {
  detail::check_device(device, "to");
  const Device from = this->device(), target = detail::resolved(device);
  if (target == from) return *this;
  // The gradient goes back where the tensor came from (recorded, so to every order).
  return record("to", {*this}, detail::copy_to(*this, target, "to"), {},
                [from](Node&, const Tensor& gy) { return tensor_list{gy.to(from)}; });
}

Tensor Tensor::to(Device device, Dtype dtype) const { return to(device).to(dtype); }
Tensor Tensor::cpu() const { return to(Device(kCPU)); }
Tensor Tensor::cuda() const { return to(Device(kCUDA)); }

namespace {

using autograd::check_inplace;

// libtorch's rule: an int64 update cannot scale by a fraction (the scale would be truncated).
void check_alpha(const Tensor& t, double alpha, const char* op) {
  if (t.dtype() == kInt64 && alpha != std::trunc(alpha))
    fail(op, ": alpha ", alpha, " is not an integer, which an int64 tensor's update needs");
}

// The scalar operand of add_(v) and friends, in t's dtype (t checked first: an undefined
// tensor has none).
Tensor scalar_like(const Tensor& t, double v, const char* op) {
  if (!t.defined()) fail(op, ": the tensor is undefined");
  return scalar_tensor(v, t.dtype());
}

void check_defined(const Tensor& t, const char* op) {
  if (!t.defined()) fail(op, ": the tensor is undefined");
}

// The operation an in-place binary update records (autograd::write_back).
Tensor recorded_binary(kernel::Binary kind, const Tensor& a, const Tensor& b) {
  switch (kind) {
    case kernel::Binary::Add: return a + b;
    case kernel::Binary::Sub: return a - b;
    case kernel::Binary::Mul: return a * b;
    case kernel::Binary::Div: return a / b;
    default: break;
  }
  fail("in-place update: no recorded form for this operation");
}

Tensor& inplace(Tensor& t, kernel::Binary kind, const Tensor& src, const char* op) {
  check_defined(t, op);
  autograd::check_writable(t, src.dtype(), op);
  if (autograd::needs_write_back(t, {&src}))
    return autograd::write_back(t, op, {&src}, [&](const Tensor& self) { return recorded_binary(kind, self, src); });
  check_inplace(t, op);
  kernel::binary_inplace(kind, t, src, op);
  return t;
}

// t += alpha * other (subtracting: t -= alpha * other) without a temporary for the product.
Tensor& axpy(Tensor& t, const Tensor& other, double alpha, bool subtract, const char* op) {
  check_defined(t, op);
  autograd::check_writable(t, other.dtype(), op);
  check_alpha(t, alpha, op);
  const double scale = subtract ? -alpha : alpha;
  if (autograd::needs_write_back(t, {&other}))
    return autograd::write_back(t, op, {&other}, [&](const Tensor& self) { return self + other * scale; });
  check_inplace(t, op);
  kernel::axpy_inplace(t, other, scale, op);
  return t;
}

}  // namespace

Tensor& Tensor::add_(const Tensor& other, double alpha) { return axpy(*this, other, alpha, false, "add_"); }
Tensor& Tensor::add_(double v) { return inplace(*this, kernel::Binary::Add, scalar_like(*this, v, "add_"), "add_"); }
Tensor& Tensor::sub_(const Tensor& other, double alpha) {
  return alpha == 1.0 ? inplace(*this, kernel::Binary::Sub, other, "sub_") : axpy(*this, other, alpha, true, "sub_");
}
Tensor& Tensor::sub_(double v) { return inplace(*this, kernel::Binary::Sub, scalar_like(*this, v, "sub_"), "sub_"); }
Tensor& Tensor::mul_(const Tensor& other) { return inplace(*this, kernel::Binary::Mul, other, "mul_"); }
Tensor& Tensor::mul_(double v) { return inplace(*this, kernel::Binary::Mul, scalar_like(*this, v, "mul_"), "mul_"); }
Tensor& Tensor::div_(const Tensor& other) { return inplace(*this, kernel::Binary::Div, other, "div_"); }
Tensor& Tensor::div_(double v) { return inplace(*this, kernel::Binary::Div, scalar_like(*this, v, "div_"), "div_"); }

Tensor& Tensor::fill_(double value) {
  // Through write_back when recorded (the tensor becomes a constant whose gradient to the
  // old values is zero) or a view copy (the fill reaches its base).
  if (autograd::needs_write_back(*this))
    return autograd::write_back(*this, "fill_", {}, [&](const Tensor& self) {
      return xg::masked_fill(self, ones(self.shape(), TensorOptions().dtype(kInt64).device(self.device())), value);
    });
  check_inplace(*this, "fill_");
  kernel::fill_inplace(*this, value);
  ++impl_->storage->version;
  return *this;
}

Tensor& Tensor::zero_() { return fill_(0.0); }

Tensor& Tensor::copy_(const Tensor& src) {
  check_defined(*this, "copy_");
  autograd::check_writable(*this, src.dtype(), "copy_");
  // Through write_back when recorded (the tensor takes src's history; its old values get no
  // gradient from it) or a view copy.
  if (autograd::needs_write_back(*this, {&src}))
    return autograd::write_back(*this, "copy_", {&src}, [&](const Tensor& self) {
      return xg::broadcast_to(src.to(self.device(), self.dtype()), self.shape());
    });
  check_inplace(*this, "copy_");
  // Between devices too (libtorch's copy_ allows it): the values are converted and broadcast
  // on the source's device, then copied over.
  const Tensor b = kernel::broadcast_to(src.dtype() == dtype() ? src : kernel::cast(src, dtype()), shape(), "copy_");
  kernel::copy_into(*this, b);
  ++impl_->storage->version;
  return *this;
}

Tensor Tensor::sum(const Axes& axes, bool keepdims) const { return xg::sum(*this, axes, keepdims); }
Tensor Tensor::mean(const Axes& axes, bool keepdims) const { return xg::mean(*this, axes, keepdims); }
Tensor Tensor::max(const Axes& axes, bool keepdims) const { return xg::max(*this, axes, keepdims); }
Tensor Tensor::min(const Axes& axes, bool keepdims) const { return xg::min(*this, axes, keepdims); }
Tensor Tensor::var(const Axes& axes, bool keepdims, std::int64_t ddof) const { return xg::var(*this, axes, keepdims, ddof); }
Tensor Tensor::argmax() const { return xg::argmax(*this); }
Tensor Tensor::argmax(std::int64_t axis, bool keepdims) const { return xg::argmax(*this, axis, keepdims); }
Tensor Tensor::argmin() const { return xg::argmin(*this); }
Tensor Tensor::argmin(std::int64_t axis, bool keepdims) const { return xg::argmin(*this, axis, keepdims); }
Tensor Tensor::reshape(const Shape& shape) const { return xg::reshape(*this, shape); }
Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const { return xg::flatten(*this, start_dim, end_dim); }
Tensor Tensor::squeeze(std::int64_t axis) const { return xg::squeeze(*this, axis); }
Tensor Tensor::unsqueeze(std::int64_t axis) const { return xg::unsqueeze(*this, axis); }
Tensor Tensor::transpose(std::int64_t dim0, std::int64_t dim1) const { return xg::transpose(*this, dim0, dim1); }
Tensor Tensor::permute(const Axes& perm) const { return xg::permute(*this, perm); }
Tensor Tensor::matmul(const Tensor& other) const { return xg::matmul(*this, other); }
Tensor Tensor::pow(double exponent) const { return xg::pow(*this, exponent); }
Tensor Tensor::exp() const { return xg::exp(*this); }
Tensor Tensor::log() const { return xg::log(*this); }
Tensor Tensor::sqrt() const { return xg::sqrt(*this); }
Tensor Tensor::abs() const { return xg::abs(*this); }
Tensor Tensor::slice(std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step) const {
  return xg::slice(*this, dim, start, end, step);
}
Tensor Tensor::narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const {
  return xg::narrow(*this, dim, start, length);
}

Tensor Tensor::T() const {
  Axes perm;
  for (std::int64_t i = dim() - 1; i >= 0; --i) perm.push_back(i);
  return xg::permute(*this, perm);
}

// ---- libtorch's spellings ----

// The values are gathered at the indices, so the gradient goes to the element each index
// names (libtorch's max.dim backward), not shared among tied maxima as max({dim})'s is.
std::tuple<Tensor, Tensor> Tensor::max_dim(std::int64_t dim, bool keepdim, bool is_max) const {
  const char* op = is_max ? "max" : "min";
  if (!impl_) fail(op, ": the tensor is undefined");
  const std::int64_t axis = detail::normalize_axis(dim, this->dim(), op);
  const TensorOptions ints = TensorOptions().dtype(kInt64).device(device());
  if (this->dim() == 0) return {xg::reshape(*this, {}), zeros({}, ints)};  // libtorch's: itself, at 0
  if (shape()[static_cast<std::size_t>(axis)] == 0)
    fail(op, ": cannot reduce the empty axis ", dim, " of shape ", detail::shape_str(shape()));
  Shape one = shape();
  one[static_cast<std::size_t>(axis)] = 1;
  // (argmax refuses an empty tensor; with another axis empty there is nothing to pick.)
  const Tensor indices = numel() == 0 ? zeros(one, ints)
                         : is_max    ? xg::argmax(*this, axis, true)
                                     : xg::argmin(*this, axis, true);
  const Tensor values = xg::gather(*this, axis, indices);
  if (keepdim) return {values, indices};
  return {xg::squeeze(values, axis), xg::squeeze(indices, axis)};
}

Tensor Tensor::squeeze() const {
  Shape kept;
  for (auto d : shape())
    if (d != 1) kept.push_back(d);
  return xg::reshape(*this, kept);
}

Tensor Tensor::t() const {
  if (dim() > 2) fail("t: expects a tensor of at most 2 dimensions, got ", dim(), "-d ", detail::shape_str(shape()),
                      "; use transpose(dim0, dim1)");
  return dim() < 2 ? *this : xg::transpose(*this, 0, 1);
}

Tensor& Tensor::detach_() {
  if (!impl_) fail("detach_: the tensor is undefined");
  impl_->grad_fn.reset();
  impl_->output_nr = 0;
  impl_->requires_grad = false;
  return *this;
}

Tensor Tensor::expand(const Shape& target) const {
  Shape shape = target;
  const std::int64_t lead = static_cast<std::int64_t>(shape.size()) - dim();
  if (lead < 0)
    fail("expand: the target ", detail::shape_str(target), " has fewer axes than the tensor ", detail::shape_str(this->shape()));
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == -1) {
      if (static_cast<std::int64_t>(i) < lead) fail("expand: -1 is not allowed for the new leading axis ", i);
      shape[i] = this->shape()[i - static_cast<std::size_t>(lead)];
    }
  Tensor out = xg::broadcast_to(*this, shape);
  autograd::mark_view(out, *this, "expand", [shape](const Tensor& base) { return xg::broadcast_to(base, shape); }, false);
  return out;
}

Tensor Tensor::relu() const { return xg::relu(*this); }
Tensor Tensor::sigmoid() const { return xg::sigmoid(*this); }
Tensor Tensor::tanh() const { return xg::tanh(*this); }
Tensor Tensor::sin() const { return xg::sin(*this); }
Tensor Tensor::cos() const { return xg::cos(*this); }
Tensor Tensor::neg() const { return xg::neg(*this); }
Tensor Tensor::square() const { return xg::mul(*this, *this); }
Tensor Tensor::log1p() const { return xg::log1p(*this); }
Tensor Tensor::expm1() const { return xg::expm1(*this); }
Tensor Tensor::clamp(double min, double max) const { return xg::clamp(*this, min, max); }
Tensor Tensor::clamp(const Tensor& min, const Tensor& max) const { return xg::clamp(*this, min, max); }
Tensor Tensor::softmax(std::int64_t dim) const { return xg::softmax(*this, dim); }
Tensor Tensor::logsumexp(std::int64_t dim, bool keepdim) const { return xg::logsumexp(*this, dim, keepdim); }
Tensor Tensor::log_softmax(std::int64_t dim) const { return xg::log_softmax(*this, dim); }
Tensor Tensor::add(const Tensor& other) const { return xg::add(*this, other); }
Tensor Tensor::sub(const Tensor& other) const { return xg::sub(*this, other); }
Tensor Tensor::mul(const Tensor& other) const { return xg::mul(*this, other); }
Tensor Tensor::div(const Tensor& other) const { return xg::div(*this, other); }
Tensor Tensor::mm(const Tensor& other) const {
  if (dim() != 2 || other.dim() != 2)
    fail("mm: expects two matrices, got ", detail::shape_str(shape()), " and ", detail::shape_str(other.shape()),
         "; matmul broadcasts");
  return xg::matmul(*this, other);
}
Tensor Tensor::eq(const Tensor& other) const { return xg::eq(*this, other); }
Tensor Tensor::ne(const Tensor& other) const { return xg::ne(*this, other); }
Tensor Tensor::lt(const Tensor& other) const { return xg::lt(*this, other); }
Tensor Tensor::le(const Tensor& other) const { return xg::le(*this, other); }
Tensor Tensor::gt(const Tensor& other) const { return xg::gt(*this, other); }
Tensor Tensor::ge(const Tensor& other) const { return xg::ge(*this, other); }
Tensor Tensor::eq(double other) const { return *this == other; }
Tensor Tensor::ne(double other) const { return *this != other; }
Tensor Tensor::lt(double other) const { return *this < other; }
Tensor Tensor::le(double other) const { return *this <= other; }
Tensor Tensor::gt(double other) const { return *this > other; }
Tensor Tensor::ge(double other) const { return *this >= other; }
std::int64_t Tensor::element_size() const { return static_cast<std::int64_t>(dtype_size(dtype())); }
Tensor Tensor::expand_as(const Tensor& other) const { return expand(other.shape()); }
Tensor Tensor::view_as(const Tensor& other) const { return reshape(other.shape()); }
Tensor Tensor::reshape_as(const Tensor& other) const { return reshape(other.shape()); }
Tensor Tensor::to(Dtype dtype, bool /*non_blocking*/, bool copy) const {
  return copy && dtype == this->dtype() ? clone() : to(dtype);
}
Tensor Tensor::where(const Tensor& condition, const Tensor& other) const { return xg::where(condition, *this, other); }
Tensor Tensor::type_as(const Tensor& other) const { return to(other.device(), other.dtype()); }
namespace {
TensorOptions like(const Tensor& x, const TensorOptions& o) {
  return o.dtype(o.dtype_or(x.dtype())).device(o.has_device() ? o.device() : x.device());
}
}  // namespace
Tensor Tensor::new_zeros(const Shape& shape, const TensorOptions& o) const { return xg::zeros(shape, like(*this, o)); }
Tensor Tensor::new_ones(const Shape& shape, const TensorOptions& o) const { return xg::ones(shape, like(*this, o)); }
Tensor Tensor::new_full(const Shape& shape, double value, const TensorOptions& o) const {
  return xg::full(shape, value, like(*this, o));
}
Tensor Tensor::new_empty(const Shape& shape, const TensorOptions& o) const { return xg::empty(shape, like(*this, o)); }
std::vector<Tensor> Tensor::split(std::int64_t split_size, std::int64_t dim) const {
  detail::CallScope call("split");
  if (!defined()) fail("split: the input is undefined");
  if (split_size < 0) fail("split: split_size must be non-negative, got ", split_size);
  const std::int64_t n = shape()[static_cast<std::size_t>(detail::normalize_axis(dim, this->dim(), "split"))];
  if (split_size == 0 && n > 0) fail("split: split_size 0 cannot split an axis of size ", n);
  std::vector<std::int64_t> sizes;
  for (std::int64_t at = 0; at < n; at += split_size) sizes.push_back(std::min(split_size, n - at));
  if (sizes.empty()) sizes.push_back(0);  // an empty axis: one empty piece, as libtorch
  return xg::split(*this, sizes, dim);
}
std::vector<Tensor> Tensor::split(const std::vector<std::int64_t>& sizes, std::int64_t dim) const {
  return xg::split(*this, sizes, dim);
}
std::vector<Tensor> Tensor::split_with_sizes(const std::vector<std::int64_t>& sizes, std::int64_t dim) const {
  return xg::split(*this, sizes, dim);
}
Tensor Tensor::masked_fill(const Tensor& mask, double value) const { return xg::masked_fill(*this, mask, value); }
Tensor Tensor::index_select(std::int64_t dim, const Tensor& index) const { return xg::index_select(*this, dim, index); }
Tensor Tensor::gather(std::int64_t dim, const Tensor& index) const { return xg::gather(*this, dim, index); }
std::vector<Tensor> Tensor::chunk(std::int64_t chunks, std::int64_t dim) const { return xg::chunk(*this, chunks, dim); }
std::vector<Tensor> Tensor::unbind(std::int64_t dim) const { return xg::unbind(*this, dim); }
Tensor Tensor::select(std::int64_t dim, std::int64_t index) const { return xg::select(*this, dim, index); }
Tensor Tensor::cumsum(std::int64_t dim) const { return xg::cumsum(*this, dim); }
std::tuple<Tensor, Tensor> Tensor::sort(std::int64_t dim, bool descending) const { return xg::sort(*this, dim, descending); }
Tensor Tensor::argsort(std::int64_t dim, bool descending) const { return xg::argsort(*this, dim, descending); }
Tensor Tensor::unflatten(std::int64_t dim, const Shape& sizes) const { return xg::unflatten(*this, dim, sizes); }
Tensor Tensor::flip(const std::vector<std::int64_t>& dims) const { return xg::flip(*this, dims); }
Tensor Tensor::roll(const std::vector<std::int64_t>& shifts, const std::vector<std::int64_t>& dims) const {
  return xg::roll(*this, shifts, dims);
}
Tensor Tensor::repeat(const Shape& repeats) const { return xg::repeat(*this, repeats); }
Tensor Tensor::repeat_interleave(std::int64_t repeats, std::optional<std::int64_t> dim) const {
  return xg::repeat_interleave(*this, repeats, dim);
}
Tensor Tensor::movedim(const std::vector<std::int64_t>& source, const std::vector<std::int64_t>& destination) const {
  return xg::movedim(*this, source, destination);
}
Tensor Tensor::std(const Axes& axes, bool keepdims, std::int64_t ddof) const { return xg::std(*this, axes, keepdims, ddof); }
Tensor Tensor::norm(double p, const Axes& axes, bool keepdims) const { return xg::norm(*this, p, axes, keepdims); }
Tensor Tensor::rsqrt() const { return xg::rsqrt(*this); }
Tensor Tensor::reciprocal() const { return xg::reciprocal(*this); }
Tensor Tensor::clamp_min(double min) const { return xg::clamp_min(*this, min); }
Tensor Tensor::clamp_max(double max) const { return xg::clamp_max(*this, max); }
Tensor Tensor::dot(const Tensor& other) const { return xg::dot(*this, other); }
Tensor Tensor::outer(const Tensor& other) const { return xg::outer(*this, other); }
Tensor Tensor::diagonal(std::int64_t offset, std::int64_t dim1, std::int64_t dim2) const {
  return xg::diagonal(*this, offset, dim1, dim2);
}
std::tuple<Tensor, Tensor> Tensor::topk(std::int64_t k, std::int64_t dim, bool largest, bool sorted) const {
  return xg::topk(*this, k, dim, largest, sorted);
}

}  // namespace xg
