// libtorch's scaled products and sums of products (addmm, addmv, addbmm, baddbmm, addr,
// addcmul, addcdiv), tensordot and kron: shape checks that name the user's call, then
// matmul / bmm / linear and elementwise operations, so gradients of every order and both
// devices come with them.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include <algorithm>
#include <numeric>

#include "tensor/checked.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace {

std::string shape_of(const Tensor& t) { return t.defined() ? detail::shape_str(t.shape()) : "undefined"; }

void require_rank(const Tensor& t, std::int64_t rank, const char* op, const char* name) {
  if (!t.defined() || t.dim() != rank)
    fail(op, ": ", name, " must be ", rank, "-D, got ", shape_of(t));
}

// beta · input + alpha · product, input broadcast to the product's shape (checked, naming op).
// beta = 0 ignores input's values (PyTorch's rule: a NaN there stays out); factors of 1 are
// not multiplied, so the common call costs nothing beyond the product.
Tensor scaled_sum(const Tensor& input, const Tensor& product, double beta, double alpha, const char* op) {
  if (!input.defined()) fail(op, ": the input is undefined");
  const Shape& in = input.shape();
  const Shape& out = product.shape();
  bool fits = in.size() <= out.size();
  for (std::size_t i = 1; fits && i <= in.size(); ++i)
    fits = in[in.size() - i] == 1 || in[in.size() - i] == out[out.size() - i];
  if (!fits)
    fail(op, ": the input ", shape_of(input), " does not broadcast to the product's shape ", shape_of(product));
  const Tensor scaled = alpha == 1 ? product : product * alpha;
  if (beta == 0) return scaled;
  return (beta == 1 ? input : input * beta) + scaled;
}

void require_inner(std::int64_t k1, std::int64_t k2, const Tensor& a, const Tensor& b, const char* op) {
  if (k1 != k2)
    fail(op, ": ", shape_of(a), " and ", shape_of(b), " cannot be multiplied (inner dimensions ", k1, " and ", k2,
         " differ)");
}

// batch1 (B, n, k) and batch2 (B, k, m) with one B, named by op.
void require_batches(const Tensor& batch1, const Tensor& batch2, const char* op) {
  require_rank(batch1, 3, op, "batch1");
  require_rank(batch2, 3, op, "batch2");
  if (batch1.shape()[0] != batch2.shape()[0])
    fail(op, ": batch1 ", shape_of(batch1), " and batch2 ", shape_of(batch2), " have different batch sizes");
  require_inner(batch1.shape()[2], batch2.shape()[1], batch1, batch2, op);
}

}  // namespace

Tensor addmm(const Tensor& input, const Tensor& mat1, const Tensor& mat2, double beta, double alpha) {
  detail::CallScope call("addmm");
  require_rank(mat1, 2, "addmm", "mat1");
  require_rank(mat2, 2, "addmm", "mat2");
  require_inner(mat1.shape()[1], mat2.shape()[0], mat1, mat2, "addmm");
  // A bias row with both factors 1 is nn::Linear's step: one GEMM writes onto the bias.
  if (beta == 1 && alpha == 1 && input.defined() && input.dim() == 1 && input.shape()[0] == mat2.shape()[1])
    return linear(mat1, mat2, input);
  return scaled_sum(input, matmul(mat1, mat2), beta, alpha, "addmm");
}

Tensor addmv(const Tensor& input, const Tensor& mat, const Tensor& vec, double beta, double alpha) {
  detail::CallScope call("addmv");
  require_rank(mat, 2, "addmv", "mat");
  require_rank(vec, 1, "addmv", "vec");
  require_inner(mat.shape()[1], vec.shape()[0], mat, vec, "addmv");
  return scaled_sum(input, matmul(mat, vec), beta, alpha, "addmv");
}

Tensor addbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2, double beta, double alpha) {
  detail::CallScope call("addbmm");
  require_batches(batch1, batch2, "addbmm");
  const auto &s1 = batch1.shape(), &s2 = batch2.shape();
  // Σ_b batch1[b] @ batch2[b] is one product (n, B·k) @ (B·k, m): no (B, n, m) in between.
  const Tensor left = batch1.permute({1, 0, 2}).reshape({s1[1], s1[0] * s1[2]});
  const Tensor right = batch2.reshape({s2[0] * s2[1], s2[2]});
  return scaled_sum(input, matmul(left, right), beta, alpha, "addbmm");
}

Tensor baddbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2, double beta, double alpha) {
  detail::CallScope call("baddbmm");
  require_batches(batch1, batch2, "baddbmm");
  return scaled_sum(input, matmul(batch1, batch2), beta, alpha, "baddbmm");
}

Tensor addr(const Tensor& input, const Tensor& vec1, const Tensor& vec2, double beta, double alpha) {
  detail::CallScope call("addr");
  require_rank(vec1, 1, "addr", "vec1");
  require_rank(vec2, 1, "addr", "vec2");
  return scaled_sum(input, outer(vec1, vec2), beta, alpha, "addr");
}

Tensor addcmul(const Tensor& input, const Tensor& tensor1, const Tensor& tensor2, double value) {
  detail::CallScope call("addcmul");
  if (!input.defined() || !tensor1.defined() || !tensor2.defined()) fail("addcmul: an operand is undefined");
  const Tensor product = tensor1 * tensor2;
  return input + (value == 1 ? product : product * value);
}

Tensor addcdiv(const Tensor& input, const Tensor& tensor1, const Tensor& tensor2, double value) {
  detail::CallScope call("addcdiv");
  if (!input.defined() || !tensor1.defined() || !tensor2.defined()) fail("addcdiv: an operand is undefined");
  if (tensor1.dtype() == kInt64 && tensor2.dtype() == kInt64)
    fail("addcdiv: integer division of tensor1 and tensor2 (both int64) is not supported, as in PyTorch; convert "
         "one with .to(xg::kFloat32)");
  const Tensor quotient = tensor1 / tensor2;
  return input + (value == 1 ? quotient : quotient * value);
}

Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<std::int64_t>& dims_a,
                 const std::vector<std::int64_t>& dims_b) {
  detail::CallScope call("tensordot");
  if (!a.defined() || !b.defined()) fail("tensordot: an operand is undefined");
  if (dims_a.size() != dims_b.size())
    fail("tensordot: both operands need as many contracted axes, got ", dims_a.size(), " and ", dims_b.size());
  const auto ra = a.dim(), rb = b.dim();
  // normalize_axis takes 0 and -1 for a 0-d tensor (PyTorch's scalar rule), but a 0-d
  // operand has no axis to contract.
  if (!dims_a.empty() && (ra == 0 || rb == 0))
    fail("tensordot: cannot contract an axis of a 0-d operand (a ", shape_of(a), ", b ", shape_of(b), ")");
  std::vector<bool> used_a(static_cast<std::size_t>(ra)), used_b(static_cast<std::size_t>(rb));
  Axes ca, cb;
  std::int64_t k = 1;
  for (std::size_t i = 0; i < dims_a.size(); ++i) {
    const auto da = detail::normalize_axis(dims_a[i], ra, "tensordot");
    const auto db = detail::normalize_axis(dims_b[i], rb, "tensordot");
    if (used_a[static_cast<std::size_t>(da)] || used_b[static_cast<std::size_t>(db)])
      fail("tensordot: axis ", used_a[static_cast<std::size_t>(da)] ? dims_a[i] : dims_b[i], " of ",
           used_a[static_cast<std::size_t>(da)] ? "a" : "b", " is listed twice");
    used_a[static_cast<std::size_t>(da)] = used_b[static_cast<std::size_t>(db)] = true;
    if (a.shape()[da] != b.shape()[db])
      fail("tensordot: contracted axes must match, but a ", shape_of(a), " has size ", a.shape()[da], " in axis ",
           da, " and b ", shape_of(b), " has size ", b.shape()[db], " in axis ", db);
    ca.push_back(da);
    cb.push_back(db);
    k *= a.shape()[da];
  }
  // a as (its free axes, the contracted ones) and b as (the contracted ones, its free axes):
  // one matrix product (free_a, k) @ (k, free_b).
  Axes perm_a, perm_b = cb;
  Shape out;
  std::int64_t free_a = 1, free_b = 1;
  for (std::int64_t d = 0; d < ra; ++d)
    if (!used_a[static_cast<std::size_t>(d)]) perm_a.push_back(d), out.push_back(a.shape()[d]), free_a *= a.shape()[d];
  for (std::int64_t d = 0; d < rb; ++d)
    if (!used_b[static_cast<std::size_t>(d)]) perm_b.push_back(d), out.push_back(b.shape()[d]), free_b *= b.shape()[d];
  perm_a.insert(perm_a.end(), ca.begin(), ca.end());
  const Tensor left = a.permute(perm_a).reshape({free_a, k});
  const Tensor right = b.permute(perm_b).reshape({k, free_b});
  return matmul(left, right).reshape(out);
}

Tensor tensordot(const Tensor& a, const Tensor& b, std::int64_t dims) {
  detail::CallScope call("tensordot");
  if (!a.defined() || !b.defined()) fail("tensordot: an operand is undefined");
  if (dims < 0) fail("tensordot: dims must be non-negative, got ", dims);
  if (dims > std::min(a.dim(), b.dim()))
    fail("tensordot: dims ", dims, " exceeds the rank of ", shape_of(a), " or ", shape_of(b));
  std::vector<std::int64_t> da(static_cast<std::size_t>(dims)), db(static_cast<std::size_t>(dims));
  std::iota(da.begin(), da.end(), a.dim() - dims);
  std::iota(db.begin(), db.end(), std::int64_t{0});
  return tensordot(a, b, da, db);
}

Tensor kron(const Tensor& a, const Tensor& b) {
  detail::CallScope call("kron");
  if (!a.defined() || !b.defined()) fail("kron: an operand is undefined");
  // (a0, 1, a1, 1, ...) · (1, b0, 1, b1, ...) is (a0, b0, a1, b1, ...): block i is a[i] · b.
  const auto n = std::max(a.dim(), b.dim());
  Shape sa(static_cast<std::size_t>(2 * n), 1), sb(static_cast<std::size_t>(2 * n), 1), out(static_cast<std::size_t>(n));
  for (std::int64_t d = 0; d < n; ++d) {
    const std::int64_t ea = d - (n - a.dim()), eb = d - (n - b.dim());
    const std::int64_t na = ea >= 0 ? a.shape()[ea] : 1, nb = eb >= 0 ? b.shape()[eb] : 1;
    sa[static_cast<std::size_t>(2 * d)] = na;
    sb[static_cast<std::size_t>(2 * d + 1)] = nb;
    out[static_cast<std::size_t>(d)] = detail::size_mul(na, nb, "kron", "the result's size");
  }
  return (a.reshape(sa) * b.reshape(sb)).reshape(out);
}

}  // namespace xg
