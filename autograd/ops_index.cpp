// Indexing: index_select / index_add and gather / scatter_add are each other's adjoints,
// so every backward here is again differentiable.
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "tensor/kernels.h"
#include "tensor/checked.h"

namespace xg {

using autograd::Node;
using autograd::record;

namespace {

// Zeros of `shape` with src's slices added at `index` along `axis`.
Tensor index_add(const Shape& shape, std::int64_t axis, const Tensor& index, const Tensor& src) {
  return record("index_add", {src}, kernel::index_add(shape, axis, index, src), {index},
                [axis](Node& n, const Tensor& gy) { return tensor_list{index_select(gy, axis, n.saved(0))}; });
}

// Zeros of `shape` with src scattered and added at `index` along `axis`.
Tensor scatter_add(const Shape& shape, std::int64_t axis, const Tensor& index, const Tensor& src) {
  return record("scatter_add", {src}, kernel::scatter_add(shape, axis, index, src), {index},
                [axis](Node& n, const Tensor& gy) { return tensor_list{gather(gy, axis, n.saved(0))}; });
}

}  // namespace

Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index) {
  detail::CallScope call("index_select");
  if (x.dim() == 0) fail("index_select: a 0-d tensor has no axis to select from");
  const auto a = detail::normalize_axis(axis, x.dim(), "index_select");
  return record("index_select", {x}, kernel::index_select(x, a, index, "index_select"), {index},
                [a](Node& n, const Tensor& gy) {
                  return tensor_list{index_add(n.input_meta(0).shape, a, n.saved(0), gy)};
                });
}

Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index) {
  detail::CallScope call("gather");
  if (x.dim() == 0) fail("gather: a 0-d tensor has no axis to gather from");
  const auto a = detail::normalize_axis(axis, x.dim(), "gather");
  return record("gather", {x}, kernel::gather(x, a, index, "gather"), {index}, [a](Node& n, const Tensor& gy) {
    return tensor_list{scatter_add(n.input_meta(0).shape, a, n.saved(0), gy)};
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

}  // namespace xg
