// Nodes, saved tensors, grad and anomaly modes, and record(): how the graph is built.
#include <xgrad/detail/format.h>
#include <cctype>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "autograd/graph.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/small_alloc.h"

namespace xg {

namespace {
thread_local bool t_grad_enabled = true;
thread_local bool t_anomaly_enabled = false;
thread_local const autograd::Node* t_backward_node = nullptr;
}  // namespace

bool is_grad_enabled() { return t_grad_enabled; }
void set_grad_enabled(bool enabled) { t_grad_enabled = enabled; }
NoGradGuard::NoGradGuard() : previous_(t_grad_enabled) { t_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { t_grad_enabled = previous_; }
EnableGradGuard::EnableGradGuard() : previous_(t_grad_enabled) { t_grad_enabled = true; }
EnableGradGuard::~EnableGradGuard() { t_grad_enabled = previous_; }
bool is_anomaly_enabled() { return t_anomaly_enabled; }
DetectAnomalyGuard::DetectAnomalyGuard() : previous_(t_anomaly_enabled) { t_anomaly_enabled = true; }
DetectAnomalyGuard::~DetectAnomalyGuard() { t_anomaly_enabled = previous_; }

namespace autograd {

Node::Node(std::string name) : own_name_(std::move(name)) {}

Node::~Node() {
  // Free the chain behind this node iteratively: a recursive release of a 100,000-node
  // chain would overflow the stack. Saved tensors go first, since they may hold the last
  // other reference to an input's node.
  std::vector<std::shared_ptr<Node>> stack;
  auto detach_inputs = [&stack](Node& n) {
    n.saved_.clear();
    n.pending_saved_.clear();
    for (auto& e : n.edges_)
      if (e.fn && e.fn.use_count() == 1) stack.push_back(std::move(e.fn));
  };
  detach_inputs(*this);
  while (!stack.empty()) {
    std::shared_ptr<Node> n = std::move(stack.back());
    stack.pop_back();
    detach_inputs(*n);
  }
}

const TensorMeta& Node::meta(std::size_t k) const {
  if (k >= metas_.size())
    throw std::out_of_range(*name_ + ": no input or output metadata at " + std::to_string(k));
  return metas_[k];
}

void Node::save_for_backward(const tensor_list& tensors) {
  pending_saved_.insert(pending_saved_.end(), tensors.begin(), tensors.end());
}

namespace {
void check_not_released(const Node& n, bool released) {
  if (released)
    fail(detail::call_or("backward"), ": trying to backward through the graph a second time (the tensors that ",
         n.name(), " saved were freed by the first backward). Pass retain_graph=true to the first backward to keep them.");
}
}  // namespace

Tensor Node::saved(std::size_t i) const {
  check_not_released(*this, released_);
  if (i >= saved_.size()) fail(*name_, ": saved tensor ", i, " requested, but ", saved_.size(), " were saved");
  const SavedTensor& s = saved_[i];
  if (s.data.impl()->storage->version != s.version)
    fail(*name_, ": a tensor of shape ", detail::shape_str(s.data.shape()), " saved for backward (", s.is_output ? "output" : "input",
         " ", i, ") was modified by an in-place operation: its version is ", s.data.impl()->storage->version,
         ", expected ", s.version, ". Use an out-of-place operation, or clone() it first.");
  if (auto leaf = s.leaf.lock()) return Tensor(std::move(leaf));  // so higher-order gradients reach it
  if (!s.is_output) return s.data;
  // Rebuild the output's handle so that higher-order gradients flow back through this node.
  auto impl = std::make_shared<detail::TensorImpl>(*s.data.impl());
  impl->requires_grad = true;
  impl->grad_fn = std::const_pointer_cast<Node>(shared_from_this());
  impl->output_nr = s.output_nr;
  return Tensor(std::move(impl));
}

tensor_list Node::saved() const {
  check_not_released(*this, released_);
  tensor_list out;
  out.reserve(saved_.size());
  for (std::size_t i = 0; i < saved_.size(); ++i) out.push_back(saved(i));
  return out;
}

void Node::release() {
  if (!saved_.empty()) released_ = true;
  saved_.clear();
}

bool should_record(TensorRefs inputs) {
  if (!t_grad_enabled) return false;
  for (const auto& x : inputs)
    if (x.defined() && x.requires_grad()) return true;
  return false;
}

BackwardScope::BackwardScope(const Node* node) : previous_(t_backward_node) { t_backward_node = node; }
BackwardScope::~BackwardScope() { t_backward_node = previous_; }

tensor_list recomputed_gradients(const Node& n, const tensor_list& in,
                                 const std::function<tensor_list(const tensor_list&)>& composed, const tensor_list& gys) {
  tensor_list wrt, grads(in.size());
  std::vector<std::size_t> where;
  for (std::size_t i = 0; i < in.size(); ++i)
    if (in[i].defined() && in[i].requires_grad() && n.needs_input_grad(i)) {
      wrt.push_back(in[i]);
      where.push_back(i);
    }
  if (wrt.empty()) return grads;
  const tensor_list g = grad(composed(in), wrt, gys, true, true, true);
  for (std::size_t j = 0; j < where.size(); ++j) grads[where[j]] = g[j];
  return grads;
}

void check_forward_anomaly(const char* op, TensorRefs inputs, const tensor_list& outputs) {
  if (!t_anomaly_enabled) return;
  for (const auto& x : inputs)
    if (x.defined() && !kernel::all_finite(x)) return;  // propagated, not produced here
  for (std::size_t k = 0; k < outputs.size(); ++k)
    if (outputs[k].defined() && !kernel::all_finite(outputs[k]))
      fail("anomaly detected: '", op, "' produced NaN or Inf in its output ", k, " (shape ",
           detail::shape_str(outputs[k].shape()), ") from finite inputs",
           t_backward_node ? " in the backward of " + t_backward_node->name() : std::string());
}

void attach(const std::shared_ptr<Node>& node, TensorRefs inputs, Tensor* outputs, std::size_t num_outputs,
            TensorRefs extra_saved) {
  auto& edges = GraphAccess::edges(*node);
  edges.assign_default(inputs.size());
  auto& metas = GraphAccess::metas(*node);
  metas.assign_default(inputs.size() + num_outputs);  // inputs, then outputs
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& x = inputs[i];
    if (!x.defined()) continue;
    metas[i] = {x.shape(), x.dtype(), x.device()};
    const auto& impl = x.impl();
    if (!impl->requires_grad) continue;
    if (impl->grad_fn)
      edges[i] = Edge{impl->grad_fn, impl->output_nr, {}};
    else
      edges[i] = Edge{nullptr, 0, impl};  // weak: the graph must not own a leaf (see autograd.h)
  }
  for (std::size_t k = 0; k < num_outputs; ++k) metas[inputs.size() + k] = {outputs[k].shape(), outputs[k].dtype(), outputs[k].device()};

  // Outputs are saved without their autograd state: the node must not own itself.
  auto& saved = GraphAccess::saved(*node);
  const tensor_list pending = GraphAccess::take_pending(*node);
  saved.reserve(pending.size() + extra_saved.size());
  const auto save = [&](const Tensor& t) {
    SavedTensor s;
    s.version = t.impl()->storage->version;
    for (std::size_t k = 0; k < num_outputs && !s.is_output; ++k)
      if (outputs[k].is_same(t)) {
        s.is_output = true;
        s.output_nr = static_cast<std::uint32_t>(k);
      }
    // Outputs: the node must not own itself. Leaves that require grad: the graph must not own
    // them either (a create_graph gradient stored in leaf.grad() refers to this node), so
    // keep their data and a weak reference to the leaf itself.
    const bool leaf = !s.is_output && t.impl()->requires_grad && !t.impl()->grad_fn;
    s.data = s.is_output || leaf ? detail::alias(t, t.shape()) : t;
    if (leaf) s.leaf = t.impl();
    saved.push_back(std::move(s));
  };
  for (const auto& t : pending) save(t);
  for (const auto& t : extra_saved) save(t);
  for (std::size_t k = 0; k < num_outputs; ++k) {
    auto& impl = outputs[k].impl();
    if (impl->grad_fn || impl->requires_grad)  // an output must be a fresh tensor
      outputs[k] = detail::alias(outputs[k], outputs[k].shape());
    outputs[k].impl()->requires_grad = is_floating(outputs[k].dtype());
    outputs[k].impl()->grad_fn = outputs[k].impl()->requires_grad ? node : nullptr;
    outputs[k].impl()->output_nr = static_cast<std::uint32_t>(k);
  }
}

namespace {

// "log_softmax" -> "LogSoftmaxBackward"
std::string make_node_name(const char* op) {
  std::string s;
  bool upper = true;
  for (const char* p = op; *p; ++p) {
    if (*p == '_') {
      upper = true;
      continue;
    }
    s += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(*p))) : *p;
    upper = false;
  }
  return s + "Backward";
}

// The node name of `op`, made once per operation name and kept for the program's life
// (a bounded set: the library's operations). Recording looks it up in a per-thread cache
// keyed by the literal's address, so the usual cost is a compare; a miss takes a lock.
Node::StaticName node_name(const char* op) {
  struct Entry {
    const char* op = nullptr;
    const std::string* name = nullptr;
  };
  thread_local Entry cache[64];
  Entry& e = cache[(reinterpret_cast<std::uintptr_t>(op) >> 3) % 64];
  if (e.op != op) {
    static std::mutex mutex;
    static auto* names = new std::unordered_map<std::string, std::unique_ptr<const std::string>>();  // never freed
    const std::lock_guard<std::mutex> lock(mutex);
    auto& name = (*names)[op];
    if (!name) name = std::make_unique<const std::string>(make_node_name(op));
    e = Entry{op, name.get()};
  }
  return Node::StaticName{e.name};
}

class LambdaNode final : public Node {
 public:
  LambdaNode(const char* op, BackwardFn fn) : Node(node_name(op)), fn_(std::move(fn)) {}
  tensor_list backward(const tensor_list& grad_outputs) override { return fn_(*this, grad_outputs); }

 private:
  BackwardFn fn_;
};

// The single-output form, held as given: wrapping it in a BackwardFn would put a
// std::function inside a std::function, a heap allocation per recorded operation.
class UnaryLambdaNode final : public Node {
 public:
  UnaryLambdaNode(const char* op, UnaryBackwardFn fn) : Node(node_name(op)), fn_(std::move(fn)) {}
  tensor_list backward(const tensor_list& grad_outputs) override { return fn_(*this, grad_outputs[0]); }

 private:
  UnaryBackwardFn fn_;
};

}  // namespace

tensor_list record(const char* op, TensorRefs inputs, tensor_list outputs, TensorRefs saved, BackwardFn backward) {
  check_forward_anomaly(op, inputs, outputs);
  if (!should_record(inputs)) return outputs;
  auto node = std::allocate_shared<LambdaNode>(detail::PoolAllocator<LambdaNode>(), op, std::move(backward));
  attach(node, inputs, outputs, saved);
  return outputs;
}

Tensor record(const char* op, TensorRefs inputs, Tensor output, TensorRefs saved, UnaryBackwardFn backward) {
  if (!should_record(inputs)) {
    if (t_anomaly_enabled) check_forward_anomaly(op, inputs, {output});
    return output;
  }
  if (t_anomaly_enabled) check_forward_anomaly(op, inputs, {output});
  auto node = std::allocate_shared<UnaryLambdaNode>(detail::PoolAllocator<UnaryLambdaNode>(), op, std::move(backward));
  attach(node, inputs, &output, 1, saved);
  return output;
}

tensor_list apply_function(const std::shared_ptr<Function>& fn, const tensor_list& inputs) {
  tensor_list outputs;
  {
    NoGradGuard guard;
    outputs = fn->forward(inputs);
  }
  if (fn->name().empty()) fn->set_name("FunctionBackward");
  check_forward_anomaly(fn->name().c_str(), inputs, outputs);
  if (should_record(inputs)) attach(fn, inputs, outputs);
  return outputs;
}

}  // namespace autograd
}  // namespace xg
