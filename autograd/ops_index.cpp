// Indexing: index_select / index_add and gather / scatter_add are each other's adjoints,
// so every backward here is again differentiable. masked_select and nonzero read their mask
// on the host (the result's size depends on it; on a GPU, a documented wait, as PyTorch's).
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "tensor/kernels.h"
#include "tensor/checked.h"
#include "tensor/strided.h"

#include <vector>

namespace xg {

using autograd::Node;
using autograd::record;

namespace {

// Zeros of `shape` with src's slices added at `index` along `axis`.
Tensor added_at(const Shape& shape, std::int64_t axis, const Tensor& index, const Tensor& src) {
  return record("index_add", {src}, kernel::index_add(shape, axis, index, src), {index},
                [axis](Node& n, const Tensor& gy) { return tensor_list{index_select(gy, axis, n.saved(0))}; });
}

// Zeros of `shape` with src scattered and added at `index` along `axis`.
Tensor scattered_at(const Shape& shape, std::int64_t axis, const Tensor& index, const Tensor& src) {
  return record("scatter_add", {src}, kernel::scatter_add(shape, axis, index, src), {index},
                [axis](Node& n, const Tensor& gy) { return tensor_list{gather(gy, axis, n.saved(0))}; });
}

}  // namespace

Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index) {
  detail::CallScope call("index_select");
  const char* op = detail::call_or("index_select");  // x.index({idx}) and masked_select name themselves
  if (x.dim() == 0) fail(op, ": a 0-d tensor has no axis to select from");
  const auto a = detail::normalize_axis(axis, x.dim(), op);
  return record("index_select", {x}, kernel::index_select(x, a, index, op), {index},
                [a](Node& n, const Tensor& gy) {
                  return tensor_list{added_at(n.input_meta(0).shape, a, n.saved(0), gy)};
                });
}

Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index) {
  detail::CallScope call("gather");
  if (x.dim() == 0) fail("gather: a 0-d tensor has no axis to gather from");
  const auto a = detail::normalize_axis(axis, x.dim(), "gather");
  return record("gather", {x}, kernel::gather(x, a, index, "gather"), {index}, [a](Node& n, const Tensor& gy) {
    return tensor_list{scattered_at(n.input_meta(0).shape, a, n.saved(0), gy)};
  });
}

Tensor pick(const Tensor& x, const Tensor& labels) {
  detail::CallScope call("pick");
  if (x.dim() != 2 || labels.dim() != 1 || labels.shape()[0] != x.shape()[0] || labels.dtype() != kInt64)
    fail("pick: expected (N,C) scores and (N,) int64 labels, got ", detail::shape_str(x.shape()), " and ",
         detail::shape_str(labels.shape()), " ", dtype_name(labels.dtype()));
  kernel::check_labels(labels, x.shape()[1], "pick");  // named here, not as the gather inside
  return reshape(gather(x, 1, reshape(labels, {-1, 1})), {-1});
}

Tensor one_hot(const Tensor& labels, std::int64_t num_classes) { return kernel::one_hot(labels, num_classes); }

Tensor index_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source, double alpha) {
  detail::CallScope call("index_add");
  if (!self.defined() || !index.defined() || !source.defined()) fail("index_add: an operand is undefined");
  if (self.dim() == 0) fail("index_add: a 0-d tensor has no axis to add into");
  const auto a = detail::normalize_axis(dim, self.dim(), "index_add");
  if (index.dim() > 1) fail("index_add: index must be 1-D, got ", detail::shape_str(index.shape()));
  Shape want = self.shape();
  want[static_cast<std::size_t>(a)] = index.numel();
  if (source.shape() != want)
    fail("index_add: source ", detail::shape_str(source.shape()), " must be ", detail::shape_str(want), " (self ",
         detail::shape_str(self.shape()), " with axis ", a, " of the ", index.numel(), " indices)");
  if (source.dtype() != self.dtype())
    fail("index_add: self (", dtype_name(self.dtype()), ") and source (", dtype_name(source.dtype()),
         ") must have the same dtype");
  kernel::check_indices(index, self, self.shape()[static_cast<std::size_t>(a)], a, "index_add");
  const Tensor flat = reshape(index, {index.numel()});
  return self + added_at(self.shape(), a, flat, alpha == 1.0 ? source : source * alpha);
}

Tensor scatter_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src) {
  detail::CallScope call("scatter_add");
  if (!self.defined() || !index.defined() || !src.defined()) fail("scatter_add: an operand is undefined");
  if (self.dim() == 0) fail("scatter_add: a 0-d tensor has no axis to scatter into");
  const auto a = detail::normalize_axis(dim, self.dim(), "scatter_add");
  // PyTorch's shapes: one rank; index no larger than src anywhere, nor than self off `dim`.
  bool fits = index.dim() == self.dim() && src.dim() == self.dim();
  for (std::int64_t d = 0; fits && d < self.dim(); ++d) {
    const auto k = static_cast<std::size_t>(d);
    fits = index.shape()[k] <= src.shape()[k] && (d == a || index.shape()[k] <= self.shape()[k]);
  }
  if (!fits)
    fail("scatter_add: index ", detail::shape_str(index.shape()), " must have the rank of self ",
         detail::shape_str(self.shape()), " and src ", detail::shape_str(src.shape()),
         ", be no larger than src on any axis, and no larger than self except on axis ", a);
  if (src.dtype() != self.dtype())
    fail("scatter_add: self (", dtype_name(self.dtype()), ") and src (", dtype_name(src.dtype()), ") must have the same dtype");
  kernel::check_indices(index, self, self.shape()[static_cast<std::size_t>(a)], a, "scatter_add");
  // Only src's leading part of index's shape is read, as PyTorch's.
  Tensor part = src;
  for (std::int64_t d = 0; d < src.dim(); ++d)
    if (index.shape()[static_cast<std::size_t>(d)] != src.shape()[static_cast<std::size_t>(d)])
      part = narrow(part, d, 0, index.shape()[static_cast<std::size_t>(d)]);
  return self + scattered_at(self.shape(), a, index, part);
}

Tensor take(const Tensor& x, const Tensor& index) {
  detail::CallScope call("take");
  if (!x.defined() || !index.defined()) fail("take: an operand is undefined");
  if (index.dtype() != kInt64) fail("take: index must be int64, got ", dtype_name(index.dtype()));
  detail::compute_device({{"input", x}, {"index", index}}, "take");
  // x as one line; indices may count from its end, as PyTorch's.
  const Tensor flat = kernel::wrap_indices(index, x.numel(), "take").reshape({index.numel()});
  return reshape(index_select(reshape(x, {x.numel()}), 0, flat), index.shape());
}

std::vector<Tensor> where(const Tensor& cond) {
  const Tensor coords = nonzero(cond);
  std::vector<Tensor> out;
  for (std::int64_t d = 0; d < cond.dim(); ++d) out.push_back(xg::select(coords, 1, d));
  return out;
}

Tensor nonzero(const Tensor& x) {
  detail::CallScope call("nonzero");
  if (!x.defined()) fail("nonzero: the input is undefined");
  // The coordinates of each nonzero element in row-major order, found on the host.
  const Tensor host = x.device().is_cpu() ? x : x.cpu();
  const Tensor mask = kernel::cast(kernel::binary(kernel::Binary::Ne, host, scalar_tensor(0.0, host.dtype()), "nonzero"), kInt64);
  const auto* m = mask.data<std::int64_t>();
  const std::int64_t n = mask.numel(), rank = x.dim();
  std::vector<double> coords;
  for (std::int64_t i = 0; i < n; ++i) {
    if (!m[i]) continue;
    std::int64_t rest = i;
    const std::size_t at = coords.size();
    coords.resize(at + static_cast<std::size_t>(rank));
    for (std::int64_t d = rank - 1; d >= 0; --d) {
      const std::int64_t size = x.shape()[static_cast<std::size_t>(d)];
      coords[at + static_cast<std::size_t>(d)] = static_cast<double>(rest % size);
      rest /= size;
    }
  }
  const std::int64_t found = rank == 0 ? (n > 0 && m[0] ? 1 : 0) : static_cast<std::int64_t>(coords.size()) / rank;
  return tensor(coords, {found, rank}, TensorOptions().dtype(kInt64)).to(x.device());
}

namespace {
// x and its int64 mask broadcast together: the shape, and the flat positions the mask selects
// (counted on the host: a documented wait on a GPU).
Tensor mask_positions(const Tensor& x, const Tensor& mask, const char* op, Shape& shape) {
  if (!x.defined() || !mask.defined()) fail(op, ": an operand is undefined");
  if (mask.dtype() != kInt64)
    fail(op, ": the mask must be int64 (nonzero = selected; xgrad has no bool), got ", dtype_name(mask.dtype()),
         ": a comparison gives floats, convert with .to(xg::kInt64)");
  shape = detail::broadcast_shapes(x.shape(), mask.shape(), op);
  const Tensor m = mask.shape() == shape ? mask : kernel::broadcast_to(mask, shape, op);
  return reshape(nonzero(reshape(m, {-1})), {-1});
}
}  // namespace

Tensor masked_select(const Tensor& x, const Tensor& mask) {
  detail::CallScope call("masked_select");
  Shape shape;
  const Tensor positions = mask_positions(x, mask, "masked_select", shape);
  return index_select(reshape(x.shape() == shape ? x : broadcast_to(x, shape), {-1}), 0, positions);
}

Tensor masked_scatter(const Tensor& x, const Tensor& mask, const Tensor& source) {
  detail::CallScope call("masked_scatter");
  if (!source.defined()) fail("masked_scatter: source is undefined");
  Shape shape;
  const Tensor positions = mask_positions(x, mask, "masked_scatter", shape);
  if (source.dtype() != x.dtype())
    fail("masked_scatter: source must have self's dtype, got ", dtype_name(source.dtype()), " and ", dtype_name(x.dtype()));
  const std::int64_t k = positions.numel();
  if (source.numel() < k)
    fail("masked_scatter: the mask selects ", k, " elements, but source ", detail::shape_str(source.shape()), " has only ",
         source.numel());
  const Tensor flat = reshape(x.shape() == shape ? x : broadcast_to(x, shape), {-1});
  return reshape(put(flat, positions, narrow(reshape(source, {-1}), 0, 0, k)), shape);
}

}  // namespace xg
