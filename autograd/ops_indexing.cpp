// libtorch's indexing API (xgrad/indexing.h): an index list is a composition of select,
// slice, unsqueeze and index_select, so it is differentiable to any order on both devices.
// index_put_ finds the positions it writes by indexing a tensor of flat positions with the
// same list, then writes through copy_ (its in-place rules and version counting).
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include <cstring>

#include "autograd/inplace.h"
#include "tensor/checked.h"

namespace xg {

namespace indexing {

TensorIndex::TensorIndex(const char* text) : kind_(Kind::Ellipsis) {
  if (!text || std::strcmp(text, "...") != 0)
    fail("index: the only string an index takes is \"...\" (the Ellipsis), got \"", text ? text : "(null)", "\"");
}
TensorIndex::TensorIndex(const Tensor& tensor) : kind_(Kind::Tensor), tensor_(new Tensor(tensor)) {}
TensorIndex::TensorIndex(const TensorIndex& other)
    : kind_(other.kind_), integer_(other.integer_), slice_(other.slice_),
      tensor_(other.tensor_ ? new Tensor(*other.tensor_) : nullptr) {}
TensorIndex& TensorIndex::operator=(const TensorIndex& other) {
  if (this == &other) return *this;
  Tensor* copy = other.tensor_ ? new Tensor(*other.tensor_) : nullptr;
  delete tensor_;
  kind_ = other.kind_, integer_ = other.integer_, slice_ = other.slice_, tensor_ = copy;
  return *this;
}
TensorIndex::~TensorIndex() { delete tensor_; }
const Tensor& TensorIndex::tensor() const {
  static const Tensor undefined;
  return tensor_ ? *tensor_ : undefined;
}

}  // namespace indexing

namespace {

using indexing::TensorIndex;
using Kind = TensorIndex::Kind;

std::string describe(const std::vector<TensorIndex>& indices) {
  std::string s = "{";
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const TensorIndex& t = indices[i];
    if (i) s += ", ";
    switch (t.kind()) {
      case Kind::Integer: s += std::to_string(t.integer()); break;
      case Kind::None: s += "None"; break;
      case Kind::Ellipsis: s += "..."; break;
      case Kind::Tensor: s += "tensor" + detail::shape_str(t.tensor().shape()); break;
      case Kind::Slice: {
        const auto& sl = t.slice();
        const auto part = [](const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : std::string(); };
        s += "Slice(" + part(sl.start) + ":" + part(sl.stop) + (sl.step ? ":" + std::to_string(*sl.step) : "") + ")";
        break;
      }
    }
  }
  return s + "}";
}

Tensor apply(const Tensor& x, const std::vector<TensorIndex>& indices, const char* op) {
  if (!x.defined()) fail(op, ": the tensor is undefined");
  std::int64_t consumed = 0, ellipses = 0, tensors = 0;
  for (const auto& t : indices) {
    consumed += t.kind() == Kind::Integer || t.kind() == Kind::Slice || t.kind() == Kind::Tensor;
    ellipses += t.kind() == Kind::Ellipsis;
    tensors += t.kind() == Kind::Tensor;
  }
  if (ellipses > 1) fail(op, ": an index can only have a single ellipsis, got ", describe(indices));
  if (consumed > x.dim())
    fail(op, ": too many indices for a tensor of dimension ", x.dim(), " ", detail::shape_str(x.shape()), ": ",
         describe(indices));
  if (tensors > 1)
    fail(op, ": more than one tensor index (advanced indexing across axes) is not supported: ", describe(indices),
         "; index one axis at a time");
  Tensor y = x;
  std::int64_t d = 0;  // the axis of y the next index applies to
  for (const auto& t : indices) {
    switch (t.kind()) {
      case Kind::Integer: y = select(y, d, t.integer()); break;
      case Kind::None: y = unsqueeze(y, d++); break;
      case Kind::Ellipsis: d += x.dim() - consumed; break;
      case Kind::Slice: {
        const auto& sl = t.slice();
        const std::int64_t step = sl.step.value_or(1);
        if (step <= 0) fail(op, ": a slice's step must be positive, got ", step, " in ", describe(indices));
        y = slice(y, d++, sl.start.value_or(0), sl.stop.value_or(INT64_MAX), step);
        break;
      }
      case Kind::Tensor: {
        const Tensor& idx = t.tensor();
        if (!idx.defined()) fail(op, ": a tensor index is undefined");
        if (idx.dtype() != kInt64)
          fail(op, ": a tensor index must be int64 (positions; xgrad has no bool masks: use masked_select), got ",
               dtype_name(idx.dtype()));
        // The positions along axis d, that axis replaced by the index's shape.
        Shape shape = y.shape();
        const auto at = shape.begin() + d;
        shape.erase(at);
        shape.insert(shape.begin() + d, idx.shape().begin(), idx.shape().end());
        y = reshape(index_select(y, d, reshape(idx, {idx.numel()})), shape);
        d += idx.dim();
        break;
      }
    }
  }
  return y;
}

// self with `value` written (or, accumulating, added) at the positions `list` addresses.
Tensor put_at(const Tensor& self, const std::vector<TensorIndex>& list, const Tensor& value, bool accumulate) {
  if (!value.defined()) fail("index_put_: the value is undefined");
  // Which flat positions the list addresses: the same list applied to 0, 1, ..., numel - 1.
  const Tensor positions = apply(
      reshape(arange(0.0, static_cast<double>(self.numel()), 1.0, TensorOptions().dtype(kInt64).device(self.device())),
              self.shape()),
      list, "index_put_");
  const Shape& target = positions.shape();
  // numpy's broadcasting of the value onto the indexed shape, checked here to name the call.
  bool fits = value.dim() <= static_cast<std::int64_t>(target.size());
  for (std::int64_t i = 1; fits && i <= value.dim(); ++i) {
    const std::int64_t v = value.shape()[value.shape().size() - i], t = target[target.size() - i];
    fits = v == 1 || v == t;
  }
  if (!fits)
    fail("index_put_: a value of shape ", detail::shape_str(value.shape()), " cannot be broadcast to the indexed shape ",
         detail::shape_str(target), " of ", describe(list));
  // Recorded when index_put_ is (autograd::write_back): the positions and the mask of the
  // last writes are integers; the values' path (where, index_add) carries the gradients to
  // self's unwritten places and to the value's elements that were written last.
  Tensor updated;
  const Tensor flat = reshape(positions, {positions.numel()});
  const Tensor values = reshape(broadcast_to(value.to(self.dtype()), target), {positions.numel()});
  const Tensor base = reshape(self, {self.numel()});
  const TensorOptions ints = TensorOptions().dtype(kInt64).device(self.device());
  if (accumulate) {
    updated = index_add(base, 0, flat, values);
  } else {
    // A position written more than once keeps the last write in index order, as PyTorch's
    // CPU loop does: a stable sort groups each position's writes in their order, and only
    // the last of each group is added (no wait, the same on a GPU).
    const Tensor order = argsort(flat, 0);
    const Tensor sorted = index_select(flat, 0, order), written = index_select(values, 0, order);
    const std::int64_t m = flat.numel();
    const Tensor next = concat({narrow(sorted, 0, 1, m > 0 ? m - 1 : 0), full({m > 0 ? 1 : 0}, -1.0, ints)}, 0);
    const Tensor last = ne(sorted, next);  // int64 1 at the last write of each position
    const Tensor hit = index_add(zeros({self.numel()}, ints), 0, sorted, last);
    const Tensor kept = where(last, written, zeros_like(written));  // not a product: NaN * 0 is NaN
    updated = where(hit, index_add(zeros_like(base), 0, sorted, kept), base);
  }
  return reshape(updated, self.shape());
}

}  // namespace

Tensor Tensor::index(std::initializer_list<indexing::TensorIndex> indices) const {
  return index(std::vector<indexing::TensorIndex>(indices));
}

Tensor Tensor::index(const std::vector<indexing::TensorIndex>& indices) const {
  detail::CallScope call("index");
  return apply(*this, indices, "index");
}

Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> indices, const Tensor& value, bool accumulate) {
  const std::vector<TensorIndex> list(indices);
  return autograd::write_back(*this, "index_put_", {&value},
                              [&](const Tensor& self) { return put_at(self, list, value, accumulate); });
}

Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> indices, double value) {
  detail::CallScope call("index_put_");
  if (!defined()) fail("index_put_: the tensor is undefined");
  return index_put_(indices, scalar_tensor(value, TensorOptions().dtype(dtype()).device(device())));
}

}  // namespace xg
