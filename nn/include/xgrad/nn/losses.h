// Loss functions (differentiable) and metrics (not). Targets are int64 label indices of
// shape (N,) or one-hot / probability rows of the input's shape, where noted.
#pragma once

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
/// Softmax then cross-entropy, fused and stable (log-sum-exp): logits (N, C), labels (N,)
/// or one-hot (N, C). Mean over the batch; its gradient is (softmax(x) - t) / N.
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& t);
/// libtorch's name for softmax_cross_entropy: cross-entropy of *logits* (N, C) with int64
/// labels (N,) or probability rows (N, C), mean over the batch, as torch::nn::functional::
/// cross_entropy. (The textbook's cross_entropy_error takes probabilities instead.)
inline Tensor cross_entropy(const Tensor& logits, const Tensor& t) { return softmax_cross_entropy(logits, t); }
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
/// libtorch's CrossEntropyLoss: logits (N, C) and int64 labels (N,), softmax included.
struct CrossEntropyLoss {
  Tensor operator()(const Tensor& logits, const Tensor& t) const { return softmax_cross_entropy(logits, t); }
};
struct SoftmaxCrossEntropyLoss {
  Tensor operator()(const Tensor& y, const Tensor& t) const { return softmax_cross_entropy(y, t); }
};
struct BCELoss {
  Tensor operator()(const Tensor& p, const Tensor& t) const { return binary_cross_entropy(p, t); }
};
struct BCEWithLogitsLoss {
  Tensor operator()(const Tensor& x, const Tensor& t) const { return sigmoid_binary_cross_entropy(x, t); }
};
struct HuberLoss {
  double delta = 1.0;
  Tensor operator()(const Tensor& y, const Tensor& t) const { return huber(y, t, delta); }
};
struct L1Loss {
  Tensor operator()(const Tensor& y, const Tensor& t) const { return l1(y, t); }
};

}  // namespace xg::nn
