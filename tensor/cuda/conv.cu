// Convolution and pooling on CUDA. A convolution is im2col into a workspace for a chunk of
// samples, then one strided-batched cuBLAS product per group for the whole chunk (not one
// product per sample: 1,024 launches at batch 1,024); the column buffer is capped at 64 MiB.
// The adjoint col2im gathers (each input pixel sums its taps in kernel order, the CPU's
// order), so no atomics: deterministic. The weight gradient is one product per group over
// the chunk's samples laid side by side, accumulated chunk after chunk.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "tensor/checked.h"
#include "tensor/conv_kernels.h"
#include "tensor/cuda/check.h"
#include "tensor/cuda/entry_count.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/launch.h"
#include "tensor/cuda/runtime.h"
#include "tensor/strided.h"
#include "tensor/tensor_impl.h"

namespace xg::detail::gpu {

namespace {

using kernel::ConvGeom;
using std::int64_t;

constexpr int kThreads = 256;
constexpr int64_t kWorkspaceBytes = int64_t{64} << 20;

// Columns of samples [n0, n0 + s): row r = (c, kh, kw), column l = (oh, ow). Layout SRL
// (sample, row, column) for the batched products, or RSL (row, sample, column) for the
// weight gradient's single product; padding reads 0.
template <class T, bool RSL>
__global__ void im2col_kernel(T* col, const T* x, ConvGeom g, int64_t n0, int64_t s) {
  const int64_t L = g.OH * g.OW, R = g.C * g.KH * g.KW;
  XG_GRID_LOOP(e, s * R * L) {
    const int64_t l = e % L;
    const int64_t r = RSL ? e / (L * s) : (e / L) % R;
    const int64_t si = RSL ? (e / L) % s : e / (L * R);
    const int64_t c = r / (g.KH * g.KW), kh = (r / g.KW) % g.KH, kw = r % g.KW;
    const int64_t ih = (l / g.OW) * g.SH - g.PH + kh * g.DH, iw = (l % g.OW) * g.SW - g.PW + kw * g.DW;
    col[e] = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? x[(((n0 + si) * g.C + c) * g.H + ih) * g.W + iw] : T(0);
  }
}

// The adjoint for samples [n0, n0 + s) of SRL columns: each input pixel sums the taps that
// read it, kh then kw ascending (the CPU's col2im order), into gx.
template <class T>
__global__ void col2im_kernel(T* gx, const T* col, ConvGeom g, int64_t n0, int64_t s) {
  const int64_t L = g.OH * g.OW, R = g.C * g.KH * g.KW;
  XG_GRID_LOOP(e, s * g.C * g.H * g.W) {
    const int64_t w = e % g.W, h = (e / g.W) % g.H, c = (e / (g.W * g.H)) % g.C, si = e / (g.W * g.H * g.C);
    T acc = T(0);
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t th = h + g.PH - kh * g.DH;
      if (th < 0 || th % g.SH != 0 || th / g.SH >= g.OH) continue;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const int64_t tw = w + g.PW - kw * g.DW;
        if (tw < 0 || tw % g.SW != 0 || tw / g.SW >= g.OW) continue;
        acc += col[(si * R + (c * g.KH + kh) * g.KW + kw) * L + (th / g.SH) * g.OW + tw / g.SW];
      }
    }
    gx[(n0 * g.C) * g.H * g.W + e] = acc;
  }
}

// The textbook's im2col layout: (N·L, R), row (n, oh, ow), column (c, kh, kw).
template <class T>
__global__ void rows_im2col(T* out, const T* x, ConvGeom g) {
  const int64_t L = g.OH * g.OW, R = g.C * g.KH * g.KW;
  XG_GRID_LOOP(e, g.N * L * R) {
    const int64_t r = e % R, l = (e / R) % L, n = e / (R * L);
    const int64_t c = r / (g.KH * g.KW), kh = (r / g.KW) % g.KH, kw = r % g.KW;
    const int64_t ih = (l / g.OW) * g.SH - g.PH + kh * g.DH, iw = (l % g.OW) * g.SW - g.PW + kw * g.DW;
    out[e] = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? x[((n * g.C + c) * g.H + ih) * g.W + iw] : T(0);
  }
}

template <class T>
__global__ void rows_col2im(T* gx, const T* cols, ConvGeom g) {
  const int64_t L = g.OH * g.OW, R = g.C * g.KH * g.KW;
  XG_GRID_LOOP(e, g.N * g.C * g.H * g.W) {
    const int64_t w = e % g.W, h = (e / g.W) % g.H, c = (e / (g.W * g.H)) % g.C, n = e / (g.W * g.H * g.C);
    T acc = T(0);
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t th = h + g.PH - kh * g.DH;
      if (th < 0 || th % g.SH != 0 || th / g.SH >= g.OH) continue;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const int64_t tw = w + g.PW - kw * g.DW;
        if (tw < 0 || tw % g.SW != 0 || tw / g.SW >= g.OW) continue;
        acc += cols[(n * L + (th / g.SH) * g.OW + tw / g.SW) * R + (c * g.KH + kh) * g.KW + kw];
      }
    }
    gx[e] = acc;
  }
}

// gy's samples [n0, n0 + s) from (s, OC, L) to (OC, s, L), beside the RSL columns.
template <class T>
__global__ void channels_first(T* out, const T* gy, int64_t OC, int64_t L, int64_t n0, int64_t s) {
  XG_GRID_LOOP(e, OC * s * L) {
    const int64_t l = e % L, si = (e / L) % s, oc = e / (L * s);
    out[e] = gy[((n0 + si) * OC + oc) * L + l];
  }
}

// The first NaN in window order wins; otherwise the first strict maximum (the CPU's rules).
template <class T>
__global__ void max_pool_kernel(T* y, int64_t* at, const T* x, ConvGeom g) {
  XG_GRID_LOOP(e, g.N * g.C * g.OH * g.OW) {
    const int64_t ow = e % g.OW, oh = (e / g.OW) % g.OH, p = e / (g.OW * g.OH);
    const T* plane = x + p * g.H * g.W;
    const int64_t h_first = oh * g.SH - g.PH, w_first = ow * g.SW - g.PW;
    int64_t best_at = -1;
    T best = T(0);
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t ih = h_first + kh * g.DH;
      if (ih < 0 || ih >= g.H) continue;
      bool stop = false;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const int64_t iw = w_first + kw * g.DW;
        if (iw < 0 || iw >= g.W) continue;
        const T v = plane[ih * g.W + iw];
        if (v != v) {  // a NaN: the first one wins the window
          best = v, best_at = ih * g.W + iw, stop = true;
          break;
        }
        if (best_at < 0 || v > best) best = v, best_at = ih * g.W + iw;
      }
      if (stop) break;
    }
    y[e] = best;
    at[e] = best_at;
  }
}

// box_argmax's boxes by value: three axes, a missing leading one [0, 1) of size 1 (lo null).
struct Boxes {
  const int64_t* lo[3];
  const int64_t* hi[3];
  int64_t in[3], cells[3], row[3];
};

// One thread per output cell; the rules of max_pool_kernel. A box the caller got wrong is
// clipped to the plane, and an empty one gives -1 (the gather that follows reports it).
template <class T>
__global__ void box_argmax_kernel(int64_t* at, const T* x, Boxes b, int64_t n) {
  XG_GRID_LOOP(e, n) {
    int64_t rest = e, o[3], lo[3], hi[3];
    for (int k = 2; k >= 0; --k) o[k] = rest % b.cells[k], rest /= b.cells[k];
    const int64_t p = rest;
    for (int k = 0; k < 3; ++k) {
      lo[k] = b.lo[k] ? b.lo[k][p * b.row[k] + o[k]] : 0;
      hi[k] = b.hi[k] ? b.hi[k][p * b.row[k] + o[k]] : 1;
      lo[k] = lo[k] < 0 ? 0 : lo[k];
      hi[k] = hi[k] > b.in[k] ? b.in[k] : hi[k];
    }
    const T* plane = x + p * b.in[0] * b.in[1] * b.in[2];
    int64_t best_at = -1;
    T best = T(0);
    for (int64_t d = lo[0]; d < hi[0]; ++d)
      for (int64_t h = lo[1]; h < hi[1]; ++h)
        for (int64_t w = lo[2]; w < hi[2]; ++w) {
          const int64_t i = (d * b.in[1] + h) * b.in[2] + w;
          const T v = plane[i];
          if (v != v) {  // the first NaN wins: stop every loop
            best_at = i, d = hi[0], h = hi[1];
            break;
          }
          if (best_at < 0 || v > best) best = v, best_at = i;
        }
    at[e] = best_at;
  }
}

// An averaging pool's windows by value (kernel parameters may take 32 KB since CUDA 12.1):
// no table to copy to the device, so no wait.
constexpr int kMaxWindows = 512, kMaxCells = 2048;
struct Windows {
  int oh, ow;
  int64_t H, W;
  int h0[kMaxWindows], h1[kMaxWindows], w0[kMaxWindows], w1[kMaxWindows];
  double divisor[kMaxCells];
};

// Each output: its window's sum in double over its divisor (the CPU's formula and order).
template <class T>
__global__ void average_kernel(T* y, const T* x, Windows win, int64_t planes) {
  XG_GRID_LOOP(e, planes * win.oh * win.ow) {
    const int j = static_cast<int>(e % win.ow), i = static_cast<int>((e / win.ow) % win.oh);
    const T* plane = x + (e / (static_cast<int64_t>(win.ow) * win.oh)) * win.H * win.W;
    double s = 0;
    for (int64_t h = win.h0[i]; h < win.h1[i]; ++h)
      for (int64_t w = win.w0[j]; w < win.w1[j]; ++w) s += plane[h * win.W + w];
    y[e] = static_cast<T>(s / win.divisor[i * win.ow + j]);
  }
}

// The adjoint as a gather: each input pixel adds the shares of the windows holding it, in
// output order (the CPU adds them in that order too).
template <class T>
__global__ void average_adjoint_kernel(T* gx, const T* gy, Windows win, int64_t planes) {
  XG_GRID_LOOP(e, planes * win.H * win.W) {
    const int64_t w = e % win.W, h = (e / win.W) % win.H, p = e / (win.W * win.H);
    const T* g = gy + p * win.oh * win.ow;
    T acc = T(0);
    for (int i = 0; i < win.oh; ++i) {
      if (h < win.h0[i] || h >= win.h1[i]) continue;
      for (int j = 0; j < win.ow; ++j)
        if (w >= win.w0[j] && w < win.w1[j]) acc += static_cast<T>(g[i * win.ow + j] / win.divisor[i * win.ow + j]);
    }
    gx[e] = acc;
  }
}

Windows windows_of(const kernel::PoolWindows& pw, const char* op) {
  Windows win{};
  win.oh = static_cast<int>(pw.h0.size());
  win.ow = static_cast<int>(pw.w0.size());
  if (win.oh > kMaxWindows || win.ow > kMaxWindows || static_cast<int64_t>(win.oh) * win.ow > kMaxCells)
    fail(op, ": an output of ", win.oh, " x ", win.ow, " cells is not supported on CUDA yet (at most ", kMaxWindows,
         " per axis and ", kMaxCells, " in all); pool on the CPU with .to(xg::kCPU)");
  win.H = pw.H, win.W = pw.W;
  for (int i = 0; i < win.oh; ++i) win.h0[i] = static_cast<int>(pw.h0[i]), win.h1[i] = static_cast<int>(pw.h1[i]);
  for (int j = 0; j < win.ow; ++j) win.w0[j] = static_cast<int>(pw.w0[j]), win.w1[j] = static_cast<int>(pw.w1[j]);
  for (int c = 0; c < win.oh * win.ow; ++c) win.divisor[c] = pw.divisor[static_cast<std::size_t>(c)];
  return win;
}

struct Embedding {
  int nd;
  int64_t out_dims[16], in_dims[16], offset[16];
};

template <class T>
__global__ void embed_kernel(T* out, const T* x, Embedding m, int64_t n, T value) {
  XG_GRID_LOOP(e, n) {
    int64_t rest = e, src = 0, stride = 1;
    bool inside = true;
    for (int d = m.nd - 1; d >= 0; --d) {
      const int64_t i = rest % m.out_dims[d] - m.offset[d];
      rest /= m.out_dims[d];
      inside = inside && i >= 0 && i < m.in_dims[d];
      src += i * stride;
      stride *= m.in_dims[d];
    }
    out[e] = inside ? x[src] : value;
  }
}

int64_t samples_per_chunk(const ConvGeom& g, std::size_t itemsize) {
  const int64_t per_sample = std::max<int64_t>(1, g.C * g.KH * g.KW * g.OH * g.OW * static_cast<int64_t>(itemsize));
  return std::max<int64_t>(1, std::min<int64_t>(g.N, kWorkspaceBytes / per_sample));
}

bool pointwise(const ConvGeom& g) { return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PH == 0 && g.PW == 0; }

}  // namespace

void conv2d_forward(Tensor& y, const Tensor& x, const Tensor& W, const Tensor& b, const ConvGeom& g) {
  XG_GPU_ENTRY(conv2d_forward);
  const char* op = call_or("conv2d");
  const cudaStream_t st = on(y, op);
  const int64_t L = g.OH * g.OW, R = g.col_rows(), OCg = g.OC / g.groups, Kg = R / g.groups;
  if (b.defined()) cast(y, detail::alias(b, {g.OC, 1, 1}));  // the bias in every pixel; the products add to it
  const int64_t S = samples_per_chunk(g, dtype_size(x.dtype()));
  Tensor cols = pointwise(g) ? Tensor() : make_tensor({S * R * L}, x.dtype(), x.device());
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    for (int64_t n0 = 0; n0 < g.N; n0 += S) {
      const int64_t s = std::min(S, g.N - n0);
      if (!pointwise(g)) im2col_kernel<T, false><<<grid_for(s * R * L), kThreads, 0, st>>>(dptr<T>(cols), dptr<T>(x), g, n0, s);
      launched(op);
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        GemmArgs a;
        a.m = OCg, a.n = L, a.k = Kg, a.lda = Kg, a.ldb = L, a.ldc = L, a.sa = 0, a.sb = R * L, a.sc = g.OC * L, a.batch = s;
        const Tensor& B = pointwise(g) ? x : cols;
        const int64_t b_off = (pointwise(g) ? n0 * R * L : 0) + grp * Kg * L;
        gemm_strided(a, W, grp * OCg * Kg, B, b_off, b.defined() ? 1.0 : 0.0, y, n0 * g.OC * L + grp * OCg * L);
      }
    }
  });
}

void conv2d_input_grad(Tensor& gx, const Tensor& gy, const Tensor& W, const ConvGeom& g) {
  XG_GPU_ENTRY(conv2d_input_grad);
  const char* op = call_or("conv2d");
  const cudaStream_t st = on(gx, op);
  const int64_t L = g.OH * g.OW, R = g.col_rows(), OCg = g.OC / g.groups, Kg = R / g.groups;
  const int64_t S = samples_per_chunk(g, dtype_size(gy.dtype()));
  Tensor dcol = pointwise(g) ? Tensor() : make_tensor({S * R * L}, gy.dtype(), gy.device());
  detail::dispatch_float(gy.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    for (int64_t n0 = 0; n0 < g.N; n0 += S) {
      const int64_t s = std::min(S, g.N - n0);
      Tensor& C = pointwise(g) ? gx : dcol;
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        GemmArgs a;
        a.trans_a = true;
        a.m = Kg, a.n = L, a.k = OCg, a.lda = Kg, a.ldb = L, a.ldc = L, a.sa = 0, a.sb = g.OC * L, a.sc = R * L, a.batch = s;
        gemm_strided(a, W, grp * OCg * Kg, gy, n0 * g.OC * L + grp * OCg * L, 0.0, C,
                     (pointwise(g) ? n0 * R * L : 0) + grp * Kg * L);
      }
      if (!pointwise(g)) {
        col2im_kernel<T><<<grid_for(s * g.C * g.H * g.W), kThreads, 0, st>>>(dptr<T>(gx), dptr<T>(dcol), g, n0, s);
        launched(op);
      }
    }
  });
}

void conv2d_weight_grad(Tensor& gW, const Tensor& x, const Tensor& gy, const ConvGeom& g) {
  XG_GPU_ENTRY(conv2d_weight_grad);
  const char* op = call_or("conv2d");
  const cudaStream_t st = on(gW, op);
  const int64_t L = g.OH * g.OW, R = g.col_rows(), OCg = g.OC / g.groups, Kg = R / g.groups;
  const int64_t S = samples_per_chunk(g, dtype_size(x.dtype()));
  Tensor cols = make_tensor({S * R * L}, x.dtype(), x.device()), gyp = make_tensor({S * g.OC * L}, x.dtype(), x.device());
  check(cudaMemsetAsync(gW.impl()->storage->data, 0, static_cast<std::size_t>(gW.numel()) * dtype_size(gW.dtype()), st), op);
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    for (int64_t n0 = 0; n0 < g.N; n0 += S) {
      const int64_t s = std::min(S, g.N - n0);
      im2col_kernel<T, true><<<grid_for(s * R * L), kThreads, 0, st>>>(dptr<T>(cols), dptr<T>(x), g, n0, s);
      channels_first<T><<<grid_for(g.OC * s * L), kThreads, 0, st>>>(dptr<T>(gyp), dptr<T>(gy), g.OC, L, n0, s);
      launched(op);
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        GemmArgs a;  // gW_g (OCg x Kg) += gy_g (OCg x sL) cols_g^T (sL x Kg)
        a.trans_b = true;
        a.m = OCg, a.n = Kg, a.k = s * L, a.lda = s * L, a.ldb = s * L, a.ldc = Kg;
        gemm_strided(a, gyp, grp * OCg * s * L, cols, grp * Kg * s * L, 1.0, gW, grp * OCg * Kg);
      }
    }
  });
}

void im2col(Tensor& out, const Tensor& x, const ConvGeom& g) {
  XG_GPU_ENTRY(im2col);
  const char* op = call_or("im2col");
  const cudaStream_t st = on(out, op);
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    rows_im2col<T><<<grid_for(out.numel()), kThreads, 0, st>>>(dptr<T>(out), dptr<T>(x), g);
  });
  launched(op);
}

void col2im(Tensor& gx, const Tensor& cols, const ConvGeom& g) {
  XG_GPU_ENTRY(col2im);
  const char* op = call_or("col2im");
  const cudaStream_t st = on(gx, op);
  detail::dispatch_float(cols.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    rows_col2im<T><<<grid_for(gx.numel()), kThreads, 0, st>>>(dptr<T>(gx), dptr<T>(cols), g);
  });
  launched(op);
}

void max_pool2d(Tensor& y, Tensor& argmax, const Tensor& x, const ConvGeom& g) {
  XG_GPU_ENTRY(max_pool2d);
  const char* op = call_or("max_pool2d");
  if (y.numel() == 0) return;
  const cudaStream_t st = on(y, op);
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    max_pool_kernel<T><<<grid_for(y.numel()), kThreads, 0, st>>>(dptr<T>(y), dptr<std::int64_t>(argmax), dptr<T>(x), g);
  });
  launched(op);
}

void box_argmax(Tensor& at, const Tensor& x, const std::vector<kernel::BoxAxis>& boxes) {
  XG_GPU_ENTRY(box_argmax);
  const char* op = call_or("box_argmax");
  Boxes b{};
  const std::size_t D = boxes.size();
  for (int k = 0; k < 3; ++k) b.in[k] = 1, b.cells[k] = 1;
  for (std::size_t a = 0; a < D; ++a) {
    const std::size_t k = 3 - D + a;
    b.lo[k] = dptr<int64_t>(boxes[a].lo);
    b.hi[k] = dptr<int64_t>(boxes[a].hi);
    b.in[k] = x.shape()[1 + a];
    b.cells[k] = boxes[a].lo.shape()[1];
    b.row[k] = boxes[a].lo.shape()[0] == 1 ? 0 : b.cells[k];
  }
  const cudaStream_t st = on(at, op);
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    box_argmax_kernel<T><<<grid_for(at.numel()), kThreads, 0, st>>>(dptr<int64_t>(at), dptr<T>(x), b, at.numel());
  });
  launched(op);
}

void embed(Tensor& out, const Tensor& x, const std::vector<std::int64_t>& offset, double value) {
  XG_GPU_ENTRY(embed);
  const char* op = call_or("pad");
  if (out.numel() == 0) return;
  if (out.dim() > 16) fail(op, ": ", out.dim(), " axes exceed the supported 16");
  Embedding m{};
  m.nd = static_cast<int>(out.dim());
  for (int d = 0; d < m.nd; ++d) {
    m.out_dims[d] = out.shape()[static_cast<std::size_t>(d)];
    m.in_dims[d] = x.shape()[static_cast<std::size_t>(d)];
    m.offset[d] = offset[static_cast<std::size_t>(d)];
  }
  const cudaStream_t st = on(out, op);
  detail::dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    embed_kernel<T><<<grid_for(out.numel()), kThreads, 0, st>>>(dptr<T>(out), dptr<T>(x), m, out.numel(), static_cast<T>(value));
  });
  launched(op);
}

void window_average(Tensor& y, const Tensor& x, const kernel::PoolWindows& pw) {
  XG_GPU_ENTRY(window_average);
  const char* op = call_or("avg_pool2d");
  const Windows win = windows_of(pw, op);
  if (y.numel() == 0) return;
  const cudaStream_t st = on(y, op);
  const int64_t planes = x.shape()[0] * x.shape()[1];
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    average_kernel<T><<<grid_for(y.numel()), kThreads, 0, st>>>(dptr<T>(y), dptr<T>(x), win, planes);
  });
  launched(op);
}

void window_average_adjoint(Tensor& gx, const Tensor& gy, const kernel::PoolWindows& pw) {
  XG_GPU_ENTRY(window_average_adjoint);
  const char* op = call_or("avg_pool2d");
  const Windows win = windows_of(pw, op);
  if (gx.numel() == 0) return;
  const cudaStream_t st = on(gx, op);
  const int64_t planes = gy.shape()[0] * gy.shape()[1];
  detail::dispatch_float(gy.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    average_adjoint_kernel<T><<<grid_for(gx.numel()), kThreads, 0, st>>>(dptr<T>(gx), dptr<T>(gy), win, planes);
  });
  launched(op);
}

}  // namespace xg::detail::gpu
