// Private: the checks the loss functions share (nn/losses.cpp, nn/class_losses.cpp).
#pragma once

#include <xgrad/detail/format.h>
#include <string>

#include <xgrad/nn/losses.h>
#include <xgrad/tensor.h>

namespace xg::nn::detail_loss {

// A float target of shape (N,) against (N, C) scores is almost always class labels in the
// wrong dtype (xg::tensor({1, 2, 3}) is float32): say so, and how to fix it.
inline std::string label_hint(const Tensor& y, const Tensor& t) {
  if (is_floating(t.dtype()) && t.dim() + 1 == y.dim() && t.dim() >= 1 && t.shape()[0] == y.shape()[0])
    return xg::detail::cat("; if these are class labels, they must be int64, not ", dtype_name(t.dtype()),
                           ": write xg::tensor({...}, xg::kInt64) or convert with .to(xg::kInt64)");
  return "";
}

inline void require_same_shape(const char* op, const Tensor& y, const Tensor& t) {
  if (y.shape() != t.shape())
    fail(op, ": prediction ", xg::detail::shape_str(y.shape()), " and target ", xg::detail::shape_str(t.shape()),
         " differ in shape", label_hint(y, t));
}

/// Per-element losses reduced as libtorch's `reduction` says.
inline Tensor reduce(const Tensor& losses, Reduction reduction) {
  switch (reduction) {
    case Reduction::None:
      return losses;
    case Reduction::Sum:
      return losses.sum();
    case Reduction::Mean:
      break;
  }
  return losses.mean();
}

}  // namespace xg::nn::detail_loss
