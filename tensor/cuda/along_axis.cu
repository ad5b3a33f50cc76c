// cumsum, cumprod, logcumsumexp, the running extremes' positions and sort_indices on a GPU
// (tensor/along_axis.cpp on the CPU): one thread per line (outer, inner) of x seen as
// (outer, n, inner), walking its n elements in the CPU's order, so the results are the CPU's
// bits (logcumsumexp's up to the device's log1p and exp); searchsorted, one thread per value. Simple rather than fast for long lines (a thread's sort
// is O(n log n) alone); a segmented CUB sort or scan is the step up if a workload needs it.
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "tensor/cuda/check.h"
#include "tensor/cuda/entry_count.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/launch.h"
#include "tensor/pointwise_rules.h"
#include "tensor/tensor_impl.h"

namespace xg::detail::gpu {

namespace {

constexpr int kThreads = 128;

// Running sums (or products) of each line, in the CPU's order.
template <class T, bool kProduct>
__global__ void scan_kernel(T* y, const T* x, std::int64_t outer, std::int64_t n, std::int64_t inner, bool reverse) {
  XG_GRID_LOOP(r, outer * inner) {
    const std::int64_t o = r / inner, i = r % inner;
    const T* xl = x + o * n * inner + i;
    T* yl = y + o * n * inner + i;
    const std::int64_t first = reverse ? n - 1 : 0;
    T acc = xl[first * inner];  // the first element itself, as the CPU copies it (0 + -0.0 would be +0.0)
    yl[first * inner] = acc;
    for (std::int64_t s = 1; s < n; ++s) {
      const std::int64_t k = reverse ? n - 1 - s : s;
      if constexpr (kProduct) acc = mul_wrapping(acc, xl[k * inner]);
      else acc = add_wrapping(acc, xl[k * inner]);
      yl[k * inner] = acc;
    }
  }
}

// The CPU's log_add_exp (tensor/along_axis.cpp), in double.
__device__ double log_add_exp(double a, double b) {
  if (isnan(a) || isnan(b)) return a + b;
  const double hi = a > b ? a : b, lo = a > b ? b : a;
  if (hi == lo && !isfinite(hi)) return hi;
  return hi + log1p(exp(lo - hi));
}

template <class T>
__global__ void logcumsumexp_kernel(T* y, const T* x, std::int64_t outer, std::int64_t n, std::int64_t inner,
                                    bool reverse) {
  XG_GRID_LOOP(r, outer * inner) {
    const std::int64_t o = r / inner, i = r % inner;
    const T* xl = x + o * n * inner + i;
    T* yl = y + o * n * inner + i;
    double acc = -INFINITY;
    for (std::int64_t s = 0; s < n; ++s) {
      const std::int64_t k = reverse ? n - 1 - s : s;
      acc = log_add_exp(acc, static_cast<double>(xl[k * inner]));
      yl[k * inner] = static_cast<T>(acc);
    }
  }
}

// The CPU's logcumsumexp_backward (tensor/along_axis.cpp), one thread per line.
template <class T>
__global__ void logcumsumexp_backward_kernel(T* g, const T* x, const T* y, const T* gy, std::int64_t outer,
                                             std::int64_t n, std::int64_t inner, bool reverse) {
  XG_GRID_LOOP(r, outer * inner) {
    const std::int64_t base = (r / inner) * n * inner + r % inner;
    double t = 0, y_next = 0;
    for (std::int64_t s = 0; s < n; ++s) {
      const std::int64_t k = reverse ? s : n - 1 - s, at = base + k * inner;
      const double yk = static_cast<double>(y[at]);
      const double scale = s == 0 ? 0.0 : exp(yk - y_next);
      t = static_cast<double>(gy[at]) + (scale == 0.0 ? 0.0 : scale * t);
      g[at] = static_cast<T>(exp(static_cast<double>(x[at]) - yk) * t);
      y_next = yk;
    }
  }
}

// The CPU's takes_over: at least as large (small) wins, ties to the later; NaN always wins.
template <class T>
__device__ bool takes_over(T v, T r, bool is_max) {
  if constexpr (std::is_floating_point_v<T>)
    if (isnan(v)) return true;
  return is_max ? v >= r : v <= r;  // false for a NaN r: it stays
}

template <class T>
__global__ void extreme_kernel(std::int64_t* idx, const T* x, std::int64_t outer, std::int64_t n, std::int64_t inner,
                               bool is_max) {
  XG_GRID_LOOP(r, outer * inner) {
    const std::int64_t o = r / inner, i = r % inner;
    const T* xl = x + o * n * inner + i;
    std::int64_t* il = idx + o * n * inner + i;
    std::int64_t at = 0;
    T best = xl[0];
    for (std::int64_t k = 0; k < n; ++k) {
      const T v = xl[k * inner];
      if (takes_over(v, best, is_max)) at = k, best = v;
      il[k * inner] = at;
    }
  }
}

template <class T>
__global__ void searchsorted_kernel(std::int64_t* out, const T* sorted, const T* values, std::int64_t rows,
                                    std::int64_t m, std::int64_t k, bool right) {
  XG_GRID_LOOP(j, rows * k) {
    const T* row = sorted + (j / k) * m;
    const T v = values[j];
    std::int64_t lo = 0, hi = m;
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (right ? !(row[mid] > v) : !(row[mid] >= v)) lo = mid + 1;
      else hi = mid;
    }
    out[j] = lo;
  }
}

// a before b ascending, NaN above every number (the CPU's rule).
template <class T>
__device__ bool ascending(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (isnan(a)) return false;
    if (isnan(b)) return true;
  }
  return a < b;
}

// A stable bottom-up merge sort of one line's positions in its 2n words of scratch.
template <class T>
__global__ void sort_kernel(std::int64_t* out, std::int64_t* scratch, const T* x, std::int64_t outer, std::int64_t n,
                            std::int64_t inner, bool descending) {
  XG_GRID_LOOP(r, outer * inner) {
    const std::int64_t o = r / inner, i = r % inner;
    const T* line = x + o * n * inner + i;
    std::int64_t* a = scratch + r * 2 * n;
    std::int64_t* b = a + n;
    for (std::int64_t k = 0; k < n; ++k) a[k] = k;
    for (std::int64_t width = 1; width < n; width *= 2) {
      for (std::int64_t lo = 0; lo < n; lo += 2 * width) {
        const std::int64_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
        std::int64_t p = lo, q = mid, w = lo;
        while (p < mid && q < hi) {
          const T vp = line[a[p] * inner], vq = line[a[q] * inner];
          const bool right_first = descending ? ascending(vp, vq) : ascending(vq, vp);
          b[w++] = right_first ? a[q++] : a[p++];  // ties take the left: stable
        }
        while (p < mid) b[w++] = a[p++];
        while (q < hi) b[w++] = a[q++];
      }
      std::int64_t* t = a;
      a = b;
      b = t;
    }
    std::int64_t* ol = out + o * n * inner + i;
    for (std::int64_t k = 0; k < n; ++k) ol[k * inner] = a[k];
  }
}

}  // namespace

void cumsum(Tensor& out, const Tensor& x, std::int64_t outer, std::int64_t n, std::int64_t inner, bool reverse) {
  XG_GPU_ENTRY(cumsum);
  const cudaStream_t s = on(x, "cumsum");
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    scan_kernel<T, false><<<grid_for(outer * inner, kThreads), kThreads, 0, s>>>(dptr<T>(out), dptr<T>(x), outer, n,
                                                                                inner, reverse);
  });
  launched("cumsum");
}

void cumprod(Tensor& out, const Tensor& x, std::int64_t outer, std::int64_t n, std::int64_t inner) {
  XG_GPU_ENTRY(cumprod);
  const cudaStream_t s = on(x, "cumprod");
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    scan_kernel<T, true><<<grid_for(outer * inner, kThreads), kThreads, 0, s>>>(dptr<T>(out), dptr<T>(x), outer, n,
                                                                               inner, false);
  });
  launched("cumprod");
}

void logcumsumexp(Tensor& out, const Tensor& x, std::int64_t outer, std::int64_t n, std::int64_t inner, bool reverse) {
  XG_GPU_ENTRY(logcumsumexp);
  const cudaStream_t s = on(x, "logcumsumexp");
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>)
      logcumsumexp_kernel<T><<<grid_for(outer * inner, kThreads), kThreads, 0, s>>>(dptr<T>(out), dptr<T>(x), outer, n,
                                                                                  inner, reverse);
  });
  launched("logcumsumexp");
}

void logcumsumexp_backward(Tensor& out, const Tensor& x, const Tensor& y, const Tensor& gy, std::int64_t outer,
                           std::int64_t n, std::int64_t inner, bool reverse) {
  XG_GPU_ENTRY(logcumsumexp_backward);
  const cudaStream_t s = on(x, "logcumsumexp");
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>)
      logcumsumexp_backward_kernel<T><<<grid_for(outer * inner, kThreads), kThreads, 0, s>>>(
          dptr<T>(out), dptr<T>(x), dptr<T>(y), dptr<T>(gy), outer, n, inner, reverse);
  });
  launched("logcumsumexp");
}

void running_extreme_indices(Tensor& out, const Tensor& x, std::int64_t outer, std::int64_t n, std::int64_t inner,
                             bool is_max) {
  XG_GPU_ENTRY(running_extreme_indices);
  const char* op = is_max ? "cummax" : "cummin";
  const cudaStream_t s = on(x, op);
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    extreme_kernel<T><<<grid_for(outer * inner, kThreads), kThreads, 0, s>>>(dptr<std::int64_t>(out), dptr<T>(x), outer,
                                                                            n, inner, is_max);
  });
  launched(op);
}

void searchsorted(Tensor& out, const Tensor& sorted, const Tensor& values, std::int64_t rows, std::int64_t m,
                  std::int64_t k, bool right) {
  XG_GPU_ENTRY(searchsorted);
  const cudaStream_t s = on(values, "searchsorted");
  dispatch(values.dtype(), [&](auto tag) {
    using T = decltype(tag);
    searchsorted_kernel<T><<<grid_for(rows * k, kThreads), kThreads, 0, s>>>(
        dptr<std::int64_t>(out), dptr<T>(sorted), dptr<T>(values), rows, m, k, right);
  });
  launched("searchsorted");
}

void sort_indices(Tensor& out, const Tensor& x, std::int64_t outer, std::int64_t n, std::int64_t inner,
                  bool descending) {
  XG_GPU_ENTRY(sort_indices);
  // Two words per element: each line's positions and the merge's other half.
  Tensor scratch = make_tensor({outer * inner, 2 * n}, kInt64, x.device());
  const cudaStream_t s = on(x, "sort");
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    sort_kernel<T><<<grid_for(outer * inner, kThreads), kThreads, 0, s>>>(
        dptr<std::int64_t>(out), dptr<std::int64_t>(scratch), dptr<T>(x), outer, n, inner, descending);
  });
  launched("sort");
}

}  // namespace xg::detail::gpu
