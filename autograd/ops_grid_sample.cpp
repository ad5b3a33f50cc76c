// grid_sample and affine_grid (spatial transformers, Jaderberg et al. 2015), with PyTorch's
// definitions (aten/src/ATen/native/GridSampler.h): a grid of (x, y) in [-1, 1] is mapped to
// pixel coordinates (align_corners decides whether ±1 are the corner pixels' centres or
// their outer edges), padded (zeros, border, reflection), and the input is read there by
// nearest, bilinear or bicubic interpolation.
//
// Bilinear and nearest sampling on the CPU is one node over a kernel (tensor/grid_sample.cpp):
// one pass forward, one backward. Bicubic sampling, a GPU and the higher orders use the
// composed form: each interpolation tap a row gather of the channels-last image at integer
// coordinates (computed off the graph) times a weight that is a polynomial of the fractional
// coordinate (on the graph), so the gradients for the input (the gathers' adjoint adds rows
// back) and for the grid (through the weights), and every higher order, follow on every
// device from operations already checked there (docs/benchmarks.md has both speeds).
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include <array>
#include <cmath>

#include "autograd/graph.h"
#include "tensor/checked.h"
#include "tensor/grid_sample_kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

using detail::compute_device;
using detail::like;

namespace {

const char* padding_name(PadMode mode) {
  switch (mode) {
    case PadMode::Constant: return "zeros";
    case PadMode::Replicate: return "border";
    case PadMode::Reflect: return "reflection";
    case PadMode::Circular: break;
  }
  return "circular";
}

// [-1, 1] -> pixel coordinates on an axis of `size` pixels.
Tensor unnormalize(const Tensor& g, std::int64_t size, bool align_corners) {
  const double n = static_cast<double>(size);
  return align_corners ? (g + 1.0) * ((n - 1) / 2) : ((g + 1.0) * n - 1.0) / 2;
}

// min(max(x, 0), size - 1) with PyTorch's gradient: 1 strictly inside, 0 at and beyond the
// ends (clip_coordinates_set_grad), where clamp's gradient is 1 at the ends.
Tensor clip(const Tensor& x, std::int64_t size) {
  const double hi = static_cast<double>(size - 1);
  const Tensor zero = full({}, 0.0, like(x, {})), top = full({}, hi, like(x, {}));
  return where(x <= 0.0, zero, where(x >= hi, top, x));
}

// Reflects x about the ends of [twice_low / 2, twice_high / 2] until it lands inside
// (reflect_coordinates): |x - min| folded by the span, each odd fold mirrored.
Tensor reflect(const Tensor& x, double twice_low, double twice_high) {
  if (twice_low == twice_high) return x * 0.0;
  const double min = twice_low / 2, span = (twice_high - twice_low) / 2;
  const Tensor in = abs(x - min);
  const Tensor extra = fmod(in, span);
  const Tensor flips = floor(in.detach() / span);
  const Tensor even = fmod(flips, 2.0) == 0.0;
  return where(even, extra + min, (span + min) - extra);
}

// A pixel coordinate moved inside the image by the padding mode (compute_coordinates).
Tensor pad_coordinate(const Tensor& x, std::int64_t size, PadMode padding, bool align_corners) {
  if (padding == PadMode::Replicate) return clip(x, size);
  if (padding == PadMode::Reflect) {
    const double n = static_cast<double>(size);
    return clip(align_corners ? reflect(x, 0, 2 * (n - 1)) : reflect(x, -1, 2 * n - 1), size);
  }
  return x;
}

// Non-finite coordinates read nothing (PyTorch's safe_downgrade_to_int_range sends them to
// -100) and finite ones are kept within ±2^30 pixels, so every tap's index is an exact int64
// and its weight finite. Beyond that range every tap is off the image either way.
Tensor safe_coordinate(const Tensor& x) {
  constexpr double kFar = 1073741824.0;
  return clamp(nan_to_num(x, -100.0, -100.0, -100.0), -kFar, kFar);
}

// Reads the images at integer coordinates xi, yi (N, P), floats off the graph: (N·P, C)
// pixels, zero where a coordinate is off the image. The image is held channels-last as rows
// (N·H·W, C) plus one row of zeros that every off-image tap reads, so a tap is one row
// gather (index_select; its backward adds rows back), with no mask over the channels and no
// index repeated over them; a NaN or inf pixel reaches only the taps that read it.
class Reader {
 public:
  Reader(const Tensor& input, std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t p)
      : rows_(concat({input.permute({0, 2, 3, 1}).reshape({n * h * w, c}), zeros({1, c}, like(input, {}))}, 0)),
        n_(n), h_(h), w_(w), p_(p),
        first_row_(arange(static_cast<double>(n), like(input, {}).dtype(kFloat64)).reshape({n, 1}) *
                   static_cast<double>(h * w)),
        off_image_(full({}, static_cast<double>(n * h * w), like(input, {}).dtype(kFloat64))) {}

  Tensor operator()(const Tensor& xi, const Tensor& yi) const {
    const Tensor inside = (xi >= 0.0) * (xi <= static_cast<double>(w_ - 1)) * (yi >= 0.0) *
                          (yi <= static_cast<double>(h_ - 1));
    // The row number in float64: exact for any image that fits in memory (float32 is not
    // beyond 2^24 pixels).
    const Tensor row = clamp(yi.to(kFloat64), 0.0, static_cast<double>(h_ - 1)) * static_cast<double>(w_) +
                       clamp(xi.to(kFloat64), 0.0, static_cast<double>(w_ - 1)) + first_row_;
    return index_select(rows_, 0, where(inside, row, off_image_).to(kInt64).reshape({n_ * p_}));
  }

 private:
  Tensor rows_;
  std::int64_t n_, h_, w_, p_;
  Tensor first_row_, off_image_;
};

// Keys' cubic convolution weights for the four taps at fractional offset t, a = -0.75
// (PyTorch's get_cubic_upsample_coefficients).
std::array<Tensor, 4> cubic_weights(const Tensor& t) {
  constexpr double A = -0.75;
  const auto near = [](const Tensor& x) { return ((A + 2) * x - (A + 3)) * x * x + 1.0; };
  const auto far = [](const Tensor& x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };
  return {far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t)};
}

// The sampling composed of recorded operations: every mode and device, and every order.
Tensor composed_grid_sample(const Tensor& input, const Tensor& grid, InterpolateMode mode, PadMode padding_mode,
                            bool align_corners) {
  const std::int64_t N = input.size(0), C = input.size(1), H = input.size(2), W = input.size(3);
  const std::int64_t OH = grid.size(1), OW = grid.size(2), P = OH * OW;
  const Tensor gx = unnormalize(grid.select(3, 0).reshape({N, P}), W, align_corners);
  const Tensor gy = unnormalize(grid.select(3, 1).reshape({N, P}), H, align_corners);
  const Reader read(input, N, C, H, W, P);
  const auto weighted = [&](const Tensor& value, const Tensor& weight) { return value * weight.reshape({N * P, 1}); };
  Tensor out;
  if (mode == InterpolateMode::Bicubic) {
    // The taps, not the coordinate, are padded (PyTorch's get_value_bounded).
    const Tensor ix = safe_coordinate(gx), iy = safe_coordinate(gy);
    const Tensor x0 = floor(ix).detach(), y0 = floor(iy).detach();
    const auto wx = cubic_weights(ix - x0), wy = cubic_weights(iy - y0);
    for (int j = 0; j < 4; ++j) {
      const Tensor yj = pad_coordinate(y0 + (j - 1.0), H, padding_mode, align_corners);
      for (int i = 0; i < 4; ++i) {
        const Tensor xi = pad_coordinate(x0 + (i - 1.0), W, padding_mode, align_corners);
        const Tensor term = weighted(read(xi, yj), wx[i] * wy[j]);
        out = out.defined() ? out + term : term;
      }
    }
  } else {
    const Tensor ix = safe_coordinate(pad_coordinate(gx, W, padding_mode, align_corners));
    const Tensor iy = safe_coordinate(pad_coordinate(gy, H, padding_mode, align_corners));
    if (mode == InterpolateMode::Nearest) {
      // round (half to even, as nearbyint) keeps the grid in the graph with gradient 0.
      const Tensor xn = round(ix), yn = round(iy);
      out = read(xn.detach(), yn.detach()) + (xn + yn).reshape({N * P, 1}) * 0.0;
    } else {
      const Tensor x0 = floor(ix).detach(), y0 = floor(iy).detach();
      const Tensor x1 = x0 + 1.0, y1 = y0 + 1.0;
      const Tensor east = ix - x0, south = iy - y0, west = 1.0 - east, north = 1.0 - south;
      out = weighted(read(x0, y0), west * north) + weighted(read(x1, y0), east * north) +
            weighted(read(x0, y1), west * south) + weighted(read(x1, y1), east * south);
    }
  }
  return out.reshape({N, OH, OW, C}).permute({0, 3, 1, 2});
}

// Bilinear and nearest sampling on the CPU as one node: one kernel pass forward and one
// backward; the higher orders take the composed form's gradient.
Tensor fused_grid_sample(const Tensor& input, const Tensor& grid, InterpolateMode mode, PadMode padding_mode,
                         bool align_corners) {
  kernel::GridSampling s;
  s.nearest = mode == InterpolateMode::Nearest;
  s.padding = padding_mode == PadMode::Constant    ? kernel::GridPadding::Zeros
              : padding_mode == PadMode::Replicate ? kernel::GridPadding::Border
                                                   : kernel::GridPadding::Reflection;
  s.align_corners = align_corners;
  return autograd::record("grid_sample", {input, grid}, kernel::grid_sample_forward(input, grid, s), {input, grid},
                          [s, mode, padding_mode, align_corners](autograd::Node& n, const Tensor& gy) {
    const Tensor x = n.saved(0), g = n.saved(1);
    if (is_grad_enabled())
      return autograd::recomputed_gradients(n, {x, g}, [&](const tensor_list& in) {
        return tensor_list{composed_grid_sample(in[0], in[1], mode, padding_mode, align_corners)};
      }, {gy});
    const auto r = kernel::grid_sample_backward(gy.dtype() == x.dtype() ? gy : gy.to(x.dtype()), x, g, s,
                                                n.needs_input_grad(0), n.needs_input_grad(1));
    return tensor_list{r.input, r.grid};
  });
}

}  // namespace

Tensor grid_sample(const Tensor& input, const Tensor& grid, InterpolateMode mode, PadMode padding_mode,
                   bool align_corners) {
  const char* op = "grid_sample";
  detail::CallScope call(op);
  if (!input.defined() || !grid.defined()) fail("grid_sample: the ", input.defined() ? "grid" : "input", " is undefined");
  compute_device({{"input", input}, {"grid", grid}}, op);
  if (input.dim() != 4)
    fail("grid_sample: expected a 4-D input (N, C, H, W), got shape ", detail::shape_str(input.shape()),
         " (5-D volumes are not supported)");
  if (mode != InterpolateMode::Bilinear && mode != InterpolateMode::Nearest && mode != InterpolateMode::Bicubic)
    fail("grid_sample: mode must be bilinear, nearest or bicubic, got ", interpolate_mode_name(mode));
  if (grid.dim() != 4 || grid.size(3) != 2)
    fail("grid_sample: expected a grid of shape (N, H_out, W_out, 2) for a 4-D input, got ",
         detail::shape_str(grid.shape()));
  if (grid.size(0) != input.size(0))
    fail("grid_sample: expected the grid's batch size ", grid.size(0), " to equal the input's ", input.size(0),
         " (input ", detail::shape_str(input.shape()), ", grid ", detail::shape_str(grid.shape()), ")");
  if (!is_floating(input.dtype()) || input.dtype() != grid.dtype())
    fail("grid_sample: expected input and grid of one float dtype, got ", dtype_name(input.dtype()), " and ",
         dtype_name(grid.dtype()));
  if (padding_mode == PadMode::Circular)
    fail("grid_sample: padding_mode must be zeros, border or reflection, got ", padding_name(padding_mode));
  const std::int64_t N = input.size(0), C = input.size(1), H = input.size(2), W = input.size(3);
  const std::int64_t OH = grid.size(1), OW = grid.size(2), P = OH * OW;
  if (H == 0 || W == 0) fail("grid_sample: input of shape ", detail::shape_str(input.shape()), " has no pixels");
  // Each tap holds (N·P, C) values (the output's size).
  detail::check_allocation(detail::checked_nbytes({N, C, OH, OW}, dtype_size(input.dtype()), op), op,
                           detail::cat("a tap of the output (", N, ", ", C, ", ", OH, ", ", OW, ")"));
  if (N == 0 || C == 0 || P == 0) return zeros({N, C, OH, OW}, like(input, {}));

  if (input.device().is_cpu() && mode != InterpolateMode::Bicubic)
    return fused_grid_sample(input, grid, mode, padding_mode, align_corners);
  return composed_grid_sample(input, grid, mode, padding_mode, align_corners);
}

Tensor affine_grid(const Tensor& theta, const Shape& size, bool align_corners) {
  const char* op = "affine_grid";
  detail::CallScope call(op);
  if (!theta.defined()) fail("affine_grid: theta is undefined");
  if (!is_floating(theta.dtype())) fail("affine_grid: expected a float theta, got ", dtype_name(theta.dtype()));
  if (size.size() != 4)
    fail("affine_grid: expected a size (N, C, H, W) of 4 values, got ", detail::shape_str(size),
         " (3-D grids for 5-D volumes are not supported)");
  const std::int64_t N = size[0], H = size[2], W = size[3];
  if (theta.dim() != 3 || theta.size(0) != N || theta.size(1) != 2 || theta.size(2) != 3)
    fail("affine_grid: expected theta of shape (N, 2, 3) with N = ", N, " for size ", detail::shape_str(size),
         ", got ", detail::shape_str(theta.shape()));
  for (const std::int64_t d : size)
    if (d < 0) fail("affine_grid: expected non-negative sizes, got ", detail::shape_str(size));
  detail::check_allocation(detail::checked_nbytes({N, H, W, 3}, dtype_size(theta.dtype()), op), op,
                           detail::cat("the grid (", N, ", ", H, ", ", W, ", 2)"));
  // PyTorch's linspace_from_neg_one: the pixel centres in [-1, 1] (corners aligned) or the
  // same shrunk by (n - 1) / n (pixels' outer edges at ±1); one pixel sits at 0.
  const auto axis = [&](std::int64_t n) {
    if (n <= 1) return zeros({n}, like(theta, {}));
    const Tensor t = linspace(-1, 1, n, like(theta, {}));
    return align_corners ? t : t * (static_cast<double>(n - 1) / static_cast<double>(n));
  };
  const Tensor xs = axis(W).reshape({1, W, 1}).expand({H, W, 1});
  const Tensor ys = axis(H).reshape({H, 1, 1}).expand({H, W, 1});
  const Tensor base = concat({xs, ys, ones({H, W, 1}, like(theta, {}))}, 2).reshape({1, H * W, 3});
  return matmul(base, theta.transpose(1, 2)).reshape({N, H, W, 2});
}

}  // namespace xg
