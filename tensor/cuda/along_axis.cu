// cumsum, cumprod and sort_indices on a GPU (tensor/along_axis.cpp on the CPU): one thread per line
// (outer, inner) of x seen as (outer, n, inner), walking its n elements in the CPU's order,
// so the results are the CPU's bits. Simple rather than fast for long lines (a thread's sort
// is O(n log n) alone); a segmented CUB sort or scan is the step up if a workload needs it.
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "tensor/cuda/check.h"
#include "tensor/cuda/entry_count.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/launch.h"
#include "tensor/tensor_impl.h"

namespace xg::detail::gpu {

namespace {

constexpr int kThreads = 128;

template <class T>
__device__ T add_wrapping(T a, T b) {  // int64 wraps (through uint64), as on the CPU
  if constexpr (std::is_same_v<T, std::int64_t>)
    return static_cast<std::int64_t>(static_cast<unsigned long long>(a) + static_cast<unsigned long long>(b));
  else return a + b;
}

template <class T>
__device__ T mul_wrapping(T a, T b) {  // int64 wraps, as on the CPU
  if constexpr (std::is_same_v<T, std::int64_t>)
    return static_cast<std::int64_t>(static_cast<unsigned long long>(a) * static_cast<unsigned long long>(b));
  else return a * b;
}

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
