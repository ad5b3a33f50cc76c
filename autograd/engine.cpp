// The backward engine. Iterative throughout (no recursion, so a 100,000-operation chain is
// fine): a depth-first walk counts how many consumers each node has, then nodes run in
// topological order as their last consumer hands them a gradient. Gradients arriving at
// one place are summed; leaves accumulate into grad() (backward) or are captured (grad).
#include <xgrad/detail/format.h>
#include <unordered_map>
#include <unordered_set>

#include <xgrad/ops.h>

#include "autograd/graph.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg {

using autograd::GraphAccess;
using autograd::Node;

namespace {

struct Target {  // what xg::grad captures
  std::unordered_map<const Node*, std::vector<std::pair<std::uint32_t, std::size_t>>> at_node;
  std::unordered_map<const detail::TensorImpl*, std::size_t> at_leaf;
  tensor_list grads;
};

void add_into(Tensor& slot, Tensor g) {
  if (!g.defined()) return;
  slot = slot.defined() ? slot + g : std::move(g);
}

void accumulate_leaf(detail::TensorImpl& leaf, Tensor g, bool create_graph) {
  if (g.dtype() != leaf.dtype) g = g.to(leaf.dtype);
  if (!leaf.grad) {
    // Keep g itself only when nobody else can see or change it (nor its bytes: not a view).
    const auto& storage = g.impl()->storage;
    const bool owned = g.impl().use_count() == 1 && storage.use_count() == 1 && !storage->base;
    if (create_graph)
      leaf.grad = g.impl();
    else
      leaf.grad = (owned && !g.requires_grad() ? g : kernel::copy(g)).impl();
  } else if (create_graph || leaf.grad->requires_grad) {
    leaf.grad = (Tensor(leaf.grad) + g).impl();
  } else {
    Tensor acc(leaf.grad);
    kernel::binary_inplace(kernel::Binary::Add, acc, g, "backward");
  }
}

void check_gradient(const Node& node, std::size_t i, Tensor& gx) {
  const auto& meta = node.input_meta(i);
  if (gx.shape() != meta.shape)
    fail(node.name(), " returned a gradient of shape ", detail::shape_str(gx.shape()), " for input ", i,
         " of shape ", detail::shape_str(meta.shape));
  if (gx.dtype() != meta.dtype && is_floating(meta.dtype)) gx = gx.to(meta.dtype);
  if (is_anomaly_enabled() && !kernel::all_finite(gx))
    fail("anomaly detected: '", node.name(), "' returned NaN or Inf in its gradient for input ", i, " (shape ",
         detail::shape_str(gx.shape()), ")");
}

// What backward keeps for each node it will run: how many consumers have not handed it
// their gradient yet, and the sums of what arrived, by output (most nodes have one output:
// kept inline).
struct NodeState {
  int deps = 0;
  Tensor first;       // output 0
  tensor_list rest;   // outputs 1, 2, ... (grown as gradients arrive)
  Tensor& grad(std::uint32_t output_nr) {
    if (output_nr == 0) return first;
    if (rest.size() < output_nr) rest.resize(output_nr);
    return rest[output_nr - 1];
  }
  // Moves the sums into `gys` (one per output; undefined where none arrived).
  void take_grads(tensor_list& gys, std::size_t num_outputs) {
    gys.clear();
    gys.push_back(std::move(first));
    for (auto& g : rest) gys.push_back(std::move(g));
    gys.resize(num_outputs);
    rest = tensor_list();
  }
};

// Node -> NodeState for one backward: an open-addressing table of indices into one vector
// of states (the unordered_map it replaces made a heap block per node: the engine's
// largest per-operation cost, docs/design.md).
class NodeStates {
 public:
  NodeStates() : slots_(256, Slot{nullptr, 0}) { states_.reserve(64); }
  // The node's state, and whether it was created now.
  std::pair<NodeState*, bool> insert(const Node* n) {
    if (2 * (states_.size() + 1) > slots_.size()) rehash(2 * slots_.size());
    std::size_t i = home(n);
    for (; slots_[i].node; i = (i + 1) & (slots_.size() - 1))
      if (slots_[i].node == n) return {&states_[slots_[i].index], false};
    slots_[i] = Slot{n, static_cast<std::uint32_t>(states_.size())};
    states_.emplace_back();
    return {&states_.back(), true};
  }
  // A node inserted before.
  NodeState& find(const Node* n) {
    std::size_t i = home(n);
    while (slots_[i].node != n) i = (i + 1) & (slots_.size() - 1);
    return states_[slots_[i].index];
  }

 private:
  struct Slot {
    const Node* node;
    std::uint32_t index;
  };
  std::size_t home(const Node* n) const {  // Fibonacci hashing: the product's high bits
    return static_cast<std::size_t>((static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(n)) *
                                     0x9E3779B97F4A7C15ull) >> shift_);
  }
  void rehash(std::size_t size) {
    std::vector<Slot> old(size, Slot{nullptr, 0});
    old.swap(slots_);
    --shift_;
    for (const Slot& s : old)
      if (s.node) {
        std::size_t i = home(s.node);
        while (slots_[i].node) i = (i + 1) & (slots_.size() - 1);
        slots_[i] = s;
      }
  }
  std::vector<Slot> slots_;  // a power of two, at most half full
  int shift_ = 64 - 8;       // 64 - log2(slots_.size())
  std::vector<NodeState> states_;
};

// The leaves whose gradient this backward streams in row blocks (autograd::set_row_stream);
// the flags are cleared however backward ends.
class Streaming {
 public:
  ~Streaming() {
    for (auto& list : on_) list->streaming = false;
  }
  void start(const std::shared_ptr<autograd::HookList>& list) {
    list->streaming = true;
    on_.push_back(list);
  }

 private:
  std::vector<std::shared_ptr<autograd::HookList>> on_;
};

// Runs backward from `roots`. With `target`, gradients reaching its tensors are captured and
// leaves are left alone; without, leaves accumulate into grad().
void run_backward(const tensor_list& roots, const tensor_list& root_grads, bool keep_graph, bool create_graph,
                  Target* target) {
  std::optional<NoGradGuard> no_grad;
  std::optional<EnableGradGuard> with_grad;
  if (create_graph)
    with_grad.emplace();
  else
    no_grad.emplace();

  // 1. Count consumers of every node reachable from the roots, and of every leaf with hooks
  //    (whose hooks must see the sum of its gradients, once). A node's count and the
  //    gradients waiting for it share one entry: one map node per recorded operation.
  NodeStates pending;
  std::unordered_map<const detail::TensorImpl*, int> leaf_deps;
  std::vector<Node*> stack;
  for (const auto& r : roots) {
    if (auto* fn = r.impl()->grad_fn.get(); fn && pending.insert(fn).second) stack.push_back(fn);
    if (!r.impl()->grad_fn && r.impl()->hooks) ++leaf_deps[r.impl().get()];
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const auto& e : GraphAccess::edges(*n)) {
      if (!e.fn) {
        if (auto leaf = e.leaf.lock(); leaf && leaf->hooks) ++leaf_deps[leaf.get()];
        continue;
      }
      auto [state, fresh] = pending.insert(e.fn.get());
      ++state->deps;
      if (fresh) stack.push_back(e.fn.get());
    }
  }

  // A consumer takes a leaf's gradient in blocks as it is computed only where the blocks
  // are what grad() receives: one contribution, accumulated, no graph, no hook changing it.
  Streaming streaming;
  if (!target && !create_graph)
    for (const auto& [leaf, count] : leaf_deps)
      if (count == 1 && leaf->hooks->stream_rows && leaf->hooks->hooks.empty()) streaming.start(leaf->hooks);

  // 2. Seed the roots' gradients.
  std::unordered_map<const detail::TensorImpl*, Tensor> leaf_buffers;
  auto deliver_to_leaf = [&](const std::shared_ptr<detail::TensorImpl>& leaf, Tensor g) {
    if (leaf->hooks) {  // wait for the last contribution, then let the hooks see the sum
      auto& buf = leaf_buffers[leaf.get()];
      add_into(buf, std::move(g));
      if (--leaf_deps[leaf.get()] > 0) return;
      g = buf.defined() ? leaf->hooks->run(std::move(buf)) : Tensor();
      leaf_buffers.erase(leaf.get());
    }
    if (!g.defined()) return;
    if (target) {
      auto it = target->at_leaf.find(leaf.get());
      if (it != target->at_leaf.end()) add_into(target->grads[it->second], std::move(g));
    } else {
      accumulate_leaf(*leaf, std::move(g), create_graph);  // moved: kept without a copy when nobody else holds it
      if (leaf->hooks && !leaf->hooks->post_accumulate.empty()) {
        const Tensor param(leaf);
        for (const auto& [id, hook] : std::vector(leaf->hooks->post_accumulate)) hook(param);
      }
    }
  };
  for (std::size_t i = 0; i < roots.size(); ++i) {
    const auto& impl = roots[i].impl();
    if (impl->grad_fn) {
      add_into(pending.find(impl->grad_fn.get()).grad(impl->output_nr), root_grads[i]);
    } else {
      deliver_to_leaf(impl, root_grads[i]);
    }
  }

  // 3. Run nodes as they become ready.
  std::vector<Node*> ready;
  for (const auto& r : roots)
    if (auto* fn = r.impl()->grad_fn.get()) {
      if (int& deps = pending.find(fn).deps; deps == 0) {
        deps = -1;  // queued once even if several roots share it
        ready.push_back(fn);
      }
    }
  tensor_list gys;  // reused: one allocation per backward, not per node
  while (!ready.empty()) {
    Node* node = ready.back();
    ready.pop_back();
    pending.find(node).take_grads(gys, node->num_outputs());
    for (std::size_t k = 0; k < gys.size(); ++k) {
      const auto* hooks = node->hooks(static_cast<std::uint32_t>(k));
      if (hooks && gys[k].defined()) gys[k] = hooks->run(std::move(gys[k]));
      if (!gys[k].defined()) {  // an output of a multi-output node that no gradient reached
        const autograd::TensorMeta& m = node->output_meta(k);
        gys[k] = zeros(m.shape, TensorOptions().dtype(m.dtype).device(m.device));
      }
    }
    if (target) {
      auto it = target->at_node.find(node);
      if (it != target->at_node.end())
        for (auto [nr, idx] : it->second) add_into(target->grads[idx], gys[nr]);
    }
    if (GraphAccess::released(*node)) node->saved();  // throws the "second time" error

    tensor_list gxs;
    {
      autograd::BackwardScope scope(node);
      gxs = node->backward(gys);
    }
    const auto& edges = GraphAccess::edges(*node);
    if (gxs.size() != edges.size())
      fail(node->name(), " returned ", gxs.size(), " gradients for ", edges.size(), " inputs");
    for (std::size_t i = 0; i < edges.size(); ++i) {
      const auto& e = edges[i];
      if (gxs[i].defined() && e.valid()) check_gradient(*node, i, gxs[i]);
      if (e.fn) {
        NodeState& next = pending.find(e.fn.get());  // counted in step 1
        add_into(next.grad(e.output_nr), std::move(gxs[i]));
        if (--next.deps == 0) ready.push_back(e.fn.get());
      } else if (auto leaf = e.leaf.lock()) {
        deliver_to_leaf(leaf, std::move(gxs[i]));
      }
    }
    if (!keep_graph) node->release();
  }
}

// Validates roots and fills in implicit gradients (ones for one-element roots).
tensor_list root_gradients(const tensor_list& roots, const tensor_list& grads, const char* op) {
  if (!grads.empty() && grads.size() != roots.size())
    fail(op, ": got ", grads.size(), " gradients for ", roots.size(), " tensors");
  tensor_list out(roots.size());
  for (std::size_t i = 0; i < roots.size(); ++i) {
    const auto& r = roots[i];
    if (!r.defined()) fail(op, ": tensor ", i, " is undefined");
    if (!r.requires_grad())
      fail(op, ": tensor ", i, " of shape ", detail::shape_str(r.shape()),
           " does not require grad and has no grad_fn (call requires_grad_() on the leaves first)");
    if (i < grads.size() && grads[i].defined()) {
      if (grads[i].shape() != r.shape())
        fail(op, ": gradient of shape ", detail::shape_str(grads[i].shape()), " does not match tensor ", i,
             " of shape ", detail::shape_str(r.shape()));
      out[i] = grads[i].dtype() == r.dtype() ? grads[i] : grads[i].to(r.dtype());
    } else if (r.numel() == 1) {
      out[i] = ones(r.shape(), TensorOptions(r.dtype()).device(r.device()));
    } else {
      fail(op, ": grad can be implicitly created only for a one-element tensor, got shape ",
           detail::shape_str(r.shape()), "; pass a gradient of that shape");
    }
  }
  return out;
}

}  // namespace

const autograd::HookList* autograd::streamed_input(const Node& n, std::size_t i) {
  if (i >= n.num_inputs()) return nullptr;
  const auto& e = n.next_edges()[i];
  if (e.fn) return nullptr;
  const auto leaf = e.leaf.lock();
  return leaf && leaf->hooks && leaf->hooks->streaming ? leaf->hooks.get() : nullptr;
}

void backward(const tensor_list& tensors, const tensor_list& grad_tensors, bool retain_graph, bool create_graph) {
  detail::CallScope call("backward");
  const tensor_list grads = root_gradients(tensors, grad_tensors, "backward");
  run_backward(tensors, grads, retain_graph || create_graph, create_graph, nullptr);
}

void Tensor::backward(const Tensor& grad_output, bool retain_graph, bool create_graph) const {
  xg::backward({*this}, grad_output.defined() ? tensor_list{grad_output} : tensor_list{}, retain_graph, create_graph);
}

tensor_list grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs,
                 std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  detail::CallScope call("grad");
  const tensor_list grads = root_gradients(outputs, grad_outputs, "grad");
  Target target;
  target.grads.resize(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& x = inputs[i];
    if (!x.defined() || !x.requires_grad())
      fail("grad: input ", i, " does not require grad (call requires_grad_() on it before the forward pass)");
    if (x.impl()->grad_fn)
      target.at_node[x.impl()->grad_fn.get()].push_back({x.impl()->output_nr, i});
    else
      target.at_leaf[x.impl().get()] = i;
  }
  run_backward(outputs, grads, retain_graph.value_or(create_graph), create_graph, &target);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto& g = target.grads[i];
    if (!g.defined()) {
      if (!allow_unused)
        fail("grad: input ", i, " of shape ", detail::shape_str(inputs[i].shape()),
             " was not used to compute the outputs (pass allow_unused=true to get an undefined gradient)");
      continue;
    }
    if (g.dtype() != inputs[i].dtype()) g = g.to(inputs[i].dtype());
    if (!create_graph) g = g.detach();
  }
  return target.grads;
}

}  // namespace xg
