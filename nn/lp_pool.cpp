// F::lp_pool1d/2d/3d: PyTorch's composition of average pooling (nn/include/xgrad/nn/lp_pool.h),
// so values, gradients of every order and devices are avg_pool's, pow's and abs's. The
// arguments are checked here first, so an error names the lp_pool the user called.
#include <xgrad/nn/lp_pool.h>

#include <cmath>
#include <string>
#include <vector>

#include <xgrad/detail/format.h>

#include "nn/repr.h"
#include "tensor/checked.h"
#include "tensor/conv_kernels.h"

namespace xg::nn::functional {

namespace {

using detail_repr::py_tuple;

// x float with `ranks` axes (batched or not); p positive and finite; kernel and stride
// positive, each window within the input (no padding here, as PyTorch's), or with ceil_mode
// past its end by less than a stride.
void check(const char* op, const Tensor& x, std::initializer_list<std::int64_t> ranks, double p,
           const std::vector<std::int64_t>& kernel, const std::vector<std::int64_t>& stride, bool ceil_mode) {
  if (!x.defined()) fail(op, ": the input is undefined");
  bool rank_ok = false;
  for (std::int64_t r : ranks) rank_ok = rank_ok || x.dim() == r;
  if (!rank_ok)
    fail(op, ": expected a ", *ranks.begin(), ranks.size() > 1 ? detail::cat("-D or ", *(ranks.end() - 1)) : "",
         "-D input, got ", detail::shape_str(x.shape()));
  if (!is_floating(x.dtype())) fail(op, ": expected a float tensor, got ", dtype_name(x.dtype()));
  if (!(p > 0) || !std::isfinite(p)) fail(op, ": norm_type must be positive and finite, got ", p);
  const std::size_t first = x.shape().size() - kernel.size();
  for (std::size_t a = 0; a < kernel.size(); ++a) {
    if (kernel[a] < 1 || stride[a] < 1)
      fail(op, ": kernel_size and stride must be positive, got kernel_size ", py_tuple(kernel), ", stride ", py_tuple(stride));
    const std::int64_t size = x.shape()[first + a];
    if (kernel::window_count(size, 0, size, kernel[a], stride[a], ceil_mode) < 1)
      fail(op, ": kernel_size ", py_tuple(kernel), " is larger than the input ", detail::shape_str(x.shape()),
           ceil_mode ? detail::cat(" by more than the stride ", py_tuple(stride), " less one, with ceil_mode")
                     : std::string());
  }
}

// The windows' sums of x^p from their means (times the window's size), to the power 1/p,
// through PyTorch's sign(s)·relu(|s|).
Tensor finish(const Tensor& mean_of_powers, double p, double window) {
  return ((sign(mean_of_powers) * relu(abs(mean_of_powers))) * window).pow(1.0 / p);
}

}  // namespace

Tensor lp_pool1d(const Tensor& x, const LPPool1dFuncOptions& o) {
  detail::CallScope call("lp_pool1d");
  const std::int64_t k = o.kernel_size(), s = o.stride().value_or(k);
  check("lp_pool1d", x, {2, 3}, o.norm_type(), {k}, {s}, o.ceil_mode());
  return finish(avg_pool1d(x.pow(o.norm_type()), k, s, 0, o.ceil_mode()), o.norm_type(), static_cast<double>(k));
}

Tensor lp_pool2d(const Tensor& x, const LPPool2dFuncOptions& o) {
  detail::CallScope call("lp_pool2d");
  const Int2 k = o.kernel_size(), s = o.stride().value_or(k);
  check("lp_pool2d", x, {3, 4}, o.norm_type(), {k.h, k.w}, {s.h, s.w}, o.ceil_mode());
  return finish(avg_pool2d(x.pow(o.norm_type()), k, s, 0, o.ceil_mode()), o.norm_type(),
                static_cast<double>(k.h) * static_cast<double>(k.w));
}

Tensor lp_pool3d(const Tensor& x, const LPPool3dFuncOptions& o) {
  detail::CallScope call("lp_pool3d");
  const Int3 k = o.kernel_size(), s = o.stride().value_or(k);
  check("lp_pool3d", x, {4, 5}, o.norm_type(), {k.d, k.h, k.w}, {s.d, s.h, s.w}, o.ceil_mode());
  return finish(avg_pool3d(x.pow(o.norm_type()), k, s, 0, o.ceil_mode()), o.norm_type(),
                static_cast<double>(k.d) * static_cast<double>(k.h) * static_cast<double>(k.w));
}

}  // namespace xg::nn::functional
