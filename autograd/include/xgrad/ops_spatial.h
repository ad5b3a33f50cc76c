// The image operations: convolution, pooling, padding and resampling. Part of ops.h (which
// includes it), in its own header to keep that one readable; same conventions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <xgrad/tensor.h>

namespace xg {

// ---- convolution and pooling (autograd/ops_conv.cpp, ops_pool.cpp) ----
// Layout NCHW. Convolution weights are (out_channels, in_channels/groups, kh, kw), as the
// textbook and libtorch, and convolution is cross-correlation (no kernel flip). Output size
// per axis: (H + 2P - D(K-1) - 1) / S + 1. Backward passes are differentiable again.

/// A size given as one int for both axes (`2`) or as (h, w) (`{2, 1}`), as libtorch's
/// ExpandingArray<2>. Default-constructed means "not given" (pooling's stride = kernel).
struct Int2 {
  std::int64_t h = 0, w = 0;
  bool set = false;
  Int2() = default;
  Int2(std::int64_t v) : h(v), w(v), set(true) {}  // NOLINT: implicit, as libtorch
  Int2(std::int64_t h_, std::int64_t w_) : h(h_), w(w_), set(true) {}
};

/// 2-D convolution of x (N, C, H, W) with W (OC, C/groups, KH, KW) plus b (OC) if defined.
/// The convolutions and pools take unbatched (C, H, W) too (the 1-D forms (C, L)), as
/// libtorch: computed as a batch of one, returned without the batch axis.
Tensor conv2d(const Tensor& x, const Tensor& W, const Tensor& b = Tensor(), Int2 stride = 1, Int2 padding = 0,
              Int2 dilation = 1, std::int64_t groups = 1);
/// The transpose (adjoint) of conv2d, DeZero's deconv2d: W is (C_in, C_out/groups, KH, KW);
/// output size S(H-1) - 2P + D(K-1) + 1 + output_padding. Arguments in libtorch's order.
Tensor conv_transpose2d(const Tensor& x, const Tensor& W, const Tensor& b = Tensor(), Int2 stride = 1,
                        Int2 padding = 0, Int2 output_padding = 0, std::int64_t groups = 1, Int2 dilation = 1);
/// The textbook's im2col: (N, C, H, W) -> (N·OH·OW, C·KH·KW), rows (n, oh, ow), columns (c, kh, kw).
Tensor im2col(const Tensor& x, Int2 kernel, Int2 stride = 1, Int2 padding = 0, Int2 dilation = 1);
/// im2col's adjoint (not its inverse): scatter-adds columns back into `input_shape`.
Tensor col2im(const Tensor& col, const Shape& input_shape, Int2 kernel, Int2 stride = 1, Int2 padding = 0,
              Int2 dilation = 1);
/// Max over KH×KW windows; stride defaults to the kernel; padding (≤ kernel/2) never wins.
/// The gradient goes to the first maximum in window order (the textbook, PyTorch's CPU).
/// ceil_mode: the output size rounds up, so a last window cut by the edge counts (it must
/// start inside the input or its left padding), as PyTorch's. Arguments in libtorch's order.
Tensor max_pool2d(const Tensor& x, Int2 kernel, Int2 stride = Int2(), Int2 padding = 0, Int2 dilation = 1,
                  bool ceil_mode = false);
/// max_pool2d and each maximum's position h·W + w in its plane (int64; libtorch's
/// return_indices), what max_unpool2d takes.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, Int2 kernel, Int2 stride = Int2(), Int2 padding = 0,
                                                   Int2 dilation = 1, bool ceil_mode = false);
/// Mean over KH×KW windows; padded zeros count in the divisor unless count_include_pad is
/// false; divisor_override (not zero) replaces every window's divisor. ceil_mode as
/// max_pool2d's: the part of a last window past the padded edge never counts. libtorch's
/// argument order (ceil_mode before count_include_pad).
Tensor avg_pool2d(const Tensor& x, Int2 kernel, Int2 stride = Int2(), Int2 padding = 0, bool ceil_mode = false,
                  bool count_include_pad = true, std::optional<std::int64_t> divisor_override = std::nullopt);
/// The 1-D forms over x (N, C, L) or (C, L) (autograd/ops_conv1d.cpp): conv1d with W (OC, C/groups, K)
/// and b (OC); pooling over windows of K (stride: the kernel when not given). Each is its
/// 2-D form on (N, C, 1, L), so values, gradients of any order and devices are those.
Tensor conv1d(const Tensor& x, const Tensor& W, const Tensor& b = Tensor(), std::int64_t stride = 1,
              std::int64_t padding = 0, std::int64_t dilation = 1, std::int64_t groups = 1);
/// conv_transpose2d's 1-D form: x (N, C_in, L), W (C_in, C_out/groups, K), b (C_out); output
/// length S(L-1) - 2P + D(K-1) + 1 + output_padding. libtorch's argument order.
Tensor conv_transpose1d(const Tensor& x, const Tensor& W, const Tensor& b = Tensor(), std::int64_t stride = 1,
                        std::int64_t padding = 0, std::int64_t output_padding = 0, std::int64_t groups = 1,
                        std::int64_t dilation = 1);
Tensor max_pool1d(const Tensor& x, std::int64_t kernel, std::optional<std::int64_t> stride = std::nullopt,
                  std::int64_t padding = 0, std::int64_t dilation = 1, bool ceil_mode = false);
/// max_pool1d and each maximum's position along L.
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& x, std::int64_t kernel,
                                                   std::optional<std::int64_t> stride = std::nullopt,
                                                   std::int64_t padding = 0, std::int64_t dilation = 1,
                                                   bool ceil_mode = false);
Tensor avg_pool1d(const Tensor& x, std::int64_t kernel, std::optional<std::int64_t> stride = std::nullopt,
                  std::int64_t padding = 0, bool ceil_mode = false, bool count_include_pad = true);
/// adaptive pooling over (C, L) or (N, C, L): the 2-D windows along L (libtorch's
/// adaptive_avg_pool1d, adaptive_max_pool1d; the indices are positions along L).
Tensor adaptive_avg_pool1d(const Tensor& x, std::int64_t output_size);
Tensor adaptive_max_pool1d(const Tensor& x, std::int64_t output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& x, std::int64_t output_size);
/// Mean over the windows that split H×W into output_size cells (PyTorch's windows).
Tensor adaptive_avg_pool2d(const Tensor& x, Int2 output_size);
/// Max over the same windows; with indices, each maximum's position h·W + w in its plane
/// (libtorch's). The first maximum in window order wins (a NaN before it), and takes the
/// gradient, as PyTorch's.
Tensor adaptive_max_pool2d(const Tensor& x, Int2 output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& x, Int2 output_size);
/// The partial inverse of max pooling (autograd/ops_unpool.cpp): x's values put at their
/// `indices` (max_pool*_with_indices') in zeros of the pooled input's size, (in - 1)·stride
/// - 2·padding + kernel per axis, or `output_size` (within a stride of that, PyTorch's
/// rule). (N, C, ...) or unbatched (C, ...). Of two values sent to one place the later
/// wins and gets the gradient (PyTorch leaves that undefined).
Tensor max_unpool1d(const Tensor& x, const Tensor& indices, std::int64_t kernel,
                    std::optional<std::int64_t> stride = std::nullopt, std::int64_t padding = 0,
                    const std::vector<std::int64_t>& output_size = {});
Tensor max_unpool2d(const Tensor& x, const Tensor& indices, Int2 kernel, Int2 stride = Int2(), Int2 padding = 0,
                    const std::vector<std::int64_t>& output_size = {});

// ---- padding (autograd/ops_pad.cpp) ----
/// F::pad's modes, libtorch's tags: `.mode(xg::kReflect)`. kZeros is Conv2dOptions::
/// padding_mode's name for constant zeros.
enum class PadMode { Constant, Reflect, Replicate, Circular };
inline constexpr PadMode kConstant = PadMode::Constant;
inline constexpr PadMode kZeros = PadMode::Constant;
inline constexpr PadMode kReflect = PadMode::Reflect;
inline constexpr PadMode kReplicate = PadMode::Replicate;
inline constexpr PadMode kCircular = PadMode::Circular;
/// grid_sample's names for its padding modes: kBorder repeats the edge (replicate),
/// kReflection mirrors (reflect), kZeros reads zeros outside.
inline constexpr PadMode kBorder = PadMode::Replicate;
inline constexpr PadMode kReflection = PadMode::Reflect;
/// "constant", "reflect", "replicate", "circular": PyTorch's spelling of the mode.
const char* pad_mode_name(PadMode mode);
/// Constant padding, libtorch's F::pad order: {before, after} for the last axis, then the
/// axis before it, and so on; negative pads crop.
Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads, double value = 0.0);
/// Padding in `mode`, same pads: reflect mirrors about the edge element (each pad below the
/// axis's size), replicate repeats the edge, circular wraps around (each pad at most the
/// size). Negative pads crop first, and the cropped axis is what gets reflected or wrapped,
/// as PyTorch 1.13. Any trailing axes may be padded (PyTorch limits these modes to the last
/// one to three of a 2-D to 5-D input). Only the constant mode takes a fill value.
Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads, PadMode mode, double value = 0.0);


// ---- resampling (autograd/ops_resize.cpp) ----
/// F::interpolate's modes: nearest, nearest-exact and area for any input; linear for
/// (N, C, L), bilinear and bicubic for (N, C, H, W), trilinear for (N, C, D, H, W), as
/// PyTorch's. NearestExact samples at pixel centres (PyTorch's "nearest-exact", what
/// PIL and OpenCV do; nearest keeps PyTorch's legacy floor rule); Area averages each
/// output's window of the input (adaptive average pooling).
enum class InterpolateMode { Nearest, Bilinear, Bicubic, Linear, Trilinear, Area, NearestExact };
/// libtorch's mode tags: `.mode(xg::kBilinear)`.
inline constexpr InterpolateMode kNearest = InterpolateMode::Nearest;
inline constexpr InterpolateMode kBilinear = InterpolateMode::Bilinear;
inline constexpr InterpolateMode kBicubic = InterpolateMode::Bicubic;
/// libtorch's torch::kLinear names both an interpolation mode and a nonlinearity (init's
/// gains): one tag that becomes either enum's Linear (any enum with a Linear).
struct LinearTag {
  template <class E, class = std::enable_if_t<std::is_enum_v<E>>>
  constexpr operator E() const { return E::Linear; }  // NOLINT: implicit, as libtorch's tag
};
inline constexpr LinearTag kLinear{};
inline constexpr InterpolateMode kTrilinear = InterpolateMode::Trilinear;
inline constexpr InterpolateMode kArea = InterpolateMode::Area;
inline constexpr InterpolateMode kNearestExact = InterpolateMode::NearestExact;
/// "nearest", "bilinear", "bicubic", "linear", "trilinear", "area", "nearest-exact":
/// PyTorch's spelling of the mode.
const char* interpolate_mode_name(InterpolateMode mode);
/// Resizes x (N, C, H, W) to `size` as PyTorch's F::interpolate: nearest (PyTorch's
/// floor rule), bilinear, or bicubic (Keys' kernel with a = -0.75, borders replicated), with
/// align_corners as PyTorch's (not allowed for nearest). Separable: two products with fixed
/// interpolation matrices, so it is differentiable to any order.
Tensor interpolate(const Tensor& x, Int2 size, InterpolateMode mode = InterpolateMode::Bilinear,
                   bool align_corners = false);

// ---- spatial transformers (autograd/ops_grid_sample.cpp), as PyTorch's ----
/// Samples input (N, C, H, W) at grid (N, H_out, W_out, 2), whose last axis holds (x, y) in
/// [-1, 1] (x along W); output (N, C, H_out, W_out). align_corners: ±1 are the corner
/// pixels' centres (true) or their outer edges (false, PyTorch's default). Outside the image:
/// kZeros reads 0, kBorder the nearest edge pixel, kReflection the mirror image. Modes
/// kBilinear, kNearest (round half to even; the grid's gradient is 0) and kBicubic (Keys'
/// a = -0.75). Gradients of every order for input and grid.
Tensor grid_sample(const Tensor& input, const Tensor& grid, InterpolateMode mode = InterpolateMode::Bilinear,
                   PadMode padding_mode = PadMode::Constant, bool align_corners = false);
/// The sampling grid (N, H, W, 2) of the affine maps theta (N, 2, 3) over an output of
/// size (N, C, H, W): theta times each pixel's (x, y, 1), coordinates as grid_sample's.
Tensor affine_grid(const Tensor& theta, const Shape& size, bool align_corners = false);

}  // namespace xg
