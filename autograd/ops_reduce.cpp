// Reductions and the softmax family.
#include <xgrad/detail/format.h>
#include <algorithm>

#include <xgrad/ops.h>

#include <cmath>

#include "autograd/graph.h"
#include "tensor/kernels.h"
#include "tensor/checked.h"

namespace xg {

using autograd::Node;
using autograd::record;

namespace {

// Sorted, unique, non-negative axes; empty means all. A 0-d tensor has nothing to reduce.
Axes normalize_axes(const Axes& axes, std::int64_t ndim, const char* op) {
  Axes out;
  for (auto a : axes) out.push_back(detail::normalize_axis(a, ndim, op));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end())
    fail(op, ": axis repeated in ", detail::shape_str(axes));
  if (ndim == 0) out.clear();
  return out;
}

// The shape of x reduced over axes with keepdims (size 1 on reduced axes).
Shape kept_shape(const Shape& shape, const Axes& axes) {
  Shape kept = shape;
  for (std::size_t i = 0; i < kept.size(); ++i)
    if (axes.empty() || std::binary_search(axes.begin(), axes.end(), static_cast<std::int64_t>(i))) kept[i] = 1;
  return kept;
}

// gy (reduced, with or without keepdims) spread back over the input's shape.
Tensor expand_grad(const Tensor& gy, const Shape& input_shape, const Axes& axes) {
  return broadcast_to(reshape(gy, kept_shape(input_shape, axes)), input_shape);
}

std::int64_t reduced_count(const Shape& shape, const Axes& axes) {
  std::int64_t n = 1;
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (axes.empty() || std::binary_search(axes.begin(), axes.end(), static_cast<std::int64_t>(i))) n *= shape[i];
  return n;
}

Tensor extremum(kernel::Reduce kind, const char* op, const Tensor& x, const Axes& axes_in, bool keepdims) {
  const Axes axes = normalize_axes(axes_in, x.dim(), op);
  Tensor y = kernel::reduce(kind, x, axes, keepdims);
  if (autograd::probing_kinks())  // which positions hold the extremum
    autograd::note_kink(op, kernel::binary(kernel::Binary::Eq, x,
                                           kernel::broadcast_to(detail::alias(y, kept_shape(x.shape(), axes)), x.shape(), op), op));
  return record(op, {x}, y, {x, y}, [axes](Node& n, const Tensor& gy) {
    const auto s = n.saved();
    const Shape& shape = n.input_meta(0).shape;
    // The gradient goes to the positions holding the extremum, shared equally among ties.
    const Tensor y_b = kernel::broadcast_to(detail::alias(s[1], kept_shape(shape, axes)), shape, "max");
    Tensor mask = kernel::binary(kernel::Binary::Eq, s[0], y_b, "max");
    const Tensor count = kernel::reduce(kernel::Reduce::Sum, mask, axes, true);
    mask = kernel::binary(kernel::Binary::Div, mask, count, "max");
    return tensor_list{expand_grad(gy, shape, axes) * mask};
  });
}

}  // namespace

Tensor sum(const Tensor& x, const Axes& axes_in, bool keepdims) {
  detail::CallScope call("sum");
  const Axes axes = normalize_axes(axes_in, x.dim(), "sum");
  return record("sum", {x}, kernel::reduce(kernel::Reduce::Sum, x, axes, keepdims), {},
                [axes](Node& n, const Tensor& gy) { return tensor_list{expand_grad(gy, n.input_meta(0).shape, axes)}; });
}

Tensor mean(const Tensor& x, const Axes& axes, bool keepdims) {
  detail::CallScope call("mean");
  const Tensor xf = x.dtype() == kInt64 ? x.to(kFloat32) : x;
  const std::int64_t n = reduced_count(x.shape(), normalize_axes(axes, x.dim(), "mean"));
  return sum(xf, axes, keepdims) / static_cast<double>(n);
}

Tensor max(const Tensor& x, const Axes& axes, bool keepdims) {
  detail::CallScope call("max");
  return extremum(kernel::Reduce::Max, "max", x, axes, keepdims);
}

Tensor min(const Tensor& x, const Axes& axes, bool keepdims) {
  detail::CallScope call("min");
  return extremum(kernel::Reduce::Min, "min", x, axes, keepdims);
}

namespace {
// (variance, mean kept along axes), for var, std and their _mean forms; op names the call.
std::pair<Tensor, Tensor> variance_and_mean(const Tensor& x, const Axes& axes, bool keepdims, std::int64_t ddof, const char* op) {
  if (!x.defined()) fail(detail::call_or(op), ": the input is undefined");
  const Tensor xf = x.dtype() == kInt64 ? x.to(kFloat32) : x;
  const std::int64_t n = reduced_count(x.shape(), normalize_axes(axes, x.dim(), op));
  if (n - ddof <= 0) fail(detail::call_or(op), ": ", n, " elements with ddof ", ddof, " leave no degrees of freedom");
  const Tensor m = mean(xf, axes, true);
  const Tensor d = xf - m;
  return {sum(d * d, axes, keepdims) / static_cast<double>(n - ddof), m};
}
}  // namespace

Tensor var(const Tensor& x, const Axes& axes, bool keepdims, std::int64_t ddof) {
  detail::CallScope call("var");
  return variance_and_mean(x, axes, keepdims, ddof, "var").first;
}

Tensor std(const Tensor& x, const Axes& axes, bool keepdims, std::int64_t ddof) {
  detail::CallScope call("std");
  return sqrt(var(x, axes, keepdims, ddof));
}

std::tuple<Tensor, Tensor> var_mean(const Tensor& x, const Axes& axes, bool keepdims, std::int64_t ddof) {
  detail::CallScope call("var_mean");
  const auto [v, m] = variance_and_mean(x, axes, keepdims, ddof, "var_mean");
  return {v, reshape(m, v.shape())};  // the kept axes dropped as the variance's
}

std::tuple<Tensor, Tensor> std_mean(const Tensor& x, const Axes& axes, bool keepdims, std::int64_t ddof) {
  detail::CallScope call("std_mean");
  const auto [v, m] = variance_and_mean(x, axes, keepdims, ddof, "std_mean");
  return {sqrt(v), reshape(m, v.shape())};
}

// The root is taken of a sum replaced by 1 where it is 0 and masked back to 0: at a zero
// vector the value is 0 and the gradient 0, as PyTorch's norm backward defines it (the
// plain composition's sqrt would give 0 · inf = NaN).
Tensor norm(const Tensor& x, double p, const Axes& axes, bool keepdims) {
  detail::CallScope call("norm");
  const char* op = detail::call_or("norm");
  if (!x.defined() || !is_floating(x.dtype()))
    fail(op, ": expected a float tensor, got ", x.defined() ? dtype_name(x.dtype()) : "an undefined tensor");
  if (std::isnan(p) || p < 0) fail(op, ": p must be 0, positive or infinite, got ", p);
  if (std::isinf(p)) return max(abs(x), axes, keepdims);
  if (p == 0) return sum(x.detach() != 0.0, axes, keepdims);  // a count: no gradient
  if (p == 1) return sum(abs(x), axes, keepdims);
  const Tensor s = p == 2 ? sum(x * x, axes, keepdims) : sum(pow(abs(x), p), axes, keepdims);
  const Tensor nonzero = s > 0.0;
  const Tensor safe = where(nonzero, s, ones_like(s));
  return where(nonzero, p == 2 ? sqrt(safe) : pow(safe, 1.0 / p), zeros_like(s));
}

Tensor argmax(const Tensor& x) { return kernel::arg_reduce(true, x, -1, false); }
Tensor argmin(const Tensor& x) { return kernel::arg_reduce(false, x, -1, false); }
Tensor argmax(const Tensor& x, std::int64_t axis, bool keepdims) {
  return kernel::arg_reduce(true, x, detail::normalize_axis(axis, x.dim(), "argmax"), keepdims);
}
Tensor argmin(const Tensor& x, std::int64_t axis, bool keepdims) {
  detail::CallScope call("argmin");
  return kernel::arg_reduce(false, x, detail::normalize_axis(axis, x.dim(), "argmin"), keepdims);
}

Tensor softmax(const Tensor& x, std::int64_t axis) {
  detail::CallScope call("softmax");
  const std::int64_t a = detail::normalize_axis(axis, x.dim(), "softmax");
  if (x.dim() == 0) fail("softmax: needs at least one axis, got a 0-d tensor");
  Tensor y = kernel::softmax(x, a);
  return record("softmax", {x}, y, {y}, [a](Node& n, const Tensor& gy) {
    const Tensor y = n.saved(0);  // dx = y * (gy - sum(gy * y))
    return tensor_list{y * (gy - sum(gy * y, {a}, true))};
  });
}

Tensor log_softmax(const Tensor& x, std::int64_t axis) {
  detail::CallScope call("log_softmax");
  const std::int64_t a = detail::normalize_axis(axis, x.dim(), "log_softmax");
  if (x.dim() == 0) fail("log_softmax: needs at least one axis, got a 0-d tensor");
  Tensor y = kernel::log_softmax(x, a);
  return record("log_softmax", {x}, y, {y}, [a](Node& n, const Tensor& gy) {
    const Tensor y = n.saved(0);  // dx = gy - softmax(x) * sum(gy)
    return tensor_list{gy - exp(y) * sum(gy, {a}, true)};
  });
}

Tensor logsumexp(const Tensor& x, std::int64_t axis, bool keepdims) {
  detail::CallScope call("logsumexp");
  const std::int64_t a = detail::normalize_axis(axis, x.dim(), "logsumexp");
  if (x.dim() == 0) fail("logsumexp: needs at least one axis, got a 0-d tensor");
  Tensor y = kernel::logsumexp(x, a, keepdims);
  return record("logsumexp", {x}, y, {x, y}, [a](Node& n, const Tensor& gy) {
    const auto s = n.saved();  // dx = gy * exp(x - y) = gy * softmax(x)
    const Shape kept = kept_shape(s[0].shape(), {a});
    return tensor_list{reshape(gy, kept) * exp(s[0] - reshape(s[1], kept))};
  });
}

}  // namespace xg
