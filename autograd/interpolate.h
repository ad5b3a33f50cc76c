// Private: interpolate with PyTorch's scale factors, for F::interpolate and nn::Upsample
// (nn/functional.cpp), which derive the output size floor(in · scale) and check them.
#pragma once

#include <xgrad/ops.h>

namespace xg::autograd {

/// xg::interpolate to `size`, sampling each axis as PyTorch does when its scale factor is
/// given (> 0; 0: as xg::interpolate): at (dst + 0.5) / scale - 0.5, or floor(dst / scale)
/// for nearest, where PyTorch uses it (autograd/ops_resize.cpp says where).
Tensor interpolate_scaled(const Tensor& x, Int2 size, InterpolateMode mode, bool align_corners, double scale_h,
                          double scale_w);

}  // namespace xg::autograd
