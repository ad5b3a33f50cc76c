// Private: the one place that builds graph edges. Every differentiable operation computes
// its outputs with a kernel, then calls record(); record() alone decides whether to record
// (grad mode on and some input requiring grad), checks anomalies, and wires the node.
#pragma once

#include <functional>
#include <initializer_list>

#include <xgrad/autograd.h>

#include "tensor/tensor_impl.h"

namespace xg::autograd {

/// The tensors an operation reads, as a view: a braced list at the call (record("mul", {a, b},
/// ...)) costs no allocation, where a tensor_list would cost one per list per operation,
/// recorded or not. Only ever a parameter: the list it views lives until the call returns.
// GCC warns that keeping list.begin() does not extend the list's life: true, and why a
// TensorRefs is only ever a parameter (the list lives until the call returns).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
class TensorRefs {
 public:
  TensorRefs(std::initializer_list<Tensor> list) : data_(list.begin()), size_(list.size()) {}
  TensorRefs(const tensor_list& list) : data_(list.data()), size_(list.size()) {}
  const Tensor* begin() const { return data_; }
  const Tensor* end() const { return data_ + size_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Tensor& operator[](std::size_t i) const { return data_[i]; }

 private:
  const Tensor* data_;
  std::size_t size_;
};
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/// A backward rule given as a function of the node (for saved tensors and input metadata)
/// and the output gradients. It must not capture tensors: save them with `saved` instead.
using BackwardFn = std::function<tensor_list(Node& node, const tensor_list& grad_outputs)>;
using UnaryBackwardFn = std::function<tensor_list(Node& node, const Tensor& grad_output)>;

/// Records `op` (e.g. "mul", node "MulBackward") producing `outputs` from `inputs`, with the
/// tensors in `saved` kept for backward. Returns the outputs, now carrying grad_fn. `op` is
/// a string literal: its node name is looked up by address.
tensor_list record(const char* op, TensorRefs inputs, tensor_list outputs, TensorRefs saved, BackwardFn backward);
/// The single-output form.
Tensor record(const char* op, TensorRefs inputs, Tensor output, TensorRefs saved, UnaryBackwardFn backward);

/// True when an operation on these inputs would be recorded.
bool should_record(TensorRefs inputs);

/// Wires an already constructed node: edges to `inputs`, metadata, saved tensors (the
/// node's pending list, then `saved`) and grad_fn of `outputs`. Also used by xg::apply.
void attach(const std::shared_ptr<Node>& node, TensorRefs inputs, Tensor* outputs, std::size_t num_outputs,
            TensorRefs saved = {});
inline void attach(const std::shared_ptr<Node>& node, TensorRefs inputs, tensor_list& outputs, TensorRefs saved = {}) {
  attach(node, inputs, outputs.data(), outputs.size(), saved);
}

/// The higher orders of a fused node (one whose backward is a kernel, not differentiable):
/// `composed(in)`, the same function from differentiable operations, recomputed from the
/// node's saved inputs `in` (undefined where absent), and its gradient for `gys` taken with a
/// graph; undefined for the inputs that need none. Runs in the backward, grad mode on.
tensor_list recomputed_gradients(const Node& n, const tensor_list& in,
                                 const std::function<tensor_list(const tensor_list&)>& composed, const tensor_list& gys);

/// Gives `t` the history of `result`, whose values an in-place update just wrote into t
/// (libtorch's rebase_history): later operations on t differentiate through result's node,
/// earlier ones keep the node they recorded. retain_grad() moves to the new history; hooks
/// registered before stay with the old values, as in libtorch.
void rebase_history(const Tensor& t, const Tensor& result);

/// Throws if anomaly mode is on and an output holds NaN/Inf while the inputs did not.
void check_forward_anomaly(const char* op, TensorRefs inputs, const tensor_list& outputs);

/// Hands `leaf`'s gradient to `rows` in blocks of `block_rows` rows (a multiple of
/// detail::kGemmRowAlign) as backward computes it, where an operation can (a product that is
/// the leaf's weight gradient), and where the blocks are the gradient backward adds to grad():
/// the leaf's only contribution in that backward, not xg::grad, no create_graph, no hook that
/// could change it. Each row is handed over once per backward, in order. DistributedDataParallel
/// starts each block's all-reduce while the next is computed. A null `rows` stops it.
void set_row_stream(const Tensor& leaf, std::int64_t block_rows,
                    std::function<void(std::int64_t row0, std::int64_t row1, const Tensor& grad)> rows);
/// The hooks of input i of `n` when the running backward streams its gradient (see above).
const HookList* streamed_input(const Node& n, std::size_t i);

/// Marks the node whose backward runs on this thread, for anomaly messages (RAII).
class BackwardScope {
 public:
  explicit BackwardScope(const Node* node);
  ~BackwardScope();
  BackwardScope(const BackwardScope&) = delete;
  BackwardScope& operator=(const BackwardScope&) = delete;

 private:
  const Node* previous_;
};

/// The engine's and record()'s access to Node internals.
struct GraphAccess {
  static edge_list& edges(Node& n) { return n.edges_; }
  static bool released(const Node& n) { return n.released_; }
  /// The inputs' metadata (one per edge, which must be set first), then the outputs'.
  static detail::SmallVector<TensorMeta, 3>& metas(Node& n) { return n.metas_; }
  static tensor_list take_pending(Node& n) { return std::move(n.pending_saved_); }
  static detail::SmallVector<SavedTensor, 2>& saved(Node& n) { return n.saved_; }
};

}  // namespace xg::autograd

namespace xg::autograd {

/// While alive on a thread, collects a signature of the discrete choices that operations
/// with kinks make in forward (which inputs a ReLU passes, where a pooling maximum sits).
/// Gradient checks compare signatures at x + h and x - h with x's: a change means the
/// central difference straddles a kink there, where backprop and the difference disagree
/// by design. Probes nest; only the innermost collects.
class KinkProbe {
 public:
  KinkProbe();
  ~KinkProbe();
  KinkProbe(const KinkProbe&) = delete;
  KinkProbe& operator=(const KinkProbe&) = delete;
  std::uint64_t signature() const { return hash_; }
  void reset() { hash_ = 14695981039346656037ull; }
  void mix(const char* op, const Tensor& choices);

 private:
  std::uint64_t hash_ = 14695981039346656037ull;  // FNV-1a offset basis
  KinkProbe* previous_;
};

/// True when a KinkProbe is active on this thread.
bool probing_kinks();
/// Folds an operation's choices into the active probe: int64 tensors by value, float
/// tensors by sign (negative, zero, positive). Call only when probing_kinks().
void note_kink(const char* op, const Tensor& choices);

}  // namespace xg::autograd
