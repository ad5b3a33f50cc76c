// GELU as one pass forward and one backward (tensor/pointwise_rules.h's arithmetic): on the
// CPU in xsimd batches (xsimd's vector erf, exp and tanh) with a scalar tail, on a GPU one
// launch each (tensor/cuda/elementwise.cu). Composed from erf and products it took 5 kernels
// forward and about 12 backward, and libm's scalar erff was 8% of a small GPT's step.
// Softplus's host kernel too: glibc's scalar log1pf was 57% of a BCE-with-logits step.
#include <xgrad/detail/format.h>

#include <cmath>

#include <xsimd/xsimd.hpp>

#include "tensor/checked.h"
#include "tensor/cuda/kernels.h"
#include "tensor/kernels.h"
#include "tensor/parallel.h"
#include "tensor/pointwise_rules.h"
#include "tensor/simd_io.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

namespace {

namespace rule = detail::gelu;
using detail::make_tensor;

template <class T> T erf_of(T v) { return std::erf(v); }
template <class T> T exp_of(T v) { return std::exp(v); }
template <class T> T tanh_of(T v) { return std::tanh(v); }
template <class T, class A> xsimd::batch<T, A> erf_of(const xsimd::batch<T, A>& v) { return xsimd::erf(v); }
template <class T, class A> xsimd::batch<T, A> exp_of(const xsimd::batch<T, A>& v) { return xsimd::exp(v); }
template <class T, class A> xsimd::batch<T, A> tanh_of(const xsimd::batch<T, A>& v) { return xsimd::tanh(v); }
template <class T> T log1p_of(T v) { return std::log1p(v); }
template <class T> T abs_of(T v) { return std::fabs(v); }
template <class T> T max_of(T a, T b) { return a > b ? a : b; }
template <class T, class A> xsimd::batch<T, A> log1p_of(const xsimd::batch<T, A>& v) { return xsimd::log1p(v); }
template <class T, class A> xsimd::batch<T, A> abs_of(const xsimd::batch<T, A>& v) { return xsimd::abs(v); }
template <class T, class A> xsimd::batch<T, A> max_of(const xsimd::batch<T, A>& a, const xsimd::batch<T, A>& b) {
  return xsimd::max(a, b);
}

namespace simd = detail::simd;  // qualified: ADL would find xsimd::store, an aligned store

// body(V{}, i) over [0, n) in chunks split over threads at kElementAlign (so a chunk's
// vector/scalar split, and with it every bit, is the same on any number of threads).
template <class T, class F>
void over_elements(std::int64_t n, F&& body) {
  detail::parallel_elements(n, 25, [&](std::int64_t i0, std::int64_t i1) {
    using B = xsimd::batch<T>;
    constexpr std::int64_t w = static_cast<std::int64_t>(B::size);
    std::int64_t i = i0;
    for (; i + w <= i1; i += w) body(B{}, i);
    for (; i < i1; ++i) body(T{}, i);
  });
}

void check_float(const Tensor& x, const char* op) {
  if (!is_floating(x.dtype())) fail(op, ": expected a float tensor, got ", dtype_name(x.dtype()));
}

}  // namespace

Tensor softplus_host(const Tensor& x) {
  Tensor y = make_tensor(x.shape(), x.dtype(), x.device());
  detail::dispatch_float(x.dtype(), "softplus", [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    over_elements<T>(x.numel(), [&](auto v, std::int64_t i) {
      using V = decltype(v);
      const V xv = simd::load<V>(px + i), zero(T(0));
      // No overflow for any x; the same formula as the GPU's.
      simd::store(py + i, max_of(xv, zero) + log1p_of(exp_of(zero - abs_of(xv))));
    });
  });
  return y;
}

Tensor gelu(const Tensor& x, bool tanh_form, const char* op) {
  check_float(x, op);
  Tensor y = make_tensor(x.shape(), x.dtype(), x.device());
  if (!x.device().is_cpu()) return detail::gpu::gelu(y, x, tanh_form), y;
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    over_elements<T>(x.numel(), [&](auto v, std::int64_t i) {
      using V = decltype(v);
      const V xv = simd::load<V>(px + i);
      simd::store(py + i, tanh_form ? rule::tanh_form(xv, tanh_of(rule::tanh_arg(xv)))
                                    : rule::exact(xv, erf_of(xv * V(T(rule::kInvSqrt2)))));
    });
  });
  return y;
}

Tensor gelu_backward(const Tensor& x, const Tensor& gy, bool tanh_form, const char* op) {
  check_float(x, op);
  detail::compute_device({{"input", x}, {"grad_output", gy}}, op);
  if (gy.shape() != x.shape())
    fail(op, ": the gradient's shape ", detail::shape_str(gy.shape()), " differs from the input's ",
         detail::shape_str(x.shape()));
  const Tensor g = gy.dtype() == x.dtype() ? gy : cast(gy, x.dtype());
  Tensor gx = make_tensor(x.shape(), x.dtype(), x.device());
  if (!x.device().is_cpu()) return detail::gpu::gelu_backward(gx, x, g, tanh_form), gx;
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    const T* pg = g.data<T>();
    T* po = gx.data<T>();
    over_elements<T>(x.numel(), [&](auto v, std::int64_t i) {
      using V = decltype(v);
      const V xv = simd::load<V>(px + i), gv = simd::load<V>(pg + i);
      if (tanh_form) {
        simd::store(po + i, rule::tanh_grad(xv, tanh_of(rule::tanh_arg(xv)), gv));
      } else {
        const V e = erf_of(xv * V(T(rule::kInvSqrt2))), d = exp_of(V(T(-0.5)) * xv * xv);
        simd::store(po + i, rule::exact_grad(xv, e, d, gv));
      }
    });
  });
  return gx;
}

}  // namespace xg::kernel
