// Counting, as libtorch's: bincount, histc, unique and unique_consecutive. Counts are
// choices, so nothing is recorded. Each is composed of kernels every device has (a stable
// sort, comparisons, a running sum, index_add); the size of a result that depends on the
// values (bincount's largest value, histc's data range when none is given, unique's number
// of values) is read on the host: on a GPU a documented wait (tensor/waits.cpp). On the CPU
// unique hashes the values instead of sorting them all, as PyTorch's does.
#include <xgrad/autograd.h>
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include <algorithm>
#include <optional>
#include <cmath>
#include <limits>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/parallel.h"
#include "tensor/tensor_impl.h"

namespace xg {

using kernel::Binary;
using kernel::Reduce;

namespace {

TensorOptions ints_on(const Tensor& x) { return TensorOptions().dtype(kInt64).device(x.device()); }

// How many times each group id in [0, n) occurs (ids int64, 1-D).
Tensor count_ids(const Tensor& ids, std::int64_t n, const Tensor& weights = Tensor()) {
  const Tensor src = weights.defined() ? weights : ones({ids.numel()}, ints_on(ids));
  return kernel::index_add({n}, 0, ids, src);
}

// (values, inverse, counts) of a 1-D line whose equal values are adjacent (sorted or not):
// a new value starts wherever an element differs from the one before (NaN differs from
// everything, so each NaN is its own value).
std::tuple<Tensor, Tensor, Tensor> runs_of(const Tensor& line, bool want_inverse, bool want_counts) {
  const std::int64_t n = line.numel();
  if (n == 0) return {line, zeros({0}, ints_on(line)), zeros({0}, ints_on(line))};
  const Tensor differs = kernel::binary(Binary::Ne, kernel::narrow(line, 0, 1, n - 1), kernel::narrow(line, 0, 0, n - 1),
                                        "unique");
  const Tensor starts = concat({ones({1}, ints_on(line)), kernel::cast(differs, kInt64)}, 0);
  const Tensor group = kernel::binary(Binary::Sub, kernel::cumsum(starts, 0, false), ones({}, kInt64), "unique");
  const Tensor values = masked_select(line, starts);
  return {values, want_inverse ? group : zeros({0}, ints_on(line)),
          want_counts ? count_ids(group, values.numel()) : zeros({0}, ints_on(line))};
}

// unique on the CPU: a hash of the distinct numbers, sorted afterwards (PyTorch's approach;
// the sort of every element the composition does was measured 7x PyTorch's time), each NaN a
// value of its own, last, in input order: the composition's answer, bit for bit.
// int64 values spanning a range no wider than a few times their number (labels, token ids,
// the common case) need no hash: a table over the range marks the values present, and
// reading it in order numbers them already sorted. Nothing when the range is wider.
std::optional<std::tuple<Tensor, Tensor, Tensor>> unique_by_table(const Tensor& flat, const Shape& shape, bool want_inverse,
                                                                  bool want_counts) {
  const std::int64_t* p = flat.data<std::int64_t>();
  const std::int64_t n = flat.numel();
  const auto [lo, hi] = std::minmax_element(p, p + n);
  const std::int64_t low = *lo;
  // The width in unsigned arithmetic: hi - lo overflows int64 for values at both extremes.
  const std::uint64_t width = static_cast<std::uint64_t>(*hi) - static_cast<std::uint64_t>(low);
  if (width >= static_cast<std::uint64_t>(4 * n + 1024)) return std::nullopt;
  std::vector<std::int64_t> id(static_cast<std::size_t>(width) + 1, -1);
  for (std::int64_t i = 0; i < n; ++i) id[static_cast<std::size_t>(p[i] - low)] = 0;
  std::int64_t numbers = 0;
  for (auto& slot : id)
    if (slot == 0) slot = numbers++;
  Tensor values = empty({numbers}, kInt64);
  std::int64_t* pv = values.data<std::int64_t>();
  for (std::size_t k = 0; k < id.size(); ++k)
    if (id[k] >= 0) pv[id[k]] = low + static_cast<std::int64_t>(k);
  Tensor inverse = empty(want_inverse ? shape : Shape{0}, kInt64);
  Tensor counts = zeros({want_counts ? numbers : 0}, kInt64);
  std::int64_t* pi = want_inverse ? inverse.data<std::int64_t>() : nullptr;
  std::int64_t* pc = want_counts ? counts.data<std::int64_t>() : nullptr;
  if (pi || pc)
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t g = id[static_cast<std::size_t>(p[i] - low)];
      if (pi) pi[i] = g;
      if (pc) ++pc[g];
    }
  return std::make_tuple(values, inverse, counts);
}

template <class T>
std::tuple<Tensor, Tensor, Tensor> unique_by_hash(const Tensor& flat, const Shape& shape, bool want_inverse,
                                                  bool want_counts) {
  const T* p = flat.data<T>();
  const std::int64_t n = flat.numel();
  if constexpr (std::is_same_v<T, std::int64_t>)
    if (auto table = unique_by_table(flat, shape, want_inverse, want_counts)) return *std::move(table);
  std::unordered_map<T, std::int64_t> id;
  std::int64_t nans = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if constexpr (std::is_floating_point_v<T>)
      if (std::isnan(p[i])) {
        ++nans;
        continue;
      }
    id.emplace(p[i], 0);  // equal values (0.0 and -0.0 too) keep the first one's bits
  }
  std::vector<T> keys;
  keys.reserve(id.size());
  for (const auto& kv : id) keys.push_back(kv.first);
  std::sort(keys.begin(), keys.end());
  const auto numbers = static_cast<std::int64_t>(keys.size());
  for (std::int64_t k = 0; k < numbers; ++k) id.find(keys[static_cast<std::size_t>(k)])->second = k;
  Tensor values = empty({numbers + nans}, flat.dtype());
  T* pv = values.data<T>();
  std::copy(keys.begin(), keys.end(), pv);
  std::fill(pv + numbers, pv + numbers + nans, std::numeric_limits<T>::quiet_NaN());
  Tensor inverse = empty(want_inverse ? shape : Shape{0}, kInt64);
  Tensor counts = zeros({want_counts ? numbers + nans : 0}, kInt64);
  std::int64_t* pi = want_inverse ? inverse.data<std::int64_t>() : nullptr;
  std::int64_t* pc = want_counts ? counts.data<std::int64_t>() : nullptr;
  if (pi || pc) {
    std::int64_t nan_seen = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      std::int64_t g;
      if constexpr (std::is_floating_point_v<T>)
        g = std::isnan(p[i]) ? numbers + nan_seen++ : id.find(p[i])->second;
      else g = id.find(p[i])->second;
      if (pi) pi[i] = g;
      if (pc) ++pc[g];
    }
  }
  return {values, inverse, counts};
}

// histc on the CPU in one pass: PyTorch's arithmetic in T, counted in int64 per chunk (exact
// past 2^24 counts, and the same on any thread count), then summed.
template <class T>
Tensor histc_on_host(const Tensor& v, std::int64_t bins, double min, double max) {
  const T* p = v.data<T>();
  const std::int64_t n = v.numel();
  const T lo = static_cast<T>(min), hi = static_cast<T>(max), range = static_cast<T>(max - min);
  const T scale = static_cast<T>(bins), top = static_cast<T>(bins - 1);
  const int chunks = bins <= (std::int64_t{1} << 16) ? detail::parallel_chunks(n, static_cast<double>(n) * 4.0) : 1;
  detail::checked_buffer(bins, sizeof(std::int64_t) * static_cast<std::size_t>(chunks), "histc", "the bins' counts");
  std::vector<std::int64_t> partial(static_cast<std::size_t>(chunks * bins), 0);
  detail::parallel_for_chunks(n, chunks, [&](std::int64_t b, std::int64_t e, int c) {
    std::int64_t* h = partial.data() + static_cast<std::int64_t>(c) * bins;
    for (std::int64_t i = b; i < e; ++i) {
      const T x = p[i];
      if (!(x >= lo && x <= hi)) continue;  // outside, or NaN: counted nowhere
      const T s = std::min(std::max((x - lo) / range * scale, T(0)), top);  // the top edge in the last bin
      ++h[static_cast<std::int64_t>(s)];
    }
  });
  Tensor out = empty({bins}, v.dtype());
  T* o = out.data<T>();
  for (std::int64_t k = 0; k < bins; ++k) {
    std::int64_t total = 0;
    for (int c = 0; c < chunks; ++c) total += partial[static_cast<std::size_t>(c * bins + k)];
    o[k] = static_cast<T>(total);
  }
  return out;
}

}  // namespace

Tensor bincount(const Tensor& x, const Tensor& weights, std::int64_t minlength) {
  detail::CallScope call("bincount");
  NoGradGuard no_grad;
  if (!x.defined()) fail("bincount: the input is undefined");
  if (x.dtype() != kInt64 || x.dim() != 1)
    fail("bincount: only supports 1-d non-negative integral inputs, got ", dtype_name(x.dtype()), " ",
         detail::shape_str(x.shape()));
  if (minlength < 0) fail("bincount: minlength should be >= 0, got ", minlength);
  if (weights.defined() && (weights.shape() != x.shape() || !is_floating(weights.dtype())))
    fail("bincount: weights must be a float tensor of the input's shape ", detail::shape_str(x.shape()), ", got ",
         dtype_name(weights.dtype()), " ", detail::shape_str(weights.shape()));
  detail::compute_device({{"input", x}, {"weights", weights}}, "bincount");
  std::int64_t n = minlength;
  if (x.numel() > 0) {
    if (kernel::reduce(Reduce::Min, x, {}, false).item<std::int64_t>() < 0)
      fail("bincount: only supports 1-d non-negative integral inputs, got a negative value");
    const std::int64_t largest = kernel::reduce(Reduce::Max, x, {}, false).item<std::int64_t>();
    if (largest >= (std::int64_t{1} << 48))  // the counts would not fit in any memory: say so before sizing
      fail("bincount: the largest value ", largest, " asks for ", largest, " + 1 bins");
    n = std::max(n, largest + 1);
  }
  return count_ids(x, n, weights.defined() ? weights.detach() : Tensor());
}

Tensor histc(const Tensor& x, std::int64_t bins, double min, double max) {
  detail::CallScope call("histc");
  NoGradGuard no_grad;
  if (!x.defined()) fail("histc: the input is undefined");
  if (!is_floating(x.dtype())) fail("histc: expected a float tensor, got ", dtype_name(x.dtype()));
  if (bins <= 0) fail("histc: bins must be > 0, got ", bins);
  if (!(min <= max)) fail("histc: max must be larger than min, got min ", min, " and max ", max);
  const Tensor v = x.detach().reshape({-1});
  if (min == max && v.numel() > 0) {  // the data's range (its numbers), as PyTorch
    const Tensor numbers = masked_select(v, kernel::cast(kernel::binary(Binary::Eq, v, v, "histc"), kInt64));
    if (numbers.numel() > 0) {
      min = kernel::reduce(Reduce::Min, numbers, {}, false).item();
      max = kernel::reduce(Reduce::Max, numbers, {}, false).item();
    }
  }
  if (min == max) min -= 1, max += 1;  // PyTorch's widening of an empty range
  if (!std::isfinite(min) || !std::isfinite(max))
    fail("histc: range of [", min, ", ", max, "] is not finite");
  if (v.device().is_cpu())
    return detail::dispatch_float(v.dtype(), "histc", [&](auto t) { return histc_on_host<decltype(t)>(v, bins, min, max); });
  const Dtype dt = v.dtype();
  const auto scalar = [&](double s) { return scalar_tensor(s, dt); };
  // PyTorch's arithmetic in x's dtype: (x - min) / (max - min) * bins, truncated; the top
  // edge falls in the last bin. Values outside [min, max] and NaN count nothing.
  const Tensor inside = kernel::binary(Binary::Mul, kernel::binary(Binary::Ge, v, scalar(min), "histc"),
                                       kernel::binary(Binary::Le, v, scalar(max), "histc"), "histc");
  const Tensor scaled = kernel::binary(
      Binary::Mul,
      kernel::binary(Binary::Div, kernel::binary(Binary::Sub, v, scalar(min), "histc"), scalar(max - min), "histc"),
      scalar(static_cast<double>(bins)), "histc");
  const Tensor clipped = kernel::where(inside, kernel::clamp(scaled, 0.0, static_cast<double>(bins - 1)), scalar(0.0));
  const Tensor bin = kernel::cast(kernel::unary(kernel::Unary::Trunc, clipped, "histc"), kInt64);
  return kernel::index_add({bins}, 0, bin, inside);
}

std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& x, bool sorted, bool return_inverse, bool return_counts) {
  detail::CallScope call("unique");
  NoGradGuard no_grad;
  if (!x.defined()) fail("unique: the input is undefined");
  (void)sorted;  // always sorted, as PyTorch's CPU and CUDA results are
  const Tensor flat = x.detach().reshape({-1});
  if (flat.numel() == 0) return {flat, zeros(x.shape(), ints_on(x)), zeros({0}, ints_on(x))};
  if (flat.device().is_cpu())
    return detail::dispatch(flat.dtype(), [&](auto tag) {
      return unique_by_hash<decltype(tag)>(flat, x.shape(), return_inverse, return_counts);
    });
  const Tensor order = kernel::sort_indices(flat, 0, false);  // stable, NaN last
  auto [values, group, counts] = runs_of(kernel::gather(flat, 0, order, "unique"), return_inverse, return_counts);
  Tensor inverse = zeros({0}, ints_on(x));
  if (return_inverse)  // element order[k] belongs to group[k]
    inverse = kernel::scatter_add({flat.numel()}, 0, order, group).reshape(x.shape());
  return {values, inverse, counts};
}

std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& x, bool return_inverse, bool return_counts) {
  detail::CallScope call("unique_consecutive");
  NoGradGuard no_grad;
  if (!x.defined()) fail("unique_consecutive: the input is undefined");
  const Tensor flat = x.detach().reshape({-1});
  auto [values, group, counts] = runs_of(flat, return_inverse, return_counts);
  return {values, return_inverse ? group.reshape(x.shape()) : group, counts};
}

}  // namespace xg
