// Convolution: conv2d's three recorded primitives (autograd/conv_primitives.h), each the
// others' backward, so gradients of any order come from the same three kernels.
// conv_transpose2d is conv_t with the geometry read the other way round. im2col and col2im
// are public, differentiable and each other's backward.
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include "autograd/conv_primitives.h"
#include "autograd/graph.h"
#include "autograd/unbatched.h"
#include "tensor/checked.h"
#include "tensor/conv_kernels.h"

namespace xg {

using autograd::Node;
using autograd::record;
using kernel::ConvGeom;

namespace {

// conv2d's kernels (tensor/conv.cpp: im2col and GEMM, or oneDNN's direct convolution).
struct Conv2dKernels {
  using Geom = ConvGeom;
  static constexpr const char* kConv = "conv2d";
  static constexpr const char* kTransposed = "conv_transpose2d";
  static constexpr const char* kWeight = "conv2d_weight_grad";
  static Tensor forward(const Tensor& x, const Tensor& W, const Tensor& b, const Geom& g) {
    return kernel::conv2d_forward(x, W, b, g);
  }
  static Tensor input_grad(const Tensor& gy, const Tensor& W, const Geom& g) {
    return kernel::conv2d_input_grad(gy, W, g);
  }
  static Tensor weight_grad(const Tensor& x, const Tensor& gy, const Geom& g) {
    return kernel::conv2d_weight_grad(x, gy, g);
  }
  static Axes bias_axes() { return {0, 2, 3}; }
};
using Primitives = autograd::ConvPrimitives<Conv2dKernels>;

void check_int2(const char* op, const char* what, Int2 v, std::int64_t min) {
  if (v.h < min || v.w < min)
    fail(op, ": ", what, " must be ", min == 0 ? "non-negative" : "positive", ", got (", v.h, ", ", v.w, ")");
}

// The geometry of a convolution of input shape (N, C, H, W) with a KH×KW kernel; checks
// what does not depend on the weight (tensor/conv.cpp's make_geometry, the one place).
ConvGeom geometry(const char* op, const Shape& in, Int2 kernel, Int2 stride, Int2 padding, Int2 dilation) {
  return kernel::make_geometry(op, in, {kernel.h, kernel.w, stride.h, stride.w, padding.h, padding.w, dilation.h,
                                        dilation.w});
}

Dtype float_dtype(const char* op, const Tensor& x, const Tensor& W, const Tensor& b) {
  if (!x.defined() || !W.defined())
    fail(op, ": the ", x.defined() ? "weight" : "input", " is undefined (default-constructed, or a member never "
         "initialised)");
  for (const Tensor* t : {&x, &W, &b})
    if (t->defined() && t->dtype() == kInt64)
      fail(op, ": int64 tensors are not supported (input ", dtype_name(x.dtype()), ", weight ", dtype_name(W.dtype()),
           "); convert with .to(xg::kFloat32)");
  Dtype dt = promote(x.dtype(), W.dtype());
  return b.defined() ? promote(dt, b.dtype()) : dt;
}

// Checks the weight (OC, C/groups, KH, KW) of conv2d, or (C_in, C_out/groups, KH, KW) of
// conv_transpose2d, against the input's channels (input (N, C, H, W) or unbatched (C, H, W))
// and the groups, and the bias.
void check_weight(const char* op, const Shape& in, const Tensor& W, const Tensor& b, std::int64_t groups,
                  bool transposed) {
  if (in.size() != 3 && in.size() != 4)
    fail(op, ": expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got ", in.size(), "-D ", detail::shape_str(in));
  const std::int64_t C = in[in.size() - 3];
  const Shape& w = W.shape();
  if (w.size() != 4)
    fail(op, ": expected a 4-D weight (", transposed ? "C_in, C_out/groups" : "C_out, C_in/groups",
         ", KH, KW), got ", detail::shape_str(w));
  if (groups < 1) fail(op, ": groups must be positive, got ", groups);
  // groups comes from the user: the channel count it implies is checked, not wrapped.
  const std::int64_t grouped = detail::size_mul(w[1], groups, op, "the weight's second axis x groups");
  const std::int64_t in_channels = transposed ? w[0] : grouped;
  const std::int64_t out_channels = transposed ? grouped : w[0];
  if (C % groups != 0 || w[0] % groups != 0)
    fail(op, ": groups = ", groups, " must divide the input channels (", C, ") and the weight's first axis (",
         w[0], ")");
  if (C != in_channels)
    fail(op, ": expected input ", in.size() == 3 ? "(C, H, W)" : "(N, C, H, W)", " with C = ", in_channels,
         " for weight ", detail::shape_str(w),
         groups > 1 ? detail::cat(" and groups = ", groups) : std::string(), ", got ", detail::shape_str(in));
  if (b.defined() && (b.dim() != 1 || b.shape()[0] != out_channels))
    fail(op, ": expected a bias of shape (", out_channels, ") for weight ", detail::shape_str(w), ", got ",
         detail::shape_str(b.shape()));
}

}  // namespace

Tensor conv2d(const Tensor& x_in, const Tensor& W_in, const Tensor& b_in, Int2 stride, Int2 padding, Int2 dilation,
              std::int64_t groups) {
  detail::CallScope call("conv2d");
  const Dtype dt = float_dtype("conv2d", x_in, W_in, b_in);
  check_weight("conv2d", x_in.shape(), W_in, b_in, groups, false);
  ConvGeom g = geometry("conv2d", x_in.shape(), {W_in.shape()[2], W_in.shape()[3]}, stride, padding, dilation);
  g.OC = W_in.shape()[0];
  g.groups = groups;
  kernel::check_columns("conv2d", g, dtype_size(dt));
  const Tensor y =
      Primitives::conv(detail::as_batch(x_in.to(dt), 4), W_in.to(dt), b_in.defined() ? b_in.to(dt) : Tensor(), g);
  return detail::as_given(x_in, 4, y);
}

Tensor conv_transpose2d(const Tensor& x_in, const Tensor& W_in, const Tensor& b_in, Int2 stride, Int2 padding,
                        Int2 output_padding, std::int64_t groups, Int2 dilation) {
  const char* op = "conv_transpose2d";
  detail::CallScope call(op);
  const Dtype dt = float_dtype(op, x_in, W_in, b_in);
  check_weight(op, x_in.shape(), W_in, b_in, groups, true);
  check_int2(op, "stride", stride, 1);
  check_int2(op, "padding", padding, 0);
  check_int2(op, "dilation", dilation, 1);
  check_int2(op, "output_padding", output_padding, 0);
  if (output_padding.h >= std::max(stride.h, dilation.h) || output_padding.w >= std::max(stride.w, dilation.w))
    fail(op, ": output_padding (", output_padding.h, ", ", output_padding.w,
         ") must be smaller than the stride or the dilation");
  const Tensor xb = detail::as_batch(x_in, 4);  // checked as given above; computed as a batch
  const Shape& in = xb.shape();
  const Shape& w = W_in.shape();
  // The output is the input of the convolution this one transposes: S(H-1) - 2P + D(K-1) + 1 + output_padding,
  // every step checked (a stride or dilation near 2^63 must not wrap into a plausible size).
  const auto out_size = [op](std::int64_t size, std::int64_t s, std::int64_t p, std::int64_t d, std::int64_t k,
                             std::int64_t op_pad) {
    using detail::size_add, detail::size_mul;
    const char* what = "the output size";
    const std::int64_t grown = size_mul(s, size - 1, op, what);
    const std::int64_t span = size_add(size_mul(d, k - 1, op, what), 1, op, what);
    const std::int64_t full = size_add(size_add(grown, span, op, what), op_pad, op, what);
    return detail::size_sub(full, size_mul(2, p, op, what), op, what);
  };
  const std::int64_t OH = out_size(in[2], stride.h, padding.h, dilation.h, w[2], output_padding.h);
  const std::int64_t OW = out_size(in[3], stride.w, padding.w, dilation.w, w[3], output_padding.w);
  if (OH <= 0 || OW <= 0)
    fail(op, ": input ", detail::shape_str(x_in.shape()), " with weight ", detail::shape_str(w), ", stride (",
         stride.h, ", ", stride.w, ") and padding (", padding.h, ", ", padding.w, ") gives an empty output (", OH,
         ", ", OW, ")");
  ConvGeom g = geometry(op, {in[0], w[1] * groups, OH, OW}, {w[2], w[3]}, stride, padding, dilation);
  g.OC = w[0];
  g.groups = groups;
  g.OH = in[2], g.OW = in[3];  // the transposed convolution's input is the convolution's output
  kernel::check_columns(op, g, dtype_size(dt));
  Tensor y = Primitives::conv_t(xb.to(dt), W_in.to(dt), g);
  return detail::as_given(x_in, 4, b_in.defined() ? y + reshape(b_in.to(dt), {1, -1, 1, 1}) : y);
}

Tensor im2col(const Tensor& x, Int2 kernel, Int2 stride, Int2 padding, Int2 dilation) {
  detail::CallScope call("im2col");
  const char* op = detail::call_or("im2col");  // F::unfold's name when it called
  if (x.dtype() == kInt64) fail(op, ": expected a float tensor, got int64");
  if (x.dim() != 4) fail(op, ": expected a 4-D input (N, C, H, W), got ", x.dim(), "-D ", detail::shape_str(x.shape()));
  const ConvGeom g = geometry(op, x.shape(), kernel, stride, padding, dilation);
  kernel::check_columns(op, g, dtype_size(x.dtype()));
  return record("im2col", {x}, kernel::im2col(x, g), {}, [g](Node&, const Tensor& gcol) {
    return tensor_list{col2im(gcol, {g.N, g.C, g.H, g.W}, {g.KH, g.KW}, {g.SH, g.SW}, {g.PH, g.PW}, {g.DH, g.DW})};
  });
}

Tensor col2im(const Tensor& col, const Shape& input_shape, Int2 kernel, Int2 stride, Int2 padding, Int2 dilation) {
  detail::CallScope call("col2im");
  const char* op = detail::call_or("col2im");  // F::fold's name when it called
  if (col.dtype() == kInt64) fail(op, ": expected a float tensor, got int64");
  if (input_shape.size() != 4)
    fail(op, ": expected a 4-D input shape (N, C, H, W), got ", detail::shape_str(input_shape));
  const ConvGeom g = geometry(op, input_shape, kernel, stride, padding, dilation);
  kernel::check_columns(op, g, dtype_size(col.dtype()));
  const Shape expected{g.N * g.OH * g.OW, g.col_rows()};
  if (col.shape() != expected)
    fail(op, ": expected columns (N·OH·OW, C·KH·KW) = ", detail::shape_str(expected), " for input shape ",
         detail::shape_str(input_shape), ", got ", detail::shape_str(col.shape()));
  return record("col2im", {col}, kernel::col2im(col, g), {}, [g](Node&, const Tensor& gx) {
    return tensor_list{im2col(gx, {g.KH, g.KW}, {g.SH, g.SW}, {g.PH, g.PW}, {g.DH, g.DW})};
  });
}

}  // namespace xg
