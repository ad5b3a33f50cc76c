// conv3d on oneDNN's direct kernels: the scheme of conv2d's (autograd/ops_conv.cpp), three
// recorded primitives, each the others' backward, so every order of gradient runs on them:
//   conv(x, W)      y    backward: gx = conv_t(gy, W),  gW = conv_w(x, gy)
//   conv_t(g, W)         backward: gg = conv(gy, W),    gW = conv_w(gy, g)
//   conv_w(x, g)         backward: gx = conv_t(g, ggW), gg = conv(x, ggW)
#include "autograd/conv3d_direct.h"

#include <xgrad/ops.h>

#include "autograd/graph.h"

namespace xg::autograd {

namespace {

using kernel::DirectConvGeom;

Tensor conv_t(const Tensor& g, const Tensor& W, const DirectConvGeom& geom);
Tensor conv_w(const Tensor& x, const Tensor& g, const DirectConvGeom& geom);

Tensor conv(const Tensor& x, const Tensor& W, const Tensor& b, const DirectConvGeom& geom) {
  return record("conv3d", {x, W, b}, kernel::conv_direct_forward(x, W, b, geom), {x, W},
                [geom](Node& n, const Tensor& gy) {
                  const auto s = n.saved();
                  return tensor_list{n.needs_input_grad(0) ? conv_t(gy, s[1], geom) : Tensor(),
                                     n.needs_input_grad(1) ? conv_w(s[0], gy, geom) : Tensor(),
                                     n.needs_input_grad(2) ? sum(gy, {0, 2, 3, 4}) : Tensor()};
                });
}

Tensor conv_t(const Tensor& g, const Tensor& W, const DirectConvGeom& geom) {
  return record("conv_transpose3d", {g, W}, kernel::conv_direct_input_grad(g, W, geom), {g, W},
                [geom](Node& n, const Tensor& gy) {
                  const auto s = n.saved();
                  return tensor_list{n.needs_input_grad(0) ? conv(gy, s[1], Tensor(), geom) : Tensor(),
                                     n.needs_input_grad(1) ? conv_w(gy, s[0], geom) : Tensor()};
                });
}

Tensor conv_w(const Tensor& x, const Tensor& g, const DirectConvGeom& geom) {
  return record("conv3d_weight_grad", {x, g}, kernel::conv_direct_weight_grad(x, g, geom), {x, g},
                [geom](Node& n, const Tensor& ggW) {
                  const auto s = n.saved();
                  return tensor_list{n.needs_input_grad(0) ? conv_t(s[1], ggW, geom) : Tensor(),
                                     n.needs_input_grad(1) ? conv(s[0], ggW, Tensor(), geom) : Tensor()};
                });
}

}  // namespace

Tensor conv3d_direct(const Tensor& x, const Tensor& W, const Tensor& b, const DirectConvGeom& g) {
  return conv(x, W, b, g);
}

Tensor conv_transpose3d_direct(const Tensor& x, const Tensor& W, const DirectConvGeom& g) { return conv_t(x, W, g); }

}  // namespace xg::autograd
