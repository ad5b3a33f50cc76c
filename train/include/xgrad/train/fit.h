// A Keras-like training loop for those who want it: epochs of shuffled mini-batches,
// validation, per-epoch history, early stopping with best-weights restore, and callbacks.
// The textbook's examples write their loop by hand instead; this is the same loop, packaged.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <xgrad/nn/module.h>
#include <xgrad/optim/optimizer.h>

namespace xg::train {

/// Per-epoch metrics. Accuracies are filled when FitOptions::accuracy is set; validation
/// entries when validation data is given.
struct History {
  std::vector<double> loss, accuracy, val_loss, val_accuracy;
  int best_epoch = -1;          // epoch (0-based) with the lowest monitored loss
  bool stopped_early = false;
};

using LossFn = std::function<Tensor(const Tensor& prediction, const Tensor& target)>;
/// Called after every epoch; return false to stop training.
using Callback = std::function<bool(int epoch, const History& history)>;

struct FitOptions {
  int epochs = 10;
  std::int64_t batch_size = 32;
  std::uint64_t seed = 0;      // batch order
  Tensor x_val, y_val;         // validation data (optional)
  bool accuracy = false;       // also record accuracy (classification)
  int patience = 0;            // > 0: stop after this many epochs without improvement
  bool restore_best = true;    // with patience: put back the weights of the best epoch
  bool verbose = true;         // a progress line per epoch
  bool graph = false;          // replay each step as a CUDA graph (GraphedStep) when x and y are on a GPU
  std::vector<Callback> callbacks;
};

/// Trains `model` on (x, y) and returns the history. The monitored quantity is val_loss
/// when validation data is given, else the training loss.
History fit(nn::Module& model, optim::Optimizer& optimizer, const LossFn& loss, const Tensor& x, const Tensor& y,
            const FitOptions& options = {});

}  // namespace xg::train
