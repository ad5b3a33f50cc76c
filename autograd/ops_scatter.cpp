// scatter and index_copy, out of place, deterministic on every device: of several writes to
// one place the last in index order wins. The winners are found with a stable sort of each
// line's indices along dim (the last of each run of equal indices), then the winning sources
// are scatter-added onto zeros and placed with a where, so gradients of every order come from
// those operations (the winners' sources get theirs, the overwritten elements of self none).
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include <cmath>

#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace {

std::string shape_of(const Tensor& t) { return t.defined() ? detail::shape_str(t.shape()) : "undefined"; }

// The index and src shapes PyTorch accepts for scatter along a (normalised) axis.
void check_scatter(const Tensor& self, std::int64_t a, const Tensor& index, const Tensor* src, const char* op) {
  if (index.dtype() != kInt64) fail(op, ": index must be int64, got ", dtype_name(index.dtype()));
  bool fits = index.dim() == self.dim() && (!src || src->dim() == self.dim());
  for (std::int64_t d = 0; fits && d < self.dim(); ++d) {
    const auto k = static_cast<std::size_t>(d);
    fits = (!src || index.shape()[k] <= src->shape()[k]) && (d == a || index.shape()[k] <= self.shape()[k]);
  }
  if (!fits)
    fail(op, ": index ", shape_of(index), " must have the rank of self ", shape_of(self),
         src ? detail::cat(" and src ", shape_of(*src), ", be no larger than src on any axis,") : std::string(","),
         " and no larger than self except on axis ", a);
  kernel::check_indices(index, self, self.shape()[static_cast<std::size_t>(a)], a, op);
}

// 1 where self's element is written by some index entry (self's shape, self's dtype).
Tensor written(const Tensor& self, std::int64_t a, const Tensor& index) {
  const TensorOptions o = TensorOptions(self.dtype()).device(self.device());
  return scatter_add(zeros(self.shape(), o), a, index, ones(index.shape(), o)) > 0.0;
}

}  // namespace

Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src) {
  detail::CallScope call("scatter");
  if (!self.defined() || !index.defined() || !src.defined()) fail("scatter: an operand is undefined");
  if (self.dim() == 0) fail("scatter: a 0-d tensor has no axis to scatter into");
  const auto a = detail::normalize_axis(dim, self.dim(), "scatter");
  check_scatter(self, a, index, &src, "scatter");
  if (src.dtype() != self.dtype())
    fail("scatter: self (", dtype_name(self.dtype()), ") and src (", dtype_name(src.dtype()), ") must have the same dtype");
  if (index.numel() == 0) return self.clone();
  Tensor part = src;  // only src's index-shaped part is read, as PyTorch's
  for (std::int64_t d = 0; d < src.dim(); ++d)
    if (index.shape()[static_cast<std::size_t>(d)] != src.shape()[static_cast<std::size_t>(d)])
      part = narrow(part, d, 0, index.shape()[static_cast<std::size_t>(d)]);
  // Within each line along a, entry j wins unless a later entry has its index: sort the line
  // (stably: equal indices keep their order), mark the last of each run, and send the marks
  // back to the entries' places.
  const auto [sorted, positions] = sort(index, a);
  const std::int64_t n = index.shape()[static_cast<std::size_t>(a)];
  const Tensor differs = sorted.narrow(a, 0, n - 1) != sorted.narrow(a, 1, n - 1);
  Shape last_shape = index.shape();
  last_shape[static_cast<std::size_t>(a)] = 1;
  const Tensor run_ends = concat({differs, ones(last_shape, TensorOptions(kInt64).device(index.device()))}, a);
  const Tensor wins = scatter_add(zeros(index.shape(), TensorOptions(kInt64).device(index.device())), a, positions, run_ends);
  const Tensor kept = where(wins, part, zeros({}, TensorOptions(part.dtype()).device(part.device())));
  const Tensor placed = scatter_add(zeros_like(self), a, index, kept);
  return where(written(self, a, index), placed, self);
}

Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, double value) {
  detail::CallScope call("scatter");
  if (!self.defined() || !index.defined()) fail("scatter: an operand is undefined");
  if (self.dim() == 0) fail("scatter: a 0-d tensor has no axis to scatter into");
  const auto a = detail::normalize_axis(dim, self.dim(), "scatter");
  check_scatter(self, a, index, nullptr, "scatter");
  if (self.dtype() == kInt64 && !(std::isfinite(value) && value == std::trunc(value)))
    fail("scatter: value ", value, " is not an integer, for an int64 self");
  if (index.numel() == 0) return self.clone();
  return where(written(self, a, index), scalar_tensor(value, self.dtype()), self);
}

Tensor index_copy(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source) {
  detail::CallScope call("index_copy");
  if (!self.defined() || !index.defined() || !source.defined()) fail("index_copy: an operand is undefined");
  if (self.dim() == 0) fail("index_copy: a 0-d tensor has no axis to copy into");
  const auto a = detail::normalize_axis(dim, self.dim(), "index_copy");
  if (index.dtype() != kInt64) fail("index_copy: index must be int64, got ", dtype_name(index.dtype()));
  if (index.dim() > 1) fail("index_copy: index must be 0-d or 1-d, got ", shape_of(index));
  Shape want = self.shape();
  want[static_cast<std::size_t>(a)] = index.numel();
  if (source.shape() != want)
    fail("index_copy: source ", shape_of(source), " must be ", detail::shape_str(want), " (self ", shape_of(self),
         " with axis ", a, " of the ", index.numel(), " indices)");
  if (source.dtype() != self.dtype())
    fail("index_copy: self (", dtype_name(self.dtype()), ") and source (", dtype_name(source.dtype()),
         ") must have the same dtype");
  kernel::check_indices(index.reshape({index.numel()}), self, self.shape()[static_cast<std::size_t>(a)], a, "index_copy");
  // Slice j of source goes to slice index[j]: scatter with the index along a, broadcast.
  Shape line(static_cast<std::size_t>(self.dim()), 1);
  line[static_cast<std::size_t>(a)] = index.numel();
  const Tensor spread = kernel::broadcast_to(index.reshape(line), want, "index_copy");
  return scatter(self, a, spread, source);
}

}  // namespace xg
