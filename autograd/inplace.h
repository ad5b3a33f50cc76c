// Private: the rules every in-place Tensor method follows before it writes
// (autograd/tensor_methods.cpp, tensor_inplace_methods.cpp, ops_indexing.cpp).
#pragma once

#include <initializer_list>

#include <xgrad/tensor.h>

namespace xg::autograd {

/// In-place updates are not recorded, so while recording is on they refuse a target that
/// requires grad (its gradients would silently be those of the values before the write) and
/// an operand that requires grad (its gradient would silently be lost): xg::Error naming
/// `op`, with the out-of-place form or NoGradGuard as the fix. Then notes the target in the
/// gradient checks' write journal, which puts it back after a check.
void check_inplace(const Tensor& t, const char* op, std::initializer_list<const Tensor*> operands = {});

/// An int64 target cannot take float values (xg::Error naming `op` and both dtypes).
void check_writable(const Tensor& t, Dtype from, const char* op);

}  // namespace xg::autograd
