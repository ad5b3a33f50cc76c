// Running sums, products, log-sum-exps and extremes, and sorting, along an axis. cumsum's
// adjoint is the running sum from the end, each the other's backward, so every order comes
// from the one kernel; logcumsumexp's plain backward is one kernel pass, and under
// create_graph it is written with logcumsumexp from the other end; cumprod's backward is
// written with cumprod and cumsum; prod is a product reduction. cummax, cummin, sort,
// argsort and topk find positions with a kernel (no gradient: they are choices) and take the
// values with gather, whose gradient (a scatter-add) is already every order's.
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include <limits>

#include "autograd/graph.h"
#include "autograd/line_axis.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

using autograd::line_axis;

using autograd::Node;

namespace {

Tensor running_sum(const Tensor& x, std::int64_t axis, bool reverse) {
  return autograd::record(reverse ? "cumsum_reverse" : "cumsum", {x}, kernel::cumsum(x, axis, reverse), {},
                          [axis, reverse](Node&, const Tensor& gy) {
                            return tensor_list{running_sum(gy, axis, !reverse)};
                          });
}

Tensor running_product(const Tensor& x, std::int64_t axis);
Tensor running_logsumexp(const Tensor& x, std::int64_t axis, bool reverse);

// The gradient of y = logcumsumexp(x): g_i = sum over the k whose y_k includes x_i of
// gy_k exp(x_i - y_k). Split by gy's sign so that every term is a log-sum-exp taken from the
// other end: g = exp(x + R(log gy+ - y)) - exp(x + R(log gy- - y)). A zero part reads the
// dtype's lowest value rather than -inf (no -inf - -inf), and log reads 1 there (no infinite
// derivative behind `where`): the second order is the same composition differentiated.
Tensor running_logsumexp_grad(const Tensor& x, const Tensor& y, const Tensor& gy, std::int64_t axis, bool reverse) {
  // No second order asked: the same sum in one pass (a kernel, measured 4x the composition).
  if (!is_grad_enabled())
    return kernel::logcumsumexp_backward(x, y, gy.dtype() == x.dtype() ? gy : gy.to(x.dtype()), axis, reverse);
  const Dtype dt = x.dtype();
  const Tensor zero = scalar_tensor(0.0, dt), one = scalar_tensor(1.0, dt);
  const Tensor lowest = scalar_tensor(
      dt == kFloat32 ? double(std::numeric_limits<float>::lowest()) : std::numeric_limits<double>::lowest(), dt);
  const auto part = [&](kernel::Binary side) {
    const Tensor take = kernel::binary(side, gy.detach(), zero, "logcumsumexp");
    const Tensor log_g = where(take, log(where(take, abs(gy), one)), lowest);
    return exp(x + running_logsumexp(log_g - y, axis, !reverse));
  };
  return part(kernel::Binary::Gt) - part(kernel::Binary::Lt);
}

Tensor running_logsumexp(const Tensor& x, std::int64_t axis, bool reverse) {
  Tensor y = kernel::logcumsumexp(x, axis, reverse);
  return autograd::record(reverse ? "logcumsumexp_reverse" : "logcumsumexp", {x}, y, {x, y},
                          [axis, reverse](Node& n, const Tensor& gy) {
                            return tensor_list{running_logsumexp_grad(n.saved(0), n.saved(1), gy, axis, reverse)};
                          });
}

// Whether x may hold a zero: read on the CPU (one pass); on a GPU that would be a wait, so
// the answer there is "maybe", and the rules below take their general, division-free form.
bool may_hold_zero(const Tensor& x) {
  if (!x.device().is_cpu()) return true;
  return detail::dispatch_float(x.dtype(), "cumprod", [&](auto tag) {
    using T = decltype(tag);
    const T* p = x.data<T>();
    for (std::int64_t i = 0, n = x.numel(); i < n; ++i)
      if (p[i] == T(0)) return true;
    return false;
  });
}

// The gradient of y = cumprod(x) along axis, written with differentiable operations. dy_k/dx_i
// is the product of x_0..x_k without x_i (k >= i), so g_i = sum over k >= i of gy_k times it.
//
// Plain backward (PyTorch's O(n) rule): before a line's first zero z, g_i = (reverse running
// sum of gy y)_i / x_i (y is 0 from z on); at z, y_(z-1) times the sum of gy_k times the
// product of x over (z, k]; past z, 0. Exact there, but not as a function: past z the
// gradient is 0 only while x_z is, so its derivative is not. With create_graph (grad mode on
// in backward) the rule is the sum itself, O(n^2) per line as PyTorch's then: each row i of
// an (n, n) matrix holds x with x_i replaced by 1, its running product gives every product
// without x_i, and the upper triangle keeps k >= i. Differentiable as it stands.
Tensor running_product_grad(const Tensor& x, const Tensor& y, const Tensor& gy, std::int64_t axis) {
  const std::int64_t n = x.shape()[static_cast<std::size_t>(axis)];
  const Tensor one = scalar_tensor(1.0, x.dtype()), zero = scalar_tensor(0.0, x.dtype());
  if (is_grad_enabled()) {
    const TensorOptions like = TensorOptions().dtype(x.dtype()).device(x.device());
    const Tensor rows = unsqueeze(movedim(x, {axis}, {-1}), -2);  // (..., 1, n)
    const Tensor without_i = where(eye(n, like), one, rows);      // (..., n, n)
    const Tensor upper = triu(ones({n, n}, like));
    const Tensor gy_rows = unsqueeze(movedim(gy, {axis}, {-1}), -2);  // (..., 1, n): gy_k in column k
    const Tensor g = sum(running_product(without_i, x.dim()) * gy_rows * upper, {-1});
    return movedim(g, {-1}, {axis});
  }
  // No zero (known on the CPU): the reverse running sum of gy y over x, three passes.
  if (!may_hold_zero(x))
    return kernel::binary(kernel::Binary::Div, kernel::cumsum(gy * y, axis, true), x, "cumprod");
  using kernel::Binary;
  const auto apply = [](Binary op, const Tensor& a, const Tensor& b) { return kernel::binary(op, a, b, "cumprod"); };
  const Tensor is_zero = apply(Binary::Eq, x, zero);
  const Tensor zeros_so_far = kernel::cumsum(is_zero, axis, false);
  const Tensor before = apply(Binary::Eq, zeros_so_far, zero);  // i < z
  const Tensor first_zero = apply(Binary::Mul, is_zero, apply(Binary::Eq, zeros_so_far, one));
  const Tensor x_before = kernel::where(before, x, one);
  const Tensor g_before = kernel::where(before, apply(Binary::Div, kernel::cumsum(gy * y, axis, true), x_before), zero);
  // At z: the product of x before z (the last of x_before's running product) times the sum
  // over k >= z of gy_k times the product of x over (z, k] (x at and before z replaced by 1).
  const Tensor up_to_z = apply(Binary::Eq, apply(Binary::Sub, zeros_so_far, is_zero), zero);
  const Tensor from_z = apply(Binary::Sub, one, before);
  const Tensor prefix = kernel::narrow(kernel::cumprod(x_before, axis), axis, n - 1, 1);
  const Tensor after_z = gy * kernel::cumprod(kernel::where(up_to_z, one, x), axis) * from_z;
  const Tensor after = kernel::reduce(kernel::Reduce::Sum, after_z, {axis}, true);
  return g_before + kernel::where(first_zero, prefix * after, zero);
}

Tensor running_product(const Tensor& x, std::int64_t axis) {
  Tensor y = kernel::cumprod(x, axis);
  return autograd::record("cumprod", {x}, y, {x, y}, [axis](Node& n, const Tensor& gy) {
    return tensor_list{running_product_grad(n.saved(0), n.saved(1), gy, axis)};
  });
}

// The products of each line's elements before (after) each position, 1 at the start (end).
Tensor product_before(const Tensor& x, std::int64_t axis) {
  const std::int64_t n = x.shape()[static_cast<std::size_t>(axis)];
  Shape s = x.shape();
  s[static_cast<std::size_t>(axis)] = 1;
  const Tensor first = ones(s, TensorOptions().dtype(x.dtype()).device(x.device()));
  return running_product(concat({first, narrow(x, axis, 0, n - 1)}, axis), axis);
}

// prod along axis, kept: a product reduction (eight partial products per line, in double
// for float32, as sum's); its gradient is the product of the other elements (before times
// after: no division, so zeros are exact), PyTorch's O(n) rule, and differentiable again
// through cumprod's.
Tensor line_product(const Tensor& x, std::int64_t axis) {
  const Tensor y = kernel::reduce(kernel::Reduce::Prod, x, {axis}, true);
  return autograd::record("prod", {x}, y, {x, y}, [axis](Node& node, const Tensor& gy) {
    const Tensor v = node.saved(0);
    // No zero (known on the CPU) and no second order asked: the product over each element.
    if (!is_grad_enabled() && !may_hold_zero(v))
      return tensor_list{kernel::binary(kernel::Binary::Div, gy * node.saved(1), v, "prod")};
    return tensor_list{gy * product_before(v, axis) * flip(product_before(flip(v, {axis}), axis), {axis})};
  });
}

}  // namespace

std::int64_t autograd::line_axis(const Tensor& x, std::int64_t dim, const char* op) {
  if (!x.defined()) fail(op, ": the input is undefined");
  if (x.dim() == 0) {
    if (dim != 0 && dim != -1) fail(op, ": dim ", dim, " is out of range for a 0-d tensor");
    return 0;
  }
  return detail::normalize_axis(dim, x.dim(), op);
}

Tensor cumsum(const Tensor& x, std::int64_t dim) {
  detail::CallScope call("cumsum");
  const std::int64_t axis = line_axis(x, dim, "cumsum");
  if (x.dim() == 0) return x * 1.0;  // a copy in the graph, as PyTorch's
  return running_sum(x, axis, false);
}

Tensor logcumsumexp(const Tensor& x, std::int64_t dim) {
  detail::CallScope call("logcumsumexp");
  const std::int64_t axis = line_axis(x, dim, "logcumsumexp");
  if (!is_floating(x.dtype())) fail("logcumsumexp: expected a float tensor, got ", dtype_name(x.dtype()));
  if (x.dim() == 0) return reshape(running_logsumexp(reshape(x, {1}), 0, false), {});
  return running_logsumexp(x, axis, false);
}

namespace {

std::tuple<Tensor, Tensor> running_extreme(const Tensor& x, std::int64_t dim, bool is_max) {
  const char* op = is_max ? "cummax" : "cummin";
  detail::CallScope call(op);
  const std::int64_t axis = line_axis(x, dim, op);
  if (x.dim() == 0) return {x * 1.0, zeros({}, TensorOptions().dtype(kInt64).device(x.device()))};
  const Tensor idx = kernel::running_extreme_indices(x.detach(), axis, is_max);
  return {gather(x, axis, idx), idx};
}

}  // namespace

std::tuple<Tensor, Tensor> cummax(const Tensor& x, std::int64_t dim) { return running_extreme(x, dim, true); }
std::tuple<Tensor, Tensor> cummin(const Tensor& x, std::int64_t dim) { return running_extreme(x, dim, false); }

Tensor cumprod(const Tensor& x, std::int64_t dim) {
  detail::CallScope call("cumprod");
  const std::int64_t axis = line_axis(x, dim, "cumprod");
  if (x.dim() == 0 || x.numel() == 0) return x * 1.0;
  return running_product(x, axis);
}

// PyTorch's prod: a zero in a line gets the product of the others as its gradient, not 0/0.
Tensor prod(const Tensor& x, std::int64_t dim, bool keepdim) {
  detail::CallScope call("prod");
  const std::int64_t axis = line_axis(x, dim, "prod");
  if (x.dim() == 0) return x * 1.0;
  const std::int64_t n = x.shape()[static_cast<std::size_t>(axis)];
  Tensor p;
  if (n == 0) {  // the empty product is 1
    Shape s = x.shape();
    s[static_cast<std::size_t>(axis)] = 1;
    p = ones(s, TensorOptions().dtype(x.dtype()).device(x.device()));
  } else {
    p = line_product(x, axis);
  }
  return keepdim ? p : squeeze(p, axis);
}

Tensor prod(const Tensor& x) {
  detail::CallScope call("prod");
  if (!x.defined()) fail("prod: the input is undefined");
  return prod(reshape(x, {x.numel()}), 0, false);
}

std::tuple<Tensor, Tensor> sort(const Tensor& x, std::optional<bool> /*stable: always*/, std::int64_t dim, bool descending) {
  return sort(x, dim, descending);
}

std::tuple<Tensor, Tensor> sort(const Tensor& x, std::int64_t dim, bool descending) {
  detail::CallScope call("sort");
  const std::int64_t axis = line_axis(x, dim, "sort");
  if (x.dim() == 0) return {x * 1.0, zeros({}, kInt64)};
  const Tensor idx = kernel::sort_indices(x.detach(), axis, descending);
  return {gather(x, axis, idx), idx};
}

Tensor argsort(const Tensor& x, std::int64_t dim, bool descending) {
  detail::CallScope call("argsort");
  const std::int64_t axis = line_axis(x, dim, "argsort");
  if (x.dim() == 0) return zeros({}, kInt64);
  return kernel::sort_indices(x.detach(), axis, descending);
}

std::tuple<Tensor, Tensor> topk(const Tensor& x, std::int64_t k, std::int64_t dim, bool largest, bool sorted) {
  detail::CallScope call("topk");
  const std::int64_t axis = line_axis(x, dim, "topk");
  if (x.dim() == 0) {
    if (k != 1) fail("topk: k = ", k, " for a 0-d input, whose one element is the only choice (k = 1)");
    return {x * 1.0, zeros({}, kInt64)};
  }
  const std::int64_t n = x.shape()[static_cast<std::size_t>(axis)];
  if (k < 0 || k > n)
    fail("topk: k = ", k, " must be between 0 and the ", n, " elements of axis ", axis, " of input ",
         detail::shape_str(x.shape()));
  // A stable sort of each line, its first k: ties keep their order (PyTorch leaves it open),
  // and the result is sorted whatever `sorted` says.
  (void)sorted;
  const Tensor idx = narrow(kernel::sort_indices(x.detach(), axis, largest), axis, 0, k);
  return {gather(x, axis, idx), idx};
}

}  // namespace xg
