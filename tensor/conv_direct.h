// Private: convolution on oneDNN's direct convolution primitives (float32, CPU, a build with
// oneDNN), 2-D and 3-D. tensor/conv.cpp's conv2d kernels call them for the geometries Auto
// gives them; autograd/ops_conv3d_direct.cpp records them for conv3d, which otherwise falls
// back to its composition of the 2-D kernels (autograd/ops_volume.cpp).
// Layout NC(D)HW; weights (OC, C/groups, K...); the three kernels are each other's adjoints,
// as conv2d's (tensor/conv_kernels.h).
#pragma once

#include <cstdint>

#include <xgrad/tensor.h>

namespace xg::kernel {

/// The geometry of one convolution over `rank` (2 or 3) spatial axes, every size checked by
/// the caller before it is built; entries past `rank` are unused.
struct DirectConvGeom {
  int rank = 3;
  std::int64_t N = 0, C = 0, OC = 0, groups = 1;
  std::int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1};  // spatial sizes of input and output
  std::int64_t kernel[3] = {1, 1, 1}, stride[3] = {1, 1, 1}, padding[3] = {0, 0, 0}, dilation[3] = {1, 1, 1};
};

/// Whether the direct kernels take this convolution of float32 CPU tensors: the build has
/// oneDNN, set_conv_engine (or XGRAD_CONV) allows it, the output size is the floor rule's
/// (a transposed convolution's output_padding can break it), and, under Auto, oneDNN offers
/// a JIT direct kernel for it on this CPU (not its GEMM-based fallback, measured slower than
/// im2col: docs/benchmarks.md) and, in 2-D, the geometry is one where that kernel was
/// measured faster than im2col. Creates (and caches) the primitives on first use.
bool conv_direct_available(const DirectConvGeom& g);

/// y (N, OC, out...) = conv(x, W) + b (b may be undefined).
Tensor conv_direct_forward(const Tensor& x, const Tensor& W, const Tensor& b, const DirectConvGeom& g);
/// gx (N, C, in...) = the adjoint of the convolution in x applied to gy (conv_transpose's values).
Tensor conv_direct_input_grad(const Tensor& gy, const Tensor& W, const DirectConvGeom& g);
/// gW (OC, C/groups, K...) = Σ over samples and positions of gy · x's window.
Tensor conv_direct_weight_grad(const Tensor& x, const Tensor& gy, const DirectConvGeom& g);

}  // namespace xg::kernel
