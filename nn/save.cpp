// save/load of a module's state through .npz, in xgrad's names and layouts or PyTorch's.
#include <xgrad/detail/format.h>
#include <map>

#include <xgrad/autograd.h>
#include <xgrad/npz.h>
#include <xgrad/nn/save.h>
#include <xgrad/ops.h>

#include "nn/save_state.h"
#include "tensor/checked.h"

namespace xg {

namespace {

// BatchNorm's num_batches_tracked: a file saved before BatchNorm kept it (or by PyTorch's
// BatchNorm before its version 2) loads without it, the counter staying as it is, as
// PyTorch's _load_from_state_dict allows.
bool is_batch_counter(const std::string& name) {
  const std::string key = "num_batches_tracked";
  return name.size() >= key.size() && name.compare(name.size() - key.size(), key.size(), key) == 0 &&
         (name.size() == key.size() || name[name.size() - key.size() - 1] == '.');
}

// The value to store for an entry: the tensor, or its transpose in PyTorch's layout.
Tensor stored(const nn::StateEntry& e, StateLayout layout) {
  if (layout == StateLayout::PyTorch && e.transposed) return transpose(e.tensor.detach(), 0, 1);
  return e.tensor;
}

}  // namespace

NamedTensors nn::saved_state(const nn::Module& model, StateLayout layout) {
  NamedTensors out;
  NoGradGuard no_grad;
  for (const auto& e : model.state_entries())
    out.emplace_back(layout == StateLayout::PyTorch ? e.torch_name : e.name, stored(e, layout));
  return out;
}

void save(const nn::Module& model, const std::string& path, StateLayout layout) {
  detail::CallScope call("save");  // the writer's errors name xg::save, not save_npz
  save_npz(nn::saved_state(model, layout), path);
}

void load(nn::Module& model, const std::string& path) {
  detail::CallScope call("load");  // the reader's errors name xg::load, not load_npz
  nn::load_state(model, load_npz(path), path);
}

void nn::load_state(nn::Module& model, const NamedTensors& loaded, const std::string& path) {
  std::map<std::string, const Tensor*> by_name, unused;
  for (const auto& [name, t] : loaded) by_name[name] = &t;
  unused = by_name;
  const std::vector<nn::StateEntry> targets = model.state_entries();
  // Each entry under xgrad's name, or else PyTorch's (a state_dict saved with numpy.savez:
  // {k: v.numpy() for k, v in model.state_dict().items()}). Every key is checked first: the
  // model changes only if all of them fit.
  std::vector<std::pair<const nn::StateEntry*, Tensor>> values;
  for (const auto& e : targets) {
    auto it = by_name.find(e.name);
    bool torch = false;
    if (it == by_name.end() && e.torch_name != e.name) {
      it = by_name.find(e.torch_name);
      torch = it != by_name.end();
    }
    if (it == by_name.end() && is_batch_counter(e.name)) continue;  // files from before it existed keep 0
    if (it == by_name.end())
      fail("load: ", path, " has no entry '", e.name, "'",
           e.torch_name != e.name ? detail::cat(" (PyTorch's '", e.torch_name, "')") : std::string(), " for ",
           model.type_name());
    const std::string& key = it->first;
    Tensor v = *it->second;
    if (torch && e.transposed) {
      if (v.dim() != 2)
        fail("load: ", path, ": '", key, "' has shape ", detail::shape_str(v.shape()), ", PyTorch's layout of '", e.name,
             "' is 2-D");
      v = transpose(v, 0, 1);  // PyTorch's (out, in) into the house's (in, out)
    }
    if (v.shape() != e.tensor.shape()) {
      Shape expected = e.tensor.shape();
      if (torch && e.transposed) std::swap(expected[0], expected[1]);
      fail("load: ", path, ": '", key, "' has shape ", detail::shape_str(it->second->shape()), ", the model expects ",
           detail::shape_str(expected), torch && e.transposed ? " (PyTorch's (out, in) layout)" : "");
    }
    if (v.dtype() != e.tensor.dtype())
      fail("load: ", path, ": '", key, "' is ", dtype_name(v.dtype()), ", the model expects ", dtype_name(e.tensor.dtype()),
           " (convert the model with to() first)");
    unused.erase(key);
    values.emplace_back(&e, v);
  }
  if (!unused.empty())
    fail("load: ", path, " has entry '", unused.begin()->first, "' that ", model.type_name(), " does not have");
  NoGradGuard no_grad;
  for (auto& [e, v] : values) {
    Tensor target = e->tensor;
    target.copy_(v);
  }
}

}  // namespace xg
