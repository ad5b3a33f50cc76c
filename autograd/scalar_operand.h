// Private: how a C++ scalar beside a tensor becomes a 0-d operand (the arithmetic operators,
// remainder, fmod): one rule, PyTorch's.
#pragma once

#include <cmath>

#include <xgrad/tensor.h>

namespace xg::autograd {

/// v as a 0-d tensor that does not change x's dtype: an integral scalar keeps int64; a
/// fractional one beside int64 gives float32, as PyTorch, and so does one outside int64's
/// range, which no int64 can hold (2^63 and beyond, infinities, NaN).
inline Tensor scalar_like(const Tensor& x, double v) {
  Dtype dt = x.dtype();
  if (dt == kInt64 && !(v == std::floor(v) && v >= -0x1p63 && v < 0x1p63)) dt = kFloat32;
  return scalar_tensor(v, dt);
}

}  // namespace xg::autograd
