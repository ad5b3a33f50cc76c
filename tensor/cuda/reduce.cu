// CUDA reductions, arg-reductions and the softmax family, with the CPU's formulas
// (tensor/reduce.cpp). Deterministic by construction: no floating-point atomics; a block per
// output folds its elements in a fixed pattern (thread t takes elements t, t + T, ...; then a
// fixed tree), so the same input gives the same bits on every run. Sums of float32
// accumulate in double, as on the CPU; their order differs from the CPU's, so results agree
// to rounding (the tests' 1e-10 for reductions).
#include <cuda_runtime.h>

#include <cstdint>
#include <limits>
#include <type_traits>

#include "tensor/checked.h"
#include "tensor/cuda/check.h"
#include "tensor/cuda/entry_count.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/launch.h"
#include "tensor/pointwise_rules.h"
#include "tensor/cuda/runtime.h"
#include "tensor/strided.h"
#include "tensor/tensor_impl.h"

namespace xg::detail::gpu {

namespace {

constexpr int kDims = static_cast<int>(detail::kMaxDims);
constexpr int kMaxThreads = 256;

template <class T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;

// An index space split in two: the kept axes (one block per output) and the reduced axes
// (folded by the block's threads), each with its element strides into the input.
struct Split {
  int nk = 0, nr = 0;
  std::int64_t kdims[kDims], kst[kDims], rdims[kDims], rst[kDims];
  std::int64_t outputs = 1, reduced = 1;
};

__device__ std::int64_t offset(std::int64_t i, int nd, const std::int64_t* dims, const std::int64_t* st) {
  std::int64_t off = 0;
  for (int d = nd - 1; d >= 0; --d) {
    off += (i % dims[d]) * st[d];
    i /= dims[d];
  }
  return off;
}

Split split(const Shape& shape, const std::vector<bool>& reduced) {
  Split s;
  const Shape st = contiguous_strides(shape);
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (reduced[i]) {
      s.rdims[s.nr] = shape[i];
      s.rst[s.nr++] = st[i];
      s.reduced *= shape[i];
    } else {
      s.kdims[s.nk] = shape[i];
      s.kst[s.nk++] = st[i];
      s.outputs *= shape[i];
    }
  }
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 0) s.outputs = s.reduced = 0;  // nothing to read (an empty sum is handled by the caller)
  return s;
}

int threads_for(std::int64_t n) {  // a power of two from 32 to 256, from the size alone
  int t = 32;
  while (t < kMaxThreads && t < n) t *= 2;
  return t;
}

unsigned blocks_for(std::int64_t n) { return static_cast<unsigned>(std::min<std::int64_t>(std::max<std::int64_t>(n, 1), 1 << 20)); }

template <int Kind, class A>
__device__ A combine(A a, A v) {
  if constexpr (Kind == 0) {  // sum; int64 wraps (tensor/pointwise_rules.h), as on the CPU
    return add_wrapping(a, v);
  } else if constexpr (Kind == 3) {  // prod, the same
    return mul_wrapping(a, v);
  } else {
    if constexpr (std::is_floating_point_v<A>)
      if (isnan(v)) return v;  // NaN propagates, as numpy
    if constexpr (std::is_floating_point_v<A>)
      if (isnan(a)) return a;
    return Kind == 1 ? (v > a ? v : a) : (v < a ? v : a);
  }
}

template <int Kind, class T>
__global__ void reduce_kernel(T* out, const T* x, Split s, Acc<T> init) {
  using A = Acc<T>;
  extern __shared__ unsigned char shared_raw[];
  A* part = reinterpret_cast<A*>(shared_raw);
  for (std::int64_t o = blockIdx.x; o < s.outputs; o += gridDim.x) {
    const T* base = x + offset(o, s.nk, s.kdims, s.kst);
    A acc = init;
    for (std::int64_t r = threadIdx.x; r < s.reduced; r += blockDim.x)
      acc = combine<Kind>(acc, static_cast<A>(base[offset(r, s.nr, s.rdims, s.rst)]));
    part[threadIdx.x] = acc;
    __syncthreads();
    for (unsigned h = blockDim.x / 2; h > 0; h /= 2) {
      if (threadIdx.x < h) part[threadIdx.x] = combine<Kind>(part[threadIdx.x], part[threadIdx.x + h]);
      __syncthreads();
    }
    if (threadIdx.x == 0) out[o] = static_cast<T>(part[0]);
    __syncthreads();
  }
}

// The first extreme wins ties, and the first NaN wins everything (the CPU's rule), whatever
// order the partial results meet in: ties and NaNs compare by index.
template <bool IsMax>
__device__ void better(double& v, std::int64_t& i, double w, std::int64_t j) {
  const bool vn = isnan(v), wn = isnan(w);
  bool take;
  if (vn || wn) take = wn && (!vn || j < i);
  else if (w == v) take = j < i;
  else take = IsMax ? w > v : w < v;
  if (take) {
    v = w;
    i = j;
  }
}

template <bool IsMax, class T>
__global__ void arg_kernel(std::int64_t* out, const T* x, Split s) {
  __shared__ double pv[kMaxThreads];
  __shared__ std::int64_t pi[kMaxThreads];
  for (std::int64_t o = blockIdx.x; o < s.outputs; o += gridDim.x) {
    const T* base = x + offset(o, s.nk, s.kdims, s.kst);
    double v = 0;
    std::int64_t i = -1;
    for (std::int64_t r = threadIdx.x; r < s.reduced; r += blockDim.x) {
      const double w = static_cast<double>(base[offset(r, s.nr, s.rdims, s.rst)]);
      if (i < 0) v = w, i = r;
      else better<IsMax>(v, i, w, r);
    }
    pv[threadIdx.x] = v;
    pi[threadIdx.x] = i;
    __syncthreads();
    for (unsigned h = blockDim.x / 2; h > 0; h /= 2) {
      if (threadIdx.x < h && pi[threadIdx.x + h] >= 0) {
        if (pi[threadIdx.x] < 0) pv[threadIdx.x] = pv[threadIdx.x + h], pi[threadIdx.x] = pi[threadIdx.x + h];
        else better<IsMax>(pv[threadIdx.x], pi[threadIdx.x], pv[threadIdx.x + h], pi[threadIdx.x + h]);
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) out[o] = pi[0];
    __syncthreads();
  }
}

template <class T>
__device__ T d_exp(T x) { if constexpr (std::is_same_v<T, float>) return expf(x); else return exp(x); }

// One line of n elements `stride` apart: its max and log(sum(exp(line - max))), in double.
template <class T>
__device__ void shifted_logsumexp(const T* p, std::int64_t n, std::int64_t stride, double& m, double& ls) {
  m = -INFINITY;
  for (std::int64_t k = 0; k < n; ++k) {
    const double v = static_cast<double>(p[k * stride]);
    m = m < v ? v : m;
  }
  ls = 0;
  if (!isfinite(m)) return;
  double s = 0;
  for (std::int64_t k = 0; k < n; ++k) s += exp(static_cast<double>(p[k * stride]) - m);
  ls = log(s);
}

// Lines along an axis: outer x n x inner, line l = (o, i) starting at o * n * inner + i.
template <int Kind, class T>  // 0 softmax, 1 log_softmax, 2 logsumexp (one value per line)
__global__ void line_kernel(T* y, const T* x, std::int64_t lines, std::int64_t n, std::int64_t inner) {
  XG_GRID_LOOP(l, lines) {
    const std::int64_t base = (l / inner) * n * inner + l % inner;
    const T* p = x + base;
    if constexpr (Kind == 0) {
      T* q = y + base;
      T m = -INFINITY;
      for (std::int64_t k = 0; k < n; ++k) m = m < p[k * inner] ? p[k * inner] : m;
      double s = 0;
      for (std::int64_t k = 0; k < n; ++k) {
        q[k * inner] = d_exp<T>(p[k * inner] - m);
        s += q[k * inner];
      }
      const T inv = static_cast<T>(1.0 / s);
      for (std::int64_t k = 0; k < n; ++k) q[k * inner] *= inv;
    } else {
      double m, ls;
      shifted_logsumexp(p, n, inner, m, ls);
      if constexpr (Kind == 1) {
        for (std::int64_t k = 0; k < n; ++k) y[base + k * inner] = static_cast<T>(static_cast<double>(p[k * inner]) - m - ls);
      } else {
        y[l] = static_cast<T>(m + ls);
      }
    }
  }
}

// Per row of (N, C) scores: logsumexp - the label's score, in double.
template <class T>
__global__ void row_losses(double* loss, const T* x, const std::int64_t* labels, std::int64_t n, std::int64_t c) {
  XG_GRID_LOOP(r, n) {
    double m, ls;
    shifted_logsumexp(x + r * c, c, 1, m, ls);
    const std::int64_t t = labels[r];  // a bad label (reported at the next wait) reads nothing
    loss[r] = t >= 0 && t < c ? m + ls - static_cast<double>(x[r * c + t]) : NAN;
  }
}

// The mean of the row losses, one block, a fixed order: deterministic.
template <class T>
__global__ void mean_of(T* out, const double* v, std::int64_t n) {
  __shared__ double part[kMaxThreads];
  double s = 0;
  for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) s += v[i];
  part[threadIdx.x] = s;
  __syncthreads();
  for (unsigned h = blockDim.x / 2; h > 0; h /= 2) {
    if (threadIdx.x < h) part[threadIdx.x] += part[threadIdx.x + h];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[0] = static_cast<T>(part[0] / static_cast<double>(n));
}

// (p - onehot) * (gy / count) per element, the CPU's two steps in T: p * s, then - s.
template <class T>
__global__ void cross_entropy_grad(T* g, const T* p, const std::int64_t* labels, std::int64_t c, std::int64_t total,
                                   const T* gy, double gy_value, double count) {
  const T s = static_cast<T>((gy ? static_cast<double>(*gy) : gy_value) / count);
  XG_GRID_LOOP(i, total) {
    T v = p[i] * s;
    if (i % c == labels[i / c]) v -= s;
    g[i] = v;
  }
}

__global__ void first_bad_label(unsigned long long* first, const std::int64_t* labels, std::int64_t n, std::int64_t classes) {
  XG_GRID_LOOP(i, n)
    if (labels[i] < 0 || labels[i] >= classes) atomicMin(first, static_cast<unsigned long long>(i));  // min: order-free
}

// A replayed graph's check: the first failing replay's position and value, kept (in
// kept[0..1]) until a wait reads them and the next replay's refresher resets them.
__global__ void keep_first_bad(unsigned long long* kept, const unsigned long long* now, const std::int64_t* ints) {
  if (kept[0] == ~0ull && *now != ~0ull) {
    kept[0] = *now;
    kept[1] = static_cast<unsigned long long>(ints[*now]);
  }
}

template <class T>
__global__ void any_not_finite(int* flag, const T* x, std::int64_t n) {
  XG_GRID_LOOP(i, n)
    if (!isfinite(static_cast<double>(x[i]))) *flag = 1;  // every writer writes 1: no race on the value
}

}  // namespace

void reduce(kernel::Reduce kind, Tensor& out, const Tensor& x, const std::vector<bool>& reduced) {
  XG_GPU_ENTRY(reduce);
  const char* op = call_or(kind == kernel::Reduce::Sum   ? "sum"
                           : kind == kernel::Reduce::Max ? "max"
                           : kind == kernel::Reduce::Min ? "min"
                                                         : "prod");
  const Split s = split(x.shape(), reduced);
  if (out.numel() == 0) return;
  const cudaStream_t st = on(x, op);
  detail::dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using A = Acc<T>;
    const int threads = threads_for(s.reduced);
    const std::size_t shared = sizeof(A) * static_cast<std::size_t>(threads);
    if (s.outputs == 0) {  // an empty sum (zeros) or product (ones); max and min of nothing were refused
      if (kind == kernel::Reduce::Prod) iota(out, 1.0, 0.0);
      else check(cudaMemsetAsync(dptr<T>(out), 0, static_cast<std::size_t>(out.numel()) * sizeof(T), st), op);
      return;
    }
    if (kind == kernel::Reduce::Sum) {
      reduce_kernel<0, T><<<blocks_for(s.outputs), threads, shared, st>>>(dptr<T>(out), dptr<T>(x), s, A(0));
    } else if (kind == kernel::Reduce::Prod) {
      reduce_kernel<3, T><<<blocks_for(s.outputs), threads, shared, st>>>(dptr<T>(out), dptr<T>(x), s, A(1));
    } else if (kind == kernel::Reduce::Max) {
      const A init = std::is_floating_point_v<T> ? -std::numeric_limits<A>::infinity() : std::numeric_limits<A>::lowest();
      reduce_kernel<1, T><<<blocks_for(s.outputs), threads, shared, st>>>(dptr<T>(out), dptr<T>(x), s, init);
    } else {
      const A init = std::is_floating_point_v<T> ? std::numeric_limits<A>::infinity() : std::numeric_limits<A>::max();
      reduce_kernel<2, T><<<blocks_for(s.outputs), threads, shared, st>>>(dptr<T>(out), dptr<T>(x), s, init);
    }
    launched(op);
  });
}

void arg_reduce(bool is_max, Tensor& out, const Tensor& x, const std::vector<bool>& reduced) {
  XG_GPU_ENTRY(arg_reduce);
  const char* op = call_or(is_max ? "argmax" : "argmin");
  const Split s = split(x.shape(), reduced);
  const cudaStream_t st = on(x, op);
  detail::dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const int threads = threads_for(s.reduced);
    if (is_max) arg_kernel<true, T><<<blocks_for(s.outputs), threads, 0, st>>>(dptr<std::int64_t>(out), dptr<T>(x), s);
    else arg_kernel<false, T><<<blocks_for(s.outputs), threads, 0, st>>>(dptr<std::int64_t>(out), dptr<T>(x), s);
    launched(op);
  });
}

void along_lines(int kind, Tensor& y, const Tensor& x, std::int64_t axis) {
  XG_GPU_ENTRY(along_lines);
  const char* op = call_or(kind == 0 ? "softmax" : kind == 1 ? "log_softmax" : "logsumexp");
  std::int64_t outer = 1, n = 1, inner = 1;
  for (std::int64_t i = 0; i < x.dim(); ++i) (i < axis ? outer : i == axis ? n : inner) *= x.shape()[static_cast<std::size_t>(i)];
  const std::int64_t lines = outer * inner;
  if (lines == 0 || x.numel() == 0) return;
  const cudaStream_t st = on(x, op);
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const unsigned grid = grid_for(lines, 128);
    if (kind == 0) line_kernel<0, T><<<grid, 128, 0, st>>>(dptr<T>(y), dptr<T>(x), lines, n, inner);
    else if (kind == 1) line_kernel<1, T><<<grid, 128, 0, st>>>(dptr<T>(y), dptr<T>(x), lines, n, inner);
    else line_kernel<2, T><<<grid, 128, 0, st>>>(dptr<T>(y), dptr<T>(x), lines, n, inner);
    launched(op);
  });
}

void cross_entropy_loss(Tensor& loss, const Tensor& x, const Tensor& labels) {
  XG_GPU_ENTRY(cross_entropy_loss);
  const char* op = call_or("softmax_cross_entropy");
  const std::int64_t n = x.shape()[0], c = x.shape()[1];
  Tensor rows = make_tensor({n}, kFloat64, x.device());
  const cudaStream_t st = on(x, op);
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    if (n > 0) row_losses<T><<<grid_for(n, 128), 128, 0, st>>>(dptr<double>(rows), dptr<T>(x), dptr<std::int64_t>(labels), n, c);
    mean_of<T><<<1, kMaxThreads, 0, st>>>(dptr<T>(loss), dptr<double>(rows), n);
    launched(op);
  });
}

void cross_entropy_backward(Tensor& g, const Tensor& probs, const Tensor& labels, const Tensor& gy, double count) {
  XG_GPU_ENTRY(cross_entropy_backward);
  const char* op = call_or("softmax_cross_entropy");
  const std::int64_t total = probs.numel(), c = probs.shape()[1];
  if (total == 0) return;
  const cudaStream_t st = on(probs, op);
  detail::dispatch_float(probs.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    // The gradient of the loss is read by the kernel where it lives (no wait), or by value
    // when it is a CPU scalar.
    const bool on_host = gy.device().is_cpu();
    const T* pg = on_host ? nullptr : dptr<T>(gy);
    const double value = on_host ? gy.item() : 0.0;
    cross_entropy_grad<T><<<grid_for(total, kMaxThreads), kMaxThreads, 0, st>>>(
        dptr<T>(g), dptr<T>(probs), dptr<std::int64_t>(labels), c, total, pg, value, count);
    launched(op);
  });
}

void mark_first_out_of_range(void* slot, const Tensor& ints, std::int64_t size, const char* op) {
  XG_GPU_ENTRY(mark_first_out_of_range);
  const std::int64_t n = ints.numel();
  const cudaStream_t st = on(ints, op);
  auto* w = static_cast<unsigned long long*>(slot);
  check(cudaMemsetAsync(w, 0xff, sizeof(unsigned long long), st), op);  // "none": the largest value
  if (n == 0) return;
  first_bad_label<<<grid_for(n, kMaxThreads), kMaxThreads, 0, st>>>(w, dptr<std::int64_t>(ints), n, size);
  launched(op);
}

void keep_first_out_of_range(void* kept, const void* slot, const Tensor& ints, const char* op) {
  XG_GPU_ENTRY(keep_first_out_of_range);
  const cudaStream_t st = on(ints, op);
  keep_first_bad<<<1, 1, 0, st>>>(static_cast<unsigned long long*>(kept), static_cast<const unsigned long long*>(slot),
                                  dptr<std::int64_t>(ints));
  launched(op);
}

bool all_finite(const Tensor& x) {
  XG_GPU_ENTRY(all_finite);
  const char* op = call_or("all_finite");
  if (x.dtype() == kInt64 || x.numel() == 0) return true;
  const cudaStream_t st = on(x, op);
  Tensor word = make_tensor({1}, kInt64, x.device());
  int* flag = reinterpret_cast<int*>(dptr<std::int64_t>(word));
  check(cudaMemsetAsync(flag, 0, sizeof(int), st), op);
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    any_not_finite<T><<<grid_for(x.numel(), kMaxThreads), kMaxThreads, 0, st>>>(flag, dptr<T>(x), x.numel());
  });
  launched(op);
  int found = 0;
  copy(&found, Device(kCPU), flag, x.device(), sizeof found, "all_finite");  // anomaly mode waits per op, as PyTorch's
  return found == 0;
}

}  // namespace xg::detail::gpu
