// Private: grid_sample's bilinear and nearest sampling of (N, C, H, W) images as one pass
// forward and one backward on the CPU (tensor/grid_sample.cpp), with PyTorch's coordinate
// rules (GridSampler.h). autograd/ops_grid_sample.cpp records it; bicubic sampling, a GPU and
// the higher orders take the composed form there.
#pragma once

#include <xgrad/tensor.h>

namespace xg::kernel {

enum class GridPadding { Zeros, Border, Reflection };

struct GridSampling {
  bool nearest = false;  // else bilinear
  GridPadding padding = GridPadding::Zeros;
  bool align_corners = false;
};

/// input (N, C, H, W) and grid (N, OH, OW, 2), contiguous, one float dtype, on the CPU, every
/// size checked: the (N, C, OH, OW) samples.
Tensor grid_sample_forward(const Tensor& input, const Tensor& grid, const GridSampling& s);

struct GridSampleGrads {
  Tensor input, grid;  // only where asked for
};
/// The gradients for gy, the output's gradient: the taps' weights times gy added back into
/// the input's pixels (in the output's order: the same bits on any thread count), and the
/// grid's from the weights' derivatives (zero for nearest).
GridSampleGrads grid_sample_backward(const Tensor& gy, const Tensor& input, const Tensor& grid, const GridSampling& s,
                                     bool input_grad, bool grid_grad);

}  // namespace xg::kernel
