// The Tensor handle's autograd state, conversions, in-place updates and method forms of
// the common operations.
#include <xgrad/detail/format.h>
#include <cstring>

#include <xgrad/autograd.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "autograd/graph.h"
#include "autograd/write_journal.h"
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

// In-place updates are not recorded; on a tensor the graph needs they would silently
// corrupt gradients, so they are refused while recording (optimizers use NoGradGuard).
void check_inplace(const Tensor& t, const Tensor* src, const char* op) {
  if (t.requires_grad() && is_grad_enabled())
    fail(op, ": in-place operation on a tensor of shape ", detail::shape_str(t.shape()),
         " that requires grad while recording is on; wrap the update in xg::NoGradGuard");
  if (src && t.dtype() == kInt64 && src->dtype() != kInt64)
    fail(op, ": cannot write ", dtype_name(src->dtype()), " values into an int64 tensor");
  autograd::WriteJournal::note(t);  // a gradient check running puts it back afterwards
}

Tensor& inplace(Tensor& t, kernel::Binary kind, const Tensor& src, const char* op) {
  check_inplace(t, &src, op);
  kernel::binary_inplace(kind, t, src, op);
  return t;
}

}  // namespace

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_inplace(*this, &other, "add_");
  kernel::axpy_inplace(*this, other, alpha, "add_");
  return *this;
}
Tensor& Tensor::add_(double v) { return inplace(*this, kernel::Binary::Add, scalar_tensor(v, dtype()), "add_"); }
Tensor& Tensor::sub_(const Tensor& other) { return inplace(*this, kernel::Binary::Sub, other, "sub_"); }
Tensor& Tensor::sub_(double v) { return inplace(*this, kernel::Binary::Sub, scalar_tensor(v, dtype()), "sub_"); }
Tensor& Tensor::mul_(const Tensor& other) { return inplace(*this, kernel::Binary::Mul, other, "mul_"); }
Tensor& Tensor::mul_(double v) { return inplace(*this, kernel::Binary::Mul, scalar_tensor(v, dtype()), "mul_"); }
Tensor& Tensor::div_(const Tensor& other) { return inplace(*this, kernel::Binary::Div, other, "div_"); }
Tensor& Tensor::div_(double v) { return inplace(*this, kernel::Binary::Div, scalar_tensor(v, dtype()), "div_"); }

Tensor& Tensor::fill_(double value) {
  check_inplace(*this, nullptr, "fill_");
  kernel::fill_inplace(*this, value);
  ++impl_->storage->version;
  return *this;
}

Tensor& Tensor::zero_() { return fill_(0.0); }

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(*this, &src, "copy_");
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

std::tuple<Tensor, Tensor> Tensor::max_dim(std::int64_t dim, bool keepdim, bool is_max) const {
  const Tensor values = is_max ? xg::max(*this, {dim}, keepdim) : xg::min(*this, {dim}, keepdim);
  return {values, is_max ? xg::argmax(*this, dim, keepdim) : xg::argmin(*this, dim, keepdim)};
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
  return xg::broadcast_to(*this, shape);
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
Tensor Tensor::softmax(std::int64_t dim) const { return xg::softmax(*this, dim); }
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
Tensor Tensor::floor() const { return xg::floor(*this); }
Tensor Tensor::ceil() const { return xg::ceil(*this); }
Tensor Tensor::round() const { return xg::round(*this); }
Tensor Tensor::round(std::int64_t decimals) const { return xg::round(*this, decimals); }
Tensor Tensor::trunc() const { return xg::trunc(*this); }
Tensor Tensor::frac() const { return xg::frac(*this); }
Tensor Tensor::sign() const { return xg::sign(*this); }
Tensor Tensor::tan() const { return xg::tan(*this); }
Tensor Tensor::asin() const { return xg::asin(*this); }
Tensor Tensor::acos() const { return xg::acos(*this); }
Tensor Tensor::atan() const { return xg::atan(*this); }
Tensor Tensor::sinh() const { return xg::sinh(*this); }
Tensor Tensor::cosh() const { return xg::cosh(*this); }
Tensor Tensor::asinh() const { return xg::asinh(*this); }
Tensor Tensor::acosh() const { return xg::acosh(*this); }
Tensor Tensor::atanh() const { return xg::atanh(*this); }
Tensor Tensor::log2() const { return xg::log2(*this); }
Tensor Tensor::log10() const { return xg::log10(*this); }
Tensor Tensor::exp2() const { return xg::exp2(*this); }
Tensor Tensor::atan2(const Tensor& other) const { return xg::atan2(*this, other); }
Tensor Tensor::logaddexp(const Tensor& other) const { return xg::logaddexp(*this, other); }
Tensor Tensor::logaddexp2(const Tensor& other) const { return xg::logaddexp2(*this, other); }
Tensor Tensor::hypot(const Tensor& other) const { return xg::hypot(*this, other); }
Tensor Tensor::xlogy(const Tensor& other) const { return xg::xlogy(*this, other); }
Tensor Tensor::xlogy(double other) const { return xg::xlogy(*this, other); }
Tensor Tensor::fmod(const Tensor& other) const { return xg::fmod(*this, other); }
Tensor Tensor::fmod(double other) const { return xg::fmod(*this, other); }
Tensor Tensor::remainder(const Tensor& other) const { return xg::remainder(*this, other); }
Tensor Tensor::remainder(double other) const { return xg::remainder(*this, other); }
Tensor Tensor::lerp(const Tensor& end, const Tensor& weight) const { return xg::lerp(*this, end, weight); }
Tensor Tensor::lerp(const Tensor& end, double weight) const { return xg::lerp(*this, end, weight); }
Tensor Tensor::nan_to_num(std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) const {
  return xg::nan_to_num(*this, nan, posinf, neginf);
}
Tensor Tensor::isnan() const { return xg::isnan(*this); }
Tensor Tensor::logical_not() const { return xg::logical_not(*this); }
Tensor Tensor::logical_and(const Tensor& other) const { return xg::logical_and(*this, other); }
Tensor Tensor::logical_or(const Tensor& other) const { return xg::logical_or(*this, other); }
Tensor Tensor::logical_xor(const Tensor& other) const { return xg::logical_xor(*this, other); }
Tensor Tensor::isinf() const { return xg::isinf(*this); }
Tensor Tensor::isfinite() const { return xg::isfinite(*this); }
Tensor Tensor::any() const { return xg::any(*this); }
Tensor Tensor::any(std::int64_t dim, bool keepdim) const { return xg::any(*this, dim, keepdim); }
Tensor Tensor::all() const { return xg::all(*this); }
Tensor Tensor::all(std::int64_t dim, bool keepdim) const { return xg::all(*this, dim, keepdim); }
Tensor Tensor::prod() const { return xg::prod(*this); }
Tensor Tensor::prod(std::int64_t dim, bool keepdim) const { return xg::prod(*this, dim, keepdim); }
Tensor Tensor::cumprod(std::int64_t dim) const { return xg::cumprod(*this, dim); }
Tensor Tensor::logcumsumexp(std::int64_t dim) const { return xg::logcumsumexp(*this, dim); }
std::tuple<Tensor, Tensor> Tensor::cummax(std::int64_t dim) const { return xg::cummax(*this, dim); }
std::tuple<Tensor, Tensor> Tensor::cummin(std::int64_t dim) const { return xg::cummin(*this, dim); }
Tensor Tensor::erf() const { return xg::erf(*this); }
Tensor Tensor::erfc() const { return xg::erfc(*this); }
Tensor Tensor::erfinv() const { return xg::erfinv(*this); }
Tensor Tensor::lgamma() const { return xg::lgamma(*this); }
Tensor Tensor::digamma() const { return xg::digamma(*this); }
Tensor Tensor::polygamma(std::int64_t n) const { return xg::polygamma(n, *this); }
Tensor Tensor::mvlgamma(std::int64_t p) const { return xg::mvlgamma(*this, p); }
Tensor Tensor::sinc() const { return xg::sinc(*this); }
Tensor Tensor::copysign(const Tensor& other) const { return xg::copysign(*this, other); }
Tensor Tensor::copysign(double other) const { return xg::copysign(*this, other); }
Tensor Tensor::heaviside(const Tensor& values) const { return xg::heaviside(*this, values); }
Tensor Tensor::signbit() const { return xg::signbit(*this); }
Tensor Tensor::addmm(const Tensor& m1, const Tensor& m2, double beta, double alpha) const {
  return xg::addmm(*this, m1, m2, beta, alpha);
}
Tensor Tensor::addmv(const Tensor& m, const Tensor& v, double beta, double alpha) const {
  return xg::addmv(*this, m, v, beta, alpha);
}
Tensor Tensor::addbmm(const Tensor& b1, const Tensor& b2, double beta, double alpha) const {
  return xg::addbmm(*this, b1, b2, beta, alpha);
}
Tensor Tensor::baddbmm(const Tensor& b1, const Tensor& b2, double beta, double alpha) const {
  return xg::baddbmm(*this, b1, b2, beta, alpha);
}
Tensor Tensor::addr(const Tensor& v1, const Tensor& v2, double beta, double alpha) const {
  return xg::addr(*this, v1, v2, beta, alpha);
}
Tensor Tensor::addcmul(const Tensor& t1, const Tensor& t2, double value) const { return xg::addcmul(*this, t1, t2, value); }
Tensor Tensor::addcdiv(const Tensor& t1, const Tensor& t2, double value) const { return xg::addcdiv(*this, t1, t2, value); }
Tensor Tensor::kron(const Tensor& other) const { return xg::kron(*this, other); }
Tensor Tensor::swapaxes(std::int64_t a0, std::int64_t a1) const { return xg::swapaxes(*this, a0, a1); }
Tensor Tensor::swapdims(std::int64_t d0, std::int64_t d1) const { return xg::swapdims(*this, d0, d1); }
std::vector<Tensor> Tensor::tensor_split(std::int64_t sections, std::int64_t dim) const {
  return xg::tensor_split(*this, sections, dim);
}
std::vector<Tensor> Tensor::tensor_split(const std::vector<std::int64_t>& indices, std::int64_t dim) const {
  return xg::tensor_split(*this, indices, dim);
}
Tensor Tensor::take_along_dim(const Tensor& indices, std::optional<std::int64_t> dim) const {
  return xg::take_along_dim(*this, indices, dim);
}
Tensor Tensor::rot90(std::int64_t k, const std::vector<std::int64_t>& dims) const { return xg::rot90(*this, k, dims); }
Tensor Tensor::index_fill(std::int64_t dim, const Tensor& index, double value) const {
  return xg::index_fill(*this, dim, index, value);
}
Tensor Tensor::index_copy(std::int64_t dim, const Tensor& index, const Tensor& source) const {
  return xg::index_copy(*this, dim, index, source);
}
Tensor Tensor::take(const Tensor& index) const { return xg::take(*this, index); }
Tensor Tensor::diag(std::int64_t diagonal) const { return xg::diag(*this, diagonal); }
Tensor Tensor::mv(const Tensor& v) const { return xg::mv(*this, v); }
Tensor Tensor::inner(const Tensor& other) const { return xg::inner(*this, other); }
Tensor Tensor::vdot(const Tensor& other) const { return xg::vdot(*this, other); }
Tensor Tensor::ger(const Tensor& other) const { return xg::ger(*this, other); }
bool Tensor::allclose(const Tensor& other, double rtol, double atol, bool equal_nan) const {
  return xg::allclose(*this, other, rtol, atol, equal_nan);
}
bool Tensor::equal(const Tensor& other) const { return xg::equal(*this, other); }
Tensor Tensor::deg2rad() const { return xg::deg2rad(*this); }
Tensor Tensor::rad2deg() const { return xg::rad2deg(*this); }
Tensor Tensor::clip(double lo, double hi) const { return xg::clip(*this, lo, hi); }
Tensor Tensor::absolute() const { return xg::absolute(*this); }
Tensor Tensor::negative() const { return xg::negative(*this); }
Tensor Tensor::positive() const { return xg::positive(*this); }
Tensor Tensor::fix() const { return xg::fix(*this); }
Tensor Tensor::sgn() const { return xg::sgn(*this); }
Tensor Tensor::put(const Tensor& index, const Tensor& source, bool accumulate) const {
  return xg::put(*this, index, source, accumulate);
}
Tensor Tensor::scatter(std::int64_t dim, const Tensor& index, const Tensor& src) const {
  return xg::scatter(*this, dim, index, src);
}
Tensor Tensor::scatter(std::int64_t dim, const Tensor& index, double value) const {
  return xg::scatter(*this, dim, index, value);
}
Tensor Tensor::scatter_reduce(std::int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                              bool include_self) const {
  return xg::scatter_reduce(*this, dim, index, src, reduce, include_self);
}
Tensor Tensor::index_reduce(std::int64_t dim, const Tensor& index, const Tensor& source, const std::string& reduce,
                            bool include_self) const {
  return xg::index_reduce(*this, dim, index, source, reduce, include_self);
}
std::tuple<Tensor, Tensor> Tensor::aminmax(std::optional<std::int64_t> dim, bool keepdim) const {
  return xg::aminmax(*this, dim, keepdim);
}
Tensor Tensor::count_nonzero(const std::vector<std::int64_t>& dims) const { return xg::count_nonzero(*this, dims); }
Tensor Tensor::count_nonzero(std::int64_t dim) const { return xg::count_nonzero(*this, dim); }
Tensor Tensor::diff(std::int64_t n, std::int64_t dim, const Tensor& prepend, const Tensor& append) const {
  return xg::diff(*this, n, dim, prepend, append);
}
Tensor Tensor::cov(std::int64_t correction) const { return xg::cov(*this, correction); }
Tensor Tensor::corrcoef() const { return xg::corrcoef(*this); }
Tensor Tensor::logit(std::optional<double> eps) const { return xg::logit(*this, eps); }
Tensor Tensor::float_power(const Tensor& exponent) const { return xg::float_power(*this, exponent); }
Tensor Tensor::float_power(double exponent) const { return xg::float_power(*this, exponent); }
Tensor Tensor::true_divide(const Tensor& other) const { return xg::true_divide(*this, other); }
Tensor Tensor::isclose(const Tensor& other, double rtol, double atol, bool equal_nan) const {
  return xg::isclose(*this, other, rtol, atol, equal_nan);
}
Tensor Tensor::isposinf() const { return xg::isposinf(*this); }
Tensor Tensor::isneginf() const { return xg::isneginf(*this); }
Tensor Tensor::ravel() const { return xg::ravel(*this); }
Tensor Tensor::fliplr() const { return xg::fliplr(*this); }
Tensor Tensor::flipud() const { return xg::flipud(*this); }
Tensor Tensor::msort() const { return xg::msort(*this); }
Tensor Tensor::diag_embed(std::int64_t offset, std::int64_t dim1, std::int64_t dim2) const {
  return xg::diag_embed(*this, offset, dim1, dim2);
}
Tensor Tensor::diagflat(std::int64_t offset) const { return xg::diagflat(*this, offset); }
Tensor Tensor::amax(const Axes& dims, bool keepdim) const { return xg::amax(*this, dims, keepdim); }
Tensor Tensor::median() const { return xg::median(*this); }
std::tuple<Tensor, Tensor> Tensor::median(std::int64_t dim, bool keepdim) const { return xg::median(*this, dim, keepdim); }
Tensor Tensor::nanmedian() const { return xg::nanmedian(*this); }
std::tuple<Tensor, Tensor> Tensor::nanmedian(std::int64_t dim, bool keepdim) const {
  return xg::nanmedian(*this, dim, keepdim);
}
std::tuple<Tensor, Tensor> Tensor::kthvalue(std::int64_t k, std::int64_t dim, bool keepdim) const {
  return xg::kthvalue(*this, k, dim, keepdim);
}
std::tuple<Tensor, Tensor> Tensor::mode(std::int64_t dim, bool keepdim) const { return xg::mode(*this, dim, keepdim); }
Tensor Tensor::quantile(double q, std::optional<std::int64_t> dim, bool keepdim, const std::string& interpolation) const {
  return xg::quantile(*this, q, dim, keepdim, interpolation);
}
Tensor Tensor::quantile(const Tensor& q, std::optional<std::int64_t> dim, bool keepdim,
                        const std::string& interpolation) const {
  return xg::quantile(*this, q, dim, keepdim, interpolation);
}
Tensor Tensor::nanquantile(double q, std::optional<std::int64_t> dim, bool keepdim,
                           const std::string& interpolation) const {
  return xg::nanquantile(*this, q, dim, keepdim, interpolation);
}
Tensor Tensor::nanquantile(const Tensor& q, std::optional<std::int64_t> dim, bool keepdim,
                           const std::string& interpolation) const {
  return xg::nanquantile(*this, q, dim, keepdim, interpolation);
}
Tensor Tensor::nansum(const Axes& dims, bool keepdim) const { return xg::nansum(*this, dims, keepdim); }
Tensor Tensor::nanmean(const Axes& dims, bool keepdim) const { return xg::nanmean(*this, dims, keepdim); }
Tensor Tensor::amin(const Axes& dims, bool keepdim) const { return xg::amin(*this, dims, keepdim); }
Tensor Tensor::multinomial(std::int64_t num_samples, bool replacement) const {
  return xg::multinomial(*this, num_samples, replacement);
}
Tensor Tensor::index_add(std::int64_t dim, const Tensor& index, const Tensor& source, double alpha) const {
  return xg::index_add(*this, dim, index, source, alpha);
}
Tensor Tensor::scatter_add(std::int64_t dim, const Tensor& index, const Tensor& src) const {
  return xg::scatter_add(*this, dim, index, src);
}
Tensor Tensor::nonzero() const { return xg::nonzero(*this); }
Tensor Tensor::masked_select(const Tensor& mask) const { return xg::masked_select(*this, mask); }
Tensor Tensor::div(const Tensor& other, const std::string& rounding_mode) const { return xg::div(*this, other, rounding_mode); }
Tensor Tensor::diagonal(std::int64_t offset, std::int64_t dim1, std::int64_t dim2) const {
  return xg::diagonal(*this, offset, dim1, dim2);
}
std::tuple<Tensor, Tensor> Tensor::topk(std::int64_t k, std::int64_t dim, bool largest, bool sorted) const {
  return xg::topk(*this, k, dim, largest, sorted);
}

Tensor& Tensor::uniform_(double from, double to) {
  check_inplace(*this, nullptr, "uniform_");
  if (!is_floating(dtype())) fail("uniform_: expects a float tensor, got ", dtype_name(dtype()));
  NoGradGuard no_grad;
  return copy_(rand(shape(), dtype()) * (to - from) + from);
}

Tensor& Tensor::normal_(double mean, double std) {
  check_inplace(*this, nullptr, "normal_");
  if (!is_floating(dtype())) fail("normal_: expects a float tensor, got ", dtype_name(dtype()));
  NoGradGuard no_grad;
  return copy_(randn(shape(), dtype()) * std + mean);
}

}  // namespace xg
