// pad_sequence: each sequence padded along its first axis with xg::pad, then stacked.
#include <xgrad/detail/format.h>
#include <xgrad/nn/rnn_utils.h>
#include <xgrad/ops.h>

#include "tensor/checked.h"

namespace xg::nn::utils::rnn {

Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first, double padding_value) {
  detail::CallScope call("pad_sequence");
  if (sequences.empty()) fail("pad_sequence: received an empty list of sequences");
  std::int64_t longest = 0;
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    const Tensor& s = sequences[i];
    if (!s.defined()) fail("pad_sequence: sequence ", i, " is undefined");
    if (s.dim() == 0) fail("pad_sequence: sequence ", i, " is 0-d; each needs a length axis first");
    const Tensor& first = sequences[0];
    if (Shape(s.shape().begin() + 1, s.shape().end()) != Shape(first.shape().begin() + 1, first.shape().end()) ||
        s.dtype() != first.dtype())
      fail("pad_sequence: sequence ", i, " ", detail::shape_str(s.shape()), " ", dtype_name(s.dtype()),
           " does not match sequence 0 ", detail::shape_str(first.shape()), " ", dtype_name(first.dtype()),
           " after the length axis");
    longest = std::max(longest, s.shape()[0]);
  }
  tensor_list padded;
  for (const Tensor& s : sequences) {
    // F::pad's order runs from the last axis: only the first axis gets (0, longest - L).
    std::vector<std::int64_t> pads(static_cast<std::size_t>(2 * s.dim()), 0);
    pads.back() = longest - s.shape()[0];
    padded.push_back(pads.back() == 0 ? s : pad(s, pads, padding_value));
  }
  return stack(padded, batch_first ? 0 : 1);
}

}  // namespace xg::nn::utils::rnn
