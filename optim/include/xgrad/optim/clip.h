// Gradient clipping, applied between backward() and step().
#pragma once

#include <xgrad/tensor.h>

namespace xg::optim {

/// Scales every gradient by max_norm / total_norm when the global L2 norm of all gradients
/// exceeds max_norm. Returns the norm before clipping.
double clip_grad_norm(const tensor_list& params, double max_norm);

/// Clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value(const tensor_list& params, double clip_value);

}  // namespace xg::optim
