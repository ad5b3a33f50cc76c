// digamma and trigamma (polygamma of order 1, digamma's backward), and a float tensor's erf,
// erfc, lgamma, log1p and expm1, on the CPU, eight doubles
// at a time (xsimd batches): their recurrences' divisions, most of their time, run as vector
// divisions. A batch with a lane that needs more (digamma's reflection below 0, a pole, NaN,
// infinity) goes through tensor/special_rules.h's scalar functions, as the tail does;
// trigamma's lanes below 1/2 take their reflection term from the scalar code and stay.
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

// ψ' on lanes that are all finite and none a pole (a non-positive integer): a lane below 1/2
// takes its reflection term from the scalar code (special::trigamma_reflection: sin is not
// worth a vector here, and the bits stay the scalar function's) and goes on as 1 - x; then
// ψ'(x) = ψ'(x + 1) + 1/x² to `from`, two steps per division, and the asymptotic series
// (special::trigamma's steps).
// Before, a batch with any lane below 1/2 went through the scalar code whole: half of the
// batches of uniform draws on (0.1, 5.1).
B trigamma_batch(B x, double from) {
  const auto reflected = x < B(0.5);
  B reflection(0.0);
  if (xsimd::any(reflected)) {
    alignas(64) double lanes[kLanes], terms[kLanes];
    x.store_aligned(lanes);
    for (std::int64_t l = 0; l < kLanes; ++l) {
      terms[l] = lanes[l] < 0.5 ? special::trigamma_reflection(lanes[l]) : 0.0;
      if (lanes[l] < 0.5) lanes[l] = 1 - lanes[l];
    }
    reflection = B::load_aligned(terms);
    x = B::load_aligned(lanes);
  }
  B sum(0.0);
  for (auto below = x < B(from); xsimd::any(below); below = x < B(from)) {
    const auto two = x + B(1.0) < B(from);
    const B a2 = x * x, b2 = (x + B(1.0)) * (x + B(1.0));
    sum = xsimd::select(below, sum + xsimd::select(two, a2 + b2, B(1.0)) / xsimd::select(two, a2 * b2, a2), sum);
    x = xsimd::select(two, x + B(2.0), xsimd::select(below, x + B(1.0), x));
  }
  const B r = B(1.0) / x, z = r * r;
  sum = sum + (r + B(0.5) * z + special::trigamma_series(z) * r);
  return xsimd::select(reflected, reflection - sum, sum);
}

// y = f(x) elementwise, computed in double: whole batches whose lanes `plain` accepts through
// `batch`, everything else (and the tail) through `scalar`.
template <class T, class Plain, class Batch, class Scalar>
Tensor map_special(const Tensor& x, Plain plain, Batch batch, Scalar scalar) {
  Tensor y = detail::make_tensor(x.shape(), x.dtype());
  const T* px = x.data<T>();
  T* py = y.data<T>();
  detail::parallel_elements(x.numel(), 30, [&](std::int64_t i0, std::int64_t i1) {
    alignas(64) double lanes[kLanes];
    std::int64_t i = i0;
    for (; i + kLanes <= i1; i += kLanes) {
      for (std::int64_t l = 0; l < kLanes; ++l) lanes[l] = static_cast<double>(px[i + l]);
      const B v = B::load_aligned(lanes);
      if (plain(v)) {
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

// A float tensor's erf, erfc, lgamma, log1p and expm1 are evaluated in double by xsimd's
// vector functions and rounded once: the float equals glibc's double function rounded, for
// every float (log1p, expm1), every positive float (lgamma), all but 1 of 8.6e8 (erf) and
// all but 104 of 4.3e9 (erfc, 1 ulp there), checked exhaustively. glibc's float functions,
// used before, were up to 1 (erff, log1pf, expm1f), 3 (erfcf) and 6 (lgammaf) ulp off and
// scalar: 11-18 ns an element against 7-10 here. xsimd's float versions are faster still
// but not as exact (erfc 3.5e5 ulp in its tail, expm1 wrong near overflow), and its double
// results alone are far looser (lgamma 5e5 ulp near its roots): a float64 tensor keeps
// glibc's functions (unary.cpp).
Tensor float_through_double_host(Unary kind, const Tensor& x) {
  // Every lane, NaN and infinities included, and the tail's single lanes through the same
  // vector code, so an element's bits do not depend on where it lies.
  const auto every = [](B) { return true; };
  const auto lanes_of = [&](auto f) {
    return map_special<float>(x, every, f, [f](double v) { return f(B(v)).get(0); });
  };
  switch (kind) {
    case Unary::Erf: return lanes_of([](B v) { return xsimd::erf(v); });
    case Unary::Erfc: return lanes_of([](B v) { return xsimd::erfc(v); });
    case Unary::Log1p: return lanes_of([](B v) { return xsimd::log1p(v); });
    case Unary::Expm1: return lanes_of([](B v) { return xsimd::expm1(v); });
    case Unary::Lgamma: {
      // Positive finite lanes only: glibc's lgamma, in double, takes the poles and negatives.
      const auto plain = [](B v) { return xsimd::all(v > B(0.0)) && xsimd::all(v < B(HUGE_VAL)); };
      return map_special<float>(x, plain, [](B v) { return xsimd::lgamma(v); }, [](double v) {
        int sign;
        return ::lgamma_r(v, &sign);  // lgamma without glibc's global signgam
      });
    }
    default: fail("float_through_double_host: not one of its functions");
  }
}

Tensor digamma_host(const Tensor& x) {
  return detail::dispatch_float(x.dtype(), "digamma", [&](auto tag) {
    // From the smallest positive double the recurrence stays finite (NaN fails the first test).
    const auto plain = [](B v) { return xsimd::all(v >= B(0x1p-1074)) && xsimd::all(v < B(HUGE_VAL)); };
    return map_special<decltype(tag)>(x, plain, digamma_batch, [](double v) { return special::digamma(v); });
  });
}

Tensor trigamma_host(const Tensor& x) {
  return detail::dispatch_float(x.dtype(), "polygamma", [&](auto tag) {
    constexpr double from = special::trigamma_from<decltype(tag)>;
    // Finite (NaN fails the first test), and below 1/2 not an integer (a pole).
    const auto plain = [](B v) {
      return xsimd::all(xsimd::abs(v) < B(HUGE_VAL)) && xsimd::none(v < B(0.5) && xsimd::floor(v) == v);
    };
    return map_special<decltype(tag)>(x, plain, [](B v) { return trigamma_batch(v, from); },
                                      [](double v) { return special::trigamma(v, from); });
  });
}

}  // namespace xg::kernel
