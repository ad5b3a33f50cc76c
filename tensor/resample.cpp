// Separable resampling along one axis by a few taps per output (interpolate's kernels); on
// a GPU, tensor/cuda/resample.cu.
// A tap list instead of a dense (out, in) matrix keeps the work at out·taps per line and,
// as PyTorch's UpSample kernels, lets a NaN or inf reach only the outputs that read it.
#include <xgrad/detail/format.h>
#include <vector>

#include "tensor/cuda/kernels.h"
#include "tensor/kernels.h"
#include "tensor/parallel.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

namespace {

// The rule's taps as a table (index and weight of tap k of output o at o·taps + k), made once
// per call on the CPU; a GPU computes each tap where it needs it.
struct Resampling {
  std::int64_t in = 0, out = 0, taps = 1;
  std::vector<std::int64_t> index;
  std::vector<double> weight;
};

Resampling table(const detail::taps::Rule& rule) {
  Resampling r;
  r.in = rule.in, r.out = rule.out, r.taps = detail::taps::count(rule);
  r.index.resize(static_cast<std::size_t>(r.out * r.taps));
  r.weight.resize(r.index.size());
  for (std::int64_t o = 0; o < r.out; ++o)
    for (int k = 0; k < r.taps; ++k) {
      const auto t = static_cast<std::size_t>(o * r.taps + k);
      detail::taps::tap(rule, o, k, r.index[t], r.weight[t]);
    }
  return r;
}

// The weights in T, converted once rather than once per tap and row.
template <class T>
std::vector<T> typed(const std::vector<double>& weight) {
  return std::vector<T>(weight.begin(), weight.end());
}

// Each outer block is independent (its own rows of x and y), so blocks split over threads
// with the same bits on any count. Along the last axis (inner = 1, the W pass of an image)
// each output is a short dot product of its taps, summed in tap order from 0 as the strided
// form does: the same bits, without a loop of one per tap.
template <class T>
void resample_impl(const T* x, T* y, std::int64_t outer, std::int64_t inner, const Resampling& r) {
  const std::int64_t K = r.taps;
  const std::vector<T> w = typed<T>(r.weight);
  const std::int64_t* idx = r.index.data();
  detail::parallel_elements(outer, static_cast<double>(r.out * K * inner), [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t b = b0; b < b1; ++b) {
      const T* xb = x + b * r.in * inner;
      T* yb = y + b * r.out * inner;
      if (inner == 1) {
        for (std::int64_t o = 0; o < r.out; ++o) {
          T acc = T(0);
          for (std::int64_t k = 0; k < K; ++k) acc += w[static_cast<std::size_t>(o * K + k)] * xb[idx[o * K + k]];
          yb[o] = acc;
        }
        continue;
      }
      for (std::int64_t o = 0; o < r.out; ++o) {
        T* yo = yb + o * inner;
        for (std::int64_t j = 0; j < inner; ++j) yo[j] = T(0);
        for (std::int64_t k = 0; k < K; ++k) {
          const T wk = w[static_cast<std::size_t>(o * K + k)];
          const T* xi = xb + idx[o * K + k] * inner;
          for (std::int64_t j = 0; j < inner; ++j) yo[j] += wk * xi[j];
        }
      }
    }
  }, 1);
}

template <class T>
void adjoint_impl(const T* gy, T* gx, std::int64_t outer, std::int64_t inner, const Resampling& r) {
  const std::int64_t K = r.taps;
  const std::vector<T> w = typed<T>(r.weight);
  const std::int64_t* idx = r.index.data();
  detail::parallel_elements(outer, static_cast<double>(r.out * K * inner), [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t i = b0 * r.in * inner, n = b1 * r.in * inner; i < n; ++i) gx[i] = T(0);
    for (std::int64_t b = b0; b < b1; ++b) {
      const T* gyb = gy + b * r.out * inner;
      T* gxb = gx + b * r.in * inner;
      if (inner == 1) {  // the same adds in the same order, without a loop of one per tap
        for (std::int64_t o = 0; o < r.out; ++o)
          for (std::int64_t k = 0; k < K; ++k) gxb[idx[o * K + k]] += w[static_cast<std::size_t>(o * K + k)] * gyb[o];
        continue;
      }
      for (std::int64_t o = 0; o < r.out; ++o)
        for (std::int64_t k = 0; k < K; ++k) {
          const T wk = w[static_cast<std::size_t>(o * K + k)];
          T* gxi = gxb + idx[o * K + k] * inner;
          const T* gyo = gyb + o * inner;
          for (std::int64_t j = 0; j < inner; ++j) gxi[j] += wk * gyo[j];
        }
    }
  }, 1);
}

}  // namespace

Tensor resample(const Tensor& x, std::int64_t outer, std::int64_t inner, const detail::taps::Rule& rule) {
  Tensor y = detail::make_tensor({outer, rule.out, inner}, x.dtype(), x.device());
  if (!x.device().is_cpu()) {
    detail::gpu::resample(y, x, outer, inner, rule);
    return y;
  }
  detail::dispatch_float(x.dtype(), "interpolate", [&](auto t) {
    using T = decltype(t);
    resample_impl(x.data<T>(), y.data<T>(), outer, inner, table(rule));
  });
  return y;
}

Tensor resample_adjoint(const Tensor& gy, std::int64_t outer, std::int64_t inner, const detail::taps::Rule& rule) {
  Tensor gx = detail::make_tensor({outer, rule.in, inner}, gy.dtype(), gy.device());
  if (!gy.device().is_cpu()) {
    detail::gpu::resample_adjoint(gx, gy, outer, inner, rule);
    return gx;
  }
  detail::dispatch_float(gy.dtype(), "interpolate", [&](auto t) {
    using T = decltype(t);
    adjoint_impl(gy.data<T>(), gx.data<T>(), outer, inner, table(rule));
  });
  return gx;
}

}  // namespace xg::kernel
