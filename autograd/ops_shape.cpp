// Operations that rearrange data: reshape (a view on the same storage), permutes,
// broadcasting and its adjoint sum_to, concatenation and splitting.
#include <xgrad/detail/format.h>
#include <algorithm>
#include <numeric>

#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "autograd/recurrent_steps.h"
#include "autograd/views.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/strided.h"

namespace xg {

using autograd::Node;
using autograd::record;

Tensor reshape(const Tensor& x, const Shape& shape_in) {
  detail::CallScope call("reshape");
  Shape shape = shape_in;
  std::int64_t known = 1, infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) fail("reshape: only one dimension can be -1, got ", detail::shape_str(shape_in));
      infer = static_cast<std::int64_t>(i);
    } else if (shape[i] < 0) {
      fail("reshape: invalid dimension ", shape[i], " in ", detail::shape_str(shape_in));
    } else if (!detail::checked_mul(known, shape[i], &known)) {
      fail("reshape: shape ", detail::shape_str(shape_in), " has more elements than fit in int64");
    }
  }
  if (infer >= 0 && known != 0 && x.numel() % known == 0) shape[infer] = x.numel() / known;
  if ((infer >= 0 && shape[infer] < 0) || detail::checked_numel(shape, "reshape") != x.numel())
    fail("reshape: cannot reshape ", detail::shape_str(x.shape()), " (", x.numel(), " elements) into ",
         detail::shape_str(shape_in));
  if (shape == x.shape()) return x;
  return record("reshape", {x}, detail::alias(x, shape), {},
                [](Node& n, const Tensor& gy) { return tensor_list{reshape(gy, n.input_meta(0).shape)}; });
}

Tensor flatten(const Tensor& x, std::int64_t start_dim, std::int64_t end_dim) {
  detail::CallScope call("flatten");
  if (x.dim() == 0) return reshape(x, {1});
  const auto s = detail::normalize_axis(start_dim, x.dim(), "flatten");
  const auto e = detail::normalize_axis(end_dim, x.dim(), "flatten");
  if (s > e) fail("flatten: start_dim ", start_dim, " comes after end_dim ", end_dim);
  Shape shape(x.shape().begin(), x.shape().begin() + s);
  shape.push_back(std::accumulate(x.shape().begin() + s, x.shape().begin() + e + 1, std::int64_t{1},
                                  std::multiplies<>()));
  shape.insert(shape.end(), x.shape().begin() + e + 1, x.shape().end());
  return reshape(x, shape);
}

Tensor unflatten(const Tensor& x, std::int64_t dim, const Shape& sizes) {
  detail::CallScope call("unflatten");
  if (x.dim() == 0) fail("unflatten: a 0-d tensor has no dimension to unflatten");
  const auto d = detail::normalize_axis(dim, x.dim(), "unflatten");
  if (sizes.empty()) fail("unflatten: sizes must not be empty");
  std::int64_t known = 1, infer = -1;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1 && infer < 0) infer = static_cast<std::int64_t>(i);
    else if (sizes[i] < 0) fail("unflatten: sizes ", detail::shape_str(sizes), " may hold one -1 and otherwise sizes >= 0");
    else known = detail::size_mul(known, sizes[i], "unflatten", "the sizes' product");
  }
  const std::int64_t n = x.shape()[d];
  Shape inner = sizes;
  if (infer >= 0) {
    if (known == 0 || n % known != 0)
      fail("unflatten: sizes ", detail::shape_str(sizes), " cannot make dimension ", d, " of size ", n, " in ",
           detail::shape_str(x.shape()));
    inner[static_cast<std::size_t>(infer)] = n / known;
  } else if (known != n) {
    fail("unflatten: sizes ", detail::shape_str(sizes), " don't multiply up to the size of dimension ", d, " (", n,
         ") in ", detail::shape_str(x.shape()));
  }
  Shape shape(x.shape().begin(), x.shape().begin() + d);
  shape.insert(shape.end(), inner.begin(), inner.end());
  shape.insert(shape.end(), x.shape().begin() + d + 1, x.shape().end());
  return reshape(x, shape);
}

namespace {
// (*, C·r², H, W) <-> (*, C, H·r, W·r): the r×r sub-pixels of each channel group move into
// space (shuffle) or out of it (unshuffle), by one reshape, one permute and one reshape.
Tensor shuffle_pixels(const Tensor& x, std::int64_t r, bool up, const char* op) {
  if (x.dim() < 3) fail(op, ": expected an input (*, C, H, W) of at least 3 axes, got ", detail::shape_str(x.shape()));
  if (r <= 0) fail(op, ": expected a positive ", up ? "upscale" : "downscale", "_factor, got ", r);
  const std::int64_t k = x.dim() - 3, C = x.shape()[k], H = x.shape()[k + 1], W = x.shape()[k + 2];
  const Shape lead(x.shape().begin(), x.shape().begin() + k);
  const auto with = [&lead](std::initializer_list<std::int64_t> tail) {
    Shape s = lead;
    s.insert(s.end(), tail.begin(), tail.end());
    return s;
  };
  Axes perm;
  for (std::int64_t a = 0; a < k; ++a) perm.push_back(a);
  if (up) {
    const std::int64_t rr = detail::size_mul(r, r, op, "the factor's square");
    if (C % rr != 0)
      fail(op, ": expects its input's channel dimension to be divisible by the square of upscale_factor, but ",
           detail::shape_str(x.shape()), " has ", C, " channels and upscale_factor is ", r);
    for (std::int64_t a : {0, 3, 1, 4, 2}) perm.push_back(k + a);  // (C, r, r, H, W) -> (C, H, r, W, r)
    const std::int64_t Hr = detail::size_mul(H, r, op, "the height"), Wr = detail::size_mul(W, r, op, "the width");
    return x.reshape(with({C / rr, r, r, H, W})).permute(perm).reshape(with({C / rr, Hr, Wr}));
  }
  if (H % r != 0 || W % r != 0)
    fail(op, ": expects height and width to be divisible by downscale_factor ", r, ", got ", detail::shape_str(x.shape()));
  const std::int64_t channels = detail::size_mul(C, detail::size_mul(r, r, op, "the factor's square"), op, "the channels");
  for (std::int64_t a : {0, 2, 4, 1, 3}) perm.push_back(k + a);  // (C, H/r, r, W/r, r) -> (C, r, r, H/r, W/r)
  return x.reshape(with({C, H / r, r, W / r, r})).permute(perm).reshape(with({channels, H / r, W / r}));
}
}  // namespace

Tensor pixel_shuffle(const Tensor& x, std::int64_t upscale_factor) {
  detail::CallScope call("pixel_shuffle");
  return shuffle_pixels(x, upscale_factor, true, "pixel_shuffle");
}

Tensor pixel_unshuffle(const Tensor& x, std::int64_t downscale_factor) {
  detail::CallScope call("pixel_unshuffle");
  return shuffle_pixels(x, downscale_factor, false, "pixel_unshuffle");
}

Tensor squeeze(const Tensor& x, std::int64_t axis) {
  detail::CallScope call("squeeze");
  const auto a = detail::normalize_axis(axis, x.dim(), "squeeze");
  if (x.dim() == 0) return x;
  if (x.shape()[a] != 1)
    fail("squeeze: axis ", axis, " of shape ", detail::shape_str(x.shape()), " has size ", x.shape()[a], ", not 1");
  Shape shape = x.shape();
  shape.erase(shape.begin() + a);
  return reshape(x, shape);
}

Tensor unsqueeze(const Tensor& x, std::int64_t axis) {
  detail::CallScope call("unsqueeze");
  const auto a = detail::normalize_axis(axis, x.dim() + 1, "unsqueeze");
  Shape shape = x.shape();
  shape.insert(shape.begin() + a, 1);
  return reshape(x, shape);
}

Tensor permute(const Tensor& x, const Axes& perm_in) {
  detail::CallScope call("permute");
  const std::int64_t nd = x.dim();
  if (static_cast<std::int64_t>(perm_in.size()) != nd)
    fail("permute: ", detail::shape_str(perm_in), " does not permute the ", nd, " axes of ", detail::shape_str(x.shape()));
  Axes perm(perm_in.size()), inverse(perm_in.size(), -1);
  for (std::size_t i = 0; i < perm.size(); ++i) {
    perm[i] = detail::normalize_axis(perm_in[i], nd, "permute");
    if (inverse[perm[i]] >= 0) fail("permute: axis ", perm_in[i], " repeated in ", detail::shape_str(perm_in));
    inverse[perm[i]] = static_cast<std::int64_t>(i);
  }
  bool identity = true;
  for (std::size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == static_cast<std::int64_t>(i);
  if (identity) return x;
  Tensor out = record("permute", {x}, kernel::permute(x, perm), {},
                      [inverse](Node&, const Tensor& gy) { return tensor_list{permute(gy, inverse)}; });
  autograd::mark_view(out, x, "permute", [perm](const Tensor& base) { return permute(base, perm); });
  return out;
}

Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1) {
  detail::CallScope call("transpose");
  Axes perm(static_cast<std::size_t>(x.dim()));
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm.at(detail::normalize_axis(dim0, x.dim(), "transpose")),
            perm.at(detail::normalize_axis(dim1, x.dim(), "transpose")));
  return permute(x, perm);
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  detail::CallScope call("broadcast_to");
  if (x.shape() == shape) return x;
  return record("broadcast_to", {x}, kernel::broadcast_to(x, shape, "broadcast_to"), {},
                [](Node& n, const Tensor& gy) { return tensor_list{sum_to(gy, n.input_meta(0).shape)}; });
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  detail::CallScope call("sum_to");
  if (x.shape() == shape) return x;
  const auto nd = static_cast<std::int64_t>(x.dim()), lead = nd - static_cast<std::int64_t>(shape.size());
  bool ok = lead >= 0;
  Axes axes;
  for (std::int64_t i = 0; ok && i < nd; ++i) {
    if (i < lead) {
      axes.push_back(i);
    } else if (shape[i - lead] == 1 && x.shape()[i] != 1) {
      axes.push_back(i);
    } else {
      ok = shape[i - lead] == x.shape()[i];
    }
  }
  if (!ok) fail("sum_to: cannot sum shape ", detail::shape_str(x.shape()), " down to ", detail::shape_str(shape));
  return reshape(sum(x, axes, true), shape);
}

Tensor concat(const tensor_list& xs_in, std::int64_t axis) {
  detail::CallScope call("concat");
  if (xs_in.empty()) fail("concat: no tensors given");
  const std::int64_t nd = xs_in[0].dim();
  if (nd == 0) fail("concat: 0-d tensors cannot be concatenated (use stack)");
  const auto a = detail::normalize_axis(axis, nd, "concat");
  Dtype dt = xs_in[0].dtype();
  for (const auto& x : xs_in) dt = promote(dt, x.dtype());
  tensor_list xs;
  std::vector<std::int64_t> sizes;
  for (std::size_t i = 0; i < xs_in.size(); ++i) {
    const auto& x = xs_in[i];
    bool same = x.dim() == nd;
    for (std::int64_t d = 0; same && d < nd; ++d) same = d == a || x.shape()[d] == xs_in[0].shape()[d];
    if (!same)
      fail("concat: tensor ", i, " of shape ", detail::shape_str(x.shape()), " does not match ",
           detail::shape_str(xs_in[0].shape()), " outside axis ", a);
    xs.push_back(x.to(dt));
    sizes.push_back(x.shape()[a]);
  }
  return record("concat", xs, kernel::concat(xs, a), {},
                [sizes, a](Node&, const Tensor& gy) { return split(gy, sizes, a); });
}

Tensor stack(const tensor_list& xs, std::int64_t axis) {
  detail::CallScope call("stack");
  if (xs.empty()) fail("stack: no tensors given");
  const auto a = detail::normalize_axis(axis, xs[0].dim() + 1, "stack");
  tensor_list expanded;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].shape() != xs[0].shape())
      fail("stack: tensor ", i, " of shape ", detail::shape_str(xs[i].shape()), " differs from ",
           detail::shape_str(xs[0].shape()));
    expanded.push_back(unsqueeze(xs[i], a));
  }
  return concat(expanded, a);
}

tensor_list split(const Tensor& x, const std::vector<std::int64_t>& sizes, std::int64_t axis) {
  detail::CallScope call("split");
  if (x.dim() == 0) fail("split: a 0-d tensor cannot be split");
  const auto a = detail::normalize_axis(axis, x.dim(), "split");
  std::int64_t total = 0;
  for (auto s : sizes) {
    if (s < 0) fail("split: negative size in ", detail::shape_str(sizes));
    total = detail::size_add(total, s, "split", "the sum of the sizes");
  }
  if (total != x.shape()[a])
    fail("split: sizes ", detail::shape_str(sizes), " add up to ", total, ", but axis ", a, " of ",
         detail::shape_str(x.shape()), " has size ", x.shape()[a]);
  tensor_list out = record("split", {x}, kernel::split(x, a, sizes), {},
                           [a](Node&, const tensor_list& gys) { return tensor_list{concat(gys, a)}; });
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::int64_t start = offset, length = sizes[i];
    autograd::mark_view(out[i], x, "split",
                        [a, start, length](const Tensor& base) { return narrow(base, a, start, length); });
    offset += length;
  }
  return out;
}

namespace {
// What one piece of a split costs beside its values: its handle, metadata and storage record,
// its slot in the node and in backward's gradient list. Measured under the fuzzer at several
// hundred bytes; bounded generously, so that splitting an empty axis into millions of pieces
// is refused before it is made, not after it has taken gigabytes.
constexpr std::size_t kBytesPerPiece = 1024;
}  // namespace

tensor_list chunk(const Tensor& x, std::int64_t chunks, std::int64_t axis) {
  detail::CallScope call("chunk");
  if (x.dim() == 0) fail("chunk: a 0-d tensor cannot be split");
  const auto a = detail::normalize_axis(axis, x.dim(), "chunk");
  if (chunks <= 0 || x.shape()[a] % chunks != 0)
    fail("chunk: axis ", a, " of size ", x.shape()[a], " does not divide into ", chunks, " equal pieces");
  // An empty axis divides into any number of empty pieces: the list itself is bounded first.
  detail::checked_buffer(chunks, kBytesPerPiece, "chunk", "pieces");
  return split(x, std::vector<std::int64_t>(static_cast<std::size_t>(chunks), x.shape()[a] / chunks), a);
}

tensor_list unbind(const Tensor& x, std::int64_t dim) {
  detail::CallScope call("unbind");
  if (x.dim() == 0) fail("unbind: a 0-d tensor has no axis to unbind");
  const auto a = detail::normalize_axis(dim, x.dim(), "unbind");
  if (x.shape()[a] == 0) return {};
  detail::checked_buffer(x.shape()[a], kBytesPerPiece, "unbind", "pieces");  // (n, 0) has n empty pieces
  tensor_list out = split(x, std::vector<std::int64_t>(static_cast<std::size_t>(x.shape()[a]), 1), a);
  for (auto& t : out) t = squeeze(t, a);
  return out;
}

namespace steps {

tensor_list time_steps(const Tensor& x) {
  detail::CallScope call("unbind");
  if (x.dim() == 0) fail("unbind: a 0-d tensor has no axis to unbind");
  tensor_list out;
  out.reserve(static_cast<std::size_t>(x.shape()[0]));
  for (std::int64_t t = 0; t < x.shape()[0]; ++t) out.push_back(detail::rows_view(x, t, 1, true));
  // unbind's gradient: the steps' gradients stacked (differentiable, for higher orders).
  return record("unbind", {x}, std::move(out), {}, [](Node&, const tensor_list& gys) { return tensor_list{stack(gys, 0)}; });
}

}  // namespace steps

namespace {

// A contiguous range: one copy (no index tensor to make, so nothing to send to a GPU); its
// gradient is gy between zeros, by concatenation (differentiable, for higher orders).
Tensor slice_range(const Tensor& x, std::int64_t a, std::int64_t b, std::int64_t e) {
  const std::int64_t n = x.shape()[a];
  return record("slice", {x}, kernel::narrow(x, a, b, e - b), {}, [a, b, e, n](Node&, const Tensor& gy) {
    tensor_list parts;
    const auto zeros_along = [&](std::int64_t len) {
      Shape s = gy.shape();
      s[static_cast<std::size_t>(a)] = len;
      return zeros(s, TensorOptions(gy.dtype()).device(gy.device()));
    };
    if (b > 0) parts.push_back(zeros_along(b));
    parts.push_back(gy);
    if (e < n) parts.push_back(zeros_along(n - e));
    return tensor_list{parts.size() == 1 ? gy : concat(parts, a)};
  });
}

}  // namespace

Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step) {
  detail::CallScope call("slice");
  if (x.dim() == 0) fail("slice: a 0-d tensor has no axis to slice");
  const auto a = detail::normalize_axis(dim, x.dim(), "slice");
  if (step <= 0) fail("slice: step must be positive, got ", step);
  const std::int64_t n = x.shape()[a];
  // Python's slice rules (as libtorch's): negative counts from the end, out of range clamps.
  auto clamp_index = [n](std::int64_t i) { return std::clamp(i < 0 ? (i < -n ? 0 : i + n) : i, std::int64_t{0}, n); };
  const std::int64_t b = clamp_index(start), e = std::max(clamp_index(end), b);
  if (b == 0 && e == n && step == 1) return x;
  // A step's positions are made where x lives.
  const auto positions = [&] {
    return arange(static_cast<double>(b), static_cast<double>(e), static_cast<double>(step),
                  TensorOptions(kInt64).device(x.device()));
  };
  Tensor out = step != 1 ? index_select(x, a, positions()) : slice_range(x, a, b, e);
  autograd::mark_view(out, x, "slice", [a, b, e, step](const Tensor& base) { return slice(base, a, b, e, step); });
  return out;
}

Tensor narrow(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length) {
  detail::CallScope call("narrow");
  if (x.dim() == 0) fail("narrow: a 0-d tensor has no axis to narrow");
  const auto a = detail::normalize_axis(dim, x.dim(), "narrow");
  const std::int64_t n = x.shape()[a];
  const std::int64_t s = start < 0 ? start + n : start;
  if (s < 0 || s > n || length < 0 || length > n - s)
    fail("narrow: start ", start, " and length ", length, " do not fit axis ", a, " of size ", n, " in ",
         detail::shape_str(x.shape()));
  return slice(x, a, s, s + length);
}

Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index) {
  detail::CallScope call("select");
  const char* op = detail::call_or("select");  // x.index({i}) names itself
  if (x.dim() == 0) fail(op, ": a 0-d tensor has no axis to select from");
  const auto a = detail::normalize_axis(dim, x.dim(), op);
  const std::int64_t n = x.shape()[a];
  if (index < -n || index >= n)
    fail(op, ": index ", index, " is out of range for axis ", a, " of size ", n, " in ", detail::shape_str(x.shape()));
  const std::int64_t i = index < 0 ? index + n : index;
  Tensor out = squeeze(slice_range(x, a, i, i + 1), a);  // marked once, as select's view
  autograd::mark_view(out, x, "select", [a, i](const Tensor& base) { return select(base, a, i); });
  return out;
}

}  // namespace xg
