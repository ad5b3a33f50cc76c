// The volumetric operations, composed of the 2-D kernels (libtorch's CPU path is a vol2col
// and a GEMM; the same product is reached here without a third kernel per device):
//   conv3d: the depth taps kd of every output depth od are gathered by one index_select
//     (input depth od·S + kd·D) and laid side by side as channels, (N·OD, KD·C, H, W); the
//     weight's depth taps become channels too, (OC, KD·C/groups, KH, KW), in the same order
//     within each group; one conv2d then multiplies exactly the 3-D convolution's columns.
//   conv_transpose3d: its adjoint read forwards: one conv_transpose2d per input depth slice
//     (the depth taps as output channels), then one index_add puts tap kd of input depth id
//     at output depth id·S + kd·D - P.
//   pooling: a box is the product of its axes' windows, and max, the mean (its divisor is
//     the product of the axes' counts, with or without padding) and the adaptive windows all
//     factor: the 2-D pool over (H, W) with depth folded into the channels, then the same
//     pool over depth as the height of (N, C, D, OH·OW). No copy between the two.
// So the values, gradients of any order and devices are the 2-D kernels'. Every argument is
// checked here first, in 3-D terms, so an error names the user's call and shapes.
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "autograd/conv3d_direct.h"
#include "autograd/unbatched.h"
#include "tensor/checked.h"
#include "tensor/conv_kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace {

constexpr const char* kAxis[3] = {"depth", "height", "width"};

std::string str3(Int3 v) { return detail::cat("(", v.d, ", ", v.h, ", ", v.w, ")"); }
std::int64_t at(Int3 v, int axis) { return axis == 0 ? v.d : axis == 1 ? v.h : v.w; }

void check_int3(const char* op, const char* what, Int3 v, std::int64_t min) {
  if (v.d < min || v.h < min || v.w < min)
    fail(op, ": ", what, " must be ", min == 0 ? "non-negative" : "positive", ", got ", str3(v));
}

// x (C, D, H, W) or (N, C, D, H, W), a float tensor.
void check_input(const char* op, const Tensor& x) {
  if (!x.defined()) fail(op, ": the input is undefined (default-constructed, or a member never initialised)");
  if (x.dim() != 4 && x.dim() != 5)
    fail(op, ": expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) input, got ", x.dim(), "-D ",
         detail::shape_str(x.shape()));
  if (x.dtype() == kInt64) fail(op, ": expected a float tensor, got int64; convert with .to(xg::kFloat32)");
}

Tensor batched(const Tensor& x) { return detail::as_batch(x, 5); }
Tensor as_given(const Tensor& x, const Tensor& y) { return detail::as_given(x, 5, y); }

// The output sizes of a window (kernel, stride, padding, dilation) sliding over the last
// three axes of `xs`: (S + 2P - D(K-1) - 1) / stride + 1 each, every step checked; the
// dilated kernel must fit in the padded input.
struct Window3 {
  Int3 kernel, stride, padding, dilation;
  std::int64_t out[3];
};

Window3 window(const char* op, const Shape& xs, Int3 kernel, Int3 stride, Int3 padding, Int3 dilation,
               bool ceil_mode = false) {
  check_int3(op, "kernel_size", kernel, 1);
  check_int3(op, "stride", stride, 1);
  check_int3(op, "padding", padding, 0);
  check_int3(op, "dilation", dilation, 1);
  Window3 w{kernel, stride, padding, dilation, {0, 0, 0}};
  for (int a = 0; a < 3; ++a) {
    const std::int64_t size = xs[xs.size() - 3 + static_cast<std::size_t>(a)];
    const char* what = "the padded input";
    const std::int64_t padded = detail::size_add(size, detail::size_mul(2, at(padding, a), op, what), op, what);
    what = "the dilated kernel's span";
    const std::int64_t span =
        detail::size_add(detail::size_mul(at(dilation, a), at(kernel, a) - 1, op, what), 1, op, what);
    w.out[a] = kernel::window_count(size, at(padding, a), padded, span, at(stride, a), ceil_mode);
    if (w.out[a] < 1)
      fail(op, ": kernel ", str3(kernel), dilation.d > 1 || dilation.h > 1 || dilation.w > 1 ? " dilated" : "",
           " spans ", span, " along the ", kAxis[a], ", more than the padded ", kAxis[a], " ", padded, " of input ",
           detail::shape_str(xs), " with padding ", str3(padding),
           ceil_mode ? detail::cat(" by more than the stride ", str3(stride), " less one, with ceil_mode")
                     : std::string());
  }
  return w;
}

// The pools' rule (PyTorch's): padding at most half the kernel on each axis, so a padded
// cell never fills a whole window.
void check_half_kernel(const char* op, Int3 kernel, Int3 padding) {
  if (padding.d > kernel.d / 2 || padding.h > kernel.h / 2 || padding.w > kernel.w / 2)
    fail(op, ": padding ", str3(padding), " must be at most half the kernel ", str3(kernel), " on each axis");
}

// What conv3d and conv_transpose3d check first: x (C, D, H, W) or (N, C, D, H, W); float
// tensors; a 5-D weight, (C_out, C_in/groups, ...) or, transposed, (C_in, C_out/groups, ...),
// whose channels and groups fit x's; a bias of C_out entries; one device. x's batched shape.
Shape check_convolution(const char* op, const Tensor& x, const Tensor& W, const Tensor& b, std::int64_t groups,
                        bool transposed) {
  check_input(op, x);
  if (!W.defined()) fail(op, ": the weight is undefined (default-constructed, or a member never initialised)");
  for (const Tensor* t : {&W, &b})
    if (t->defined() && t->dtype() == kInt64)
      fail(op, ": int64 tensors are not supported (the ", t == &W ? "weight" : "bias",
           " is int64); convert with .to(xg::kFloat32)");
  const Shape& ws = W.shape();
  if (ws.size() != 5)
    fail(op, ": expected a 5-D weight (", transposed ? "C_in, C_out/groups" : "C_out, C_in/groups",
         ", KD, KH, KW), got ", detail::shape_str(ws));
  if (groups < 1) fail(op, ": groups must be positive, got ", groups);
  const Shape xs = x.dim() == 5 ? x.shape() : Shape{1, x.shape()[0], x.shape()[1], x.shape()[2], x.shape()[3]};
  const std::int64_t grouped = detail::size_mul(ws[1], groups, op, "the weight's second axis x groups");
  const std::int64_t in_channels = transposed ? ws[0] : grouped, out_channels = transposed ? grouped : ws[0];
  if (xs[1] % groups != 0 || ws[0] % groups != 0)
    fail(op, ": groups = ", groups, " must divide the input channels (", xs[1], ") and the weight's first axis (",
         ws[0], ")");
  if (xs[1] != in_channels)
    fail(op, ": expected input (N, C, D, H, W) with C = ", in_channels, " for weight ", detail::shape_str(ws),
         groups > 1 ? detail::cat(" and groups = ", groups) : std::string(), ", got ", detail::shape_str(x.shape()));
  if (b.defined() && (b.dim() != 1 || b.shape()[0] != out_channels))
    fail(op, ": expected a bias of shape (", out_channels, ") for weight ", detail::shape_str(ws), ", got ",
         detail::shape_str(b.shape()));
  detail::compute_device({{"input", x}, {"weight", W}, {"bias", b}}, op);
  return xs;
}

// Whether conv3d may take oneDNN's direct kernels: float32 tensors on the CPU (oneDNN has no
// float64 convolution; the GPU has its own kernels behind the composition's conv2d).
bool direct_case(const Tensor& x, const Tensor& W, const Tensor& b) {
  for (const Tensor* t : {&x, &W, &b})
    if (t->defined() && (t->dtype() != kFloat32 || !t->device().is_cpu())) return false;
  return true;
}

// The direct kernels' geometry of a convolution of input `in` (N, C, D, H, W) to `OC`
// channels and output sizes `out`, every size already checked.
kernel::DirectConvGeom direct_geometry(const Shape& in, std::int64_t OC, std::int64_t groups, Int3 kernel, Int3 stride,
                                       Int3 padding, Int3 dilation, const std::int64_t out[3]) {
  kernel::DirectConvGeom d;
  d.rank = 3, d.N = in[0], d.C = in[1], d.OC = OC, d.groups = groups;
  for (int a = 0; a < 3; ++a) {
    d.in[a] = in[2 + static_cast<std::size_t>(a)], d.out[a] = out[a];
    d.kernel[a] = at(kernel, a), d.stride[a] = at(stride, a);
    d.padding[a] = at(padding, a), d.dilation[a] = at(dilation, a);
  }
  return d;
}

// An int64 index tensor on `device`: the depth i·stride + k·dilation that tap k of window i
// reads (conv3d) or writes (conv_transpose3d), at entry k·count + i (tap-major) or
// i·taps + k (window-major).
Tensor depth_taps(std::int64_t taps, std::int64_t count, std::int64_t stride, std::int64_t dilation, Device device,
                  bool window_major = false) {
  std::vector<double> at(static_cast<std::size_t>(taps * count));
  for (std::int64_t k = 0; k < taps; ++k)
    for (std::int64_t i = 0; i < count; ++i)
      at[static_cast<std::size_t>(window_major ? i * taps + k : k * count + i)] =
          static_cast<double>(i * stride + k * dilation);
  return tensor(at, {taps * count}, TensorOptions().dtype(kInt64).device(device));
}

// The two-pass max pools' positions d·H·W + h·W + w of each maximum in its volume (shape
// `out`, (N, C, OD, OH, OW)): the depth pass over the planes' maxima, viewed as (N, C, D,
// cells), names d·cells + cell, the flat index of its winner among them; that winner's own
// position h·W + w in its plane (`in_plane`, (N, C·D, OH, OW)) is read there, plus d·H·W.
Tensor volume_positions(const Shape& xs, const Tensor& in_plane, const Tensor& winner, const Shape& out) {
  const std::int64_t N = xs[0], C = xs[1], D = xs[2], plane = xs[3] * xs[4], cells = out[3] * out[4];
  const Tensor depth_offset =
      arange(0.0, static_cast<double>(D) * static_cast<double>(plane), static_cast<double>(plane),
             TensorOptions().dtype(kInt64).device(in_plane.device()))
          .reshape({1, 1, D, 1});
  const Tensor in_volume = (in_plane.reshape({N, C, D, cells}) + depth_offset).reshape({N, C, D * cells});
  return gather(in_volume, 2, winner.reshape({N, C, out[2] * cells})).reshape(out);
}

}  // namespace

Tensor conv3d(const Tensor& x, const Tensor& W, const Tensor& b, Int3 stride, Int3 padding, Int3 dilation,
              std::int64_t groups) {
  const char* op = "conv3d";
  detail::CallScope call(op);
  const Shape xs = check_convolution(op, x, W, b, groups, false);
  const Shape& ws = W.shape();
  const Window3 g = window(op, xs, {ws[2], ws[3], ws[4]}, stride, padding, dilation);
  const std::int64_t N = xs[0], C = xs[1], H = xs[3], Wd = xs[4], OC = ws[0], KD = ws[2];
  const std::int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2], Cg = C / groups;
  if (direct_case(x, W, b)) {
    detail::checked_numel({N, OC, OD, OH, OW}, op);
    const kernel::DirectConvGeom d =
        direct_geometry({N, C, xs[2], H, Wd}, OC, groups, g.kernel, g.stride, g.padding, g.dilation, g.out);
    if (kernel::conv_direct_available(d)) return as_given(x, autograd::conv3d_direct(batched(x), W, b, d));
  }
  // The gathered input (N·OD, KD·C, H, W) and the output are the sizes this adds to
  // conv2d's own (whose column buffer conv2d bounds): checked before any work.
  detail::check_allocation(detail::checked_nbytes({N, OD, KD, C, H, Wd}, dtype_size(x.dtype()), op), op,
                           detail::cat("the gathered depth taps (", N, " x ", OD, ", ", KD, " x ", C, ", ", H, ", ",
                                       Wd, ")"));
  detail::checked_numel({N, OC, OD, OH, OW}, op);
  kernel::ConvGeom cols = kernel::make_geometry(op, {N * OD, KD * C, H, Wd}, {ws[3], ws[4], g.stride.h, g.stride.w,
                                                  g.padding.h, g.padding.w, g.dilation.h, g.dilation.w});
  cols.OC = OC;
  cols.groups = groups;
  kernel::check_columns(op, cols, dtype_size(x.dtype()));  // conv2d's column buffer, named here

  Tensor taps;
  if (groups == 1) {
    // Gathered from (N, D, C, H, W) in window-major order, the taps are (N·OD, KD·C, H, W)
    // as they come: no copy after the gather (the common case, measured in benchmarks.md).
    taps = permute(batched(x), {0, 2, 1, 3, 4});
    if (g.padding.d) taps = pad(taps, {0, 0, 0, 0, 0, 0, g.padding.d, g.padding.d});
    taps = index_select(taps, 1, depth_taps(KD, OD, g.stride.d, g.dilation.d, x.device(), true))
               .reshape({N * OD, KD * C, H, Wd});
  } else {
    taps = batched(x);
    if (g.padding.d) taps = pad(taps, {0, 0, 0, 0, g.padding.d, g.padding.d});
    taps = index_select(taps, 2, depth_taps(KD, OD, g.stride.d, g.dilation.d, x.device()));
    // (N, C, KD·OD, H, W) -> (N·OD, [group, kd, channel], H, W), the weight's order below.
    taps = permute(reshape(taps, {N, groups, Cg, KD, OD, H, Wd}), {0, 4, 1, 3, 2, 5, 6})
               .reshape({N * OD, groups * KD * Cg, H, Wd});
  }
  const Tensor W2 = permute(W, {0, 2, 1, 3, 4}).reshape({OC, KD * Cg, ws[3], ws[4]});
  const Tensor y = conv2d(taps, W2, b, {g.stride.h, g.stride.w}, {g.padding.h, g.padding.w},
                          {g.dilation.h, g.dilation.w}, groups);  // (N·OD, OC, OH, OW)
  return as_given(x, permute(y.reshape({N, OD, OC, OH, OW}), {0, 2, 1, 3, 4}).contiguous());
}

Tensor conv_transpose3d(const Tensor& x, const Tensor& W, const Tensor& b, Int3 stride, Int3 padding,
                        Int3 output_padding, std::int64_t groups, Int3 dilation) {
  const char* op = "conv_transpose3d";
  detail::CallScope call(op);
  const Shape xs = check_convolution(op, x, W, b, groups, true);
  const Shape& ws = W.shape();
  const std::int64_t OC = ws[1] * groups;  // checked
  check_int3(op, "stride", stride, 1);
  check_int3(op, "padding", padding, 0);
  check_int3(op, "dilation", dilation, 1);
  check_int3(op, "output_padding", output_padding, 0);
  for (int a = 0; a < 3; ++a)
    if (at(output_padding, a) >= std::max(at(stride, a), at(dilation, a)))
      fail(op, ": output_padding ", str3(output_padding), " must be smaller than the stride ", str3(stride),
           " or the dilation ", str3(dilation), " on each axis (not on the ", kAxis[a], ")");
  // S(I-1) + D(K-1) + 1 + output_padding before the padding is cropped, every step checked.
  std::int64_t full[3], out[3];
  for (int a = 0; a < 3; ++a) {
    const char* what = "the output size";
    const std::int64_t size = xs[2 + static_cast<std::size_t>(a)];
    const std::int64_t grown = detail::size_mul(at(stride, a), size - 1, op, what);
    const std::int64_t span =
        detail::size_add(detail::size_mul(at(dilation, a), ws[2 + static_cast<std::size_t>(a)] - 1, op, what), 1, op,
                         what);
    full[a] = detail::size_add(detail::size_add(grown, span, op, what), at(output_padding, a), op, what);
    out[a] = detail::size_sub(full[a], detail::size_mul(2, at(padding, a), op, what), op, what);
    if (size == 0 || out[a] <= 0)
      fail(op, ": input ", detail::shape_str(x.shape()), " with weight ", detail::shape_str(ws), ", stride ",
           str3(stride), " and padding ", str3(padding), " gives an empty output along the ", kAxis[a], " (",
           out[a], ")");
  }
  const std::int64_t N = xs[0], C = xs[1], ID = xs[2], KD = ws[2], OCg = ws[1];
  // The adjoint of the convolution from (N, OC, out) to x's shape, where that convolution's
  // output is x's shape (conv_direct_available checks: an output_padding at or past the
  // stride, allowed below the dilation, gives another).
  if (direct_case(x, W, b)) {
    detail::checked_numel({N, OC, out[0], out[1], out[2]}, op);
    const std::int64_t adjoint_of[3] = {xs[2], xs[3], xs[4]};
    const kernel::DirectConvGeom d = direct_geometry({N, OC, out[0], out[1], out[2]}, C, groups,
                                                 {ws[2], ws[3], ws[4]}, stride, padding, dilation, adjoint_of);
    if (kernel::conv_direct_available(d)) {
      const Tensor y = autograd::conv_transpose3d_direct(batched(x), W, d);
      return as_given(x, b.defined() ? y + reshape(b, {1, -1, 1, 1, 1}) : y);
    }
  }
  detail::check_allocation(detail::checked_nbytes({N, OC, KD, ID, full[1], full[2]}, dtype_size(x.dtype()), op), op,
                           detail::cat("the depth taps' planes (", N, ", ", OC, ", ", KD, " x ", ID, ", ", full[1],
                                       ", ", full[2], ")"));
  detail::checked_numel({N, OC, full[0], out[1], out[2]}, op);
  kernel::ConvGeom cols = kernel::make_geometry(op, {N * ID, KD * OC, out[1], out[2]}, {ws[3], ws[4], stride.h,
                                                  stride.w, padding.h, padding.w, dilation.h, dilation.w});
  cols.OC = C;
  cols.groups = groups;
  cols.OH = xs[3], cols.OW = xs[4];
  kernel::check_columns(op, cols, dtype_size(x.dtype()));  // conv_transpose2d's column buffer, named here

  // Each input depth slice through conv_transpose2d, its depth taps as output channels
  // ([group, kd, channel], the weight's order), then each tap added at its output depth.
  const Tensor slices = permute(batched(x), {0, 2, 1, 3, 4}).reshape({N * ID, C, xs[3], xs[4]});
  const Tensor W2 = permute(W, {0, 2, 1, 3, 4}).reshape({C, KD * OCg, ws[3], ws[4]});
  Tensor z = conv_transpose2d(slices, W2, Tensor(), {stride.h, stride.w}, {padding.h, padding.w},
                              {output_padding.h, output_padding.w}, groups, {dilation.h, dilation.w});
  const std::int64_t OH = z.shape()[2], OW = z.shape()[3];
  z = permute(z.reshape({N, ID, groups, KD, OCg, OH, OW}), {0, 2, 4, 3, 1, 5, 6}).reshape({N, OC, KD * ID, OH, OW});
  Tensor y = zeros({N, OC, full[0], OH, OW}, TensorOptions().dtype(z.dtype()).device(z.device()));
  y = index_add(y, 2, depth_taps(KD, ID, stride.d, dilation.d, x.device()), z);
  if (padding.d) y = narrow(y, 2, padding.d, out[0]);
  if (b.defined()) y = y + reshape(b, {1, -1, 1, 1, 1});
  return as_given(x, y);
}

Tensor max_pool3d(const Tensor& x, Int3 kernel, Int3 stride, Int3 padding, Int3 dilation, bool ceil_mode) {
  const char* op = "max_pool3d";
  detail::CallScope call(op);
  check_input(op, x);
  const Window3 g = window(op, x.shape(), kernel, stride.set ? stride : kernel, padding, dilation, ceil_mode);
  check_half_kernel(op, kernel, padding);
  const Tensor xb = batched(x);
  const std::int64_t N = xb.shape()[0], C = xb.shape()[1], D = xb.shape()[2];
  const Tensor planes = max_pool2d(xb.reshape({N, C * D, xb.shape()[3], xb.shape()[4]}), {kernel.h, kernel.w},
                                   {g.stride.h, g.stride.w}, {padding.h, padding.w}, {dilation.h, dilation.w},
                                   ceil_mode);
  const Tensor y = max_pool2d(planes.reshape({N, C, D, g.out[1] * g.out[2]}), {kernel.d, 1}, {g.stride.d, 1},
                              {padding.d, 0}, {dilation.d, 1}, ceil_mode);
  return as_given(x, y.reshape({N, C, g.out[0], g.out[1], g.out[2]}));
}

std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& x, Int3 kernel, Int3 stride, Int3 padding,
                                                   Int3 dilation, bool ceil_mode) {
  const char* op = "max_pool3d";
  detail::CallScope call(op);
  check_input(op, x);
  const Window3 g = window(op, x.shape(), kernel, stride.set ? stride : kernel, padding, dilation, ceil_mode);
  check_half_kernel(op, kernel, padding);
  const Tensor xb = batched(x);
  const std::int64_t N = xb.shape()[0], C = xb.shape()[1], D = xb.shape()[2], H = xb.shape()[3], W = xb.shape()[4];
  const std::int64_t cells = g.out[1] * g.out[2];
  auto [planes, in_plane] = max_pool2d_with_indices(xb.reshape({N, C * D, H, W}), {kernel.h, kernel.w},
                                                    {g.stride.h, g.stride.w}, {padding.h, padding.w},
                                                    {dilation.h, dilation.w}, ceil_mode);
  auto [values, winner] = max_pool2d_with_indices(planes.reshape({N, C, D, cells}), {kernel.d, 1}, {g.stride.d, 1},
                                                  {padding.d, 0}, {dilation.d, 1}, ceil_mode);
  const Shape out{N, C, g.out[0], g.out[1], g.out[2]};
  return {as_given(x, values.reshape(out)), as_given(x, volume_positions(xb.shape(), in_plane, winner, out))};
}

Tensor avg_pool3d(const Tensor& x, Int3 kernel, Int3 stride, Int3 padding, bool ceil_mode, bool count_include_pad,
                  std::optional<std::int64_t> divisor_override) {
  const char* op = "avg_pool3d";
  detail::CallScope call(op);
  check_input(op, x);
  if (divisor_override == 0) fail(op, ": divisor_override must not be zero");
  const Window3 g = window(op, x.shape(), kernel, stride.set ? stride : kernel, padding, 1, ceil_mode);
  check_half_kernel(op, kernel, padding);
  const Tensor xb = batched(x);
  const std::int64_t N = xb.shape()[0], C = xb.shape()[1], D = xb.shape()[2];
  const Tensor planes = avg_pool2d(xb.reshape({N, C * D, xb.shape()[3], xb.shape()[4]}), {kernel.h, kernel.w},
                                   {g.stride.h, g.stride.w}, {padding.h, padding.w}, ceil_mode, count_include_pad,
                                   divisor_override ? std::optional<std::int64_t>(1) : std::nullopt);
  // With divisor_override the planes' pass sums (divisor 1) and the depth pass divides.
  const Tensor y = avg_pool2d(planes.reshape({N, C, D, g.out[1] * g.out[2]}), {kernel.d, 1}, {g.stride.d, 1},
                              {padding.d, 0}, ceil_mode, count_include_pad, divisor_override);
  return as_given(x, y.reshape({N, C, g.out[0], g.out[1], g.out[2]}));
}

namespace {
// x (C, D, H, W) or (N, C, D, H, W), float, no empty spatial axis; output sizes positive.
// The output's cells per volume (h·w), checked with the whole output's size before any work:
// output sizes near 2^32 each would wrap their product.
std::int64_t check_adaptive(const char* op, const Tensor& x, Int3 output_size) {
  check_input(op, x);
  const Shape& s = x.shape();
  if (s[s.size() - 3] == 0 || s[s.size() - 2] == 0 || s[s.size() - 1] == 0)
    fail(op, ": the input's depth, height and width must be positive, got ", detail::shape_str(s));
  check_int3(op, "output_size", output_size, 1);
  const std::int64_t batch = x.dim() == 5 ? s[0] : 1, C = s[s.size() - 4];
  const Shape out{batch, C, output_size.d, output_size.h, output_size.w};
  detail::check_allocation(detail::checked_nbytes(out, dtype_size(x.dtype()), op), op,
                           "the output " + detail::shape_str(out));
  return output_size.h * output_size.w;  // bounded by the check above
}
}  // namespace

Tensor adaptive_avg_pool3d(const Tensor& x, Int3 output_size) {
  const char* op = "adaptive_avg_pool3d";
  detail::CallScope call(op);
  const std::int64_t cells = check_adaptive(op, x, output_size);
  const Tensor xb = batched(x);
  const std::int64_t N = xb.shape()[0], C = xb.shape()[1], D = xb.shape()[2];
  const Tensor planes =
      adaptive_avg_pool2d(xb.reshape({N, C * D, xb.shape()[3], xb.shape()[4]}), {output_size.h, output_size.w});
  const Tensor y = adaptive_avg_pool2d(planes.reshape({N, C, D, cells}), {output_size.d, cells});
  return as_given(x, y.reshape({N, C, output_size.d, output_size.h, output_size.w}));
}

// Each cell's winner in its volume by kernel::box_argmax (the first maximum, the first NaN, in
// (d, h, w) order: PyTorch's positions d·H·W + h·W + w), its value gathered from x, so the
// gradient (every order) is gather's.
std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(const Tensor& x, Int3 output_size) {
  const char* op = "adaptive_max_pool3d";
  detail::CallScope call(op);
  check_adaptive(op, x, output_size);
  const Tensor xb = batched(x);
  const std::int64_t N = xb.shape()[0], C = xb.shape()[1], D = xb.shape()[2], H = xb.shape()[3], W = xb.shape()[4];
  const Device dev = xb.device();
  const Tensor at = kernel::box_argmax(xb.detach().reshape({N * C, D, H, W}),
                                       {kernel::adaptive_box(D, output_size.d, dev), kernel::adaptive_box(H, output_size.h, dev),
                                        kernel::adaptive_box(W, output_size.w, dev)},
                                       op);
  const Shape out{N, C, output_size.d, output_size.h, output_size.w};
  const Tensor values = gather(xb.reshape({N, C, D * H * W}), 2, at.reshape({N, C, out[2] * out[3] * out[4]}));
  return {as_given(x, values.reshape(out)), as_given(x, at.reshape(out))};
}

Tensor adaptive_max_pool3d(const Tensor& x, Int3 output_size) {
  return std::get<0>(adaptive_max_pool3d_with_indices(x, output_size));
}

}  // namespace xg
