// The dynamic graph: nodes recorded by operations as they run, the guards that switch
// recording off, xg::grad, and the public API for user-defined differentiable operations.
//
// Ownership points from outputs to inputs only: a tensor owns the node that produced it, a
// node owns the edges to its inputs' nodes. Leaves (parameters) are owned by the user, not
// by the graph: edges and saved tensors refer to a leaf weakly (keeping its data, not its
// identity). A node keeps its own outputs without owning itself. So no reference cycle can
// form, not even through a gradient computed with create_graph (which refers back to its
// leaf through its graph): the graph is freed as soon as the last tensor referring to it
// goes away, and a dropped model frees its parameters and their gradients' graphs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <xgrad/detail/small_vector.h>
#include <xgrad/tensor.h>

namespace xg {

namespace autograd {

class Node;

/// Where a gradient flows: into output `output_nr` of `fn`, or into `leaf` (a tensor that
/// requires grad and was not produced by a recorded operation; held weakly: a gradient for
/// a leaf nobody holds any more has nowhere to go). Neither is set for an input that does
/// not require grad.
struct Edge {
  std::shared_ptr<Node> fn;
  std::uint32_t output_nr = 0;
  std::weak_ptr<detail::TensorImpl> leaf;
  bool valid() const { return fn != nullptr || !leaf.expired(); }
};

/// Shape and dtype of a node's input or output.
struct TensorMeta {
  Shape shape;
  Dtype dtype = kFloat32;
  Device device;  // where a zero gradient for an output no gradient reached is made
};

/// A tensor kept for backward, with the storage version it had when saved.
struct SavedTensor {
  Tensor data;  // non-leaf inputs: the handle itself; outputs and leaves: a handle without autograd state
  std::weak_ptr<detail::TensorImpl> leaf;  // a saved leaf itself, while someone else holds it
  bool is_output = false;
  std::uint32_t output_nr = 0;
  std::uint64_t version = 0;
};

/// The gradient hooks of one tensor (Tensor::register_hook), in registration order, and
/// where retain_grad() keeps its gradient. A non-leaf's list lives on the node that made it
/// (so it outlives the handle, as in libtorch); a leaf's on the leaf.
struct HookList {
  std::vector<std::pair<unsigned, std::function<Tensor(const Tensor&)>>> hooks;
  std::vector<std::pair<unsigned, std::function<void(const Tensor&)>>> post_accumulate;  // leaves only
  std::weak_ptr<detail::TensorImpl> retained;  // weak: the node must not own its output
  unsigned next_id = 0;
  /// Private to xg::dist (autograd/graph.h's set_row_stream): takes a leaf's gradient in
  /// blocks of rows while backward computes it; `streaming` is the engine's, for one backward.
  std::function<void(std::int64_t row0, std::int64_t row1, const Tensor& grad)> stream_rows;
  std::int64_t stream_block_rows = 0;
  bool streaming = false;
  /// Runs the hooks on `grad` (each sees the previous one's result), then retains it.
  Tensor run(Tensor grad) const;
};

/// A node's edges, one per input (libtorch's name; a vector keeping two inline here, so a
/// recorded operation costs no heap block for them: range-for, size(), [] as a std::vector).
using edge_list = detail::SmallVector<Edge, 2>;

/// A recorded operation: its edges to the inputs and its backward rule.
class Node : public std::enable_shared_from_this<Node> {
 public:
  explicit Node(std::string name = "");
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// Gradients with respect to each input, given the gradient of each output. Written with
  /// differentiable operations, so that create_graph gives higher-order gradients.
  virtual tensor_list backward(const tensor_list& grad_outputs) = 0;

  /// "MulBackward", ...
  const std::string& name() const { return *name_; }
  void set_name(std::string name) {
    own_name_ = std::move(name);
    name_ = &own_name_;
  }
  std::size_t num_inputs() const { return edges_.size(); }
  std::size_t num_outputs() const { return metas_.size() - edges_.size(); }
  const edge_list& next_edges() const { return edges_; }
  /// Shape and dtype of input / output i (std::out_of_range past the last).
  const TensorMeta& input_meta(std::size_t i) const { return meta(i < num_inputs() ? i : metas_.size()); }
  const TensorMeta& output_meta(std::size_t i) const {
    return meta(i < num_outputs() ? num_inputs() + i : metas_.size());
  }
  /// Whether input i needs a gradient (backward may skip the others and return undefined).
  bool needs_input_grad(std::size_t i) const { return i < edges_.size() && edges_[i].valid(); }

  /// Keeps tensors (inputs or outputs) for backward. Call it from forward().
  void save_for_backward(const tensor_list& tensors);
  /// The saved tensors; throws if one was modified in place since, or if a previous
  /// backward freed them (retain_graph = false).
  tensor_list saved() const;
  Tensor saved(std::size_t i) const;
  /// Frees the saved tensors (done by backward unless retain_graph).
  void release();

  /// The hooks of output `output_nr`, created on first use / null if none.
  HookList& hooks_for(std::uint32_t output_nr);
  const HookList* hooks(std::uint32_t output_nr) const;

  /// A name that outlives every node (the library's operations: names made once per
  /// operation and kept, so recording builds no string).
  struct StaticName {
    const std::string* name;
  };

 protected:
  explicit Node(StaticName name) : name_(name.name) {}

 private:
  friend struct GraphAccess;
  const TensorMeta& meta(std::size_t k) const;
  std::string own_name_;                 // a name given to the constructor or set_name
  const std::string* name_ = &own_name_;  // own_name_ or a StaticName
  // Inline for the common operation (two inputs, one output, two saved tensors): no heap
  // block per recorded operation for them.
  edge_list edges_;
  detail::SmallVector<TensorMeta, 3> metas_;  // the inputs' (one per edge), then the outputs'
  detail::SmallVector<SavedTensor, 2> saved_;
  tensor_list pending_saved_;  // saved before the node was attached to its outputs
  std::vector<std::pair<std::uint32_t, std::shared_ptr<HookList>>> hooks_;  // by output number
  bool released_ = false;
};

}  // namespace autograd

/// True unless a NoGradGuard is active on this thread.
bool is_grad_enabled();
/// Switches recording on or off for this thread (prefer the guards).
void set_grad_enabled(bool enabled);

/// RAII: no graph is recorded on this thread while it lives (for updates and evaluation).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

/// RAII: recording is on while it lives, even inside a NoGradGuard.
class EnableGradGuard {
 public:
  EnableGradGuard();
  ~EnableGradGuard();
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool previous_;
};

/// libtorch's spellings of the switch above: GradMode::is_enabled() / set_enabled(on), and
/// AutoGradMode(on), RAII. InferenceMode (RAII) records nothing while it lives, as
/// NoGradGuard; xgrad has no separate inference tensors, so what it creates may later be
/// used with autograd (libtorch refuses that).
struct GradMode {
  static bool is_enabled() { return is_grad_enabled(); }
  static void set_enabled(bool enabled) { set_grad_enabled(enabled); }
};
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled) : previous_(is_grad_enabled()) { set_grad_enabled(enabled); }
  ~AutoGradMode() { set_grad_enabled(previous_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool previous_;
};
class InferenceMode : public AutoGradMode {
 public:
  explicit InferenceMode(bool enabled = true) : AutoGradMode(!enabled) {}
};

/// True while a DetectAnomalyGuard is active on this thread.
bool is_anomaly_enabled();

/// RAII: while it lives, an operation whose forward turns finite inputs into NaN or Inf, or
/// a backward rule that returns NaN or Inf, throws xg::Error naming the operation.
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard();
  ~DetectAnomalyGuard();
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};

namespace autograd {
/// How the ReLU family (relu, leaky_relu) passes gradients back; for visualisation (see
/// xg::viz). Vanilla is the derivative. Guided (Springenberg et al.) also drops negative
/// gradients: gx = [x > 0]·[gy > 0]·gy (leaky: the leaky derivative times [gy > 0]).
/// Rectified, Zeiler and Fergus's deconvnet, ignores the forward input: gx = [gy > 0]·gy.
enum class ReluBackward { Vanilla, Guided, Rectified };

/// RAII: ReLU-family backward follows `mode` on this thread while the guard lives (the
/// rule is read when backward runs, so the forward pass may happen before or inside it).
/// No model reload, no graph rewrite; guards nest.
class ReluBackwardGuard {
 public:
  explicit ReluBackwardGuard(ReluBackward mode);
  ~ReluBackwardGuard();
  ReluBackwardGuard(const ReluBackwardGuard&) = delete;
  ReluBackwardGuard& operator=(const ReluBackwardGuard&) = delete;

 private:
  ReluBackward previous_;
};
/// The mode in force on this thread.
ReluBackward relu_backward_mode();
}  // namespace autograd

/// Gradients of `outputs` with respect to `inputs`, returned rather than accumulated: no
/// tensor's grad() is touched. `grad_outputs` may be omitted for one-element outputs.
/// With create_graph the results are differentiable again. An input that does not affect
/// the outputs throws, unless allow_unused (then its gradient is undefined).
tensor_list grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs = {},
                 std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                 bool allow_unused = false);

/// Backpropagates from several tensors at once, accumulating into leaves' grad().
void backward(const tensor_list& tensors, const tensor_list& grad_tensors = {}, bool retain_graph = false,
              bool create_graph = false);

namespace autograd {
/// libtorch's torch::autograd::grad and torch::autograd::backward.
using xg::backward;
using xg::grad;
}  // namespace autograd

/// Base class of a user-defined differentiable operation. Override forward() (which runs
/// with recording off and may call save_for_backward()) and backward(); call it through
/// xg::apply<YourFunction>(inputs, constructor arguments...). See examples/custom_operation.
class Function : public autograd::Node {
 public:
  using autograd::Node::Node;
  virtual tensor_list forward(const tensor_list& inputs) = 0;
};

namespace autograd {
/// Runs fn->forward(inputs) and records fn as the node of its outputs.
tensor_list apply_function(const std::shared_ptr<Function>& fn, const tensor_list& inputs);
}  // namespace autograd

/// Applies a user-defined Function: `auto y = xg::apply<Cube>({x})[0];`
template <class F, class... Args>
tensor_list apply(const tensor_list& inputs, Args&&... args) {
  return autograd::apply_function(std::make_shared<F>(std::forward<Args>(args)...), inputs);
}

}  // namespace xg
