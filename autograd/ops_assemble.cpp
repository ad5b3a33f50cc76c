// libtorch's functions that build, take apart and rearrange tensors (meshgrid,
// broadcast_tensors, tensor_split, block_diag, cartesian_prod, tril_indices / triu_indices,
// rot90, swapaxes, take_along_dim, index_fill) and two reductions (aminmax, count_nonzero):
// argument checks that name the user's call, then differentiable operations.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include <algorithm>

#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/strided.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace {

std::string shape_of(const Tensor& t) { return t.defined() ? detail::shape_str(t.shape()) : "undefined"; }

void require_defined(const tensor_list& ts, const char* op) {
  if (ts.empty()) fail(op, ": expects a non-empty list of tensors");
  for (std::size_t i = 0; i < ts.size(); ++i)
    if (!ts[i].defined()) fail(op, ": tensor ", i, " is undefined");
}

// The (2, count) coordinates of a row × col matrix's entries (i, j) with first(i) <= j <
// last(i), row by row, made on the host (no data is read; the count is bounded before any
// work) and placed per options.
template <class Range>
Tensor triangle_indices(std::int64_t row, std::int64_t col, const TensorOptions& options, const char* op, Range range) {
  if (row < 0 || col < 0) fail(op, ": row and col must be non-negative, got ", row, " and ", col);
  if (options.dtype() != kInt64) fail(op, ": the indices are int64, got dtype ", dtype_name(options.dtype()));
  if (row == 0 || col == 0) return zeros({2, 0}, options);
  detail::checked_buffer(detail::size_mul(detail::size_mul(row, col, op, "row · col"), 2, op, "the indices"),
                         sizeof(double), op, "the indices");
  std::int64_t count = 0;
  for (std::int64_t i = 0; i < row; ++i) {
    const auto [first, last] = range(i);
    count += std::max<std::int64_t>(0, last - first);
  }
  std::vector<double> ij(static_cast<std::size_t>(2 * count));
  std::size_t k = 0;
  for (std::int64_t i = 0; i < row; ++i) {
    const auto [first, last] = range(i);
    for (std::int64_t j = first; j < last; ++j, ++k) {
      ij[k] = static_cast<double>(i);
      ij[k + static_cast<std::size_t>(count)] = static_cast<double>(j);
    }
  }
  return tensor(ij, {2, count}, options);
}

}  // namespace

tensor_list meshgrid(const tensor_list& tensors, const std::string& indexing) {
  detail::CallScope call("meshgrid");
  require_defined(tensors, "meshgrid");
  if (indexing != "ij" && indexing != "xy")
    fail("meshgrid: indexing must be \"ij\" or \"xy\", got \"", indexing, "\"");
  const std::size_t k = tensors.size();
  Shape grid(k);
  for (std::size_t i = 0; i < k; ++i) {
    if (tensors[i].dim() > 1) fail("meshgrid: expects 0-d or 1-d tensors, tensor ", i, " is ", shape_of(tensors[i]));
    grid[i] = tensors[i].numel();
  }
  // "xy" (Cartesian) swaps the first two axes of the grid: the first tensor runs along axis 1.
  const bool swap = indexing == "xy" && k >= 2;
  if (swap) std::swap(grid[0], grid[1]);
  tensor_list out;
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t axis = swap && i < 2 ? 1 - i : i;
    Shape line(k, 1);
    line[axis] = grid[axis];
    out.push_back(broadcast_to(tensors[i].reshape(line), grid));
  }
  return out;
}

tensor_list broadcast_tensors(const tensor_list& tensors) {
  detail::CallScope call("broadcast_tensors");
  require_defined(tensors, "broadcast_tensors");
  Shape common = tensors[0].shape();
  for (const auto& t : tensors) common = detail::broadcast_shapes(common, t.shape(), "broadcast_tensors");
  tensor_list out;
  for (const auto& t : tensors) out.push_back(broadcast_to(t, common));
  return out;
}

tensor_list tensor_split(const Tensor& x, std::int64_t sections, std::int64_t dim) {
  detail::CallScope call("tensor_split");
  if (!x.defined()) fail("tensor_split: the input is undefined");
  if (x.dim() == 0) fail("tensor_split: expects at least a 1-d tensor, got a 0-d one");
  if (sections <= 0) fail("tensor_split: the number of sections must be positive, got ", sections);
  const auto a = detail::normalize_axis(dim, x.dim(), "tensor_split");
  const std::int64_t n = x.shape()[a];
  detail::checked_buffer(sections, sizeof(Tensor), "tensor_split", "the pieces");
  // The first n % sections pieces one longer: sizes differ by at most one.
  std::vector<std::int64_t> sizes(static_cast<std::size_t>(sections), n / sections);
  for (std::int64_t i = 0; i < n % sections; ++i) ++sizes[static_cast<std::size_t>(i)];
  return split(x, sizes, a);
}

tensor_list tensor_split(const Tensor& x, const std::vector<std::int64_t>& indices, std::int64_t dim) {
  detail::CallScope call("tensor_split");
  if (!x.defined()) fail("tensor_split: the input is undefined");
  if (x.dim() == 0) fail("tensor_split: expects at least a 1-d tensor, got a 0-d one");
  const auto a = detail::normalize_axis(dim, x.dim(), "tensor_split");
  // Piece i is x[indices[i-1] : indices[i]] with Python's slice rules, as PyTorch cuts them.
  tensor_list out;
  std::int64_t start = 0;
  for (const auto end : indices) {
    out.push_back(slice(x, a, start, end));
    start = end;
  }
  out.push_back(slice(x, a, start));
  return out;
}

Tensor block_diag(const tensor_list& tensors) {
  detail::CallScope call("block_diag");
  if (tensors.empty()) return zeros({1, 0});  // PyTorch's shape for no blocks
  require_defined(tensors, "block_diag");
  tensor_list blocks;
  std::int64_t cols = 0;
  Dtype dtype = tensors[0].dtype();
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (t.dim() > 2) fail("block_diag: expects 0-d, 1-d or 2-d tensors, tensor ", i, " is ", shape_of(t));
    blocks.push_back(t.dim() == 2 ? t : t.reshape({1, t.numel()}));
    cols = detail::size_add(cols, blocks.back().shape()[1], "block_diag", "the columns");
    dtype = promote(dtype, t.dtype());
  }
  const TensorOptions options = TensorOptions(dtype).device(tensors[0].device());
  tensor_list rows;
  std::int64_t before = 0;
  for (const auto& b : blocks) {
    const std::int64_t r = b.shape()[0], c = b.shape()[1];
    rows.push_back(concat({zeros({r, before}, options), b.to(dtype), zeros({r, cols - before - c}, options)}, 1));
    before += c;
  }
  return concat(rows, 0);
}

Tensor cartesian_prod(const tensor_list& tensors) {
  detail::CallScope call("cartesian_prod");
  require_defined(tensors, "cartesian_prod");
  for (std::size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].dim() != 1) fail("cartesian_prod: expects 1-d tensors, tensor ", i, " is ", shape_of(tensors[i]));
  if (tensors.size() == 1) return tensors[0];
  tensor_list columns;
  for (const auto& g : meshgrid(tensors, "ij")) columns.push_back(g.flatten());
  return stack(columns, 1);
}

Tensor combinations(const Tensor& x, std::int64_t r, bool with_replacement) {
  detail::CallScope call("combinations");
  require_defined({x}, "combinations");
  if (x.dim() != 1) fail("combinations: expects a 1-d tensor, got ", shape_of(x));
  if (r < 0) fail("combinations: r must be non-negative, got ", r);
  if (r == 0) return zeros({0}, x.options());
  const std::int64_t n = x.shape()[0];
  // How many rows: C(m, r) with m = n (or n + r - 1 with replacement), exactly, refused past int64.
  const std::int64_t m = with_replacement ? detail::size_add(n, r - 1, "combinations", "n + r - 1") : n;
  std::int64_t count = 0;
  if (m >= r && n > 0) {
    const std::int64_t k = std::min(r, m - r);
    unsigned __int128 c = 1;
    for (std::int64_t i = 1; i <= k; ++i) {
      c = c * static_cast<unsigned __int128>(m - k + i) / static_cast<unsigned __int128>(i);
      if (c > static_cast<unsigned __int128>(INT64_MAX))
        fail("combinations: C(", m, ", ", r, ") rows overflow int64 (", n, " elements, r = ", r, ")");
    }
    count = static_cast<std::int64_t>(c);
  }
  if (count == 0) return zeros({0, r}, x.options());  // (before anything is sized by r)
  detail::checked_buffer(detail::size_mul(count, r, "combinations", "rows · r"), sizeof(double), "combinations",
                         "the combinations' positions");
  std::vector<double> positions;
  positions.reserve(static_cast<std::size_t>(count * r));
  std::vector<std::int64_t> at(static_cast<std::size_t>(r));
  for (std::int64_t j = 0; j < r; ++j) at[j] = with_replacement ? 0 : j;
  for (std::int64_t row = 0; row < count; ++row) {
    for (std::int64_t v : at) positions.push_back(static_cast<double>(v));
    // The next combination: the rightmost position that can still grow grows, the rest follow it.
    std::int64_t i = r - 1;
    while (i >= 0 && at[i] == (with_replacement ? n - 1 : n - r + i)) --i;
    if (i < 0) break;
    ++at[i];
    for (std::int64_t j = i + 1; j < r; ++j) at[j] = with_replacement ? at[i] : at[j - 1] + 1;
  }
  const Tensor index = tensor(positions, {count * r}, TensorOptions(kInt64).device(x.device()));
  return reshape(index_select(x, 0, index), {count, r});
}

Tensor tril_indices(std::int64_t row, std::int64_t col, std::int64_t offset, const TensorOptions& options) {
  detail::CallScope call("tril_indices");
  // Row i keeps j <= i + offset.
  return triangle_indices(row, col, options, "tril_indices", [=](std::int64_t i) {
    const std::int64_t o = std::clamp(offset, -row - 1, col + 1);  // beyond, nothing changes (no overflow)
    return std::make_pair(std::int64_t{0}, std::clamp<std::int64_t>(i + o + 1, 0, col));
  });
}

Tensor triu_indices(std::int64_t row, std::int64_t col, std::int64_t offset, const TensorOptions& options) {
  detail::CallScope call("triu_indices");
  // Row i keeps j >= i + offset.
  return triangle_indices(row, col, options, "triu_indices", [=](std::int64_t i) {
    const std::int64_t o = std::clamp(offset, -row - 1, col + 1);
    return std::make_pair(std::clamp<std::int64_t>(i + o, 0, col), col);
  });
}

Tensor rot90(const Tensor& x, std::int64_t k, const std::vector<std::int64_t>& dims) {
  detail::CallScope call("rot90");
  if (!x.defined()) fail("rot90: the input is undefined");
  if (dims.size() != 2) fail("rot90: expects two dims, got ", dims.size());
  if (x.dim() < 2) fail("rot90: expects a tensor of at least 2 dimensions, got ", shape_of(x));
  const auto d0 = detail::normalize_axis(dims[0], x.dim(), "rot90");
  const auto d1 = detail::normalize_axis(dims[1], x.dim(), "rot90");
  if (d0 == d1) fail("rot90: the two dims must differ, got ", dims[0], " and ", dims[1]);
  switch (((k % 4) + 4) % 4) {
    case 1: return x.flip({d1}).transpose(d0, d1);
    case 2: return x.flip({d0, d1});
    case 3: return x.flip({d0}).transpose(d0, d1);
    default: return x.clone();
  }
}

Tensor swapaxes(const Tensor& x, std::int64_t axis0, std::int64_t axis1) { return transpose(x, axis0, axis1); }
Tensor swapdims(const Tensor& x, std::int64_t dim0, std::int64_t dim1) { return transpose(x, dim0, dim1); }

Tensor take_along_dim(const Tensor& x, const Tensor& indices, std::optional<std::int64_t> dim) {
  detail::CallScope call("take_along_dim");
  if (!x.defined() || !indices.defined()) fail("take_along_dim: an operand is undefined");
  if (indices.dtype() != kInt64)
    fail("take_along_dim: indices must be int64, got ", dtype_name(indices.dtype()));
  if (!dim) {
    const Tensor flat = x.flatten(), picks = indices.flatten();
    kernel::check_indices(picks, flat, flat.numel(), 0, "take_along_dim");
    return gather(flat, 0, picks);
  }
  if (x.dim() != indices.dim())
    fail("take_along_dim: input ", shape_of(x), " and indices ", shape_of(indices), " must have the same rank");
  const auto a = detail::normalize_axis(*dim, x.dim(), "take_along_dim");
  // Every axis but dim broadcasts; along dim the input keeps its size, the indices theirs.
  Shape sx = x.shape(), si = indices.shape();
  sx[static_cast<std::size_t>(a)] = si[static_cast<std::size_t>(a)] = 1;
  Shape common = detail::broadcast_shapes(sx, si, "take_along_dim");
  Shape want_x = common, want_i = common;
  want_x[static_cast<std::size_t>(a)] = x.shape()[a];
  want_i[static_cast<std::size_t>(a)] = indices.shape()[a];
  const Tensor index = want_i == indices.shape() ? indices : kernel::broadcast_to(indices, want_i, "take_along_dim");
  kernel::check_indices(index, x, x.shape()[a], a, "take_along_dim");
  return gather(broadcast_to(x, want_x), a, index);
}

Tensor index_fill(const Tensor& x, std::int64_t dim, const Tensor& index, double value) {
  detail::CallScope call("index_fill");
  if (!x.defined() || !index.defined()) fail("index_fill: an operand is undefined");
  if (index.dtype() != kInt64) fail("index_fill: index must be int64, got ", dtype_name(index.dtype()));
  if (index.dim() > 1) fail("index_fill: index must be 0-d or 1-d, got ", shape_of(index));
  const Tensor row = x.dim() == 0 ? x.reshape({1}) : x;
  const auto a = detail::normalize_axis(dim, row.dim(), "index_fill");
  const std::int64_t size = row.shape()[a];
  const Tensor flat = index.reshape({index.numel()});
  kernel::check_indices(flat, row, size, a, "index_fill");
  // A (1, ..., size, ..., 1) mask of the chosen slices, then where: no gradient to them.
  const Tensor hits = kernel::index_add({size}, 0, flat, ones({index.numel()}, TensorOptions(kInt64).device(x.device())));
  Shape line(static_cast<std::size_t>(row.dim()), 1);
  line[static_cast<std::size_t>(a)] = size;
  return masked_fill(row, hits.reshape(line), value).reshape(x.shape());
}

std::tuple<Tensor, Tensor> aminmax(const Tensor& x, std::optional<std::int64_t> dim, bool keepdim) {
  detail::CallScope call("aminmax");
  if (!x.defined()) fail("aminmax: the input is undefined");
  if (x.numel() == 0) fail("aminmax: the input ", shape_of(x), " is empty");
  const Axes axes = dim ? Axes{*dim} : Axes{};
  return {amin(x, axes, keepdim), amax(x, axes, keepdim)};
}

Tensor count_nonzero(const Tensor& x, const std::vector<std::int64_t>& dims) {
  detail::CallScope call("count_nonzero");
  if (!x.defined()) fail("count_nonzero: the input is undefined");
  const Tensor nonzero = kernel::cast(kernel::binary(kernel::Binary::Ne, x, scalar_tensor(0.0, x.dtype()), "count_nonzero"), kInt64);
  return sum(nonzero, Axes(dims.begin(), dims.end()));
}
Tensor count_nonzero(const Tensor& x, std::int64_t dim) { return count_nonzero(x, std::vector<std::int64_t>{dim}); }

}  // namespace xg
