// Private: 3-D convolution on oneDNN's direct convolution primitives (float32, CPU, a build
// with oneDNN). autograd/ops_conv3d_direct.cpp records them; conv3d falls back to its
// composition of the 2-D kernels (autograd/ops_volume.cpp) wherever these do not run.
// Layout NCDHW; weights (OC, C/groups, KD, KH, KW); the three kernels are each other's
// adjoints, as conv2d's (tensor/conv_kernels.h).
#pragma once

#include <cstdint>

#include <xgrad/tensor.h>

namespace xg::kernel {

/// The geometry of one 3-D convolution, every size checked by conv3d before it is built.
struct Conv3dGeom {
  std::int64_t N = 0, C = 0, D = 0, H = 0, W = 0;  // input
  std::int64_t OC = 0, groups = 1;
  std::int64_t kernel[3] = {1, 1, 1}, stride[3] = {1, 1, 1}, padding[3] = {0, 0, 0}, dilation[3] = {1, 1, 1};
  std::int64_t OD = 0, OH = 0, OW = 0;  // output
};

/// Whether the direct kernels take this convolution of float32 CPU tensors: the build has
/// oneDNN, set_conv3d_engine (or XGRAD_CONV3D) allows it, and, under Auto, oneDNN offers a
/// JIT direct kernel for it on this CPU (not its GEMM-based fallback, measured slower than
/// the composition: docs/benchmarks.md). Creates (and caches) the primitives on first use.
bool conv3d_direct_available(const Conv3dGeom& g);

/// y (N, OC, OD, OH, OW) = conv3d(x, W) + b (b may be undefined).
Tensor conv3d_direct_forward(const Tensor& x, const Tensor& W, const Tensor& b, const Conv3dGeom& g);
/// gx (N, C, D, H, W) = the adjoint of conv3d in x applied to gy (conv_transpose3d's values).
Tensor conv3d_direct_input_grad(const Tensor& gy, const Tensor& W, const Conv3dGeom& g);
/// gW (OC, C/groups, KD, KH, KW) = Σ over samples and positions of gy · x's window.
Tensor conv3d_direct_weight_grad(const Tensor& x, const Tensor& gy, const Conv3dGeom& g);

}  // namespace xg::kernel
