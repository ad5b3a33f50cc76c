// libtorch's functions that build, take apart and rearrange tensors: meshgrid,
// broadcast_tensors, tensor_split, block_diag, cartesian_prod, tril_indices / triu_indices,
// rot90, swapaxes, take_along_dim, index_fill, aminmax, count_nonzero
// (autograd/ops_assemble.cpp). Part of ops.h (which includes it); composed of differentiable
// operations, so gradients of every order and both devices come with them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <xgrad/tensor.h>

namespace xg {

/// Coordinate grids from 1-D (or 0-d) tensors of sizes n0, n1, ...: each output has shape
/// (n0, n1, ...) with indexing "ij", or with the first two axes swapped for "xy" (numpy's and
/// torch::meshgrid's two conventions; libtorch requires one to be named, as here).
tensor_list meshgrid(const tensor_list& tensors, const std::string& indexing);
/// The tensors broadcast to their common shape (each a differentiable broadcast_to).
tensor_list broadcast_tensors(const tensor_list& tensors);
/// Splits along dim into `sections` pieces, the first size % sections one longer (sections
/// need not divide the size, unlike chunk), or at the given indices (pieces [0, i0), [i0, i1),
/// ..., [ik, end), an index past the end giving empty pieces), as torch::tensor_split.
tensor_list tensor_split(const Tensor& x, std::int64_t sections, std::int64_t dim = 0);
tensor_list tensor_split(const Tensor& x, const std::vector<std::int64_t>& indices, std::int64_t dim = 0);
/// The block-diagonal matrix of 0-d, 1-d (a row) or 2-d tensors, zeros elsewhere; the dtype
/// is the promoted one.
Tensor block_diag(const tensor_list& tensors);
/// Every combination of the 1-D tensors' elements, one row each (k columns; a single tensor is
/// returned as is), in the order meshgrid "ij" enumerates them.
Tensor cartesian_prod(const tensor_list& tensors);
/// The (2, count) int64 coordinates of a (row, col) matrix's lower (upper) triangle with
/// `offset` as tril / triu choose it, row by row (torch::tril_indices / triu_indices).
Tensor tril_indices(std::int64_t row, std::int64_t col, std::int64_t offset = 0,
                    const TensorOptions& options = kInt64);
Tensor triu_indices(std::int64_t row, std::int64_t col, std::int64_t offset = 0,
                    const TensorOptions& options = kInt64);
/// x rotated by 90° k times in the plane of dims (from the first toward the second), as
/// torch::rot90 (k may be negative).
Tensor rot90(const Tensor& x, std::int64_t k = 1, const std::vector<std::int64_t>& dims = {0, 1});
/// transpose under numpy's names (torch::swapaxes, swapdims).
Tensor swapaxes(const Tensor& x, std::int64_t axis0, std::int64_t axis1);
Tensor swapdims(const Tensor& x, std::int64_t dim0, std::int64_t dim1);
/// gather with broadcasting: x and the int64 indices broadcast except along dim; without dim,
/// x is flattened and indices pick from it (torch::take_along_dim).
Tensor take_along_dim(const Tensor& x, const Tensor& indices, std::optional<std::int64_t> dim = std::nullopt);
/// x with the slices at the int64 `index` (0-d or 1-d) along dim set to value; the gradient
/// reaches the other slices.
Tensor index_fill(const Tensor& x, std::int64_t dim, const Tensor& index, double value);
/// (min, max) over everything or along dim, in one call (torch::aminmax); gradients as amin's
/// and amax's (shared among ties).
std::tuple<Tensor, Tensor> aminmax(const Tensor& x, std::optional<std::int64_t> dim = std::nullopt,
                                   bool keepdim = false);
/// The number of nonzero elements (NaN counts) over dims, all when empty, as int64.
Tensor count_nonzero(const Tensor& x, const std::vector<std::int64_t>& dims = {});
Tensor count_nonzero(const Tensor& x, std::int64_t dim);

}  // namespace xg
