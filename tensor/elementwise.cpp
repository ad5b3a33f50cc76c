// Elementwise kernels of two operands (binary operations, in place or not, where), fills,
// casts and copies. Binary operations run through the shared broadcast loop (its inner runs
// are contiguous or scalar, which GCC vectorises); each kind's per-element rule is in
// tensor/binary_rules.h. One-operand kernels: tensor/unary.cpp.
#include <xgrad/detail/format.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "tensor/cast_rules.h"
#include "tensor/checked.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/runtime.h"
#include "tensor/binary_rules.h"
#include "tensor/kernels.h"
#include "tensor/pointwise_rules.h"
#include "tensor/parallel.h"
#include "tensor/int_divide.h"
#include "tensor/simd_binary.h"
#include "tensor/strided.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace detail {

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const std::int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      fail(op, ": shapes ", shape_str(a), " and ", shape_str(b), " cannot be broadcast together (axis ",
           static_cast<std::int64_t>(i) - static_cast<std::int64_t>(n), ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape broadcast_strides(const Shape& in, const Shape& out) {
  Shape s(out.size(), 0);
  const auto cs = contiguous_strides(in);
  const std::size_t lead = out.size() - in.size();
  for (std::size_t i = 0; i < in.size(); ++i) s[lead + i] = in[i] == 1 ? 0 : cs[i];
  return s;
}

}  // namespace detail

namespace kernel {

using detail::broadcast_strides;
using detail::contiguous_strides;
using detail::dispatch;
using detail::for_each_run;
using detail::make_tensor;

namespace {

using namespace binary_rules;

// out = f(a, b) over out's shape; a and b are read through broadcast strides.
template <class T, class F>
void run_binary(T* o, const Shape& shape, const T* a, const Shape& sa, const T* b, const Shape& sb, F f) {
  for_each_run<3>(shape, {contiguous_strides(shape), sa, sb}, [&](auto off, std::int64_t n, auto in) {
    T* po = o + off[0];
    const T* pa = a + off[1];
    const T* pb = b + off[2];
    if (in[1] == 1 && in[2] == 1) {
      for (std::int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
    } else if (in[1] == 1 && in[2] == 0) {
      const T bv = *pb;
      for (std::int64_t i = 0; i < n; ++i) po[i] = f(pa[i], bv);
    } else if (in[1] == 0 && in[2] == 1) {
      const T av = *pa;
      for (std::int64_t i = 0; i < n; ++i) po[i] = f(av, pb[i]);
    } else {
      for (std::int64_t i = 0; i < n; ++i) po[i] = f(pa[i * in[1]], pb[i * in[2]]);
    }
  });
}

// x itself when it has `dtype`, else its conversion, kept in `holder`: no handle copy (two
// atomic reference-count updates) for the usual operand that needs none.
const Tensor& as_dtype(const Tensor& x, Dtype dtype, Tensor& holder) {
  if (x.dtype() == dtype) return x;
  holder = cast(x, dtype);
  return holder;
}

// The device rule for dst (op)= src: src may be a CPU scalar beside a GPU dst, never the
// other way round (the result is written where dst lives). True when dst is on a GPU.
bool in_place_on_gpu(const Tensor& dst, const Tensor& src, const char* op) {
  const Device device = detail::compute_device({{"self", dst}, {"other", src}}, op);
  if (device != dst.device())
    fail(detail::call_or(op), ": expected all tensors on one device, got ", dst.device().str(), " (self) and ",
         device.str(), " (other); move one with .to(...)");
  return !device.is_cpu();
}

}  // namespace

Tensor binary(Binary kind, const Tensor& a, const Tensor& b, const char* op) {
  const Device device = detail::compute_device({{"a", a}, {"b", b}}, op);
  Dtype dt = promote(a.dtype(), b.dtype());
  if (kind == Binary::Div && dt == kInt64) dt = kFloat32;  // as PyTorch's true division
  if (dt == kInt64 && float_only_kind(kind))
    fail(op, ": expected float tensors, got int64");
  if (dt != kInt64 && int_only_kind(kind))
    fail(op, ": expected int64 tensors, got ", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  Tensor converted[2];
  const Tensor &ca = as_dtype(a, dt, converted[0]), &cb = as_dtype(b, dt, converted[1]);
  if (!device.is_cpu()) {
    Tensor out = make_tensor(a.shape() == b.shape() ? a.shape() : detail::broadcast_shapes(a.shape(), b.shape(), op), dt, device);
    detail::gpu::binary(kind, out, ca, cb);
    return out;
  }
  // The common cases need no broadcast machinery: equal shapes, or a one-element operand
  // with no more axes than the other (the result then has the other's shape).
  const bool same = a.shape() == b.shape();
  const bool b_scalar = !same && b.numel() == 1 && a.dim() >= b.dim();
  const bool a_scalar = !same && !b_scalar && a.numel() == 1 && b.dim() >= a.dim();
  if (same || b_scalar || a_scalar) {
    Tensor out = make_tensor(a_scalar ? b.shape() : a.shape(), dt);
    dispatch(dt, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_floating_point_v<T>) {
        if (simd_kind<T>(kind)) {
          T* po = out.data<T>();
          const T* pa = ca.data<T>();
          const T* pb = cb.data<T>();
          const std::int64_t sa = a_scalar ? 0 : 1, sb = b_scalar ? 0 : 1;
          detail::parallel_elements(out.numel(), binary_cost(kind), [&](std::int64_t i0, std::int64_t i1) {
            simd_run(kind, po + i0, pa + i0 * sa, sa, pb + i0 * sb, sb, i1 - i0);
          });
          return;
        }
      }
      if constexpr (std::is_same_v<T, std::int64_t>) {  // x // 7, idx % width: no divide instruction
        if (b_scalar && detail::divide_by_one_int64(kind, ca.data<T>(), *cb.data<T>(), out.data<T>(), out.numel())) return;
      }
      with_binary_op<T>(kind, [&](auto f) {
        T* po = out.data<T>();
        const T* pa = ca.data<T>();
        const T* pb = cb.data<T>();
        detail::parallel_elements(out.numel(), binary_cost(kind), [&](std::int64_t i0, std::int64_t i1) {
          if (same) {
            for (std::int64_t i = i0; i < i1; ++i) po[i] = f(pa[i], pb[i]);
          } else if (b_scalar) {
            const T bv = *pb;
            for (std::int64_t i = i0; i < i1; ++i) po[i] = f(pa[i], bv);
          } else {
            const T av = *pa;
            for (std::int64_t i = i0; i < i1; ++i) po[i] = f(av, pb[i]);
          }
        });
      });
    });
    return out;
  }
  const Shape shape = detail::broadcast_shapes(a.shape(), b.shape(), op);
  Tensor out = make_tensor(shape, dt);
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      if (simd_kind<T>(kind)) {  // the same batch arithmetic as above, run by run
        T* po = out.data<T>();
        const T* pa = ca.data<T>();
        const T* pb = cb.data<T>();
        for_each_run<3>(shape, {contiguous_strides(shape), broadcast_strides(a.shape(), shape),
                                broadcast_strides(b.shape(), shape)},
                        [&](auto off, std::int64_t n, auto in) {
                          simd_run(kind, po + off[0], pa + off[1], in[1], pb + off[2], in[2], n);
                        });
        return;
      }
    }
    with_binary_op<T>(kind, [&](auto f) {
      run_binary<T>(out.data<T>(), shape, ca.data<T>(), broadcast_strides(a.shape(), shape), cb.data<T>(),
                    broadcast_strides(b.shape(), shape), f);
    });
  });
  return out;
}

void binary_inplace(Binary kind, Tensor& dst, const Tensor& src, const char* op) {
  const Shape& shape = dst.shape();  // the result's shape, which must be dst's
  if (src.shape() != shape) {
    const Shape result = detail::broadcast_shapes(shape, src.shape(), op);
    if (result != shape)
      fail(op, ": cannot write a result of shape ", detail::shape_str(result), " into a tensor of shape ",
           detail::shape_str(shape));
  }
  if (dst.dtype() == kInt64 && float_only_kind(kind))
    fail(op, ": expected float tensors, got int64");
  Tensor converted;
  const Tensor& cs = as_dtype(src, dst.dtype(), converted);
  if (in_place_on_gpu(dst, src, op)) {
    detail::gpu::binary(kind, dst, dst, cs);  // each element read, then written, by one thread
    ++dst.impl()->storage->version;
    return;
  }
  dispatch(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    with_binary_op<T>(kind, [&](auto f) {
      T* d = dst.data<T>();
      const T* ps = cs.data<T>();
      if (src.shape() == shape) {  // the optimizers' updates: one contiguous run, split over threads
        detail::parallel_elements(dst.numel(), binary_cost(kind), [&](std::int64_t i0, std::int64_t i1) {
          for (std::int64_t i = i0; i < i1; ++i) d[i] = f(d[i], ps[i]);
        });
        return;
      }
      run_binary<T>(d, shape, d, contiguous_strides(shape), ps, broadcast_strides(src.shape(), shape), f);
    });
  });
  ++dst.impl()->storage->version;
}

void axpy_inplace(Tensor& dst, const Tensor& src, double alpha, const char* op) {
  if (src.shape() != dst.shape() || src.dtype() != dst.dtype()) {
    // Broadcasting or converting: binary_inplace checks the shapes and names `op`.
    binary_inplace(Binary::Add, dst, alpha == 1.0 ? src : binary(Binary::Mul, src, scalar_tensor(alpha, src.dtype()), op), op);
    return;
  }
  if (in_place_on_gpu(dst, src, op)) {
    detail::gpu::axpy(dst, src, alpha);
    ++dst.impl()->storage->version;
    return;
  }
  dispatch(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* d = dst.data<T>();
    const T* x = src.data<T>();
    const T a = static_cast<T>(alpha);
    detail::parallel_elements(dst.numel(), 1, [&](std::int64_t i0, std::int64_t i1) {
      for (std::int64_t i = i0; i < i1; ++i) d[i] += a * x[i];
    });
  });
  ++dst.impl()->storage->version;
}

void fill_inplace(Tensor& t, double value) {
  if (!t.device().is_cpu()) {  // a broadcast of the value, passed by value: no host buffer, no wait
    detail::gpu::cast(t, scalar_tensor(value, t.dtype()));
    return;
  }
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    const T v = static_cast<T>(value);
    detail::parallel_elements(t.numel(), 1, [&](std::int64_t i0, std::int64_t i1) { std::fill(p + i0, p + i1, v); });
  });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  const Dtype dt = promote(a.dtype(), b.dtype());
  const Shape shape = detail::broadcast_shapes(detail::broadcast_shapes(a.shape(), b.shape(), "where"),
                                               cond.shape(), "where");
  const Device device = detail::compute_device({{"condition", cond}, {"input", a}, {"other", b}}, "where");
  Tensor converted[3];
  const Tensor &cc = as_dtype(cond, dt, converted[0]), &ca = as_dtype(a, dt, converted[1]),
               &cb = as_dtype(b, dt, converted[2]);
  Tensor out = make_tensor(shape, dt, device);
  if (!device.is_cpu()) return detail::gpu::where(out, cc, ca, cb), out;
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    const T* pc = cc.data<T>();
    const T* pa = ca.data<T>();
    const T* pb = cb.data<T>();
    T* po = out.data<T>();
    for_each_run<4>(shape,
                    {contiguous_strides(shape), broadcast_strides(cond.shape(), shape),
                     broadcast_strides(a.shape(), shape), broadcast_strides(b.shape(), shape)},
                    [&](auto off, std::int64_t n, auto in) {
                      const T *c = pc + off[1], *x = pa + off[2], *y = pb + off[3];
                      T* o = po + off[0];
                      // A mask's rows beside a scalar (tril, triu, masked_fill): unit strides the
                      // compiler vectorises, where the general loop's multiplies do not.
                      if (in[1] == 1 && in[2] == 1 && in[3] == 0) {
                        const T yv = *y;
                        for (std::int64_t i = 0; i < n; ++i) o[i] = c[i] != T(0) ? x[i] : yv;
                      } else if (in[1] == 1 && in[2] == 0 && in[3] == 1) {
                        const T xv = *x;
                        for (std::int64_t i = 0; i < n; ++i) o[i] = c[i] != T(0) ? xv : y[i];
                      } else {
                        for (std::int64_t i = 0; i < n; ++i) o[i] = c[i * in[1]] != T(0) ? x[i * in[2]] : y[i * in[3]];
                      }
                    });
  });
  return out;
}

Tensor cast(const Tensor& x, Dtype dtype) {
  if (Tensor out = detail::on_gpu_like(x, dtype); out.defined()) return detail::gpu::cast(out, x), out;
  Tensor y = make_tensor(x.shape(), dtype);
  dispatch(x.dtype(), [&](auto from) {
    dispatch(dtype, [&](auto to) {
      using S = decltype(from);
      using D = decltype(to);
      const S* px = x.data<S>();
      D* py = y.data<D>();
      detail::parallel_elements(x.numel(), 1, [&](std::int64_t i0, std::int64_t i1) {
        for (std::int64_t i = i0; i < i1; ++i) py[i] = rule::convert<D>(px[i]);
      });
    });
  });
  return y;
}

Tensor copy(const Tensor& x) {
  if (!x.device().is_cpu()) {  // device to device, in the device's stream order
    Tensor y = make_tensor(x.shape(), x.dtype(), x.device());
    detail::gpu::copy(y.impl()->storage->data, x.device(), x.impl()->storage->data, x.device(),
                      static_cast<std::size_t>(x.numel()) * dtype_size(x.dtype()), detail::call_or("clone"));
    return y;
  }
  Tensor y = make_tensor(x.shape(), x.dtype());
  std::memcpy(y.impl()->storage->data, x.impl()->storage->data,
              static_cast<std::size_t>(x.numel()) * dtype_size(x.dtype()));
  return y;
}

void copy_into(Tensor& dst, const Tensor& src) {
  const std::size_t bytes = static_cast<std::size_t>(dst.numel()) * dtype_size(dst.dtype());
  if (dst.device().is_cpu() && src.device().is_cpu())
    std::memcpy(dst.impl()->storage->data, src.impl()->storage->data, bytes);
  else  // to, from or between GPUs, in the device's stream order
    detail::gpu::copy(dst.impl()->storage->data, dst.device(), src.impl()->storage->data, src.device(), bytes,
                      detail::call_or("copy_"));
}

void copy_range(Tensor& dst, std::int64_t dst_offset, const Tensor& src, std::int64_t src_offset, std::int64_t n,
                const char* op) {
  if (dst.dtype() != src.dtype())
    fail(op, ": copying ", dtype_name(src.dtype()), " elements into a ", dtype_name(dst.dtype()), " tensor");
  const auto fits = [n](std::int64_t offset, std::int64_t numel) { return n >= 0 && offset >= 0 && offset <= numel - n; };
  if (!fits(dst_offset, dst.numel()) || !fits(src_offset, src.numel()))
    fail(op, ": elements [", src_offset, ", ", src_offset + n, ") of ", src.numel(), " into [", dst_offset, ", ",
         dst_offset + n, ") of ", dst.numel(), " fall outside a tensor");
  if (n == 0) return;
  const std::size_t item = dtype_size(dst.dtype()), bytes = static_cast<std::size_t>(n) * item;
  auto* to = static_cast<char*>(dst.impl()->storage->data) + static_cast<std::size_t>(dst_offset) * item;
  const auto* from = static_cast<const char*>(src.impl()->storage->data) + static_cast<std::size_t>(src_offset) * item;
  if (dst.device().is_cpu() && src.device().is_cpu())
    std::memcpy(to, from, bytes);
  else  // to, from or between GPUs, in the device's stream order
    detail::gpu::copy(to, dst.device(), from, src.device(), bytes, op);
}

bool all_finite(const Tensor& x) {
  if (x.dtype() == kInt64) return true;
  if (!x.device().is_cpu()) return detail::gpu::all_finite(x);
  return dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      // A value is inf or NaN exactly when all its exponent bits are set: an OR of integer
      // tests over a block vectorises where a branch per element does not (measured 5x);
      // blocks keep the early exit.
      using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
      constexpr U kExponent = sizeof(T) == 4 ? U(0x7f800000u) : U(0x7ff0000000000000ull);
      const T* p = x.data<T>();
      for (std::int64_t i = 0, n = x.numel(); i < n; i += 4096) {
        const std::int64_t m = std::min<std::int64_t>(4096, n - i);
        U bad = 0;
        for (std::int64_t j = 0; j < m; ++j) {
          U bits;
          std::memcpy(&bits, p + i + j, sizeof bits);
          bad |= U((bits & kExponent) == kExponent);
        }
        if (bad) return false;
      }
    }
    return true;
  });
}

}  // namespace kernel
}  // namespace xg
