// Private: F::batch_norm with the new batch's weight given as a 0-d tensor on the input's
// device (nn/functional.cpp), which BatchNorm without a momentum uses for its cumulative
// average (1 / num_batches_tracked) so that a step reads nothing back from a GPU; and the
// state BatchNorm and InstanceNorm make alike (nn/normalization.cpp).
#pragma once

#include <xgrad/nn/functional.h>
#include <xgrad/nn/module.h>

namespace xg::nn::detail_bn {

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const functional::BatchNormFuncOptions& options, const Tensor& batch_weight);

/// PyTorch's per-channel normalisation state, registered on `m`: with affine, parameters
/// gamma = 1 and beta = 0 (PyTorch's weight, bias); with track, buffers running_mean = 0,
/// running_var = 1 and num_batches_tracked = 0 (int64).
struct NormState {
  Tensor &gamma, &beta, &running_mean, &running_var, &num_batches_tracked;
};
void make_norm_state(Module& m, std::int64_t channels, Dtype dtype, bool affine, bool track, const NormState& s);

}  // namespace xg::nn::detail_bn
