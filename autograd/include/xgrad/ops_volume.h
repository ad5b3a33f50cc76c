// The volumetric operations over (N, C, D, H, W) inputs (or unbatched (C, D, H, W)), as
// libtorch's conv3d, conv_transpose3d and the 3-D pools. Part of ops.h (which includes it);
// same conventions as the image operations (ops_spatial.h). Each is composed of the 2-D
// kernels (autograd/ops_volume.cpp says how), so values, gradients of any order and devices
// are theirs.
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include <xgrad/ops_spatial.h>
#include <xgrad/tensor.h>

namespace xg {

/// A size given as one int for the three axes (`3`) or as (d, h, w) (`{1, 3, 3}`), as
/// libtorch's ExpandingArray<3>. Default-constructed means "not given" (pooling's stride =
/// kernel).
struct Int3 {
  std::int64_t d = 0, h = 0, w = 0;
  bool set = false;
  Int3() = default;
  Int3(std::int64_t v) : d(v), h(v), w(v), set(true) {}  // NOLINT: implicit, as libtorch
  Int3(std::int64_t d_, std::int64_t h_, std::int64_t w_) : d(d_), h(h_), w(w_), set(true) {}
};

/// 3-D convolution (cross-correlation) of x (N, C, D, H, W) with W (OC, C/groups, KD, KH,
/// KW) plus b (OC) if defined; output size per axis (S + 2P - D(K-1) - 1) / stride + 1.
Tensor conv3d(const Tensor& x, const Tensor& W, const Tensor& b = Tensor(), Int3 stride = 1, Int3 padding = 0,
              Int3 dilation = 1, std::int64_t groups = 1);
/// The transpose (adjoint) of conv3d: W (C_in, C_out/groups, KD, KH, KW); output size per
/// axis stride(S-1) - 2P + D(K-1) + 1 + output_padding. libtorch's argument order.
Tensor conv_transpose3d(const Tensor& x, const Tensor& W, const Tensor& b = Tensor(), Int3 stride = 1,
                        Int3 padding = 0, Int3 output_padding = 0, std::int64_t groups = 1, Int3 dilation = 1);
/// Max over KD×KH×KW windows; stride defaults to the kernel; padding (≤ kernel/2) never
/// wins. The gradient goes to the first maximum in (d, h, w) order, as PyTorch's CPU.
/// ceil_mode as max_pool2d's, per axis.
Tensor max_pool3d(const Tensor& x, Int3 kernel, Int3 stride = Int3(), Int3 padding = 0, Int3 dilation = 1,
                  bool ceil_mode = false);
/// max_pool3d and each maximum's position d·H·W + h·W + w in its volume (libtorch's).
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& x, Int3 kernel, Int3 stride = Int3(),
                                                   Int3 padding = 0, Int3 dilation = 1, bool ceil_mode = false);
/// max_pool3d's partial inverse, as max_unpool2d's (ops_spatial.h).
Tensor max_unpool3d(const Tensor& x, const Tensor& indices, Int3 kernel, Int3 stride = Int3(), Int3 padding = 0,
                    const std::vector<std::int64_t>& output_size = {});
/// Mean over KD×KH×KW windows; padded zeros count in the divisor unless count_include_pad
/// is false; ceil_mode and divisor_override as avg_pool2d's (libtorch's argument order).
Tensor avg_pool3d(const Tensor& x, Int3 kernel, Int3 stride = Int3(), Int3 padding = 0, bool ceil_mode = false,
                  bool count_include_pad = true, std::optional<std::int64_t> divisor_override = std::nullopt);
/// Mean over the windows that split D×H×W into output_size cells (PyTorch's windows).
Tensor adaptive_avg_pool3d(const Tensor& x, Int3 output_size);
/// Max over the same windows; with indices, each maximum's position d·H·W + h·W + w in its
/// volume (libtorch's). The first maximum in (d, h, w) order wins and takes the gradient.
Tensor adaptive_max_pool3d(const Tensor& x, Int3 output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(const Tensor& x, Int3 output_size);

}  // namespace xg
