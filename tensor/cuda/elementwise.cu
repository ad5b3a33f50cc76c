// The CUDA elementwise kernels: one templated grid-stride kernel over up to three operands
// read through broadcast strides, instantiated per operation with a small functor (the CPU's
// formulas, tensor/elementwise.cpp). Axes are merged on the host exactly as tensor/strided.h
// merges them, so the common cases reach the kernel as one flat axis without index division.
#include <cuda_runtime.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "tensor/cast_rules.h"
#include "tensor/pointwise_rules.h"
#include "tensor/special_rules.h"
#include "tensor/checked.h"
#include "tensor/cuda/check.h"
#include "tensor/cuda/entry_count.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/launch.h"
#include "tensor/strided.h"
#include "tensor/tensor_impl.h"

namespace xg::detail::gpu {

namespace {

constexpr int kThreads = 256;
constexpr int kDims = static_cast<int>(detail::kMaxDims);

// The iteration space of a contiguous output: merged axes and, per input, element strides
// (0 where broadcast). A scalar input (a 0-d CPU tensor) has no pointer and a value.
template <class T, int K>
struct Inputs {
  const T* p[K];
  T value[K];
  int nd;
  std::int64_t dims[kDims];
  std::int64_t st[K][kDims];
};

// Inputs read through broadcast strides, or through `given` strides (a permute) when set.
template <class T, int K>
Inputs<T, K> layout(const Shape& shape, const std::array<const Tensor*, K>& xs, const Shape* given = nullptr) {
  if (shape.size() > detail::kMaxDims) fail(call_or("tensor"), ": ", shape.size(), " axes exceed the supported ", kDims);
  Inputs<T, K> in{};
  std::array<Shape, K> strides;
  for (int k = 0; k < K; ++k) {
    const Tensor& x = *xs[k];
    if (x.device().is_cpu()) {  // the CPU-scalar rule: its value, by value
      in.p[k] = nullptr;
      in.value[k] = *static_cast<const T*>(x.impl()->storage->data);
      strides[k] = Shape(shape.size(), 0);
    } else {
      in.p[k] = static_cast<const T*>(x.impl()->storage->data);
      strides[k] = given ? *given : broadcast_strides(x.shape(), shape);
    }
  }
  // Drop size-1 axes; fuse axis i into the previous one when every input is contiguous across
  // them (the output always is).
  int nd = 0;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    bool fuse = nd > 0;
    for (int k = 0; k < K && fuse; ++k) fuse = in.st[k][nd - 1] == strides[k][i] * shape[i];
    if (fuse) {
      in.dims[nd - 1] *= shape[i];
      for (int k = 0; k < K; ++k) in.st[k][nd - 1] = strides[k][i];
    } else {
      in.dims[nd] = shape[i];
      for (int k = 0; k < K; ++k) in.st[k][nd] = strides[k][i];
      ++nd;
    }
  }
  in.nd = nd;
  return in;
}

template <class T, int K>
__device__ T load(const Inputs<T, K>& in, int k, std::int64_t i) {
  if (!in.p[k]) return in.value[k];
  std::int64_t off = 0;
  if (in.nd == 1) {
    off = i * in.st[k][0];
  } else {
    for (int d = in.nd - 1; d >= 0; --d) {
      const std::int64_t idx = i % in.dims[d];
      i /= in.dims[d];
      off += idx * in.st[k][d];
    }
  }
  return in.p[k][off];
}

template <class R, class T, int K, class F>
__global__ void map_kernel(R* out, std::int64_t n, Inputs<T, K> in, F f) {
  XG_GRID_LOOP(i, n) {
    if constexpr (K == 1) out[i] = f(load(in, 0, i));
    else if constexpr (K == 2) out[i] = f(load(in, 0, i), load(in, 1, i));
    else out[i] = f(load(in, 0, i), load(in, 1, i), load(in, 2, i));
  }
}

// Launches f over out's elements on the device's stream; `what` names a launch failure.
template <class R, class T, int K, class F>
void launch(Tensor& out, const std::array<const Tensor*, K>& xs, F f, const Shape* strides = nullptr) {
  const std::int64_t n = out.numel();
  if (n == 0) return;
  const auto in = layout<T, K>(out.shape(), xs, strides);
  const char* op = call_or("tensor");
  map_kernel<R, T, K><<<grid_for(n, kThreads), kThreads, 0, on(out, op)>>>(dptr<R>(out), n, in, f);
  launched(op);
}

// Device math by dtype (float calls the float functions, as the CPU's xsimd and libm do).
template <class T>
__device__ T d_exp(T x) { if constexpr (std::is_same_v<T, float>) return expf(x); else return exp(x); }
template <class T>
__device__ T d_log(T x) { if constexpr (std::is_same_v<T, float>) return logf(x); else return log(x); }
template <class T>
__device__ T d_pow(T x, T y) {
  if constexpr (std::is_same_v<T, float>) return powf(x, y);
  else if constexpr (std::is_same_v<T, double>) return pow(x, y);
  else return static_cast<T>(pow(static_cast<double>(x), static_cast<double>(y)));
}
template <class T>
__device__ bool d_isnan(T x) { if constexpr (std::is_integral_v<T>) return false; else return isnan(x); }

// int64 wraps around (tensor/pointwise_rules.h's helpers, the CPU's): signed overflow is
// undefined in CUDA C++ as in C++, whatever the hardware does.
template <class T> struct AddF { __device__ T operator()(T x, T y) const { return add_wrapping(x, y); } };
template <class T> struct SubF { __device__ T operator()(T x, T y) const { return sub_wrapping(x, y); } };
template <class T> struct MulF { __device__ T operator()(T x, T y) const { return mul_wrapping(x, y); } };
template <class T> struct DivF { __device__ T operator()(T x, T y) const { return x / y; } };
template <class T> struct PowF { __device__ T operator()(T x, T y) const { return d_pow(x, y); } };
template <class T> struct MaxF { __device__ T operator()(T x, T y) const { return x > y || d_isnan(x) ? x : y; } };
template <class T> struct MinF { __device__ T operator()(T x, T y) const { return x < y || d_isnan(x) ? x : y; } };
template <class T> struct EqF { __device__ T operator()(T x, T y) const { return T(x == y); } };
template <class T> struct NeF { __device__ T operator()(T x, T y) const { return T(x != y); } };
template <class T> struct LtF { __device__ T operator()(T x, T y) const { return T(x < y); } };
template <class T> struct LeF { __device__ T operator()(T x, T y) const { return T(x <= y); } };
template <class T> struct GtF { __device__ T operator()(T x, T y) const { return T(x > y); } };
template <class T> struct GeF { __device__ T operator()(T x, T y) const { return T(x >= y); } };
template <class T> struct SigmoidGradF { __device__ T operator()(T y, T g) const { return g * y * (T(1) - y); } };
template <class T> struct TanhGradF { __device__ T operator()(T y, T g) const { return g * (T(1) - y * y); } };
template <class T> struct ReluGradF { __device__ T operator()(T x, T g) const { return x > T(0) ? g : T(0); } };

template <class T> struct NegF { __device__ T operator()(T v) const { return neg_wrapping(v); } };
template <class T> struct AbsF { __device__ T operator()(T v) const { return v < T(0) ? neg_wrapping(v) : v; } };
template <class T> struct SignF { __device__ T operator()(T v) const { return T((v > T(0)) - (v < T(0))); } };
template <class T> struct ExpF { __device__ T operator()(T v) const { return d_exp(v); } };
template <class T> struct LogF { __device__ T operator()(T v) const { return d_log(v); } };
template <class T> struct SqrtF { __device__ T operator()(T v) const { return sqrt(v); } };
template <class T> struct SinF { __device__ T operator()(T v) const { return sin(v); } };
template <class T> struct CosF { __device__ T operator()(T v) const { return cos(v); } };
template <class T> struct TanhF { __device__ T operator()(T v) const { return tanh(v); } };
template <class T> struct SigmoidF { __device__ T operator()(T v) const { return T(1) / (T(1) + d_exp(-v)); } };
template <class T> struct ReluF { __device__ T operator()(T v) const { return v > T(0) ? v : T(0); } };
template <class T> struct SoftplusF {  // max(x, 0) + log1p(e^-|x|): no overflow for large |x|
  __device__ T operator()(T v) const { return (v > T(0) ? v : T(0)) + log1p(d_exp(-fabs(v))); }
};
template <class T> struct Log1pF { __device__ T operator()(T v) const { return log1p(v); } };
template <class T> struct Expm1F { __device__ T operator()(T v) const { return expm1(v); } };
template <class T> struct ErfF { __device__ T operator()(T v) const { return erf(v); } };
// Rounding, more trigonometry and other bases: CUDA's math library, as the CPU's std:: calls.
template <class T> struct FloorF { __device__ T operator()(T v) const { return floor(v); } };
template <class T> struct CeilF { __device__ T operator()(T v) const { return ceil(v); } };
template <class T> struct RoundF { __device__ T operator()(T v) const { return nearbyint(v); } };  // half to even
template <class T> struct TruncF { __device__ T operator()(T v) const { return trunc(v); } };
template <class T> struct TanF { __device__ T operator()(T v) const { return tan(v); } };
template <class T> struct AsinF { __device__ T operator()(T v) const { return asin(v); } };
template <class T> struct AcosF { __device__ T operator()(T v) const { return acos(v); } };
template <class T> struct AtanF { __device__ T operator()(T v) const { return atan(v); } };
template <class T> struct SinhF { __device__ T operator()(T v) const { return sinh(v); } };
template <class T> struct CoshF { __device__ T operator()(T v) const { return cosh(v); } };
template <class T> struct AsinhF { __device__ T operator()(T v) const { return asinh(v); } };
template <class T> struct AcoshF { __device__ T operator()(T v) const { return acosh(v); } };
template <class T> struct AtanhF { __device__ T operator()(T v) const { return atanh(v); } };
template <class T> struct Log2F { __device__ T operator()(T v) const { return log2(v); } };
template <class T> struct Log10F { __device__ T operator()(T v) const { return log10(v); } };
template <class T> struct Exp2F { __device__ T operator()(T v) const { return exp2(v); } };
template <class T> struct LgammaF { __device__ T operator()(T v) const { return lgamma(v); } };
template <class T> struct SignbitF { __device__ T operator()(T v) const { return T(signbit(v) ? 1 : 0); } };
template <class T> struct ErfcF { __device__ T operator()(T v) const { return erfc(v); } };
// In double, the CPU's code (tensor/special_rules.h): the same bits on both devices.
template <class T> struct DigammaF { __device__ T operator()(T v) const { return T(special::digamma(v)); } };
template <class T> struct ErfinvF { __device__ T operator()(T v) const { return T(special::erfinv(v, special::erfinv_steps<T>)); } };
template <class T> struct PolygammaF {
  int n;
  __device__ T operator()(T v) const { return T(special::polygamma(n, v, special::trigamma_from<T>)); }
};
template <class T> struct Atan2F { __device__ T operator()(T y, T x) const { return atan2(y, x); } };
template <class T> struct FmodF { __device__ T operator()(T a, T b) const { return fmod(a, b); } };
template <class T> struct HypotF { __device__ T operator()(T a, T b) const { return hypot(a, b); } };
template <class T, bool Two> struct LogAddExpF {  // the CPU's log_add_exp
  __device__ T operator()(T a, T b) const {
    if (isinf(a) && a == b) return a;
    const T hi = a > b ? a : b, gap = -fabs(a - b);  // a NaN operand makes gap NaN
    return Two ? hi + log1p(exp2(gap)) / T(0.69314718055994530942) : hi + log1p(exp(gap));
  }
};
// int64's integer division (tensor/pointwise_rules.h, the CPU's rules).
template <class T> struct IntFloorDivideF { __device__ T operator()(T a, T b) const { return floor_divide_int(a, b); } };
template <class T> struct IntTruncDivideF { __device__ T operator()(T a, T b) const { return trunc_divide_int(a, b); } };
template <class T> struct IntFmodF { __device__ T operator()(T a, T b) const { return fmod_int(a, b); } };
template <class T> struct IntRemainderF { __device__ T operator()(T a, T b) const { return remainder_int(a, b); } };
template <class T> struct BitAndF { __device__ T operator()(T a, T b) const { return a & b; } };
template <class T> struct BitOrF { __device__ T operator()(T a, T b) const { return a | b; } };
template <class T> struct BitXorF { __device__ T operator()(T a, T b) const { return a ^ b; } };
template <class T> struct ShiftLeftF { __device__ T operator()(T a, T b) const { return shift_left_int(a, b); } };
template <class T> struct ShiftRightF { __device__ T operator()(T a, T b) const { return shift_right_int(a, b); } };
template <class T> struct TruncDivideF { __device__ T operator()(T a, T b) const { return trunc(a / b); } };
template <class T> struct FloorDivideF {  // Python's a // b, the CPU's python_floor_divide
  __device__ T operator()(T a, T b) const {
    if (b == T(0)) return a / b;
    const T mod = fmod(a, b);
    T div = (a - mod) / b;
    if (mod != T(0) && (b < T(0)) != (mod < T(0))) div -= T(1);
    if (div == T(0)) return copysign(T(0), a / b);
    T floordiv = floor(div);
    if (div - floordiv > T(0.5)) floordiv += T(1);
    return floordiv;
  }
};
template <class T> struct RemainderF {  // Python's a % b: fmod moved into b's sign, as the CPU
  __device__ T operator()(T a, T b) const {
    T r = fmod(a, b);
    if (r != T(0) && ((b < T(0)) != (r < T(0)))) r += b;
    return r;
  }
};
template <class T> struct GeluF {  // tensor/pointwise_rules.h, with CUDA's erf and tanh
  bool tanh_form;
  __device__ T operator()(T v) const {
    namespace r = detail::gelu;
    return tanh_form ? r::tanh_form(v, tanh(r::tanh_arg(v))) : r::exact(v, erf(v * T(r::kInvSqrt2)));
  }
};
template <class T> struct GeluGradF {
  bool tanh_form;
  __device__ T operator()(T v, T g) const {
    namespace r = detail::gelu;
    if (tanh_form) return r::tanh_grad(v, tanh(r::tanh_arg(v)), g);
    return r::exact_grad(v, erf(v * T(r::kInvSqrt2)), d_exp(T(-0.5) * v * v), g);
  }
};
template <class T> struct PowerOfTwoScaleF {  // the CPU's formula (detail::power_of_two_scale)
  __device__ T operator()(T v) const {
    int e = 0;
    if (v > T(0) && isfinite(v)) frexp(v, &e);
    return e == 0 ? T(1) : ldexp(T(1), e - 1);
  }
};

template <class T> struct SquareF { __device__ T operator()(T v) const { return v * v; } };
template <class T> struct IdentityF { __device__ T operator()(T v) const { return v; } };
template <class T> struct PowByF { T e; __device__ T operator()(T v) const { return d_pow(v, e); } };
template <class T> struct LeakyF { T s; __device__ T operator()(T v) const { return v > T(0) ? v : s * v; } };
template <class T> struct ClampF {
  T l, h;
  __device__ T operator()(T v) const { return v < l ? l : (v > h ? h : v); }
};
template <class T> struct InRangeF {
  double lo, hi;
  __device__ T operator()(T v) const { return T(v >= lo && v <= hi); }
};
template <class T> struct WhereF { __device__ T operator()(T c, T a, T b) const { return c != T(0) ? a : b; } };
template <class T> struct AxpyF { T a; __device__ T operator()(T d, T x) const { return d + a * x; } };
template <class D> struct CastF { template <class S> __device__ D operator()(S v) const { return rule::convert<D>(v); } };

template <class F>
decltype(auto) by_dtype(Dtype dtype, F&& f) { return detail::dispatch(dtype, std::forward<F>(f)); }

}  // namespace

void binary(kernel::Binary kind, Tensor& out, const Tensor& a, const Tensor& b) {
  XG_GPU_ENTRY(binary);
  by_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const std::array<const Tensor*, 2> xs{&a, &b};
    using B = kernel::Binary;
    switch (kind) {
      case B::Add: return launch<T, T, 2>(out, xs, AddF<T>{});
      case B::Sub: return launch<T, T, 2>(out, xs, SubF<T>{});
      case B::Mul: return launch<T, T, 2>(out, xs, MulF<T>{});
      case B::Div: return launch<T, T, 2>(out, xs, DivF<T>{});
      case B::Pow: return launch<T, T, 2>(out, xs, PowF<T>{});
      case B::Maximum: return launch<T, T, 2>(out, xs, MaxF<T>{});
      case B::Minimum: return launch<T, T, 2>(out, xs, MinF<T>{});
      case B::Eq: return launch<T, T, 2>(out, xs, EqF<T>{});
      case B::Ne: return launch<T, T, 2>(out, xs, NeF<T>{});
      case B::Lt: return launch<T, T, 2>(out, xs, LtF<T>{});
      case B::Le: return launch<T, T, 2>(out, xs, LeF<T>{});
      case B::Gt: return launch<T, T, 2>(out, xs, GtF<T>{});
      case B::Ge: return launch<T, T, 2>(out, xs, GeF<T>{});
      case B::SigmoidGrad: return launch<T, T, 2>(out, xs, SigmoidGradF<T>{});
      case B::TanhGrad: return launch<T, T, 2>(out, xs, TanhGradF<T>{});
      case B::ReluGrad: return launch<T, T, 2>(out, xs, ReluGradF<T>{});
      case B::Fmod: case B::Remainder: case B::FloorDivide: case B::TruncDivide:
        if constexpr (std::is_floating_point_v<T>) {
          if (kind == B::Fmod) return launch<T, T, 2>(out, xs, FmodF<T>{});
          if (kind == B::Remainder) return launch<T, T, 2>(out, xs, RemainderF<T>{});
          if (kind == B::FloorDivide) return launch<T, T, 2>(out, xs, FloorDivideF<T>{});
          return launch<T, T, 2>(out, xs, TruncDivideF<T>{});
        } else {
          if (kind == B::Fmod) return launch<T, T, 2>(out, xs, IntFmodF<T>{});
          if (kind == B::Remainder) return launch<T, T, 2>(out, xs, IntRemainderF<T>{});
          if (kind == B::FloorDivide) return launch<T, T, 2>(out, xs, IntFloorDivideF<T>{});
          return launch<T, T, 2>(out, xs, IntTruncDivideF<T>{});
        }
      case B::BitAnd: case B::BitOr: case B::BitXor: case B::ShiftLeft: case B::ShiftRight:
        if constexpr (std::is_integral_v<T>) {  // floats were refused by the entry point
          if (kind == B::BitAnd) return launch<T, T, 2>(out, xs, BitAndF<T>{});
          if (kind == B::BitOr) return launch<T, T, 2>(out, xs, BitOrF<T>{});
          if (kind == B::BitXor) return launch<T, T, 2>(out, xs, BitXorF<T>{});
          if (kind == B::ShiftLeft) return launch<T, T, 2>(out, xs, ShiftLeftF<T>{});
          return launch<T, T, 2>(out, xs, ShiftRightF<T>{});
        }
        return;
      case B::Atan2: case B::Hypot: case B::LogAddExp: case B::LogAddExp2:
        if constexpr (std::is_floating_point_v<T>) {  // int64 was refused by the entry point
          if (kind == B::Atan2) return launch<T, T, 2>(out, xs, Atan2F<T>{});
          if (kind == B::Hypot) return launch<T, T, 2>(out, xs, HypotF<T>{});
          if (kind == B::LogAddExp) return launch<T, T, 2>(out, xs, LogAddExpF<T, false>{});
          return launch<T, T, 2>(out, xs, LogAddExpF<T, true>{});
        }
        return;
    }
  });
}

void axpy(Tensor& dst, const Tensor& src, double alpha) {
  XG_GPU_ENTRY(axpy);
  by_dtype(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch<T, T, 2>(dst, {&dst, &src}, AxpyF<T>{static_cast<T>(alpha)});
  });
}

void unary(kernel::Unary kind, Tensor& out, const Tensor& x) {
  XG_GPU_ENTRY(unary);
  using U = kernel::Unary;
  const std::array<const Tensor*, 1> xs{&x};
  if (x.dtype() == kInt64) {  // the entry point has refused the others
    using T = std::int64_t;
    if (kind == U::Neg) return launch<T, T, 1>(out, xs, NegF<T>{});
    if (kind == U::Abs) return launch<T, T, 1>(out, xs, AbsF<T>{});
    return launch<T, T, 1>(out, xs, SignF<T>{});
  }
  detail::dispatch_float(x.dtype(), call_or("tensor"), [&](auto tag) {
    using T = decltype(tag);
    switch (kind) {
      case U::Neg: return launch<T, T, 1>(out, xs, NegF<T>{});
      case U::Exp: return launch<T, T, 1>(out, xs, ExpF<T>{});
      case U::Log: return launch<T, T, 1>(out, xs, LogF<T>{});
      case U::Sqrt: return launch<T, T, 1>(out, xs, SqrtF<T>{});
      case U::Abs: return launch<T, T, 1>(out, xs, AbsF<T>{});
      case U::Sin: return launch<T, T, 1>(out, xs, SinF<T>{});
      case U::Cos: return launch<T, T, 1>(out, xs, CosF<T>{});
      case U::Tanh: return launch<T, T, 1>(out, xs, TanhF<T>{});
      case U::Sigmoid: return launch<T, T, 1>(out, xs, SigmoidF<T>{});
      case U::Relu: return launch<T, T, 1>(out, xs, ReluF<T>{});
      case U::Sign: return launch<T, T, 1>(out, xs, SignF<T>{});
      case U::Softplus: return launch<T, T, 1>(out, xs, SoftplusF<T>{});
      case U::Log1p: return launch<T, T, 1>(out, xs, Log1pF<T>{});
      case U::Expm1: return launch<T, T, 1>(out, xs, Expm1F<T>{});
      case U::Erf: return launch<T, T, 1>(out, xs, ErfF<T>{});
      case U::PowerOfTwoScale: return launch<T, T, 1>(out, xs, PowerOfTwoScaleF<T>{});
      case U::Floor: return launch<T, T, 1>(out, xs, FloorF<T>{});
      case U::Ceil: return launch<T, T, 1>(out, xs, CeilF<T>{});
      case U::Round: return launch<T, T, 1>(out, xs, RoundF<T>{});
      case U::Trunc: return launch<T, T, 1>(out, xs, TruncF<T>{});
      case U::Tan: return launch<T, T, 1>(out, xs, TanF<T>{});
      case U::Asin: return launch<T, T, 1>(out, xs, AsinF<T>{});
      case U::Acos: return launch<T, T, 1>(out, xs, AcosF<T>{});
      case U::Atan: return launch<T, T, 1>(out, xs, AtanF<T>{});
      case U::Sinh: return launch<T, T, 1>(out, xs, SinhF<T>{});
      case U::Cosh: return launch<T, T, 1>(out, xs, CoshF<T>{});
      case U::Asinh: return launch<T, T, 1>(out, xs, AsinhF<T>{});
      case U::Acosh: return launch<T, T, 1>(out, xs, AcoshF<T>{});
      case U::Atanh: return launch<T, T, 1>(out, xs, AtanhF<T>{});
      case U::Log2: return launch<T, T, 1>(out, xs, Log2F<T>{});
      case U::Log10: return launch<T, T, 1>(out, xs, Log10F<T>{});
      case U::Exp2: return launch<T, T, 1>(out, xs, Exp2F<T>{});
      case U::Lgamma: return launch<T, T, 1>(out, xs, LgammaF<T>{});
      case U::Digamma: return launch<T, T, 1>(out, xs, DigammaF<T>{});
      case U::Erfc: return launch<T, T, 1>(out, xs, ErfcF<T>{});
      case U::Erfinv: return launch<T, T, 1>(out, xs, ErfinvF<T>{});
      case U::Signbit: return launch<T, T, 1>(out, xs, SignbitF<T>{});
    }
  });
}

void pow_scalar(Tensor& out, const Tensor& x, double c) {
  XG_GPU_ENTRY(pow_scalar);
  detail::dispatch_float(x.dtype(), "pow", [&](auto tag) {
    using T = decltype(tag);
    if (c == 2.0) return launch<T, T, 1>(out, {&x}, SquareF<T>{});
    if (c == 1.0) return launch<T, T, 1>(out, {&x}, IdentityF<T>{});
    launch<T, T, 1>(out, {&x}, PowByF<T>{static_cast<T>(c)});
  });
}

void polygamma(Tensor& out, const Tensor& x, int n) {
  XG_GPU_ENTRY(polygamma);
  detail::dispatch_float(x.dtype(), "polygamma", [&](auto tag) {
    using T = decltype(tag);
    launch<T, T, 1>(out, {&x}, PolygammaF<T>{n});
  });
}

void leaky_relu(Tensor& out, const Tensor& x, double slope) {
  XG_GPU_ENTRY(leaky_relu);
  detail::dispatch_float(x.dtype(), "leaky_relu", [&](auto tag) {
    using T = decltype(tag);
    launch<T, T, 1>(out, {&x}, LeakyF<T>{static_cast<T>(slope)});
  });
}

void gelu(Tensor& out, const Tensor& x, bool tanh_form) {
  XG_GPU_ENTRY(gelu);
  detail::dispatch_float(x.dtype(), "gelu", [&](auto tag) {
    using T = decltype(tag);
    launch<T, T, 1>(out, {&x}, GeluF<T>{tanh_form});
  });
}

void gelu_backward(Tensor& out, const Tensor& x, const Tensor& gy, bool tanh_form) {
  XG_GPU_ENTRY(gelu_backward);
  detail::dispatch_float(x.dtype(), "gelu", [&](auto tag) {
    using T = decltype(tag);
    launch<T, T, 2>(out, {&x, &gy}, GeluGradF<T>{tanh_form});
  });
}

void clamp(Tensor& out, const Tensor& x, double lo, double hi) {
  XG_GPU_ENTRY(clamp);
  by_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch<T, T, 1>(out, {&x}, ClampF<T>{detail::bound_as<T>(lo, false), detail::bound_as<T>(hi, true)});
  });
}

void in_range_mask(Tensor& out, const Tensor& x, double lo, double hi) {
  XG_GPU_ENTRY(in_range_mask);
  by_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch<T, T, 1>(out, {&x}, InRangeF<T>{lo, hi});
  });
}

void where(Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  XG_GPU_ENTRY(where);
  by_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch<T, T, 3>(out, {&cond, &a, &b}, WhereF<T>{});
  });
}

namespace {
template <class T>
__global__ void iota_kernel(T* out, std::int64_t n, double start, double step) {
  XG_GRID_LOOP(i, n) out[i] = static_cast<T>(start + static_cast<double>(i) * step);  // arange's CPU formula
}
}  // namespace

void iota(Tensor& out, double start, double step) {
  XG_GPU_ENTRY(iota);
  const char* op = call_or("arange");
  const cudaStream_t s = on(out, op);
  by_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    iota_kernel<T><<<grid_for(out.numel(), kThreads), kThreads, 0, s>>>(dptr<T>(out), out.numel(), start, step);
  });
  launched(op);
}

void cast(Tensor& out, const Tensor& x) {
  XG_GPU_ENTRY(cast);
  by_dtype(x.dtype(), [&](auto from) {
    by_dtype(out.dtype(), [&](auto to) {
      using S = decltype(from);
      using D = decltype(to);
      launch<D, S, 1>(out, {&x}, CastF<D>{});
    });
  });
}

void strided_copy(Tensor& out, const Tensor& x, const Shape& strides) {
  XG_GPU_ENTRY(strided_copy);
  by_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch<T, T, 1>(out, {&x}, IdentityF<T>{}, &strides);
  });
}

}  // namespace xg::detail::gpu
