// Pooling. Max pooling remembers where each maximum came from; its backward
// scatters there and the scatter's backward gathers from there, so second derivatives use
// the same (saved) winners, as DeZero's Pooling2DWithIndexes. Average pooling is linear:
// the average over windows and its adjoint are each other's backward.
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include "autograd/graph.h"
#include "autograd/unbatched.h"
#include "tensor/checked.h"
#include "tensor/conv_kernels.h"
#include "tensor/kernels.h"

namespace xg {

using autograd::Node;
using autograd::record;
using kernel::ConvGeom;
using kernel::PoolWindows;

namespace {

Tensor pool_gather(const Tensor& x, const Tensor& at, const Shape& out_shape);

// Zeros of `x_shape` with gy's values added at the saved argmax positions of their planes.
Tensor pool_scatter(const Tensor& gy, const Tensor& at, const Shape& x_shape) {
  const std::int64_t N = x_shape[0], C = x_shape[1], L = gy.shape()[2] * gy.shape()[3];
  Tensor gx = kernel::scatter_add({N, C, x_shape[2] * x_shape[3]}, 2, detail::alias(at, {N, C, L}),
                                  detail::alias(gy, {N, C, L}));
  return record("max_pool2d_backward", {gy}, detail::alias(gx, x_shape), {at},
                [out = gy.shape()](Node& n, const Tensor& ggx) { return tensor_list{pool_gather(ggx, n.saved(0), out)}; });
}

// The values of x at the saved argmax positions, shaped (N, C, OH, OW).
Tensor pool_gather(const Tensor& x, const Tensor& at, const Shape& out_shape) {
  const Shape& s = x.shape();
  Tensor y = kernel::gather(detail::alias(x, {s[0], s[1], s[2] * s[3]}), 2,
                            detail::alias(at, {out_shape[0], out_shape[1], out_shape[2] * out_shape[3]}), "max_pool2d");
  return record("max_pool2d", {x}, detail::alias(y, out_shape), {at},
                [xs = s](Node& n, const Tensor& gy) { return tensor_list{pool_scatter(gy, n.saved(0), xs)}; });
}

using Windows = std::shared_ptr<const PoolWindows>;
Tensor window_adjoint(const Tensor& gy, const Windows& win);

Tensor window_avg(const char* op, const Tensor& x, const Windows& win) {
  return record(op, {x}, kernel::window_average(x, *win), {},
                [win](Node&, const Tensor& gy) { return tensor_list{window_adjoint(gy, win)}; });
}

Tensor window_adjoint(const Tensor& gy, const Windows& win) {
  return record("avg_pool2d_backward", {gy}, kernel::window_average_adjoint(gy, *win), {},
                [win](Node&, const Tensor& ggx) { return tensor_list{window_avg("avg_pool2d", ggx, win)}; });
}

// x (N, C, H, W) or unbatched (C, H, W); the operations run on detail::as_batch(x, 4).
void check_pool_input(const char* op, const Tensor& x) {
  if (x.dim() != 3 && x.dim() != 4)
    fail(op, ": expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got ", x.dim(), "-D ",
         detail::shape_str(x.shape()));
  if (x.dtype() == kInt64) fail(op, ": expected a float tensor, got int64");
}

// Window geometry of max / average pooling; stride defaults to the kernel.
ConvGeom pool_geometry(const char* op, const Tensor& x, Int2 kernel, Int2 stride, Int2 padding, Int2 dilation,
                       bool ceil_mode) {
  check_pool_input(op, x);
  if (!stride.set) stride = kernel;
  ConvGeom g = kernel::make_geometry(op, x.shape(), {kernel.h, kernel.w, stride.h, stride.w, padding.h, padding.w,
                                                     dilation.h, dilation.w, ceil_mode});
  // padding ≤ kernel / 2, as PyTorch (a window of padding alone would have no maximum).
  if (padding.h > kernel.h / 2 || padding.w > kernel.w / 2)
    fail(op, ": padding (", padding.h, ", ", padding.w, ") must be between 0 and half the kernel (", kernel.h, ", ",
         kernel.w, ")");
  g.groups = g.C;
  return g;
}

// Before any window is built: the output (N, C, OH, OW) and the windows' tables, sized from
// the arguments, within the allocation limit.
void check_windows(const char* op, const Tensor& x, std::int64_t OH, std::int64_t OW) {
  const Shape& s = x.shape();
  detail::check_allocation(detail::checked_nbytes({s[0], s[1], OH, OW}, dtype_size(x.dtype()), op), op,
                           detail::cat("the output (", s[0], ", ", s[1], ", ", OH, ", ", OW, ")"));
  detail::checked_buffer(detail::size_add(detail::size_mul(OH, OW, op, "the output plane"),
                                          detail::size_mul(2, detail::size_add(OH, OW, op, "the windows"), op, "the windows"),
                                          op, "the windows"),
                         sizeof(double), op, "the windows' table");
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, Int2 kernel, Int2 stride, Int2 padding,
                                                   Int2 dilation, bool ceil_mode) {
  detail::CallScope call("max_pool2d");
  const ConvGeom g = pool_geometry("max_pool2d", x, kernel, stride, padding, dilation, ceil_mode);
  const Tensor xb = detail::as_batch(x, 4);
  Tensor y, at;
  kernel::max_pool2d(xb, g, y, at);
  autograd::note_kink("max_pool2d", at);
  // The winners are the backward's: the caller gets a copy it may change.
  const Tensor indices = at.clone();
  return {detail::as_given(x, 4, record("max_pool2d", {xb}, y, {at}, [xs = xb.shape()](Node& n, const Tensor& gy) {
            return tensor_list{pool_scatter(gy, n.saved(0), xs)};
          })),
          detail::as_given(x, 4, indices)};
}

Tensor max_pool2d(const Tensor& x, Int2 kernel, Int2 stride, Int2 padding, Int2 dilation, bool ceil_mode) {
  detail::CallScope call("max_pool2d");
  const ConvGeom g = pool_geometry("max_pool2d", x, kernel, stride, padding, dilation, ceil_mode);
  const Tensor xb = detail::as_batch(x, 4);
  Tensor y, at;
  kernel::max_pool2d(xb, g, y, at);
  autograd::note_kink("max_pool2d", at);
  return detail::as_given(x, 4, record("max_pool2d", {xb}, y, {at}, [xs = xb.shape()](Node& n, const Tensor& gy) {
                            return tensor_list{pool_scatter(gy, n.saved(0), xs)};
                          }));
}

Tensor avg_pool2d(const Tensor& x, Int2 kernel, Int2 stride, Int2 padding, bool ceil_mode, bool count_include_pad,
                  std::optional<std::int64_t> divisor_override) {
  detail::CallScope call("avg_pool2d");
  if (divisor_override == 0) fail("avg_pool2d: divisor_override must not be zero");
  const ConvGeom g = pool_geometry("avg_pool2d", x, kernel, stride, padding, 1, ceil_mode);
  const Tensor xb = detail::as_batch(x, 4);
  check_windows("avg_pool2d", xb, g.OH, g.OW);
  auto win = std::make_shared<PoolWindows>();
  win->H = g.H, win->W = g.W;
  // A window's padded extent is clipped at the far padded edge only, as PyTorch's divisor
  // (with ceil_mode a last window may pass that edge: what lies beyond does not count).
  const auto axis = [](std::int64_t out, std::int64_t size, std::int64_t k, std::int64_t s, std::int64_t p,
                       std::vector<std::int64_t>& lo, std::vector<std::int64_t>& hi, std::vector<std::int64_t>& span) {
    for (std::int64_t i = 0; i < out; ++i) {
      const std::int64_t start = i * s - p, end = std::min(start + k, size + p);
      span.push_back(end - start);
      lo.push_back(std::max<std::int64_t>(start, 0));
      hi.push_back(std::min(end, size));
    }
  };
  std::vector<std::int64_t> span_h, span_w;
  axis(g.OH, g.H, g.KH, g.SH, g.PH, win->h0, win->h1, span_h);
  axis(g.OW, g.W, g.KW, g.SW, g.PW, win->w0, win->w1, span_w);
  for (std::int64_t i = 0; i < g.OH; ++i)
    for (std::int64_t j = 0; j < g.OW; ++j)
      win->divisor.push_back(divisor_override ? static_cast<double>(*divisor_override)
                             : count_include_pad
                                 ? static_cast<double>(span_h[i]) * static_cast<double>(span_w[j])  // may pass 2^63
                                 : static_cast<double>((win->h1[i] - win->h0[i]) * (win->w1[j] - win->w0[j])));
  return detail::as_given(x, 4, window_avg("avg_pool2d", xb, win));
}

namespace {

// The checks adaptive pooling shares; the adaptive windows of x's plane (x batched, after
// the input as given was checked).
PoolWindows adaptive_windows(const char* op, const Tensor& given, const Tensor& x, Int2 output_size) {
  check_pool_input(op, given);  // given is defined: the callers checked before batching it
  if (output_size.h < 1 || output_size.w < 1)
    fail(op, ": output size must be positive, got (", output_size.h, ", ", output_size.w, ")");
  PoolWindows win;
  win.H = x.shape()[2], win.W = x.shape()[3];
  if (win.H == 0 || win.W == 0) fail(op, ": input ", detail::shape_str(given.shape()), " has an empty plane");
  check_windows(op, x, output_size.h, output_size.w);
  kernel::adaptive_bounds(win.H, output_size.h, win.h0, win.h1);
  kernel::adaptive_bounds(win.W, output_size.w, win.w0, win.w1);
  return win;
}

}  // namespace

Tensor adaptive_avg_pool2d(const Tensor& x, Int2 output_size) {
  const char* op = "adaptive_avg_pool2d";
  detail::CallScope call(op);
  if (!x.defined()) fail(op, ": the input is undefined");
  const Tensor xb = detail::as_batch(x, 4);
  auto win = std::make_shared<PoolWindows>(adaptive_windows(op, x, xb, output_size));
  for (std::int64_t i = 0; i < output_size.h; ++i)
    for (std::int64_t j = 0; j < output_size.w; ++j)
      win->divisor.push_back(static_cast<double>((win->h1[i] - win->h0[i]) * (win->w1[j] - win->w0[j])));
  return detail::as_given(x, 4, window_avg("adaptive_avg_pool2d", xb, win));
}

// Each cell's winner found by kernel::box_argmax (first maximum, first NaN, in row-major
// order), without a graph; its value is then gathered from x, so the gradient goes to that one
// element, as PyTorch's, and every order of gradient is gather's.
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& given, Int2 output_size) {
  const char* op = "adaptive_max_pool2d";
  detail::CallScope call(op);
  if (!given.defined()) fail(op, ": the input is undefined");
  const Tensor x = detail::as_batch(given, 4);
  const PoolWindows win = adaptive_windows(op, given, x, output_size);
  const std::int64_t N = x.shape()[0], C = x.shape()[1], H = win.H, W = win.W;
  const std::int64_t OH = output_size.h, OW = output_size.w;
  const Tensor at = kernel::box_argmax(x.detach().reshape({N * C, H, W}),
                                       {kernel::box_row(win.h0, win.h1, x.device()), kernel::box_row(win.w0, win.w1, x.device())},
                                       op);  // the windows adaptive_windows computed and checked
  const Tensor plane = x.reshape({N, C, H * W});
  return {detail::as_given(given, 4, gather(plane, 2, at.reshape({N, C, OH * OW})).reshape({N, C, OH, OW})),
          detail::as_given(given, 4, at.reshape({N, C, OH, OW}))};
}

Tensor adaptive_max_pool2d(const Tensor& x, Int2 output_size) {
  return std::get<0>(adaptive_max_pool2d_with_indices(x, output_size));
}

}  // namespace xg
