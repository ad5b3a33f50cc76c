// Private: the kernels of convolution and pooling. Values only; autograd/ops_conv.cpp and
// ops_pool.cpp make them differentiable. Layout NCHW; weights (OC, C/groups, KH, KW).
//
// Three kernels carry every convolution, because each is the adjoint of another:
//   forward      y  = conv(x, W)            per sample: y_n = W · im2col(x_n)
//   input_grad   gx = conv^T(gy, W)         per sample: gx_n = col2im(W^T · gy_n)
//   weight_grad  gW = Σ_n gy_n · im2col(x_n)^T
// conv_transpose2d is input_grad with the roles of input and output swapped. The column
// buffer is built per sample, in a per-thread scratch that stays in cache, and never kept:
// backward rebuilds it, which costs less than holding N·C·KH·KW·OH·OW values between passes.
#pragma once

#include <cstdint>
#include <vector>

#include <xgrad/tensor.h>

namespace xg::kernel {

/// The geometry of one convolution (also of pooling, with OC = C and groups = C).
struct ConvGeom {
  std::int64_t N = 0, C = 0, H = 0, W = 0;  // input
  std::int64_t OC = 0, KH = 1, KW = 1;      // output channels, kernel
  std::int64_t SH = 1, SW = 1, PH = 0, PW = 0, DH = 1, DW = 1, groups = 1;
  std::int64_t OH = 0, OW = 0;              // output, from the others by out_size()

  /// Rows of one sample's column buffer: (C / groups)·KH·KW per group, all groups stacked.
  std::int64_t col_rows() const { return C * KH * KW; }
};

/// Kernel size, stride, padding and dilation of one convolution or pooling, per axis.
struct Window2d {
  std::int64_t KH = 1, KW = 1, SH = 1, SW = 1, PH = 0, PW = 0, DH = 1, DW = 1;
  bool ceil_mode = false;  // pooling's: count a last, partial window (PyTorch's rule)
};

/// The windows of span `span` (the dilated kernel's) and `stride` along an axis of `size`
/// with `pad` on each side, `padded` = size + 2·pad: (padded − span) / stride + 1, rounded
/// up with ceil_mode less a last window that would start in the right padding (PyTorch's
/// pooling_output_shape). 0 when none fits. Overflow-free for any non-negative arguments.
std::int64_t window_count(std::int64_t size, std::int64_t pad, std::int64_t padded, std::int64_t span,
                          std::int64_t stride, bool ceil_mode);

/// The geometry of a convolution or pooling window `w` over `in` (N, C, H, W), or unbatched
/// (C, H, W) as a batch of one (the caller runs the kernels on it unsqueezed), OC = C and
/// groups = 1: output size (size + 2·pad − dilation·(kernel − 1) − 1) / stride + 1 per axis
/// (window_count, so rounded up with w.ceil_mode).
/// The one place convolution and pooling sizes are computed from arguments: every step is
/// checked (kernel, stride, dilation ≥ 1, padding ≥ 0, no int64 overflow, at least one
/// window: the dilated kernel within the padded input unless ceil_mode, an output whose
/// element count fits); each failure is an xg::Error naming `op`.
ConvGeom make_geometry(const char* op, const Shape& in, const Window2d& w);

/// What a convolution adds, once OC and groups are set (and OH, OW swapped in for the
/// transposed one): the per-sample column buffer of `itemsize` elements within
/// allocation_limit(), and sizes within BLAS's 32-bit ints; xg::Error naming `op`.
void check_columns(const char* op, const ConvGeom& g, std::size_t itemsize);

/// y (N, OC, OH, OW) = conv(x, W) + b (b may be undefined).
Tensor conv2d_forward(const Tensor& x, const Tensor& W, const Tensor& b, const ConvGeom& g);
/// gx (N, C, H, W) = the adjoint of conv applied to gy (N, OC, OH, OW).
Tensor conv2d_input_grad(const Tensor& gy, const Tensor& W, const ConvGeom& g);
/// gW (OC, C/groups, KH, KW) = Σ_n gy_n · im2col(x_n)^T.
Tensor conv2d_weight_grad(const Tensor& x, const Tensor& gy, const ConvGeom& g);

/// The textbook's im2col: (N·OH·OW, C·KH·KW), rows (n, oh, ow), columns (c, kh, kw).
Tensor im2col(const Tensor& x, const ConvGeom& g);
/// Its adjoint: scatter-adds the columns back into (N, C, H, W).
Tensor col2im(const Tensor& col, const ConvGeom& g);

/// Max pooling over KH×KW windows (padding never wins): y and, for each output, the flat
/// index h·W + w of its maximum within the input plane; ties go to the first in window order.
void max_pool2d(const Tensor& x, const ConvGeom& g, Tensor& y, Tensor& argmax);

/// One axis of box_argmax's boxes: output cell o spans [lo, hi) of that axis, lo and hi int64
/// (rows, out) on the input's device; one row for every plane (adaptive pooling's windows) or
/// one per plane (fractional pooling's).
struct BoxAxis {
  Tensor lo, hi;
};
/// For x (P, in_0, ..., in_{D-1}), D = boxes.size() in 1..3: the maximum of each output cell's
/// box as its flat position in its plane, int64 (P, out_0, ...): the first NaN in row-major
/// order, else the first strict maximum (max_pool2d's rules). Every box must be non-empty and
/// inside the plane (the callers' windows; checked on the CPU, a bad one gives -1 on a GPU).
Tensor box_argmax(const Tensor& x, const std::vector<BoxAxis>& boxes, const char* op);
/// Adaptive pooling's windows along one axis, PyTorch's: cell i of `out` covers
/// [floor(i·in/out), ceil((i+1)·in/out)) (in 128 bits: (i + 1)·in may pass 2^63), appended
/// to lo and hi; as a BoxAxis (one row) on `device` by adaptive_box.
void adaptive_bounds(std::int64_t in, std::int64_t out, std::vector<std::int64_t>& lo, std::vector<std::int64_t>& hi);
BoxAxis adaptive_box(std::int64_t in, std::int64_t out, Device device);
/// Windows already computed on the host as one BoxAxis row on `device`.
BoxAxis box_row(const std::vector<std::int64_t>& lo, const std::vector<std::int64_t>& hi, Device device);

/// Rectangular averaging windows, one per output row / column, and each output's divisor:
/// avg_pool2d's and adaptive_avg_pool2d's geometry alike.
struct PoolWindows {
  std::int64_t H = 0, W = 0;
  std::vector<std::int64_t> h0, h1, w0, w1;  // [h0, h1) × [w0, w1), clipped to the input
  std::vector<double> divisor;                // OH·OW entries
};
/// y (N, C, OH, OW): each window's sum over its divisor.
Tensor window_average(const Tensor& x, const PoolWindows& win);
/// The adjoint: gy's values spread back over their windows, (N, C, H, W).
Tensor window_average_adjoint(const Tensor& gy, const PoolWindows& win);

/// x embedded in a tensor of `shape` filled with `value`, starting at `offset` per axis
/// (pad's forward; every offset ≥ 0 and x fits).
Tensor embed(const Tensor& x, const Shape& shape, const std::vector<std::int64_t>& offset, double value);

}  // namespace xg::kernel
