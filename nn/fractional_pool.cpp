// F::fractional_max_pool2d/3d and their modules (nn/include/xgrad/nn/fractional_pool.h),
// composed: each plane's window starts from its samples with PyTorch's arithmetic (in the
// input's dtype, so float32 inputs get float32's roundings, as there), the winner of each
// window by kernel::box_argmax (the first of tied maxima; a NaN wins), and the values
// gathered at the winners, so the gradient goes to them. Gradients of every order are
// gather's; the arguments are checked here first, so errors name the call.
#include <xgrad/nn/fractional_pool.h>

#include <cmath>
#include <string>
#include <vector>

#include <xgrad/detail/format.h>
#include <xgrad/random.h>

#include "nn/repr.h"
#include "tensor/checked.h"
#include "tensor/conv_kernels.h"

namespace xg::nn {

namespace {

using detail_repr::py_tuple;

std::vector<std::int64_t> sizes(const Int2& v) { return {v.h, v.w}; }
std::vector<std::int64_t> sizes(const Int3& v) { return {v.d, v.h, v.w}; }
template <std::size_t D>
std::string ratio_str(const std::array<double, D>& r) {
  return py_tuple(std::vector<double>(r.begin(), r.end()), detail_repr::py_float);
}

// Exactly one of output_size and output_ratio (the functionals' and the modules' rule).
template <std::size_t D>
void require_one_output(const std::string& op, const FractionalMaxPoolOptions<D>& o) {
  if (o.output_size().has_value() == o.output_ratio().has_value())
    fail(op, o.output_size() ? ": give one of output_size and output_ratio, not both"
                             : ": requires either an output_size or an output_ratio");
}

// The starts of one axis's windows in every plane, (N, C, out) int64, from that axis's
// samples s (N, C): PyTorch's generate_intervals, i = 0 .. out - 2 at
// trunc((i + s) · alpha) - trunc(s · alpha), alpha = (in - k) / (out - 1), and the last window
// at the end of the axis.
Tensor window_starts(const Tensor& s, std::int64_t in, std::int64_t out, std::int64_t k) {
  const std::int64_t N = s.shape()[0], C = s.shape()[1];
  const auto on = TensorOptions().dtype(kInt64).device(s.device());
  const Tensor last = full({N, C, 1}, static_cast<double>(in - k), on);
  if (out == 1) return last;
  const double alpha = static_cast<double>(in - k) / static_cast<double>(out - 1);  // rounded to s's dtype there
  const Tensor i = arange(0, out - 1, 1, TensorOptions().dtype(s.dtype()).device(s.device()));
  const Tensor s3 = s.unsqueeze(-1);
  return cat({((i + s3) * alpha).to(kInt64) - (s3 * alpha).to(kInt64), last}, -1);
}

template <std::size_t D>
std::tuple<Tensor, Tensor> pool(const char* op, const Tensor& x_in, const FractionalMaxPoolOptions<D>& o) {
  detail::CallScope call(op);
  constexpr auto nd = static_cast<std::int64_t>(D);
  if (!x_in.defined()) fail(op, ": the input is undefined");
  if (x_in.dim() != nd + 1 && x_in.dim() != nd + 2)
    fail(op, ": expected a ", nd + 1, "-D (C, ", D == 2 ? "H, W" : "T, H, W", ") or ", nd + 2, "-D (N, C, ",
         D == 2 ? "H, W" : "T, H, W", ") input, got ", detail::shape_str(x_in.shape()));
  if (!is_floating(x_in.dtype())) fail(op, ": expected a float tensor, got ", dtype_name(x_in.dtype()));
  const bool batched = x_in.dim() == nd + 2;
  const Tensor x = batched ? x_in : x_in.unsqueeze(0);
  const std::int64_t N = x.shape()[0], C = x.shape()[1];
  std::vector<std::int64_t> in(x.shape().begin() + 2, x.shape().end());
  for (std::int64_t v : in)
    if (v < 1) fail(op, ": expected a non-empty input, got ", detail::shape_str(x_in.shape()));

  const std::vector<std::int64_t> k = sizes(o.kernel_size());
  for (std::int64_t v : k)
    if (v < 1) fail(op, ": kernel_size must be positive, got ", py_tuple(k));
  require_one_output(op, o);
  std::vector<std::int64_t> out;
  if (o.output_size()) {
    out = sizes(*o.output_size());
  } else {
    const auto ratio = *o.output_ratio();  // a copy: output_ratio() returns the optional by value
    for (std::size_t a = 0; a < D; ++a) {
      if (!(ratio[a] > 0 && ratio[a] <= 1))
        fail(op, ": output_ratio must be in (0, 1], got ", ratio_str(ratio));
      out.push_back(static_cast<std::int64_t>(static_cast<double>(in[a]) * ratio[a]));  // PyTorch's truncation
    }
  }
  for (std::size_t a = 0; a < D; ++a)
    if (out[a] < 1 || k[a] > in[a] || out[a] > in[a] - k[a] + 1)  // (out + k - 1 could overflow)
      fail(op, ": output_size ", py_tuple(out), " with kernel_size ", py_tuple(k), " needs ", out[a],
           " windows of ", k[a], " within an axis of ", in[a], " (input ", detail::shape_str(x_in.shape()),
           "): each output axis must be in [1, input - kernel + 1]");

  Tensor s = o._random_samples();
  if (s.defined()) {
    const Shape want{N, C, nd};
    if (s.shape() != want)
      fail(op, ": _random_samples ", detail::shape_str(s.shape()), " must be (N, C, ", nd, ") = ", detail::shape_str(want),
           " for input ", detail::shape_str(x_in.shape()));
    if (!is_floating(s.dtype())) fail(op, ": _random_samples must be a float tensor, got ", dtype_name(s.dtype()));
    if (s.device() != x.device())
      fail(op, ": _random_samples is on ", s.device().str(), ", the input on ", x.device().str());
    s = s.detach().to(x.dtype());
    // Outside [0, 1) a window would leave the input: checked on the host (a wait on a GPU,
    // for samples the caller gave; drawn ones are in range by construction).
    const double in_range = ((s >= 0.0) * (s < 1.0)).sum().item();
    if (in_range != static_cast<double>(s.numel())) fail(op, ": _random_samples must lie in [0, 1)");
  } else {
    s = rand({N, C, nd}, TensorOptions().dtype(x.dtype()).device(x.device()));
  }

  // Each axis's windows, per plane: [start, start + k). PyTorch's 2-D kernel places the
  // columns with sample 0 and the rows with sample 1.
  std::vector<kernel::BoxAxis> boxes;
  std::int64_t windows = 1, plane = 1;
  Shape pooled{N, C}, planes_shape{N * C};
  for (std::size_t a = 0; a < D; ++a) {
    const std::int64_t sample = D == 2 ? 1 - static_cast<std::int64_t>(a) : static_cast<std::int64_t>(a);
    const Tensor lo = window_starts(s.select(2, sample), in[a], out[a], k[a]).reshape({N * C, out[a]});
    boxes.push_back({lo, lo + static_cast<double>(k[a])});
    windows *= out[a];  // each out[a] <= in[a]: bounded by the input's size
    plane *= in[a];
    pooled.push_back(out[a]);
    planes_shape.push_back(in[a]);
  }
  // The winners are found without a graph (first maximum, first NaN in row-major order);
  // the values are then gathered at their positions, so the gradient goes to each window's
  // winning element (PyTorch's), through one gather.
  const Tensor indices = kernel::box_argmax(x.detach().reshape(planes_shape), boxes, op).reshape(pooled);
  const Tensor y = gather(x.reshape({N, C, plane}), 2, indices.reshape({N, C, windows})).reshape(pooled);
  if (!batched) return {y.squeeze(0), indices.squeeze(0)};
  return {y, indices};
}

}  // namespace

namespace functional {

Tensor fractional_max_pool2d(const Tensor& x, const FractionalMaxPool2dFuncOptions& options) {
  return std::get<0>(pool("fractional_max_pool2d", x, options));
}
std::tuple<Tensor, Tensor> fractional_max_pool2d_with_indices(const Tensor& x, const FractionalMaxPool2dFuncOptions& options) {
  return pool("fractional_max_pool2d", x, options);
}
Tensor fractional_max_pool3d(const Tensor& x, const FractionalMaxPool3dFuncOptions& options) {
  return std::get<0>(pool("fractional_max_pool3d", x, options));
}
std::tuple<Tensor, Tensor> fractional_max_pool3d_with_indices(const Tensor& x, const FractionalMaxPool3dFuncOptions& options) {
  return pool("fractional_max_pool3d", x, options);
}

}  // namespace functional

template <std::size_t D>
FractionalMaxPoolNd<D>::FractionalMaxPoolNd(const FractionalMaxPoolOptions<D>& options) : options_(options) {
  const std::string name = type_name();
  detail::CallScope call(name.c_str());
  require_one_output(name, options);
  if (const auto ratio = options.output_ratio())
    for (double r : *ratio)
      if (!(r > 0 && r < 1)) fail(name, ": output_ratio must be between 0 and 1, got ", ratio_str(*ratio));
}

template <std::size_t D>
std::tuple<Tensor, Tensor> FractionalMaxPoolNd<D>::forward_with_indices(const Tensor& x) {
  if constexpr (D == 2)
    return functional::fractional_max_pool2d_with_indices(x, options_);
  else
    return functional::fractional_max_pool3d_with_indices(x, options_);
}

template class FractionalMaxPoolNd<2>;
template class FractionalMaxPoolNd<3>;

}  // namespace xg::nn
