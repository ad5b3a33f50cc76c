// interpolate: resizing of sequences, images and volumes, one axis at a time. Each output row (column) is a fixed
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
    case InterpolateMode::Linear: return "linear";
    case InterpolateMode::Trilinear: return "trilinear";
    case InterpolateMode::Area: return "area";
    case InterpolateMode::NearestExact: return "nearest-exact";
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
  // Linear, bilinear and trilinear are one rule: two taps on each axis.
  const int m = mode == InterpolateMode::Nearest        ? detail::taps::kNearest
                : mode == InterpolateMode::NearestExact ? detail::taps::kNearestExact
                : mode == InterpolateMode::Bicubic      ? detail::taps::kBicubic
                                                        : detail::taps::kBilinear;
  const bool plain = !(scale_factor > 0) || align_corners || (m == detail::taps::kBilinear && out == in);
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
  detail::CallScope call("interpolate");
  if (x.dim() != 4)
    fail("interpolate: expected an (N, C, H, W) input, got shape ", detail::shape_str(x.shape()));
  if (!size.set || size.h <= 0 || size.w <= 0)
    fail("interpolate: output size must be positive, got (", size.h, ", ", size.w, ")");
  return autograd::interpolate_scaled(x, {size.h, size.w}, mode, align_corners, {0.0, 0.0});
}

Tensor autograd::interpolate_scaled(const Tensor& x, const std::vector<std::int64_t>& size, InterpolateMode mode,
                                    bool align_corners, const std::vector<double>& scales) {
  const char* op = "interpolate";
  detail::CallScope call(op);
  static const char* const kLayouts[] = {"(N, C, L)", "(N, C, H, W)", "(N, C, D, H, W)"};
  const std::size_t k = size.size();  // spatial axes: 1 to 3, the caller's
  if (x.dim() < 3 || x.dim() > 5)
    fail("interpolate: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W) input, got shape ",
         detail::shape_str(x.shape()));
  if (static_cast<std::size_t>(x.dim()) != k + 2)
    fail("interpolate: expected a size of ", x.dim() - 2, " values for a ", x.dim(), "-D input ",
         kLayouts[x.dim() - 3], ", got ", k);
  if (!is_floating(x.dtype())) fail("interpolate: expected a float tensor, got ", dtype_name(x.dtype()));
  const bool any_rank =
      mode == InterpolateMode::Nearest || mode == InterpolateMode::NearestExact || mode == InterpolateMode::Area;
  const std::size_t rank_of_mode = mode == InterpolateMode::Linear      ? 1
                                   : mode == InterpolateMode::Trilinear ? 3
                                   : any_rank                           ? k
                                                                        : 2;
  if (rank_of_mode != k)
    fail("interpolate: mode ", interpolate_mode_name(mode), " needs a ", rank_of_mode + 2, "-D input ",
         kLayouts[rank_of_mode - 1], ", got shape ", detail::shape_str(x.shape()),
         k == 1 ? " (use linear)" : k == 2 ? " (use bilinear or bicubic)" : " (use trilinear)");
  if (any_rank && align_corners)
    fail("interpolate: align_corners applies to linear, bilinear, bicubic and trilinear, not ",
         interpolate_mode_name(mode));
  std::string sizes;
  for (std::size_t a = 0; a < k; ++a) sizes += (a ? ", " : "") + std::to_string(size[a]);
  for (std::size_t a = 0; a < k; ++a)
    if (size[a] <= 0) fail("interpolate: output size must be positive, got (", sizes, ")");
  const auto& s = x.shape();
  for (std::size_t a = 0; a < k; ++a)
    if (s[2 + a] == 0) fail("interpolate: input of shape ", detail::shape_str(s), " has no pixels");
  // Every size derived from `size` is bounded before any work: each intermediate (the axes
  // before `a` resized, the rest not; the last is the output), the taps' exact source
  // positions (tensor/resample_taps.h: in (2 out + 1) in int64) and the tap tables.
  const std::size_t item = dtype_size(x.dtype());
  Shape out = s;
  for (std::size_t a = 0; a < k; ++a) out[2 + a] = size[a];
  detail::check_allocation(detail::checked_nbytes(out, item, op), op, "the output " + detail::shape_str(out));
  Shape stage = s;
  std::int64_t taps_total = 0;
  for (std::size_t a = 0; a < k; ++a) {
    stage[2 + a] = size[a];
    detail::check_allocation(detail::checked_nbytes(stage, item, op), op, "the intermediate " + detail::shape_str(stage));
    const char* what = "the taps' source positions";
    detail::size_mul(s[2 + a], detail::size_add(detail::size_mul(size[a], 2, op, what), 1, op, what), op, what);
    taps_total = detail::size_add(taps_total, size[a], op, "the tap tables");
  }
  detail::checked_buffer(detail::size_mul(taps_total, 4, op, "the tap tables"), sizeof(double) + sizeof(std::int64_t),
                         op, "the tap tables");
  // Area is adaptive average pooling to the size (PyTorch's; a scale factor gave the size).
  if (mode == InterpolateMode::Area) {
    if (k == 1) return adaptive_avg_pool1d(x, size[0]);
    if (k == 2) return adaptive_avg_pool2d(x, {size[0], size[1]});
    return adaptive_avg_pool3d(x, {size[0], size[1], size[2]});
  }
  // One axis at a time, the first first: x viewed as (outer, in, inner), outer the batch,
  // the channels and the axes already resized, inner the axes still to come.
  const std::int64_t NC = s[0] * s[1];
  std::int64_t outer = NC, inner = 1;
  for (std::size_t a = 1; a < k; ++a) inner *= s[2 + a];
  Tensor y = x;
  for (std::size_t a = 0; a < k; ++a) {
    y = resample(y.reshape({outer, s[2 + a], inner}), outer, inner,
                 taps(s[2 + a], size[a], mode, align_corners, a < scales.size() ? scales[a] : 0.0));
    outer *= size[a];
    if (a + 1 < k) inner /= s[3 + a];
  }
  return y.reshape(out);
}

}  // namespace xg
