// libtorch's AdaptiveLogSoftmaxWithLoss (Grave et al., "Efficient softmax approximation for
// GPUs"): a large vocabulary's log-probabilities through a head over the frequent classes
// and one cluster token per rarer group, whose members a smaller tail projection scores.
//
//   xg::nn::AdaptiveLogSoftmaxWithLoss asm_(xg::nn::AdaptiveLogSoftmaxWithLossOptions(512, 10000, {100, 1000}));
//   auto [output, loss] = asm_(hidden, targets);   // output: each target's log-probability
//   auto all = asm_.log_prob(hidden);              // (N, 10000), rows summing to 1 in probability
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <xgrad/nn/layers.h>
#include <xgrad/nn/module.h>

namespace xg::nn {

class AdaptiveLogSoftmaxWithLossOptions {
 public:
  /// cutoffs: increasing, unique, in [1, n_classes - 1]; classes below cutoffs[0] are the
  /// head's shortlist, each following range a cluster.
  AdaptiveLogSoftmaxWithLossOptions(std::int64_t in_features, std::int64_t n_classes, std::vector<std::int64_t> cutoffs)
      : in_(in_features), classes_(n_classes), cutoffs_(std::move(cutoffs)) {}
  std::int64_t in_features() const { return in_; }
  std::int64_t n_classes() const { return classes_; }
  const std::vector<std::int64_t>& cutoffs() const { return cutoffs_; }
  /// Cluster i's projection has in_features / div_value^(i+1) features (floored).
  AdaptiveLogSoftmaxWithLossOptions& div_value(double v) { div_ = v; return *this; }
  double div_value() const { return div_; }
  AdaptiveLogSoftmaxWithLossOptions& head_bias(bool v) { head_bias_ = v; return *this; }
  bool head_bias() const { return head_bias_; }
  AdaptiveLogSoftmaxWithLossOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t in_, classes_;
  std::vector<std::int64_t> cutoffs_;
  double div_ = 4.0;
  bool head_bias_ = false;
  Dtype dtype_ = kFloat32;
};

/// libtorch's ASMoutput: each target's log-probability (N) (0-d for one unbatched sample)
/// and the loss, their negated mean.
struct ASMoutput {
  Tensor output, loss;
};

/// Parameters as PyTorch's: head (Linear(in, shortlist + clusters)) and tail (a ModuleList
/// of Sequential(Linear(in, h_i, no bias), Linear(h_i, cluster size, no bias))), so a
/// PyTorch state_dict loads.
class AdaptiveLogSoftmaxWithLoss : public Module {
 public:
  explicit AdaptiveLogSoftmaxWithLoss(const AdaptiveLogSoftmaxWithLossOptions& options);
  /// input (N, in_features) with int64 targets (N), or (in_features) with a 0-d target.
  ASMoutput forward(const Tensor& input, const Tensor& target);
  ASMoutput operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  /// The one-tensor Module interface: log_prob(input).
  Tensor forward(const Tensor& input) override { return log_prob(input); }
  using Module::operator();
  /// Every class's log-probability: (N, n_classes) for (N, in_features), (n_classes) for one.
  Tensor log_prob(const Tensor& input);
  /// The most probable class of each row, as PyTorch's predict (int64, no gradient).
  Tensor predict(const Tensor& input);
  const AdaptiveLogSoftmaxWithLossOptions& options() const { return options_; }
  std::int64_t shortlist_size() const { return options_.cutoffs()[0]; }
  std::int64_t n_clusters() const { return static_cast<std::int64_t>(options_.cutoffs().size()); }
  std::string type_name() const override { return "AdaptiveLogSoftmaxWithLoss"; }

  std::shared_ptr<Linear> head;
  std::shared_ptr<ModuleList> tail;

 private:
  // The full log-probabilities of rows whose head output is given (x and head_out agree).
  Tensor full_log_prob(const Tensor& x, const Tensor& head_out);
  // x checked to be (N, in_features) or (in_features), naming the call; returned 2-D.
  Tensor batched(const Tensor& x, const char* call) const;
  AdaptiveLogSoftmaxWithLossOptions options_;
};

}  // namespace xg::nn
