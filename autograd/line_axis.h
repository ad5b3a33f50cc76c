// The axis of an operation along lines (sort, cumsum, topk, kthvalue, median, ...).
#pragma once

#include <cstdint>

#include <xgrad/tensor.h>

namespace xg::autograd {

/// `dim` of x as a non-negative axis, or an xg::Error naming `op`; a 0-d input is a line of
/// one (dim 0 or -1), as PyTorch's sort and cumsum of a scalar.
std::int64_t line_axis(const Tensor& x, std::int64_t dim, const char* op);

}  // namespace xg::autograd
