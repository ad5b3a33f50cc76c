// digamma and trigamma (polygamma of order 1, digamma's backward) on the CPU, eight doubles
// at a time (xsimd batches): their recurrences' divisions, most of their time, run as vector
// divisions. A batch with a lane that needs more (the reflection below 0 or 1/2, a pole,
// NaN, infinity) goes through tensor/special_rules.h's scalar functions, as the tail does.
// Both paths perform the same IEEE operations in the same order, and this file is compiled
// without FMA contraction (CMakeLists.txt), so an element's bits do not depend on whether it
// met a batch: they are the scalar functions' (tested), on any number of threads.
#include <cmath>

#include <xsimd/xsimd.hpp>

#include "tensor/kernels.h"
#include "tensor/parallel.h"
#include "tensor/special_rules.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

namespace {

namespace special = detail::special;
using B = xsimd::batch<double>;
constexpr std::int64_t kLanes = static_cast<std::int64_t>(B::size);

// ψ on lanes that are all finite and positive: the recurrence ψ(x) = ψ(x + 1) - 1/x, each
// lane until it passes 10, then the asymptotic series (special::digamma's steps).
B digamma_batch(B x) {
  B result(0.0);
  for (auto below = x < B(10.0); xsimd::any(below); below = x < B(10.0)) {
    result = xsimd::select(below, result - B(1.0) / x, result);
    x = xsimd::select(below, x + B(1.0), x);
  }
  alignas(64) double lanes[kLanes];  // glibc's log, as the scalar path's: the same bits
  x.store_aligned(lanes);
  for (double& v : lanes) v = std::log(v);
  return result + B::load_aligned(lanes) - B(0.5) / x - special::digamma_series(B(1.0) / (x * x));
}

// ψ' on lanes that are all finite and at least 1/2: ψ'(x) = ψ'(x + 1) + 1/x² to 12, then the
// asymptotic series (special::trigamma's steps).
B trigamma_batch(B x) {
  B sum(0.0);
  for (auto below = x < B(12.0); xsimd::any(below); below = x < B(12.0)) {
    sum = xsimd::select(below, sum + B(1.0) / (x * x), sum);
    x = xsimd::select(below, x + B(1.0), x);
  }
  const B z = B(1.0) / (x * x);
  return sum + (B(1.0) / x + B(0.5) * z + special::trigamma_series(z) / x);
}

// y = f(x) elementwise, computed in double: whole batches whose lanes are all above `floor`
// and finite through `batch`, everything else through `scalar`.
template <class T, class Batch, class Scalar>
Tensor map_special(const Tensor& x, double floor, Batch batch, Scalar scalar) {
  Tensor y = detail::make_tensor(x.shape(), x.dtype());
  const T* px = x.data<T>();
  T* py = y.data<T>();
  detail::parallel_elements(x.numel(), 30, [&](std::int64_t i0, std::int64_t i1) {
    alignas(64) double lanes[kLanes];
    std::int64_t i = i0;
    for (; i + kLanes <= i1; i += kLanes) {
      for (std::int64_t l = 0; l < kLanes; ++l) lanes[l] = static_cast<double>(px[i + l]);
      const B v = B::load_aligned(lanes);
      if (xsimd::all(v >= B(floor)) && xsimd::all(v < B(HUGE_VAL))) {  // NaN fails the first
        batch(v).store_aligned(lanes);
        for (std::int64_t l = 0; l < kLanes; ++l) py[i + l] = static_cast<T>(lanes[l]);
      } else {
        for (std::int64_t l = 0; l < kLanes; ++l) py[i + l] = static_cast<T>(scalar(lanes[l]));
      }
    }
    for (; i < i1; ++i) py[i] = static_cast<T>(scalar(static_cast<double>(px[i])));
  });
  return y;
}

}  // namespace

Tensor digamma_host(const Tensor& x) {
  return detail::dispatch_float(x.dtype(), "digamma", [&](auto tag) {
    // The smallest positive double is a plain lane: the recurrence stays finite from there.
    return map_special<decltype(tag)>(x, 0x1p-1074, digamma_batch, [](double v) { return special::digamma(v); });
  });
}

Tensor trigamma_host(const Tensor& x) {
  return detail::dispatch_float(x.dtype(), "polygamma", [&](auto tag) {
    return map_special<decltype(tag)>(x, 0.5, trigamma_batch, [](double v) { return special::trigamma(v); });
  });
}

}  // namespace xg::kernel
