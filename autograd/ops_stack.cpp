// numpy's stacking and shaping conveniences as libtorch has them (hstack, vstack, dstack,
// column_stack, atleast_1d/2d/3d, ravel, fliplr, flipud, msort) and the diagonal builders
// (diag_embed, diagflat): checks that name the user's call, then concat, reshape, flip, sort
// and where, so gradients of every order and both devices come with them.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include <cstdlib>

#include "tensor/checked.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace {

std::string shape_of(const Tensor& t) { return t.defined() ? detail::shape_str(t.shape()) : "undefined"; }

void require_tensors(const tensor_list& ts, const char* op) {
  if (ts.empty()) fail(op, ": expects a non-empty list of tensors");
  for (std::size_t i = 0; i < ts.size(); ++i)
    if (!ts[i].defined()) fail(op, ": tensor ", i, " is undefined");
}

template <class F>
tensor_list each(const tensor_list& ts, F f) {
  tensor_list out;
  for (const auto& t : ts) out.push_back(f(t));
  return out;
}

// concat along axis, the shapes checked first so the message names the user's call.
Tensor joined(const tensor_list& ts, std::int64_t axis, const char* op) {
  for (std::size_t i = 1; i < ts.size(); ++i) {
    bool same = ts[i].dim() == ts[0].dim();
    for (std::int64_t d = 0; same && d < ts[0].dim(); ++d) same = d == axis || ts[i].shape()[d] == ts[0].shape()[d];
    if (!same)
      fail(op, ": tensor ", i, " (", shape_of(ts[i]), " as stacked) does not match tensor 0 (", shape_of(ts[0]),
           ") outside axis ", axis);
  }
  return concat(ts, axis);
}

}  // namespace

Tensor atleast_1d(const Tensor& x) {
  if (!x.defined()) fail("atleast_1d: the input is undefined");
  return x.dim() == 0 ? x.reshape({1}) : x;
}

Tensor atleast_2d(const Tensor& x) {
  if (!x.defined()) fail("atleast_2d: the input is undefined");
  if (x.dim() >= 2) return x;
  return x.reshape({1, x.numel()});
}

Tensor atleast_3d(const Tensor& x) {
  if (!x.defined()) fail("atleast_3d: the input is undefined");
  switch (x.dim()) {
    case 0: return x.reshape({1, 1, 1});
    case 1: return x.reshape({1, x.numel(), 1});  // numpy's: the row as the middle axis
    case 2: return x.unsqueeze(2);
    default: return x;
  }
}

Tensor hstack(const tensor_list& tensors) {
  detail::CallScope call("hstack");
  require_tensors(tensors, "hstack");
  const tensor_list ts = each(tensors, atleast_1d);
  return joined(ts, ts[0].dim() == 1 ? 0 : 1, "hstack");
}

Tensor vstack(const tensor_list& tensors) {
  detail::CallScope call("vstack");
  require_tensors(tensors, "vstack");
  return joined(each(tensors, atleast_2d), 0, "vstack");
}

Tensor dstack(const tensor_list& tensors) {
  detail::CallScope call("dstack");
  require_tensors(tensors, "dstack");
  return joined(each(tensors, atleast_3d), 2, "dstack");
}

Tensor column_stack(const tensor_list& tensors) {
  detail::CallScope call("column_stack");
  require_tensors(tensors, "column_stack");
  return joined(each(tensors, [](const Tensor& t) { return t.dim() <= 1 ? t.reshape({t.numel(), 1}) : t; }), 1,
                "column_stack");
}

Tensor ravel(const Tensor& x) {
  if (!x.defined()) fail("ravel: the input is undefined");
  return x.reshape({x.numel()});
}

Tensor fliplr(const Tensor& x) {
  if (!x.defined() || x.dim() < 2) fail("fliplr: expects a tensor of at least 2 dimensions, got ", shape_of(x));
  return flip(x, {1});
}

Tensor flipud(const Tensor& x) {
  if (!x.defined() || x.dim() < 1) fail("flipud: expects a tensor of at least 1 dimension, got ", shape_of(x));
  return flip(x, {0});
}

Tensor msort(const Tensor& x) {
  if (!x.defined() || x.dim() < 1) fail("msort: expects a tensor of at least 1 dimension, got ", shape_of(x));
  return std::get<0>(sort(x, 0));
}

Tensor diag_embed(const Tensor& x, std::int64_t offset, std::int64_t dim1, std::int64_t dim2) {
  detail::CallScope call("diag_embed");
  if (!x.defined()) fail("diag_embed: the input is undefined");
  if (x.dim() == 0) fail("diag_embed: expects a tensor of at least 1 dimension, got a 0-d one");
  const std::int64_t rank = x.dim() + 1;
  const auto d1 = detail::normalize_axis(dim1, rank, "diag_embed"), d2 = detail::normalize_axis(dim2, rank, "diag_embed");
  if (d1 == d2) fail("diag_embed: dim1 and dim2 must differ, got ", dim1, " and ", dim2);
  const std::int64_t k = std::llabs(offset);
  const std::int64_t n = detail::size_add(x.shape().back(), k, "diag_embed", "the matrix size");
  detail::checked_buffer(detail::size_mul(detail::size_mul(x.numel() / std::max<std::int64_t>(x.shape().back(), 1), n,
                                                           "diag_embed", "the result"),
                                          n, "diag_embed", "the result"),
                         dtype_size(x.dtype()), "diag_embed", "the result");
  // Entry (i, j) of each matrix is v[i] on the diagonal j - i = offset (v[j] below the main
  // one), v the last axis padded with |offset| zeros: a where, so other entries are exact 0s.
  std::vector<std::int64_t> pads{0, k};
  const Tensor v = k ? pad(x, pads) : x;
  const TensorOptions ints = TensorOptions(kInt64).device(x.device());
  const Tensor i = arange(0.0, static_cast<double>(n), 1.0, ints).unsqueeze(1), j = arange(0.0, static_cast<double>(n), 1.0, ints).unsqueeze(0);
  const Tensor on = (j - i) == static_cast<double>(offset);
  const Tensor values = offset >= 0 ? v.unsqueeze(-1) : v.unsqueeze(-2);
  const Tensor out = where(on, values, zeros({}, TensorOptions(x.dtype()).device(x.device())));
  // The matrices' axes are the last two; move them to dim1 and dim2.
  return movedim(out, {rank - 2, rank - 1}, {d1, d2});
}

Tensor diagflat(const Tensor& x, std::int64_t offset) {
  detail::CallScope call("diagflat");
  if (!x.defined()) fail("diagflat: the input is undefined");
  return diag_embed(x.reshape({x.numel()}), offset);
}

Tensor diag(const Tensor& x, std::int64_t diagonal_offset) {
  detail::CallScope call("diag");
  if (!x.defined() || (x.dim() != 1 && x.dim() != 2))
    fail("diag: expected a vector (1-D, for a matrix) or a matrix (2-D, for its diagonal), got ",
         x.defined() ? detail::shape_str(x.shape()) : "an undefined tensor");
  return x.dim() == 1 ? diag_embed(x, diagonal_offset) : diagonal(x, diagonal_offset);
}

}  // namespace xg
