// Private: F::batch_norm with the new batch's weight given as a 0-d tensor on the input's
// device (nn/functional.cpp), which BatchNorm without a momentum uses for its cumulative
// average (1 / num_batches_tracked) so that a step reads nothing back from a GPU.
#pragma once

#include <xgrad/nn/functional.h>

namespace xg::nn::detail_bn {

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const functional::BatchNormFuncOptions& options, const Tensor& batch_weight);

}  // namespace xg::nn::detail_bn
