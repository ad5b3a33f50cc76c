// The fused LSTM and GRU cells on a GPU: one thread per (row, unit), the per-element
// arithmetic of tensor/cell_rules.h (the CPU's text) with CUDA's exp and tanh.
#include <cuda_runtime.h>

#include <cstdint>

#include "tensor/cell_rules.h"
#include "tensor/cuda/check.h"
#include "tensor/cuda/entry_count.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/launch.h"
#include "tensor/tensor_impl.h"

namespace xg::detail::gpu {

namespace {

constexpr int kThreads = 256;

template <class T>
__device__ T sig(T x) {
  return T(1) / (T(1) + ::exp(-x));
}

template <class T>
__global__ void lstm_forward_kernel(T* h1, T* c1, T* acts, const T* gates, const T* c, std::int64_t N, std::int64_t H) {
  XG_GRID_LOOP(e, N * H) {
    const std::int64_t r = e / H, j = e % H;
    const T* g = gates + r * 4 * H;
    T* a = acts + r * 4 * H;
    const T i = sig(g[j]), f = sig(g[H + j]), gg = ::tanh(g[2 * H + j]), o = sig(g[3 * H + j]);
    const T cn = cell::lstm_c1(i, f, gg, c[e]);
    c1[e] = cn;
    h1[e] = o * ::tanh(cn);
    a[j] = i;
    a[H + j] = f;
    a[2 * H + j] = gg;
    a[3 * H + j] = o;
  }
}

template <class T>
__global__ void lstm_backward_kernel(T* dgates, T* dc, const T* acts, const T* c, const T* c1, const T* dh1,
                                     const T* dc1, std::int64_t N, std::int64_t H) {
  XG_GRID_LOOP(e, N * H) {
    const std::int64_t r = e / H, j = e % H;
    const T* a = acts + r * 4 * H;
    T* d = dgates + r * 4 * H;
    cell::lstm_backward(a[j], a[H + j], a[2 * H + j], a[3 * H + j], c[e], ::tanh(c1[e]), dh1[e], dc1[e], d[j], d[H + j],
                        d[2 * H + j], d[3 * H + j], dc[e]);
  }
}

template <class T>
__global__ void gru_forward_kernel(T* h1, T* acts, const T* xp, const T* hp, const T* h, std::int64_t N, std::int64_t H) {
  XG_GRID_LOOP(e, N * H) {
    const std::int64_t row = e / H, j = e % H;
    const T *x = xp + row * 3 * H, *hh = hp + row * 3 * H;
    T* a = acts + row * 3 * H;
    const T r = sig(x[j] + hh[j]), z = sig(x[H + j] + hh[H + j]);
    const T n = ::tanh(x[2 * H + j] + r * hh[2 * H + j]);
    h1[e] = cell::gru_h1(z, n, h[e]);
    a[j] = r;
    a[H + j] = z;
    a[2 * H + j] = n;
  }
}

template <class T>
__global__ void gru_backward_kernel(T* gxp, T* ghp, T* gh, const T* acts, const T* hp, const T* h, const T* dh1,
                                    std::int64_t N, std::int64_t H) {
  XG_GRID_LOOP(e, N * H) {
    const std::int64_t row = e / H, j = e % H;
    const T* a = acts + row * 3 * H;
    const T r = a[j];
    T dr, dz, dn;
    cell::gru_backward(r, a[H + j], a[2 * H + j], hp[row * 3 * H + 2 * H + j], h[e], dh1[e], dr, dz, dn, gh[e]);
    T *gx = gxp + row * 3 * H, *gy = ghp + row * 3 * H;
    gx[j] = dr;
    gx[H + j] = dz;
    gx[2 * H + j] = dn;
    gy[j] = dr;
    gy[H + j] = dz;
    gy[2 * H + j] = dn * r;
  }
}

}  // namespace

void lstm_cell_forward(Tensor& h1, Tensor& c1, Tensor& acts, const Tensor& gates, const Tensor& c) {
  XG_GPU_ENTRY(lstm_cell_forward);
  const std::int64_t N = c.shape()[0], H = c.shape()[1];
  launch_float(c, "lstm_cell", [&](auto tag, cudaStream_t s) {
    using T = decltype(tag);
    lstm_forward_kernel<T><<<grid_for(N * H, kThreads), kThreads, 0, s>>>(dptr<T>(h1), dptr<T>(c1), dptr<T>(acts),
                                                                          dptr<T>(gates), dptr<T>(c), N, H);
  });
}

void lstm_cell_backward(Tensor& dgates, Tensor& dc, const Tensor& acts, const Tensor& c, const Tensor& c1,
                        const Tensor& dh1, const Tensor& dc1) {
  XG_GPU_ENTRY(lstm_cell_backward);
  const std::int64_t N = c.shape()[0], H = c.shape()[1];
  launch_float(c, "lstm_cell backward", [&](auto tag, cudaStream_t s) {
    using T = decltype(tag);
    lstm_backward_kernel<T><<<grid_for(N * H, kThreads), kThreads, 0, s>>>(
        dptr<T>(dgates), dptr<T>(dc), dptr<T>(acts), dptr<T>(c), dptr<T>(c1), dptr<T>(dh1), dptr<T>(dc1), N, H);
  });
}

void gru_cell_forward(Tensor& h1, Tensor& acts, const Tensor& xp, const Tensor& hp, const Tensor& h) {
  XG_GPU_ENTRY(gru_cell_forward);
  const std::int64_t N = h.shape()[0], H = h.shape()[1];
  launch_float(h, "gru_cell", [&](auto tag, cudaStream_t s) {
    using T = decltype(tag);
    gru_forward_kernel<T><<<grid_for(N * H, kThreads), kThreads, 0, s>>>(dptr<T>(h1), dptr<T>(acts), dptr<T>(xp),
                                                                         dptr<T>(hp), dptr<T>(h), N, H);
  });
}

void gru_cell_backward(Tensor& gxp, Tensor& ghp, Tensor& gh, const Tensor& acts, const Tensor& hp, const Tensor& h,
                       const Tensor& dh1) {
  XG_GPU_ENTRY(gru_cell_backward);
  const std::int64_t N = h.shape()[0], H = h.shape()[1];
  launch_float(h, "gru_cell backward", [&](auto tag, cudaStream_t s) {
    using T = decltype(tag);
    gru_backward_kernel<T><<<grid_for(N * H, kThreads), kThreads, 0, s>>>(
        dptr<T>(gxp), dptr<T>(ghp), dptr<T>(gh), dptr<T>(acts), dptr<T>(hp), dptr<T>(h), dptr<T>(dh1), N, H);
  });
}

}  // namespace xg::detail::gpu
