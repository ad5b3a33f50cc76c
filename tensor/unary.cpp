// One-operand elementwise kernels: unary functions, pow by a scalar, leaky_relu, clamp and
// the range mask. Transcendental functions go through xtensor with xsimd, measured 11x
// faster than a scalar std::exp loop; the rest are plain loops GCC vectorises. On a GPU
// each is one launch of tensor/cuda/elementwise.cu's template.
#include <xgrad/detail/format.h>
#include <algorithm>
#include <cmath>

#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

#include "tensor/checked.h"
#include "tensor/cuda/kernels.h"
#include "tensor/kernels.h"
#include "tensor/parallel.h"
#include "tensor/pointwise_rules.h"
#include "tensor/special_rules.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

using detail::dispatch;
using detail::make_tensor;

namespace {

// y = expr(x) through xtensor (xsimd-vectorised where xtensor has a SIMD version).
// Transcendental functions cost about ten adds each (bench/ops); the thread split follows.
template <class T, class Expr>
Tensor map_xt(const Tensor& x, Expr expr, double cost = 10) {
  Tensor y = make_tensor(x.shape(), x.dtype());
  detail::parallel_elements(x.numel(), cost, [&](std::int64_t i0, std::int64_t i1) {
    const auto n = static_cast<std::size_t>(i1 - i0);
    const std::array<std::size_t, 1> shape{n};
    auto xa = xt::adapt(x.data<T>() + i0, n, xt::no_ownership(), shape);
    auto ya = xt::adapt(y.data<T>() + i0, n, xt::no_ownership(), shape);
    xt::noalias(ya) = expr(xa);
  });
  return y;
}

// lgamma without glibc's global signgam, which std::lgamma writes from every thread (a float
// tensor's goes through float_through_double_host).
inline double log_gamma(double v) {
  int sign;
  return ::lgamma_r(v, &sign);
}

template <class T, class F>
Tensor map_loop(const Tensor& x, F f, double cost = 1) {
  Tensor y = make_tensor(x.shape(), x.dtype());
  const T* px = x.data<T>();
  T* py = y.data<T>();
  detail::parallel_elements(x.numel(), cost, [&](std::int64_t i0, std::int64_t i1) {
    for (std::int64_t i = i0; i < i1; ++i) py[i] = f(px[i]);
  });
  return y;
}

}  // namespace

Tensor unary(Unary kind, const Tensor& x, const char* op) {
  if (Tensor out = detail::on_gpu_like(x, x.dtype()); out.defined()) {
    if (x.dtype() == kInt64 && kind != Unary::Neg && kind != Unary::Abs && kind != Unary::Sign)
      fail(op, ": expected a float tensor, got int64");
    detail::gpu::unary(kind, out, x);
    return out;
  }
  if (x.dtype() == kInt64) {
    switch (kind) {
      // -INT64_MIN wraps to itself, as PyTorch's (abs too).
      case Unary::Neg: return map_loop<std::int64_t>(x, [](std::int64_t v) { return detail::neg_wrapping(v); });
      case Unary::Abs: return map_loop<std::int64_t>(x, [](std::int64_t v) { return v < 0 ? detail::neg_wrapping(v) : v; });
      case Unary::Sign: return map_loop<std::int64_t>(x, [](std::int64_t v) { return std::int64_t((v > 0) - (v < 0)); });
      default: fail(op, ": expected a float tensor, got int64");
    }
  }
  return detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    switch (kind) {
      case Unary::Neg: return map_xt<T>(x, [](const auto& v) { return -v; }, 1);
      case Unary::Exp: return map_xt<T>(x, [](const auto& v) { return xt::exp(v); });
      case Unary::Log: return map_xt<T>(x, [](const auto& v) { return xt::log(v); });
      case Unary::Sqrt: return map_xt<T>(x, [](const auto& v) { return xt::sqrt(v); }, 2);
      case Unary::Abs: return map_xt<T>(x, [](const auto& v) { return xt::abs(v); }, 1);
      case Unary::Sin: return map_xt<T>(x, [](const auto& v) { return xt::sin(v); });
      case Unary::Cos: return map_xt<T>(x, [](const auto& v) { return xt::cos(v); });
      case Unary::Tanh: return map_xt<T>(x, [](const auto& v) { return xt::tanh(v); });
      case Unary::Sigmoid: return map_xt<T>(x, [](const auto& v) { return T(1) / (T(1) + xt::exp(-v)); });
      case Unary::Relu: return map_loop<T>(x, [](T v) { return v > T(0) ? v : T(0); });
      case Unary::Sign: return map_loop<T>(x, [](T v) { return T((v > T(0)) - (v < T(0))); });
      case Unary::Softplus: return softplus_host(x);  // tensor/activation.cpp: xsimd batches
      case Unary::Log1p:
        if constexpr (std::is_same_v<T, float>) return float_through_double_host(kind, x);
        return map_loop<T>(x, [](T v) { return std::log1p(v); }, 10);
      case Unary::Expm1:
        if constexpr (std::is_same_v<T, float>) return float_through_double_host(kind, x);
        return map_loop<T>(x, [](T v) { return std::expm1(v); }, 10);
      case Unary::Erf:
        if constexpr (std::is_same_v<T, float>) return float_through_double_host(kind, x);
        return map_loop<T>(x, [](T v) { return std::erf(v); }, 10);
      case Unary::PowerOfTwoScale:
        return map_loop<T>(x, [](T v) { return detail::power_of_two_scale(v); }, 5);
      // xsimd has each of these: vectorised as exp and log are (rounding is exact either way).
      case Unary::Floor: return map_xt<T>(x, [](const auto& v) { return xt::floor(v); }, 1);
      case Unary::Ceil: return map_xt<T>(x, [](const auto& v) { return xt::ceil(v); }, 1);
      case Unary::Round: return map_xt<T>(x, [](const auto& v) { return xt::nearbyint(v); }, 1);  // half to even
      case Unary::Trunc: return map_xt<T>(x, [](const auto& v) { return xt::trunc(v); }, 1);
      case Unary::Tan: return map_xt<T>(x, [](const auto& v) { return xt::tan(v); });
      case Unary::Asin: return map_xt<T>(x, [](const auto& v) { return xt::asin(v); });
      case Unary::Acos: return map_xt<T>(x, [](const auto& v) { return xt::acos(v); });
      case Unary::Atan: return map_xt<T>(x, [](const auto& v) { return xt::atan(v); });
      case Unary::Sinh: return map_xt<T>(x, [](const auto& v) { return xt::sinh(v); });
      case Unary::Cosh: return map_xt<T>(x, [](const auto& v) { return xt::cosh(v); });
      case Unary::Asinh: return map_xt<T>(x, [](const auto& v) { return xt::asinh(v); });
      case Unary::Acosh: return map_xt<T>(x, [](const auto& v) { return xt::acosh(v); });
      case Unary::Atanh: return map_xt<T>(x, [](const auto& v) { return xt::atanh(v); });
      case Unary::Log2: return map_xt<T>(x, [](const auto& v) { return xt::log2(v); });
      case Unary::Log10: return map_xt<T>(x, [](const auto& v) { return xt::log10(v); });
      case Unary::Exp2: return map_xt<T>(x, [](const auto& v) { return xt::exp2(v); });
      case Unary::Lgamma:
        if constexpr (std::is_same_v<T, float>) return float_through_double_host(kind, x);
        return map_loop<T>(x, [](T v) { return log_gamma(v); }, 20);
      case Unary::Digamma: return digamma_host(x);
      case Unary::Erfc:
        if constexpr (std::is_same_v<T, float>) return float_through_double_host(kind, x);
        return map_loop<T>(x, [](T v) { return std::erfc(v); }, 10);
      case Unary::Erfinv: return map_loop<T>(x, [](T v) { return T(detail::special::erfinv(v, detail::special::erfinv_steps<T>)); }, 60);
      case Unary::Signbit: return map_loop<T>(x, [](T v) { return T(std::signbit(v)); });
    }
    return Tensor();
  });
}

Tensor pow_scalar(const Tensor& x, double c) {
  if (Tensor out = detail::on_gpu_like(x, x.dtype()); out.defined()) return detail::gpu::pow_scalar(out, x, c), out;
  return detail::dispatch_float(x.dtype(), "pow", [&](auto tag) {
    using T = decltype(tag);
    const T e = static_cast<T>(c);
    if (c == 2.0) return map_loop<T>(x, [](T v) { return v * v; });
    if (c == 1.0) return map_loop<T>(x, [](T v) { return v; });
    return map_xt<T>(x, [e](const auto& v) { return xt::pow(v, e); });
  });
}

Tensor polygamma(int n, const Tensor& x, const char* op) {
  if (Tensor out = detail::on_gpu_like(x, x.dtype()); out.defined()) return detail::gpu::polygamma(out, x, n), out;
  if (n == 1 && is_floating(x.dtype())) return trigamma_host(x);
  return detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    return map_loop<T>(x, [n](T v) { return T(detail::special::polygamma(n, v)); }, 60);
  });
}

void require_greater(const Tensor& x, double bound, const char* op, const char* bound_name) {
  const auto report = [=](std::int64_t position, std::int64_t) {
    fail(op, ": every element must be greater than ", bound_name, " = ", bound, "; element ", position,
         " (flat) is not");
  };
  if (!x.device().is_cpu()) {
    // 1 where the element fails (x > bound false, NaN included): a range check of [0, 1).
    const Tensor above = binary(Binary::Gt, x, scalar_tensor(bound, x.dtype()), op);
    const Tensor fails = cast(binary(Binary::Sub, scalar_tensor(1.0, x.dtype()), above, op), kInt64);
    detail::gpu::check_range_later(fails, 1, report, op);
    return;
  }
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    for (std::int64_t i = 0, n = x.numel(); i < n; ++i)
      if (!(px[i] > bound)) report(i, 1);
  });
}

void require_nonzero_divisor(const Tensor& x, const char* op) {
  const auto report = [=](std::int64_t position, std::int64_t) {
    fail(op, ": integer division by zero: element ", position, " (flat) of the divisor (shape ", detail::shape_str(x.shape()),
         ") is 0");
  };
  if (!x.device().is_cpu()) {  // 1 where the divisor is 0: a range check of [0, 1)
    detail::gpu::check_range_later(binary(Binary::Eq, x, scalar_tensor(0.0, x.dtype()), op), 1, report, op);
    return;
  }
  const std::int64_t* px = x.data<std::int64_t>();
  for (std::int64_t i = 0, n = x.numel(); i < n; ++i)
    if (px[i] == 0) report(i, 0);
}

Tensor leaky_relu(const Tensor& x, double slope) {
  if (Tensor out = detail::on_gpu_like(x, x.dtype()); out.defined()) return detail::gpu::leaky_relu(out, x, slope), out;
  return detail::dispatch_float(x.dtype(), "leaky_relu", [&](auto tag) {
    using T = decltype(tag);
    const T s = static_cast<T>(slope);
    return map_loop<T>(x, [s](T v) { return v > T(0) ? v : s * v; });
  });
}

Tensor clamp(const Tensor& x, double lo, double hi) {
  if (Tensor out = detail::on_gpu_like(x, x.dtype()); out.defined()) return detail::gpu::clamp(out, x, lo, hi), out;
  return dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T l = detail::bound_as<T>(lo, false), h = detail::bound_as<T>(hi, true);
    return map_loop<T>(x, [l, h](T v) { return v < l ? l : (v > h ? h : v); });
  });
}

Tensor in_range_mask(const Tensor& x, double lo, double hi) {
  if (Tensor out = detail::on_gpu_like(x, x.dtype()); out.defined()) return detail::gpu::in_range_mask(out, x, lo, hi), out;
  return dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    return map_loop<T>(x, [lo, hi](T v) { return T(v >= lo && v <= hi); });
  });
}

}  // namespace xg::kernel
