// save/load of a module's state through .npz.
#include <xgrad/detail/format.h>
#include <map>

#include <xgrad/autograd.h>
#include <xgrad/npz.h>
#include <xgrad/nn/save.h>

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
}  // namespace

void save(const nn::Module& model, const std::string& path) { save_npz(model.state(), path); }

void load(nn::Module& model, const std::string& path) {
  const NamedTensors loaded = load_npz(path);
  std::map<std::string, const Tensor*> by_name, unused;
  for (const auto& [name, t] : loaded) by_name[name] = &t;
  unused = by_name;
  NamedTensors targets = model.state();
  // Check every key first: the model changes only if all of them fit.
  for (const auto& [name, t] : targets) {
    auto it = by_name.find(name);
    if (it == by_name.end() && is_batch_counter(name)) continue;  // files from before it existed keep 0
    if (it == by_name.end()) fail("load: ", path, " has no entry '", name, "' for ", model.type_name());
    const Tensor& v = *it->second;
    if (v.shape() != t.shape())
      fail("load: ", path, ": '", name, "' has shape ", detail::shape_str(v.shape()), ", the model expects ",
           detail::shape_str(t.shape()));
    if (v.dtype() != t.dtype())
      fail("load: ", path, ": '", name, "' is ", dtype_name(v.dtype()), ", the model expects ", dtype_name(t.dtype()),
           " (convert the model with to() first)");
    unused.erase(name);
  }
  if (!unused.empty())
    fail("load: ", path, " has entry '", unused.begin()->first, "' that ", model.type_name(), " does not have");
  NoGradGuard no_grad;
  for (auto& [name, t] : targets)
    if (by_name.count(name)) t.copy_(*by_name.at(name));
}

}  // namespace xg
