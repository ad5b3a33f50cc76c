// interpolate: image resizing, one axis at a time. Each output row (column) is a fixed
// weighted sum of a few input rows (columns): one tap for nearest, two for bilinear, four for
// bicubic, with the weights and clamped indices of PyTorch's UpSample.h (source index,
// borders, bicubic coefficients: tensor/resample_taps.h). The resampling and its adjoint are
// each other's backward, so every order of gradient is exact; and because an output reads
// only its taps, a NaN or inf pixel reaches only the outputs whose kernel covers it, as in
// PyTorch (a dense interpolation matrix spread it over the whole image through its zero
// weights).
#include <xgrad/detail/format.h>
#include <cmath>

#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "autograd/interpolate.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg {

using autograd::Node;
using autograd::record;

const char* interpolate_mode_name(InterpolateMode mode) {
  switch (mode) {
    case InterpolateMode::Nearest: return "nearest";
    case InterpolateMode::Bilinear: return "bilinear";
    case InterpolateMode::Bicubic: break;
  }
  return "bicubic";
}

namespace {

using Taps = detail::taps::Rule;

// Each output's taps on the input axis (indices clamped: borders replicate), as
// tensor/resample_taps.h computes them. scale_factor > 0: the user's, sampled with where
// PyTorch 1.13 does (measured): not with align_corners, not by bilinear on an axis it keeps
// (that axis is copied). Nearest samples with it everywhere, as PyTorch's kernel for
// (N, C, H, W) tensors does; its channels-last kernel, which it also takes for C = 1, copies
// a kept axis and halves indices on a doubled one instead (measured: 2.01 on 5 rows gives
// rows 0 0 1 1 ... for C = 1 and 0 0 0 1 1 ... for C = 2).
Taps taps(std::int64_t in, std::int64_t out, InterpolateMode mode, bool align_corners, double scale_factor) {
  const int m = mode == InterpolateMode::Nearest ? detail::taps::kNearest
                : mode == InterpolateMode::Bilinear ? detail::taps::kBilinear
                                                    : detail::taps::kBicubic;
  const bool plain = !(scale_factor > 0) || align_corners || (mode == InterpolateMode::Bilinear && out == in);
  return {in, out, m, align_corners, plain ? 0.0 : 1.0 / scale_factor};
}

// x viewed as (outer, in, inner) resampled along its middle axis, and the adjoint: each the
// other's backward (both are linear).
Tensor resample_adjoint(const Tensor& gy, std::int64_t outer, std::int64_t inner, const Taps& r);

Tensor resample(const Tensor& x, std::int64_t outer, std::int64_t inner, const Taps& r) {
  return record("interpolate", {x}, kernel::resample(x, outer, inner, r), {},
                [outer, inner, r](Node&, const Tensor& gy) { return tensor_list{resample_adjoint(gy, outer, inner, r)}; });
}

Tensor resample_adjoint(const Tensor& gy, std::int64_t outer, std::int64_t inner, const Taps& r) {
  return record("interpolate_backward", {gy}, kernel::resample_adjoint(gy, outer, inner, r), {},
                [outer, inner, r](Node&, const Tensor& ggx) { return tensor_list{resample(ggx, outer, inner, r)}; });
}

}  // namespace

Tensor interpolate(const Tensor& x, Int2 size, InterpolateMode mode, bool align_corners) {
  return autograd::interpolate_scaled(x, size, mode, align_corners, 0.0, 0.0);
}

Tensor autograd::interpolate_scaled(const Tensor& x, Int2 size, InterpolateMode mode, bool align_corners,
                                    double scale_h, double scale_w) {
  const char* op = "interpolate";
  detail::CallScope call(op);
  if (x.dim() != 4)
    fail("interpolate: expected an (N, C, H, W) input, got shape ", detail::shape_str(x.shape()));
  if (!is_floating(x.dtype())) fail("interpolate: expected a float tensor, got ", dtype_name(x.dtype()));
  if (!size.set || size.h <= 0 || size.w <= 0)
    fail("interpolate: output size must be positive, got (", size.h, ", ", size.w, ")");
  if (mode == InterpolateMode::Nearest && align_corners)
    fail("interpolate: align_corners applies to bilinear and bicubic, not ", interpolate_mode_name(mode));
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
  // The taps' exact source positions (tensor/resample_taps.h) need in (2 out + 1) in int64.
  detail::size_mul(H, detail::size_add(detail::size_mul(OH, 2, op, "the rows' positions"), 1, op, "the rows' positions"),
                   op, "the rows' positions");
  detail::size_mul(W, detail::size_add(detail::size_mul(OW, 2, op, "the columns' positions"), 1, op,
                                       "the columns' positions"),
                   op, "the columns' positions");
  detail::checked_buffer(detail::size_mul(detail::size_add(OH, OW, op, "the tap tables"), 4, op, "the tap tables"),
                         sizeof(double) + sizeof(std::int64_t), op, "the tap tables");
  const std::int64_t NC = N * C;
  Tensor y = resample(x.reshape({NC, H, W}), NC, W, taps(H, OH, mode, align_corners, scale_h));  // (NC, OH, W)
  y = resample(y.reshape({NC * OH, W, 1}), NC * OH, 1, taps(W, OW, mode, align_corners, scale_w));  // (NC·OH, OW, 1)
  return y.reshape({N, C, OH, OW});
}

}  // namespace xg
