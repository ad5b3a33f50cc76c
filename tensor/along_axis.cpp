// Kernels that walk each line of a tensor along one axis, x seen as (outer, n, inner):
// cumsum, cumprod and logcumsumexp (running sums, products and log-sum-exps, in order), the
// running maximum's and minimum's positions, sort_indices (a stable sort of each line's
// positions), select_indices (one rank of that order) and searchsorted (bisection of a
// sorted row). Lines are independent: split over threads; on a GPU, tensor/cuda/along_axis.cu.
#include <xgrad/detail/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensor/checked.h"
#include "tensor/cuda/kernels.h"
#include "tensor/kernels.h"
#include "tensor/parallel.h"
#include "tensor/pointwise_rules.h"
#include "tensor/radix_sort.h"
#include "tensor/select_kth.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

namespace {

using detail::add_wrapping;
using detail::mul_wrapping;

struct Lines {
  std::int64_t outer = 1, n = 1, inner = 1;
};

Lines lines_of(const Shape& s, std::int64_t axis) {
  Lines l;
  for (std::int64_t a = 0; a < static_cast<std::int64_t>(s.size()); ++a) {
    if (a < axis) l.outer *= s[static_cast<std::size_t>(a)];
    else if (a == axis) l.n = s[static_cast<std::size_t>(a)];
    else l.inner *= s[static_cast<std::size_t>(a)];
  }
  return l;
}

// a before b in an ascending sort with NaN above every number (PyTorch's order).
template <class T>
bool ascending(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
  }
  return a < b;
}

// The running combination of each line (a sum or a product), from the end with `reverse`.
template <bool kProduct>
Tensor scan(const Tensor& x, std::int64_t axis, bool reverse) {
  Tensor y = detail::make_tensor(x.shape(), x.dtype(), x.device());
  if (x.numel() == 0) return y;
  const Lines l = lines_of(x.shape(), axis);
  if (!x.device().is_cpu()) {
    if constexpr (kProduct) detail::gpu::cumprod(y, x, l.outer, l.n, l.inner);
    else detail::gpu::cumsum(y, x, l.outer, l.n, l.inner, reverse);
    return y;
  }
  detail::dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    // One outer block per task: within it, step k combines row k with row k - 1 (vectorised
    // across the inner positions), so every line runs in its own order on any thread count.
    const auto combine = [](T a, T b) { return kProduct ? mul_wrapping(a, b) : add_wrapping(a, b); };
    detail::parallel_elements(l.outer, static_cast<double>(l.n * l.inner), [&](std::int64_t o0, std::int64_t o1) {
      std::int64_t o = o0;
      if (l.inner == 1) {
        // Contiguous lines (the last axis), four stepped together: one running value is a chain
        // of dependent adds, bound by their latency; four independent chains hide it. Each
        // line still combines in its own order: the same bits.
        const std::int64_t n = l.n, first = reverse ? n - 1 : 0, step = reverse ? -1 : 1;
        for (; o + 4 <= o1; o += 4) {
          const T* x0 = px + o * n;
          T* y0 = py + o * n;
          T a0 = x0[first], a1 = x0[n + first], a2 = x0[2 * n + first], a3 = x0[3 * n + first];
          y0[first] = a0, y0[n + first] = a1, y0[2 * n + first] = a2, y0[3 * n + first] = a3;
          for (std::int64_t s = 1, k = first + step; s < n; ++s, k += step) {
            a0 = combine(a0, x0[k]), a1 = combine(a1, x0[n + k]);
            a2 = combine(a2, x0[2 * n + k]), a3 = combine(a3, x0[3 * n + k]);
            y0[k] = a0, y0[n + k] = a1, y0[2 * n + k] = a2, y0[3 * n + k] = a3;
          }
        }
      }
      for (; o < o1; ++o) {
        const T* xo = px + o * l.n * l.inner;
        T* yo = py + o * l.n * l.inner;
        if (l.inner == 1) {  // a contiguous line (the last axis): one running value, the same order
          const std::int64_t first = reverse ? l.n - 1 : 0, step = reverse ? -1 : 1;
          T acc = xo[first];
          yo[first] = acc;
          for (std::int64_t s = 1, k = first + step; s < l.n; ++s, k += step) {
            acc = combine(acc, xo[k]);
            yo[k] = acc;
          }
          continue;
        }
        for (std::int64_t s = 0; s < l.n; ++s) {
          const std::int64_t k = reverse ? l.n - 1 - s : s;
          const T* xk = xo + k * l.inner;
          T* yk = yo + k * l.inner;
          if (s == 0) {
            std::copy(xk, xk + l.inner, yk);
            continue;
          }
          const T* prev = yo + (reverse ? k + 1 : k - 1) * l.inner;
          if constexpr (kProduct)
            for (std::int64_t i = 0; i < l.inner; ++i) yk[i] = mul_wrapping(prev[i], xk[i]);
          else
            for (std::int64_t i = 0; i < l.inner; ++i) yk[i] = add_wrapping(prev[i], xk[i]);
        }
      }
    }, 1);
  });
  return y;
}

// log(exp(a) + exp(b)) in double: the larger plus log1p of the smaller's share. Two equal
// infinities (or -inf with -inf) stay themselves, where the formula would give NaN.
double log_add_exp(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return a + b;
  const double hi = a > b ? a : b, lo = a > b ? b : a;
  if (hi == lo && !std::isfinite(hi)) return hi;
  return hi + std::log1p(std::exp(lo - hi));
}

// Whether v takes over from the running extreme r (PyTorch's rule: at least as large, ties
// to the later position; a NaN always takes over, and nothing but a NaN takes it back).
// Without branches (a NaN test is `v != v` here, compiled as C++): the scans below run it
// once per element on random data.
template <bool kMax, class T>
bool takes_over(T v, T r) {
  const bool at_least = kMax ? v >= r : v <= r;  // false for a NaN r: it stays
  if constexpr (std::is_floating_point_v<T>) return at_least | (v != v);
  return at_least;
}

// Calls f(o, i, line) for every line of x (read with stride l.inner), lines split over threads.
template <class F>
void for_each_line(const Lines& l, double work_per_line, F f) {
  detail::parallel_elements(l.outer * l.inner, work_per_line, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) f(r / l.inner, r % l.inner);
  }, 1);
}

}  // namespace

Tensor logcumsumexp(const Tensor& x, std::int64_t axis, bool reverse) {
  Tensor y = detail::make_tensor(x.shape(), x.dtype(), x.device());
  if (x.numel() == 0) return y;
  const Lines l = lines_of(x.shape(), axis);
  if (!x.device().is_cpu()) return detail::gpu::logcumsumexp(y, x, l.outer, l.n, l.inner, reverse), y;
  detail::dispatch_float(x.dtype(), "logcumsumexp", [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    for_each_line(l, static_cast<double>(l.n) * 8, [&](std::int64_t o, std::int64_t i) {
      const T* xl = px + o * l.n * l.inner + i;
      T* yl = py + o * l.n * l.inner + i;
      double acc = -std::numeric_limits<double>::infinity();
      for (std::int64_t s = 0; s < l.n; ++s) {
        const std::int64_t k = reverse ? l.n - 1 - s : s;
        acc = log_add_exp(acc, static_cast<double>(xl[k * l.inner]));
        yl[k * l.inner] = static_cast<T>(acc);
      }
    });
  });
  return y;
}

Tensor logcumsumexp_backward(const Tensor& x, const Tensor& y, const Tensor& gy, std::int64_t axis, bool reverse) {
  Tensor g = detail::make_tensor(x.shape(), x.dtype(), x.device());
  if (x.numel() == 0) return g;
  const Lines l = lines_of(x.shape(), axis);
  if (!x.device().is_cpu()) return detail::gpu::logcumsumexp_backward(g, x, y, gy, l.outer, l.n, l.inner, reverse), g;
  detail::dispatch_float(x.dtype(), "logcumsumexp", [&](auto tag) {
    using T = decltype(tag);
    const T *px = x.data<T>(), *py = y.data<T>(), *pg = gy.data<T>();
    T* out = g.data<T>();
    for_each_line(l, static_cast<double>(l.n) * 8, [&](std::int64_t o, std::int64_t i) {
      const std::int64_t base = o * l.n * l.inner + i;
      double t = 0, y_next = 0;
      for (std::int64_t s = 0; s < l.n; ++s) {  // from the scan's end back to its start
        const std::int64_t k = reverse ? s : l.n - 1 - s, at = base + k * l.inner;
        const double yk = static_cast<double>(py[at]);
        const double scale = s == 0 ? 0.0 : std::exp(yk - y_next);
        t = static_cast<double>(pg[at]) + (scale == 0.0 ? 0.0 : scale * t);  // a zero weight drops an inf/NaN tail
        out[at] = static_cast<T>(std::exp(static_cast<double>(px[at]) - yk) * t);
        y_next = yk;
      }
    });
  });
  return g;
}

namespace {

// The positions of the running extremes of x's lines (the last one among ties), per outer
// block: contiguous lines (the last axis) four at a time, each running extreme a chain of
// dependent selects and four independent chains hiding their latency; other axes a row at a
// time across the inner positions, which are contiguous. Was one strided line at a time
// with a branch per element (cummax of (256, 1024): 0.77 ms forward).
template <bool kMax, class T>
void running_extreme_positions(const T* px, std::int64_t* pi, const Lines& l) {
  const std::int64_t n = l.n, inner = l.inner;
  detail::parallel_elements(l.outer, static_cast<double>(n * inner) * 2, [&](std::int64_t o0, std::int64_t o1) {
    std::int64_t o = o0;
    if (inner == 1) {
      for (; o + 4 <= o1; o += 4) {
        const T* x0 = px + o * n;
        std::int64_t* i0 = pi + o * n;
        T b0 = x0[0], b1 = x0[n], b2 = x0[2 * n], b3 = x0[3 * n];
        std::int64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (std::int64_t k = 0; k < n; ++k) {
          const T v0 = x0[k], v1 = x0[n + k], v2 = x0[2 * n + k], v3 = x0[3 * n + k];
          const bool t0 = takes_over<kMax>(v0, b0), t1 = takes_over<kMax>(v1, b1);
          const bool t2 = takes_over<kMax>(v2, b2), t3 = takes_over<kMax>(v3, b3);
          b0 = t0 ? v0 : b0, b1 = t1 ? v1 : b1, b2 = t2 ? v2 : b2, b3 = t3 ? v3 : b3;
          a0 = t0 ? k : a0, a1 = t1 ? k : a1, a2 = t2 ? k : a2, a3 = t3 ? k : a3;
          i0[k] = a0, i0[n + k] = a1, i0[2 * n + k] = a2, i0[3 * n + k] = a3;
        }
      }
    }
    std::vector<T> best(static_cast<std::size_t>(inner));
    for (; o < o1; ++o) {
      const T* xo = px + o * n * inner;
      std::int64_t* io = pi + o * n * inner;
      std::copy(xo, xo + inner, best.begin());
      std::fill(io, io + inner, std::int64_t{0});
      for (std::int64_t k = 1; k < n; ++k) {
        const T* xk = xo + k * inner;
        const std::int64_t* prev = io + (k - 1) * inner;
        std::int64_t* ik = io + k * inner;
        for (std::int64_t i = 0; i < inner; ++i) {
          const bool take = takes_over<kMax>(xk[i], best[i]);
          best[i] = take ? xk[i] : best[i];
          ik[i] = take ? k : prev[i];
        }
      }
    }
  }, 1);
}

}  // namespace

Tensor running_extreme_indices(const Tensor& x, std::int64_t axis, bool is_max) {
  Tensor idx = detail::make_tensor(x.shape(), kInt64, x.device());
  if (x.numel() == 0) return idx;
  const Lines l = lines_of(x.shape(), axis);
  if (!x.device().is_cpu()) return detail::gpu::running_extreme_indices(idx, x, l.outer, l.n, l.inner, is_max), idx;
  std::int64_t* pi = idx.data<std::int64_t>();
  detail::dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (is_max) running_extreme_positions<true>(x.data<T>(), pi, l);
    else running_extreme_positions<false>(x.data<T>(), pi, l);
  });
  return idx;
}

Tensor searchsorted(const Tensor& sorted, const Tensor& values, bool right) {
  Tensor out = detail::make_tensor(values.shape(), kInt64, values.device());
  const std::int64_t m = sorted.shape().back(), rows = m > 0 ? sorted.numel() / m : 0;
  if (values.numel() == 0) return out;
  if (rows == 0) fail(detail::call_or("searchsorted"), ": no sorted elements in ", detail::shape_str(sorted.shape()));
  const std::int64_t k = values.numel() / rows;
  if (!values.device().is_cpu()) return detail::gpu::searchsorted(out, sorted, values, rows, m, k, right), out;
  std::int64_t* po = out.data<std::int64_t>();
  detail::dispatch(values.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* ps = sorted.data<T>();
    const T* pv = values.data<T>();
    const double work = std::log2(static_cast<double>(m) + 1) * 4;
    detail::parallel_elements(rows * k, work, [&](std::int64_t j0, std::int64_t j1) {
      for (std::int64_t j = j0; j < j1; ++j) {
        const T* row = ps + (j / k) * m;
        const T v = pv[j];
        std::int64_t lo = 0, hi = m;
        while (lo < hi) {  // PyTorch's tests, written as negations so a NaN value goes right
          const std::int64_t mid = lo + (hi - lo) / 2;
          if (right ? !(row[mid] > v) : !(row[mid] >= v)) lo = mid + 1;
          else hi = mid;
        }
        po[j] = lo;
      }
    });
  });
  return out;
}

Tensor cumsum(const Tensor& x, std::int64_t axis, bool reverse) { return scan<false>(x, axis, reverse); }

Tensor cumprod(const Tensor& x, std::int64_t axis) { return scan<true>(x, axis, false); }

Tensor sort_indices(const Tensor& x, std::int64_t axis, bool descending) {
  Tensor idx = detail::make_tensor(x.shape(), kInt64, x.device());
  if (x.numel() == 0) return idx;
  const Lines l = lines_of(x.shape(), axis);
  if (!x.device().is_cpu()) return detail::gpu::sort_indices(idx, x, l.outer, l.n, l.inner, descending), idx;
  std::int64_t* pi = idx.data<std::int64_t>();
  detail::dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    const std::int64_t lines = l.outer * l.inner;
    const double work = static_cast<double>(l.n) * std::log2(static_cast<double>(l.n) + 1) * 4;
    detail::parallel_elements(lines, work, [&](std::int64_t r0, std::int64_t r1) {
      // Lines of 128 elements and more: a radix sort on order-preserving keys (the same
      // permutation; tensor/radix_sort.h). Shorter ones would spend more on its 256-bin
      // counts than on comparisons; its counts are 32-bit, so 2^32 elements and more keep
      // the comparison sort.
      if (l.n >= 128 && l.n < (std::int64_t{1} << 32)) {
        detail_radix::Scratch<decltype(detail_radix::key_of(T{}))> scratch;
        for (std::int64_t r = r0; r < r1; ++r) {
          const std::int64_t o = r / l.inner, i = r % l.inner, at = o * l.n * l.inner + i;
          detail_radix::sort_positions(px + at, l.inner, l.n, descending, pi + at, l.inner, scratch);
        }
        return;
      }
      // (value, position) pairs sorted by value: the comparisons read the pairs themselves
      // rather than the line through each position (unique of 2^18 values: 25.8 -> 22.9 ms).
      std::vector<std::pair<T, std::int64_t>> order(static_cast<std::size_t>(l.n));
      for (std::int64_t r = r0; r < r1; ++r) {
        const std::int64_t o = r / l.inner, i = r % l.inner;
        const T* line = px + o * l.n * l.inner + i;
        for (std::int64_t k = 0; k < l.n; ++k) order[static_cast<std::size_t>(k)] = {line[k * l.inner], k};
        // Descending is ascending with the operands swapped (NaN first), stable either way.
        std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
          return descending ? ascending(b.first, a.first) : ascending(a.first, b.first);
        });
        std::int64_t* out = pi + o * l.n * l.inner + i;
        for (std::int64_t k = 0; k < l.n; ++k) out[k * l.inner] = order[static_cast<std::size_t>(k)].second;
      }
    }, 1);
  });
  return idx;
}

Tensor select_indices(const Tensor& x, std::int64_t axis, const Tensor& position) {
  if (!x.device().is_cpu()) return gather(sort_indices(x, axis, false), axis, position, "select_indices");
  Tensor idx = detail::make_tensor(position.shape(), kInt64, x.device());
  if (idx.numel() == 0) return idx;
  const Lines l = lines_of(x.shape(), axis);
  const std::int64_t* pp = position.data<std::int64_t>();
  std::int64_t* pi = idx.data<std::int64_t>();
  for (std::int64_t r = 0; r < l.outer * l.inner; ++r)
    if (pp[r] < 0 || pp[r] >= l.n)
      fail(detail::call_or("select_indices"), ": rank ", pp[r], " is outside a line of ", l.n, " elements");
  detail::dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    // The k-th value by selection on a copy of the line's values (contiguous, compared
    // directly), then its position: rank k in the stable sort is the (k - #smaller)-th
    // occurrence of that value, in position order, among the equal ones (NaNs are equal to
    // each other here, and -0 to +0, as in the sort). The selection is branch-free without
    // NaN (tensor/select_kth.h). Was nth_element over positions with an indirect read per
    // comparison.
    detail::parallel_elements(l.outer * l.inner, static_cast<double>(l.n) * 4, [&](std::int64_t r0, std::int64_t r1) {
      std::vector<T> values(static_cast<std::size_t>(l.n));
      for (std::int64_t r = r0; r < r1; ++r) {
        const std::int64_t o = r / l.inner, i = r % l.inner, k = pp[r];
        const T* line = px + o * l.n * l.inner + i;
        bool nan = false;
        for (std::int64_t j = 0; j < l.n; ++j) {
          const T x_j = line[j * l.inner];
          values[static_cast<std::size_t>(j)] = x_j;
          nan |= x_j != x_j;
        }
        if (nan)  // NaN above every number: the comparison with its branches
          std::nth_element(values.begin(), values.begin() + k, values.end(), [](T a, T b) { return ascending(a, b); });
        else
          detail_select::select_kth(values.data(), values.size(), static_cast<std::size_t>(k));
        const T v = values[static_cast<std::size_t>(k)];
        std::int64_t skip = k;  // equal values before the wanted one, in position order
        for (std::int64_t j = 0; j < k; ++j) skip -= ascending(values[static_cast<std::size_t>(j)], v);
        for (std::int64_t j = 0; j < l.n; ++j) {
          const T x_j = line[j * l.inner];
          if (!ascending(x_j, v) && !ascending(v, x_j) && skip-- == 0) {
            pi[r] = j;
            break;
          }
        }
      }
    }, 1);
  });
  return idx;
}

}  // namespace xg::kernel
