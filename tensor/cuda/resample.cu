// interpolate's resampling on a GPU: one thread per output element sums its taps, computed in
// place from tensor/resample_taps.h (no table to copy to the device); the adjoint is a gather,
// one thread per input element over the outputs that read it (two binary searches), in the
// CPU's scatter order (outputs ascending, then taps), so no atomics and the CPU's sums.
#include <cuda_runtime.h>

#include <cstdint>

#include "tensor/cuda/check.h"
#include "tensor/cuda/entry_count.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/launch.h"
#include "tensor/resample_taps.h"
#include "tensor/tensor_impl.h"

namespace xg::detail::gpu {

namespace {

constexpr int kThreads = 256;

template <class T>
__global__ void resample_kernel(T* y, const T* x, std::int64_t outer, std::int64_t inner, taps::Rule r) {
  const int K = taps::count(r);
  XG_GRID_LOOP(e, outer * r.out * inner) {
    const std::int64_t j = e % inner, o = (e / inner) % r.out, b = e / (inner * r.out);
    T acc = T(0);
    for (int k = 0; k < K; ++k) {
      std::int64_t i;
      double w;
      taps::tap(r, o, k, i, w);
      acc += static_cast<T>(w) * x[(b * r.in + i) * inner + j];
    }
    y[e] = acc;
  }
}

template <class T>
__global__ void adjoint_kernel(T* gx, const T* gy, std::int64_t outer, std::int64_t inner, taps::Rule r) {
  const int K = taps::count(r);
  XG_GRID_LOOP(e, outer * r.in * inner) {
    const std::int64_t j = e % inner, i = (e / inner) % r.in, b = e / (inner * r.in);
    std::int64_t lo, hi;
    taps::outputs_reading(r, i, lo, hi);
    T acc = T(0);
    for (std::int64_t o = lo; o <= hi; ++o)
      for (int k = 0; k < K; ++k) {
        std::int64_t at;
        double w;
        taps::tap(r, o, k, at, w);
        if (at == i) acc += static_cast<T>(w) * gy[(b * r.out + o) * inner + j];
      }
    gx[e] = acc;
  }
}

}  // namespace

void resample(Tensor& y, const Tensor& x, std::int64_t outer, std::int64_t inner, const taps::Rule& rule) {
  XG_GPU_ENTRY(resample);
  launch_float(x, "interpolate", [&](auto tag, cudaStream_t s) {
    using T = decltype(tag);
    resample_kernel<T><<<grid_for(y.numel(), kThreads), kThreads, 0, s>>>(dptr<T>(y), dptr<T>(x), outer, inner, rule);
  });
}

void resample_adjoint(Tensor& gx, const Tensor& gy, std::int64_t outer, std::int64_t inner, const taps::Rule& rule) {
  XG_GPU_ENTRY(resample_adjoint);
  launch_float(gy, "interpolate backward", [&](auto tag, cudaStream_t s) {
    using T = decltype(tag);
    adjoint_kernel<T><<<grid_for(gx.numel(), kThreads), kThreads, 0, s>>>(dptr<T>(gx), dptr<T>(gy), outer, inner, rule);
  });
}

}  // namespace xg::detail::gpu
