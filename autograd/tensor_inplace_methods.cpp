// libtorch's in-place forms (tensor/include/xgrad/detail/tensor_inplace_methods.h): each runs
// the out-of-place xg:: operation of its name and writes the result back, so the two forms
// never differ and every device gets the in-place form with its operation. The price is one
// temporary per call, which the updates that run every step (the optimizers' add_, mul_, ...,
// in autograd/tensor_methods.cpp) do not pay: they have kernels that write in place.
#include <xgrad/detail/format.h>
#include <string>

#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include "autograd/inplace.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace {

// Checks, computes `f()` without recording, and writes its result into t.
template <class F>
Tensor& write_back(Tensor& t, const char* op, std::initializer_list<const Tensor*> operands, F&& f) {
  detail::CallScope call(op);
  autograd::check_inplace(t, op, operands);
  Tensor result;
  try {
    NoGradGuard no_grad;
    result = f();
  } catch (const Error& e) {  // "scatter: index 7 ..." from x.scatter_ reads "scatter_: index 7 ..."
    const std::string name(op);
    detail::rethrow_as(e, name.substr(0, name.size() - 1), name);
  }
  if (result.shape() != t.shape())
    fail(op, ": the result has shape ", detail::shape_str(result.shape()), ", which cannot be written into this tensor of shape ",
         detail::shape_str(t.shape()), " (in place, the other operands must broadcast to its shape)");
  autograd::check_writable(t, result.dtype(), op);
  kernel::copy_into(t, result.dtype() == t.dtype() ? result : kernel::cast(result, t.dtype()));
  ++t.impl()->storage->version;
  return t;
}

}  // namespace

#define XG_INPLACE_UNARY(name) \
  Tensor& Tensor::name##_() { return write_back(*this, #name "_", {}, [&] { return xg::name(*this); }); }
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
  return write_back(*this, "pow_", {}, [&] { return xg::pow(*this, exponent); });
}
Tensor& Tensor::pow_(const Tensor& exponent) {
  return write_back(*this, "pow_", {&exponent}, [&] { return xg::pow(*this, exponent); });
}
Tensor& Tensor::clamp_(double min, double max) {
  return write_back(*this, "clamp_", {}, [&] { return xg::clamp(*this, min, max); });
}
Tensor& Tensor::clamp_(const Tensor& min, const Tensor& max) {
  return write_back(*this, "clamp_", {&min, &max}, [&] { return xg::clamp(*this, min, max); });
}
Tensor& Tensor::clamp_min_(double min) {
  return write_back(*this, "clamp_min_", {}, [&] { return xg::clamp_min(*this, min); });
}
Tensor& Tensor::clamp_max_(double max) {
  return write_back(*this, "clamp_max_", {}, [&] { return xg::clamp_max(*this, max); });
}
Tensor& Tensor::nan_to_num_(std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) {
  return write_back(*this, "nan_to_num_", {}, [&] { return xg::nan_to_num(*this, nan, posinf, neginf); });
}
Tensor& Tensor::addcmul_(const Tensor& tensor1, const Tensor& tensor2, double value) {
  return write_back(*this, "addcmul_", {&tensor1, &tensor2}, [&] { return xg::addcmul(*this, tensor1, tensor2, value); });
}
Tensor& Tensor::addcdiv_(const Tensor& tensor1, const Tensor& tensor2, double value) {
  return write_back(*this, "addcdiv_", {&tensor1, &tensor2}, [&] { return xg::addcdiv(*this, tensor1, tensor2, value); });
}
Tensor& Tensor::lerp_(const Tensor& end, double weight) {
  return write_back(*this, "lerp_", {&end}, [&] { return xg::lerp(*this, end, weight); });
}
Tensor& Tensor::lerp_(const Tensor& end, const Tensor& weight) {
  return write_back(*this, "lerp_", {&end, &weight}, [&] { return xg::lerp(*this, end, weight); });
}
Tensor& Tensor::masked_fill_(const Tensor& mask, double value) {
  return write_back(*this, "masked_fill_", {}, [&] { return xg::masked_fill(*this, mask, value); });
}
Tensor& Tensor::masked_scatter_(const Tensor& mask, const Tensor& source) {
  return write_back(*this, "masked_scatter_", {&source}, [&] { return xg::masked_scatter(*this, mask, source); });
}
Tensor& Tensor::index_fill_(std::int64_t dim, const Tensor& index, double value) {
  return write_back(*this, "index_fill_", {}, [&] { return xg::index_fill(*this, dim, index, value); });
}
Tensor& Tensor::index_copy_(std::int64_t dim, const Tensor& index, const Tensor& source) {
  return write_back(*this, "index_copy_", {&source}, [&] { return xg::index_copy(*this, dim, index, source); });
}
Tensor& Tensor::index_add_(std::int64_t dim, const Tensor& index, const Tensor& source, double alpha) {
  return write_back(*this, "index_add_", {&source}, [&] { return xg::index_add(*this, dim, index, source, alpha); });
}
Tensor& Tensor::scatter_(std::int64_t dim, const Tensor& index, const Tensor& src) {
  return write_back(*this, "scatter_", {&src}, [&] { return xg::scatter(*this, dim, index, src); });
}
Tensor& Tensor::scatter_(std::int64_t dim, const Tensor& index, double value) {
  return write_back(*this, "scatter_", {}, [&] { return xg::scatter(*this, dim, index, value); });
}
Tensor& Tensor::scatter_add_(std::int64_t dim, const Tensor& index, const Tensor& src) {
  return write_back(*this, "scatter_add_", {&src}, [&] { return xg::scatter_add(*this, dim, index, src); });
}
Tensor& Tensor::scatter_reduce_(std::int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                                bool include_self) {
  return write_back(*this, "scatter_reduce_", {&src},
                    [&] { return xg::scatter_reduce(*this, dim, index, src, reduce, include_self); });
}
Tensor& Tensor::bernoulli_(double p) {
  return write_back(*this, "bernoulli_", {}, [&] { return xg::bernoulli(*this, p); });
}

}  // namespace xg
