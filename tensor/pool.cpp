// Pooling and padding kernels. Planes are independent, so each loops over N·C planes.
#include <xgrad/detail/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "tensor/conv_kernels.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

void max_pool2d(const Tensor& x, const ConvGeom& g, Tensor& y, Tensor& argmax) {
  y = detail::make_tensor({g.N, g.C, g.OH, g.OW}, x.dtype());
  argmax = detail::make_tensor({g.N, g.C, g.OH, g.OW}, kInt64);
  std::int64_t* pa = argmax.data<std::int64_t>();
  detail::dispatch_float(x.dtype(), "max_pool2d", [&](auto t) {
    using T = decltype(t);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    for (std::int64_t p = 0; p < g.N * g.C; ++p) {
      const T* plane = px + p * g.H * g.W;
      for (std::int64_t oh = 0; oh < g.OH; ++oh)
        for (std::int64_t ow = 0; ow < g.OW; ++ow) {
          T best = -std::numeric_limits<T>::infinity();
          std::int64_t at = -1;
          for (std::int64_t kh = 0; kh < g.KH; ++kh) {
            const std::int64_t ih = oh * g.SH - g.PH + kh * g.DH;
            if (ih < 0 || ih >= g.H) continue;
            for (std::int64_t kw = 0; kw < g.KW; ++kw) {
              const std::int64_t iw = ow * g.SW - g.PW + kw * g.DW;
              if (iw < 0 || iw >= g.W) continue;
              const T v = plane[ih * g.W + iw];
              // Strictly greater: the first maximum in window order wins a tie (the
              // textbook's argmax, PyTorch's CPU kernel). A NaN wins and propagates.
              if (at < 0 || v > best || std::isnan(v)) {
                best = v;
                at = ih * g.W + iw;
                if (std::isnan(v)) break;
              }
            }
          }
          const std::int64_t o = (p * g.OH + oh) * g.OW + ow;
          py[o] = best;
          pa[o] = at < 0 ? 0 : at;  // every window holds an input element (padding ≤ kernel / 2)
        }
    }
  });
}

Tensor window_average(const Tensor& x, const PoolWindows& win) {
  const auto OH = static_cast<std::int64_t>(win.h0.size()), OW = static_cast<std::int64_t>(win.w0.size());
  const std::int64_t planes = x.shape()[0] * x.shape()[1];
  Tensor y = detail::make_tensor({x.shape()[0], x.shape()[1], OH, OW}, x.dtype());
  detail::dispatch_float(x.dtype(), "avg_pool2d", [&](auto t) {
    using T = decltype(t);
    for (std::int64_t p = 0; p < planes; ++p) {
      const T* plane = x.data<T>() + p * win.H * win.W;
      T* out = y.data<T>() + p * OH * OW;
      for (std::int64_t i = 0; i < OH; ++i)
        for (std::int64_t j = 0; j < OW; ++j) {
          double s = 0;
          for (std::int64_t h = win.h0[i]; h < win.h1[i]; ++h)
            for (std::int64_t w = win.w0[j]; w < win.w1[j]; ++w) s += plane[h * win.W + w];
          out[i * OW + j] = static_cast<T>(s / win.divisor[i * OW + j]);
        }
    }
  });
  return y;
}

Tensor window_average_adjoint(const Tensor& gy, const PoolWindows& win) {
  const auto OH = static_cast<std::int64_t>(win.h0.size()), OW = static_cast<std::int64_t>(win.w0.size());
  const std::int64_t planes = gy.shape()[0] * gy.shape()[1];
  Tensor gx = zeros({gy.shape()[0], gy.shape()[1], win.H, win.W}, gy.dtype());
  detail::dispatch_float(gy.dtype(), "avg_pool2d", [&](auto t) {
    using T = decltype(t);
    for (std::int64_t p = 0; p < planes; ++p) {
      const T* g = gy.data<T>() + p * OH * OW;
      T* plane = gx.data<T>() + p * win.H * win.W;
      for (std::int64_t i = 0; i < OH; ++i)
        for (std::int64_t j = 0; j < OW; ++j) {
          const T v = static_cast<T>(g[i * OW + j] / win.divisor[i * OW + j]);
          for (std::int64_t h = win.h0[i]; h < win.h1[i]; ++h)
            for (std::int64_t w = win.w0[j]; w < win.w1[j]; ++w) plane[h * win.W + w] += v;
        }
    }
  });
  return gx;
}

Tensor embed(const Tensor& x, const Shape& shape, const std::vector<std::int64_t>& offset, double value) {
  Tensor out = full(shape, value, x.dtype());
  if (x.numel() == 0) return out;
  const auto rank = static_cast<std::int64_t>(shape.size());
  const Shape dst_strides = detail::contiguous_strides(shape);
  const std::int64_t row = rank == 0 ? 1 : x.shape()[rank - 1];
  const std::size_t item = dtype_size(x.dtype());
  const auto* src = static_cast<const char*>(x.impl()->storage->data);
  auto* dst = static_cast<char*>(out.impl()->storage->data);
  // Walk x's rows (every axis but the last) with a counter, copying each whole row.
  std::vector<std::int64_t> idx(static_cast<std::size_t>(std::max<std::int64_t>(rank - 1, 0)), 0);
  for (std::int64_t r = 0; r < x.numel() / row; ++r) {
    std::int64_t at = rank == 0 ? 0 : offset[rank - 1];
    for (std::int64_t a = 0; a + 1 < rank; ++a) at += (idx[a] + offset[a]) * dst_strides[a];
    std::memcpy(dst + at * item, src + r * row * item, static_cast<std::size_t>(row) * item);
    for (std::int64_t a = rank - 2; a >= 0; --a) {
      if (++idx[a] < x.shape()[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

}  // namespace xg::kernel
