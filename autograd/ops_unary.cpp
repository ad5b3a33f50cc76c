// Elementwise functions of one tensor. Backward rules are written with differentiable
// operations (so they can be differentiated again); piecewise-constant masks come straight
// from kernels since their own derivative is zero.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include <cmath>
#include <limits>

#include "autograd/graph.h"
#include "tensor/kernels.h"
#include "tensor/checked.h"
#include "tensor/strided.h"

namespace xg {

using autograd::Node;
using autograd::record;
using kernel::Unary;

namespace {
// The composed activations check up front, so a bad input names the function called, not
// the first operation it is made of.
void require_float(const Tensor& x, const char* op) {
  if (!x.defined()) fail(op, ": the input is undefined");
  if (!is_floating(x.dtype())) fail(op, ": expected a float tensor, got ", dtype_name(x.dtype()));
}

Tensor mask_positive(const Tensor& x) {
  return kernel::binary(kernel::Binary::Gt, x, scalar_tensor(0.0, x.dtype()), "mask");
}
}  // namespace

Tensor exp(const Tensor& x) {
  detail::CallScope call("exp");
  Tensor y = kernel::unary(Unary::Exp, x, "exp");
  return record("exp", {x}, y, {y}, [](Node& n, const Tensor& gy) {
    return tensor_list{gy * n.saved(0)};  // d/dx e^x = e^x
  });
}

Tensor log(const Tensor& x) {
  detail::CallScope call("log");
  return record("log", {x}, kernel::unary(Unary::Log, x, "log"), {x}, [](Node& n, const Tensor& gy) {
    return tensor_list{gy / n.saved(0)};  // d/dx log x = 1/x
  });
}

Tensor sqrt(const Tensor& x) {
  detail::CallScope call("sqrt");
  Tensor y = kernel::unary(Unary::Sqrt, x, "sqrt");
  return record("sqrt", {x}, y, {y}, [](Node& n, const Tensor& gy) {
    return tensor_list{gy * 0.5 / n.saved(0)};  // d/dx sqrt x = 1 / (2 sqrt x)
  });
}

Tensor abs(const Tensor& x) {
  detail::CallScope call("abs");
  if (autograd::probing_kinks()) autograd::note_kink("abs", x);
  return record("abs", {x}, kernel::unary(Unary::Abs, x, "abs"), {x}, [](Node& n, const Tensor& gy) {
    return tensor_list{gy * kernel::unary(Unary::Sign, n.saved(0), "abs")};
  });
}

Tensor sin(const Tensor& x) {
  detail::CallScope call("sin");
  return record("sin", {x}, kernel::unary(Unary::Sin, x, "sin"), {x},
                [](Node& n, const Tensor& gy) { return tensor_list{gy * cos(n.saved(0))}; });
}

Tensor cos(const Tensor& x) {
  detail::CallScope call("cos");
  return record("cos", {x}, kernel::unary(Unary::Cos, x, "cos"), {x},
                [](Node& n, const Tensor& gy) { return tensor_list{-gy * sin(n.saved(0))}; });
}

Tensor tanh(const Tensor& x) {
  detail::CallScope call("tanh");
  Tensor y = kernel::unary(Unary::Tanh, x, "tanh");
  return record("tanh", {x}, y, {y}, [](Node& n, const Tensor& gy) {
    const Tensor y = n.saved(0);
    if (!is_grad_enabled()) return tensor_list{kernel::binary(kernel::Binary::TanhGrad, y, gy, "tanh")};
    return tensor_list{gy * (1.0 - y * y)};  // d/dx tanh x = 1 - tanh^2 x
  });
}

Tensor sigmoid(const Tensor& x) {
  detail::CallScope call("sigmoid");
  Tensor y = kernel::unary(Unary::Sigmoid, x, "sigmoid");
  return record("sigmoid", {x}, y, {y}, [](Node& n, const Tensor& gy) {
    const Tensor y = n.saved(0);
    if (!is_grad_enabled()) return tensor_list{kernel::binary(kernel::Binary::SigmoidGrad, y, gy, "sigmoid")};
    return tensor_list{gy * y * (1.0 - y)};  // d/dx s(x) = s(x) (1 - s(x))
  });
}

namespace {
thread_local autograd::ReluBackward t_relu_backward = autograd::ReluBackward::Vanilla;

// The visualisation rules (see ReluBackward): guided keeps the derivative's mask and adds
// [gy > 0]; rectified replaces it by [gy > 0].
Tensor modified_relu_grad(const Tensor& gy, const Tensor& derivative) {
  if (t_relu_backward == autograd::ReluBackward::Rectified) return gy * mask_positive(gy);
  return gy * derivative * mask_positive(gy);
}
}  // namespace

namespace autograd {
ReluBackwardGuard::ReluBackwardGuard(ReluBackward mode) : previous_(t_relu_backward) { t_relu_backward = mode; }
ReluBackwardGuard::~ReluBackwardGuard() { t_relu_backward = previous_; }
ReluBackward relu_backward_mode() { return t_relu_backward; }
}  // namespace autograd

Tensor relu(const Tensor& x) {
  detail::CallScope call("relu");
  if (autograd::probing_kinks()) autograd::note_kink("relu", x);  // the mask x > 0
  return record("relu", {x}, kernel::unary(Unary::Relu, x, "relu"), {x}, [](Node& n, const Tensor& gy) {
    if (t_relu_backward != autograd::ReluBackward::Vanilla)
      return tensor_list{modified_relu_grad(gy, mask_positive(n.saved(0)))};
    if (!is_grad_enabled()) return tensor_list{kernel::binary(kernel::Binary::ReluGrad, n.saved(0), gy, "relu")};
    return tensor_list{gy * mask_positive(n.saved(0))};
  });
}

Tensor leaky_relu(const Tensor& x, double slope) {
  detail::CallScope call("leaky_relu");
  if (autograd::probing_kinks()) autograd::note_kink("leaky_relu", x);
  return record("leaky_relu", {x}, kernel::leaky_relu(x, slope), {x}, [slope](Node& n, const Tensor& gy) {
    const Tensor x = n.saved(0);
    const Tensor derivative =
        kernel::where(mask_positive(x), scalar_tensor(1.0, x.dtype()), scalar_tensor(slope, x.dtype()));
    if (t_relu_backward != autograd::ReluBackward::Vanilla) return tensor_list{modified_relu_grad(gy, derivative)};
    return tensor_list{gy * derivative};
  });
}

Tensor softplus(const Tensor& x) {
  detail::CallScope call("softplus");
  return record("softplus", {x}, kernel::unary(Unary::Softplus, x, "softplus"), {x},
                [](Node& n, const Tensor& gy) { return tensor_list{gy * sigmoid(n.saved(0))}; });
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  detail::CallScope call("softplus");
  require_float(x, "softplus");
  if (beta == 0 || !std::isfinite(beta)) fail("softplus: beta must be finite and nonzero, got ", beta);
  const Tensor bx = x * beta;
  if (autograd::probing_kinks()) autograd::note_kink("softplus", bx - threshold);  // the switch
  // Where beta x passes the threshold PyTorch returns x itself (its gradient 1).
  return where(bx > threshold, x, softplus(bx) / beta);
}

Tensor clamp(const Tensor& x, double lo, double hi) {
  detail::CallScope call("clamp");
  if (lo > hi) fail("clamp: lower bound ", lo, " exceeds upper bound ", hi);
  if (autograd::probing_kinks()) autograd::note_kink("clamp", kernel::in_range_mask(x, lo, hi));
  return record("clamp", {x}, kernel::clamp(x, lo, hi), {x}, [lo, hi](Node& n, const Tensor& gy) {
    return tensor_list{gy * kernel::in_range_mask(n.saved(0), lo, hi)};
  });
}

Tensor log1p(const Tensor& x) {
  detail::CallScope call("log1p");
  return record("log1p", {x}, kernel::unary(Unary::Log1p, x, "log1p"), {x},
                [](Node& n, const Tensor& gy) { return tensor_list{gy / (n.saved(0) + 1.0)}; });  // 1 / (1 + x)
}

Tensor expm1(const Tensor& x) {
  detail::CallScope call("expm1");
  Tensor y = kernel::unary(Unary::Expm1, x, "expm1");
  return record("expm1", {x}, y, {y}, [](Node& n, const Tensor& gy) {
    return tensor_list{gy * (n.saved(0) + 1.0)};  // d/dx (e^x - 1) = e^x = y + 1
  });
}

Tensor erf(const Tensor& x) {
  detail::CallScope call("erf");
  return record("erf", {x}, kernel::unary(Unary::Erf, x, "erf"), {x}, [](Node& n, const Tensor& gy) {
    const Tensor x = n.saved(0);
    return tensor_list{gy * exp(-(x * x)) * 1.1283791670955126};  // 2/√π e^(-x²)
  });
}

// One kernel each way (tensor/activation.cpp); the backward rule composed from
// differentiable operations (for higher orders) is the same derivative:
//   erf form:  Φ(x) + x φ(x) = (1 + erf(x/√2))/2 + x e^(-x²/2)/√(2π)
//   tanh form: (1 + t)/2 + x (1 - t²) u'(x)/2, t = tanh u, u = √(2/π)(x + 0.044715 x³)
Tensor gelu(const Tensor& x, const std::string& approximate) {
  detail::CallScope call("gelu");
  if (approximate != "none" && approximate != "tanh")
    fail("gelu: approximate must be \"none\" or \"tanh\", got \"", approximate, "\"");
  const bool tanh_form = approximate == "tanh";
  return record("gelu", {x}, kernel::gelu(x, tanh_form, "gelu"), {x}, [tanh_form](Node& n, const Tensor& gy) {
    const Tensor x = n.saved(0);
    if (!is_grad_enabled()) return tensor_list{kernel::gelu_backward(x, gy, tanh_form, "gelu")};
    if (tanh_form) {
      const Tensor t = tanh((x + x * x * x * 0.044715) * 0.7978845608028654);
      const Tensor du = (x * x * (3 * 0.044715) + 1.0) * 0.7978845608028654;
      return tensor_list{gy * ((t + 1.0) * 0.5 + x * (1.0 - t * t) * du * 0.5)};
    }
    const Tensor cdf = (erf(x * 0.7071067811865476) + 1.0) * 0.5;
    return tensor_list{gy * (cdf + x * exp(x * x * -0.5) * 0.3989422804014327)};
  });
}

Tensor silu(const Tensor& x) { return x * sigmoid(x); }

Tensor elu(const Tensor& x, double alpha) {
  detail::CallScope call("elu");
  if (autograd::probing_kinks()) autograd::note_kink("elu", x);  // a kink at 0 unless alpha = 1
  return where(x > 0.0, x, expm1(x) * alpha);
}

Tensor selu(const Tensor& x) {
  detail::CallScope call("selu");
  require_float(x, "selu");
  constexpr double kAlpha = 1.6732632423543772848170429916717, kScale = 1.0507009873554804934193349852946;
  return elu(x, kAlpha) * kScale;
}

Tensor celu(const Tensor& x, double alpha) {
  detail::CallScope call("celu");
  require_float(x, "celu");
  if (alpha == 0) fail("celu: alpha must not be 0 (it divides x)");
  if (autograd::probing_kinks()) autograd::note_kink("celu", x);  // a kink at 0 unless alpha = 1
  return where(x > 0.0, x, expm1(x / alpha) * alpha);
}

Tensor mish(const Tensor& x) {
  detail::CallScope call("mish");
  require_float(x, "mish");
  return x * tanh(softplus(x));
}

Tensor hardsigmoid(const Tensor& x) {
  detail::CallScope call("hardsigmoid");
  require_float(x, "hardsigmoid");
  if (autograd::probing_kinks()) autograd::note_kink("hardsigmoid", kernel::in_range_mask(x, -3.0, 3.0));
  return clamp(x / 6.0 + 0.5, 0.0, 1.0);
}

Tensor hardswish(const Tensor& x) {
  detail::CallScope call("hardswish");
  require_float(x, "hardswish");
  if (autograd::probing_kinks()) autograd::note_kink("hardswish", kernel::in_range_mask(x, -3.0, 3.0));
  return x * clamp(x + 3.0, 0.0, 6.0) / 6.0;
}

Tensor softsign(const Tensor& x) {
  detail::CallScope call("softsign");
  require_float(x, "softsign");
  return x / (abs(x) + 1.0);
}

Tensor prelu(const Tensor& x, const Tensor& weight) {
  detail::CallScope call("prelu");
  require_float(x, "prelu");
  if (!weight.defined()) fail("prelu: the weight is undefined");
  if (weight.dim() > 1) fail("prelu: expected a weight of one value or one per channel, got ", detail::shape_str(weight.shape()));
  const std::int64_t n = weight.numel();
  Tensor w = weight;
  if (n != 1) {  // one per channel: axis 1 (axis 0 of a 1-D input), as PyTorch
    const std::int64_t axis = x.dim() >= 2 ? 1 : 0;
    if (x.dim() == 0 || x.shape()[axis] != n)
      fail("prelu: ", n, " weights need ", n, " channels on axis ", axis, " of the input, got ", detail::shape_str(x.shape()));
    Shape s(x.dim(), 1);
    s[axis] = n;
    w = reshape(weight, s);
  }
  if (autograd::probing_kinks()) autograd::note_kink("prelu", x);
  return where(x > 0.0, x, x * w);
}

Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
  detail::CallScope call("hardtanh");
  require_float(x, "hardtanh");
  if (!(min_val <= max_val)) fail("hardtanh: min_val ", min_val, " must not exceed max_val ", max_val);
  if (autograd::probing_kinks()) autograd::note_kink("hardtanh", kernel::in_range_mask(x, min_val, max_val));
  // PyTorch's gradient: 1 strictly between the bounds, 0 at them (clamp's is 1 there).
  return where((x > min_val) * (x < max_val), x, clamp(x, min_val, max_val).detach());
}

Tensor relu6(const Tensor& x) {
  detail::CallScope call("relu6");
  require_float(x, "relu6");
  return hardtanh(x, 0.0, 6.0);
}

Tensor logsigmoid(const Tensor& x) {
  detail::CallScope call("logsigmoid");
  require_float(x, "logsigmoid");
  return -softplus(-x);  // softplus is the stable log(1 + e^x): no overflow for large -x
}

Tensor tanhshrink(const Tensor& x) {
  detail::CallScope call("tanhshrink");
  require_float(x, "tanhshrink");
  return x - tanh(x);
}

Tensor softshrink(const Tensor& x, double lambda) {
  detail::CallScope call("softshrink");
  require_float(x, "softshrink");
  if (!(lambda >= 0)) fail("softshrink: lambda must be non-negative, got ", lambda);
  if (autograd::probing_kinks()) autograd::note_kink("softshrink", kernel::in_range_mask(x, -lambda, lambda));
  const Tensor zero = zeros_like(x);
  return where(x > lambda, x - lambda, where(x < -lambda, x + lambda, zero));
}

Tensor hardshrink(const Tensor& x, double lambda) {
  detail::CallScope call("hardshrink");
  require_float(x, "hardshrink");
  if (!(lambda >= 0)) fail("hardshrink: lambda must be non-negative, got ", lambda);
  if (autograd::probing_kinks()) autograd::note_kink("hardshrink", kernel::in_range_mask(x, -lambda, lambda));
  return where((x > lambda) + (x < -lambda), x, zeros_like(x));
}

Tensor threshold(const Tensor& x, double threshold, double value) {
  detail::CallScope call("threshold");
  require_float(x, "threshold");
  if (autograd::probing_kinks()) autograd::note_kink("threshold", x - threshold);
  return where(x > threshold, x, full_like(x, value));
}

Tensor glu(const Tensor& x, std::int64_t dim) {
  detail::CallScope call("glu");
  require_float(x, "glu");
  if (x.dim() == 0) fail("glu: a 0-d tensor has no dimension to halve");
  const auto axis = detail::normalize_axis(dim, x.dim(), "glu");
  if (x.shape()[axis] % 2 != 0)
    fail("glu: halving dimension must be even, but dimension ", axis, " is size ", x.shape()[axis], " in ",
         detail::shape_str(x.shape()));
  const tensor_list halves = chunk(x, 2, axis);
  return halves[0] * sigmoid(halves[1]);
}

Tensor rsqrt(const Tensor& x) {
  detail::CallScope call("rsqrt");
  require_float(x, "rsqrt");
  return pow(x, -0.5);
}

Tensor reciprocal(const Tensor& x) {
  detail::CallScope call("reciprocal");
  require_float(x, "reciprocal");
  return 1.0 / x;
}

Tensor clamp_min(const Tensor& x, double min) {
  detail::CallScope call("clamp_min");
  return clamp(x, min, std::numeric_limits<double>::infinity());
}

Tensor clamp_max(const Tensor& x, double max) {
  detail::CallScope call("clamp_max");
  return clamp(x, -std::numeric_limits<double>::infinity(), max);
}

// Composed of where on PyTorch's masks (clamp_backward_min_max), so the gradient goes
// where PyTorch's goes, ties and crossed bounds included, on every device and to every order.
Tensor clamp(const Tensor& x, const Tensor& lo, const Tensor& hi) {
  detail::CallScope call("clamp");
  const char* op = detail::call_or("clamp");
  if (!x.defined()) fail(op, ": the input is undefined");
  if (!lo.defined() && !hi.defined()) fail(op, ": at least one of min and max must be given");
  for (const Tensor* bound : {&lo, &hi})  // shapes checked here, so a mismatch names the call
    if (bound->defined()) (void)detail::broadcast_shapes(x.shape(), bound->shape(), op);
  if (lo.defined() && hi.defined()) {
    // Where neither mask holds (x outside with lo = hi, or x NaN), the value without a gradient.
    const Tensor value = minimum(maximum(x.detach(), lo.detach()), hi.detach());
    const Tensor to_hi = logical_or(x > hi, hi < lo), to_lo = logical_and(x < lo, lo < hi);
    const Tensor to_x = logical_and(x >= lo, x <= hi);
    return where(to_x, x, where(to_lo, lo, where(to_hi, hi, value)));
  }
  // A NaN in x or the bound: its value (NaN, as PyTorch's), no gradient.
  if (lo.defined()) return where(x < lo, lo, where(x >= lo, x, maximum(x.detach(), lo.detach())));
  return where(x > hi, hi, where(x <= hi, x, minimum(x.detach(), hi.detach())));
}

Tensor clamp_min(const Tensor& x, const Tensor& min) {
  detail::CallScope call("clamp_min");
  return clamp(x, min, Tensor());
}

Tensor clamp_max(const Tensor& x, const Tensor& max) {
  detail::CallScope call("clamp_max");
  return clamp(x, Tensor(), max);
}

}  // namespace xg
