// F::normalize, F::cosine_similarity and F::pairwise_distance, composed from differentiable
// operations. Their p-norms have PyTorch's gradient at a zero vector (0, where the plain
// composition's sqrt would give 0 · inf = NaN).
#include <xgrad/detail/format.h>

#include <cmath>
#include <initializer_list>
#include <limits>

#include <xgrad/nn/functional.h>

#include "tensor/checked.h"

namespace xg::nn::functional {

namespace {

// ‖x‖_p along `axis` (p > 0, or infinity), xg::norm's (PyTorch's gradient at a zero vector).
Tensor p_norm(const Tensor& x, double p, std::int64_t axis, bool keepdim, const char* op) {
  if (!(p > 0)) fail(detail::call_or(op), ": p must be positive (or infinity), got ", p);
  return norm(x, p, {axis}, keepdim);
}

void require_float(const char* op, std::initializer_list<const Tensor*> xs) {
  for (const Tensor* x : xs) {
    if (!x->defined()) fail(op, ": an input is undefined");
    if (!is_floating(x->dtype())) fail(op, ": expected float tensors, got ", dtype_name(x->dtype()));
  }
}

std::int64_t axis_of(const Tensor& x, std::int64_t dim, const char* op) {
  const std::int64_t n = x.dim();
  if (dim < -n || dim >= n || n == 0)
    fail(op, ": dim ", dim, " is out of range for a ", n, "-D input ", detail::shape_str(x.shape()));
  return dim < 0 ? dim + n : dim;
}

}  // namespace

Tensor normalize(const Tensor& x, const NormalizeFuncOptions& o) {
  const char* op = "normalize";
  detail::CallScope call(op);
  require_float(op, {&x});
  const std::int64_t axis = axis_of(x, o.dim(), op);
  return x / maximum(p_norm(x, o.p(), axis, true, op), scalar_tensor(o.eps(), x.dtype()));
}

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, const CosineSimilarityFuncOptions& o) {
  const char* op = "cosine_similarity";
  detail::CallScope call(op);
  require_float(op, {&x1, &x2});
  const Tensor prod = x1 * x2;  // the broadcast shape, whose axis `dim` names
  const Tensor a = broadcast_to(x1, prod.shape()), b = broadcast_to(x2, prod.shape());
  const std::int64_t axis = axis_of(prod, o.dim(), op);
  const Tensor eps = scalar_tensor(o.eps(), prod.dtype());
  return sum(prod, {axis}) / (maximum(p_norm(a, 2, axis, false, op), eps) * maximum(p_norm(b, 2, axis, false, op), eps));
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, const PairwiseDistanceFuncOptions& o) {
  const char* op = "pairwise_distance";
  detail::CallScope call(op);
  require_float(op, {&x1, &x2});
  const Tensor d = x1 - x2 + o.eps();
  if (d.dim() == 0) fail(detail::call_or(op), ": expected inputs with at least one axis, got 0-D tensors");
  return p_norm(d, o.p(), d.dim() - 1, o.keepdim(), op);
}

}  // namespace xg::nn::functional

namespace xg {
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, std::int64_t dim, double eps) {
  return nn::functional::cosine_similarity(x1, x2, nn::functional::CosineSimilarityFuncOptions().dim(dim).eps(eps));
}
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  return nn::functional::pairwise_distance(x1, x2, nn::functional::PairwiseDistanceFuncOptions().p(p).eps(eps).keepdim(keepdim));
}
}  // namespace xg
