// Running sums and sorting along an axis. cumsum's adjoint is the running sum from the end,
// each the other's backward, so every order comes from the one kernel. sort, argsort and
// topk find positions with a kernel (no gradient: they are choices) and take the values
// with gather, whose gradient (a scatter-add) is already every order's.
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

using autograd::Node;

namespace {

Tensor running_sum(const Tensor& x, std::int64_t axis, bool reverse) {
  return autograd::record(reverse ? "cumsum_reverse" : "cumsum", {x}, kernel::cumsum(x, axis, reverse), {},
                          [axis, reverse](Node&, const Tensor& gy) {
                            return tensor_list{running_sum(gy, axis, !reverse)};
                          });
}

// A 0-d input is a line of one: PyTorch's sort/cumsum of a scalar is the scalar.
std::int64_t line_axis(const Tensor& x, std::int64_t dim, const char* op) {
  if (!x.defined()) fail(op, ": the input is undefined");
  if (x.dim() == 0) {
    if (dim != 0 && dim != -1) fail(op, ": dim ", dim, " is out of range for a 0-d tensor");
    return 0;
  }
  return detail::normalize_axis(dim, x.dim(), op);
}

}  // namespace

Tensor cumsum(const Tensor& x, std::int64_t dim) {
  detail::CallScope call("cumsum");
  const std::int64_t axis = line_axis(x, dim, "cumsum");
  if (x.dim() == 0) return x * 1.0;  // a copy in the graph, as PyTorch's
  return running_sum(x, axis, false);
}

std::tuple<Tensor, Tensor> sort(const Tensor& x, std::int64_t dim, bool descending) {
  detail::CallScope call("sort");
  const std::int64_t axis = line_axis(x, dim, "sort");
  if (x.dim() == 0) return {x * 1.0, zeros({}, kInt64)};
  const Tensor idx = kernel::sort_indices(x.detach(), axis, descending);
  return {gather(x, axis, idx), idx};
}

Tensor argsort(const Tensor& x, std::int64_t dim, bool descending) {
  detail::CallScope call("argsort");
  const std::int64_t axis = line_axis(x, dim, "argsort");
  if (x.dim() == 0) return zeros({}, kInt64);
  return kernel::sort_indices(x.detach(), axis, descending);
}

std::tuple<Tensor, Tensor> topk(const Tensor& x, std::int64_t k, std::int64_t dim, bool largest, bool sorted) {
  detail::CallScope call("topk");
  const std::int64_t axis = line_axis(x, dim, "topk");
  if (x.dim() == 0) {
    if (k != 1) fail("topk: k = ", k, " for a 0-d input, whose one element is the only choice (k = 1)");
    return {x * 1.0, zeros({}, kInt64)};
  }
  const std::int64_t n = x.shape()[static_cast<std::size_t>(axis)];
  if (k < 0 || k > n)
    fail("topk: k = ", k, " must be between 0 and the ", n, " elements of axis ", axis, " of input ",
         detail::shape_str(x.shape()));
  // A stable sort of each line, its first k: ties keep their order (PyTorch leaves it open),
  // and the result is sorted whatever `sorted` says.
  (void)sorted;
  const Tensor idx = narrow(kernel::sort_indices(x.detach(), axis, largest), axis, 0, k);
  return {gather(x, axis, idx), idx};
}

}  // namespace xg
