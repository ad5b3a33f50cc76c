// The connectionist temporal classification loss, libtorch's nn::CTCLoss and F::ctc_loss
// (nn/ctc_loss.cpp): the negative log-likelihood of a label sequence summed over every
// alignment of it with a longer sequence of per-step class scores (speech, handwriting).
#pragma once

#include <cstdint>

#include <xgrad/nn/margin_losses.h>
#include <xgrad/tensor.h>

namespace xg::nn {

/// blank: the class index of "no label" (0); reduction: mean (each sequence's loss divided by
/// its target length, then averaged, as PyTorch), sum or none; zero_infinity: an impossible
/// alignment (a target too long for its input) gives 0 and no gradient instead of inf.
class CTCLossOptions : public WithReduction<CTCLossOptions> {
 public:
  CTCLossOptions& blank(std::int64_t v) { blank_ = v; return *this; }
  std::int64_t blank() const { return blank_; }
  CTCLossOptions& zero_infinity(bool v) { zero_infinity_ = v; return *this; }
  bool zero_infinity() const { return zero_infinity_; }

 private:
  std::int64_t blank_ = 0;
  bool zero_infinity_ = false;
};

namespace functional {
using CTCLossFuncOptions = CTCLossOptions;
/// log_probs (T, N, C) (log_softmax over C; (T, C) for one sequence), targets (N, S) padded or
/// 1-D (the sequences concatenated), int64 input_lengths and target_lengths of N elements.
/// Lengths and targets are checked on the host (on a GPU a documented wait, as PyTorch reads
/// its lengths there); the recursion is composed of tensor operations in float64, so every
/// order of gradient and both devices come with it. The gradient is the true derivative with
/// respect to log_probs (PyTorch's differs by exp(log_probs), which a log_softmax before it
/// cancels: through log_softmax both are the same).
Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, const CTCLossFuncOptions& options = {});
}  // namespace functional

struct CTCLoss {
  CTCLossOptions options;
  CTCLoss() = default;
  explicit CTCLoss(const CTCLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                    const Tensor& target_lengths) const {
    return functional::ctc_loss(log_probs, targets, input_lengths, target_lengths, options);
  }
};

}  // namespace xg::nn
