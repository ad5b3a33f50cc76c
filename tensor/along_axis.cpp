// Kernels that walk each line of a tensor along one axis, x seen as (outer, n, inner):
// cumsum and cumprod (running sums and products, in order), sort_indices (a stable sort
// of each line's positions) and select_indices (one rank of that order). Lines are
// independent: split over threads; on a GPU, tensor/cuda/along_axis.cu.
#include <xgrad/detail/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>
#include <vector>

#include "tensor/checked.h"
#include "tensor/cuda/kernels.h"
#include "tensor/kernels.h"
#include "tensor/parallel.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

namespace {

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

// a + b; int64 wraps around as PyTorch's does (through uint64: signed overflow is undefined).
template <class T>
T add_wrapping(T a, T b) {
  if constexpr (std::is_same_v<T, std::int64_t>)
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
  else return a + b;
}

// a * b; int64 wraps around as a + b does.
template <class T>
T mul_wrapping(T a, T b) {
  if constexpr (std::is_same_v<T, std::int64_t>)
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
  else return a * b;
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
    detail::parallel_elements(l.outer, static_cast<double>(l.n * l.inner), [&](std::int64_t o0, std::int64_t o1) {
      for (std::int64_t o = o0; o < o1; ++o) {
        const T* xo = px + o * l.n * l.inner;
        T* yo = py + o * l.n * l.inner;
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

}  // namespace

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
      std::vector<std::int64_t> order(static_cast<std::size_t>(l.n));
      for (std::int64_t r = r0; r < r1; ++r) {
        const std::int64_t o = r / l.inner, i = r % l.inner;
        const T* line = px + o * l.n * l.inner + i;
        std::iota(order.begin(), order.end(), std::int64_t{0});
        // Descending is ascending with the operands swapped (NaN first), stable either way.
        std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
          const T va = line[a * l.inner], vb = line[b * l.inner];
          return descending ? ascending(vb, va) : ascending(va, vb);
        });
        std::int64_t* out = pi + o * l.n * l.inner + i;
        for (std::int64_t k = 0; k < l.n; ++k) out[k * l.inner] = order[static_cast<std::size_t>(k)];
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
    detail::parallel_elements(l.outer * l.inner, static_cast<double>(l.n) * 4, [&](std::int64_t r0, std::int64_t r1) {
      std::vector<std::int64_t> order(static_cast<std::size_t>(l.n));
      for (std::int64_t r = r0; r < r1; ++r) {
        const std::int64_t o = r / l.inner, i = r % l.inner;
        const T* line = px + o * l.n * l.inner + i;
        std::iota(order.begin(), order.end(), std::int64_t{0});
        // Ties broken by position make the order total: rank k is the stable sort's k-th.
        std::nth_element(order.begin(), order.begin() + pp[r], order.end(), [&](std::int64_t a, std::int64_t b) {
          const T va = line[a * l.inner], vb = line[b * l.inner];
          return ascending(va, vb) || (!ascending(vb, va) && a < b);
        });
        pi[r] = order[static_cast<std::size_t>(pp[r])];
      }
    }, 1);
  });
  return idx;
}

}  // namespace xg::kernel
