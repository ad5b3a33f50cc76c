// grid_sample's bilinear and nearest kernels on the CPU (tensor/grid_sample_kernels.h). Each
// output point's source coordinate is computed once, with the derivative of the coordinate
// with respect to the grid value (PyTorch's grid_sampler_compute_source_index_set_grad), then
// every channel reads the same taps. Composed of recorded operations, the same sampling read
// each tap through a row gather and kept a dozen full-size temporaries per tap.
#include <xgrad/detail/format.h>
#include <algorithm>
#include <cmath>

#include "tensor/grid_sample_kernels.h"
#include "tensor/parallel.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

namespace {

// Non-finite coordinates read nothing (PyTorch's safe_downgrade_to_int_range sends them to
// -100); finite ones are kept within ±2^30 pixels so that every tap's index is exact.
template <class T>
T safe(T x) {
  constexpr T kFar = T(1073741824.0);
  if (!std::isfinite(x)) return T(-100);
  return std::min(std::max(x, -kFar), kFar);
}

// min(max(x, 0), size - 1), with the derivative PyTorch gives it: 1 strictly inside, else 0.
template <class T>
T clip(T x, std::int64_t size, T* grad) {
  const T hi = static_cast<T>(size - 1);
  if (x <= T(0)) {
    *grad = T(0);
    return T(0);
  }
  if (x >= hi) {
    *grad = T(0);
    return hi;
  }
  *grad = T(1);
  return x;
}

// x reflected about the ends of [twice_low / 2, twice_high / 2] until inside, with its
// derivative (±1, or 0 for a single point).
template <class T>
T reflect(T x, T twice_low, T twice_high, T* grad) {
  if (twice_low == twice_high) {
    *grad = T(0);
    return T(0);
  }
  const T min = twice_low / 2, span = (twice_high - twice_low) / 2;
  T in = x - min, sign = T(1);
  if (in < T(0)) {
    sign = T(-1);
    in = -in;
  }
  const T extra = std::fmod(in, span);
  const T flips = std::floor(in / span);
  if (std::fmod(flips, T(2)) == T(0)) {
    *grad = sign;
    return extra + min;
  }
  *grad = -sign;
  return span - extra + min;
}

// The pixel coordinate of grid value g on an axis of `size` pixels, and d(coordinate)/dg.
template <class T>
T source(T g, std::int64_t size, const GridSampling& s, T* grad) {
  const T n = static_cast<T>(size);
  T x = s.align_corners ? (g + T(1)) / T(2) * (n - T(1)) : ((g + T(1)) * n - T(1)) / T(2);
  *grad = s.align_corners ? (n - T(1)) / T(2) : n / T(2);
  T d = T(1);
  if (s.padding == GridPadding::Border) {
    x = clip(x, size, &d);
    *grad *= d;
  } else if (s.padding == GridPadding::Reflection) {
    T r = T(1);
    x = s.align_corners ? reflect(x, T(0), T(2) * (n - T(1)), &r) : reflect(x, T(-1), T(2) * n - T(1), &r);
    x = clip(x, size, &d);
    *grad *= r * d;
  }
  return safe(x);
}

// The four bilinear taps of one point (or the nearest one): flat pixel offsets, -1 off the
// image; weights; and the fractional offsets for the grid's gradient.
template <class T>
struct Taps {
  std::int64_t at[4];
  T w[4];
  T ex, ey;  // east, south fractions
  T gx_mult, gy_mult;
};

template <class T>
Taps<T> taps_of(const T* g, std::int64_t H, std::int64_t W, const GridSampling& s) {
  Taps<T> t;
  const T ix = source(g[0], W, s, &t.gx_mult), iy = source(g[1], H, s, &t.gy_mult);
  const auto pixel = [&](std::int64_t x, std::int64_t y) { return x >= 0 && x < W && y >= 0 && y < H ? y * W + x : -1; };
  if (s.nearest) {
    t.at[0] = pixel(static_cast<std::int64_t>(std::nearbyint(ix)), static_cast<std::int64_t>(std::nearbyint(iy)));
    t.w[0] = T(1);
    t.at[1] = t.at[2] = t.at[3] = -1;
    t.w[1] = t.w[2] = t.w[3] = T(0);
    t.ex = t.ey = T(0);
    return t;
  }
  const T fx = std::floor(ix), fy = std::floor(iy);
  const auto x0 = static_cast<std::int64_t>(fx), y0 = static_cast<std::int64_t>(fy);
  t.ex = ix - fx, t.ey = iy - fy;
  const T west = T(1) - t.ex, north = T(1) - t.ey;
  t.at[0] = pixel(x0, y0), t.w[0] = west * north;
  t.at[1] = pixel(x0 + 1, y0), t.w[1] = t.ex * north;
  t.at[2] = pixel(x0, y0 + 1), t.w[2] = west * t.ey;
  t.at[3] = pixel(x0 + 1, y0 + 1), t.w[3] = t.ex * t.ey;
  return t;
}

template <class T>
void forward_impl(const T* in, const T* grid, T* out, std::int64_t N, std::int64_t C, std::int64_t H, std::int64_t W,
                  std::int64_t P, const GridSampling& s) {
  const int K = s.nearest ? 1 : 4;
  detail::parallel_elements(N * P, static_cast<double>(C * K * 2), [&](std::int64_t q0, std::int64_t q1) {
    for (std::int64_t q = q0; q < q1; ++q) {
      const std::int64_t n = q / P, p = q % P;
      const Taps<T> t = taps_of(grid + q * 2, H, W, s);
      const T* image = in + n * C * H * W;
      T* o = out + n * C * P + p;
      for (std::int64_t c = 0; c < C; ++c) {
        const T* plane = image + c * H * W;
        T acc = T(0);
        for (int k = 0; k < K; ++k)
          if (t.at[k] >= 0) acc += t.w[k] * plane[t.at[k]];
        o[c * P] = acc;
      }
    }
  }, 1);
}

template <class T>
void backward_impl(const T* gy, const T* in, const T* grid, T* gin, T* ggrid, std::int64_t N, std::int64_t C,
                   std::int64_t H, std::int64_t W, std::int64_t P, const GridSampling& s) {
  const int K = s.nearest ? 1 : 4;
  // One image per block: its pixels' sums are added in the output's order, whatever the
  // thread count.
  detail::parallel_elements(N, static_cast<double>(P * C * K * 4), [&](std::int64_t n0, std::int64_t n1) {
    for (std::int64_t n = n0; n < n1; ++n) {
      const T* image = in + n * C * H * W;
      T* gimage = gin ? gin + n * C * H * W : nullptr;
      if (gimage) std::fill(gimage, gimage + C * H * W, T(0));
      for (std::int64_t p = 0; p < P; ++p) {
        const std::int64_t q = n * P + p;
        const Taps<T> t = taps_of(grid + q * 2, H, W, s);
        const T* g = gy + n * C * P + p;
        T dx = T(0), dy = T(0);  // d(sum of gy · out)/d(ix), /d(iy)
        for (std::int64_t c = 0; c < C; ++c) {
          const T gc = g[c * P];
          if (gimage) {
            T* gplane = gimage + c * H * W;
            for (int k = 0; k < K; ++k)
              if (t.at[k] >= 0) gplane[t.at[k]] += t.w[k] * gc;
          }
          if (ggrid && !s.nearest) {
            const T* plane = image + c * H * W;
            const T v0 = t.at[0] >= 0 ? plane[t.at[0]] : T(0), v1 = t.at[1] >= 0 ? plane[t.at[1]] : T(0);
            const T v2 = t.at[2] >= 0 ? plane[t.at[2]] : T(0), v3 = t.at[3] >= 0 ? plane[t.at[3]] : T(0);
            dx += gc * ((v1 - v0) * (T(1) - t.ey) + (v3 - v2) * t.ey);
            dy += gc * ((v2 - v0) * (T(1) - t.ex) + (v3 - v1) * t.ex);
          }
        }
        if (ggrid) {
          ggrid[q * 2] = dx * t.gx_mult;
          ggrid[q * 2 + 1] = dy * t.gy_mult;
        }
      }
    }
  }, 1);
}

}  // namespace

Tensor grid_sample_forward(const Tensor& input, const Tensor& grid, const GridSampling& s) {
  const std::int64_t N = input.size(0), C = input.size(1), H = input.size(2), W = input.size(3);
  const std::int64_t OH = grid.size(1), OW = grid.size(2);
  Tensor out = detail::make_tensor({N, C, OH, OW}, input.dtype());
  detail::dispatch_float(input.dtype(), "grid_sample", [&](auto z) {
    using T = decltype(z);
    forward_impl(input.data<T>(), grid.data<T>(), out.data<T>(), N, C, H, W, OH * OW, s);
  });
  return out;
}

GridSampleGrads grid_sample_backward(const Tensor& gy, const Tensor& input, const Tensor& grid, const GridSampling& s,
                                     bool input_grad, bool grid_grad) {
  const std::int64_t N = input.size(0), C = input.size(1), H = input.size(2), W = input.size(3);
  const std::int64_t P = grid.size(1) * grid.size(2);
  GridSampleGrads g;
  if (input_grad) g.input = detail::make_tensor(input.shape(), input.dtype());
  if (grid_grad) g.grid = s.nearest ? zeros(grid.shape(), grid.dtype()) : detail::make_tensor(grid.shape(), grid.dtype());
  detail::dispatch_float(input.dtype(), "grid_sample", [&](auto z) {
    using T = decltype(z);
    backward_impl(gy.data<T>(), input.data<T>(), grid.data<T>(), input_grad ? g.input.data<T>() : nullptr,
                  grid_grad && !s.nearest ? g.grid.data<T>() : nullptr, N, C, H, W, P, s);
  });
  return g;
}

}  // namespace xg::kernel
