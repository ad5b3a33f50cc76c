// Loss functions (differentiable) and metrics (not). Targets are int64 label indices of
// shape (N,) or one-hot / probability rows of the input's shape, where noted.
#pragma once

#include <cstdint>

#include <xgrad/nn/module.h>
#include <xgrad/tensor.h>

namespace xg::nn {

/// mean((y - t)^2) over all elements (PyTorch's and Keras's MSE).
Tensor mean_squared_error(const Tensor& y, const Tensor& t);
/// 0.5 * sum((y - t)^2): the textbook's sum of squares, not averaged.
Tensor sum_squared_error(const Tensor& y, const Tensor& t);
/// The textbook's cross_entropy_error: probabilities y in, labels or one-hot t,
/// -sum(log(y[n, t_n] + 1e-7)) / N. A 1-D y is one sample.
Tensor cross_entropy_error(const Tensor& y, const Tensor& t);
/// How a loss reduces its per-element values, as libtorch's reduction argument.
enum class Reduction { None, Mean, Sum };

/// Options of nll_loss and NLLLoss, libtorch's NLLLossOptions (no class weights).
class NLLLossOptions {
 public:
  /// Labels equal to it contribute nothing and are not counted by the mean (PyTorch's -100).
  NLLLossOptions& ignore_index(std::int64_t v) { ignore_index_ = v; return *this; }
  std::int64_t ignore_index() const { return ignore_index_; }
  NLLLossOptions& reduction(Reduction v) { reduction_ = v; return *this; }
  Reduction reduction() const { return reduction_; }
  /// A weight per class (C,): each label's loss is scaled by its class's weight, and the mean
  /// divides by the weights of the labels that count (PyTorch's); a constant, no gradient.
  NLLLossOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  const Tensor& weight() const { return weight_; }

 private:
  std::int64_t ignore_index_ = -100;
  Reduction reduction_ = Reduction::Mean;
  Tensor weight_;
};

/// Options of cross_entropy and CrossEntropyLoss, libtorch's CrossEntropyLossOptions.
class CrossEntropyLossOptions {
 public:
  /// Class weights (C,), as NLLLossOptions's; with probability targets each class's term is
  /// scaled and the mean is over the rows, as PyTorch's.
  CrossEntropyLossOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  const Tensor& weight() const { return weight_; }
  CrossEntropyLossOptions& ignore_index(std::int64_t v) { ignore_index_ = v; return *this; }
  std::int64_t ignore_index() const { return ignore_index_; }
  CrossEntropyLossOptions& reduction(Reduction v) { reduction_ = v; return *this; }
  Reduction reduction() const { return reduction_; }
  /// Mixes the one-hot target with the uniform distribution: (1 - s)·nll + s·mean(-log p).
  CrossEntropyLossOptions& label_smoothing(double v) { label_smoothing_ = v; return *this; }
  double label_smoothing() const { return label_smoothing_; }

 private:
  std::int64_t ignore_index_ = -100;
  Reduction reduction_ = Reduction::Mean;
  double label_smoothing_ = 0.0;
  Tensor weight_;
};

/// Softmax then cross-entropy, fused and stable (log-sum-exp): logits (N, C), labels (N,)
/// or one-hot / probability rows (N, C); also PyTorch's (N, C, d1, ...) logits with
/// (N, d1, ...) labels (a sequence model's (N, C, T) and (N, T)) and unbatched (C) with a
/// 0-d label. Mean over every position; its gradient is (softmax(x) - t) / count. Every
/// label must be a class: for ignore_index use cross_entropy.
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& t);
/// libtorch's cross_entropy: of *logits*, the shapes of softmax_cross_entropy, with its
/// options: labels equal to ignore_index (-100) are skipped, reduction mean/sum/none,
/// label_smoothing. (The textbook's cross_entropy_error takes probabilities instead.)
Tensor cross_entropy(const Tensor& logits, const Tensor& t, const CrossEntropyLossOptions& options = {});
/// libtorch's nll_loss: -logp[n, t_n] of log-probabilities (a log_softmax's output), the
/// shapes of softmax_cross_entropy, ignore_index and reduction as cross_entropy.
Tensor nll_loss(const Tensor& logp, const Tensor& t, const NLLLossOptions& options = {});
/// -mean(t log p + (1 - t) log(1 - p)) for probabilities p; each log clamped at -100 and
/// the gradient finite at p = 0 and 1, as PyTorch's.
Tensor binary_cross_entropy(const Tensor& p, const Tensor& t);
/// Binary cross-entropy from logits, stable: mean(softplus(x) - x t).
Tensor sigmoid_binary_cross_entropy(const Tensor& logits, const Tensor& t);
/// mean of 0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere; d = y - t.
Tensor huber(const Tensor& y, const Tensor& t, double delta = 1.0);
/// mean(|y - t|).
Tensor l1(const Tensor& y, const Tensor& t);

/// Fraction of rows whose argmax matches the label (t of shape (N,)) or the one-hot row's
/// argmax (t of shape (N, C)). For one output column (N, 1) or (N,), a score > 0.5 is class 1.
double accuracy(const Tensor& y, const Tensor& t);
/// The model's accuracy on (x, t), evaluated batch_size samples at a time without recording
/// and in evaluation mode (restored after): the textbook's SimpleConvNet.accuracy(x, t, 100),
/// which keeps a CNN's activations for 10,000 images out of memory.
double accuracy(Module& model, const Tensor& x, const Tensor& t, std::int64_t batch_size = 100);

/// Module-like forms, for code that passes a loss around: `MSELoss()(y, t)`.
struct MSELoss {
  Tensor operator()(const Tensor& y, const Tensor& t) const { return mean_squared_error(y, t); }
};
struct SumSquaredLoss {
  Tensor operator()(const Tensor& y, const Tensor& t) const { return sum_squared_error(y, t); }
};
/// The textbook's loss on *probabilities* (after softmax); on logits use CrossEntropyLoss.
struct CrossEntropyErrorLoss {
  Tensor operator()(const Tensor& y, const Tensor& t) const { return cross_entropy_error(y, t); }
};
/// libtorch's CrossEntropyLoss: logits and int64 labels (or probabilities), softmax included.
struct CrossEntropyLoss {
  CrossEntropyLossOptions options;
  CrossEntropyLoss() = default;
  explicit CrossEntropyLoss(const CrossEntropyLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& logits, const Tensor& t) const { return cross_entropy(logits, t, options); }
};
/// libtorch's NLLLoss: log-probabilities and int64 labels.
struct NLLLoss {
  NLLLossOptions options;
  NLLLoss() = default;
  explicit NLLLoss(const NLLLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& logp, const Tensor& t) const { return nll_loss(logp, t, options); }
};
struct SoftmaxCrossEntropyLoss {
  Tensor operator()(const Tensor& y, const Tensor& t) const { return softmax_cross_entropy(y, t); }
};
/// libtorch's BCELossOptions: a weight broadcast to the input scales each element's loss
/// (a tensor like any other: it is differentiated if it requires grad); any reduction.
class BCELossOptions {
 public:
  BCELossOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  const Tensor& weight() const { return weight_; }
  BCELossOptions& reduction(Reduction v) { reduction_ = v; return *this; }
  Reduction reduction() const { return reduction_; }

 private:
  Tensor weight_;
  Reduction reduction_ = Reduction::Mean;
};
/// libtorch's BCEWithLogitsLossOptions: weight as BCELoss's, and pos_weight, the positive
/// examples' weight, broadcast along the last axis (one per class in multi-label tasks:
/// negatives / positives balances a skewed class).
class BCEWithLogitsLossOptions {
 public:
  BCEWithLogitsLossOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  const Tensor& weight() const { return weight_; }
  BCEWithLogitsLossOptions& pos_weight(const Tensor& v) { pos_weight_ = v; return *this; }
  const Tensor& pos_weight() const { return pos_weight_; }
  BCEWithLogitsLossOptions& reduction(Reduction v) { reduction_ = v; return *this; }
  Reduction reduction() const { return reduction_; }

 private:
  Tensor weight_, pos_weight_;
  Reduction reduction_ = Reduction::Mean;
};
/// PyTorch's binary_cross_entropy with options: each element's -w [t log p + (1 - t) log(1 - p)],
/// logs clamped at -100, reduced; the gradient (p - t) / max(p (1 - p), 1e-12) per element.
Tensor binary_cross_entropy(const Tensor& p, const Tensor& t, const BCELossOptions& options);
/// PyTorch's binary_cross_entropy_with_logits: w [(1 - t) x + ((pos_weight - 1) t + 1) log(1 + e^-x)],
/// stable for any x, reduced.
Tensor binary_cross_entropy_with_logits(const Tensor& x, const Tensor& t, const BCEWithLogitsLossOptions& options);
struct BCELoss {
  BCELossOptions options;
  BCELoss() = default;
  explicit BCELoss(const BCELossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& p, const Tensor& t) const { return binary_cross_entropy(p, t, options); }
};
struct BCEWithLogitsLoss {
  BCEWithLogitsLossOptions options;
  BCEWithLogitsLoss() = default;
  explicit BCEWithLogitsLoss(const BCEWithLogitsLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& x, const Tensor& t) const { return binary_cross_entropy_with_logits(x, t, options); }
};
struct HuberLoss {
  double delta = 1.0;
  Tensor operator()(const Tensor& y, const Tensor& t) const { return huber(y, t, delta); }
};
/// libtorch's kBatchMean: a reduction only kl_div takes (the sum over the batch size, which
/// is the KL divergence's value; kMean divides by every element). A type of its own, so that
/// another loss given it does not compile, as in libtorch.
struct BatchMean {};
/// KL divergence of the target distribution from the input's: the input holds log-probs, the
/// target probabilities (or log-probs with log_target); pointwise t (log t - input), 0 where
/// t = 0. Default reduction mean, as PyTorch's; kBatchMean gives the divergence itself.
class KLDivLossOptions {
 public:
  KLDivLossOptions& reduction(Reduction v) { reduction_ = v; batchmean_ = false; return *this; }
  KLDivLossOptions& reduction(BatchMean) { batchmean_ = true; return *this; }
  Reduction reduction() const { return reduction_; }
  bool batchmean() const { return batchmean_; }
  KLDivLossOptions& log_target(bool v) { log_target_ = v; return *this; }
  bool log_target() const { return log_target_; }

 private:
  Reduction reduction_ = Reduction::Mean;
  bool batchmean_ = false, log_target_ = false;
};
/// libtorch's KLDivLoss: F::kl_div with its options.
struct KLDivLoss {
  KLDivLossOptions options;
  KLDivLoss() = default;
  explicit KLDivLoss(const KLDivLossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const;
};
/// PyTorch's smooth L1: 0.5 d²/beta where |d| < beta, |d| - 0.5 beta elsewhere (huber / beta).
class SmoothL1LossOptions {
 public:
  SmoothL1LossOptions& reduction(Reduction v) { reduction_ = v; return *this; }
  Reduction reduction() const { return reduction_; }
  SmoothL1LossOptions& beta(double v) { beta_ = v; return *this; }
  double beta() const { return beta_; }

 private:
  Reduction reduction_ = Reduction::Mean;
  double beta_ = 1.0;
};
/// libtorch's SmoothL1Loss: F::smooth_l1_loss with its options.
struct SmoothL1Loss {
  SmoothL1LossOptions options;
  SmoothL1Loss() = default;
  explicit SmoothL1Loss(const SmoothL1LossOptions& o) : options(o) {}
  Tensor operator()(const Tensor& y, const Tensor& t) const;
};
struct L1Loss {
  Tensor operator()(const Tensor& y, const Tensor& t) const { return l1(y, t); }
};

}  // namespace xg::nn

namespace xg {
/// libtorch's reduction tags: `.reduction(xg::kMean)`.
inline constexpr nn::Reduction kNone = nn::Reduction::None;
inline constexpr nn::Reduction kMean = nn::Reduction::Mean;
inline constexpr nn::Reduction kSum = nn::Reduction::Sum;
inline constexpr nn::BatchMean kBatchMean{};
}  // namespace xg
