// Numeric conveniences (xgrad/ops_numeric.h): diff, trapezoid, cumulative_trapezoid, cov,
// corrcoef, pdist, logit, xlog1py, float_power, true_divide, isclose, isin, isposinf,
// isneginf. Checks that name the user's call, then differentiable operations.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/linalg.h>
#include <xgrad/ops.h>

#include <cmath>
#include <limits>

#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/strided.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace {

std::string shape_of(const Tensor& t) { return t.defined() ? detail::shape_str(t.shape()) : "undefined"; }

Tensor float_of(const Tensor& x) { return is_floating(x.dtype()) ? x : x.to(kFloat32); }

// Consecutive differences along a normalised axis (one fewer element).
Tensor step(const Tensor& x, std::int64_t a) {
  const std::int64_t n = x.shape()[a];
  return x.narrow(a, 1, n - 1) - x.narrow(a, 0, n - 1);
}

// The spacing between y's samples along a: dx, or diff(x) broadcast against y's intervals.
Tensor spacing(const Tensor& y, const Tensor& x, std::int64_t a, const char* op) {
  if (!x.defined()) fail(op, ": x is undefined");
  if (x.dim() == 1) {
    if (x.numel() != y.shape()[a])
      fail(op, ": x ", shape_of(x), " must have y's length ", y.shape()[a], " along dim ", a);
    Shape line(static_cast<std::size_t>(y.dim()), 1);
    line[static_cast<std::size_t>(a)] = x.numel();
    return step(float_of(x).reshape(line), a);
  }
  if (x.dim() != y.dim()) fail(op, ": x ", shape_of(x), " must be 1-D or have y's rank, y is ", shape_of(y));
  return step(float_of(x), a);
}

// y as a float tensor of at least one axis and dim normalised: the trapezoid rules' input.
std::pair<Tensor, std::int64_t> integrand(const Tensor& y, std::int64_t dim, const char* op) {
  if (!y.defined()) fail(op, ": y is undefined");
  if (y.dim() == 0) fail(op, ": y must have at least 1 dimension, got a 0-d tensor");
  return {float_of(y), detail::normalize_axis(dim, y.dim(), op)};
}

}  // namespace

Tensor diff(const Tensor& x, std::int64_t n, std::int64_t dim, const Tensor& prepend, const Tensor& append) {
  detail::CallScope call("diff");
  if (!x.defined()) fail("diff: the input is undefined");
  if (x.dim() == 0) fail("diff: expects a tensor of at least 1 dimension, got a 0-d one");
  if (n < 0) fail("diff: the order n must be non-negative, got ", n);
  const auto a = detail::normalize_axis(dim, x.dim(), "diff");
  tensor_list parts;
  for (const Tensor* t : {&prepend, &x, &append})
    if (t->defined()) {
      Shape want = x.shape();
      want[static_cast<std::size_t>(a)] = t->dim() == x.dim() ? t->shape()[a] : 0;
      if (t != &x && t->shape() != want)
        fail("diff: ", t == &prepend ? "prepend " : "append ", shape_of(*t), " must match the input ", shape_of(x),
             " except along dim ", a);
      parts.push_back(*t);
    }
  Tensor y = parts.size() == 1 ? x : concat(parts, a);
  for (std::int64_t k = 0; k < n && y.shape()[a] > 0; ++k) y = step(y, a);
  return y;
}

Tensor trapezoid(const Tensor& y_in, double dx, std::int64_t dim) {
  detail::CallScope call("trapezoid");
  const auto [y, a] = integrand(y_in, dim, "trapezoid");
  if (y.shape()[a] == 0) return y.sum(Axes{a});
  // PyTorch's form: (Σ y - (first + last) / 2) dx.
  return (y.sum(Axes{a}) - (y.select(a, 0) + y.select(a, -1)) * 0.5) * dx;
}

Tensor trapezoid(const Tensor& y_in, const Tensor& x, std::int64_t dim) {
  detail::CallScope call("trapezoid");
  const auto [y, a] = integrand(y_in, dim, "trapezoid");
  if (y.shape()[a] == 0) return y.sum(Axes{a});
  const std::int64_t n = y.shape()[a];
  return (spacing(y, x, a, "trapezoid") * (y.narrow(a, 1, n - 1) + y.narrow(a, 0, n - 1))).sum(Axes{a}) * 0.5;
}

Tensor cumulative_trapezoid(const Tensor& y_in, double dx, std::int64_t dim) {
  detail::CallScope call("cumulative_trapezoid");
  const auto [y, a] = integrand(y_in, dim, "cumulative_trapezoid");
  const std::int64_t n = y.shape()[a];
  if (n == 0) return y;
  return cumsum((y.narrow(a, 1, n - 1) + y.narrow(a, 0, n - 1)) * (0.5 * dx), a);
}

Tensor cumulative_trapezoid(const Tensor& y_in, const Tensor& x, std::int64_t dim) {
  detail::CallScope call("cumulative_trapezoid");
  const auto [y, a] = integrand(y_in, dim, "cumulative_trapezoid");
  const std::int64_t n = y.shape()[a];
  if (n == 0) return y;
  return cumsum(spacing(y, x, a, "cumulative_trapezoid") * (y.narrow(a, 1, n - 1) + y.narrow(a, 0, n - 1)) * 0.5, a);
}

Tensor cov(const Tensor& x_in, std::int64_t correction) {
  detail::CallScope call("cov");
  if (!x_in.defined()) fail("cov: the input is undefined");
  if (x_in.dim() > 2) fail("cov: expects a 1-D or 2-D input (variables, observations), got ", shape_of(x_in));
  if (correction < 0) fail("cov: correction must be non-negative, got ", correction);
  const Tensor x = float_of(x_in.dim() < 2 ? x_in.reshape({1, x_in.numel()}) : x_in);
  const std::int64_t n = x.shape()[1];
  // Fewer observations than the correction: PyTorch's 0 divisor (a warning there): inf / NaN.
  const double divisor = std::max<double>(static_cast<double>(n - correction), 0.0);
  const Tensor centred = x - x.mean(Axes{1}, true);
  const Tensor c = matmul(centred, centred.t()) / divisor;
  return x_in.dim() < 2 ? c.reshape({}) : c;
}

Tensor corrcoef(const Tensor& x) {
  detail::CallScope call("corrcoef");
  const Tensor c = cov(x);
  if (c.dim() == 0) return c / c;
  const Tensor d = sqrt(diagonal(c));
  return clamp(c / d.unsqueeze(1) / d.unsqueeze(0), -1.0, 1.0);
}

Tensor pdist(const Tensor& x, double p) {
  detail::CallScope call("pdist");
  if (!x.defined()) fail("pdist: the input is undefined");
  if (x.dim() != 2) fail("pdist: expects a 2-D input (N, M), got ", shape_of(x));
  if (!is_floating(x.dtype())) fail("pdist: expects a float input, got ", dtype_name(x.dtype()));
  if (!(p >= 0)) fail("pdist: p must be non-negative, got ", p);
  const std::int64_t n = x.shape()[0];
  const Tensor pairs = triu_indices(n, n, 1, TensorOptions(kInt64).device(x.device()));
  const Tensor d = x.index_select(0, pairs.select(0, 0)) - x.index_select(0, pairs.select(0, 1));
  return linalg::vector_norm(d, p, {1});
}

Tensor logit(const Tensor& x, std::optional<double> eps) {
  detail::CallScope call("logit");
  if (!x.defined()) fail("logit: the input is undefined");
  const Tensor v = float_of(x);
  const Tensor z = eps ? clamp(v, *eps, 1.0 - *eps) : v;
  return log(z) - log1p(-z);
}

Tensor xlog1py(const Tensor& x_in, const Tensor& y_in) {
  detail::CallScope call("xlog1py");
  if (!x_in.defined() || !y_in.defined()) fail("xlog1py: an operand is undefined");
  const Tensor x = float_of(x_in), y = float_of(y_in);
  // x · L with L = log1p(y), except L = 0 where x is 0 and log1p(y) is not finite (y <= -1 or
  // +inf), so 0 · (-inf) gives 0: PyTorch's value there. The x-gradient is L, as PyTorch's
  // (the true derivative, masked where y <= -1); inside the masked entries y is replaced by 0,
  // so the unused log1p's gradient stays finite.
  const Tensor mask = (x == 0.0) * ((y <= -1.0) + (y == std::numeric_limits<double>::infinity()));
  const Tensor zero = zeros({}, TensorOptions(y.dtype()).device(y.device()));
  return x * where(mask, zero, log1p(where(mask, zero, y)));
}

Tensor float_power(const Tensor& x, const Tensor& exponent) {
  detail::CallScope call("float_power");
  if (!x.defined() || !exponent.defined()) fail("float_power: an operand is undefined");
  return pow(x.to(kFloat64), exponent.to(kFloat64));
}
Tensor float_power(const Tensor& x, double exponent) {
  detail::CallScope call("float_power");
  if (!x.defined()) fail("float_power: an operand is undefined");
  return pow(x.to(kFloat64), exponent);
}

Tensor true_divide(const Tensor& x, const Tensor& y) { return div(x, y); }

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  detail::CallScope call("isclose");
  if (!a.defined() || !b.defined()) fail("isclose: an operand is undefined");
  if (!(rtol >= 0) || !(atol >= 0)) fail("isclose: rtol and atol must be non-negative, got ", rtol, " and ", atol);
  detail::broadcast_shapes(a.shape(), b.shape(), "isclose");
  // In float64 (int64 too: a tolerance times an integer is not an integer).
  const Tensor x = a.detach().to(kFloat64), y = b.detach().to(kFloat64);
  // Equal values (infinities included) match; finite ones within the tolerance; NaNs only
  // with equal_nan.
  Tensor close = (x == y) + (abs(x - y) <= abs(y) * rtol + atol);
  if (equal_nan) close = close + (x != x) * (y != y);
  return (close > 0.0).to(kInt64);
}

Tensor isin(const Tensor& elements, const Tensor& test_elements, bool invert) {
  detail::CallScope call("isin");
  if (!elements.defined() || !test_elements.defined()) fail("isin: an operand is undefined");
  const Dtype dt = promote(elements.dtype(), test_elements.dtype());
  const Tensor e = elements.detach().to(dt);
  const Tensor sorted = std::get<0>(sort(test_elements.detach().to(dt).reshape({test_elements.numel()}), 0));
  if (sorted.numel() == 0) return full(e.shape(), invert ? 1.0 : 0.0, TensorOptions(kInt64).device(e.device()));
  // The first test element >= each element; a match if it equals it (NaN never does).
  const Tensor at = clamp_max(searchsorted(sorted, e.reshape({e.numel()})), static_cast<double>(sorted.numel() - 1));
  const Tensor found = (sorted.index_select(0, at) == e.reshape({e.numel()})).to(kInt64).reshape(e.shape());
  return invert ? (found == 0.0).to(kInt64) : found;
}

Tensor isposinf(const Tensor& x) {
  if (!x.defined()) fail("isposinf: the input is undefined");
  if (!is_floating(x.dtype())) return zeros(x.shape(), TensorOptions(kInt64).device(x.device()));
  return (x.detach() == std::numeric_limits<double>::infinity()).to(kInt64);
}

Tensor isneginf(const Tensor& x) {
  if (!x.defined()) fail("isneginf: the input is undefined");
  if (!is_floating(x.dtype())) return zeros(x.shape(), TensorOptions(kInt64).device(x.device()));
  return (x.detach() == -std::numeric_limits<double>::infinity()).to(kInt64);
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  detail::CallScope call("allclose");
  if (!a.defined() || !b.defined()) fail("allclose: an operand is undefined");
  detail::broadcast_shapes(a.shape(), b.shape(), "allclose");  // named here, not as the isclose inside
  return isclose(a, b, rtol, atol, equal_nan).all().item<std::int64_t>() != 0;
}

bool equal(const Tensor& a, const Tensor& b) {
  detail::CallScope call("equal");
  if (!a.defined() || !b.defined()) fail("equal: an operand is undefined");
  if (a.shape() != b.shape()) return false;
  return a.numel() == 0 || (a.detach() == b.detach()).to(kInt64).all().item<std::int64_t>() != 0;
}

namespace {
constexpr double kPi = 3.14159265358979323846;
// x times a constant, integers made float32 first (PyTorch's deg2rad of an int64 tensor).
Tensor scaled_angle(const Tensor& x, double factor, const char* op) {
  if (!x.defined()) fail(op, ": the input is undefined");
  return (is_floating(x.dtype()) ? x : x.to(kFloat32)) * factor;
}
}  // namespace

Tensor deg2rad(const Tensor& x) {
  detail::CallScope call("deg2rad");
  return scaled_angle(x, kPi / 180.0, "deg2rad");
}

Tensor rad2deg(const Tensor& x) {
  detail::CallScope call("rad2deg");
  return scaled_angle(x, 180.0 / kPi, "rad2deg");
}

Tensor clip(const Tensor& x, double lo, double hi) { return clamp(x, lo, hi); }
Tensor clip(const Tensor& x, const Tensor& lo, const Tensor& hi) { return clamp(x, lo, hi); }
Tensor absolute(const Tensor& x) { return abs(x); }
Tensor negative(const Tensor& x) { return neg(x); }
Tensor positive(const Tensor& x) { return x; }
Tensor fix(const Tensor& x) { return trunc(x); }
Tensor sgn(const Tensor& x) { return sign(x); }

}  // namespace xg
