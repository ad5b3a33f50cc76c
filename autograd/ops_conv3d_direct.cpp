// conv3d on oneDNN's direct kernels (tensor/conv_direct.h): the three recorded primitives of
// autograd/conv_primitives.h, so every order of gradient runs on them.
#include "autograd/conv3d_direct.h"

#include "autograd/conv_primitives.h"

namespace xg::autograd {

namespace {

struct Conv3dDirectKernels {
  using Geom = kernel::DirectConvGeom;
  static constexpr const char* kConv = "conv3d";
  static constexpr const char* kTransposed = "conv_transpose3d";
  static constexpr const char* kWeight = "conv3d_weight_grad";
  static Tensor forward(const Tensor& x, const Tensor& W, const Tensor& b, const Geom& g) {
    return kernel::conv_direct_forward(x, W, b, g);
  }
  static Tensor input_grad(const Tensor& gy, const Tensor& W, const Geom& g) {
    return kernel::conv_direct_input_grad(gy, W, g);
  }
  static Tensor weight_grad(const Tensor& x, const Tensor& gy, const Geom& g) {
    return kernel::conv_direct_weight_grad(x, gy, g);
  }
  static Axes bias_axes() { return {0, 2, 3, 4}; }
};
using Primitives = ConvPrimitives<Conv3dDirectKernels>;

}  // namespace

Tensor conv3d_direct(const Tensor& x, const Tensor& W, const Tensor& b, const kernel::DirectConvGeom& g) {
  return Primitives::conv(x, W, b, g);
}

Tensor conv_transpose3d_direct(const Tensor& x, const Tensor& W, const kernel::DirectConvGeom& g) {
  return Primitives::conv_t(x, W, g);
}

}  // namespace xg::autograd
