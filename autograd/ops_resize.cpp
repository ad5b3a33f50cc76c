// interpolate: image resizing composed from two matrix products. Each output row (column)
// is a fixed weighted sum of input rows (columns), so resizing is A_h · X · A_wᵀ with
// interpolation matrices built here; the gradient is the transposed products, and every
// higher derivative comes free (the op is linear). The weights follow PyTorch's
// UpSample.h: source index, clamping and bicubic coefficients.
#include <xgrad/detail/format.h>
#include <cmath>

#include <xgrad/ops.h>

namespace xg {

namespace {

const char* mode_name(InterpolateMode mode) {
  switch (mode) {
    case InterpolateMode::Nearest:
      return "nearest";
    case InterpolateMode::Bilinear:
      return "bilinear";
    case InterpolateMode::Bicubic:
      break;
  }
  return "bicubic";
}

// Where output index `dst` samples the input, in input coordinates (PyTorch's
// area_pixel_compute_source_index).
double source_index(std::int64_t in, std::int64_t out, std::int64_t dst, bool align_corners, bool cubic) {
  if (align_corners) return out > 1 ? static_cast<double>(in - 1) / static_cast<double>(out - 1) * static_cast<double>(dst) : 0.0;
  const double src = static_cast<double>(in) / static_cast<double>(out) * (static_cast<double>(dst) + 0.5) - 0.5;
  return !cubic && src < 0 ? 0.0 : src;
}

// Keys' cubic convolution kernel with a = -0.75 (PyTorch's and OpenCV's choice).
constexpr double kCubicA = -0.75;
double cubic_near(double t) { return ((kCubicA + 2) * t - (kCubicA + 3)) * t * t + 1; }  // |t| <= 1
double cubic_far(double t) { return ((kCubicA * t - 5 * kCubicA) * t + 8 * kCubicA) * t - 4 * kCubicA; }  // 1 < |t| < 2

// The (out, in) matrix whose rows hold each output's weights on the inputs.
std::vector<double> weights(std::int64_t in, std::int64_t out, InterpolateMode mode, bool align_corners) {
  std::vector<double> A(static_cast<std::size_t>(out * in), 0.0);
  auto add = [&](std::int64_t o, std::int64_t i, double w) {
    i = std::min(std::max<std::int64_t>(i, 0), in - 1);  // borders replicate
    A[static_cast<std::size_t>(o * in + i)] += w;
  };
  for (std::int64_t o = 0; o < out; ++o) {
    if (mode == InterpolateMode::Nearest) {
      add(o, static_cast<std::int64_t>(std::floor(static_cast<double>(o) * static_cast<double>(in) / static_cast<double>(out))), 1.0);
      continue;
    }
    const bool cubic = mode == InterpolateMode::Bicubic;
    const double src = source_index(in, out, o, align_corners, cubic);
    const auto i0 = static_cast<std::int64_t>(std::floor(src));
    const double t = src - static_cast<double>(i0);
    if (cubic) {
      add(o, i0 - 1, cubic_far(t + 1));
      add(o, i0, cubic_near(t));
      add(o, i0 + 1, cubic_near(1 - t));
      add(o, i0 + 2, cubic_far(2 - t));
    } else {
      add(o, i0, 1 - t);
      add(o, i0 + 1, t);
    }
  }
  return A;
}

}  // namespace

Tensor interpolate(const Tensor& x, Int2 size, InterpolateMode mode, bool align_corners) {
  if (x.dim() != 4)
    fail("interpolate: expected an (N, C, H, W) input, got shape ", detail::shape_str(x.shape()));
  if (!is_floating(x.dtype())) fail("interpolate: expected a float tensor, got ", dtype_name(x.dtype()));
  if (!size.set || size.h <= 0 || size.w <= 0)
    fail("interpolate: output size must be positive, got (", size.h, ", ", size.w, ")");
  if (mode == InterpolateMode::Nearest && align_corners)
    fail("interpolate: align_corners applies to bilinear and bicubic, not ", mode_name(mode));
  const auto& s = x.shape();
  const std::int64_t N = s[0], C = s[1], H = s[2], W = s[3], OH = size.h, OW = size.w;
  if (H == 0 || W == 0) fail("interpolate: input of shape ", detail::shape_str(s), " has no pixels");
  const Tensor AwT = tensor(weights(W, OW, mode, align_corners), {OW, W}, x.dtype()).T();
  const Tensor AhT = tensor(weights(H, OH, mode, align_corners), {OH, H}, x.dtype()).T();
  // Rows first: (N·C·H, W) · A_wᵀ, then columns, on the transposed intermediate.
  Tensor y = matmul(x.reshape({N * C * H, W}), AwT).reshape({N * C, H, OW});
  y = matmul(y.transpose(1, 2).reshape({N * C * OW, H}), AhT).reshape({N * C, OW, OH});
  return y.transpose(1, 2).reshape({N, C, OH, OW});
}

}  // namespace xg
