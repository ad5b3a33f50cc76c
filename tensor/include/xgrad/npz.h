// Reading and writing NumPy .npz archives (a zip of .npy arrays), the format of xgrad's
// saved weights and optimizer state: numpy.load reads what xgrad writes as it is.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <xgrad/tensor.h>

namespace xg {

/// Writes `tensors` to `path` as an uncompressed .npz (keys become "<name>.npy" entries).
/// Atomic: the archive is written to a temporary file in the same directory, flushed, and
/// renamed over `path`, so a crash never leaves a half-written file in its place.
void save_npz(const NamedTensors& tensors, const std::string& path);

/// Reads every array of a .npz (stored or deflate-compressed, as numpy.savez and
/// numpy.savez_compressed write them). float32, float64 and int64 arrays (and int32,
/// converted to int64) are supported. Errors name the file, the entry and the byte offset.
NamedTensors load_npz(const std::string& path);

/// libtorch's torch::save(tensor, path) and torch::save(tensors, path): a .npz holding the
/// values under numpy.savez's positional names, "arr_0", "arr_1", ... (written atomically, as
/// save_npz). load reads them back onto the CPU (`.to(device)` moves them): a tensor from a
/// file of exactly one array, a list from any .npz, in the file's order.
void save(const Tensor& tensor, const std::string& path);
void save(const tensor_list& tensors, const std::string& path);
void load(Tensor& tensor, const std::string& path);
void load(tensor_list& tensors, const std::string& path);

}  // namespace xg
