// libtorch's torch::nn::utils::rnn (nn/rnn_utils.cpp): a batch of sequences of different
// lengths, padded to the longest (pad_sequence) or packed step by step (PackedSequence), for
// the recurrent layers' forward_with_packed_input.
//
//   auto packed = pack_padded_sequence(x, lengths, /*batch_first=*/true, /*enforce_sorted=*/false);
//   auto [out, state] = lstm.forward_with_packed_input(packed);
//   auto [y, out_lengths] = pad_packed_sequence(out, /*batch_first=*/true);
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include <xgrad/tensor.h>

namespace xg::nn::utils::rnn {

class PackedSequence;
/// Packs a padded batch (T, B, *) (or (B, T, *) with batch_first) whose sequence b has
/// lengths[b] steps (a 1-D int64 CPU tensor, each in [1, T]). With enforce_sorted the
/// lengths must not increase; otherwise the batch is sorted longest first (ties keep their
/// order) and the result remembers how. One gather: the gradient reaches the steps packed. (Declared before
/// PackedSequence, which befriends it.)
PackedSequence pack_padded_sequence(const Tensor& input, const Tensor& lengths, bool batch_first = false,
                                    bool enforce_sorted = true);

/// Sequences of different lengths packed time step by time step, as libtorch's
/// PackedSequence: data (sum of the lengths, *) holds step 0 of every sequence, then step 1
/// of those still running, and so on, the sequences ordered longest first; batch_sizes (T,
/// int64, on the CPU) how many sequences run at each step; sorted_indices the original batch
/// position of each sorted sequence and unsorted_indices its inverse (undefined when the
/// batch was already sorted), on data's device.
class PackedSequence {
 public:
  PackedSequence() = default;
  /// Checks the parts fit together (batch_sizes positive, non-increasing and summing to
  /// data's first axis; sorted_indices a permutation of the batch) and computes
  /// unsorted_indices when not given. Indices on a GPU are read once here (a wait).
  explicit PackedSequence(Tensor data, Tensor batch_sizes, Tensor sorted_indices = Tensor(),
                          Tensor unsorted_indices = Tensor());
  const Tensor& data() const { return data_; }
  const Tensor& batch_sizes() const { return batch_sizes_; }
  const Tensor& sorted_indices() const { return sorted_indices_; }
  const Tensor& unsorted_indices() const { return unsorted_indices_; }
  /// data moved and converted as the options say (the indices follow the device;
  /// batch_sizes stay on the CPU, as libtorch's).
  PackedSequence to(const TensorOptions& options) const;
  PackedSequence cuda() const { return to(kCUDA); }
  PackedSequence cpu() const { return to(kCPU); }
  bool is_cuda() const { return data_.defined() && data_.is_cuda(); }
  /// The same packing around other data with as many packed steps on its first axis (PyTorch's
  /// `packed._replace(data=...)`): a layer applied to data() step by step, as
  /// `packed.with_data(linear(packed.data()))`, keeps the sequences' order and lengths.
  PackedSequence with_data(Tensor data) const;

  /// The steps' sizes and each sorted sequence's original position, read on the host once
  /// (for the layers and pad_packed_sequence, which build their indices from them).
  const std::vector<std::int64_t>& host_batch_sizes() const { return host_batch_sizes_; }
  const std::vector<std::int64_t>& host_sorted_indices() const { return host_sorted_; }

 private:
  Tensor data_, batch_sizes_, sorted_indices_, unsorted_indices_;
  std::vector<std::int64_t> host_batch_sizes_, host_sorted_;  // host_sorted_: 0..N-1 when unsorted

  // pack_padded_sequence's parts, made and checked on the host: no read of a GPU's indices.
  PackedSequence(Tensor data, std::vector<std::int64_t> batch_sizes, std::vector<std::int64_t> sorted, bool keep_sorted);
  friend PackedSequence pack_padded_sequence(const Tensor&, const Tensor&, bool, bool);
};

/// Sequences (L_i, *) of one trailing shape and dtype, each padded with `padding_value` after
/// its end to the longest L, stacked as (L, B, *), or (B, L, *) with batch_first. A
/// composition (pad, stack): the gradient reaches every sequence, not the padding.
Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first = false, double padding_value = 0.0);

/// The inverse: (padded (T', B, *) or (B, T', *), lengths (B) int64 on the CPU), in the
/// original batch order, with `padding_value` after each end; T' is the longest length, or
/// total_length when given (not shorter). One gather: differentiable in the packed data.
std::tuple<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence, bool batch_first = false,
                                               double padding_value = 0.0,
                                               std::optional<std::int64_t> total_length = std::nullopt);

/// pack_padded_sequence(pad_sequence(sequences), their lengths, false, enforce_sorted).
PackedSequence pack_sequence(const std::vector<Tensor>& sequences, bool enforce_sorted = true);

/// The inverse of pad_sequence (PyTorch's unpad_sequence): sequence b as the first lengths[b]
/// steps of its column of padded (T, B, *) (or row of (B, T, *)); lengths a 1-D int64 CPU
/// tensor, each in [0, T]. Views through select and narrow: differentiable.
std::vector<Tensor> unpad_sequence(const Tensor& padded_sequences, const Tensor& lengths, bool batch_first = false);

/// The inverse of pack_sequence (PyTorch's unpack_sequence): the sequences in their original
/// order, each (L_i, *).
std::vector<Tensor> unpack_sequence(const PackedSequence& packed_sequences);

}  // namespace xg::nn::utils::rnn
