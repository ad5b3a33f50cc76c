// The 1-D convolution and pooling (adaptive pooling too): each checks its arguments in 1-D terms (so an error names
// the user's call, shapes and sizes, not a 4-D intermediate), then runs its 2-D form on
// (N, C, 1, L) (libtorch's own conv1d does the same), so the values, the gradients of any
// order and the devices are the 2-D kernels'.
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include <algorithm>

#include "tensor/checked.h"
#include "tensor/conv_kernels.h"

namespace xg {

namespace {

// x (N, C, L) or unbatched (C, L), float; kernel, stride, dilation positive, padding
// non-negative; the dilated kernel no longer than the padded input (with a pool's
// ceil_mode, a window past the end by less than a stride fits).
void check_window(const char* op, const Tensor& x, std::int64_t kernel, std::int64_t stride, std::int64_t padding,
                  std::int64_t dilation, bool ceil_mode = false) {
  if (!x.defined()) fail(op, ": the input is undefined (default-constructed, or a member never initialised)");
  if (x.dim() != 2 && x.dim() != 3)
    fail(op, ": expected a 2-D (C, L) or 3-D (N, C, L) input, got ", x.dim(), "-D ", detail::shape_str(x.shape()));
  if (x.dtype() == kInt64) fail(op, ": expected a float tensor, got int64");
  if (kernel < 1 || stride < 1 || dilation < 1 || padding < 0)
    fail(op, ": kernel_size, stride and dilation must be positive and padding non-negative, got kernel_size ", kernel,
         ", stride ", stride, ", padding ", padding, ", dilation ", dilation);
  const char* what = "the dilated kernel's span";
  const std::int64_t span = detail::size_add(detail::size_mul(dilation, kernel - 1, op, what), 1, op, what);
  const char* padded_what = "the padded length";
  const std::int64_t padded =
      detail::size_add(x.shape().back(), detail::size_mul(2, padding, op, padded_what), op, padded_what);
  if (kernel::window_count(x.shape().back(), padding, padded, span, stride, ceil_mode) < 1)
    fail(op, ": kernel ", kernel, dilation > 1 ? " dilated" : "", " spans ", span, ", longer than the padded length ",
         padded, " of input ", detail::shape_str(x.shape()), " with padding ", padding,
         ceil_mode ? detail::cat(" by more than the stride (", stride, ") less one, with ceil_mode") : std::string());
}

// x (C, L) or (N, C, L), float, L > 0; output_size positive.
void check_adaptive(const char* op, const Tensor& x, std::int64_t output_size) {
  if (!x.defined()) fail(op, ": the input is undefined (default-constructed, or a member never initialised)");
  if (x.dim() != 2 && x.dim() != 3)
    fail(op, ": expected a 2-D (C, L) or 3-D (N, C, L) input, got ", x.dim(), "-D ", detail::shape_str(x.shape()));
  if (x.dtype() == kInt64) fail(op, ": expected a float tensor, got int64");
  if (x.shape().back() == 0) fail(op, ": the input's length is 0 in ", detail::shape_str(x.shape()));
  if (output_size < 1) fail(op, ": output_size must be positive, got ", output_size);
}

// max_pool1d's window and PyTorch's padding rule (at most half the kernel); the stride.
std::int64_t check_max_pool(const Tensor& x, std::int64_t kernel, std::optional<std::int64_t> stride,
                            std::int64_t padding, std::int64_t dilation, bool ceil_mode) {
  const char* op = "max_pool1d";
  const std::int64_t s = stride.value_or(kernel);
  check_window(op, x, kernel, s, padding, dilation, ceil_mode);
  if (padding > kernel / 2)
    fail(op, ": padding ", padding, " must be between 0 and half the kernel (", kernel, ")");
  return s;
}

// (N, C, L) as (N, C, 1, L), or unbatched (C, L) as (C, 1, L): the 2-D forms take both.
Tensor as_rows(const Tensor& x) { return unsqueeze(x, -2); }
Tensor from_rows(const Tensor& y) { return squeeze(y, -2); }

}  // namespace

Tensor conv1d(const Tensor& x, const Tensor& W, const Tensor& b, std::int64_t stride, std::int64_t padding,
              std::int64_t dilation, std::int64_t groups) {
  const char* op = "conv1d";
  detail::CallScope call(op);
  if (!W.defined()) fail(op, ": the weight is undefined (default-constructed, or a member never initialised)");
  if (W.dim() != 3) fail(op, ": expected a 3-D weight (C_out, C_in/groups, K), got ", detail::shape_str(W.shape()));
  check_window(op, x, W.shape()[2], stride, padding, dilation);
  if (groups < 1) fail(op, ": groups must be positive, got ", groups);
  const Shape &xs = x.shape(), &ws = W.shape();
  const std::int64_t C = xs[xs.size() - 2];
  const std::int64_t in_channels = detail::size_mul(ws[1], groups, op, "the weight's second axis x groups");
  if (C % groups != 0 || ws[0] % groups != 0)
    fail(op, ": groups = ", groups, " must divide the input channels (", C, ") and the weight's first axis (",
         ws[0], ")");
  if (C != in_channels)
    fail(op, ": expected input ", xs.size() == 2 ? "(C, L)" : "(N, C, L)", " with C = ", in_channels, " for weight ",
         detail::shape_str(ws),
         groups > 1 ? detail::cat(" and groups = ", groups) : std::string(), ", got ", detail::shape_str(xs));
  if (b.defined() && (b.dim() != 1 || b.shape()[0] != ws[0]))
    fail(op, ": expected a bias of shape (", ws[0], ") for weight ", detail::shape_str(ws), ", got ",
         detail::shape_str(b.shape()));
  return from_rows(conv2d(as_rows(x), unsqueeze(W, 2), b, {1, stride}, {0, padding}, {1, dilation}, groups));
}

Tensor conv_transpose1d(const Tensor& x, const Tensor& W, const Tensor& b, std::int64_t stride, std::int64_t padding,
                        std::int64_t output_padding, std::int64_t groups, std::int64_t dilation) {
  const char* op = "conv_transpose1d";
  detail::CallScope call(op);
  if (!x.defined() || !W.defined()) fail(op, ": the input or the weight is undefined");
  if (x.dim() != 2 && x.dim() != 3)
    fail(op, ": expected a 2-D (C, L) or 3-D (N, C, L) input, got ", x.dim(), "-D ", detail::shape_str(x.shape()));
  if (W.dim() != 3)
    fail(op, ": expected a 3-D weight (C_in, C_out/groups, K), got ", detail::shape_str(W.shape()));
  if (stride < 1 || dilation < 1 || padding < 0 || output_padding < 0 || groups < 1)
    fail(op, ": stride, dilation and groups must be positive and padding, output_padding non-negative, got stride ",
         stride, ", padding ", padding, ", output_padding ", output_padding, ", dilation ", dilation, ", groups ",
         groups);
  if (output_padding >= std::max(stride, dilation))
    fail(op, ": output_padding ", output_padding, " must be smaller than the stride (", stride, ") or the dilation (",
         dilation, ")");
  if (x.shape()[x.dim() - 2] != W.shape()[0])
    fail(op, ": expected input ", x.dim() == 2 ? "(C, L)" : "(N, C, L)", " with C = ", W.shape()[0], " for weight ",
         detail::shape_str(W.shape()),
         ", got ", detail::shape_str(x.shape()));
  // S(L-1) - 2P + D(K-1) + 1 + output_padding, each step checked.
  const char* what = "the output length";
  const std::int64_t grown = detail::size_mul(stride, x.shape().back() - 1, op, what);
  const std::int64_t span = detail::size_add(detail::size_mul(dilation, W.shape()[2] - 1, op, what), 1, op, what);
  const std::int64_t length = detail::size_sub(detail::size_add(detail::size_add(grown, span, op, what), output_padding, op, what),
                                               detail::size_mul(2, padding, op, what), op, what);
  if (length <= 0)
    fail(op, ": input ", detail::shape_str(x.shape()), " with weight ", detail::shape_str(W.shape()), ", stride ",
         stride, " and padding ", padding, " gives an empty output (length ", length, ")");
  return from_rows(conv_transpose2d(as_rows(x), unsqueeze(W, 2), b, {1, stride}, {0, padding}, {0, output_padding},
                                    groups, {1, dilation}));
}

Tensor max_pool1d(const Tensor& x, std::int64_t kernel, std::optional<std::int64_t> stride, std::int64_t padding,
                  std::int64_t dilation, bool ceil_mode) {
  detail::CallScope call("max_pool1d");
  const std::int64_t s = check_max_pool(x, kernel, stride, padding, dilation, ceil_mode);
  return from_rows(max_pool2d(as_rows(x), {1, kernel}, {1, s}, {0, padding}, {1, dilation}, ceil_mode));
}

std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& x, std::int64_t kernel,
                                                   std::optional<std::int64_t> stride, std::int64_t padding,
                                                   std::int64_t dilation, bool ceil_mode) {
  detail::CallScope call("max_pool1d");
  const std::int64_t s = check_max_pool(x, kernel, stride, padding, dilation, ceil_mode);
  // In a plane of height 1 the 2-D index h·W + w is the 1-D position w.
  auto [values, indices] =
      max_pool2d_with_indices(as_rows(x), {1, kernel}, {1, s}, {0, padding}, {1, dilation}, ceil_mode);
  return {from_rows(values), from_rows(indices)};
}

Tensor avg_pool1d(const Tensor& x, std::int64_t kernel, std::optional<std::int64_t> stride, std::int64_t padding,
                  bool ceil_mode, bool count_include_pad) {
  const char* op = "avg_pool1d";
  detail::CallScope call(op);
  const std::int64_t s = stride.value_or(kernel);
  check_window(op, x, kernel, s, padding, 1, ceil_mode);
  if (padding > kernel / 2)
    fail(op, ": padding ", padding, " must be between 0 and half the kernel (", kernel, ")");
  return from_rows(avg_pool2d(as_rows(x), {1, kernel}, {1, s}, {0, padding}, ceil_mode, count_include_pad));
}

Tensor adaptive_avg_pool1d(const Tensor& x, std::int64_t output_size) {
  const char* op = "adaptive_avg_pool1d";
  detail::CallScope call(op);
  check_adaptive(op, x, output_size);
  return from_rows(adaptive_avg_pool2d(as_rows(x), {1, output_size}));
}

std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& x, std::int64_t output_size) {
  const char* op = "adaptive_max_pool1d";
  detail::CallScope call(op);
  check_adaptive(op, x, output_size);
  // In a plane of height 1 the 2-D index h·W + w is the 1-D position w.
  auto [values, indices] = adaptive_max_pool2d_with_indices(as_rows(x), {1, output_size});
  return {from_rows(values), from_rows(indices)};
}

Tensor adaptive_max_pool1d(const Tensor& x, std::int64_t output_size) {
  return std::get<0>(adaptive_max_pool1d_with_indices(x, output_size));
}

}  // namespace xg
