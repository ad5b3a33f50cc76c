// Private helpers of the visualisation methods.
#pragma once

#include <xgrad/viz.h>

namespace xg::viz::detail {

/// RAII: the model in evaluation mode (dropout off, running statistics), then back.
class EvalMode {
 public:
  explicit EvalMode(nn::Module& model) : model_(model), was_training_(model.is_training()) { model.eval(); }
  ~EvalMode() { model_.train(was_training_); }
  EvalMode(const EvalMode&) = delete;
  EvalMode& operator=(const EvalMode&) = delete;

 private:
  nn::Module& model_;
  bool was_training_;
};

/// Checks x is a float batch, naming `op`.
void check_input(const Tensor& x, const char* op);

/// The model's (N, K) scores on x; throws naming `op` if they are not (N, K).
Tensor scores(nn::Module& model, const Tensor& x, const char* op);

/// Σ_n scores[n, c_n]: one backward gives every sample's own gradient.
Tensor class_score(const Tensor& scores, const Classes& classes, const char* op);

/// Captures `layer`'s output in `activation` at each call while the returned hook lives.
nn::ScopedHook capture(nn::Module& layer, Tensor& activation);
/// Throws naming `op` when a forward pass left `activation` undefined: the model never
/// called the layer.
void check_called(const Tensor& activation, const nn::Module& layer, const nn::Module& model, const char* op);

/// The softmax probability of class `cls` for each row of a batch (one forward pass).
std::vector<double> probabilities(nn::Module& model, const Tensor& batch, std::int64_t cls, const char* op);

}  // namespace xg::viz::detail
