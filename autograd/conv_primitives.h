// Private: the three recorded primitives of a convolution, each the others' backward, so
// gradients of any order come from the same three kernels (Chainer's scheme; DeZero's
// Conv2DGradW breaks it):
//   conv(x, W)          y    backward: gx = conv_t(gy, W),  gW = conv_w(x, gy)
//   conv_t(g, W)        (the adjoint in the input)  backward: gg = conv(gy, W),  gW = conv_w(gy, g)
//   conv_w(x, g)        (the gradient in W)         backward: gx = conv_t(g, ggW), gg = conv(x, ggW)
// Written once for conv2d's kernels (autograd/ops_conv.cpp) and conv3d's direct ones
// (autograd/ops_conv3d_direct.cpp): K names the kernels, the geometry and the nodes.
#pragma once

#include <xgrad/ops.h>

#include "autograd/graph.h"

namespace xg::autograd {

template <class K>
struct ConvPrimitives {
  using Geom = typename K::Geom;

  static Tensor conv(const Tensor& x, const Tensor& W, const Tensor& b, const Geom& geom) {
    return record(K::kConv, {x, W, b}, K::forward(x, W, b, geom), {x, W}, [geom](Node& n, const Tensor& gy) {
      const auto s = n.saved();
      return tensor_list{n.needs_input_grad(0) ? conv_t(gy, s[1], geom) : Tensor(),
                         n.needs_input_grad(1) ? conv_w(s[0], gy, geom) : Tensor(),
                         n.needs_input_grad(2) ? sum(gy, K::bias_axes()) : Tensor()};
    });
  }

  static Tensor conv_t(const Tensor& g, const Tensor& W, const Geom& geom) {
    return record(K::kTransposed, {g, W}, K::input_grad(g, W, geom), {g, W}, [geom](Node& n, const Tensor& gy) {
      const auto s = n.saved();
      return tensor_list{n.needs_input_grad(0) ? conv(gy, s[1], Tensor(), geom) : Tensor(),
                         n.needs_input_grad(1) ? conv_w(gy, s[0], geom) : Tensor()};
    });
  }

  static Tensor conv_w(const Tensor& x, const Tensor& g, const Geom& geom) {
    return record(K::kWeight, {x, g}, K::weight_grad(x, g, geom), {x, g}, [geom](Node& n, const Tensor& ggW) {
      const auto s = n.saved();
      return tensor_list{n.needs_input_grad(0) ? conv_t(s[1], ggW, geom) : Tensor(),
                         n.needs_input_grad(1) ? conv(s[0], ggW, Tensor(), geom) : Tensor()};
    });
  }
};

}  // namespace xg::autograd
