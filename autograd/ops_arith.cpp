// Arithmetic on two operands, with broadcasting undone in backward by sum_to.
#include <cmath>

#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "autograd/scalar_operand.h"
#include "tensor/kernels.h"
#include "tensor/checked.h"

namespace xg {

using autograd::Node;
using autograd::record;
using autograd::scalar_like;
using kernel::Binary;

namespace {

// The gradient for input i: f() reduced to the input's shape, or undefined if not needed.
template <class F>
Tensor input_grad(const Node& n, std::size_t i, F f) {
  return n.needs_input_grad(i) ? sum_to(f(), n.input_meta(i).shape) : Tensor();
}

Tensor zero_like_scalar(const Tensor& x) { return scalar_tensor(0.0, x.dtype()); }

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  detail::CallScope call("add");
  return record("add", {a, b}, kernel::binary(Binary::Add, a, b, "add"), {}, [](Node& n, const Tensor& gy) {
    return tensor_list{input_grad(n, 0, [&] { return gy; }), input_grad(n, 1, [&] { return gy; })};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  detail::CallScope call("sub");
  return record("sub", {a, b}, kernel::binary(Binary::Sub, a, b, "sub"), {}, [](Node& n, const Tensor& gy) {
    return tensor_list{input_grad(n, 0, [&] { return gy; }), input_grad(n, 1, [&] { return -gy; })};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  detail::CallScope call("mul");
  return record("mul", {a, b}, kernel::binary(Binary::Mul, a, b, "mul"), {a, b}, [](Node& n, const Tensor& gy) {
    // d(ab)/da = b, d(ab)/db = a; each saved tensor read only where its gradient is needed
    return tensor_list{input_grad(n, 0, [&] { return gy * n.saved(1); }),
                       input_grad(n, 1, [&] { return gy * n.saved(0); })};
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  detail::CallScope call("div");
  return record("div", {a, b}, kernel::binary(Binary::Div, a, b, "div"), {a, b}, [](Node& n, const Tensor& gy) {
    const auto s = n.saved();  // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
    return tensor_list{input_grad(n, 0, [&] { return gy / s[1]; }),
                       input_grad(n, 1, [&] { return -gy * s[0] / (s[1] * s[1]); })};
  });
}

Tensor neg(const Tensor& x) {
  detail::CallScope call("neg");
  return record("neg", {x}, kernel::unary(kernel::Unary::Neg, x, "neg"), {},
                [](Node&, const Tensor& gy) { return tensor_list{-gy}; });
}

Tensor pow(const Tensor& a, const Tensor& b) {
  detail::CallScope call("pow");
  Tensor y = kernel::binary(Binary::Pow, a, b, "pow");
  return record("pow", {a, b}, y, {a, b, y}, [](Node& n, const Tensor& gy) {
    const auto s = n.saved();
    const Tensor &x = s[0], &e = s[1], &y = s[2];
    // d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log a, taken where a > 0 (log is undefined elsewhere).
    return tensor_list{input_grad(n, 0, [&] { return gy * e * pow(x, e - 1.0); }),
                       input_grad(n, 1, [&] {
                         const Tensor positive = kernel::binary(Binary::Gt, x, zero_like_scalar(x), "pow");
                         const Tensor safe_x = where(positive, x, ones_like(x));
                         return where(positive, gy * y * log(safe_x), zero_like_scalar(gy));
                       })};
  });
}

Tensor pow(const Tensor& x, double c) {
  detail::CallScope call("pow");
  return record("pow", {x}, kernel::pow_scalar(x, c), {x}, [c](Node& n, const Tensor& gy) {
    if (c == 0.0) return tensor_list{zeros_like(gy)};
    return tensor_list{gy * c * pow(n.saved(0), c - 1.0)};  // d(x^c)/dx = c x^(c-1)
  });
}

namespace {

// Gradient share of the first operand of maximum/minimum: 1 where it wins, 1/2 at ties.
Tensor winner_share(const Tensor& a, const Tensor& b, Binary wins) {
  const Tensor w = kernel::binary(wins, a, b, "maximum");
  const Tensor tie = kernel::binary(Binary::Eq, a, b, "maximum");
  return kernel::binary(Binary::Add, w, kernel::binary(Binary::Mul, tie, scalar_tensor(0.5, tie.dtype()), "maximum"),
                        "maximum");
}

Tensor extremum(const char* op, Binary kind, Binary wins, const Tensor& a, const Tensor& b) {
  if (autograd::probing_kinks()) autograd::note_kink(op, kernel::binary(Binary::Sub, a, b, op));
  return record(op, {a, b}, kernel::binary(kind, a, b, op), {a, b}, [wins](Node& n, const Tensor& gy) {
    const auto s = n.saved();
    const Tensor share = winner_share(s[0], s[1], wins);
    return tensor_list{input_grad(n, 0, [&] { return gy * share; }),
                       input_grad(n, 1, [&] { return gy * (1.0 - share); })};
  });
}

}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum("maximum", Binary::Maximum, Binary::Gt, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum("minimum", Binary::Minimum, Binary::Lt, a, b); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  detail::CallScope call("where");
  return record("where", {cond, a, b}, kernel::where(cond, a, b), {cond}, [](Node& n, const Tensor& gy) {
    const Tensor c = n.saved(0);
    const Tensor zero = zero_like_scalar(gy);
    return tensor_list{Tensor(), input_grad(n, 1, [&] { return where(c, gy, zero); }),
                       input_grad(n, 2, [&] { return where(c, zero, gy); })};
  });
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, double b) { return add(a, scalar_like(a, b)); }
Tensor operator-(const Tensor& a, double b) { return sub(a, scalar_like(a, b)); }
Tensor operator*(const Tensor& a, double b) { return mul(a, scalar_like(a, b)); }
Tensor operator/(const Tensor& a, double b) { return div(a, scalar_like(a, b)); }
Tensor operator+(double a, const Tensor& b) { return add(scalar_like(b, a), b); }
Tensor operator-(double a, const Tensor& b) { return sub(scalar_like(b, a), b); }
Tensor operator*(double a, const Tensor& b) { return mul(scalar_like(b, a), b); }
Tensor operator/(double a, const Tensor& b) { return div(scalar_like(b, a), b); }

Tensor eq(const Tensor& a, const Tensor& b) { return kernel::binary(Binary::Eq, a, b, "eq"); }
Tensor ne(const Tensor& a, const Tensor& b) { return kernel::binary(Binary::Ne, a, b, "ne"); }
Tensor lt(const Tensor& a, const Tensor& b) { return kernel::binary(Binary::Lt, a, b, "lt"); }
Tensor le(const Tensor& a, const Tensor& b) { return kernel::binary(Binary::Le, a, b, "le"); }
Tensor gt(const Tensor& a, const Tensor& b) { return kernel::binary(Binary::Gt, a, b, "gt"); }
Tensor ge(const Tensor& a, const Tensor& b) { return kernel::binary(Binary::Ge, a, b, "ge"); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, double b) { return eq(a, scalar_like(a, b)); }
Tensor operator!=(const Tensor& a, double b) { return ne(a, scalar_like(a, b)); }
Tensor operator<(const Tensor& a, double b) { return lt(a, scalar_like(a, b)); }
Tensor operator<=(const Tensor& a, double b) { return le(a, scalar_like(a, b)); }
Tensor operator>(const Tensor& a, double b) { return gt(a, scalar_like(a, b)); }
Tensor operator>=(const Tensor& a, double b) { return ge(a, scalar_like(a, b)); }

}  // namespace xg
