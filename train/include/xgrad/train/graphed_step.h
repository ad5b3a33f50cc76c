// xg::train::GraphedStep: a training step run as a CUDA graph (issue 21), in the shape of
// tinygrad's TinyJit and PyTorch's make_graphed_callables: the first call with a batch of a
// given shape runs eagerly (libraries make their handles and workspaces, pools fill), the
// second captures the step into an xg::cuda::Graph and replays it, and later calls copy the
// batch into the captured inputs and replay: one launch for the whole step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include <xgrad/tensor.h>

namespace xg::train {

/// Wraps `step(batch) -> outputs` (typically: zero_grad, forward, loss, backward, optimizer
/// step; returns the loss and whatever else the caller reads). The step must follow the
/// capture rules of xg::cuda::Graph: no host reads inside (read the returned loss after the
/// call), zero_grad() inside (so the captured backward writes the gradients), a built-in
/// optimizer with fused on (the default). Every batch tensor on a GPU makes the step
/// capturable; a batch with a CPU tensor (or without CUDA) runs eagerly every time.
///
/// Each distinct batch signature (shapes, dtypes, devices) gets its own graph, captured on its
/// second call, up to `max_graphs` (the least recently used goes first): a last, smaller batch
/// of an epoch runs eagerly once, then replays its own graph. After a capture or a replay the
/// returned tensors are the graph's outputs, rewritten by its next replay: clone() what must
/// be kept. Not thread-safe: one GraphedStep per training thread.
class GraphedStep {
 public:
  using Step = std::function<tensor_list(const tensor_list& batch)>;
  enum class Mode : std::uint8_t { kEager, kCapture, kReplay };

  explicit GraphedStep(Step step, std::size_t max_graphs = 4);
  ~GraphedStep();
  GraphedStep(GraphedStep&&) noexcept;
  GraphedStep& operator=(GraphedStep&&) noexcept;
  GraphedStep(const GraphedStep&) = delete;
  GraphedStep& operator=(const GraphedStep&) = delete;

  /// Runs the step on `batch`: eagerly, by capturing it, or by replaying its graph.
  tensor_list operator()(const tensor_list& batch);
  /// How the last call ran.
  Mode last_mode() const;
  /// Graphs held now, and captured since construction.
  std::size_t graphs() const;
  std::size_t captures() const;
  /// Drops every graph (after changing the model or the optimizer, whose tensors the graphs
  /// hold): the next calls run eagerly, then capture again.
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xg::train
