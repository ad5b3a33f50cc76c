// Kernels that move data: permutes, broadcasts, concatenation, slicing and indexing.
#include <xgrad/detail/format.h>
#include <cstring>
#include <tuple>

#include "tensor/checked.h"
#include "tensor/cuda/kernels.h"
#include "tensor/kernels.h"
#include "tensor/pointwise_rules.h"
#include "tensor/strided.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

using detail::add_wrapping;  // int64 sums and products wrap, as PyTorch's (pointwise_rules.h)
using detail::contiguous_strides;
using detail::dispatch;
using detail::make_tensor;
using detail::mul_wrapping;
using detail::shape_str;

namespace {

// Copies the strided view (shape, strides over x's storage) into a fresh contiguous tensor.
Tensor gather_strided(const Tensor& x, const Shape& shape, const Shape& strides) {
  Tensor out = make_tensor(shape, x.dtype(), x.device());
  if (!x.device().is_cpu()) return detail::gpu::strided_copy(out, x, strides), out;
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    detail::for_each_run<2>(shape, {contiguous_strides(shape), strides}, [&](auto off, std::int64_t n, auto in) {
      T* o = po + off[0];
      const T* p = px + off[1];
      if (in[1] == 1)
        std::memcpy(o, p, static_cast<std::size_t>(n) * sizeof(T));
      else
        for (std::int64_t i = 0; i < n; ++i) o[i] = p[i * in[1]];
    });
  });
  return out;
}

// The index policy (docs/design.md): index tensors hold positions in [0, size); a negative
// one is an error, as in PyTorch's index_select and gather, never wrapped around.
[[noreturn, gnu::noinline, gnu::cold]] void index_out_of_range(std::int64_t v, std::int64_t size, const char* op,
                                                              std::int64_t axis, std::int64_t pos) {
  fail(op, ": index ", v, " at position ", pos, " is out of range for axis ", axis, " of size ", size,
       " (indices must lie in [0, ", size, ")", v < 0 ? "; negative indices do not count from the end" : "", ")");
}

// Inline, with the message out of line: it runs once per element of every gather and scatter
// (a call each cost a fifth of a scatter_reduce step).
inline std::int64_t checked_index(std::int64_t v, std::int64_t size, const char* op, std::int64_t axis, std::int64_t pos) {
  if (v < 0 || v >= size) index_out_of_range(v, size, op, axis, pos);
  return v;
}

void require_int64_index(const Tensor& index, const char* op) {
  if (index.dtype() != kInt64) fail(op, ": index tensor must be int64, got ", dtype_name(index.dtype()));
}

// On a GPU: the indices checked where they live, without waiting: the first bad one is
// reported with the CPU's message at the next wait (the kernels skip it meanwhile); true when
// the operation runs on a GPU. `op` is a string literal (kept until the report).
bool indices_on_gpu(const Tensor& x, const Tensor& index, std::int64_t size, const char* op, std::int64_t axis) {
  const Device device = detail::compute_device({{"input", x}, {"index", index}}, op);
  if (device.is_cpu()) return false;
  detail::gpu::check_range_later(
      index, size, [size, op, axis](std::int64_t pos, std::int64_t value) { checked_index(value, size, op, axis, pos); }, op);
  return true;
}

// Sizes of the axes before and after `axis`. (Callers std::tie them: C++17 lambdas cannot
// capture structured bindings, which only GCC accepts.)
std::pair<std::int64_t, std::int64_t> outer_inner(const Shape& shape, std::int64_t axis) {
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(shape.size()); ++i) {
    if (i < axis) outer *= shape[i];
    if (i > axis) inner *= shape[i];
  }
  return {outer, inner};
}

}  // namespace

Tensor permute(const Tensor& x, const Axes& perm) {
  const auto cs = contiguous_strides(x.shape());
  Shape shape(perm.size()), strides(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) {
    shape[i] = x.shape()[perm[i]];
    strides[i] = cs[perm[i]];
  }
  return gather_strided(x, shape, strides);
}

Tensor broadcast_to(const Tensor& x, const Shape& shape, const char* op) {
  if (shape.size() < x.shape().size() || detail::broadcast_shapes(x.shape(), shape, op) != shape)
    fail(op, ": cannot broadcast shape ", shape_str(x.shape()), " to ", shape_str(shape));
  return gather_strided(x, shape, detail::broadcast_strides(x.shape(), shape));
}

Tensor concat(const tensor_list& xs, std::int64_t axis) {
  Shape shape = xs.at(0).shape();
  shape[axis] = 0;
  for (const auto& t : xs) shape[axis] += t.shape()[axis];
  const Device device = xs[0].device();
  for (std::size_t i = 1; i < xs.size(); ++i)
    if (xs[i].device() != device)
      fail(detail::call_or("concat"), ": expected all tensors on one device, got ", device.str(), " (tensor 0) and ",
           xs[i].device().str(), " (tensor ", i, "); move one with .to(...)");
  Tensor out = make_tensor(shape, xs[0].dtype(), device);
  if (!device.is_cpu()) return detail::gpu::concat(out, xs, axis), out;
  std::int64_t outer, inner;
  std::tie(outer, inner) = outer_inner(shape, axis);
  const std::size_t esize = dtype_size(out.dtype());
  auto* po = static_cast<char*>(out.impl()->storage->host());
  for (std::int64_t o = 0; o < outer; ++o)
    for (const auto& t : xs) {
      const std::size_t bytes = static_cast<std::size_t>(t.shape()[axis] * inner) * esize;
      std::memcpy(po, static_cast<const char*>(t.impl()->storage->host()) + o * bytes, bytes);
      po += bytes;
    }
  return out;
}

Tensor narrow(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t len) {
  Shape shape = x.shape();
  shape[axis] = len;
  Tensor out = make_tensor(shape, x.dtype(), x.device());
  if (!x.device().is_cpu()) return detail::gpu::narrow(out, x, axis, start), out;
  std::int64_t outer, inner;
  std::tie(outer, inner) = outer_inner(x.shape(), axis);
  const std::size_t esize = dtype_size(x.dtype());
  const auto* px = static_cast<const char*>(x.impl()->storage->host());
  auto* po = static_cast<char*>(out.impl()->storage->host());
  const std::size_t row = static_cast<std::size_t>(len * inner) * esize;
  for (std::int64_t o = 0; o < outer; ++o)
    std::memcpy(po + o * row, px + (o * x.shape()[axis] + start) * inner * static_cast<std::int64_t>(esize), row);
  return out;
}

tensor_list split(const Tensor& x, std::int64_t axis, const std::vector<std::int64_t>& sizes) {
  tensor_list outs;
  outs.reserve(sizes.size());
  if (x.device().is_cpu()) {
    std::int64_t start = 0;
    for (const std::int64_t len : sizes) {
      outs.push_back(narrow(x, axis, start, len));
      start += len;
    }
    return outs;
  }
  for (const std::int64_t len : sizes) {
    Shape shape = x.shape();
    shape[static_cast<std::size_t>(axis)] = len;
    outs.push_back(make_tensor(shape, x.dtype(), x.device()));
  }
  detail::gpu::split(outs, x, axis);
  return outs;
}

Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index, const char* op) {
  require_int64_index(index, op);
  if (index.dim() != 1) fail(op, ": index must be 1-D, got shape ", shape_str(index.shape()));
  Shape shape = x.shape();
  const std::int64_t size = shape[axis];
  shape[axis] = index.numel();
  if (indices_on_gpu(x, index, size, op, axis)) {
    Tensor out = make_tensor(shape, x.dtype(), x.device());
    detail::gpu::index_select(out, x, axis, index);
    return out;
  }
  Tensor out = make_tensor(shape, x.dtype());
  std::int64_t outer, inner;
  std::tie(outer, inner) = outer_inner(x.shape(), axis);
  const std::size_t esize = dtype_size(x.dtype());
  const auto* idx = index.data<std::int64_t>();
  const auto* px = static_cast<const char*>(x.impl()->storage->host());
  auto* po = static_cast<char*>(out.impl()->storage->host());
  const std::size_t block = static_cast<std::size_t>(inner) * esize;
  const std::int64_t m = index.numel();
  for (std::int64_t j = 0; j < m; ++j) checked_index(idx[j], size, op, axis, j);
  // One element per index (the last axis: flip, roll, padding modes): a typed gather, not a
  // memcpy call per element (measured 50x slower on a (4, 64, 64, 64) float32 tensor).
  if (inner == 1) {
    dispatch(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* src = x.data<T>();
      T* dst = out.data<T>();
      for (std::int64_t o = 0; o < outer; ++o, src += size, dst += m)
        for (std::int64_t j = 0; j < m; ++j) dst[j] = src[idx[j]];
    });
  } else {
    for (std::int64_t o = 0; o < outer; ++o)
      for (std::int64_t j = 0; j < m; ++j)
        std::memcpy(po + (o * m + j) * block, px + (o * size + idx[j]) * block, block);
  }
  return out;
}

void check_indices(const Tensor& index, const Tensor& like, std::int64_t size, std::int64_t axis, const char* op) {
  require_int64_index(index, op);
  if (indices_on_gpu(like, index, size, op, axis)) return;
  const auto* idx = index.data<std::int64_t>();
  for (std::int64_t j = 0, m = index.numel(); j < m; ++j) checked_index(idx[j], size, op, axis, j);
}

Tensor wrap_indices(const Tensor& index, std::int64_t size, const char* op) {
  require_int64_index(index, op);
  const auto outside = [size, op](std::int64_t pos, std::int64_t v) {
    fail(op, ": index ", v, " at position ", pos, " is out of range for a tensor of ", size, " elements (indices must lie in [",
         -size, ", ", size, "))");
  };
  if (!index.device().is_cpu()) {  // shifted by size, checked against [0, 2 size), reported unshifted
    const Tensor shift = scalar_tensor(static_cast<double>(size), kInt64);
    const Tensor shifted = binary(Binary::Add, index, shift, op);
    detail::gpu::check_range_later(
        shifted, 2 * size, [size, outside](std::int64_t pos, std::int64_t v) { outside(pos, v - size); }, op);
    return binary(Binary::Add, index, binary(Binary::Mul, binary(Binary::Lt, index, scalar_tensor(0.0, kInt64), op), shift, op), op);
  }
  Tensor out = make_tensor(index.shape(), kInt64);
  const auto* in = index.data<std::int64_t>();
  auto* o = out.data<std::int64_t>();
  for (std::int64_t j = 0, m = index.numel(); j < m; ++j) {
    if (in[j] < -size || in[j] >= size) outside(j, in[j]);
    o[j] = in[j] < 0 ? in[j] + size : in[j];
  }
  return out;
}

Tensor index_add(const Shape& shape, std::int64_t axis, const Tensor& index, const Tensor& src) {
  Tensor out = zeros(shape, TensorOptions(src.dtype()).device(src.device()));
  const std::int64_t size = shape[axis];
  // On a GPU the indices are not checked again: an adjoint's indices are those its forward
  // checked (index_select) or made (max pooling), and checking would wait for the device.
  if (!detail::compute_device({{"source", src}, {"index", index}}, "index_add").is_cpu())
    return detail::gpu::index_add(out, axis, index, src), out;
  std::int64_t outer, inner;
  std::tie(outer, inner) = outer_inner(shape, axis);
  const auto* idx = index.data<std::int64_t>();
  const std::int64_t m = index.numel();
  for (std::int64_t j = 0; j < m; ++j) checked_index(idx[j], size, "index_add", axis, j);  // once, not per row
  dispatch(src.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* ps = src.data<T>();
    T* po = out.data<T>();
    if (inner == 1) {  // one element per index: no inner loop per element
      for (std::int64_t o = 0; o < outer; ++o, ps += m, po += size)
        for (std::int64_t j = 0; j < m; ++j) po[idx[j]] = add_wrapping(po[idx[j]], ps[j]);
      return;
    }
    for (std::int64_t o = 0; o < outer; ++o)
      for (std::int64_t j = 0; j < m; ++j) {
        T* d = po + (o * size + idx[j]) * inner;
        const T* s = ps + (o * m + j) * inner;
        for (std::int64_t i = 0; i < inner; ++i) d[i] = add_wrapping(d[i], s[i]);
      }
  });
  return out;
}

namespace {

// An index tensor's dtype, rank and extent against the target of gather or scatter_add.
void check_gather_shapes(const Shape& target, std::int64_t axis, const Tensor& index, const char* op) {
  require_int64_index(index, op);
  if (index.dim() != static_cast<std::int64_t>(target.size()))
    fail(op, ": index of shape ", shape_str(index.shape()), " must have the rank of the input ", shape_str(target));
  for (std::size_t d = 0; d < target.size(); ++d)
    if (static_cast<std::int64_t>(d) != axis && index.shape()[d] > target[d])
      fail(op, ": index shape ", shape_str(index.shape()), " exceeds input shape ", shape_str(target), " on axis ", d);
}

// Visits every element of `index` with the offset of the element of a tensor of `target`
// shape it addresses: f(index_position, target_offset).
template <class F>
void for_each_gathered(const Shape& target, std::int64_t axis, const Tensor& index, const char* op, F f) {
  check_gather_shapes(target, axis, index, op);
  Shape ts = contiguous_strides(target);
  const std::int64_t axis_stride = ts[axis];
  ts[axis] = 0;
  const auto* idx = index.data<std::int64_t>();
  detail::for_each_run<2>(index.shape(), {contiguous_strides(index.shape()), ts},
                          [&](auto off, std::int64_t n, auto in) {
                            for (std::int64_t i = 0; i < n; ++i) {
                              const std::int64_t p = off[0] + i * in[0];
                              const std::int64_t v = checked_index(idx[p], target[axis], op, axis, p);
                              f(p, off[1] + i * in[1] + v * axis_stride);
                            }
                          });
}

}  // namespace

Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index, const char* op) {
  if (!x.device().is_cpu() || !index.device().is_cpu()) {
    check_gather_shapes(x.shape(), axis, index, op);
    indices_on_gpu(x, index, x.shape()[axis], op, axis);
    Tensor out = make_tensor(index.shape(), x.dtype(), x.device());
    detail::gpu::gather(out, x, axis, index);
    return out;
  }
  Tensor out = make_tensor(index.shape(), x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    for_each_gathered(x.shape(), axis, index, op, [&](std::int64_t p, std::int64_t xo) { po[p] = px[xo]; });
  });
  return out;
}

Tensor scatter_add(const Shape& shape, std::int64_t axis, const Tensor& index, const Tensor& src) {
  Tensor out = zeros(shape, TensorOptions(src.dtype()).device(src.device()));
  if (!src.device().is_cpu() || !index.device().is_cpu()) {
    check_gather_shapes(shape, axis, index, "scatter_add");
    detail::compute_device({{"source", src}, {"index", index}}, "scatter_add");  // indices: as index_add's
    detail::gpu::scatter_add(out, axis, index, src);
    return out;
  }
  dispatch(src.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* ps = src.data<T>();
    T* po = out.data<T>();
    // A run of sources into one target (gather's backward after cummax, argmax, a repeated
    // index) adds in a register, stored when the target changes: the same additions in the
    // same order, without a store-to-load round trip per element (cummax's backward 2x).
    std::int64_t target = -1;
    T sum{};
    for_each_gathered(shape, axis, index, "scatter_add", [&](std::int64_t p, std::int64_t o) {
      if (o != target) {
        if (target >= 0) po[target] = sum;
        target = o;
        sum = po[o];
      }
      sum = add_wrapping(sum, ps[p]);
    });
    if (target >= 0) po[target] = sum;
  });
  return out;
}

Tensor scatter_reduce(Reduce kind, const Tensor& self, std::int64_t axis, const Tensor& index, const Tensor& src,
                      bool include_self) {
  const char* op = "scatter_reduce";
  Tensor out = copy(self);
  if (!src.device().is_cpu() || !index.device().is_cpu() || !self.device().is_cpu()) {
    check_gather_shapes(self.shape(), axis, index, op);
    detail::compute_device({{"self", self}, {"src", src}, {"index", index}}, op);
    detail::gpu::scatter_reduce(out, axis, index, src, kind, include_self);
    return out;
  }
  dispatch(src.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* ps = src.data<T>();
    T* po = out.data<T>();
    // Without self, each written target starts from the identity (PyTorch's order: 0 + s
    // turns a lone -0.0 into +0.0 there too).
    if (!include_self) {
      const T start = reduce_identity<T>(kind);
      for_each_gathered(self.shape(), axis, index, op, [&](std::int64_t, std::int64_t o) { po[o] = start; });
    }
    const auto is_nan = [](T v) { return v != v; };
    switch (kind) {
      case Reduce::Sum:
        for_each_gathered(self.shape(), axis, index, op, [&](std::int64_t p, std::int64_t o) { po[o] = add_wrapping(po[o], ps[p]); });
        break;
      case Reduce::Prod:
        for_each_gathered(self.shape(), axis, index, op, [&](std::int64_t p, std::int64_t o) { po[o] = mul_wrapping(po[o], ps[p]); });
        break;
      case Reduce::Max:
        for_each_gathered(self.shape(), axis, index, op, [&](std::int64_t p, std::int64_t o) {
          if (is_nan(ps[p]) || ps[p] > po[o]) po[o] = ps[p];
        });
        break;
      case Reduce::Min:
        for_each_gathered(self.shape(), axis, index, op, [&](std::int64_t p, std::int64_t o) {
          if (is_nan(ps[p]) || ps[p] < po[o]) po[o] = ps[p];
        });
        break;
    }
  });
  return out;
}

void check_labels(const Tensor& labels, std::int64_t num_classes, const char* op, const char* what) {
  if (labels.dtype() != kInt64)
    fail(op, ": ", what, "s must be int64, got ", dtype_name(labels.dtype()), " of shape ", shape_str(labels.shape()),
         ". xg::tensor({1, 2, 3}) makes float32: write xg::tensor({1, 2, 3}, xg::kInt64), or convert with .to(xg::kInt64)");
  const auto outside = [num_classes, op, what](std::int64_t i, std::int64_t v) {
    fail(op, ": ", what, " ", v, " at position ", i, " is outside [0, ", num_classes, ")",
         v < 0 ? " (negative values do not count from the end)" : "");
  };
  if (!labels.device().is_cpu()) {  // checked on the device; a bad label reported at the next wait
    detail::gpu::check_range_later(labels, num_classes, outside, op);
    return;
  }
  const auto* pl = labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    if (pl[i] < 0 || pl[i] >= num_classes) outside(i, pl[i]);
}

void check_labels_ignoring(const Tensor& labels, std::int64_t num_classes, std::int64_t ignore_index, const char* op) {
  if (labels.dtype() != kInt64) return check_labels(labels, num_classes, op);  // its dtype message
  const auto outside = [num_classes, ignore_index, op](std::int64_t i, std::int64_t v) {
    fail(op, ": label ", v, " at position ", i, " is outside [0, ", num_classes, ")",
         v < 0 ? detail::cat(" and is not the ignore_index (", ignore_index, ")") : std::string());
  };
  if (!labels.device().is_cpu()) {  // the ignored ones made 0 (always in range), the rest checked there
    const Tensor ignore = scalar_tensor(static_cast<double>(ignore_index), kInt64);
    const Tensor kept = where(binary(Binary::Eq, labels, ignore, op), scalar_tensor(0.0, kInt64), labels);
    detail::gpu::check_range_later(kept, num_classes, outside, op);
    return;
  }
  const auto* pl = labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    if (pl[i] != ignore_index && (pl[i] < 0 || pl[i] >= num_classes)) outside(i, pl[i]);
}

Tensor one_hot(const Tensor& labels, std::int64_t num_classes) {
  if (num_classes <= 0) fail("one_hot: num_classes must be positive, got ", num_classes);
  check_labels(labels, num_classes, "one_hot");
  Shape shape = labels.shape();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, TensorOptions(kFloat32).device(labels.device()));
  if (!labels.device().is_cpu()) return detail::gpu::one_hot(out, labels, num_classes), out;
  const auto* pl = labels.data<std::int64_t>();
  float* po = out.data<float>();
  for (std::int64_t i = 0; i < labels.numel(); ++i) po[i * num_classes + pl[i]] = 1.0f;
  return out;
}

}  // namespace xg::kernel
