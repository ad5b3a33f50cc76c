// libtorch's torch::nn::utils::parameters_to_vector and vector_to_parameters: a model's
// parameters as one flat vector and back (evolution strategies, natural-gradient and
// second-order methods, weight averaging, hypernetworks).
#pragma once

#include <xgrad/tensor.h>

namespace xg::nn::utils {

/// The parameters flattened and joined in order, one 1-D tensor (differentiable, as
/// PyTorch's: a cat of views). All on one device and of one dtype.
Tensor parameters_to_vector(const tensor_list& parameters);

/// Copies consecutive slices of `vec` (1-D, exactly as many elements as the parameters
/// hold) into the parameters, in place and outside the graph: their handles stay (an
/// optimizer keeps working) and so do their dtypes, where PyTorch rebinds `.data`.
void vector_to_parameters(const Tensor& vec, const tensor_list& parameters);

}  // namespace xg::nn::utils
