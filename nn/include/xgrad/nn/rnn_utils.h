// libtorch's torch::nn::utils::rnn::pad_sequence (nn/rnn_utils.cpp): a batch of sequences of
// different lengths, padded to the longest, for the recurrent layers.
#pragma once

#include <vector>

#include <xgrad/tensor.h>

namespace xg::nn::utils::rnn {

/// Sequences (L_i, *) of one trailing shape and dtype, each padded with `padding_value` after
/// its end to the longest L, stacked as (L, B, *), or (B, L, *) with batch_first. A
/// composition (pad, stack): the gradient reaches every sequence, not the padding.
Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first = false, double padding_value = 0.0);

}  // namespace xg::nn::utils::rnn
