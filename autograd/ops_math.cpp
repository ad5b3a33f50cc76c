// libtorch's further elementwise functions: rounding (floor, ceil, round, trunc, frac, sign),
// the rest of trigonometry and the hyperbolic functions, log2, log10, exp2, atan2, fmod,
// remainder, lerp, nan_to_num, and the predicates isnan, isinf, isfinite, any, all. Each
// smooth function is one kernel forward and a backward written with differentiable
// operations, so every order and both devices come with it.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include <cmath>
#include <limits>

#include "autograd/graph.h"
#include "autograd/scalar_operand.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/strided.h"

namespace xg {

using autograd::Node;
using autograd::record;
using autograd::scalar_like;
using kernel::Binary;
using kernel::Unary;

namespace {

constexpr double kLn2 = 0.6931471805599453, kLn10 = 2.302585092994046;

void require_float(const Tensor& x, const char* op) {
  if (!x.defined()) fail(op, ": the input is undefined");
  if (!is_floating(x.dtype())) fail(op, ": expected a float tensor, got ", dtype_name(x.dtype()));
}

// A smooth function of one float tensor: its kernel forward, `grad(x, gy)` backward.
template <class Grad>
Tensor smooth(const char* op, Unary kind, const Tensor& x, Grad grad) {
  detail::CallScope call(op);
  require_float(x, op);
  return record(op, {x}, kernel::unary(kind, x, op), {x},
                [grad](Node& n, const Tensor& gy) { return tensor_list{grad(n.saved(0), gy)}; });
}

// Which integer each element of a rounded tensor is, as int64 (NaN as 0, the rest clamped
// into int64's range first): what a gradient check compares to see a step cross a jump.
Tensor integer_choices(const Tensor& rounded) {
  const Tensor finite = kernel::where(kernel::binary(Binary::Ne, rounded, rounded, "round"),
                                      scalar_tensor(0.0, rounded.dtype()), rounded);
  return kernel::cast(kernel::clamp(finite, -0x1p62, 0x1p62), kInt64);
}

// A piecewise-constant function: kind's kernel, gradient zero (PyTorch's), recorded so a
// loss through it still reaches the graph. int64 input is returned as a copy, as there.
Tensor step_function(const char* op, Unary kind, const Tensor& x) {
  detail::CallScope call(op);
  if (!x.defined()) fail(op, ": the input is undefined");
  if (x.dtype() == kInt64) return kernel::copy(x);
  const Tensor y = kernel::unary(kind, x, op);
  if (autograd::probing_kinks()) autograd::note_kink(op, integer_choices(y));
  return record(op, {x}, y, {}, [](Node&, const Tensor& gy) { return tensor_list{zeros_like(gy)}; });
}

// The gradient for input i of a two-operand function: f() summed back to the input's shape.
template <class F>
Tensor operand_grad(const Node& n, std::size_t i, F f) {
  return n.needs_input_grad(i) ? sum_to(f(), n.input_meta(i).shape) : Tensor();
}

void require_defined_pair(const Tensor& a, const Tensor& b, const char* op) {
  if (!a.defined() || !b.defined()) fail(op, ": an operand is undefined");
}

// Integer division of two int64 tensors (div's rounding modes, fmod, remainder): int64, as
// PyTorch's, no gradient (integers take none), and a zero divisor an error naming op, made
// after the kernel so a device mismatch is reported first (on a GPU at its next wait: the
// kernel meanwhile writes 0 there, never traps).
Tensor integer_division(Binary kind, const Tensor& a, const Tensor& b, const char* op) {
  Tensor y = kernel::binary(kind, a, b, op);
  kernel::require_nonzero_divisor(b, op);
  return y;
}
bool both_int64(const Tensor& a, const Tensor& b) { return a.dtype() == kInt64 && b.dtype() == kInt64; }

// a - b q, q = a / b rounded by `rounding` (Trunc: fmod, Floor: remainder); its gradient is
// 1 for a and -q for b, jumping where q does. An int64 operand beside a float one is
// promoted; two int64 operands take integer division.
Tensor modulo(const char* op, Binary kind, Unary rounding, const Tensor& a, const Tensor& b) {
  detail::CallScope call(op);
  require_defined_pair(a, b, op);
  if (both_int64(a, b)) return integer_division(kind, a, b, op);
  const Tensor y = kernel::binary(kind, a, b, op);
  if (autograd::probing_kinks())
    autograd::note_kink(op, integer_choices(kernel::unary(rounding, kernel::binary(Binary::Div, a, b, op), op)));
  return record(op, {a, b}, y, {a, b}, [rounding](Node& n, const Tensor& gy) {
    return tensor_list{operand_grad(n, 0, [&] { return gy; }), operand_grad(n, 1, [&] {
                         const Tensor ratio = kernel::binary(Binary::Div, n.saved(0), n.saved(1), "remainder");
                         return -gy * kernel::unary(rounding, ratio, "remainder");
                       })};
  });
}

// x != 0 as int64 1/0 (NaN counts as true, as PyTorch's any and all).
Tensor nonzero_mask(const Tensor& x, const char* op) {
  if (!x.defined()) fail(op, ": the input is undefined");
  return kernel::cast(kernel::binary(Binary::Ne, x, scalar_tensor(0.0, x.dtype()), op), kInt64);
}

// How many of each reduced line's elements are nonzero, and the line's length.
std::pair<Tensor, std::int64_t> count_nonzero(const Tensor& x, std::optional<std::int64_t> dim, bool keepdim,
                                              const char* op) {
  const Tensor m = nonzero_mask(x, op);
  if (!dim) return {kernel::reduce(kernel::Reduce::Sum, m, {}, false), x.numel()};
  if (x.dim() == 0) {  // a 0-d tensor is a line of one along dim 0 or -1
    if (*dim != 0 && *dim != -1) fail(op, ": dim ", *dim, " is out of range for a 0-d tensor");
    return {m, 1};
  }
  const std::int64_t axis = detail::normalize_axis(*dim, x.dim(), op);
  return {kernel::reduce(kernel::Reduce::Sum, m, {axis}, keepdim), x.shape()[static_cast<std::size_t>(axis)]};
}

}  // namespace

// ---- rounding ----
Tensor floor(const Tensor& x) { return step_function("floor", Unary::Floor, x); }
Tensor ceil(const Tensor& x) { return step_function("ceil", Unary::Ceil, x); }
Tensor round(const Tensor& x) { return step_function("round", Unary::Round, x); }
Tensor trunc(const Tensor& x) { return step_function("trunc", Unary::Trunc, x); }

Tensor round(const Tensor& x, std::int64_t decimals) {
  detail::CallScope call("round");
  if (decimals == 0) return round(x);
  require_float(x, "round");
  if (decimals < -30 || decimals > 30) fail("round: decimals must be in [-30, 30], got ", decimals);
  // PyTorch's order: scale by 10^|decimals| in x's dtype, round half to even, scale back.
  const bool up = decimals > 0;
  const Tensor scale = scalar_tensor(std::pow(10.0, static_cast<double>(up ? decimals : -decimals)), x.dtype());
  const Tensor scaled = kernel::binary(up ? Binary::Mul : Binary::Div, x.detach(), scale, "round");
  const Tensor rounded = kernel::unary(Unary::Round, scaled, "round");
  const Tensor y = kernel::binary(up ? Binary::Div : Binary::Mul, rounded, scale, "round");
  if (autograd::probing_kinks()) autograd::note_kink("round", integer_choices(rounded));
  return record("round", {x}, y, {}, [](Node&, const Tensor& gy) { return tensor_list{zeros_like(gy)}; });
}

Tensor frac(const Tensor& x) {
  detail::CallScope call("frac");
  require_float(x, "frac");
  return x - trunc(x);
}

Tensor sign(const Tensor& x) {
  detail::CallScope call("sign");
  if (!x.defined()) fail("sign: the input is undefined");
  const Tensor y = kernel::unary(Unary::Sign, x, "sign");
  if (x.dtype() == kInt64) return y;
  if (autograd::probing_kinks()) autograd::note_kink("sign", x);
  return record("sign", {x}, y, {}, [](Node&, const Tensor& gy) { return tensor_list{zeros_like(gy)}; });
}

// ---- trigonometry, hyperbolic functions, other bases (PyTorch's derivative formulas) ----
Tensor tan(const Tensor& x) {
  return smooth("tan", Unary::Tan, x, [](const Tensor& v, const Tensor& gy) {
    const Tensor t = tan(v);
    return gy * (t * t + 1.0);
  });
}
Tensor asin(const Tensor& x) {
  return smooth("asin", Unary::Asin, x, [](const Tensor& v, const Tensor& gy) { return gy * rsqrt(1.0 - v * v); });
}
Tensor acos(const Tensor& x) {
  return smooth("acos", Unary::Acos, x, [](const Tensor& v, const Tensor& gy) { return -gy * rsqrt(1.0 - v * v); });
}
Tensor atan(const Tensor& x) {
  return smooth("atan", Unary::Atan, x, [](const Tensor& v, const Tensor& gy) { return gy / (v * v + 1.0); });
}
Tensor sinh(const Tensor& x) {
  return smooth("sinh", Unary::Sinh, x, [](const Tensor& v, const Tensor& gy) { return gy * cosh(v); });
}
Tensor cosh(const Tensor& x) {
  return smooth("cosh", Unary::Cosh, x, [](const Tensor& v, const Tensor& gy) { return gy * sinh(v); });
}
Tensor asinh(const Tensor& x) {
  return smooth("asinh", Unary::Asinh, x, [](const Tensor& v, const Tensor& gy) { return gy * rsqrt(v * v + 1.0); });
}
Tensor acosh(const Tensor& x) {
  return smooth("acosh", Unary::Acosh, x, [](const Tensor& v, const Tensor& gy) { return gy * rsqrt(v * v - 1.0); });
}
Tensor atanh(const Tensor& x) {
  return smooth("atanh", Unary::Atanh, x, [](const Tensor& v, const Tensor& gy) { return gy / (1.0 - v * v); });
}
Tensor log2(const Tensor& x) {
  return smooth("log2", Unary::Log2, x, [](const Tensor& v, const Tensor& gy) { return gy / (v * kLn2); });
}
Tensor log10(const Tensor& x) {
  return smooth("log10", Unary::Log10, x, [](const Tensor& v, const Tensor& gy) { return gy / (v * kLn10); });
}
Tensor exp2(const Tensor& x) {
  return smooth("exp2", Unary::Exp2, x, [](const Tensor& v, const Tensor& gy) { return gy * exp2(v) * kLn2; });
}

// ---- two operands ----
Tensor atan2(const Tensor& a, const Tensor& b) {
  detail::CallScope call("atan2");
  if (!a.defined() || !b.defined()) fail("atan2: an operand is undefined");
  // int64 operands become float32, as PyTorch's (an angle is never an integer).
  const Tensor fa = is_floating(a.dtype()) ? a : a.to(kFloat32), fb = is_floating(b.dtype()) ? b : b.to(kFloat32);
  const Tensor angle = kernel::binary(Binary::Atan2, fa, fb, "atan2");
  return record("atan2", {fa, fb}, angle, {fa, fb}, [](Node& n, const Tensor& gy) {
    const Tensor y = n.saved(0), x = n.saved(1);
    const Tensor r2 = y * y + x * x;  // d/dy atan2(y, x) = x / r², d/dx = -y / r²
    return tensor_list{operand_grad(n, 0, [&] { return gy * x / r2; }),
                       operand_grad(n, 1, [&] { return -gy * y / r2; })};
  });
}

namespace {

// Operands of a float-only two-operand function: defined, int64 made float32 (PyTorch's
// rule for atan2 and xlogy; its logaddexp and hypot refuse int64, which buys nothing).
std::pair<Tensor, Tensor> float_operands(const Tensor& a, const Tensor& b, const char* op) {
  if (!a.defined() || !b.defined()) fail(op, ": an operand is undefined");
  return {is_floating(a.dtype()) ? a : a.to(kFloat32), is_floating(b.dtype()) ? b : b.to(kFloat32)};
}

// log(e^a + e^b), base 2 with `two`: a kernel for the value (exact at equal infinities); the
// gradient is each operand's share, sigmoid((a - b) s) with s = ln 2 for base 2, written with
// differentiable operations so every order follows (NaN at two equal infinities, as PyTorch).
Tensor log_add_exp(const char* op, bool two, const Tensor& a, const Tensor& b) {
  detail::CallScope call(op);
  const auto [fa, fb] = float_operands(a, b, op);
  const Tensor y = kernel::binary(two ? Binary::LogAddExp2 : Binary::LogAddExp, fa, fb, op);
  return record(op, {fa, fb}, y, {fa, fb}, [two](Node& n, const Tensor& gy) {
    const Tensor d = two ? (n.saved(0) - n.saved(1)) * kLn2 : n.saved(0) - n.saved(1);
    return tensor_list{operand_grad(n, 0, [&] { return gy * sigmoid(d); }),
                       operand_grad(n, 1, [&] { return gy * sigmoid(-d); })};
  });
}

}  // namespace

Tensor logaddexp(const Tensor& a, const Tensor& b) { return log_add_exp("logaddexp", false, a, b); }
Tensor logaddexp2(const Tensor& a, const Tensor& b) { return log_add_exp("logaddexp2", true, a, b); }

Tensor hypot(const Tensor& a, const Tensor& b) {
  detail::CallScope call("hypot");
  const auto [fa, fb] = float_operands(a, b, "hypot");
  const Tensor y = kernel::binary(Binary::Hypot, fa, fb, "hypot");
  // d/da = a / y, d/db = b / y (0/0 = NaN at the origin, as PyTorch's); y is recomputed in
  // the backward so that the rule differentiates again.
  return record("hypot", {fa, fb}, y, {fa, fb}, [](Node& n, const Tensor& gy) {
    const Tensor r = hypot(n.saved(0), n.saved(1));
    return tensor_list{operand_grad(n, 0, [&] { return gy * n.saved(0) / r; }),
                       operand_grad(n, 1, [&] { return gy * n.saved(1) / r; })};
  });
}

// x log(y), 0 where x is 0 unless y is NaN (PyTorch's, so 0 log 0 is 0 in entropies); its
// gradient is PyTorch's: xlogy(gy, y) for x, zeroed where x is 0 and y <= 0, and gy x / y.
Tensor xlogy(const Tensor& x, const Tensor& y) {
  detail::CallScope call("xlogy");
  const auto [fx, fy] = float_operands(x, y, "xlogy");
  const Tensor zero = scalar_tensor(0.0, fx.dtype());
  const Tensor x_zero = kernel::binary(Binary::Eq, fx, zero, "xlogy");
  const Tensor y_number = kernel::binary(Binary::Eq, fy, fy, "xlogy");  // not NaN
  const Tensor product = kernel::binary(Binary::Mul, fx, kernel::unary(Unary::Log, fy, "xlogy"), "xlogy");
  const Tensor value =
      kernel::where(kernel::binary(Binary::Mul, x_zero, y_number, "xlogy"), zero, product);
  return record("xlogy", {fx, fy}, value, {fx, fy}, [](Node& n, const Tensor& gy) {
    const Tensor a = n.saved(0), b = n.saved(1);
    return tensor_list{operand_grad(n, 0, [&] {
                         const Tensor z = scalar_tensor(0.0, a.dtype());
                         const Tensor drop = kernel::binary(Binary::Mul, kernel::binary(Binary::Eq, a, z, "xlogy"),
                                                            kernel::binary(Binary::Le, b, z, "xlogy"), "xlogy");
                         return where(drop, z, xlogy(gy, b));
                       }),
                       operand_grad(n, 1, [&] { return gy * a / b; })};
  });
}
Tensor xlogy(double x, const Tensor& y) {
  if (!y.defined()) fail("xlogy: an operand is undefined");
  return xlogy(scalar_tensor(x, is_floating(y.dtype()) ? y.dtype() : kFloat32), y);
}
Tensor xlogy(const Tensor& x, double y) {
  if (!x.defined()) fail("xlogy: an operand is undefined");
  return xlogy(x, scalar_tensor(y, is_floating(x.dtype()) ? x.dtype() : kFloat32));
}

Tensor div(const Tensor& a, const Tensor& b, const std::string& rounding_mode) {
  detail::CallScope call("div");
  if (rounding_mode != "trunc" && rounding_mode != "floor")
    fail("div: expected rounding_mode to be \"trunc\" or \"floor\", but found \"", rounding_mode, "\"");
  require_defined_pair(a, b, "div");
  // trunc is trunc(a / b); floor is Python's a // b (PyTorch's exact rule, not floor(a / b):
  // 1 // 0.1 is 9). Two int64 operands divide as integers.
  const Binary kind = rounding_mode == "trunc" ? Binary::TruncDivide : Binary::FloorDivide;
  if (both_int64(a, b)) return integer_division(kind, a, b, "div");
  const Tensor q = kernel::binary(kind, a, b, "div");
  if (autograd::probing_kinks()) autograd::note_kink("div", integer_choices(q));
  return record("div", {a, b}, q, {}, [](Node& n, const Tensor& gy) {  // a step function: zeros, as PyTorch's
    return tensor_list{operand_grad(n, 0, [&] { return zeros_like(gy); }), operand_grad(n, 1, [&] { return zeros_like(gy); })};
  });
}
Tensor floor_divide(const Tensor& a, const Tensor& b) {
  detail::CallScope call("floor_divide");
  return div(a, b, "floor");
}

Tensor fmod(const Tensor& a, const Tensor& b) { return modulo("fmod", Binary::Fmod, Unary::Trunc, a, b); }
Tensor fmod(const Tensor& a, double b) {
  detail::CallScope call("fmod");
  if (!a.defined()) fail("fmod: the input is undefined");
  return fmod(a, scalar_like(a, b));
}
Tensor remainder(const Tensor& a, const Tensor& b) { return modulo("remainder", Binary::Remainder, Unary::Floor, a, b); }
Tensor remainder(const Tensor& a, double b) {
  detail::CallScope call("remainder");
  if (!a.defined()) fail("remainder: the input is undefined");
  return remainder(a, scalar_like(a, b));
}
Tensor remainder(double a, const Tensor& b) {
  detail::CallScope call("remainder");
  if (!b.defined()) fail("remainder: the divisor is undefined");
  return remainder(scalar_like(b, a), b);
}
Tensor operator%(const Tensor& a, const Tensor& b) { return remainder(a, b); }
Tensor operator%(const Tensor& a, double b) { return remainder(a, b); }
Tensor operator%(double a, const Tensor& b) { return remainder(a, b); }

Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
  detail::CallScope call("lerp");
  require_float(start, "lerp");
  require_float(end, "lerp");
  require_float(weight, "lerp");
  return start + weight * (end - start);
}
Tensor lerp(const Tensor& start, const Tensor& end, double weight) {
  detail::CallScope call("lerp");
  require_float(start, "lerp");
  return lerp(start, end, scalar_tensor(weight, start.dtype()));
}

Tensor nan_to_num(const Tensor& x, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  detail::CallScope call("nan_to_num");
  if (!x.defined()) fail("nan_to_num: the input is undefined");
  if (x.dtype() == kInt64) return kernel::copy(x);  // integers are always finite
  // The defaults are the dtype's largest and lowest finite values, as PyTorch's.
  const bool f32 = x.dtype() == kFloat32;
  const double big = f32 ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
  const Tensor d = x.detach();
  const Tensor inf = scalar_tensor(std::numeric_limits<double>::infinity(), x.dtype());
  const Tensor is_nan = kernel::binary(Binary::Ne, d, d, "nan_to_num");
  const Tensor is_pos = kernel::binary(Binary::Eq, d, inf, "nan_to_num");
  const Tensor is_neg = kernel::binary(Binary::Eq, d, -inf, "nan_to_num");
  // Each replacement a constant, so the gradient reaches x at its finite elements only.
  Tensor y = where(is_neg, full_like(x, neginf.value_or(-big)), x);
  y = where(is_pos, full_like(x, posinf.value_or(big)), y);
  return where(is_nan, full_like(x, nan.value_or(0.0)), y);
}

// ---- predicates: int64 1/0, xgrad's bool (what masked_fill takes) ----
Tensor isnan(const Tensor& x) {
  detail::CallScope call("isnan");
  if (!x.defined()) fail("isnan: the input is undefined");
  return kernel::cast(kernel::binary(Binary::Ne, x, x, "isnan"), kInt64);
}

Tensor isinf(const Tensor& x) {
  detail::CallScope call("isinf");
  if (!x.defined()) fail("isinf: the input is undefined");
  if (x.dtype() == kInt64) return zeros_like(x);
  const Tensor inf = scalar_tensor(std::numeric_limits<double>::infinity(), x.dtype());
  return kernel::cast(kernel::binary(Binary::Eq, kernel::unary(Unary::Abs, x, "isinf"), inf, "isinf"), kInt64);
}

Tensor isfinite(const Tensor& x) {
  detail::CallScope call("isfinite");
  if (!x.defined()) fail("isfinite: the input is undefined");
  if (x.dtype() == kInt64) return ones_like(x);
  // x - x is 0 for every finite x and NaN for NaN and both infinities.
  const Tensor d = kernel::binary(Binary::Sub, x, x, "isfinite");
  return kernel::cast(kernel::binary(Binary::Eq, d, scalar_tensor(0.0, x.dtype()), "isfinite"), kInt64);
}

Tensor any(const Tensor& x) {
  detail::CallScope call("any");
  const auto [count, n] = count_nonzero(x, std::nullopt, false, "any");
  (void)n;
  return kernel::binary(Binary::Gt, count, scalar_tensor(0.0, kInt64), "any");
}
Tensor any(const Tensor& x, std::int64_t dim, bool keepdim) {
  detail::CallScope call("any");
  const auto [count, n] = count_nonzero(x, dim, keepdim, "any");
  (void)n;
  return kernel::binary(Binary::Gt, count, scalar_tensor(0.0, kInt64), "any");
}
Tensor all(const Tensor& x) {
  detail::CallScope call("all");
  const auto [count, n] = count_nonzero(x, std::nullopt, false, "all");
  return kernel::binary(Binary::Eq, count, scalar_tensor(static_cast<double>(n), kInt64), "all");
}
Tensor all(const Tensor& x, std::int64_t dim, bool keepdim) {
  detail::CallScope call("all");
  const auto [count, n] = count_nonzero(x, dim, keepdim, "all");
  return kernel::binary(Binary::Eq, count, scalar_tensor(static_cast<double>(n), kInt64), "all");
}

namespace {
// x compared with 0 as int64 1/0: Ne gives its truth (NaN included, NaN != 0, as
// PyTorch's), Eq its negation.
Tensor against_zero(const Tensor& x, Binary rule, const char* op) {
  if (!x.defined()) fail(op, ": an operand is undefined");
  return kernel::cast(kernel::binary(rule, x, zeros({}, TensorOptions(x.dtype()).device(x.device())), op), kInt64);
}
Tensor logical(const Tensor& a, const Tensor& b, Binary rule, const char* op) {
  detail::CallScope call(op);
  if (a.defined() && b.defined()) (void)detail::broadcast_shapes(a.shape(), b.shape(), op);
  return kernel::binary(rule, against_zero(a, Binary::Ne, op), against_zero(b, Binary::Ne, op), op);
}
}  // namespace

Tensor fmax(const Tensor& a, const Tensor& b) {
  detail::CallScope call("fmax");
  if (!a.defined() || !b.defined()) fail("fmax: an operand is undefined");
  (void)detail::broadcast_shapes(a.shape(), b.shape(), "fmax");
  return where(logical_or(a >= b, isnan(b)), a, b);
}

Tensor fmin(const Tensor& a, const Tensor& b) {
  detail::CallScope call("fmin");
  if (!a.defined() || !b.defined()) fail("fmin: an operand is undefined");
  (void)detail::broadcast_shapes(a.shape(), b.shape(), "fmin");
  return where(logical_or(a <= b, isnan(b)), a, b);
}

Tensor logical_not(const Tensor& x) {
  detail::CallScope call("logical_not");
  if (!x.defined()) fail("logical_not: the input is undefined");
  return against_zero(x, Binary::Eq, "logical_not");
}
Tensor logical_and(const Tensor& a, const Tensor& b) { return logical(a, b, Binary::Mul, "logical_and"); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return logical(a, b, Binary::Maximum, "logical_or"); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return logical(a, b, Binary::Ne, "logical_xor"); }

}  // namespace xg
