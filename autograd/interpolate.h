// Private: interpolate with PyTorch's scale factors, for F::interpolate and nn::Upsample
// (nn/functional.cpp), which derive the output size floor(in · scale) and check them.
#pragma once

#include <cstdint>
#include <vector>

#include <xgrad/ops.h>

namespace xg::autograd {

/// x (N, C, S1, ...) with one to three spatial axes resized to `size` (one per axis), each
/// axis in turn, as PyTorch's upsample kernels; `scales` (one per axis, > 0; 0: none) samples
/// an axis as PyTorch does when its scale factor is given: at (dst + 0.5) / scale - 0.5, or
/// floor(dst / scale) for nearest, where PyTorch uses it (autograd/ops_resize.cpp says where).
/// The mode must suit the rank (linear 1, bilinear and bicubic 2, trilinear 3 axes).
Tensor interpolate_scaled(const Tensor& x, const std::vector<std::int64_t>& size, InterpolateMode mode,
                          bool align_corners, const std::vector<double>& scales);

}  // namespace xg::autograd
