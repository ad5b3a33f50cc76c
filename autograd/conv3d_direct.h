// Private: conv3d on oneDNN's direct kernels (tensor/conv_direct.h), for ops_volume.cpp.
#pragma once

#include <xgrad/tensor.h>

#include "tensor/conv_direct.h"

namespace xg::autograd {

/// conv3d of float32 CPU tensors, x (N, C, D, H, W), W (OC, C/groups, KD, KH, KW), b (OC,)
/// or undefined, where kernel::conv_direct_available(g) said so; recorded as conv2d's
/// three primitives, each the others' backward, so gradients of every order.
Tensor conv3d_direct(const Tensor& x, const Tensor& W, const Tensor& b, const kernel::DirectConvGeom& g);
/// conv_transpose3d of float32 CPU tensors: the adjoint in the input of the convolution `g`
/// describes (from (N, g.C, g.D, g.H, g.W) to (N, g.OC, g.OD, g.OH, g.OW)) applied to x,
/// which has that convolution's output shape; W (g.OC, g.C/groups, KD, KH, KW); no bias.
Tensor conv_transpose3d_direct(const Tensor& x, const Tensor& W, const kernel::DirectConvGeom& g);

}  // namespace xg::autograd
