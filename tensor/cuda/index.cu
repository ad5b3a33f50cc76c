// CUDA kernels that move data by position: concatenation and split (one launch for all
// pieces), slices (2-D memory copies),
// index_select and gather (one thread per output element), and their adjoints index_add and
// scatter_add (and scatter_reduce's folds) without floating-point atomics: the targets are sorted stably (CUB's radix
// sort, keys with their positions), and each target's values are then added in position
// order, the CPU's order, so the sums have the CPU's bits.
#include <cuda_runtime.h>

#include <cub/device/device_radix_sort.cuh>

#include <cstdint>
#include <tuple>
#include <vector>

#include "tensor/checked.h"
#include "tensor/cuda/check.h"
#include "tensor/cuda/entry_count.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/launch.h"
#include "tensor/pointwise_rules.h"
#include "tensor/cuda/runtime.h"
#include "tensor/strided.h"
#include "tensor/tensor_impl.h"

namespace xg::detail::gpu {

namespace {

constexpr int kThreads = 256;
constexpr int kDims = static_cast<int>(detail::kMaxDims);

std::pair<std::int64_t, std::int64_t> outer_inner(const Shape& shape, std::int64_t axis) {
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(shape.size()); ++i) {
    if (i < axis) outer *= shape[static_cast<std::size_t>(i)];
    if (i > axis) inner *= shape[static_cast<std::size_t>(i)];
  }
  return {outer, inner};
}

// outer rows of `width` bytes, `spitch` apart in the source and `dpitch` apart in the output.
void copy_rows(void* dst, std::size_t dpitch, const void* src, std::size_t spitch, std::size_t width,
               std::int64_t rows, cudaStream_t s, const char* op) {
  if (width == 0 || rows == 0) return;
  check(cudaMemcpy2DAsync(dst, dpitch, src, spitch, width, static_cast<std::size_t>(rows), cudaMemcpyDeviceToDevice, s), op);
}

// Up to kParts pieces side by side along an axis, in one launch (a concatenation's inputs or
// a split's outputs): piece p holds columns [at[p], at[p+1]) of each of `rows` rows of the
// whole, whose rows are `pitch` elements apart, from column `base` on. One launch for all
// pieces, where a copy per piece cost a launch each (an LSTM's T steps stacked, and split).
constexpr int kParts = 64;
struct Pieces {
  void* ptr[kParts];
  std::int64_t at[kParts + 1];
  int count;
};

template <class E, bool kToWhole>
__global__ void copy_pieces(const Pieces pieces, E* whole, std::int64_t pitch, std::int64_t base, std::int64_t rows) {
  const std::int64_t width = pieces.at[pieces.count];
  XG_GRID_LOOP(i, rows * width) {
    const std::int64_t r = i / width, c = i % width;
    int lo = 0, hi = pieces.count;  // the piece holding column c: at[lo] <= c < at[lo + 1]
    while (hi - lo > 1) {
      const int mid = (lo + hi) / 2;
      if (pieces.at[mid] <= c) lo = mid;
      else hi = mid;
    }
    E* piece = static_cast<E*>(pieces.ptr[lo]);
    const std::int64_t k = r * (pieces.at[lo + 1] - pieces.at[lo]) + (c - pieces.at[lo]);
    if (kToWhole) whole[r * pitch + base + c] = piece[k];
    else piece[k] = whole[r * pitch + base + c];
  }
}

// Copies between `whole` and its consecutive pieces along `axis` (a concatenation's inputs
// to_whole, or a split's outputs), kParts pieces a launch; empty pieces are skipped.
void pieces_copy(bool to_whole, const Tensor& whole_t, const tensor_list& pieces, std::int64_t axis, cudaStream_t s,
                 const char* op) {
  std::int64_t rows, inner;
  std::tie(rows, inner) = outer_inner(whole_t.shape(), axis);
  const std::int64_t pitch = whole_t.shape()[static_cast<std::size_t>(axis)] * inner;
  const std::size_t esize = dtype_size(whole_t.dtype());
  void* whole = whole_t.impl()->storage->data;
  std::vector<void*> ptrs;
  std::vector<std::int64_t> widths;
  for (const auto& t : pieces) {
    ptrs.push_back(t.impl()->storage->data);
    widths.push_back(t.shape()[static_cast<std::size_t>(axis)] * inner);
  }
  std::int64_t base = 0;
  std::size_t i = 0;
  while (i < ptrs.size()) {
    Pieces p{};
    const std::int64_t chunk_base = base;
    for (; i < ptrs.size() && p.count < kParts; ++i) {
      if (widths[i] == 0) continue;
      p.ptr[p.count] = ptrs[i];
      p.at[p.count] = base - chunk_base;
      base += widths[i];
      ++p.count;
    }
    p.at[p.count] = base - chunk_base;
    if (p.count == 0 || rows == 0) continue;
    const unsigned grid = grid_for(rows * p.at[p.count], kThreads);
    if (esize == 8) {
      auto* w = static_cast<unsigned long long*>(whole);
      if (to_whole) copy_pieces<unsigned long long, true><<<grid, kThreads, 0, s>>>(p, w, pitch, chunk_base, rows);
      else copy_pieces<unsigned long long, false><<<grid, kThreads, 0, s>>>(p, w, pitch, chunk_base, rows);
    } else {
      auto* w = static_cast<unsigned*>(whole);
      if (to_whole) copy_pieces<unsigned, true><<<grid, kThreads, 0, s>>>(p, w, pitch, chunk_base, rows);
      else copy_pieces<unsigned, false><<<grid, kThreads, 0, s>>>(p, w, pitch, chunk_base, rows);
    }
    launched(op);
  }
}

template <class T>
__global__ void select_rows(T* out, const T* x, const std::int64_t* idx, std::int64_t m, std::int64_t size,
                            std::int64_t inner, std::int64_t total) {
  XG_GRID_LOOP(e, total) {
    const std::int64_t i = e % inner, j = (e / inner) % m, o = e / (inner * m);
    const std::int64_t r = idx[j];  // a bad index (reported at the next wait) reads nothing
    out[e] = r >= 0 && r < size ? x[(o * size + r) * inner + i] : T(0);
  }
}

// Positions of an index tensor and the target offsets they address (gather, scatter_add).
struct Addressing {
  int nd;
  std::int64_t dims[kDims];      // the index's shape
  std::int64_t tstride[kDims];   // the target's strides, 0 on `axis`
  std::int64_t axis_stride;
  std::int64_t axis_size;  // indices outside [0, axis_size) address nothing
};

__device__ std::int64_t target_of(const Addressing& a, std::int64_t p, std::int64_t v) {
  std::int64_t off = v * a.axis_stride;
  for (int d = a.nd - 1; d >= 0; --d) {
    off += (p % a.dims[d]) * a.tstride[d];
    p /= a.dims[d];
  }
  return off;
}

Addressing addressing(const Shape& target, std::int64_t axis, const Tensor& index) {
  Addressing a{};
  const Shape ts = contiguous_strides(target);
  a.nd = static_cast<int>(index.dim());
  for (int d = 0; d < a.nd; ++d) {
    a.dims[d] = index.shape()[static_cast<std::size_t>(d)];
    a.tstride[d] = d == axis ? 0 : ts[static_cast<std::size_t>(d)];
  }
  a.axis_stride = ts[static_cast<std::size_t>(axis)];
  a.axis_size = target[static_cast<std::size_t>(axis)];
  return a;
}

template <class T>
__global__ void gather_kernel(T* out, const T* x, const std::int64_t* idx, Addressing a, std::int64_t n) {
  XG_GRID_LOOP(p, n) {
    const std::int64_t v = idx[p];
    out[p] = v >= 0 && v < a.axis_size ? x[target_of(a, p, v)] : T(0);
  }
}

// A bad index (reported at the next wait) gets the key `limit`, one past every target: sorted
// last and added nowhere.
__global__ void target_keys(std::int64_t* keys, std::int64_t* positions, const std::int64_t* idx, Addressing a,
                            std::int64_t n, std::int64_t limit) {
  XG_GRID_LOOP(p, n) {
    const std::int64_t v = idx[p];
    keys[p] = v >= 0 && v < a.axis_size ? target_of(a, p, v) : limit;
    positions[p] = p;
  }
}

__global__ void iota_keys(std::int64_t* keys, std::int64_t* positions, const std::int64_t* idx, std::int64_t n,
                          std::int64_t limit) {
  XG_GRID_LOOP(p, n) {
    keys[p] = idx[p] >= 0 && idx[p] < limit ? idx[p] : limit;
    positions[p] = p;
  }
}

// The folds of scatter_reduce, PyTorch's: a NaN taken from src wins the extremes and stays.
template <class T>
__device__ bool is_nan_value(T v) {
  return v != v;
}

template <class T>
__device__ T fold(kernel::Reduce kind, T acc, T v) {
  switch (kind) {
    case kernel::Reduce::Sum: return add_wrapping(acc, v);  // int64 wraps, as on the CPU
    case kernel::Reduce::Prod: return mul_wrapping(acc, v);
    case kernel::Reduce::Max: return is_nan_value(v) || v > acc ? v : acc;
    case kernel::Reduce::Min: return is_nan_value(v) || v < acc ? v : acc;
  }
  return acc;
}

// After a stable sort: each run of equal keys is one target; its head folds the run's values
// in position order (ascending, as the CPU does) into the target, from its value (include_self)
// or from `identity`.
template <class T>
__global__ void fold_runs(T* out, const T* src, const std::int64_t* keys, const std::int64_t* positions, std::int64_t n,
                          std::int64_t limit, kernel::Reduce kind, bool include_self, T identity) {
  XG_GRID_LOOP(k, n) {
    if ((k > 0 && keys[k] == keys[k - 1]) || keys[k] >= limit) continue;
    T acc = include_self ? out[keys[k]] : identity;
    for (std::int64_t r = k; r < n && keys[r] == keys[k]; ++r) acc = fold(kind, acc, src[positions[r]]);
    out[keys[k]] = acc;
  }
}

// Run boundaries per row of index_add: begin[row] = first sorted position with that key.
__global__ void run_bounds(std::int64_t* begin, std::int64_t* end, const std::int64_t* keys, std::int64_t n,
                           std::int64_t limit) {
  XG_GRID_LOOP(k, n) {
    if (keys[k] >= limit) continue;
    if (k == 0 || keys[k] != keys[k - 1]) begin[keys[k]] = k;
    if (k == n - 1 || keys[k] != keys[k + 1]) end[keys[k]] = k + 1;
  }
}

template <class T>
__global__ void add_rows(T* out, const T* src, const std::int64_t* begin, const std::int64_t* end,
                         const std::int64_t* positions, std::int64_t m, std::int64_t size, std::int64_t inner,
                         std::int64_t total) {
  XG_GRID_LOOP(e, total) {
    const std::int64_t i = e % inner, r = (e / inner) % size, o = e / (inner * size);
    T acc = out[e];
    for (std::int64_t k = begin[r]; k < end[r]; ++k) acc = add_wrapping(acc, src[(o * m + positions[k]) * inner + i]);
    out[e] = acc;
  }
}

__global__ void ones_at(float* out, const std::int64_t* labels, std::int64_t n, std::int64_t classes) {
  XG_GRID_LOOP(i, n)
    if (labels[i] >= 0 && labels[i] < classes) out[i * classes + labels[i]] = 1.0f;
}

// Keys (with their positions) sorted stably by CUB; `keys`/`positions` hold n entries on the
// device and are replaced by the sorted ones. Temporary memory from the caching allocator.
void stable_sort(Tensor& keys, Tensor& positions, std::int64_t key_limit, cudaStream_t s, const char* op) {
  const std::int64_t n = keys.numel();
  if (n > 2147483647) fail(op, ": ", n, " indices exceed the sort's 32-bit count");
  Tensor keys_out = make_tensor(keys.shape(), kInt64, keys.device()), pos_out = make_tensor(keys.shape(), kInt64, keys.device());
  int end_bit = 1;  // only the bits a key can use: keys lie in [0, key_limit] (key_limit: a bad index)
  while (end_bit < 63 && (std::int64_t{1} << end_bit) <= key_limit) ++end_bit;
  std::size_t bytes = 0;
  // Keys as unsigned (they are never negative): CUB sorts their low end_bit bits as they are.
  const auto* kin = reinterpret_cast<const unsigned long long*>(dptr<std::int64_t>(keys));
  auto* kout = reinterpret_cast<unsigned long long*>(dptr<std::int64_t>(keys_out));
  check(cub::DeviceRadixSort::SortPairs(nullptr, bytes, kin, kout,
                                        dptr<std::int64_t>(positions), dptr<std::int64_t>(pos_out), static_cast<int>(n), 0,
                                        end_bit, s),
        op);
  Tensor temp = make_tensor({static_cast<std::int64_t>(bytes / 8 + 1)}, kInt64, keys.device());
  check(cub::DeviceRadixSort::SortPairs(dptr<std::int64_t>(temp), bytes, kin, kout, dptr<std::int64_t>(positions),
                                        dptr<std::int64_t>(pos_out), static_cast<int>(n), 0, end_bit, s),
        op);
  keys = keys_out;
  positions = pos_out;
}

}  // namespace

void concat(Tensor& out, const tensor_list& xs, std::int64_t axis) {
  XG_GPU_ENTRY(concat);
  const char* op = call_or("concat");
  const cudaStream_t s = on(out, op);
  if (xs.size() == 1) {  // a copy
    const std::size_t bytes = static_cast<std::size_t>(out.numel()) * dtype_size(out.dtype());
    copy_rows(out.impl()->storage->data, bytes, xs[0].impl()->storage->data, bytes, bytes, 1, s, op);
    return;
  }
  pieces_copy(true, out, xs, axis, s, op);
}

void split(tensor_list& outs, const Tensor& x, std::int64_t axis) {
  XG_GPU_ENTRY(split);
  const char* op = call_or("split");
  pieces_copy(false, x, outs, axis, on(x, op), op);
}

void narrow(Tensor& out, const Tensor& x, std::int64_t axis, std::int64_t start) {
  XG_GPU_ENTRY(narrow);
  const char* op = call_or("narrow");
  const cudaStream_t s = on(out, op);
  std::int64_t outer, inner;
  std::tie(outer, inner) = outer_inner(x.shape(), axis);
  const std::size_t esize = dtype_size(x.dtype());
  const std::size_t spitch = static_cast<std::size_t>(x.shape()[static_cast<std::size_t>(axis)] * inner) * esize;
  const std::size_t width = static_cast<std::size_t>(out.shape()[static_cast<std::size_t>(axis)] * inner) * esize;
  copy_rows(out.impl()->storage->data, width,
            static_cast<const char*>(x.impl()->storage->data) + static_cast<std::size_t>(start * inner) * esize, spitch,
            width, outer, s, op);
}

void index_select(Tensor& out, const Tensor& x, std::int64_t axis, const Tensor& index) {
  XG_GPU_ENTRY(index_select);
  const char* op = call_or("index_select");
  if (out.numel() == 0) return;
  const cudaStream_t s = on(out, op);
  std::int64_t outer, inner;
  std::tie(outer, inner) = outer_inner(x.shape(), axis);
  detail::dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    select_rows<T><<<grid_for(out.numel()), kThreads, 0, s>>>(dptr<T>(out), dptr<T>(x), dptr<std::int64_t>(index),
                                                             index.numel(), x.shape()[static_cast<std::size_t>(axis)],
                                                             inner, out.numel());
  });
  launched(op);
}

void index_add(Tensor& out, std::int64_t axis, const Tensor& index, const Tensor& src) {
  XG_GPU_ENTRY(index_add);
  const char* op = call_or("index_add");
  const std::int64_t m = index.numel(), size = out.shape()[static_cast<std::size_t>(axis)];
  if (m == 0 || out.numel() == 0) return;
  const cudaStream_t s = on(out, op);
  Tensor keys = make_tensor({m}, kInt64, out.device()), positions = make_tensor({m}, kInt64, out.device());
  iota_keys<<<grid_for(m), kThreads, 0, s>>>(dptr<std::int64_t>(keys), dptr<std::int64_t>(positions), dptr<std::int64_t>(index), m,
                                             size);
  launched(op);
  stable_sort(keys, positions, size, s, op);
  Tensor begin = make_tensor({size}, kInt64, out.device()), end = make_tensor({size}, kInt64, out.device());
  check(cudaMemsetAsync(dptr<std::int64_t>(begin), 0, static_cast<std::size_t>(size) * 8, s), op);
  check(cudaMemsetAsync(dptr<std::int64_t>(end), 0, static_cast<std::size_t>(size) * 8, s), op);  // empty runs: [0, 0)
  run_bounds<<<grid_for(m), kThreads, 0, s>>>(dptr<std::int64_t>(begin), dptr<std::int64_t>(end), dptr<std::int64_t>(keys), m,
                                              size);
  std::int64_t outer, inner;
  std::tie(outer, inner) = outer_inner(out.shape(), axis);
  detail::dispatch(src.dtype(), [&](auto tag) {
    using T = decltype(tag);
    add_rows<T><<<grid_for(out.numel()), kThreads, 0, s>>>(dptr<T>(out), dptr<T>(src), dptr<std::int64_t>(begin),
                                                          dptr<std::int64_t>(end), dptr<std::int64_t>(positions), m, size,
                                                          inner, out.numel());
  });
  launched(op);
}

void gather(Tensor& out, const Tensor& x, std::int64_t axis, const Tensor& index) {
  XG_GPU_ENTRY(gather);
  const char* op = call_or("gather");
  if (out.numel() == 0) return;
  const cudaStream_t s = on(out, op);
  const Addressing a = addressing(x.shape(), axis, index);
  detail::dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    gather_kernel<T><<<grid_for(out.numel()), kThreads, 0, s>>>(dptr<T>(out), dptr<T>(x), dptr<std::int64_t>(index), a,
                                                               out.numel());
  });
  launched(op);
}

void scatter_reduce(Tensor& out, std::int64_t axis, const Tensor& index, const Tensor& src, kernel::Reduce kind,
                    bool include_self) {
  XG_GPU_ENTRY(scatter_reduce);
  const char* op = call_or("scatter_reduce");
  const std::int64_t n = index.numel();
  if (n == 0) return;
  const cudaStream_t s = on(out, op);
  Tensor keys = make_tensor({n}, kInt64, out.device()), positions = make_tensor({n}, kInt64, out.device());
  target_keys<<<grid_for(n), kThreads, 0, s>>>(dptr<std::int64_t>(keys), dptr<std::int64_t>(positions),
                                               dptr<std::int64_t>(index), addressing(out.shape(), axis, index), n,
                                               out.numel());
  launched(op);
  stable_sort(keys, positions, out.numel(), s, op);
  detail::dispatch(src.dtype(), [&](auto tag) {
    using T = decltype(tag);
    fold_runs<T><<<grid_for(n), kThreads, 0, s>>>(dptr<T>(out), dptr<T>(src), dptr<std::int64_t>(keys),
                                                 dptr<std::int64_t>(positions), n, out.numel(), kind, include_self,
                                                 kernel::reduce_identity<T>(kind));
  });
  launched(op);
}

void scatter_add(Tensor& out, std::int64_t axis, const Tensor& index, const Tensor& src) {
  XG_GPU_ENTRY(scatter_add);
  scatter_reduce(out, axis, index, src, kernel::Reduce::Sum, true);
}

void one_hot(Tensor& out, const Tensor& labels, std::int64_t num_classes) {
  XG_GPU_ENTRY(one_hot);
  const char* op = call_or("one_hot");
  const std::int64_t n = labels.numel();
  if (n == 0) return;
  const cudaStream_t s = on(out, op);
  ones_at<<<grid_for(n), kThreads, 0, s>>>(dptr<float>(out), dptr<std::int64_t>(labels), n, num_classes);
  launched(op);
}

}  // namespace xg::detail::gpu
