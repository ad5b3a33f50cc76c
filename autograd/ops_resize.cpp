// interpolate: image resizing, one axis at a time. Each output row (column) is a fixed
// weighted sum of a few input rows (columns): one tap for nearest, two for bilinear, four for
// bicubic, with the weights and clamped indices of PyTorch's UpSample.h (source index,
// borders, bicubic coefficients). The resampling and its adjoint are each other's backward,
// so every order of gradient is exact; and because an output reads only its taps, a NaN or
// inf pixel reaches only the outputs whose kernel covers it, as in PyTorch (a dense
// interpolation matrix spread it over the whole image through its zero weights).
#include <xgrad/detail/format.h>
#include <cmath>
#include <memory>

#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg {

using autograd::Node;
using autograd::record;

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

using Taps = std::shared_ptr<const kernel::Resampling>;

// Each output's taps on the input axis (indices clamped: borders replicate).
Taps taps(std::int64_t in, std::int64_t out, InterpolateMode mode, bool align_corners) {
  auto r = std::make_shared<kernel::Resampling>();
  r->in = in, r->out = out;
  r->taps = mode == InterpolateMode::Nearest ? 1 : mode == InterpolateMode::Bilinear ? 2 : 4;
  r->index.reserve(static_cast<std::size_t>(out * r->taps));
  r->weight.reserve(static_cast<std::size_t>(out * r->taps));
  auto add = [&](std::int64_t i, double w) {
    r->index.push_back(std::min(std::max<std::int64_t>(i, 0), in - 1));
    r->weight.push_back(w);
  };
  for (std::int64_t o = 0; o < out; ++o) {
    if (mode == InterpolateMode::Nearest) {
      add(static_cast<std::int64_t>(std::floor(static_cast<double>(o) * static_cast<double>(in) / static_cast<double>(out))), 1.0);
      continue;
    }
    const bool cubic = mode == InterpolateMode::Bicubic;
    const double src = source_index(in, out, o, align_corners, cubic);
    const auto i0 = static_cast<std::int64_t>(std::floor(src));
    const double t = src - static_cast<double>(i0);
    if (cubic) {
      add(i0 - 1, cubic_far(t + 1));
      add(i0, cubic_near(t));
      add(i0 + 1, cubic_near(1 - t));
      add(i0 + 2, cubic_far(2 - t));
    } else {
      add(i0, 1 - t);
      add(i0 + 1, t);
    }
  }
  return r;
}

// x viewed as (outer, in, inner) resampled along its middle axis, and the adjoint: each the
// other's backward (both are linear).
Tensor resample_adjoint(const Tensor& gy, std::int64_t outer, std::int64_t inner, const Taps& r);

Tensor resample(const Tensor& x, std::int64_t outer, std::int64_t inner, const Taps& r) {
  return record("interpolate", {x}, kernel::resample(x, outer, inner, *r), {},
                [outer, inner, r](Node&, const Tensor& gy) { return tensor_list{resample_adjoint(gy, outer, inner, r)}; });
}

Tensor resample_adjoint(const Tensor& gy, std::int64_t outer, std::int64_t inner, const Taps& r) {
  return record("interpolate_backward", {gy}, kernel::resample_adjoint(gy, outer, inner, *r), {},
                [outer, inner, r](Node&, const Tensor& ggx) { return tensor_list{resample(ggx, outer, inner, r)}; });
}

}  // namespace

Tensor interpolate(const Tensor& x, Int2 size, InterpolateMode mode, bool align_corners) {
  const char* op = "interpolate";
  detail::CallScope call(op);
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
  // Every size derived from `size` is bounded before any work: the output, the rows-resized
  // intermediate (N, C, OH, W) and the tap tables.
  const std::size_t item = dtype_size(x.dtype());
  detail::check_allocation(detail::checked_nbytes({N, C, OH, OW}, item, op), op,
                           detail::cat("the output (", N, ", ", C, ", ", OH, ", ", OW, ")"));
  detail::check_allocation(detail::checked_nbytes({N, C, OH, W}, item, op), op,
                           detail::cat("the intermediate (", N, ", ", C, ", ", OH, ", ", W, ")"));
  detail::checked_buffer(detail::size_mul(detail::size_add(OH, OW, op, "the tap tables"), 4, op, "the tap tables"),
                         sizeof(double) + sizeof(std::int64_t), op, "the tap tables");
  const std::int64_t NC = N * C;
  Tensor y = resample(x.reshape({NC, H, W}), NC, W, taps(H, OH, mode, align_corners));  // (NC, OH, W)
  y = resample(y.reshape({NC * OH, W, 1}), NC * OH, 1, taps(W, OW, mode, align_corners));  // (NC·OH, OW, 1)
  return y.reshape({N, C, OH, OW});
}

}  // namespace xg
