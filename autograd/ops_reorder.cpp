// Reordering and repeating: flip, roll, repeat, tile, repeat_interleave, movedim, as
// libtorch's. Each is composed: flip and roll are an index_select per axis (whose backward,
// index_add, sums nothing twice here), repeat is a broadcast between interleaved axes (its
// backward sums the copies), movedim a permute. So gradients of every order, both devices.
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include <optional>
#include <vector>

#include "tensor/checked.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace {

// x with axis `axis` read at positions `from` (made on x's device).
Tensor pick_along(const Tensor& x, std::int64_t axis, const std::vector<double>& from) {
  const auto n = static_cast<std::int64_t>(from.size());
  return index_select(x, axis, tensor(from, {n}, TensorOptions().dtype(kInt64).device(x.device())));
}

std::vector<std::int64_t> axes_of(const Tensor& x, const std::vector<std::int64_t>& dims, const char* op) {
  std::vector<std::int64_t> out;
  for (std::int64_t d : dims) {
    const std::int64_t a = detail::normalize_axis(d, x.dim(), op);
    for (std::int64_t seen : out)
      if (seen == a) fail(op, ": dim ", d, " appears more than once in ", detail::shape_str(dims));
    out.push_back(a);
  }
  return out;
}

}  // namespace

Tensor flip(const Tensor& x, const std::vector<std::int64_t>& dims) {
  detail::CallScope call("flip");
  const std::vector<std::int64_t> axes = axes_of(x, dims, "flip");
  if (x.numel() == 0) return x;  // nothing to move (and an empty axis may be long)
  Tensor y = x;
  for (std::int64_t a : axes) {
    const std::int64_t n = x.shape()[a];
    if (n < 2) continue;
    std::vector<double> from(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) from[static_cast<std::size_t>(i)] = static_cast<double>(n - 1 - i);
    y = pick_along(y, a, from);
  }
  return y;
}

Tensor roll(const Tensor& x, const std::vector<std::int64_t>& shifts, const std::vector<std::int64_t>& dims) {
  detail::CallScope call("roll");
  if (dims.empty()) {  // libtorch: the flattened tensor rolls, then takes its shape back
    if (shifts.size() != 1)
      fail("roll: without dims, expected one shift (the flattened tensor's), got ", shifts.size());
    return roll(x.reshape({-1}), shifts, {0}).reshape(x.shape());
  }
  if (shifts.size() != dims.size())
    fail("roll: shifts and dims must align, got ", shifts.size(), " shifts and ", dims.size(), " dims");
  const std::vector<std::int64_t> axes = axes_of(x, dims, "roll");
  if (x.numel() == 0) return x;  // nothing to move (and an empty axis may be long)
  Tensor y = x;
  for (std::size_t k = 0; k < axes.size(); ++k) {
    const std::int64_t n = x.shape()[axes[k]];
    if (n == 0) continue;
    const std::int64_t s = ((shifts[k] % n) + n) % n;  // no overflow: |shift % n| < n
    if (s == 0) continue;
    std::vector<double> from(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) from[static_cast<std::size_t>(i)] = static_cast<double>((i - s + n) % n);
    y = pick_along(y, axes[k], from);
  }
  return y;
}

Tensor repeat(const Tensor& x, const Shape& repeats) {
  detail::CallScope call("repeat");
  const char* op = detail::call_or("repeat");  // tile's name when tile called
  const auto k = static_cast<std::int64_t>(repeats.size());
  if (k < x.dim())
    fail(op, ": the number of repeats (", k, ") can not be smaller than the number of dimensions of ",
         detail::shape_str(x.shape()));
  for (std::int64_t r : repeats)
    if (r < 0) fail(op, ": repeats must be non-negative, got ", detail::shape_str(repeats));
  // x as (1, s0, 1, s1, ...) with leading 1s for new axes, broadcast to (r0, s0, r1, s1, ...),
  // then each pair merged.
  Shape sizes(static_cast<std::size_t>(k - x.dim()), 1);
  sizes.insert(sizes.end(), x.shape().begin(), x.shape().end());
  Shape interleaved, target, out;
  for (std::int64_t i = 0; i < k; ++i) {
    const std::int64_t r = repeats[static_cast<std::size_t>(i)], s = sizes[static_cast<std::size_t>(i)];
    interleaved.push_back(1), interleaved.push_back(s);
    target.push_back(r), target.push_back(s);
    out.push_back(detail::size_mul(r, s, op, "a repeated size"));
  }
  detail::checked_buffer(detail::checked_numel(out, op), dtype_size(x.dtype()), op, "the result");
  return broadcast_to(x.reshape(interleaved), target).reshape(out);
}

Tensor tile(const Tensor& x, const Shape& dims) {
  detail::CallScope call("tile");
  Shape repeats = dims;
  if (static_cast<std::int64_t>(repeats.size()) < x.dim())  // torch::tile pads the repeats with leading 1s
    repeats.insert(repeats.begin(), static_cast<std::size_t>(x.dim()) - repeats.size(), 1);
  return repeat(x, repeats);
}

Tensor repeat_interleave(const Tensor& x, std::int64_t repeats, std::optional<std::int64_t> dim) {
  detail::CallScope call("repeat_interleave");
  if (repeats < 0) fail("repeat_interleave: repeats must be non-negative, got ", repeats);
  if (!dim) return repeat_interleave(x.reshape({-1}), repeats, 0);  // libtorch: over the flattened tensor
  if (x.dim() == 0) return repeat_interleave(x.reshape({1}), repeats, 0);
  const std::int64_t a = detail::normalize_axis(*dim, x.dim(), "repeat_interleave");
  Shape target = x.shape(), out = x.shape();
  target.insert(target.begin() + a + 1, repeats);
  out[a] = detail::size_mul(out[a], repeats, "repeat_interleave", "the repeated size");
  detail::checked_buffer(detail::checked_numel(out, "repeat_interleave"), dtype_size(x.dtype()), "repeat_interleave",
                         "the result");
  return broadcast_to(x.unsqueeze(a + 1), target).reshape(out);
}

Tensor movedim(const Tensor& x, const std::vector<std::int64_t>& source, const std::vector<std::int64_t>& destination) {
  detail::CallScope call("movedim");
  if (source.size() != destination.size())
    fail("movedim: source and destination must have the same number of dims, got ", source.size(), " and ",
         destination.size());
  const std::vector<std::int64_t> from = axes_of(x, source, "movedim"), to = axes_of(x, destination, "movedim");
  // Axes not moved keep their order in the places the moved ones leave free.
  Axes perm(static_cast<std::size_t>(x.dim()), -1);
  std::vector<bool> used(static_cast<std::size_t>(x.dim()), false);
  for (std::size_t i = 0; i < from.size(); ++i) {
    perm[static_cast<std::size_t>(to[i])] = from[i];
    used[static_cast<std::size_t>(from[i])] = true;
  }
  std::int64_t next = 0;
  for (auto& p : perm) {
    if (p >= 0) continue;
    while (used[static_cast<std::size_t>(next)]) ++next;
    p = next++;
  }
  return x.permute(perm);
}

}  // namespace xg
