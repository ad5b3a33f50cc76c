// libtorch's free in-place forms (torch::relu_(x), torch::exp_(x), ...): each is the method
// of its name (tensor/include/xgrad/detail/tensor_inplace_methods.h), recorded as it is.
#pragma once

#include <xgrad/tensor.h>

namespace xg {

/// libtorch's free in-place forms: xg::relu_(x) is x.relu_() (recorded as the method is).
inline Tensor& abs_(Tensor& x) { return x.abs_(); }
inline Tensor& neg_(Tensor& x) { return x.neg_(); }
inline Tensor& exp_(Tensor& x) { return x.exp_(); }
inline Tensor& log_(Tensor& x) { return x.log_(); }
inline Tensor& sqrt_(Tensor& x) { return x.sqrt_(); }
inline Tensor& rsqrt_(Tensor& x) { return x.rsqrt_(); }
inline Tensor& sin_(Tensor& x) { return x.sin_(); }
inline Tensor& cos_(Tensor& x) { return x.cos_(); }
inline Tensor& tanh_(Tensor& x) { return x.tanh_(); }
inline Tensor& sigmoid_(Tensor& x) { return x.sigmoid_(); }
inline Tensor& relu_(Tensor& x) { return x.relu_(); }
inline Tensor& floor_(Tensor& x) { return x.floor_(); }
inline Tensor& ceil_(Tensor& x) { return x.ceil_(); }
inline Tensor& round_(Tensor& x) { return x.round_(); }
inline Tensor& trunc_(Tensor& x) { return x.trunc_(); }
inline Tensor& clamp_(Tensor& x, double min, double max) { return x.clamp_(min, max); }

}  // namespace xg
