// max_unpool1d/2d/3d: max pooling's partial inverse (a SegNet decoder's up-sampling, a
// deconvnet's switches). Each value goes to its index in zeros of the pooled input's size by
// scatter, deterministic on every device (of two values sent to one place the later wins, and
// it alone gets the gradient; PyTorch leaves that undefined), so gradients of every order and
// the GPU are scatter's. Everything is checked here first, in the user's terms.
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include <string>
#include <vector>

#include "autograd/unbatched.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace {

std::string list(const std::vector<std::int64_t>& v) {
  std::string s = "(";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + ")";
}

// x (N, C, spatial...) or unbatched (C, spatial...) with k spatial axes, values at `indices`
// (x's shape, positions in the flattened output plane or volume).
Tensor unpool(const char* op, const Tensor& x, const Tensor& indices, const std::vector<std::int64_t>& kernel,
              const std::vector<std::int64_t>& stride, const std::vector<std::int64_t>& padding,
              const std::vector<std::int64_t>& output_size) {
  detail::CallScope call(op);
  const std::size_t k = kernel.size();
  static const char* const kLayouts[] = {"(N, C, L)", "(N, C, H, W)", "(N, C, D, H, W)"};
  if (!x.defined() || !indices.defined()) fail(op, ": the ", x.defined() ? "indices are" : "input is", " undefined");
  if (x.dim() != static_cast<std::int64_t>(k) + 1 && x.dim() != static_cast<std::int64_t>(k) + 2)
    fail(op, ": expected a ", k + 2, "-D input ", kLayouts[k - 1], " or its unbatched ", k + 1, "-D form, got ",
         detail::shape_str(x.shape()));
  if (!is_floating(x.dtype())) fail(op, ": expected a float input, got ", dtype_name(x.dtype()));
  if (indices.dtype() != kInt64) fail(op, ": indices must be int64 (max pooling's), got ", dtype_name(indices.dtype()));
  if (indices.shape() != x.shape())
    fail(op, ": indices ", detail::shape_str(indices.shape()), " must have the input's shape ",
         detail::shape_str(x.shape()));
  detail::compute_device({{"input", x}, {"indices", indices}}, op);
  for (std::size_t a = 0; a < k; ++a)
    if (kernel[a] < 1 || stride[a] < 1 || padding[a] < 0)
      fail(op, ": kernel_size and stride must be positive and padding non-negative, got kernel_size ", list(kernel),
           ", stride ", list(stride), ", padding ", list(padding));
  // Each axis: (in - 1)·stride - 2·padding + kernel, or the given size within a stride of it.
  const Shape& xs = x.shape();
  const std::size_t first = xs.size() - k;
  for (std::size_t a = first; a < xs.size(); ++a)
    if (xs[a] == 0) fail(op, ": the input ", detail::shape_str(xs), " has an empty spatial axis");
  std::vector<std::int64_t> sizes(k);
  for (std::size_t a = 0; a < k; ++a) {
    const char* what = "the output size";
    const std::int64_t grown = detail::size_mul(xs[first + a] - 1, stride[a], op, what);
    sizes[a] = detail::size_sub(detail::size_add(grown, kernel[a], op, what), detail::size_mul(2, padding[a], op, what),
                                op, what);
  }
  if (!output_size.empty()) {
    if (output_size.size() != k && output_size.size() != k + 2)
      fail(op, ": output_size must hold ", k, " sizes (or ", k + 2, " with N and C), got ", list(output_size));
    const std::vector<std::int64_t> given(output_size.end() - static_cast<std::ptrdiff_t>(k), output_size.end());
    for (std::size_t a = 0; a < k; ++a)
      if (given[a] <= sizes[a] - stride[a] || given[a] >= sizes[a] + stride[a])
        fail(op, ": output_size ", list(given), " must lie within a stride ", list(stride), " of the default size ",
             list(sizes), " on each axis (exclusive)");
    sizes = given;
  }
  for (std::size_t a = 0; a < k; ++a)
    if (sizes[a] <= 0)
      fail(op, ": input ", detail::shape_str(xs), " with kernel_size ", list(kernel), ", stride ", list(stride),
           " and padding ", list(padding), " gives an empty output ", list(sizes));
  const Tensor xb = detail::as_batch(x, static_cast<std::int64_t>(k) + 2);
  const std::int64_t N = xb.shape()[0], C = xb.shape()[1];
  std::int64_t plane = 1;
  for (std::int64_t s : sizes) plane = detail::size_mul(plane, s, op, "the output size");
  Shape out{N, C};
  out.insert(out.end(), sizes.begin(), sizes.end());
  detail::check_allocation(detail::checked_nbytes(out, dtype_size(x.dtype()), op), op,
                           "the output " + detail::shape_str(out));
  const Tensor at = indices.reshape({N, C, -1});
  kernel::check_indices(at, xb, plane, 2, op);
  const Tensor y = scatter(zeros({N, C, plane}, TensorOptions().dtype(x.dtype()).device(x.device())), 2, at,
                           xb.reshape({N, C, -1}))
                       .reshape(out);
  return detail::as_given(x, static_cast<std::int64_t>(k) + 2, y);
}

}  // namespace

Tensor max_unpool1d(const Tensor& x, const Tensor& indices, std::int64_t kernel, std::optional<std::int64_t> stride,
                    std::int64_t padding, const std::vector<std::int64_t>& output_size) {
  return unpool("max_unpool1d", x, indices, {kernel}, {stride.value_or(kernel)}, {padding}, output_size);
}

Tensor max_unpool2d(const Tensor& x, const Tensor& indices, Int2 kernel, Int2 stride, Int2 padding,
                    const std::vector<std::int64_t>& output_size) {
  if (!stride.set) stride = kernel;
  return unpool("max_unpool2d", x, indices, {kernel.h, kernel.w}, {stride.h, stride.w}, {padding.h, padding.w},
                output_size);
}

Tensor max_unpool3d(const Tensor& x, const Tensor& indices, Int3 kernel, Int3 stride, Int3 padding,
                    const std::vector<std::int64_t>& output_size) {
  if (!stride.set) stride = kernel;
  return unpool("max_unpool3d", x, indices, {kernel.d, kernel.h, kernel.w}, {stride.d, stride.h, stride.w},
                {padding.d, padding.h, padding.w}, output_size);
}

}  // namespace xg
