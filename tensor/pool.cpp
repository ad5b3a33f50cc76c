// Pooling and padding kernels. Planes are independent, so each loops over N·C planes.
#include <xgrad/detail/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "tensor/conv_kernels.h"
#include "tensor/cuda/kernels.h"
#include "tensor/parallel.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

namespace {
// The taps k of a window starting at `first` with dilation d that fall inside [0, size):
// k from first_tap up to end_tap (exclusive). Arithmetic, not a loop over the kernel: a
// kernel of 2^40 with padding 2^39 is a valid window over a small image.
std::int64_t first_tap(std::int64_t first, std::int64_t d, std::int64_t K) {
  return first >= 0 ? 0 : std::min(K, -first / d + (-first % d != 0));
}
std::int64_t end_tap(std::int64_t first, std::int64_t d, std::int64_t K, std::int64_t size) {
  return first > size - 1 ? 0 : std::min(K, (size - 1 - first) / d + 1);
}
}  // namespace

void max_pool2d(const Tensor& x, const ConvGeom& g, Tensor& y, Tensor& argmax) {
  // With dilation, padding <= kernel / 2 does not keep every window on the image: a window
  // whose taps all fall in the padding has no maximum (it once read outside the input). Each
  // axis is checked once, before any work.
  for (std::int64_t o = 0; o < g.OH && g.N * g.C > 0; ++o) {
    const std::int64_t first = o * g.SH - g.PH;
    if (first_tap(first, g.DH, g.KH) >= end_tap(first, g.DH, g.KH, g.H))
      fail("max_pool2d: output row ", o, "'s window (kernel ", g.KH, ", dilation ", g.DH, ", padding ", g.PH,
           ") covers only padding of an input of height ", g.H);
  }
  for (std::int64_t o = 0; o < g.OW && g.N * g.C > 0; ++o) {
    const std::int64_t first = o * g.SW - g.PW;
    if (first_tap(first, g.DW, g.KW) >= end_tap(first, g.DW, g.KW, g.W))
      fail("max_pool2d: output column ", o, "'s window (kernel ", g.KW, ", dilation ", g.DW, ", padding ", g.PW,
           ") covers only padding of an input of width ", g.W);
  }
  y = detail::make_tensor({g.N, g.C, g.OH, g.OW}, x.dtype(), x.device());
  argmax = detail::make_tensor({g.N, g.C, g.OH, g.OW}, kInt64, x.device());
  if (!x.device().is_cpu()) return detail::gpu::max_pool2d(y, argmax, x, g);
  std::int64_t* pa = argmax.data<std::int64_t>();
  // Locals, so the compiler keeps the geometry in registers instead of reloading it
  // through the (possibly aliased) struct on every tap.
  const std::int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW, KH = g.KH, KW = g.KW;
  const std::int64_t SH = g.SH, SW = g.SW, PH = g.PH, PW = g.PW, DH = g.DH, DW = g.DW;
  detail::dispatch_float(x.dtype(), "max_pool2d", [&](auto t) {
    using T = decltype(t);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    // Whole windows only: with ceil_mode an odd side's last window is cut by the edge.
    const bool two_by_two = KH == 2 && KW == 2 && SH == 2 && SW == 2 && PH == 0 && PW == 0 && DH == 1 && DW == 1 &&
                            2 * OH <= H && 2 * OW <= W;
    // Planes are independent: split over threads, each worth about a read of its input.
    detail::parallel_elements(g.N * g.C, static_cast<double>(H * W), [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t p = p0; p < p1; ++p) {
      const T* plane = px + p * H * W;
      T* yp = py + p * OH * OW;
      std::int64_t* ap = pa + p * OH * OW;
      if (two_by_two) {  // the CNNs' pooling: a tree of three comparisons, no loop-carried chain
        for (std::int64_t oh = 0; oh < OH; ++oh) {
          const T* r0 = plane + 2 * oh * W;
          const T* r1 = r0 + W;
          T* yr = yp + oh * OW;
          std::int64_t* ar = ap + oh * OW;
          // Written so that GCC and clang vectorise it (selects on comparisons, no std::max,
          // no NaN test inside, the geometry in locals that no store can alias: measured 48
          // scalar instructions per output before). A tie keeps the earlier element, as
          // std::max(x, y) does.
          const std::int64_t base = 2 * oh * W, w = W, n = OW;
          for (std::int64_t ow = 0; ow < n; ++ow) {
            const T a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
            const std::int64_t top = b > a, bottom = d > c;
            const T m0 = top ? b : a, m1 = bottom ? d : c;
            const std::int64_t second = m1 > m0;
            yr[ow] = second ? m1 : m0;
            ar[ow] = base + 2 * ow + second * (w + bottom) + (1 - second) * top;
          }
        }
        // A NaN must win its window: if the windows hold one, the general loop below redoes
        // the plane. A separate pass over the windows' rows, in cache, that vectorises too.
        int nan = 0;
        for (std::int64_t i = 0, n = 2 * OH * W; i < n; ++i) nan |= plane[i] != plane[i];
        if (!nan) continue;  // a NaN must win its window: the general loop below sees to it
      }
      for (std::int64_t oh = 0; oh < OH; ++oh) {
        // The taps inside the image; padding never wins, and every window holds one
        // (padding ≤ kernel / 2).
        const std::int64_t h_first = oh * SH - PH;
        const std::int64_t kh0 = first_tap(h_first, DH, KH), kh1 = std::max(kh0, end_tap(h_first, DH, KH, H));
        for (std::int64_t ow = 0; ow < OW; ++ow) {
          const std::int64_t w_first = ow * SW - PW;
          const std::int64_t kw0 = first_tap(w_first, DW, KW), kw1 = std::max(kw0, end_tap(w_first, DW, KW, W));
          std::int64_t at = (h_first + kh0 * DH) * W + w_first + kw0 * DW;
          T best = plane[at];
          bool nan = false;
          for (std::int64_t kh = kh0; kh < kh1; ++kh) {
            const std::int64_t row = (h_first + kh * DH) * W + w_first;
            for (std::int64_t kw = kw0; kw < kw1; ++kw) {
              // Strictly greater: the first maximum in window order wins a tie (the
              // textbook's argmax, PyTorch's CPU kernel). Selects, not branches: on ReLU
              // outputs the comparison is a coin flip.
              const T v = plane[row + kw * DW];
              const bool gt = v > best;
              at = gt ? row + kw * DW : at;
              best = gt ? v : best;
              nan |= v != v;
            }
          }
          if (nan) {  // rare: the first NaN wins, so anomalies propagate (PyTorch's rule too)
            for (std::int64_t kh = kh1 - 1; kh >= kh0; --kh)
              for (std::int64_t kw = kw1 - 1; kw >= kw0; --kw) {
                const std::int64_t i = (h_first + kh * DH) * W + w_first + kw * DW;
                if (plane[i] != plane[i]) at = i, best = plane[i];
              }
          }
          yp[oh * OW + ow] = best;
          ap[oh * OW + ow] = at;
        }
      }
    }
    }, 1);
  });
}

Tensor box_argmax(const Tensor& x, const std::vector<BoxAxis>& boxes, const char* op) {
  const std::size_t D = boxes.size();
  if (D < 1 || D > 3 || x.dim() != static_cast<std::int64_t>(D) + 1)
    fail(op, ": box_argmax takes 1 to 3 box axes over (planes, ...), got ", D, " for ", detail::shape_str(x.shape()));
  const std::int64_t P = x.shape()[0];
  Shape out{P};
  // Three axes always: a missing leading axis is [0, 1) of a size-1 axis (no bounds).
  std::array<const std::int64_t*, 3> lo{}, hi{};
  std::array<std::int64_t, 3> in{1, 1, 1}, cells{1, 1, 1}, row{0, 0, 0};
  for (std::size_t a = 0; a < D; ++a) {
    const Tensor& l = boxes[a].lo;
    const Tensor& h = boxes[a].hi;
    if (l.dtype() != kInt64 || h.dtype() != kInt64 || l.dim() != 2 || h.shape() != l.shape() ||
        (l.shape()[0] != 1 && l.shape()[0] != P) || l.device() != x.device() || h.device() != x.device())
      fail(op, ": box_argmax's axis ", a, " needs int64 bounds (1 or ", P, ", out) on ", x.device().str(), ", got ",
           detail::shape_str(l.shape()), " and ", detail::shape_str(h.shape()));
    const std::size_t k = 3 - D + a;
    in[k] = x.shape()[1 + a];
    cells[k] = l.shape()[1];
    row[k] = l.shape()[0] == 1 ? 0 : cells[k];
    out.push_back(cells[k]);
  }
  Tensor at = detail::make_tensor(out, kInt64, x.device());
  if (at.numel() == 0) return at;
  if (!x.device().is_cpu()) {
    detail::gpu::box_argmax(at, x, boxes);
    return at;
  }
  for (std::size_t a = 0; a < D; ++a) {
    const std::size_t k = 3 - D + a;
    lo[k] = boxes[a].lo.data<std::int64_t>();
    hi[k] = boxes[a].hi.data<std::int64_t>();
    for (std::int64_t i = 0, n = boxes[a].lo.numel(); i < n; ++i)
      if (!(0 <= lo[k][i] && lo[k][i] < hi[k][i] && hi[k][i] <= in[k]))
        fail(op, ": window ", i, " of axis ", a, " is [", lo[k][i], ", ", hi[k][i], "), not a non-empty part of [0, ", in[k],
             ")");
  }
  std::int64_t* pa = at.data<std::int64_t>();
  const std::int64_t plane = in[0] * in[1] * in[2], per_plane = cells[0] * cells[1] * cells[2];
  detail::dispatch_float(x.dtype(), op, [&](auto t) {
    using T = decltype(t);
    const T* px = x.data<T>();
    detail::parallel_elements(P, static_cast<double>(plane + per_plane), [&](std::int64_t p0, std::int64_t p1) {
      for (std::int64_t p = p0; p < p1; ++p) {
        const T* xp = px + p * plane;
        std::int64_t* ap = pa + p * per_plane;
        // This plane's bounds per axis: [b0, e0) for the leading axis, and so on.
        const auto bound = [&](std::size_t k, std::int64_t o, bool end) {
          if (lo[k] == nullptr) return std::int64_t{end ? 1 : 0};
          return (end ? hi[k] : lo[k])[p * row[k] + o];
        };
        for (std::int64_t o0 = 0; o0 < cells[0]; ++o0) {
          const std::int64_t b0 = bound(0, o0, false), e0 = bound(0, o0, true);
          for (std::int64_t o1 = 0; o1 < cells[1]; ++o1) {
            const std::int64_t b1 = bound(1, o1, false), e1 = bound(1, o1, true);
            for (std::int64_t o2 = 0; o2 < cells[2]; ++o2) {
              const std::int64_t b2 = bound(2, o2, false), e2 = bound(2, o2, true);
              std::int64_t best_at = (b0 * in[1] + b1) * in[2] + b2;
              T best = xp[best_at];
              bool nan = false;
              for (std::int64_t d = b0; d < e0; ++d)
                for (std::int64_t h = b1; h < e1; ++h) {
                  const std::int64_t r = (d * in[1] + h) * in[2];
                  for (std::int64_t w = b2; w < e2; ++w) {  // selects, as max_pool2d's loop
                    const T v = xp[r + w];
                    const bool gt = v > best;
                    best_at = gt ? r + w : best_at;
                    best = gt ? v : best;
                    nan |= v != v;
                  }
                }
              if (nan) {  // rare: the first NaN in row-major order wins
                for (std::int64_t d = e0 - 1; d >= b0; --d)
                  for (std::int64_t h = e1 - 1; h >= b1; --h)
                    for (std::int64_t w = e2 - 1; w >= b2; --w) {
                      const std::int64_t i = (d * in[1] + h) * in[2] + w;
                      if (xp[i] != xp[i]) best_at = i;
                    }
              }
              *ap++ = best_at;
            }
          }
        }
      }
    }, 1);
  });
  return at;
}

void adaptive_bounds(std::int64_t in, std::int64_t out, std::vector<std::int64_t>& lo, std::vector<std::int64_t>& hi) {
  for (std::int64_t i = 0; i < out; ++i) {
    lo.push_back(static_cast<std::int64_t>(static_cast<__int128>(i) * in / out));
    hi.push_back(static_cast<std::int64_t>((static_cast<__int128>(i + 1) * in + out - 1) / out));
  }
}

BoxAxis box_row(const std::vector<std::int64_t>& lo, const std::vector<std::int64_t>& hi, Device device) {
  const auto as_row = [&](const std::vector<std::int64_t>& v) {
    Tensor t = detail::make_tensor({1, static_cast<std::int64_t>(v.size())}, kInt64);
    std::copy(v.begin(), v.end(), t.data<std::int64_t>());
    return device.is_cpu() ? t : t.to(device);
  };
  return {as_row(lo), as_row(hi)};
}

BoxAxis adaptive_box(std::int64_t in, std::int64_t out, Device device) {
  std::vector<std::int64_t> lo, hi;
  adaptive_bounds(in, out, lo, hi);
  return box_row(lo, hi, device);
}

namespace {
// The output columns [j0, j1) whose windows are whole and evenly spaced: column j reads
// [first + (j - j0)·stride, + width). Pooling windows clip only at the ends, so this is all
// but the edge columns of avg_pool2d (adaptive windows usually give an empty run). The loops
// below sweep such a run one tap at a time (a strided, vectorisable loop over columns) and
// the edge columns one by one, adding in the plain loop's order for every output (and, in
// the adjoint, every input), so the bits are the plain loop's (and the GPU's, which follows
// that order).
struct EvenRun {
  std::int64_t j0 = 0, j1 = 0, first = 0, stride = 1, width = 0;
};

EvenRun even_run(const PoolWindows& win) {
  const auto OW = static_cast<std::int64_t>(win.w0.size());
  EvenRun r;
  for (std::int64_t j = 0; j < OW; ++j) r.width = std::max(r.width, win.w1[j] - win.w0[j]);
  while (r.j0 < OW && win.w1[r.j0] - win.w0[r.j0] != r.width) ++r.j0;
  r.j1 = r.j0;
  while (r.j1 < OW && win.w1[r.j1] - win.w0[r.j1] == r.width) ++r.j1;
  if (r.j1 - r.j0 < 2) return EvenRun{};
  r.first = win.w0[r.j0];
  r.stride = win.w0[r.j0 + 1] - r.first;
  for (std::int64_t j = r.j0; j < r.j1; ++j)
    if (win.w0[j] != r.first + (j - r.j0) * r.stride) return EvenRun{};
  return r;
}
}  // namespace

Tensor window_average(const Tensor& x, const PoolWindows& win) {
  const auto OH = static_cast<std::int64_t>(win.h0.size()), OW = static_cast<std::int64_t>(win.w0.size());
  const std::int64_t planes = x.shape()[0] * x.shape()[1];
  Tensor y = detail::make_tensor({x.shape()[0], x.shape()[1], OH, OW}, x.dtype(), x.device());
  if (!x.device().is_cpu()) return detail::gpu::window_average(y, x, win), y;
  const EvenRun run = even_run(win);
  const std::int64_t H = win.H, W = win.W;
  detail::dispatch_float(x.dtype(), "avg_pool2d", [&](auto t) {
    using T = decltype(t);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    detail::parallel_elements(planes, static_cast<double>(H * W), [&](std::int64_t p0, std::int64_t p1) {
      std::vector<double> acc(static_cast<std::size_t>(OW));
      double* a = acc.data();
      for (std::int64_t p = p0; p < p1; ++p) {
        const T* plane = px + p * H * W;
        T* out = py + p * OH * OW;
        for (std::int64_t i = 0; i < OH; ++i) {
          std::fill(acc.begin(), acc.end(), 0.0);
          for (std::int64_t h = win.h0[i]; h < win.h1[i]; ++h) {
            const T* row = plane + h * W;
            for (std::int64_t j = 0; j < OW; ++j) {
              if (j == run.j0) j = run.j1;  // the run's columns: swept below
              if (j >= OW) break;
              for (std::int64_t w = win.w0[j]; w < win.w1[j]; ++w) a[j] += row[w];
            }
            for (std::int64_t k = 0; k < run.width && run.j1 > run.j0; ++k) {
              const T* r = row + run.first + k;
              const std::int64_t n = run.j1 - run.j0, s = run.stride;
              double* aj = a + run.j0;
              for (std::int64_t j = 0; j < n; ++j) aj[j] += r[j * s];
            }
          }
          for (std::int64_t j = 0; j < OW; ++j) out[i * OW + j] = static_cast<T>(a[j] / win.divisor[i * OW + j]);
        }
      }
    }, 1);
  });
  return y;
}

Tensor window_average_adjoint(const Tensor& gy, const PoolWindows& win) {
  const auto OH = static_cast<std::int64_t>(win.h0.size()), OW = static_cast<std::int64_t>(win.w0.size());
  const std::int64_t planes = gy.shape()[0] * gy.shape()[1];
  Tensor gx = zeros({gy.shape()[0], gy.shape()[1], win.H, win.W}, TensorOptions(gy.dtype()).device(gy.device()));
  if (!gy.device().is_cpu()) return detail::gpu::window_average_adjoint(gx, gy, win), gx;
  const EvenRun run = even_run(win);
  const std::int64_t H = win.H, W = win.W;
  detail::dispatch_float(gy.dtype(), "avg_pool2d", [&](auto t) {
    using T = decltype(t);
    const T* pg = gy.data<T>();
    T* px = gx.data<T>();
    detail::parallel_elements(planes, static_cast<double>(H * W), [&](std::int64_t p0, std::int64_t p1) {
      std::vector<T> share(static_cast<std::size_t>(OW));
      T* v = share.data();
      for (std::int64_t p = p0; p < p1; ++p) {
        const T* g = pg + p * OH * OW;
        T* plane = px + p * H * W;
        for (std::int64_t i = 0; i < OH; ++i) {
          for (std::int64_t j = 0; j < OW; ++j) v[j] = static_cast<T>(g[i * OW + j] / win.divisor[i * OW + j]);
          for (std::int64_t h = win.h0[i]; h < win.h1[i]; ++h) {
            T* row = plane + h * W;
            // Each input gathers its windows' shares in column order, as the plain loop
            // (columns, then rows and taps) adds them: the left edge, the run (taps from the
            // last, so an input's columns come in ascending order), the right edge.
            for (std::int64_t j = 0; j < run.j0; ++j)
              for (std::int64_t w = win.w0[j]; w < win.w1[j]; ++w) row[w] += v[j];
            for (std::int64_t k = run.width - 1; k >= 0 && run.j1 > run.j0; --k) {
              T* r = row + run.first + k;
              const std::int64_t n = run.j1 - run.j0, s = run.stride;
              const T* vj = v + run.j0;
              for (std::int64_t j = 0; j < n; ++j) r[j * s] += vj[j];
            }
            for (std::int64_t j = run.j1; j < OW; ++j)
              for (std::int64_t w = win.w0[j]; w < win.w1[j]; ++w) row[w] += v[j];
          }
        }
      }
    }, 1);
  });
  return gx;
}

Tensor embed(const Tensor& x, const Shape& shape, const std::vector<std::int64_t>& offset, double value) {
  Tensor out = full(shape, value, TensorOptions(x.dtype()).device(x.device()));
  if (x.numel() == 0) return out;
  if (!x.device().is_cpu()) return detail::gpu::embed(out, x, offset, value), out;
  const auto rank = static_cast<std::int64_t>(shape.size());
  const Shape dst_strides = detail::contiguous_strides(shape);
  const std::int64_t row = rank == 0 ? 1 : x.shape()[rank - 1];
  const std::size_t item = dtype_size(x.dtype());
  const auto* src = static_cast<const char*>(x.impl()->storage->host());
  auto* dst = static_cast<char*>(out.impl()->storage->host());
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
