// Products built from matmul, as libtorch's torch::linalg spells them: matrix_power,
// multi_dot (with the cheapest order of the chain) and cross, and vector_norm under its
// linalg name. Compositions of recorded operations, so gradients of every order follow.
#include <xgrad/detail/format.h>
#include <xgrad/linalg.h>
#include <xgrad/ops.h>

#include <functional>
#include <limits>
#include <vector>

#include "autograd/linalg_util.h"
#include "tensor/checked.h"
#include "tensor/tensor_impl.h"

namespace xg {

using namespace autograd::linalg_util;

namespace linalg {

Tensor matrix_power(const Tensor& A, std::int64_t n) {
  detail::CallScope call("linalg.matrix_power");
  check_matrices(A, "linalg.matrix_power");
  if (rows(A) != cols(A))
    fail("linalg.matrix_power: A must be batches of square matrices, but they are ", rows(A), " by ", cols(A),
         " matrices: ", detail::shape_str(A.shape()));
  if (n == 0) return zeros_like(A) + eye(rows(A), TensorOptions().dtype(A.dtype()).device(A.device()));
  // A^-|n| for negative n, by squaring: about 2 log2 |n| products.
  Tensor base = n < 0 ? linalg::inv(A) : A;
  std::uint64_t k = n < 0 ? static_cast<std::uint64_t>(-(n + 1)) + 1 : static_cast<std::uint64_t>(n);
  Tensor result;
  for (; k > 0; k >>= 1) {
    if (k & 1) result = result.defined() ? matmul(result, base) : base;
    if (k > 1) base = matmul(base, base);
  }
  return result;
}

// The chain of matrices whose product costs the fewest multiply-adds (the textbook's dynamic
// program, as PyTorch's multi_dot), multiplied in that order.
Tensor multi_dot(const tensor_list& tensors) {
  detail::CallScope call("linalg.multi_dot");
  const std::size_t n = tensors.size();
  if (n < 2) fail("linalg.multi_dot: expected at least 2 tensors but got ", n);
  tensor_list m(tensors);
  for (std::size_t i = 0; i < n; ++i) {
    check_float(m[i], "linalg.multi_dot", "tensor");
    const bool end = i == 0 || i + 1 == n;
    if (m[i].dim() != 2 && !(end && m[i].dim() == 1))
      fail("linalg.multi_dot: tensor ", i, " must be 2-D", end ? " or 1-D" : "", ", got ", detail::shape_str(m[i].shape()));
  }
  const bool row = m.front().dim() == 1, column = m.back().dim() == 1;
  if (row) m.front() = m.front().unsqueeze(0);
  if (column) m.back() = m.back().unsqueeze(1);
  std::vector<std::int64_t> dims{m[0].shape()[0]};
  for (std::size_t i = 0; i < n; ++i) {
    if (m[i].shape()[0] != dims.back())
      fail("linalg.multi_dot: tensors ", i - 1, " and ", i, " cannot be multiplied: ", detail::shape_str(tensors[i - 1].shape()),
           " and ", detail::shape_str(tensors[i].shape()));
    dims.push_back(m[i].shape()[1]);
  }
  // cost[i][j]: the fewest multiply-adds for m[i] ... m[j]; split[i][j]: where that product divides.
  std::vector<std::vector<double>> cost(n, std::vector<double>(n, 0.0));
  std::vector<std::vector<std::size_t>> split(n, std::vector<std::size_t>(n, 0));
  for (std::size_t len = 1; len < n; ++len)
    for (std::size_t i = 0; i + len < n; ++i) {
      const std::size_t j = i + len;
      cost[i][j] = std::numeric_limits<double>::infinity();
      for (std::size_t k = i; k < j; ++k) {
        const double c = cost[i][k] + cost[k + 1][j] +
                         static_cast<double>(dims[i]) * static_cast<double>(dims[k + 1]) * static_cast<double>(dims[j + 1]);
        if (c < cost[i][j]) cost[i][j] = c, split[i][j] = k;
      }
    }
  const std::function<Tensor(std::size_t, std::size_t)> product = [&](std::size_t i, std::size_t j) {
    return i == j ? m[i] : matmul(product(i, split[i][j]), product(split[i][j] + 1, j));
  };
  Tensor out = product(0, n - 1);
  if (row) out = out.squeeze(0);
  if (column) out = out.squeeze(-1);
  return out;
}

Tensor cross(const Tensor& a, const Tensor& b, std::int64_t dim) {
  detail::CallScope call("linalg.cross");
  check_float(a, "linalg.cross", "input");
  check_float(b, "linalg.cross", "other");
  if (a.dim() != b.dim())
    fail("linalg.cross: input and other must have the same number of dimensions, got ", detail::shape_str(a.shape()),
         " and ", detail::shape_str(b.shape()));
  const std::int64_t d = detail::normalize_axis(dim, a.dim(), "linalg.cross");
  if (a.shape()[d] != 3 || b.shape()[d] != 3)
    fail("linalg.cross: inputs dimension ", dim, " must have length 3, got ", detail::shape_str(a.shape()), " and ",
         detail::shape_str(b.shape()));
  const auto at = [d](const Tensor& x, std::int64_t i) { return x.select(d, i); };
  return stack({at(a, 1) * at(b, 2) - at(a, 2) * at(b, 1), at(a, 2) * at(b, 0) - at(a, 0) * at(b, 2),
                at(a, 0) * at(b, 1) - at(a, 1) * at(b, 0)},
               d);
}

Tensor vector_norm(const Tensor& x, double ord, const Axes& dim, bool keepdim) {
  detail::CallScope call("linalg.vector_norm");
  return xg::norm(x, ord, dim, keepdim);
}

}  // namespace linalg

Tensor matrix_power(const Tensor& A, std::int64_t n) { return linalg::matrix_power(A, n); }

Tensor cross(const Tensor& a, const Tensor& b, std::optional<std::int64_t> dim) {
  detail::CallScope call("cross");
  if (!a.defined() || !b.defined()) fail("cross: a tensor is undefined");
  if (!dim) {
    for (std::int64_t d = 0; d < std::min(a.dim(), b.dim()) && !dim; ++d)
      if (a.shape()[d] == 3 && b.shape()[d] == 3) dim = d;
    if (!dim)
      fail("cross: no axis of size 3 in both ", detail::shape_str(a.shape()), " and ", detail::shape_str(b.shape()),
           "; pass dim");
  }
  try {
    return linalg::cross(a, b, *dim);
  } catch (const Error& e) {
    detail::rethrow_as(e, "linalg.cross", "cross");  // named as the user's call
  }
}

}  // namespace xg
