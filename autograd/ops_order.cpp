// Order statistics and NaN-ignoring reductions, as libtorch's: kthvalue, median, nanmedian,
// quantile, nanquantile, nansum, nanmean. Each is composed: a stable sort's positions (off
// the graph) pick elements of x by gather, so the gradient reaches the elements picked, as
// PyTorch's, and every order, dtype and device follows from gather's. Where PyTorch leaves
// open which of tied elements an index names, xgrad's sort is stable: the k-th of equal
// values in sorted order is their k-th in the line (NaNs included).
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include <cmath>
#include <limits>

#include "autograd/line_axis.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

using autograd::line_axis;
using detail::compute_device;
using detail::like;

namespace {

// x's shape with axis `axis` of size 1.
Shape kept_shape(const Tensor& x, std::int64_t axis) {
  Shape s = x.shape();
  s[static_cast<std::size_t>(axis)] = 1;
  return s;
}

// The number of non-NaN elements of each line along `axis` (kept), as float64 (exact below 2^53).
Tensor count_numbers(const Tensor& x, std::int64_t axis) {
  return (1 - isnan(x)).to(kFloat64).sum(Axes{axis}, true);
}

// (value, index) of the element at sorted position `position` (float64 of the kept shape,
// whole numbers) in each line of x along `axis`: NaN sorts last, ties keep their order. A
// selection, not a sort, on the CPU (4.2x PyTorch's median time with the whole sort).
std::tuple<Tensor, Tensor> at_sorted_position(const Tensor& x, std::int64_t axis, const Tensor& position,
                                              bool keepdim) {
  const Tensor index = kernel::select_indices(x.detach(), axis, position.to(kInt64));
  Tensor value = gather(x, axis, index);
  if (keepdim) return {value, index};
  return {value.squeeze(axis), index.squeeze(axis)};
}

// The shared body of median and nanmedian along a dim: the lower median of each line; with
// NaN present, median names the line's first NaN, nanmedian the median of the numbers.
std::tuple<Tensor, Tensor> median_along(const Tensor& x, std::int64_t dim, bool keepdim, bool ignore_nan,
                                        const char* op) {
  detail::CallScope call(op);
  const std::int64_t axis = line_axis(x, dim, op);
  const Tensor xs = x.dim() == 0 ? x.reshape({1}) : x;
  const std::int64_t n = xs.size(axis);
  if (n == 0)
    fail(op, ": expected axis ", axis, " of input ", detail::shape_str(x.shape()), " to have a non-zero size");
  const Tensor numbers = count_numbers(xs, axis);
  // The rank of the lower median among all n, or among the numbers; a line of NaNs only
  // names NaN number (n - 1) / 2, as PyTorch's nanmedian.
  const Tensor middle = full({}, static_cast<double>((n - 1) / 2), kFloat64);
  const Tensor position = ignore_nan ? where(numbers > 0.0, floor((numbers - 1.0) / 2.0), middle)
                                     : where(numbers < static_cast<double>(n), numbers, middle);
  auto [value, index] = at_sorted_position(xs, axis, position, keepdim || x.dim() == 0);
  if (x.dim() == 0) return {value.reshape({}), index.reshape({})};
  return {value, index};
}

// The median of all elements, its gradient shared among the elements equal to it (or the
// NaNs, for a NaN median): PyTorch's evenly_distribute_backward.
Tensor median_all(const Tensor& x, bool ignore_nan, const char* op) {
  detail::CallScope call(op);
  if (!x.defined()) fail(op, ": the input is undefined");
  if (x.numel() == 0) {
    if (!is_floating(x.dtype())) fail(op, ": the median of an empty ", dtype_name(x.dtype()), " tensor is undefined");
    return full({}, std::numeric_limits<double>::quiet_NaN(), like(x, {}));
  }
  const Tensor flat = x.reshape({x.numel()});
  const Tensor v = std::get<0>(median_along(flat.detach(), 0, false, ignore_nan, op));
  if (!is_floating(x.dtype()) || !x.requires_grad()) return v;
  // v + Σ (x - v) over the elements equal to v / their count: exactly v (each x - v is 0, or
  // NaN for a NaN median), with gradient 1/count for each of them.
  const Tensor picked = where(isnan(v), isnan(flat).to(x.dtype()), flat == v);
  const Tensor zero = zeros({}, like(x, {}));
  return v + where(picked, flat - v, zero).sum() / picked.to(x.dtype()).sum();
}

const char* checked_interpolation(const std::string& interpolation, const char* op) {
  for (const char* name : {"linear", "lower", "higher", "midpoint", "nearest"})
    if (interpolation == name) return name;
  fail(op, ": interpolation must be one of linear, lower, higher, midpoint, nearest, got '", interpolation, "'");
}

// quantile and nanquantile: PyTorch's quantile_impl. Each line sorted (the values carry the
// gradient), the rank q (n - 1) of the numbers, read at the ranks below and above and
// interpolated; a line with NaN gives NaN (quantile) or ranks among its numbers
// (nanquantile). Output: q's axis first (when q is 1-D), then the reduced shape.
Tensor quantile_impl(const Tensor& x, const Tensor& q, std::optional<std::int64_t> dim, bool keepdim,
                     const std::string& interpolation, bool ignore_nan, const char* op) {
  detail::CallScope call(op);
  if (!x.defined() || !q.defined()) fail(op, ": the ", x.defined() ? "q tensor" : "input", " is undefined");
  compute_device({{"input", x}, {"q", q}}, op);
  if (!is_floating(x.dtype())) fail(op, ": expected a float32 or float64 input, got ", dtype_name(x.dtype()));
  if (q.dtype() != x.dtype())
    fail(op, ": expected q of the input's dtype ", dtype_name(x.dtype()), ", got ", dtype_name(q.dtype()));
  if (q.dim() > 1) fail(op, ": expected q as a scalar or a 1-D tensor, got shape ", detail::shape_str(q.shape()));
  if (x.numel() == 0) fail(op, ": expected a non-empty input, got shape ", detail::shape_str(x.shape()));
  const std::string mode = checked_interpolation(interpolation, op);
  // q's range is checked where it can be read without waiting (PyTorch checks a CPU q too);
  // on a GPU a q outside [0, 1] gives NaN.
  if (q.device().is_cpu())
    for (const double v : q.detach().to(kFloat64).to_vector<double>())
      if (!(v >= 0.0 && v <= 1.0)) fail(op, ": q must be in [0, 1], got ", v);
  const std::int64_t axis = dim ? line_axis(x, *dim, op) : 0;
  // The lines along the last axis: (rest..., n).
  const Tensor lines = !dim ? x.reshape({x.numel()}) : x.dim() == 0 ? x.reshape({1}) : movedim(x, {axis}, {-1});
  Shape rest(lines.shape().begin(), lines.shape().end() - 1);
  const std::int64_t n = lines.size(-1), Q = q.numel();
  detail::check_allocation(detail::checked_nbytes(lines.shape(), sizeof(std::int64_t), op), op,
                           detail::cat("the sort's positions ", detail::shape_str(lines.shape())));
  const std::int64_t last = lines.dim() - 1;
  const Tensor sorted = gather(lines, last, kernel::sort_indices(lines.detach(), last, false));
  Shape qshape(rest.size(), 1);
  qshape.push_back(Q);
  const Tensor qs = q.reshape(qshape);  // (1..., Q) against the lines (rest..., n)
  Tensor ranks;
  if (ignore_nan) {
    ranks = clamp_min(qs * (count_numbers(sorted, last).to(x.dtype()) - 1.0), 0.0);
  } else {
    const Tensor any_nan = isnan(sorted).any(last, true);  // NaN sorts last: the rank of n - 1 reads it
    ranks = where(any_nan, full({}, static_cast<double>(n - 1), like(x, {})), qs * static_cast<double>(n - 1));
  }
  if (mode == "lower") ranks = floor(ranks);
  if (mode == "higher") ranks = ceil(ranks);
  if (mode == "nearest") ranks = round(ranks);  // half to even, as PyTorch's round_
  // Out-of-range ranks (a GPU q outside [0, 1]) read a clamped position and give NaN below.
  const Tensor valid = (qs >= 0.0) * (qs <= 1.0);
  const Tensor safe = clamp(ranks.detach(), 0.0, static_cast<double>(n - 1));
  const Tensor below = floor(safe);
  Tensor result = gather(sorted, last, below.to(kInt64));  // ranks are (rest..., Q)
  if (mode == "linear" || mode == "midpoint") {
    const Tensor above = gather(sorted, last, ceil(safe).to(kInt64));
    const Tensor weight = mode == "midpoint" ? full({}, 0.5, like(x, {})) : ranks - below;
    result = lerp(result, above, weight);
  }
  result = where(valid, result, full({}, std::numeric_limits<double>::quiet_NaN(), like(x, {})));
  // (rest..., Q) -> (Q, rest...) with the reduced axis kept as 1 where asked.
  result = movedim(result, {-1}, {0});
  Shape out;
  if (q.dim() == 1) out.push_back(Q);
  if (!dim) {
    if (keepdim) out.insert(out.end(), static_cast<std::size_t>(x.dim()), 1);
  } else {
    Shape reduced = x.dim() == 0 ? Shape{} : x.shape();
    if (x.dim() > 0) {
      if (keepdim) reduced[static_cast<std::size_t>(axis)] = 1;
      else reduced.erase(reduced.begin() + axis);
    }
    out.insert(out.end(), reduced.begin(), reduced.end());
  }
  return result.reshape(out);
}

// A scalar q as a 0-d tensor of x's dtype (float64 for a non-float x, which quantile_impl
// refuses by name).
Tensor scalar_q(const Tensor& x, double q, const char* op) {
  if (!x.defined()) fail(op, ": the input is undefined");
  return full({}, q, like(x, {}).dtype(is_floating(x.dtype()) ? x.dtype() : kFloat64));
}

}  // namespace

std::tuple<Tensor, Tensor> kthvalue(const Tensor& x, std::int64_t k, std::int64_t dim, bool keepdim) {
  const char* op = "kthvalue";
  detail::CallScope call(op);
  const std::int64_t axis = line_axis(x, dim, op);
  const Tensor xs = x.dim() == 0 ? x.reshape({1}) : x;
  const std::int64_t n = xs.size(axis);
  if (k < 1 || k > n)
    fail("kthvalue: k = ", k, " is out of range for axis ", axis, " of input ", detail::shape_str(x.shape()),
         " (1 to ", n, ")");
  auto [value, index] =
      at_sorted_position(xs, axis, full(kept_shape(xs, axis), static_cast<double>(k - 1), kFloat64),
                         keepdim || x.dim() == 0);
  if (x.dim() == 0) return {value.reshape({}), index.reshape({})};
  return {value, index};
}

// The stable sort groups equal values into runs in ascending order; the longest run wins, the
// first (smallest value) of equally long ones (argmax's first maximum), and its last sorted
// element is the value's last occurrence in the line (equal values keep their order).
std::tuple<Tensor, Tensor> mode(const Tensor& x, std::int64_t dim, bool keepdim) {
  const char* op = "mode";
  detail::CallScope call(op);
  const std::int64_t axis = line_axis(x, dim, op);
  const Tensor xs = x.dim() == 0 ? x.reshape({1}) : x;
  const std::int64_t n = xs.size(axis);
  if (n == 0) fail("mode: expected axis ", axis, " of input ", detail::shape_str(x.shape()), " to have a non-zero size");
  const auto [sorted, perm] = sort(xs.detach(), axis);
  const TensorOptions ints = TensorOptions(kInt64).device(x.device());
  // 1 where a run starts: a value unlike the one before (NaNs alike).
  const Tensor prev = sorted.narrow(axis, 0, n - 1), next = sorted.narrow(axis, 1, n - 1);
  const Tensor differs = ((next != prev) * (1 - isnan(next) * isnan(prev))).to(kInt64);
  const Tensor run = cumsum(concat({zeros(kept_shape(xs, axis), ints), differs}, axis), axis);
  const Tensor counts = scatter_add(zeros(xs.shape(), ints), axis, run, ones(xs.shape(), ints));
  const Tensor best = argmax(counts, axis, true);
  const Tensor last = gather(cumsum(counts, axis), axis, best) - 1;
  const Tensor index = gather(perm, axis, last.to(kInt64));
  Tensor value = gather(xs, axis, index);
  if (x.dim() == 0) return {value.reshape({}), index.reshape({})};
  if (keepdim) return {value, index};
  return {value.squeeze(axis), index.squeeze(axis)};
}

Tensor median(const Tensor& x) { return median_all(x, false, "median"); }
Tensor nanmedian(const Tensor& x) { return median_all(x, true, "nanmedian"); }
std::tuple<Tensor, Tensor> median(const Tensor& x, std::int64_t dim, bool keepdim) {
  return median_along(x, dim, keepdim, false, "median");
}
std::tuple<Tensor, Tensor> nanmedian(const Tensor& x, std::int64_t dim, bool keepdim) {
  return median_along(x, dim, keepdim, true, "nanmedian");
}

Tensor quantile(const Tensor& x, const Tensor& q, std::optional<std::int64_t> dim, bool keepdim,
                const std::string& interpolation) {
  return quantile_impl(x, q, dim, keepdim, interpolation, false, "quantile");
}
Tensor quantile(const Tensor& x, double q, std::optional<std::int64_t> dim, bool keepdim,
                const std::string& interpolation) {
  return quantile_impl(x, scalar_q(x, q, "quantile"), dim, keepdim, interpolation, false, "quantile");
}
Tensor nanquantile(const Tensor& x, const Tensor& q, std::optional<std::int64_t> dim, bool keepdim,
                   const std::string& interpolation) {
  return quantile_impl(x, q, dim, keepdim, interpolation, true, "nanquantile");
}
Tensor nanquantile(const Tensor& x, double q, std::optional<std::int64_t> dim, bool keepdim,
                   const std::string& interpolation) {
  return quantile_impl(x, scalar_q(x, q, "nanquantile"), dim, keepdim, interpolation, true, "nanquantile");
}

Tensor nansum(const Tensor& x, const Axes& dims, bool keepdim) {
  detail::CallScope call("nansum");
  if (!x.defined()) fail("nansum: the input is undefined");
  if (!is_floating(x.dtype())) return sum(x, dims, keepdim);
  return sum(where(isnan(x), zeros({}, like(x, {})), x), dims, keepdim);
}

Tensor nanmean(const Tensor& x, const Axes& dims, bool keepdim) {
  detail::CallScope call("nanmean");
  if (!x.defined()) fail("nanmean: the input is undefined");
  if (!is_floating(x.dtype())) fail("nanmean: expected a float input, got ", dtype_name(x.dtype()));
  const Tensor numbers = (1 - isnan(x)).to(x.dtype());
  return nansum(x, dims, keepdim) / sum(numbers, dims, keepdim);
}

}  // namespace xg
