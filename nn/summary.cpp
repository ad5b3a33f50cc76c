// summary(): a forward pass that records each layer's output shape through forward
// hooks, removed when the pass ends.
#include <xgrad/detail/format.h>
#include <iostream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <xgrad/autograd.h>
#include <xgrad/nn/summary.h>

namespace xg::nn {

namespace {

void index_modules(Module& m, const std::string& path, std::map<const Module*, std::string>& out,
                   std::vector<Module*>& all) {
  out[&m] = path;
  all.push_back(&m);
  for (const auto& [name, child] : m.children())
    index_modules(*child, path.empty() ? name : path + "." + name, out, all);
}

// A row per layer: a module without children, or one that holds parameters of its own
// beside its children (MultiheadAttention's in_proj_weight beside out_proj), shown whole
// (its children get no rows). Asked after the forward pass: lazy layers are sized by then.
std::set<const Module*> row_modules(Module& model) {
  std::set<const Module*> rows;
  std::function<void(Module&, bool)> visit = [&](Module& m, bool root) {
    std::size_t in_children = 0;
    for (const auto& [name, child] : m.children()) in_children += child->named_parameters().size();
    if (m.children().empty() || (!root && m.named_parameters().size() > in_children)) {
      rows.insert(&m);
      return;
    }
    for (const auto& [name, child] : m.children()) visit(*child, false);
  };
  visit(model, true);
  return rows;
}

// Values a model holds, as Keras counts them: float tensors (BatchNorm's int64 batch
// counter is bookkeeping, not a parameter).
std::int64_t count(const NamedTensors& ts) {
  std::int64_t n = 0;
  for (const auto& [name, t] : ts)
    if (is_floating(t.dtype())) n += t.numel();
  return n;
}

std::string with_commas(std::int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s + " ";
}

}  // namespace

std::string ModelSummary::str() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const ModelSummary& s) {
  const std::string rule(65, '_'), thick(65, '=');
  os << "Model: \"" << s.model_type << "\"\n" << rule << "\n";
  os << ' ' << pad("Layer (type)", 27) << pad("Output Shape", 25) << "Param #\n" << thick << "\n";
  for (const auto& r : s.rows) {
    std::string shape = "(";
    for (std::size_t i = 0; i < r.output_shape.size(); ++i) shape += (i ? ", " : "") + std::to_string(r.output_shape[i]);
    shape += ")";
    os << ' ' << pad(r.name + " (" + r.type + ")", 27) << pad(shape, 25) << with_commas(r.params) << "\n";
  }
  os << thick << "\n";
  os << "Total params: " << with_commas(s.total) << "\n";
  os << "Trainable params: " << with_commas(s.trainable) << "\n";
  os << "Non-trainable params: " << with_commas(s.non_trainable) << "\n" << rule << "\n";
  return os;
}

namespace {
// Where the model's parameters live (its first one's), so a CUDA model is probed on its GPU;
// the CPU for a model without parameters, or with a lazy layer not yet sized (parameters()
// refuses to list it: summary is what sizes it, with a CPU probe as before).
Device device_of(const Module& model) {
  try {
    const tensor_list params = model.parameters();
    return params.empty() ? Device(kCPU) : params[0].device();
  } catch (const Error&) {
    return Device(kCPU);
  }
}
}  // namespace

ModelSummary summary(Module& model, const Shape& input_shape, std::ostream& os, Dtype dtype) {
  ModelSummary s;
  s.model_type = model.type_name();
  std::map<const Module*, std::string> paths;
  std::vector<Module*> modules;
  index_modules(model, "", paths, modules);

  std::vector<std::pair<const Module*, Shape>> calls;
  {
    std::vector<ScopedHook> hooks;
    for (Module* m : modules)
      hooks.emplace_back(m->register_forward_hook(
          [&calls](Module& called, const Tensor&, const Tensor& y) { calls.emplace_back(&called, y.shape()); }));
    NoGradGuard no_grad;
    const bool was_training = model.is_training();
    model.eval();
    try {
      model(zeros(input_shape, TensorOptions().dtype(dtype).device(device_of(model))));
    } catch (const Error& e) {
      model.train(was_training);
      // The layer's own message, under the call the user made.
      fail("summary: ", model.type_name(), "'s forward fails on an input of shape ", detail::shape_str(input_shape), ": ",
           e.what());
    } catch (...) {
      model.train(was_training);
      throw;
    }
    model.train(was_training);
  }
  const auto rows = row_modules(model);
  for (const auto& [m, shape] : calls) {
    if (!rows.count(m)) continue;
    const std::string& path = paths.count(m) ? paths[m] : std::string("?");
    s.rows.push_back({path.empty() ? m->type_name() : path, m->type_name(), shape, count(m->named_parameters()) + count(m->named_buffers())});
  }
  // Shared tensors count once in the totals (rows show each module's own).
  for (const auto& t : model.parameters()) (t.requires_grad() ? s.trainable : s.non_trainable) += t.numel();
  for (const auto& t : model.buffers())
    if (is_floating(t.dtype())) s.non_trainable += t.numel();
  s.total = s.trainable + s.non_trainable;
  os << s;
  return s;
}

ModelSummary summary(Module& model, const Shape& input_shape, Dtype dtype) { return summary(model, input_shape, std::cout, dtype); }

}  // namespace xg::nn
