// Opt-in interop with xtensor, for users who want to work on xt::xarray directly. Not part
// of the umbrella header: including it costs xtensor's compile time. Both directions copy,
// so xgrad's storage never depends on how the user's translation unit configured xtensor.
#pragma once

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>

#include <optional>
#include <type_traits>
#include <vector>

#include <xgrad/tensor.h>

namespace xg {

/// A copy of `x` as an xt::xarray<T> (converting the dtype if needed).
template <class T>
xt::xarray<T> to_xarray(const Tensor& x) {
  const std::vector<T> values = x.to_vector<T>();
  std::vector<std::size_t> shape(x.shape().begin(), x.shape().end());
  xt::xarray<T> out = xt::adapt(values, shape);
  return out;
}

/// A tensor holding a copy of `a`, in the dtype of T unless one is given.
template <class E>
Tensor from_xarray(const xt::xexpression<E>& e, std::optional<Dtype> dtype = std::nullopt) {
  using T = typename E::value_type;
  const xt::xarray<T> a = e.derived_cast();
  Shape shape(a.shape().begin(), a.shape().end());
  std::vector<double> values(a.begin(), a.end());
  const Dtype dt = dtype ? *dtype : (std::is_same_v<T, float> ? kFloat32 : std::is_integral_v<T> ? kInt64 : kFloat64);
  return tensor(values, shape, dt);
}

}  // namespace xg
