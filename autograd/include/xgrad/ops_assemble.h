// libtorch's functions that build, take apart and rearrange tensors: meshgrid,
// broadcast_tensors, tensor_split, block_diag, cartesian_prod, tril_indices / triu_indices,
// rot90, swapaxes, take_along_dim, index_fill, hstack / vstack / dstack / column_stack,
// atleast_1d/2d/3d, ravel, fliplr, flipud, msort, diag_embed, diagflat, aminmax, count_nonzero
// (autograd/ops_assemble.cpp, the stacking and diagonal ones in ops_stack.cpp). Part of ops.h
// (which includes it); composed of differentiable operations, so gradients of every order and
// both devices come with them.
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
/// The r-element combinations of a 1-D tensor's elements, one row each, in lexicographic order
/// of their positions (torch::combinations): (C(n, r), r), or with replacement the multisets,
/// (C(n + r - 1, r), r); r = 0 gives an empty (0,) tensor, as PyTorch's. The rows are gathered
/// from x, so its gradient sums over the places each element appears.
Tensor combinations(const Tensor& x, std::int64_t r = 2, bool with_replacement = false);
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
/// self with slices (index_copy: source's slices at the 1-D `index` along dim) or elements
/// (scatter: src[i][j] at [index[i][j]][j] for dim 0; index of self's rank, no larger than src,
/// nor than self except on dim; only src's index-shaped part is read) replaced, or set to a
/// value. Deterministic where PyTorch is not: of writes to one place, the last in index order
/// wins, and only it receives the gradient (autograd/ops_scatter.cpp).
Tensor index_copy(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source);
Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, double value);
/// x's elements at int64 indices into x seen as one line, in index's shape (torch::take);
/// put: self with source's elements written there in index order, the last of repeated
/// places winning, or added with accumulate (torch::Tensor::put). Indices may count from the
/// end (-numel <= i < numel), as PyTorch's; gradients as index_select's and index_copy's.
Tensor take(const Tensor& x, const Tensor& index);
Tensor put(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate = false);
/// self with src's elements folded in at index along dim, scatter's addressing
/// (torch::scatter_reduce): reduce is "sum", "prod", "mean", "amax" or "amin"; without
/// include_self a written element of self takes no part (and gets no gradient). Each target
/// folds in index order, PyTorch's CPU order, on every device (no atomics); a NaN from src
/// wins amax/amin; int64 means floor. Gradients are PyTorch's: amax/amin share equally among
/// the elements equal to the result, prod gives a zero the product of the others (no 0/0);
/// every order, except prod's second derivative where two src zeros meet (an error, as PyTorch).
Tensor scatter_reduce(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src,
                      const std::string& reduce, bool include_self = true);
/// index_copy's addressing (slice j of source into slice index[j] along dim) with
/// scatter_reduce's folds "prod", "mean", "amax", "amin" (torch::index_reduce; index_add sums).
Tensor index_reduce(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source,
                    const std::string& reduce, bool include_self = true);
/// numpy's stacking: hstack (along 1, or 0 for 1-D tensors), vstack (along 0 after
/// atleast_2d), dstack (along 2 after atleast_3d), column_stack (0-d and 1-d tensors as
/// columns, then hstack). atleast_1d/2d/3d add leading (and for 3-D, numpy's trailing) axes of
/// size 1: (n) -> (1, n) -> (1, n, 1).
Tensor hstack(const tensor_list& tensors);
Tensor vstack(const tensor_list& tensors);
Tensor dstack(const tensor_list& tensors);
Tensor column_stack(const tensor_list& tensors);
Tensor atleast_1d(const Tensor& x);
Tensor atleast_2d(const Tensor& x);
Tensor atleast_3d(const Tensor& x);
/// x flattened (torch::ravel); x flipped left-right (dim 1) or up-down (dim 0); x sorted
/// along dim 0 (torch::msort: the values).
Tensor ravel(const Tensor& x);
Tensor fliplr(const Tensor& x);
Tensor flipud(const Tensor& x);
Tensor msort(const Tensor& x);
/// Matrices whose diagonal `offset` (above the main one when positive) holds the last axis
/// of x, in the plane of dim1 and dim2 of the result (torch::diag_embed); diagflat: of x
/// flattened, a 2-D result. Zeros elsewhere (not x · 0: no NaN from an infinite x).
Tensor diag_embed(const Tensor& x, std::int64_t offset = 0, std::int64_t dim1 = -2, std::int64_t dim2 = -1);
Tensor diagflat(const Tensor& x, std::int64_t offset = 0);
/// torch::diag: a vector as the diagonal `diagonal` of a square matrix, or a matrix's
/// diagonal `diagonal` as a vector (0 the main one, > 0 above, < 0 below).
Tensor diag(const Tensor& x, std::int64_t diagonal = 0);
/// (min, max) over everything or along dim, in one call (torch::aminmax); gradients as amin's
/// and amax's (shared among ties).
std::tuple<Tensor, Tensor> aminmax(const Tensor& x, std::optional<std::int64_t> dim = std::nullopt,
                                   bool keepdim = false);
/// The number of nonzero elements (NaN counts) over dims, all when empty, as int64.
Tensor count_nonzero(const Tensor& x, const std::vector<std::int64_t>& dims = {});
Tensor count_nonzero(const Tensor& x, std::int64_t dim);

}  // namespace xg
