// Saving and loading a model's parameters and buffers as a NumPy .npz archive whose keys are
// the dotted names ("l1.W"): numpy.load reads it as it is.
#pragma once

#include <string>

#include <xgrad/nn/module.h>

namespace xg {

/// Writes every parameter and buffer of `model` to `path`, atomically (temporary file, then
/// rename), so a crash while saving never destroys the previous file.
void save(const nn::Module& model, const std::string& path);

/// Reads `path` into the model's parameters and buffers, in place. Strict: a missing or
/// unexpected key, a shape or dtype mismatch, or a truncated or corrupt file throws
/// xg::Error naming the key or byte offset, and the model is left unchanged.
void load(nn::Module& model, const std::string& path);

}  // namespace xg
