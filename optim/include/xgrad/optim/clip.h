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

namespace xg::nn::utils {
/// libtorch's clip_grad_norm_: scales the gradients by max_norm / (total + 1e-6) when the
/// total norm exceeds max_norm; norm_type 2 by default, any p ≥ 1, or INFINITY (the largest
/// |g|). Each tensor counts once. Returns the total norm before clipping.
double clip_grad_norm_(const tensor_list& parameters, double max_norm, double norm_type = 2.0);
double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0);
/// PyTorch 2.6's two halves of clip_grad_norm_, which never read a value back (so they wait
/// for nothing on a GPU and can sit inside a CUDA graph capture): the total norm of
/// `tensors` (typically the gradients; undefined ones skipped) as a 0-d float64 tensor on
/// their device, then every defined gradient of `parameters` scaled by
/// min(1, max_norm / (total_norm + 1e-6)).
Tensor get_total_norm(const tensor_list& tensors, double norm_type = 2.0);
void clip_grads_with_norm_(const tensor_list& parameters, double max_norm, const Tensor& total_norm);
/// libtorch's clip_grad_value_: clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value_(const tensor_list& parameters, double clip_value);
void clip_grad_value_(const Tensor& parameter, double clip_value);
}  // namespace xg::nn::utils
