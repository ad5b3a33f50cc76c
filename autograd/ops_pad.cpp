// Padding, libtorch's F::pad: constant (one embed kernel; its backward crops), and the
// reflect, replicate and circular modes, each one index_select per padded axis with the
// source position of every output position. index_select's backward is index_add (whose
// backward is index_select again), so the modes are differentiable to any order on every
// device without a padding kernel of their own; a border element read twice gets both
// gradients summed, as PyTorch's reflection_pad backward.
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include <algorithm>
#include <vector>

#include "autograd/graph.h"
#include "tensor/checked.h"
#include "tensor/conv_kernels.h"

namespace xg {

using autograd::Node;
using autograd::record;

const char* pad_mode_name(PadMode mode) {
  switch (mode) {
    case PadMode::Constant: return "constant";
    case PadMode::Reflect: return "reflect";
    case PadMode::Replicate: return "replicate";
    case PadMode::Circular: return "circular";
  }
  return "?";
}

namespace {

// One padded axis: negative pads crop first (the crops), then the kept `size` elements get
// `before` and `after` new ones.
struct AxisPad {
  std::int64_t axis, crop_before, size, before, after;
};

// What each mode can make from an axis of n kept elements (PyTorch's limits): reflect
// mirrors without repeating the edge, so each pad is below n; circular wraps at most once;
// replicate needs an edge to repeat.
void check_mode(PadMode mode, const Tensor& x, const std::vector<std::int64_t>& pads, const AxisPad& a) {
  const std::int64_t n = a.size, most = std::max(a.before, a.after);
  if (mode == PadMode::Constant || most == 0) return;
  const auto bad = [&](const char* need) {
    fail(detail::call_or("pad"), ": ", pad_mode_name(mode), " padding of ", detail::shape_str(pads), " needs ", need,
         " along axis ", a.axis, " of ", detail::shape_str(x.shape()), " (", n, " kept, pads (", a.before, ", ",
         a.after, "))");
  };
  if (mode == PadMode::Reflect && most >= n) bad("each pad less than the size");
  if (mode == PadMode::Circular && most > n) bad("each pad at most the size");
  if (mode == PadMode::Replicate && n == 0) bad("a non-empty axis");
}

// pads = (before, after) of the last axis, then of the one before it, ..., as libtorch's
// F::pad. Sizes are checked: a pad of ±2^63 must not wrap, and a result too large to
// allocate is refused before any index table is built for it.
std::vector<AxisPad> axis_pads(const Tensor& x, const std::vector<std::int64_t>& pads, PadMode mode) {
  const char* op = detail::call_or("pad");  // a padding layer's name when one called
  const std::int64_t rank = x.dim();
  if (pads.size() % 2 != 0 || static_cast<std::int64_t>(pads.size()) > 2 * rank)
    fail(op, ": expected an even number of pads, at most 2 per axis (", 2 * rank, " for ",
         detail::shape_str(x.shape()), "), got ", pads.size());
  std::vector<AxisPad> out;
  Shape padded = x.shape();
  for (std::size_t k = 0; k < pads.size() / 2; ++k) {
    const std::int64_t axis = rank - 1 - static_cast<std::int64_t>(k);
    const std::int64_t before = pads[2 * k], after = pads[2 * k + 1], n = x.shape()[axis];
    const auto crop = [&](std::int64_t p) {
      if (p < -n)  // also INT64_MIN, whose negation does not exist
        fail(op, ": pads (", before, ", ", after, ") crop more than axis ", axis, " of ",
             detail::shape_str(x.shape()), " holds");
      return p < 0 ? -p : std::int64_t{0};
    };
    const std::int64_t crop_b = crop(before), crop_a = crop(after);
    if (crop_b + crop_a > n)
      fail(op, ": pads (", before, ", ", after, ") crop more than axis ", axis, " of ", detail::shape_str(x.shape()),
           " holds");
    const AxisPad a{axis, crop_b, n - crop_b - crop_a, std::max<std::int64_t>(before, 0),
                    std::max<std::int64_t>(after, 0)};
    check_mode(mode, x, pads, a);
    padded[axis] = detail::size_add(detail::size_add(a.size, a.before, op, "the padded size"), a.after, op,
                                    "the padded size");
    out.push_back(a);
  }
  detail::checked_buffer(detail::checked_numel(padded, op), dtype_size(x.dtype()), op, "the padded result");
  return out;
}

// Where output position j of a padded axis reads from, in the uncropped input.
std::int64_t source(PadMode mode, const AxisPad& a, std::int64_t j) {
  const std::int64_t n = a.size;
  std::int64_t i = j - a.before;
  switch (mode) {
    case PadMode::Reflect: i = i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i); break;
    case PadMode::Replicate: i = std::clamp<std::int64_t>(i, 0, n - 1); break;
    case PadMode::Circular: i = ((i % n) + n) % n; break;
    case PadMode::Constant: break;
  }
  return a.crop_before + i;
}

}  // namespace

Tensor pad(const Tensor& x_in, const std::vector<std::int64_t>& pads, double value) {
  const char* op = "pad";
  detail::CallScope call(op);
  Tensor x = x_in;
  Shape shape = x.shape();
  std::vector<std::int64_t> offset(static_cast<std::size_t>(x.dim()), 0);
  for (const AxisPad& a : axis_pads(x_in, pads, PadMode::Constant)) {
    if (a.size != shape[a.axis]) x = narrow(x, a.axis, a.crop_before, a.size);
    offset[a.axis] = a.before;
    shape[a.axis] = a.size + a.before + a.after;  // checked by axis_pads
  }
  if (shape == x.shape()) return x;
  return record(op, {x}, kernel::embed(x, shape, offset, value), {}, [offset](Node& n, const Tensor& gy) {
    Tensor gx = gy;
    const Shape& xs = n.input_meta(0).shape;
    for (std::size_t a = 0; a < xs.size(); ++a)
      if (gx.shape()[a] != xs[a]) gx = narrow(gx, static_cast<std::int64_t>(a), offset[a], xs[a]);
    return tensor_list{gx};
  });
}

Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads, PadMode mode, double value) {
  detail::CallScope call("pad");
  if (mode == PadMode::Constant) return pad(x, pads, value);
  if (value != 0.0)
    fail(detail::call_or("pad"), ": ", pad_mode_name(mode), " padding takes no fill value, got ", value);
  const std::vector<AxisPad> axes = axis_pads(x, pads, mode);
  Tensor y = x;
  for (const AxisPad& a : axes) {
    const std::int64_t out = a.size + a.before + a.after;
    if (a.before == 0 && a.after == 0 && a.size == y.shape()[a.axis]) continue;  // nothing cropped or added
    // An empty input's result is empty however long this axis is: bound the table itself.
    detail::checked_buffer(out, sizeof(double), detail::call_or("pad"), "the index of a padded axis");
    std::vector<double> from(static_cast<std::size_t>(out));
    for (std::int64_t j = 0; j < out; ++j) from[static_cast<std::size_t>(j)] = static_cast<double>(source(mode, a, j));
    y = index_select(y, a.axis, tensor(from, {out}, TensorOptions().dtype(kInt64).device(x.device())));
  }
  return y;
}

}  // namespace xg
