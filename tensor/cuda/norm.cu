// layer_norm's fused kernels on a GPU, the CPU's arithmetic (tensor/layer_norm.cpp): one
// block per row for the forward and for x's gradient (CUB's block sums, in double: a fixed
// tree, so the same bits on every run), one thread per column for the weight and bias
// gradients (the rows in order).
#include <cuda_runtime.h>

#include <cstdint>

#include <cub/block/block_reduce.cuh>

#include "tensor/cuda/check.h"
#include "tensor/cuda/entry_count.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/launch.h"
#include "tensor/tensor_impl.h"

namespace xg::detail::gpu {

namespace {

constexpr int kThreads = 256;
using BlockSum = cub::BlockReduce<double, kThreads>;

// detail::power_of_two_scale (tensor/pointwise_rules.h) with CUDA's frexp and ldexp.
template <class T>
__device__ T power_of_two_scale(T v) {
  int e = 0;
  if (v > T(0) && isfinite(v)) frexp(v, &e);
  return e == 0 ? T(1) : ldexp(T(1), e - 1);
}

struct MaxOp {
  __device__ double operator()(double a, double b) const { return a > b ? a : b; }
};

template <class T>
__global__ void forward_kernel(T* y, T* stats, const T* x, const T* w, const T* b, std::int64_t rows, std::int64_t cols,
                               double eps) {
  __shared__ typename BlockSum::TempStorage temp;
  __shared__ double shared[3];
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {  // uniform per block: the syncs are safe
    const T* xr = x + r * cols;
    double big = 0, nan = 0;
    for (std::int64_t j = threadIdx.x; j < cols; j += kThreads) {
      const double a = fabs(static_cast<double>(xr[j]));
      big = a > big ? a : big;
      nan = isnan(a) ? 1 : nan;
    }
    big = BlockSum(temp).Reduce(big, MaxOp());
    __syncthreads();
    nan = BlockSum(temp).Reduce(nan, MaxOp());
    if (threadIdx.x == 0) shared[0] = nan > 0 ? 1.0 : static_cast<double>(power_of_two_scale(static_cast<T>(big)));
    __syncthreads();
    const T s = static_cast<T>(shared[0]);
    double sum = 0;
    for (std::int64_t j = threadIdx.x; j < cols; j += kThreads) sum += static_cast<double>(xr[j] / s);
    sum = BlockSum(temp).Sum(sum);
    if (threadIdx.x == 0) shared[1] = sum / static_cast<double>(cols);
    __syncthreads();
    const double mean = shared[1];
    double sq = 0;
    for (std::int64_t j = threadIdx.x; j < cols; j += kThreads) {
      const double c = static_cast<double>(xr[j] / s) - mean;
      sq += c * c;
    }
    sq = BlockSum(temp).Sum(sq);
    if (threadIdx.x == 0) {
      const double sd = static_cast<double>(s);
      shared[2] = 1.0 / sqrt(sq / static_cast<double>(cols) + eps / (sd * sd));
    }
    __syncthreads();
    const T m = static_cast<T>(mean), q = static_cast<T>(shared[2]);
    T* yr = y + r * cols;
    for (std::int64_t j = threadIdx.x; j < cols; j += kThreads) {
      T v = (xr[j] / s - m) * q;
      if (w) v *= w[j];
      if (b) v += b[j];
      yr[j] = v;
    }
    if (threadIdx.x == 0) {
      stats[3 * r] = s;
      stats[3 * r + 1] = m;
      stats[3 * r + 2] = q;
    }
    __syncthreads();  // temp and shared are reused by the next row
  }
}

template <class T>
__global__ void backward_x_kernel(T* gx, const T* x, const T* stats, const T* w, const T* gy, std::int64_t rows,
                                  std::int64_t cols) {
  __shared__ typename BlockSum::TempStorage temp;
  __shared__ double shared[2];
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T *xr = x + r * cols, *gr = gy + r * cols;
    const T s = stats[3 * r], m = stats[3 * r + 1], q = stats[3 * r + 2];
    double sh = 0, shx = 0;
    for (std::int64_t j = threadIdx.x; j < cols; j += kThreads) {
      const T h = w ? gr[j] * w[j] : gr[j];
      sh += static_cast<double>(h);
      shx += static_cast<double>(h) * static_cast<double>((xr[j] / s - m) * q);
    }
    sh = BlockSum(temp).Sum(sh);
    __syncthreads();
    shx = BlockSum(temp).Sum(shx);
    if (threadIdx.x == 0) {
      shared[0] = sh / static_cast<double>(cols);
      shared[1] = shx / static_cast<double>(cols);
    }
    __syncthreads();
    const T a = static_cast<T>(shared[0]), bb = static_cast<T>(shared[1]);
    T* out = gx + r * cols;
    for (std::int64_t j = threadIdx.x; j < cols; j += kThreads) {
      const T h = w ? gr[j] * w[j] : gr[j];
      out[j] = q * (h - a - (xr[j] / s - m) * q * bb) / s;
    }
    __syncthreads();
  }
}

template <class T>
__global__ void backward_wb_kernel(T* gw, T* gb, const T* x, const T* stats, const T* gy, std::int64_t rows,
                                   std::int64_t cols) {
  XG_GRID_LOOP(j, cols) {
    double sw = 0, sb = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      const T g = gy[r * cols + j];
      const T s = stats[3 * r], m = stats[3 * r + 1], q = stats[3 * r + 2];
      sw += static_cast<double>(g) * static_cast<double>((x[r * cols + j] / s - m) * q);
      sb += static_cast<double>(g);
    }
    if (gw) gw[j] = static_cast<T>(sw);
    if (gb) gb[j] = static_cast<T>(sb);
  }
}

unsigned row_blocks(std::int64_t rows) {
  return static_cast<unsigned>(rows < (1 << 20) ? (rows > 0 ? rows : 1) : (1 << 20));
}

template <class T>
const T* opt(const Tensor& t) {
  return t.defined() ? dptr<T>(t) : nullptr;
}
template <class T>
T* opt(Tensor& t) {
  return t.defined() ? dptr<T>(t) : nullptr;
}

}  // namespace

void layer_norm_forward(kernel::LayerNormOut& out, const Tensor& x, std::int64_t cols, const Tensor& weight,
                        const Tensor& bias, double eps) {
  XG_GPU_ENTRY(layer_norm_forward);
  const std::int64_t rows = x.numel() / cols;
  launch_float(x, "layer_norm", [&](auto tag, cudaStream_t s) {
    using T = decltype(tag);
    forward_kernel<T><<<row_blocks(rows), kThreads, 0, s>>>(dptr<T>(out.y), dptr<T>(out.stats), dptr<T>(x),
                                                             opt<T>(weight), opt<T>(bias), rows, cols, eps);
  });
}

void layer_norm_backward(kernel::LayerNormGrads& out, const Tensor& x, std::int64_t cols, const Tensor& stats,
                         const Tensor& weight, const Tensor& gy) {
  XG_GPU_ENTRY(layer_norm_backward);
  const std::int64_t rows = x.numel() / cols;
  launch_float(x, "layer_norm backward", [&](auto tag, cudaStream_t s) {
    using T = decltype(tag);
    backward_x_kernel<T><<<row_blocks(rows), kThreads, 0, s>>>(dptr<T>(out.x), dptr<T>(x), dptr<T>(stats),
                                                                opt<T>(weight), dptr<T>(gy), rows, cols);
    if (out.weight.defined() || out.bias.defined())
      backward_wb_kernel<T><<<grid_for(cols, kThreads), kThreads, 0, s>>>(opt<T>(out.weight), opt<T>(out.bias),
                                                                          dptr<T>(x), dptr<T>(stats), dptr<T>(gy),
                                                                          rows, cols);
  });
}

}  // namespace xg::detail::gpu
