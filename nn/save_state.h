// Private: a model's state as (name, tensor) entries, for containers of several states in
// one file (distributed checkpoints hold a model and an optimizer, written atomically).
#pragma once

#include <string>

#include <xgrad/nn/save.h>

namespace xg::nn {

/// What xg::save writes, without writing it.
NamedTensors saved_state(const Module& model, StateLayout layout = StateLayout::Xgrad);
/// What xg::load reads, from entries already read; `path` names the source in errors.
void load_state(Module& model, const NamedTensors& state, const std::string& path);

}  // namespace xg::nn
