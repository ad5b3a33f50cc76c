// Saving and loading a model's parameters and buffers as a NumPy .npz archive whose keys are
// the dotted names ("l1.W"): numpy.load reads it as it is.
#pragma once

#include <string>

#include <xgrad/nn/module.h>

namespace xg {

/// The names and layouts a model's state is saved in.
enum class StateLayout {
  Xgrad,    // xgrad's names ("fc.W") and layouts (Linear's W as (in, out))
  PyTorch,  // PyTorch's state_dict names ("fc.weight") and layouts ((out, in))
};

/// Writes every parameter and buffer of `model` to `path`, atomically (temporary file, then
/// rename), so a crash while saving never destroys the previous file. With
/// StateLayout::PyTorch the file holds PyTorch's state_dict: in Python,
/// `model.load_state_dict({k: torch.from_numpy(v) for k, v in numpy.load(path).items()})`.
void save(const nn::Module& model, const std::string& path, StateLayout layout = StateLayout::Xgrad);

/// Reads `path` into the model's parameters and buffers, in place. Each entry may be under
/// xgrad's name or PyTorch's (a state_dict saved with numpy.savez: `{k: v.numpy() for k, v
/// in model.state_dict().items()}`), transposed where PyTorch's layout differs. Strict: a
/// missing or unexpected key, a shape or dtype mismatch, or a truncated or corrupt file
/// throws xg::Error naming the key or byte offset, and the model is left unchanged.
void load(nn::Module& model, const std::string& path);

}  // namespace xg
