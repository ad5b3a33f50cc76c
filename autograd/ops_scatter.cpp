// scatter and index_copy, out of place, deterministic on every device: of several writes to
// one place the last in index order wins. The winners are found with a stable sort of each
// line's indices along dim (the last of each run of equal indices), then the winning sources
// are scatter-added onto zeros and placed with a where, so gradients of every order come from
// those operations (the winners' sources get theirs, the overwritten elements of self none).
// scatter_reduce and index_reduce fold with one kernel (each target in index order, as
// PyTorch's CPU) and take PyTorch's gradients, written with differentiable operations.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include <cmath>

#include "autograd/graph.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

using autograd::Node;

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

// The part of src that index's shape reads (PyTorch's rule for scatter).
Tensor index_part(const Tensor& src, const Tensor& index) {
  Tensor part = src;
  for (std::int64_t d = 0; d < src.dim(); ++d)
    if (index.shape()[static_cast<std::size_t>(d)] != src.shape()[static_cast<std::size_t>(d)])
      part = narrow(part, d, 0, index.shape()[static_cast<std::size_t>(d)]);
  return part;
}

// A count at each target of `shape` of the src values sent there (zeros plus the scatter's
// sum), for the masks and counts below: constants, so the kernel's scatter, unrecorded, with
// the indices checked once by the caller.
Tensor hits(const Shape& shape, std::int64_t a, const Tensor& index, const Tensor& src) {
  return kernel::scatter_add(shape, a, index, src);
}

// 1 where self's element is written by some index entry (self's shape, self's dtype).
Tensor written(const Tensor& self, std::int64_t a, const Tensor& index) {
  const TensorOptions o = TensorOptions(self.dtype()).device(self.device());
  return hits(self.shape(), a, index, ones(index.shape(), o)) > 0.0;
}

// index_copy's and index_reduce's 1-D index, checked against self and source, as a scatter
// index: slice j of source goes to slice index[j], so index[j] fills source's slice j.
Tensor spread_index(const Tensor& self, std::int64_t a, const Tensor& index, const Tensor& source, const char* op) {
  if (index.dtype() != kInt64) fail(op, ": index must be int64, got ", dtype_name(index.dtype()));
  if (index.dim() > 1) fail(op, ": index must be 0-d or 1-d, got ", shape_of(index));
  Shape want = self.shape();
  want[static_cast<std::size_t>(a)] = index.numel();
  if (source.shape() != want)
    fail(op, ": source ", shape_of(source), " must be ", detail::shape_str(want), " (self ", shape_of(self), " with axis ", a,
         " of the ", index.numel(), " indices)");
  if (source.dtype() != self.dtype())
    fail(op, ": self (", dtype_name(self.dtype()), ") and source (", dtype_name(source.dtype()), ") must have the same dtype");
  kernel::check_indices(index.reshape({index.numel()}), self, self.shape()[static_cast<std::size_t>(a)], a, op);
  Shape line(static_cast<std::size_t>(self.dim()), 1);
  line[static_cast<std::size_t>(a)] = index.numel();
  return kernel::broadcast_to(index.reshape(line), want, op);
}

// self with part folded in at index along a (kernel::scatter_reduce), recorded with PyTorch's
// gradients (its scatter_reduce_backward), each written with differentiable operations so a
// second order composes. Each group is a target with the src elements sent there (and self's
// element with include_self).
Tensor folded(kernel::Reduce kind, const Tensor& self, std::int64_t a, const Tensor& index, const Tensor& part,
              bool include_self) {
  const Tensor y = kernel::scatter_reduce(kind, self, a, index, part, include_self);
  return autograd::record("scatter_reduce", {self, part}, y, {self, part, index, y},
                          [kind, a, include_self](Node& n, const Tensor& gy) {
    const Tensor self = n.saved(0), src = n.saved(1), index = n.saved(2);
    const TensorOptions o = TensorOptions(self.dtype()).device(self.device());
    const Tensor one = ones({}, o);
    // Without self, a written element of self got nothing into the result.
    const Tensor untouched = include_self ? Tensor() : 1.0 - written(self, a, index);
    const auto own = [&](const Tensor& g) { return include_self ? g : g * untouched; };
    switch (kind) {
      case kernel::Reduce::Sum: return tensor_list{own(gy), gather(gy, a, index)};
      case kernel::Reduce::Max:
      case kernel::Reduce::Min: {  // shared equally among the elements equal to the result
        const Tensor y = n.saved(3).detach();
        const Tensor self_is = own(self.detach() == y), src_is = src.detach() == gather(y, a, index);
        const Tensor share = gy / (self_is + hits(self.shape(), a, index, src_is));
        return tensor_list{self_is * share, src_is * gather(share, a, index)};
      }
      case kernel::Reduce::Prod: break;
    }
    // The product of the others, with no 0/0: a zero of self gets the group's product with
    // it replaced by 1; a lone zero among a group's src elements the same; the rest y / x.
    const Tensor self_zero = self.detach() == 0.0, src_zero = src.detach() == 0.0;
    const Tensor masked_self = where(self_zero, one, self);
    const Tensor grad_self =
        include_self ? gy * folded(kernel::Reduce::Prod, masked_self, a, index, src, true) / masked_self : own(gy);
    const Tensor zeros_in_group = kernel::gather(hits(self.shape(), a, index, src_zero), a, index, "scatter_reduce");
    const Tensor lone = src_zero * (zeros_in_group == 1.0);
    const Tensor lone_result = folded(kernel::Reduce::Prod, self, a, index, where(lone, one, src), include_self);
    // (The saved result is this node's output, differentiable again under create_graph.)
    Tensor grad_src =
        where(lone, gather(gy * lone_result, a, index), gather(gy * n.saved(3), a, index) / where(src_zero, one, src));
    // Two zeros in a group: their second derivatives are not these (PyTorch refuses them too).
    if (is_grad_enabled() && (zeros_in_group > 1.0).sum().item<double>() > 0)
      grad_src = autograd::record("scatter_reduce", {grad_src}, grad_src.detach(), {},
                                  [](Node&, const Tensor&) -> tensor_list {
                                    fail("scatter_reduce: the second derivative of \"prod\" is not available where two or "
                                         "more src zeros go to one place (PyTorch refuses it too)");
                                  });
    return tensor_list{grad_self, grad_src};
  });
}

// scatter_reduce's and index_reduce's reduction names, checked.
enum class Fold { Sum, Prod, Mean, Amax, Amin };

Fold fold_named(const std::string& reduce, bool with_sum, const char* op) {
  if (reduce == "sum" && with_sum) return Fold::Sum;
  if (reduce == "prod") return Fold::Prod;
  if (reduce == "mean") return Fold::Mean;
  if (reduce == "amax") return Fold::Amax;
  if (reduce == "amin") return Fold::Amin;
  fail(op, ": reduce must be ", with_sum ? "\"sum\", " : "", "\"prod\", \"mean\", \"amax\" or \"amin\", got \"", reduce, "\"",
       !with_sum && reduce == "sum" ? " (index_add sums)" : "");
}

Tensor reduce_at(Fold fold, const Tensor& self, std::int64_t a, const Tensor& index, const Tensor& part, bool include_self) {
  switch (fold) {
    case Fold::Prod: return folded(kernel::Reduce::Prod, self, a, index, part, include_self);
    case Fold::Amax: return folded(kernel::Reduce::Max, self, a, index, part, include_self);
    case Fold::Amin: return folded(kernel::Reduce::Min, self, a, index, part, include_self);
    case Fold::Sum:
    case Fold::Mean: break;
  }
  const Tensor sum = folded(kernel::Reduce::Sum, self, a, index, part, include_self);
  if (fold == Fold::Sum) return sum;
  // The mean over each group (self's element counted with include_self); integers floor, as
  // PyTorch's.
  const TensorOptions o = TensorOptions(self.dtype()).device(self.device());
  const Tensor hit = hits(self.shape(), a, index, ones(index.shape(), o));
  const Tensor count = include_self ? hit + 1.0 : hit;
  const Tensor divisor = where(count == 0.0, ones({}, o), count);
  return self.dtype() == kInt64 ? kernel::binary(kernel::Binary::FloorDivide, sum, divisor, "scatter_reduce")
                                : sum / divisor;
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
  const Tensor part = index_part(src, index);  // only src's index-shaped part is read, as PyTorch's
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
  const Tensor spread = spread_index(self, a, index, source, "index_copy");
  return scatter(self, a, spread, source);
}

Tensor scatter_reduce(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src,
                      const std::string& reduce, bool include_self) {
  detail::CallScope call("scatter_reduce");
  if (!self.defined() || !index.defined() || !src.defined()) fail("scatter_reduce: an operand is undefined");
  const Fold fold = fold_named(reduce, true, "scatter_reduce");
  if (self.dim() == 0) fail("scatter_reduce: a 0-d tensor has no axis to scatter into");
  const auto a = detail::normalize_axis(dim, self.dim(), "scatter_reduce");
  check_scatter(self, a, index, &src, "scatter_reduce");
  if (src.dtype() != self.dtype())
    fail("scatter_reduce: self (", dtype_name(self.dtype()), ") and src (", dtype_name(src.dtype()),
         ") must have the same dtype");
  if (index.numel() == 0) return self.clone();
  return reduce_at(fold, self, a, index, index_part(src, index), include_self);
}

Tensor index_reduce(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source,
                    const std::string& reduce, bool include_self) {
  detail::CallScope call("index_reduce");
  if (!self.defined() || !index.defined() || !source.defined()) fail("index_reduce: an operand is undefined");
  const Fold fold = fold_named(reduce, false, "index_reduce");
  if (self.dim() == 0) fail("index_reduce: a 0-d tensor has no axis to reduce into");
  const auto a = detail::normalize_axis(dim, self.dim(), "index_reduce");
  const Tensor spread = spread_index(self, a, index, source, "index_reduce");
  if (index.numel() == 0) return self.clone();
  return reduce_at(fold, self, a, spread, source, include_self);
}

Tensor put(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate) {
  detail::CallScope call("put");
  if (!self.defined() || !index.defined() || !source.defined()) fail("put: an operand is undefined");
  if (index.dtype() != kInt64) fail("put: index must be int64, got ", dtype_name(index.dtype()));
  if (index.numel() != source.numel())
    fail("put: index ", shape_of(index), " and source ", shape_of(source), " must have as many elements");
  if (source.dtype() != self.dtype())
    fail("put: self (", dtype_name(self.dtype()), ") and source (", dtype_name(source.dtype()), ") must have the same dtype");
  detail::compute_device({{"self", self}, {"index", index}, {"source", source}}, "put");
  // self as one line; indices may count from its end, as PyTorch's.
  const Tensor at = kernel::wrap_indices(index, self.numel(), "put").reshape({index.numel()});
  const Tensor flat = reshape(self, {self.numel()}), values = reshape(source, {source.numel()});
  return reshape(accumulate ? index_add(flat, 0, at, values) : index_copy(flat, 0, at, values), self.shape());
}

}  // namespace xg
