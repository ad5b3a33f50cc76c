// pad_sequence, PackedSequence and the packing functions. Packing and unpacking are each one
// index_select with indices built on the host from the lengths (which live on the CPU, as in
// libtorch), so they cost one gather on either device and their gradient is index_select's.
#include <algorithm>
#include <numeric>

#include <xgrad/detail/format.h>
#include <xgrad/nn/rnn_utils.h>
#include <xgrad/ops.h>

#include "tensor/checked.h"

namespace xg::nn::utils::rnn {

namespace {

using detail::shape_str;

Tensor host_indices(const std::vector<std::int64_t>& v, Device device) {
  const std::vector<double> values(v.begin(), v.end());  // exact: indices stay far below 2^53
  return tensor(values, {static_cast<std::int64_t>(v.size())}, kInt64).to(device);
}

// The inverse permutation: where each original batch position went.
std::vector<std::int64_t> inverse_of(const std::vector<std::int64_t>& order) {
  std::vector<std::int64_t> inverse(order.size());
  for (std::size_t j = 0; j < order.size(); ++j) inverse[static_cast<std::size_t>(order[j])] = static_cast<std::int64_t>(j);
  return inverse;
}

Shape trailing(const Tensor& x, std::int64_t skip) { return Shape(x.shape().begin() + skip, x.shape().end()); }

// The checks pad_sequence and pack_sequence share; the longest length.
std::int64_t check_sequences(const std::vector<Tensor>& sequences, const char* op) {
  if (sequences.empty()) fail(op, ": received an empty list of sequences");
  std::int64_t longest = 0;
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    const Tensor& s = sequences[i];
    if (!s.defined()) fail(op, ": sequence ", i, " is undefined");
    if (s.dim() == 0) fail(op, ": sequence ", i, " is 0-d; each needs a length axis first");
    const Tensor& first = sequences[0];
    if (trailing(s, 1) != trailing(first, 1) || s.dtype() != first.dtype() || s.device() != first.device())
      fail(op, ": sequence ", i, " ", shape_str(s.shape()), " ", dtype_name(s.dtype()), " on ", s.device().str(),
           " does not match sequence 0 ", shape_str(first.shape()), " ", dtype_name(first.dtype()), " on ",
           first.device().str(), " after the length axis");
    longest = std::max(longest, s.shape()[0]);
  }
  return longest;
}

// 1-D int64 on the CPU, read; what libtorch asks of lengths and batch_sizes.
std::vector<std::int64_t> read_cpu_int64(const Tensor& t, const char* op, const char* what) {
  if (!t.defined()) fail(op, ": ", what, " is undefined");
  if (t.dim() != 1 || t.dtype() != kInt64 || !t.is_cpu())
    fail(op, ": '", what, "' should be a 1-D int64 tensor on the CPU, got ", shape_str(t.shape()), " ",
         dtype_name(t.dtype()), " on ", t.device().str());
  return t.to_vector<std::int64_t>();
}

// A padded batch (T, B, *) or (B, T, *) and its lengths, checked: one per sequence, each in
// [shortest, T]. What pack_padded_sequence (shortest 1) and unpad_sequence (0) share.
struct PaddedBatch {
  std::vector<std::int64_t> lengths;
  std::int64_t B, T;
};
PaddedBatch padded_batch(const Tensor& x, const Tensor& lengths, bool batch_first, std::int64_t shortest, const char* op) {
  if (!x.defined() || x.dim() < 2)
    fail(op, ": expected a padded batch ", batch_first ? "(B, T, *)" : "(T, B, *)", ", got ",
         x.defined() ? shape_str(x.shape()) : "an undefined tensor");
  PaddedBatch p{read_cpu_int64(lengths, op, "lengths"), x.shape()[batch_first ? 0 : 1], x.shape()[batch_first ? 1 : 0]};
  if (static_cast<std::int64_t>(p.lengths.size()) != p.B)
    fail(op, ": expected one length per sequence, got ", p.lengths.size(), " lengths for a batch of ", p.B, " (input ",
         shape_str(x.shape()), batch_first ? ", batch_first)" : ")");
  for (std::size_t b = 0; b < p.lengths.size(); ++b)
    if (p.lengths[b] < shortest || p.lengths[b] > p.T)
      fail(op, ": every length must be in [", shortest, ", ", p.T, "] (the padded steps of input ", shape_str(x.shape()),
           "), got ", p.lengths[b], " for sequence ", b);
  return p;
}

}  // namespace

PackedSequence::PackedSequence(Tensor data, Tensor batch_sizes, Tensor sorted_indices, Tensor unsorted_indices)
    : data_(std::move(data)) {
  const char* op = "PackedSequence";
  detail::CallScope call(op);
  host_batch_sizes_ = read_cpu_int64(batch_sizes, op, "batch_sizes");
  batch_sizes_ = batch_sizes.clone();  // its own copy: the host copy above must stay true
  if (!data_.defined() || data_.dim() == 0) fail(op, ": data must have a first axis of packed steps");
  const auto& bs = host_batch_sizes_;
  if (bs.empty()) fail(op, ": batch_sizes is empty (a sequence has at least one step)");
  std::int64_t total = 0;
  for (std::size_t t = 0; t < bs.size(); ++t) {
    if (bs[t] <= 0 || (t > 0 && bs[t] > bs[t - 1]))
      fail(op, ": batch_sizes must be positive and non-increasing, got ", bs[t], " at step ", t,
           t > 0 ? " after " + std::to_string(bs[t - 1]) : std::string());
    total = detail::size_add(total, bs[t], op, "the sum of batch_sizes");
  }
  if (total != data_.shape()[0])
    fail(op, ": batch_sizes sum to ", total, " steps but data ", shape_str(data_.shape()), " holds ", data_.shape()[0]);
  const std::int64_t N = bs[0];
  const auto order = [&](const Tensor& idx, const char* what) {
    if (idx.dim() != 1 || idx.dtype() != kInt64 || idx.numel() != N)
      fail(op, ": ", what, " must be 1-D int64 with one entry per sequence (", N, "), got ", shape_str(idx.shape()),
           " ", dtype_name(idx.dtype()));
    if (idx.device() != data_.device())
      fail(op, ": ", what, " is on ", idx.device().str(), " but data on ", data_.device().str());
    std::vector<std::int64_t> v = idx.to(kCPU).to_vector<std::int64_t>();
    std::vector<char> seen(static_cast<std::size_t>(N), 0);
    for (std::size_t j = 0; j < v.size(); ++j) {
      if (v[j] < 0 || v[j] >= N || seen[static_cast<std::size_t>(v[j])])
        fail(op, ": ", what, " must be a permutation of 0..", N - 1, ", got ", v[j], " at ", j);
      seen[static_cast<std::size_t>(v[j])] = 1;
    }
    return v;
  };
  if (!sorted_indices.defined()) {
    if (unsorted_indices.defined()) fail(op, ": unsorted_indices given without sorted_indices");
    host_sorted_.resize(static_cast<std::size_t>(N));
    std::iota(host_sorted_.begin(), host_sorted_.end(), 0);
    return;
  }
  host_sorted_ = order(sorted_indices, "sorted_indices");
  const std::vector<std::int64_t> inverse = inverse_of(host_sorted_);
  if (unsorted_indices.defined() && order(unsorted_indices, "unsorted_indices") != inverse)
    fail(op, ": unsorted_indices is not the inverse of sorted_indices");
  // Made again from the host copies, so that the user's tensors changing later changes nothing.
  sorted_indices_ = host_indices(host_sorted_, data_.device());
  unsorted_indices_ = host_indices(inverse, data_.device());
}

PackedSequence::PackedSequence(Tensor data, std::vector<std::int64_t> batch_sizes, std::vector<std::int64_t> sorted,
                               bool keep_sorted)
    : data_(std::move(data)),
      batch_sizes_(host_indices(batch_sizes, kCPU)),
      host_batch_sizes_(std::move(batch_sizes)),
      host_sorted_(std::move(sorted)) {
  if (!keep_sorted) return;
  const std::vector<std::int64_t> inverse = inverse_of(host_sorted_);
  sorted_indices_ = host_indices(host_sorted_, data_.device());
  unsorted_indices_ = host_indices(inverse, data_.device());
}

PackedSequence PackedSequence::to(const TensorOptions& options) const {
  PackedSequence out = *this;
  if (!data_.defined()) return out;
  const Device device = options.has_device() ? options.device() : data_.device();
  out.data_ = data_.to(device, options.dtype_or(data_.dtype()));
  if (sorted_indices_.defined()) {
    out.sorted_indices_ = sorted_indices_.to(device);
    out.unsorted_indices_ = unsorted_indices_.to(device);
  }
  return out;
}

PackedSequence PackedSequence::with_data(Tensor data) const {
  detail::CallScope call("PackedSequence::with_data");
  if (!data.defined() || data.dim() == 0 || !data_.defined() || data.shape()[0] != data_.shape()[0])
    fail("PackedSequence::with_data: expected data with ", data_.defined() ? data_.shape()[0] : 0,
         " packed steps on its first axis, got ", data.defined() ? shape_str(data.shape()) : "an undefined tensor");
  if (data.device() != data_.device())
    fail("PackedSequence::with_data: data is on ", data.device().str(), " but the indices on ", data_.device().str());
  PackedSequence out = *this;
  out.data_ = std::move(data);
  return out;
}

Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first, double padding_value) {
  detail::CallScope call("pad_sequence");
  const std::int64_t longest = check_sequences(sequences, "pad_sequence");
  tensor_list padded;
  for (const Tensor& s : sequences) {
    // F::pad's order runs from the last axis: only the first axis gets (0, longest - L).
    std::vector<std::int64_t> pads(static_cast<std::size_t>(2 * s.dim()), 0);
    pads.back() = longest - s.shape()[0];
    padded.push_back(pads.back() == 0 ? s : pad(s, pads, padding_value));
  }
  return stack(padded, batch_first ? 0 : 1);
}

PackedSequence pack_padded_sequence(const Tensor& input, const Tensor& lengths, bool batch_first, bool enforce_sorted) {
  const char* op = detail::call_or("pack_padded_sequence");  // pack_sequence's when called from there
  detail::CallScope call(op);
  // Named, not bound: the sort's comparator captures the lengths (C++17 lambdas cannot capture bindings).
  const PaddedBatch batch = padded_batch(input, lengths, batch_first, 1, op);
  const std::vector<std::int64_t>& len = batch.lengths;
  const std::int64_t B = batch.B, T = batch.T;
  if (B == 0)
    fail(op, ": the batch of input ", shape_str(input.shape()), " is empty; a PackedSequence holds at least one sequence");
  std::vector<std::int64_t> sorted(len.size());
  std::iota(sorted.begin(), sorted.end(), 0);
  if (enforce_sorted) {
    for (std::size_t b = 1; b < len.size(); ++b)
      if (len[b] > len[b - 1])
        fail(op, ": lengths must not increase with enforce_sorted, got ", len[b - 1], " then ", len[b],
             " at sequence ", b, "; pass enforce_sorted = false to have them sorted");
  } else {
    std::stable_sort(sorted.begin(), sorted.end(), [&](std::int64_t a, std::int64_t b) {
      return len[static_cast<std::size_t>(a)] > len[static_cast<std::size_t>(b)];
    });
  }
  // Step t holds the sorted sequences j < batch_sizes[t]; in the flattened input, sequence b's
  // step t is row t·B + b, or b·T + t with batch_first.
  const std::int64_t steps = len[static_cast<std::size_t>(sorted[0])];
  // The index lists are as long as the lengths' sum (and the steps), bounded before they are
  // made: with a trailing axis of size 0 the input itself may claim any number of steps.
  std::int64_t total = 0;
  for (const std::int64_t l : len) total = detail::size_add(total, l, op, "the sum of the lengths");
  detail::checked_buffer(total, sizeof(std::int64_t), op, "the packed steps' indices");
  std::vector<std::int64_t> batch_sizes, rows;
  for (std::int64_t t = 0; t < steps; ++t) {
    std::int64_t n = 0;
    for (const std::int64_t b : sorted) {
      if (len[static_cast<std::size_t>(b)] <= t) break;
      rows.push_back(batch_first ? b * T + t : t * B + b);
      ++n;
    }
    batch_sizes.push_back(n);
  }
  Shape flat = trailing(input, 2);
  flat.insert(flat.begin(), detail::size_mul(T, B, op, "steps x batch"));
  const Tensor data = index_select(reshape(input, flat), 0, host_indices(rows, input.device()));
  return PackedSequence(data, std::move(batch_sizes), std::move(sorted), !enforce_sorted);
}

std::tuple<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence, bool batch_first, double padding_value,
                                               std::optional<std::int64_t> total_length) {
  const char* op = "pad_packed_sequence";
  detail::CallScope call(op);
  const Tensor& data = sequence.data();
  if (!data.defined()) fail(op, ": the PackedSequence is empty (default-constructed)");
  const auto& bs = sequence.host_batch_sizes();
  const auto& sorted = sequence.host_sorted_indices();
  const std::int64_t T = static_cast<std::int64_t>(bs.size()), N = bs[0], S = data.shape()[0];
  std::int64_t Tout = T;
  if (total_length) {
    if (*total_length < T)
      fail(op, ": total_length must be at least the longest sequence's length ", T, ", got ", *total_length);
    Tout = *total_length;
  }
  const std::int64_t rows_out = detail::size_mul(Tout, N, op, "total_length x batch");
  detail::checked_buffer(rows_out, sizeof(std::int64_t), op, "the padded steps' indices");
  Shape out_shape = trailing(data, 1);
  std::int64_t row_size = 1;
  for (const std::int64_t d : out_shape) row_size = detail::size_mul(row_size, d, op, "the padded output");
  detail::checked_buffer(detail::size_mul(rows_out, row_size, op, "the padded output"), dtype_size(data.dtype()), op,
                         "the padded output");
  // Sequence b (original order) sits at sorted position j; its step t at packed row
  // offset[t] + j while j < batch_sizes[t], else the padding row S appended below.
  const std::vector<std::int64_t> position = inverse_of(sorted);
  std::vector<std::int64_t> offset(static_cast<std::size_t>(T)), lengths(static_cast<std::size_t>(N), 0);
  for (std::int64_t t = 1; t < T; ++t) offset[static_cast<std::size_t>(t)] = offset[static_cast<std::size_t>(t - 1)] + bs[static_cast<std::size_t>(t - 1)];
  std::vector<std::int64_t> rows(static_cast<std::size_t>(rows_out));
  for (std::int64_t b = 0; b < N; ++b) {
    const std::int64_t j = position[static_cast<std::size_t>(b)];
    for (std::int64_t t = 0; t < Tout; ++t) {
      const bool inside = t < T && j < bs[static_cast<std::size_t>(t)];
      if (inside) ++lengths[static_cast<std::size_t>(b)];
      rows[static_cast<std::size_t>(batch_first ? b * Tout + t : t * N + b)] = inside ? offset[static_cast<std::size_t>(t)] + j : S;
    }
  }
  Shape pad_shape = out_shape;
  pad_shape.insert(pad_shape.begin(), 1);
  const Tensor source = concat({data, full(pad_shape, padding_value, TensorOptions(data.dtype()).device(data.device()))}, 0);
  out_shape.insert(out_shape.begin(), {batch_first ? N : Tout, batch_first ? Tout : N});
  return {reshape(index_select(source, 0, host_indices(rows, data.device())), out_shape), host_indices(lengths, kCPU)};
}

PackedSequence pack_sequence(const std::vector<Tensor>& sequences, bool enforce_sorted) {
  detail::CallScope call("pack_sequence");
  check_sequences(sequences, "pack_sequence");
  std::vector<std::int64_t> lengths;
  for (const Tensor& s : sequences) lengths.push_back(s.shape()[0]);
  return pack_padded_sequence(pad_sequence(sequences), host_indices(lengths, kCPU), false, enforce_sorted);
}

std::vector<Tensor> unpad_sequence(const Tensor& padded_sequences, const Tensor& lengths, bool batch_first) {
  const char* op = detail::call_or("unpad_sequence");  // unpack_sequence's when called from there
  detail::CallScope call(op);
  const PaddedBatch batch = padded_batch(padded_sequences, lengths, batch_first, 0, op);
  std::vector<Tensor> out;
  for (std::int64_t b = 0; b < batch.B; ++b)
    out.push_back(narrow(select(padded_sequences, batch_first ? 0 : 1, b), 0, 0, batch.lengths[static_cast<std::size_t>(b)]));
  return out;
}

std::vector<Tensor> unpack_sequence(const PackedSequence& packed_sequences) {
  detail::CallScope call("unpack_sequence");
  if (!packed_sequences.data().defined()) fail("unpack_sequence: the PackedSequence is empty (default-constructed)");
  const auto [padded, lengths] = pad_packed_sequence(packed_sequences, true);
  return unpad_sequence(padded, lengths, true);
}

}  // namespace xg::nn::utils::rnn
