// Matrix products. One primitive, mm(a, b, trans_a, trans_b), goes straight to gemm with
// transpose flags; its backward is mm again with other flags, so no transposed operand is
// ever copied and higher-order gradients come for free. matmul reduces numpy's rules (1-D
// operands, broadcast leading axes of any number) to it with reshapes and broadcast_to.
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include <algorithm>
#include <vector>

#include "autograd/graph.h"
#include "tensor/kernels.h"
#include "tensor/checked.h"
#include "autograd/matmul.h"
#include "autograd/views.h"

namespace xg {

using autograd::Node;
using autograd::record;

namespace autograd {

Tensor gradient_product(const Node& n, std::size_t i, const Tensor& a, const Tensor& b, bool ta, bool tb) {
  if (const HookList* stream = streamed_input(n, i))
    return kernel::gemm_in_row_blocks(a, b, ta, tb, stream->stream_block_rows, stream->stream_rows);
  return mm(a, b, ta, tb);
}

// C = op(A) op(B). With X = op(A), Y = op(B): dX = dC Y^T and dY = X^T dC, mapped back
// through the transposes.
Tensor mm(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  return record("matmul", {a, b}, kernel::gemm(a, b, ta, tb), {a, b}, [ta, tb](Node& n, const Tensor& gc) {
    const auto s = n.saved();
    const Tensor &A = s[0], &B = s[1];
    Tensor ga, gb;
    if (n.needs_input_grad(0)) ga = ta ? mm(B, gc, tb, true) : mm(gc, B, false, !tb);
    if (n.needs_input_grad(1)) gb = tb ? gradient_product(n, 1, gc, A, true, ta) : gradient_product(n, 1, A, gc, !ta, false);
    return tensor_list{ga, gb};
  });
}

Shape batch_shape(const Tensor& a, const Tensor& b, const char* op) {
  const Shape ba(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  const std::size_t n = std::max(ba.size(), bb.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t da = i < n - ba.size() ? 1 : ba[i - (n - ba.size())];
    const std::int64_t db = i < n - bb.size() ? 1 : bb[i - (n - bb.size())];
    if (da != db && da != 1 && db != 1)
      fail(op, ": ", detail::shape_str(a.shape()), " and ", detail::shape_str(b.shape()), ": batch dimensions ",
           detail::shape_str(ba), " and ", detail::shape_str(bb), " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Tensor to_batch3(const Tensor& x, const Shape& batch) {
  const std::int64_t r = x.shape()[x.dim() - 2], c = x.shape()[x.dim() - 1];
  Shape full = batch;
  full.push_back(r);
  full.push_back(c);
  // The batch's size spelled out: -1 cannot be inferred when the matrices are empty.
  return reshape(broadcast_to(x, full), {shape_numel(batch), r, c});
}

Tensor from_batch3(const Tensor& y, const Shape& batch) {
  Shape full = batch;
  full.push_back(y.shape()[1]);
  full.push_back(y.shape()[2]);
  return reshape(y, full);
}

Tensor product(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  if (a.dim() <= 3) return mm(a, b, trans_a, trans_b);
  const Shape batch(a.shape().begin(), a.shape().end() - 2);
  return from_batch3(mm(to_batch3(a, batch), to_batch3(b, batch), trans_a, trans_b), batch);
}

}  // namespace autograd

using autograd::mm;

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  detail::CallScope call("matmul");
  if (a_in.dtype() == kInt64 || b_in.dtype() == kInt64)
    fail("matmul: int64 operands are not supported (", dtype_name(a_in.dtype()), " @ ", dtype_name(b_in.dtype()),
         "); convert with .to(xg::kFloat32)");
  if (a_in.dim() == 0 || b_in.dim() == 0)
    fail("matmul: ", detail::shape_str(a_in.shape()), " @ ", detail::shape_str(b_in.shape()),
         ": a 0-d operand has no matrix axes; multiply with mul or *");
  const Dtype dt = promote(a_in.dtype(), b_in.dtype());
  const Tensor a = a_in.to(dt), b = b_in.to(dt);
  const auto ra = a.dim(), rb = b.dim();
  const std::int64_t ka = a.shape()[ra - 1], kb = b.shape()[rb == 1 ? 0 : rb - 2];
  if (ka != kb)
    fail("matmul: ", detail::shape_str(a_in.shape()), " @ ", detail::shape_str(b_in.shape()), ": inner dimensions ",
         ka, " and ", kb, " differ");

  if (ra == 1 && rb == 1) return reshape(mm(reshape(a, {1, ka}), reshape(b, {kb, 1}), false, false), {});
  if (ra == 1 && rb == 2) return reshape(mm(reshape(a, {1, ka}), b, false, false), {b.shape()[1]});
  if (rb == 1 && ra == 2) return reshape(mm(a, reshape(b, {kb, 1}), false, false), {a.shape()[0]});
  if (rb <= 2) {
    // (..., n, k) @ (k, m) is one (prod(...) n, k) @ (k, m) product: no batch loop, no copy.
    Shape out(a.shape().begin(), a.shape().end() - 1);
    if (rb == 2) out.push_back(b.shape()[1]);
    // The rows spelled out: -1 cannot be inferred when k is 0 (the product is then zeros).
    const std::int64_t rows = shape_numel(Shape(a.shape().begin(), a.shape().end() - 1));
    const Tensor c = mm(reshape(a, {rows, ka}), rb == 1 ? reshape(b, {kb, 1}) : b, false, false);
    return reshape(c, out);
  }
  // numpy's rule: a 1-D left operand is a row that is removed again; the leading axes
  // broadcast, and broadcast_to's backward sums each operand's gradient back to its shape.
  const Tensor a2 = ra == 1 ? reshape(a, {1, ka}) : a;
  const Shape batch = autograd::batch_shape(a2, b, "matmul");
  Tensor c = autograd::from_batch3(mm(autograd::to_batch3(a2, batch), autograd::to_batch3(b, batch), false, false), batch);
  return ra == 1 ? squeeze(c, -2) : c;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  detail::CallScope call("bmm");
  if (a.dim() != 3 || b.dim() != 3 || a.shape()[0] != b.shape()[0] || a.shape()[2] != b.shape()[1])
    fail("bmm: ", detail::shape_str(a.shape()), " @ ", detail::shape_str(b.shape()),
         ": expected (B, n, k) @ (B, k, m) with equal B (matmul broadcasts)");
  return matmul(a, b);
}

Tensor linear(const Tensor& x_in, const Tensor& W_in, const Tensor& b_in) {
  detail::CallScope call("linear");
  const bool fusable = x_in.dim() == 2 && W_in.dim() == 2 && b_in.dim() == 1 && x_in.shape()[1] == W_in.shape()[0] &&
                       b_in.shape()[0] == W_in.shape()[1] && x_in.dtype() != kInt64 && W_in.dtype() != kInt64 &&
                       b_in.dtype() != kInt64;
  if (!fusable) return matmul(x_in, W_in) + b_in;
  const Dtype dt = promote(promote(x_in.dtype(), W_in.dtype()), b_in.dtype());
  const Tensor x = x_in.to(dt), W = W_in.to(dt), b = b_in.to(dt);
  return record("linear", {x, W, b}, kernel::linear(x, W, b), {x, W}, [](Node& n, const Tensor& gy) {
    const auto s = n.saved();
    // y = x W + b: dx = gy W^T, dW = x^T gy, db = sum of gy over the batch.
    return tensor_list{n.needs_input_grad(0) ? mm(gy, s[1], false, true) : Tensor(),
                       n.needs_input_grad(1) ? autograd::gradient_product(n, 1, s[0], gy, true, false) : Tensor(),
                       n.needs_input_grad(2) ? sum(gy, {0}) : Tensor()};
  });
}

Tensor linear_t(const Tensor& x_in, const Tensor& W_in, const Tensor& b_in) {
  detail::CallScope call("linear_t");
  if (x_in.dim() != 2 || W_in.dim() != 2 || x_in.shape()[1] != W_in.shape()[1] ||
      (b_in.defined() && (b_in.dim() != 1 || b_in.shape()[0] != W_in.shape()[0])))
    fail("linear_t: x ", detail::shape_str(x_in.shape()), " @ W^T ", detail::shape_str(W_in.shape()),
         b_in.defined() ? " + b " + detail::shape_str(b_in.shape()) : std::string(),
         ": expected x (N, in), W (out, in) and b (out)");
  if (x_in.dtype() == kInt64 || W_in.dtype() == kInt64 || (b_in.defined() && b_in.dtype() == kInt64))
    fail("linear_t: int64 operands are not supported; convert with .to(xg::kFloat32)");
  const Dtype dt = promote(promote(x_in.dtype(), W_in.dtype()), b_in.defined() ? b_in.dtype() : x_in.dtype());
  const Tensor x = x_in.to(dt), W = W_in.to(dt);
  if (!b_in.defined()) return mm(x, W, false, true);
  const Tensor b = b_in.to(dt);
  return record("linear_t", {x, W, b}, kernel::linear(x, W, b, true), {x, W}, [](Node& n, const Tensor& gy) {
    const auto s = n.saved();
    // y = x W^T + b: dx = gy W, dW = gy^T x, db = sum of gy over the batch.
    return tensor_list{n.needs_input_grad(0) ? mm(gy, s[1], false, false) : Tensor(),
                       n.needs_input_grad(1) ? autograd::gradient_product(n, 1, gy, s[0], true, false) : Tensor(),
                       n.needs_input_grad(2) ? sum(gy, {0}) : Tensor()};
  });
}

Tensor diagonal(const Tensor& x, std::int64_t offset, std::int64_t dim1, std::int64_t dim2) {
  detail::CallScope call("diagonal");
  const char* op = detail::call_or("diagonal");
  if (!x.defined() || x.dim() < 2)
    fail(op, ": expected a tensor of at least 2 axes, got ", x.defined() ? detail::shape_str(x.shape()) : "an undefined tensor");
  const auto d1 = detail::normalize_axis(dim1, x.dim(), op), d2 = detail::normalize_axis(dim2, x.dim(), op);
  if (d1 == d2) fail(op, ": dim1 and dim2 are both axis ", d1, " of ", detail::shape_str(x.shape()));
  // The two axes last, flattened, and the diagonal's positions picked: i·n2 + i + offset.
  Axes perm;
  for (std::int64_t a = 0; a < x.dim(); ++a)
    if (a != d1 && a != d2) perm.push_back(a);
  perm.push_back(d1), perm.push_back(d2);
  const std::int64_t n1 = x.shape()[d1], n2 = x.shape()[d2];
  const std::int64_t plane = detail::size_mul(n1, n2, op, "the two axes' size");  // bounds -offset·n2 below
  // Entries (i, i + offset): from (0, offset) or (-offset, 0), as many as both axes allow
  // (written so that no offset, INT64_MIN included, overflows).
  const std::int64_t length =
      std::max<std::int64_t>(0, offset >= 0 ? std::min(n1, n2 - offset) : std::min(n1 + offset, n2));
  const std::int64_t first = length == 0 ? 0 : offset >= 0 ? offset : -offset * n2;
  detail::checked_buffer(length, sizeof(double), op, "the diagonal's index");  // an empty x's may be long
  std::vector<double> at(static_cast<std::size_t>(length));
  for (std::int64_t i = 0; i < length; ++i) at[static_cast<std::size_t>(i)] = static_cast<double>(first + i * (n2 + 1));
  Shape rest;
  for (std::int64_t a : Axes(perm.begin(), perm.end() - 2)) rest.push_back(x.shape()[a]);
  rest.push_back(plane);
  const Tensor flattened = x.permute(perm).reshape(rest);
  Tensor out = index_select(flattened, -1, tensor(at, {length}, TensorOptions().dtype(kInt64).device(x.device())));
  autograd::mark_view(out, x, "diagonal", [offset, d1, d2](const Tensor& base) { return diagonal(base, offset, d1, d2); });
  return out;
}

Tensor trace(const Tensor& x) {
  detail::CallScope call("trace");
  if (!x.defined() || x.dim() != 2)
    fail("trace: expected a 2-D tensor, got ", x.defined() ? detail::shape_str(x.shape()) : "an undefined tensor");
  return diagonal(x).sum();
}

Tensor dot(const Tensor& a, const Tensor& b) {
  detail::CallScope call("dot");
  if (!a.defined() || !b.defined() || a.dim() != 1 || b.dim() != 1 || a.shape() != b.shape())
    fail("dot: expected two 1-D tensors of one length, got ", a.defined() ? detail::shape_str(a.shape()) : "undefined",
         " and ", b.defined() ? detail::shape_str(b.shape()) : "undefined");
  return matmul(a, b);
}

Tensor outer(const Tensor& a, const Tensor& b) {
  detail::CallScope call("outer");
  if (!a.defined() || !b.defined() || a.dim() != 1 || b.dim() != 1)
    fail("outer: expected two 1-D tensors, got ", a.defined() ? detail::shape_str(a.shape()) : "undefined", " and ",
         b.defined() ? detail::shape_str(b.shape()) : "undefined");
  return a.unsqueeze(1) * b.unsqueeze(0);
}

Tensor ger(const Tensor& a, const Tensor& b) {
  detail::CallScope call("ger");
  return outer(a, b);
}

Tensor vdot(const Tensor& a, const Tensor& b) {
  detail::CallScope call("vdot");  // real tensors: no conjugate
  return dot(a, b);
}

Tensor mv(const Tensor& m, const Tensor& v) {
  detail::CallScope call("mv");
  if (!m.defined() || !v.defined() || m.dim() != 2 || v.dim() != 1 || m.shape()[1] != v.shape()[0])
    fail("mv: expected a matrix (n, m) and a vector (m,), got ", m.defined() ? detail::shape_str(m.shape()) : "undefined",
         " and ", v.defined() ? detail::shape_str(v.shape()) : "undefined");
  return matmul(m, v);
}

Tensor inner(const Tensor& a, const Tensor& b) {
  detail::CallScope call("inner");
  if (!a.defined() || !b.defined()) fail("inner: an operand is undefined");
  if (a.dim() == 0 || b.dim() == 0) return a * b;  // a scalar scales the other, as PyTorch's
  if (a.shape().back() != b.shape().back())
    fail("inner: the last axes must match, got ", detail::shape_str(a.shape()), " and ", detail::shape_str(b.shape()));
  return tensordot(a, b, {a.dim() - 1}, {b.dim() - 1});
}

Tensor cdist(const Tensor& x1, const Tensor& x2, double p, const std::string& compute_mode) {
  detail::CallScope call("cdist");
  if (!x1.defined() || !x2.defined()) fail("cdist: an operand is undefined");
  if (!is_floating(x1.dtype()) || !is_floating(x2.dtype()))
    fail("cdist: only supports floating-point dtypes, got ", dtype_name(x1.dtype()), " and ", dtype_name(x2.dtype()));
  if (x1.dim() < 2 || x2.dim() < 2 || x1.shape().back() != x2.shape().back())
    fail("cdist: expected x1 (..., P, M) and x2 (..., R, M) with one M, got ", detail::shape_str(x1.shape()), " and ",
         detail::shape_str(x2.shape()));
  if (!(p >= 0)) fail("cdist: only supports non-negative p values, got ", p);
  const bool mm_always = compute_mode == "use_mm_for_euclid_dist";
  if (!mm_always && compute_mode != "use_mm_for_euclid_dist_if_necessary" && compute_mode != "donot_use_mm_for_euclid_dist")
    fail("cdist: compute_mode must be use_mm_for_euclid_dist_if_necessary, use_mm_for_euclid_dist or "
         "donot_use_mm_for_euclid_dist, got ", compute_mode);
  const std::int64_t P = x1.shape()[x1.shape().size() - 2], R = x2.shape()[x2.shape().size() - 2];
  const bool if_necessary = compute_mode == "use_mm_for_euclid_dist_if_necessary";
  if (p == 2 && (mm_always || (if_necessary && (P > 25 || R > 25)))) {
    // PyTorch's _euclidean_dist: |a|² - 2 a·b + |b|² as one product of augmented rows, clamped
    // at 1e-30 before the square root (so a zero distance has a finite gradient).
    const Tensor n1 = sum(x1 * x1, {-1}, true), n2 = sum(x2 * x2, {-1}, true);
    const Tensor a = concat({x1 * -2.0, n1, ones_like(n1)}, -1), b = concat({x2, ones_like(n2), n2}, -1);
    return sqrt(clamp_min(matmul(a, transpose(b, -1, -2)), 1e-30));
  }
  // Exactly: the p-norm of every pair's difference, (..., P, R, M) at once.
  return norm(unsqueeze(x1, -2) - unsqueeze(x2, -3), p, {-1});
}

}  // namespace xg
