// Convolution kernels: per-sample im2col into a scratch buffer, then one gemm per group
// straight into NCHW (no transposed copy of the output). See conv_kernels.h for why the
// column buffer is never kept.
#include <xgrad/detail/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "tensor/blas.h"
#include "tensor/checked.h"
#include "tensor/conv_direct.h"
#include "tensor/conv_kernels.h"
#include "tensor/cuda/kernels.h"
#include "tensor/parallel.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

namespace {

using std::int64_t;

// C = op(A)·op(B) + beta·C through the one matrix-product seam (tensor/blas.h).
template <class T>
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T beta,
          T* C, int64_t ldc) {
  detail::gemm(ta, tb, M, N, K, T(1), A, lda, B, ldb, beta, C, ldc, "conv2d");
}

// ⌈a / b⌉ for b ≥ 1, 0 for a ≤ 0; without a + b − 1, which overflows for a stride near 2^63.
int64_t ceil_div(int64_t a, int64_t b) { return a <= 0 ? 0 : a / b + (a % b != 0); }

// For kernel column kw: the output columns [ow0, ow1) whose input column lies inside the
// image; the rest read padding.
void valid_cols(const ConvGeom& g, int64_t kw, int64_t& ow0, int64_t& ow1) {
  const int64_t off = kw * g.DW - g.PW;  // input column of output column 0
  // Both in [0, OW]: a kernel column that never meets the sample gives an empty range.
  ow1 = std::max<int64_t>(0, std::min(g.OW, ceil_div(g.W - off, g.SW)));
  ow0 = std::max<int64_t>(0, std::min(ow1, ceil_div(-off, g.SW)));
}

// One sample (C, H, W) -> its columns (C·KH·KW, OH·OW), row (c, kh, kw).
template <class T>
void im2col_sample(const T* x, const ConvGeom& g, T* col) {
  const int64_t L = g.OH * g.OW;
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t kh = 0; kh < g.KH; ++kh)
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        T* row = col + ((c * g.KH + kh) * g.KW + kw) * L;
        int64_t ow0, ow1;
        valid_cols(g, kw, ow0, ow1);
        const int64_t off = kw * g.DW - g.PW;
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          T* out = row + oh * g.OW;
          const int64_t ih = oh * g.SH - g.PH + kh * g.DH;
          if (ih < 0 || ih >= g.H) {
            std::fill(out, out + g.OW, T(0));
            continue;
          }
          std::fill(out, out + ow0, T(0));
          if (ow0 < ow1) {
            // Pointers are formed at the first valid column only: with a large padding, the
            // row's start (off < 0) lies outside the sample, and forming it is undefined.
            const T* in = x + ((c * g.H + ih) * g.W + (ow0 * g.SW + off));
            if (g.SW == 1)
              std::copy(in, in + (ow1 - ow0), out + ow0);
            else
              for (int64_t ow = ow0; ow < ow1; ++ow) out[ow] = in[(ow - ow0) * g.SW];
          }
          std::fill(out + ow1, out + g.OW, T(0));
        }
      }
}

// The adjoint: adds the columns back into the sample x (C, H, W), which the caller zeroed.
template <class T>
void col2im_sample(const T* col, const ConvGeom& g, T* x) {
  const int64_t L = g.OH * g.OW;
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t kh = 0; kh < g.KH; ++kh)
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const T* row = col + ((c * g.KH + kh) * g.KW + kw) * L;
        int64_t ow0, ow1;
        valid_cols(g, kw, ow0, ow1);
        const int64_t off = kw * g.DW - g.PW;
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          const int64_t ih = oh * g.SH - g.PH + kh * g.DH;
          if (ih < 0 || ih >= g.H) continue;
          if (ow0 >= ow1) continue;
          T* out = x + ((c * g.H + ih) * g.W + (ow0 * g.SW + off));  // the first valid column (see im2col_sample)
          const T* in = row + oh * g.OW;
          for (int64_t ow = ow0; ow < ow1; ++ow) out[(ow - ow0) * g.SW] += in[ow];
        }
      }
}

// A 1x1 kernel at stride 1 without padding reads the sample as its own column buffer.
bool pointwise(const ConvGeom& g) { return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PH == 0 && g.PW == 0; }

// This thread's column buffer, kept between calls: a layer asks for the same size every
// step, and a fresh vector per call (0.66 MB for the Keras CNN's conv2) went back to mmap
// and page faults each time. Worker threads get their own, freed when they end.
template <class T>
T* column_scratch(const ConvGeom& g) {
  thread_local std::vector<T> buffer;
  const auto n = pointwise(g) ? 0 : static_cast<std::size_t>(g.col_rows() * g.OH * g.OW);
  if (buffer.size() < n) buffer.resize(n);
  return buffer.data();
}

double macs(const ConvGeom& g) {
  return static_cast<double>(g.N) * static_cast<double>(g.OC) * static_cast<double>(g.col_rows() / g.groups) *
         static_cast<double>(g.OH * g.OW);
}

template <class T>
void forward_impl(const Tensor& x, const Tensor& W, const Tensor& b, const ConvGeom& g, Tensor& y) {
  const int64_t L = g.OH * g.OW, OCg = g.OC / g.groups, Kg = g.col_rows() / g.groups;
  const T* px = x.data<T>();
  const T* pw = W.data<T>();
  const T* pb = b.defined() ? b.data<T>() : nullptr;
  T* py = y.data<T>();
  detail::parallel_for(g.N, macs(g), [&](int64_t n0, int64_t n1, int) {
    T* scratch = column_scratch<T>(g);
    for (int64_t n = n0; n < n1; ++n) {
      const T* xn = px + n * g.C * g.H * g.W;
      T* yn = py + n * g.OC * L;
      const T* col = xn;
      if (!pointwise(g)) {
        im2col_sample(xn, g, scratch);
        col = scratch;
      }
      if (pb)
        for (int64_t oc = 0; oc < g.OC; ++oc) std::fill(yn + oc * L, yn + (oc + 1) * L, pb[oc]);
      for (int64_t grp = 0; grp < g.groups; ++grp)
        gemm(false, false, OCg, L, Kg, pw + grp * OCg * Kg, Kg, col + grp * Kg * L, L, pb ? T(1) : T(0),
             yn + grp * OCg * L, L);
    }
  });
}

template <class T>
void input_grad_impl(const Tensor& gy, const Tensor& W, const ConvGeom& g, Tensor& gx) {
  const int64_t L = g.OH * g.OW, OCg = g.OC / g.groups, Kg = g.col_rows() / g.groups;
  const T* pgy = gy.data<T>();
  const T* pw = W.data<T>();
  T* pgx = gx.data<T>();
  detail::parallel_for(g.N, macs(g), [&](int64_t n0, int64_t n1, int) {
    T* scratch = column_scratch<T>(g);
    for (int64_t n = n0; n < n1; ++n) {
      T* gxn = pgx + n * g.C * g.H * g.W;
      T* dcol = pointwise(g) ? gxn : scratch;
      for (int64_t grp = 0; grp < g.groups; ++grp)
        gemm(true, false, Kg, L, OCg, pw + grp * OCg * Kg, Kg, pgy + n * g.OC * L + grp * OCg * L, L, T(0),
             dcol + grp * Kg * L, L);
      if (!pointwise(g)) {
        std::fill(gxn, gxn + g.C * g.H * g.W, T(0));
        col2im_sample(dcol, g, gxn);
      }
    }
  });
}

template <class T>
void weight_grad_impl(const Tensor& x, const Tensor& gy, const ConvGeom& g, Tensor& gW) {
  const int64_t L = g.OH * g.OW, OCg = g.OC / g.groups, Kg = g.col_rows() / g.groups;
  const T* px = x.data<T>();
  const T* pgy = gy.data<T>();
  // One accumulator per block of samples, the blocks cut from the job's size alone and summed
  // in block order: the same bits on any number of threads, whatever set_num_threads does
  // meanwhile.
  const int chunks = detail::reduction_blocks(g.N, macs(g));
  std::vector<std::vector<T>> partial(static_cast<std::size_t>(chunks));
  detail::parallel_for_chunks(g.N, chunks, [&](int64_t n0, int64_t n1, int chunk) {
    std::vector<T>& acc = partial[static_cast<std::size_t>(chunk)];
    acc.assign(static_cast<std::size_t>(g.OC * Kg), T(0));
    T* scratch = column_scratch<T>(g);
    for (int64_t n = n0; n < n1; ++n) {
      const T* xn = px + n * g.C * g.H * g.W;
      const T* col = xn;
      if (!pointwise(g)) {
        im2col_sample(xn, g, scratch);
        col = scratch;
      }
      for (int64_t grp = 0; grp < g.groups; ++grp)
        gemm(false, true, OCg, Kg, L, pgy + n * g.OC * L + grp * OCg * L, L, col + grp * Kg * L, L, T(1),
             acc.data() + grp * OCg * Kg, Kg);
    }
  });
  T* out = gW.data<T>();
  std::fill(out, out + gW.numel(), T(0));
  for (const auto& acc : partial)
    for (std::size_t i = 0; i < acc.size(); ++i) out[i] += acc[i];
}

// Whether a convolution of these float32 (or not) CPU (or not) tensors runs on oneDNN's
// direct kernels (tensor/conv_direct.h), and its geometry there. The decision depends on the
// geometry alone, so a convolution's three kernels all take the same path.
bool direct(const ConvGeom& g, std::initializer_list<const Tensor*> operands, DirectConvGeom& d) {
  for (const Tensor* t : operands)
    if (t->defined() && (t->dtype() != kFloat32 || !t->device().is_cpu())) return false;
  d.rank = 2, d.N = g.N, d.C = g.C, d.OC = g.OC, d.groups = g.groups;
  d.in[0] = g.H, d.in[1] = g.W, d.out[0] = g.OH, d.out[1] = g.OW;
  d.kernel[0] = g.KH, d.kernel[1] = g.KW, d.stride[0] = g.SH, d.stride[1] = g.SW;
  d.padding[0] = g.PH, d.padding[1] = g.PW, d.dilation[0] = g.DH, d.dilation[1] = g.DW;
  return conv_direct_available(d);
}

}  // namespace

std::int64_t window_count(std::int64_t size, std::int64_t pad, std::int64_t padded, std::int64_t span,
                          std::int64_t stride, bool ceil_mode) {
  const std::int64_t room = padded - span;  // both non-negative: no overflow
  if (!ceil_mode) return room < 0 ? 0 : room / stride + 1;
  // Rounded up: a window past the end by less than a stride counts.
  std::int64_t out = room < 0 ? (room > -stride ? 1 : 0) : room / stride + (room % stride != 0) + 1;
  // A last window must start inside the input or its left padding.
  if (out > 0 && static_cast<__int128>(out - 1) * stride >= static_cast<__int128>(size) + pad) --out;
  return out;
}

ConvGeom make_geometry(const char* op, const Shape& in, const Window2d& w) {
  if (in.size() != 3 && in.size() != 4)
    fail(op, ": expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got ", in.size(), "-D ", detail::shape_str(in));
  const auto check_pair = [op](const char* what, int64_t h, int64_t v, int64_t min) {
    if (h < min || v < min)
      fail(op, ": ", what, " must be ", min == 0 ? "non-negative" : "positive", ", got (", h, ", ", v, ")");
  };
  check_pair("kernel size", w.KH, w.KW, 1);
  check_pair("stride", w.SH, w.SW, 1);
  check_pair("padding", w.PH, w.PW, 0);
  check_pair("dilation", w.DH, w.DW, 1);
  ConvGeom g;
  const std::size_t c = in.size() - 3;  // unbatched (C, H, W): a batch of one
  g.N = c ? in[0] : 1, g.C = in[c], g.H = in[c + 1], g.W = in[c + 2], g.OC = in[c];
  g.KH = w.KH, g.KW = w.KW, g.SH = w.SH, g.SW = w.SW, g.PH = w.PH, g.PW = w.PW, g.DH = w.DH, g.DW = w.DW;
  const auto padded = [op](int64_t size, int64_t pad) {
    return detail::size_add(size, detail::size_mul(2, pad, op, "the padded input size"), op, "the padded input size");
  };
  const auto span = [op](int64_t kernel, int64_t dilation) {
    return detail::size_add(detail::size_mul(dilation, kernel - 1, op, "the dilated kernel's span"), 1, op,
                            "the dilated kernel's span");
  };
  const int64_t ph = padded(g.H, g.PH), pw = padded(g.W, g.PW), span_h = span(g.KH, g.DH), span_w = span(g.KW, g.DW);
  g.OH = window_count(g.H, g.PH, ph, span_h, g.SH, w.ceil_mode);
  g.OW = window_count(g.W, g.PW, pw, span_w, g.SW, w.ceil_mode);
  if (g.OH < 1 || g.OW < 1)
    fail(op, ": kernel (", g.KH, ", ", g.KW, ")", (g.DH > 1 || g.DW > 1) ? " dilated" : "", " spans (", span_h, ", ",
         span_w, "), larger than the padded input (", ph, ", ", pw, ") of input ", detail::shape_str(in),
         " with padding (", g.PH, ", ", g.PW, ")",
         w.ceil_mode ? detail::cat(" by more than the stride (", g.SH, ", ", g.SW, ") less one, with ceil_mode")
                     : std::string());
  detail::checked_numel({g.N, g.C, g.OH, g.OW}, op);
  return g;
}

void check_columns(const char* op, const ConvGeom& g, std::size_t itemsize) {
  const int64_t L = detail::size_mul(g.OH, g.OW, op, "the output plane");
  detail::checked_numel({g.N, g.OC, g.OH, g.OW}, op);
  const int64_t rows = detail::size_mul(detail::size_mul(g.C, g.KH, op, "the column buffer"), g.KW, op,
                                        "the column buffer");
  detail::checked_buffer(detail::size_mul(rows, L, op, "the column buffer"), itemsize, op,
                         detail::cat("the column buffer of one sample (", rows, " x ", L, ")").c_str());
  // cblas takes int sizes: an output plane or a filter beyond 2^31 - 1 cannot be multiplied.
  constexpr int64_t kBlasMax = 2147483647;
  if (L > kBlasMax || rows > kBlasMax || g.OC > kBlasMax)
    fail(op, ": an output plane of ", L, " pixels or a filter of ", rows, " values exceeds the 2^31 - 1 that a "
         "matrix product can take");
}

Tensor conv2d_forward(const Tensor& x, const Tensor& W, const Tensor& b, const ConvGeom& g) {
  const Device device = detail::compute_device({{"input", x}, {"weight", W}, {"bias", b}}, "conv2d");
  DirectConvGeom d;
  if (g.N * g.OC * g.OH * g.OW > 0 && direct(g, {&x, &W, &b}, d)) return conv_direct_forward(x, W, b, d);
  Tensor y = detail::make_tensor({g.N, g.OC, g.OH, g.OW}, x.dtype(), device);
  if (y.numel() == 0) return y;
  if (!device.is_cpu()) return detail::gpu::conv2d_forward(y, x, W, b, g), y;
  detail::dispatch_float(x.dtype(), "conv2d", [&](auto t) { forward_impl<decltype(t)>(x, W, b, g, y); });
  return y;
}

Tensor conv2d_input_grad(const Tensor& gy, const Tensor& W, const ConvGeom& g) {
  const Device device = detail::compute_device({{"grad_output", gy}, {"weight", W}}, "conv2d");
  Tensor gx = detail::make_tensor({g.N, g.C, g.H, g.W}, gy.dtype(), device);
  if (gx.numel() == 0) return gx;
  if (g.OH * g.OW == 0) return zeros(gx.shape(), TensorOptions(gx.dtype()).device(device));
  DirectConvGeom d;
  if (direct(g, {&gy, &W}, d)) return conv_direct_input_grad(gy, W, d);
  if (!device.is_cpu()) return detail::gpu::conv2d_input_grad(gx, gy, W, g), gx;
  detail::dispatch_float(gy.dtype(), "conv2d", [&](auto t) { input_grad_impl<decltype(t)>(gy, W, g, gx); });
  return gx;
}

Tensor conv2d_weight_grad(const Tensor& x, const Tensor& gy, const ConvGeom& g) {
  const Device device = detail::compute_device({{"input", x}, {"grad_output", gy}}, "conv2d");
  Tensor gW = detail::make_tensor({g.OC, g.C / g.groups, g.KH, g.KW}, x.dtype(), device);
  if (gW.numel() == 0) return gW;
  if (g.N == 0 || g.OH * g.OW == 0) return zeros(gW.shape(), TensorOptions(gW.dtype()).device(device));
  DirectConvGeom d;
  if (direct(g, {&x, &gy}, d)) return conv_direct_weight_grad(x, gy, d);
  if (!device.is_cpu()) return detail::gpu::conv2d_weight_grad(gW, x, gy, g), gW;
  detail::dispatch_float(x.dtype(), "conv2d", [&](auto t) { weight_grad_impl<decltype(t)>(x, gy, g, gW); });
  return gW;
}

Tensor im2col(const Tensor& x, const ConvGeom& g) {
  const int64_t L = g.OH * g.OW, R = g.col_rows();
  Tensor out = detail::make_tensor({g.N * L, R}, x.dtype(), x.device());
  if (out.numel() == 0) return out;
  if (!x.device().is_cpu()) return detail::gpu::im2col(out, x, g), out;
  detail::dispatch_float(x.dtype(), "im2col", [&](auto t) {
    using T = decltype(t);
    std::vector<T> col(static_cast<std::size_t>(R * L));
    for (int64_t n = 0; n < g.N; ++n) {
      im2col_sample(x.data<T>() + n * g.C * g.H * g.W, g, col.data());
      T* rows = out.data<T>() + n * L * R;  // the sample's (L, R) block is col transposed
      for (int64_t r = 0; r < R; ++r)
        for (int64_t l = 0; l < L; ++l) rows[l * R + r] = col[static_cast<std::size_t>(r * L + l)];
    }
  });
  return out;
}

Tensor col2im(const Tensor& cols, const ConvGeom& g) {
  const int64_t L = g.OH * g.OW, R = g.col_rows();
  Tensor x = zeros({g.N, g.C, g.H, g.W}, TensorOptions(cols.dtype()).device(cols.device()));
  if (x.numel() == 0 || L == 0) return x;
  if (!cols.device().is_cpu()) return detail::gpu::col2im(x, cols, g), x;
  detail::dispatch_float(cols.dtype(), "col2im", [&](auto t) {
    using T = decltype(t);
    std::vector<T> col(static_cast<std::size_t>(R * L));
    for (int64_t n = 0; n < g.N; ++n) {
      const T* rows = cols.data<T>() + n * L * R;
      for (int64_t r = 0; r < R; ++r)
        for (int64_t l = 0; l < L; ++l) col[static_cast<std::size_t>(r * L + l)] = rows[l * R + r];
      col2im_sample(col.data(), g, x.data<T>() + n * g.C * g.H * g.W);
    }
  });
  return x;
}

}  // namespace xg::kernel
