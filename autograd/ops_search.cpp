// Where values go in a sorted sequence, as libtorch's: searchsorted (each row of a sorted
// tensor, or one 1-D sequence for every value) and bucketize (its mirror for 1-D boundaries).
// Positions are choices, so nothing is recorded; the bisection is one kernel per device
// (tensor/along_axis.cpp, tensor/cuda/along_axis.cu), also multinomial's with replacement.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include <algorithm>
#include <cmath>

#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace {

// `right`, or what `side` says ("left", "right"), which must agree with it (PyTorch's rule).
bool right_side(bool right, const std::optional<std::string>& side, const char* op) {
  if (!side) return right;
  if (*side != "left" && *side != "right") fail(op, ": side must be \"left\" or \"right\", got \"", *side, "\"");
  if (right && *side == "left")
    fail(op, ": side and right can't be set to opposites, got side of left while right was True");
  return *side == "right";
}

void refuse_int32(bool out_int32, const char* op) {
  if (out_int32) fail(op, ": out_int32 asks for int32 positions; xgrad has no int32 dtype, leave it false for int64");
}

// A tensor for a single value: the sequence's dtype, unless that would truncate it (a
// fraction against int64 bounds compares as float64, as PyTorch's Scalar does).
Tensor value_tensor(double value, const Tensor& like) {
  const bool exact = is_floating(like.dtype()) || (std::trunc(value) == value && std::fabs(value) < 9.2e18);
  return scalar_tensor(value, exact ? like.dtype() : kFloat64);
}

}  // namespace

Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool out_int32, bool right,
                    const std::optional<std::string>& side, const std::optional<Tensor>& sorter) {
  detail::CallScope call("searchsorted");
  NoGradGuard no_grad;
  if (!sorted_sequence.defined() || !values.defined()) fail("searchsorted: an input is undefined");
  refuse_int32(out_int32, "searchsorted");
  const bool to_right = right_side(right, side, "searchsorted");
  const Shape& ss = sorted_sequence.shape();
  const Shape& vs = values.shape();
  if (ss.empty()) fail("searchsorted: the sorted sequence must have at least one dimension, got a 0-d tensor");
  if (ss.size() > 1 && (vs.size() != ss.size() || !std::equal(ss.begin(), ss.end() - 1, vs.begin())))
    fail("searchsorted: the sorted sequence must be 1-D, or its leading dimensions must be the values' (all but "
         "the last), got sorted_sequence ", detail::shape_str(ss), " and values ", detail::shape_str(vs));
  const Device device =
      detail::compute_device({{"sorted_sequence", sorted_sequence}, {"values", values}}, "searchsorted");
  Tensor seq = sorted_sequence.detach();
  if (sorter) {
    if (!sorter->defined() || sorter->dtype() != kInt64 || sorter->shape() != ss)
      fail("searchsorted: sorter must be int64 of the sorted sequence's shape ", detail::shape_str(ss), ", got ",
           sorter->defined() ? std::string(dtype_name(sorter->dtype())) + " " + detail::shape_str(sorter->shape())
                             : std::string("an undefined tensor"));
    const std::int64_t last = static_cast<std::int64_t>(ss.size()) - 1;
    kernel::check_indices(*sorter, seq, ss.back(), last, "searchsorted");
    seq = kernel::gather(seq, last, *sorter, "searchsorted");
  }
  const TensorOptions positions = TensorOptions().dtype(kInt64).device(device);
  if (ss.back() == 0 || values.numel() == 0) return zeros(vs, positions);
  // One dtype for the comparisons: the two promoted (an int64 value against float bounds
  // compares as a float, as PyTorch's does).
  const Dtype common = promote(seq.dtype(), values.dtype());
  Tensor v = values.detach();
  if (v.device() != device) v = v.to(device);  // a 0-d CPU value beside a sequence on a GPU
  return kernel::searchsorted(seq.dtype() == common ? seq : kernel::cast(seq, common),
                              v.dtype() == common ? v : kernel::cast(v, common), to_right);
}

Tensor searchsorted(const Tensor& sorted_sequence, double value, bool out_int32, bool right,
                    const std::optional<std::string>& side, const std::optional<Tensor>& sorter) {
  if (!sorted_sequence.defined()) fail("searchsorted: the sorted sequence is undefined");
  if (sorted_sequence.dim() > 1)
    fail("searchsorted: a single value needs a 1-D sorted sequence, got ", detail::shape_str(sorted_sequence.shape()));
  return searchsorted(sorted_sequence, value_tensor(value, sorted_sequence), out_int32, right, side, sorter);
}

Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool out_int32, bool right) {
  detail::CallScope call("bucketize");
  if (!input.defined() || !boundaries.defined()) fail("bucketize: an input is undefined");
  refuse_int32(out_int32, "bucketize");
  if (boundaries.dim() != 1)
    fail("bucketize: boundaries must be 1-D, got ", detail::shape_str(boundaries.shape()));
  return searchsorted(boundaries, input, false, right);
}

Tensor bucketize(double value, const Tensor& boundaries, bool out_int32, bool right) {
  if (!boundaries.defined()) fail("bucketize: the boundaries are undefined");
  return bucketize(value_tensor(value, boundaries), boundaries, out_int32, right);
}

}  // namespace xg
