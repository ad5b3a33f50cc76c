// GraphedStep: one CUDA graph per batch signature, captured on the signature's second call.
#include <xgrad/train/graphed_step.h>

#include <algorithm>
#include <string>
#include <vector>

#include <xgrad/autograd.h>
#include <xgrad/cuda.h>
#include <xgrad/detail/format.h>

namespace xg::train {

namespace {

struct Entry {
  std::string key;
  int eager_calls = 0;
  std::uint64_t last_use = 0;
  cuda::Graph graph;
  tensor_list inputs, outputs;  // what the graph reads and writes
};

// Shapes, dtypes and devices of the batch: a graph replays for one signature only.
std::string signature(const tensor_list& batch) {
  std::string key;
  for (const Tensor& t : batch) {
    if (!t.defined()) {
      key += "undefined;";
      continue;
    }
    for (const std::int64_t d : t.shape()) key += std::to_string(d) + ",";
    key += detail::cat(dtype_name(t.dtype()), "@", t.device().str(), ";");
  }
  return key;
}

bool capturable(const tensor_list& batch) {
  if (batch.empty() || !cuda::is_available()) return false;
  return std::all_of(batch.begin(), batch.end(), [](const Tensor& t) { return t.defined() && t.is_cuda(); });
}

}  // namespace

struct GraphedStep::Impl {
  Step step;
  std::size_t max_graphs;
  Mode last = Mode::kEager;
  std::size_t captures = 0;
  std::uint64_t clock = 0;
  std::vector<std::unique_ptr<Entry>> entries;

  Entry& entry(const std::string& key) {
    for (auto& e : entries)
      if (e->key == key) return *e;
    if (entries.size() >= max_graphs) {  // the least recently used graph goes
      const auto lru = std::min_element(entries.begin(), entries.end(),
                                        [](const auto& a, const auto& b) { return a->last_use < b->last_use; });
      entries.erase(lru);
    }
    entries.push_back(std::make_unique<Entry>());
    entries.back()->key = key;
    return *entries.back();
  }

  tensor_list capture(Entry& e, const tensor_list& batch) {
    // The graph's inputs: this batch's values in tensors that live with the graph.
    e.inputs.clear();
    for (const Tensor& t : batch) {
      Tensor s = t.detach().clone();
      if (t.requires_grad()) s.requires_grad_();
      e.inputs.push_back(std::move(s));
    }
    try {
      e.graph.capture_begin();
      tensor_list out = step(e.inputs);
      e.graph.capture_end();
      e.outputs.clear();
      for (const Tensor& t : out) e.outputs.push_back(t.defined() ? t.detach() : t);  // no autograd graph kept
    } catch (...) {
      e.graph.reset();  // ends the capture, gives its memory back
      e.inputs.clear();
      e.outputs.clear();
      throw;
    }
    ++captures;
    e.graph.replay();  // the capture ran nothing: this call's step runs now
    return e.outputs;
  }
};

GraphedStep::GraphedStep(Step step, std::size_t max_graphs) : impl_(std::make_unique<Impl>()) {
  if (!step) fail("GraphedStep: the step function is empty");
  if (max_graphs == 0) fail("GraphedStep: max_graphs must be at least 1");
  impl_->step = std::move(step);
  impl_->max_graphs = max_graphs;
}
GraphedStep::~GraphedStep() = default;
GraphedStep::GraphedStep(GraphedStep&&) noexcept = default;
GraphedStep& GraphedStep::operator=(GraphedStep&&) noexcept = default;

tensor_list GraphedStep::operator()(const tensor_list& batch) {
  if (!impl_) fail("GraphedStep: used after being moved from");
  Impl& m = *impl_;
  if (!capturable(batch)) {
    m.last = Mode::kEager;
    return m.step(batch);
  }
  Entry& e = m.entry(signature(batch));
  e.last_use = ++m.clock;
  if (!e.graph.captured()) {
    if (e.eager_calls == 0) {  // first call: warm up
      ++e.eager_calls;
      m.last = Mode::kEager;
      return m.step(batch);
    }
    m.last = Mode::kCapture;
    return m.capture(e, batch);
  }
  {
    NoGradGuard no_grad;
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (!batch[i].is_same(e.inputs[i])) e.inputs[i].copy_(batch[i]);  // on the GPU, in stream order
  }
  e.graph.replay();
  m.last = Mode::kReplay;
  return e.outputs;
}

GraphedStep::Mode GraphedStep::last_mode() const { return impl_ ? impl_->last : Mode::kEager; }
std::size_t GraphedStep::graphs() const {
  if (!impl_) return 0;
  return static_cast<std::size_t>(std::count_if(impl_->entries.begin(), impl_->entries.end(),
                                                [](const auto& e) { return e->graph.captured(); }));
}
std::size_t GraphedStep::captures() const { return impl_ ? impl_->captures : 0; }
void GraphedStep::reset() {
  if (impl_) impl_->entries.clear();
}

}  // namespace xg::train
