// The method forms of the operations declared in tensor/include/xgrad/detail/tensor_math_methods.h
// (x.erf(), x.scatter_reduce(...), x.mode(), ...): each forwards to the xg:: function of that
// name, so a method and its function never differ. Kept apart from autograd/tensor_methods.cpp,
// which holds the handle's autograd state, conversions and in-place updates.
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

namespace xg {

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
Tensor Tensor::masked_scatter(const Tensor& mask, const Tensor& source) const { return xg::masked_scatter(*this, mask, source); }
Tensor Tensor::div(const Tensor& other, const std::string& rounding_mode) const { return xg::div(*this, other, rounding_mode); }
Tensor Tensor::floor_divide(const Tensor& other) const { return xg::floor_divide(*this, other); }
Tensor Tensor::bitwise_and(const Tensor& other) const { return xg::bitwise_and(*this, other); }
Tensor Tensor::bitwise_and(double other) const { return xg::bitwise_and(*this, other); }
Tensor Tensor::bitwise_or(const Tensor& other) const { return xg::bitwise_or(*this, other); }
Tensor Tensor::bitwise_or(double other) const { return xg::bitwise_or(*this, other); }
Tensor Tensor::bitwise_xor(const Tensor& other) const { return xg::bitwise_xor(*this, other); }
Tensor Tensor::bitwise_xor(double other) const { return xg::bitwise_xor(*this, other); }
Tensor Tensor::bitwise_not() const { return xg::bitwise_not(*this); }
Tensor Tensor::bitwise_left_shift(const Tensor& other) const { return xg::bitwise_left_shift(*this, other); }
Tensor Tensor::bitwise_left_shift(double other) const { return xg::bitwise_left_shift(*this, other); }
Tensor Tensor::bitwise_right_shift(const Tensor& other) const { return xg::bitwise_right_shift(*this, other); }
Tensor Tensor::bitwise_right_shift(double other) const { return xg::bitwise_right_shift(*this, other); }
Tensor Tensor::tril(std::int64_t diagonal) const { return xg::tril(*this, diagonal); }
Tensor Tensor::triu(std::int64_t diagonal) const { return xg::triu(*this, diagonal); }
Tensor Tensor::trace() const { return xg::trace(*this); }
Tensor Tensor::bmm(const Tensor& other) const { return xg::bmm(*this, other); }
Tensor Tensor::mT() const {
  if (dim() < 2) fail("mT: expects a tensor of at least 2 dimensions, got ", dim(), "-d ", detail::shape_str(shape()));
  return xg::transpose(*this, -2, -1);
}
Tensor Tensor::mH() const { return mT(); }
Tensor Tensor::adjoint() const { return mT(); }
Tensor Tensor::H() const {
  if (dim() != 0 && dim() != 2)
    fail("H: expects a 0-d or 2-d tensor, got ", dim(), "-d ", detail::shape_str(shape()), "; use mH() for batches");
  return t();
}

}  // namespace xg
