// Reductions (sum, max, min, prod), arg-reductions and the softmax family, written by hand: xtensor's reducers
// were measured 4x to 22x slower than a plain loop on this stack.
#include <xgrad/detail/format.h>
#include <algorithm>
#include <cmath>
#include <limits>

#include <xsimd/xsimd.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

#include "tensor/cuda/kernels.h"
#include "tensor/kernels.h"
#include "tensor/parallel.h"
#include "tensor/pointwise_rules.h"
#include "tensor/strided.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

using detail::dispatch;
using detail::make_tensor;

namespace {

// Sums accumulate in double (int64 in int64) so float32 sums do not drift with length.
template <class T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;

// The largest (or smallest) of n floats, NaN if any is NaN: xsimd batches, two accumulators,
// the NaN test kept apart from the comparison (a NaN lane may leave garbage in the extreme,
// which the flag then overrides). The scalar form, with its NaN branch per element, took
// 172 us for a full min of 256K float32. A maximum is exact in any order.
template <bool kMax, class T>
T extreme_of(const T* p, std::int64_t n) {
  using B = xsimd::batch<T>;
  constexpr auto W = static_cast<std::int64_t>(B::size);
  const T init = kMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  const auto pick = [](const auto& a, const auto& b) { return kMax ? xsimd::max(a, b) : xsimd::min(a, b); };
  B m0(init), m1(init);
  xsimd::batch_bool<T> nan(false);
  std::int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    const B a = B::load_unaligned(p + i), b = B::load_unaligned(p + i + W);
    nan = nan | !(a == a) | !(b == b);  // not a != a: xsimd's AVX-512 != is ordered (false for NaN)
    m0 = pick(m0, a);
    m1 = pick(m1, b);
  }
  alignas(64) T lanes[W];
  pick(m0, m1).store_aligned(lanes);
  bool any_nan = xsimd::any(nan);
  T best = init;
  for (std::int64_t j = 0; j < W; ++j) best = kMax ? std::max(best, lanes[j]) : std::min(best, lanes[j]);
  for (; i < n; ++i) {
    any_nan = any_nan || std::isnan(p[i]);
    best = kMax ? (p[i] > best ? p[i] : best) : (p[i] < best ? p[i] : best);
  }
  return any_nan ? std::numeric_limits<T>::quiet_NaN() : best;
}

// The decomposition of a shape around one axis: outer x n x inner.
struct AxisSplit {
  std::int64_t outer = 1, n = 1, inner = 1;
  AxisSplit(const Shape& shape, std::int64_t axis) {
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(shape.size()); ++i)
      (i < axis ? outer : i == axis ? n : inner) *= shape[i];
  }
};

}  // namespace

Tensor reduce(Reduce kind, const Tensor& x, const Axes& axes, bool keepdims) {
  const char* name = kind == Reduce::Sum ? "sum" : kind == Reduce::Max ? "max" : kind == Reduce::Min ? "min" : "prod";
  const bool extreme = kind == Reduce::Max || kind == Reduce::Min;  // nothing to give for an empty axis
  Shape kept = x.shape();
  std::vector<bool> reduced(kept.size(), axes.empty());
  for (auto a : axes) reduced[a] = true;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (reduced[i] && kept[i] == 0 && extreme)
      fail(name, ": cannot reduce an empty axis ", i, " of shape ", detail::shape_str(x.shape()));
    if (reduced[i]) kept[i] = 1;
  }
  if (x.numel() == 0 && extreme) fail(name, ": cannot reduce an empty tensor");
  Shape out_strides = detail::contiguous_strides(kept);
  for (std::size_t i = 0; i < kept.size(); ++i)
    if (reduced[i]) out_strides[i] = 0;

  Tensor out = make_tensor(kept, x.dtype(), x.device());
  if (!x.device().is_cpu()) detail::gpu::reduce(kind, out, x, reduced);
  else dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using A = Acc<T>;
    const A init = kind == Reduce::Sum ? A(0) : kind == Reduce::Prod ? A(1)
                   : kind == Reduce::Max ? (std::is_floating_point_v<T> ? -std::numeric_limits<A>::infinity() : std::numeric_limits<A>::lowest())
                                         : (std::is_floating_point_v<T> ? std::numeric_limits<A>::infinity() : std::numeric_limits<A>::max());
    std::vector<A> acc(static_cast<std::size_t>(out.numel()), init);
    const T* px = x.data<T>();
    auto combine = [kind](A a, A v) -> A {
      if (kind == Reduce::Sum) return detail::add_wrapping(a, v);  // int64 wraps, as PyTorch's
      if (kind == Reduce::Prod) return detail::mul_wrapping(a, v);
      if (std::isnan(static_cast<double>(v))) return v;  // NaN propagates, as numpy
      return kind == Reduce::Max ? (v > a ? v : a) : (v < a ? v : a);
    };
    // A run of n values folded into one accumulator: eight independent partial results,
    // since a single chain of dependent adds cannot vectorise (measured 9x slower). A maximum
    // or minimum is exact, so its partials give the one answer (NaN if any is NaN).
    auto fold = [&](A a, const T* p, std::int64_t n) -> A {
      if constexpr (std::is_floating_point_v<T>)
        if (extreme)
          return combine(a, static_cast<A>(kind == Reduce::Max ? extreme_of<true>(p, n) : extreme_of<false>(p, n)));
      A part[8];
      for (A& q : part) q = init;
      std::int64_t i = 0;
      for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) part[j] = combine(part[j], static_cast<A>(p[i + j]));
      for (; i < n; ++i) a = combine(a, static_cast<A>(p[i]));
      for (int j = 0; j < 8; ++j) a = combine(a, part[j]);
      return a;
    };
    // The two shapes training reduces most, split over threads by output so that every
    // output is summed in the same order on any thread count: leading axes reduced (a bias
    // gradient: (N, C) -> C, rows added in order) and trailing axes reduced (row sums).
    const auto none_reduced = [&](std::size_t from, std::size_t to) {
      return std::none_of(reduced.begin() + static_cast<std::ptrdiff_t>(from),
                          reduced.begin() + static_cast<std::ptrdiff_t>(to), [](bool r) { return r; });
    };
    std::size_t lead = 0;  // reduced axes at the front
    while (lead < reduced.size() && reduced[lead]) ++lead;
    std::size_t trail = reduced.size();  // axes before the reduced ones at the back
    while (trail > 0 && reduced[trail - 1]) --trail;
    const std::int64_t total = x.numel();
    if (lead > 0 && lead < reduced.size() && none_reduced(lead, reduced.size())) {
      const std::int64_t C = static_cast<std::int64_t>(acc.size()), R = C ? total / C : 0;
      detail::parallel_elements(C, static_cast<double>(R), [&](std::int64_t c0, std::int64_t c1) {
        for (std::int64_t r = 0; r < R; ++r) {
          const T* p = px + r * C;
          for (std::int64_t c = c0; c < c1; ++c) acc[c] = combine(acc[c], static_cast<A>(p[c]));
        }
      });
    } else if (trail > 0 && trail < reduced.size() && none_reduced(0, trail)) {
      const std::int64_t O = static_cast<std::int64_t>(acc.size()), R = O ? total / O : 0;
      detail::parallel_elements(O, static_cast<double>(R), [&](std::int64_t o0, std::int64_t o1) {
        for (std::int64_t o = o0; o < o1; ++o) acc[o] = fold(acc[o], px + o * R, R);
      }, 1);
    } else {
      detail::for_each_run<2>(x.shape(), {out_strides, detail::contiguous_strides(x.shape())},
                              [&](auto off, std::int64_t n, auto in) {
                                A* pa = acc.data() + off[0];
                                const T* p = px + off[1];
                                if (in[0] == 0) {
                                  *pa = fold(*pa, p, n);
                                } else {
                                  for (std::int64_t i = 0; i < n; ++i) pa[i] = combine(pa[i], static_cast<A>(p[i]));
                                }
                              });
    }
    T* po = out.data<T>();
    for (std::size_t i = 0; i < acc.size(); ++i) po[i] = static_cast<T>(acc[i]);
  });
  if (keepdims) return out;
  Shape squeezed;
  for (std::size_t i = 0; i < kept.size(); ++i)
    if (!reduced[i]) squeezed.push_back(kept[i]);
  return detail::alias(out, squeezed);
}

Tensor arg_reduce(bool is_max, const Tensor& x, std::int64_t axis, bool keepdims) {
  const char* name = is_max ? "argmax" : "argmin";
  if (x.numel() == 0) fail(name, ": empty tensor of shape ", detail::shape_str(x.shape()));
  const bool flat = axis < 0;
  const AxisSplit s = flat ? AxisSplit({x.numel()}, 0) : AxisSplit(x.shape(), axis);
  Shape shape = x.shape();
  if (flat) {
    shape = keepdims ? Shape(x.shape().size(), 1) : Shape{};
  } else if (keepdims) {
    shape[axis] = 1;
  } else {
    shape.erase(shape.begin() + axis);
  }
  Tensor out = make_tensor(shape, kInt64, x.device());
  if (!x.device().is_cpu()) {
    std::vector<bool> reduced(x.shape().size(), flat);
    if (!flat) reduced[static_cast<std::size_t>(axis)] = true;
    detail::gpu::arg_reduce(is_max, out, x, reduced);
    return out;
  }
  auto* po = out.data<std::int64_t>();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    for (std::int64_t o = 0; o < s.outer; ++o)
      for (std::int64_t i = 0; i < s.inner; ++i) {
        const T* p = px + o * s.n * s.inner + i;
        std::int64_t best = 0;
        for (std::int64_t k = 1; k < s.n; ++k) {
          const double b = static_cast<double>(p[best * s.inner]), v = static_cast<double>(p[k * s.inner]);
          if (std::isnan(b)) break;  // the first NaN wins, as numpy
          if (std::isnan(v) || (is_max ? v > b : v < b)) best = k;
        }
        po[o * s.inner + i] = best;
      }
  });
  return out;
}

namespace {

// Calls f(row_in, row_out, n, stride) for every 1-D line along `axis`.
template <class T, class F>
void for_each_line(const Tensor& x, Tensor& y, std::int64_t axis, F f) {
  const AxisSplit s(x.shape(), axis);
  const T* px = x.data<T>();
  T* py = y.data<T>();
  // Lines are independent (softmax, log_softmax): split over threads, each line worth about
  // ten operations per element (an exp).
  detail::parallel_elements(s.outer * s.inner, 10.0 * static_cast<double>(s.n), [&](std::int64_t l0, std::int64_t l1) {
    for (std::int64_t l = l0; l < l1; ++l) {
      const std::int64_t o = l / s.inner, i = l % s.inner, base = o * s.n * s.inner + i;
      f(px + base, py + base, s.n, s.inner);
    }
  }, 1);
}

// Max of a strided line, and log(sum(exp(line - max))).
template <class T>
std::pair<double, double> shifted_logsumexp(const T* p, std::int64_t n, std::int64_t stride) {
  double m = -std::numeric_limits<double>::infinity();
  for (std::int64_t k = 0; k < n; ++k) m = std::max(m, static_cast<double>(p[k * stride]));
  if (!std::isfinite(m)) return {m, 0.0};
  double s = 0;
  for (std::int64_t k = 0; k < n; ++k) s += std::exp(static_cast<double>(p[k * stride]) - m);
  return {m, std::log(s)};
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t axis) {
  Tensor y = make_tensor(x.shape(), x.dtype(), x.device());
  if (!x.device().is_cpu()) return detail::gpu::along_lines(0, y, x, axis), y;
  detail::dispatch_float(x.dtype(), "softmax", [&](auto tag) {
    using T = decltype(tag);
    for_each_line<T>(x, y, axis, [](const T* p, T* q, std::int64_t n, std::int64_t stride) {
      // Subtracting the max keeps exp from overflowing (the textbook's overflow countermeasure).
      T m = -std::numeric_limits<T>::infinity();
      for (std::int64_t k = 0; k < n; ++k) m = std::max(m, p[k * stride]);
      if (stride == 1) {
        const std::array<std::size_t, 1> shape{static_cast<std::size_t>(n)};
        auto in = xt::adapt(p, static_cast<std::size_t>(n), xt::no_ownership(), shape);
        auto out = xt::adapt(q, static_cast<std::size_t>(n), xt::no_ownership(), shape);
        xt::noalias(out) = xt::exp(in - m);
      } else {
        for (std::int64_t k = 0; k < n; ++k) q[k * stride] = std::exp(p[k * stride] - m);
      }
      double s = 0;
      if (stride == 1) {
        double part[8] = {};
        std::int64_t k = 0;
        for (; k + 8 <= n; k += 8)
          for (int j = 0; j < 8; ++j) part[j] += q[k + j];
        for (; k < n; ++k) s += q[k];
        for (int j = 0; j < 8; ++j) s += part[j];
      } else {
        for (std::int64_t k = 0; k < n; ++k) s += q[k * stride];
      }
      const T inv = static_cast<T>(1.0 / s);
      for (std::int64_t k = 0; k < n; ++k) q[k * stride] *= inv;
    });
  });
  return y;
}

Tensor softmax_cross_entropy(const Tensor& x, const Tensor& labels, Tensor& probs, const char* op) {
  const std::int64_t n = x.shape()[0], c = x.shape()[1];
  check_labels(labels, c, op);
  const Device device = detail::compute_device({{"input", x}, {"target", labels}}, op);
  probs = softmax(x, 1);
  if (!device.is_cpu()) {
    Tensor loss = make_tensor({}, x.dtype(), device);
    detail::gpu::cross_entropy_loss(loss, x, labels);
    return loss;
  }
  const auto* t = labels.data<std::int64_t>();
  double total = 0;
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    for (std::int64_t i = 0; i < n; ++i) {
      const auto [m, ls] = shifted_logsumexp(px + i * c, c, 1);
      total += m + ls - static_cast<double>(px[i * c + t[i]]);
    }
  });
  return scalar_tensor(total / static_cast<double>(n), x.dtype());
}

Tensor softmax_cross_entropy_backward(const Tensor& probs, const Tensor& labels, const Tensor& gy, double count) {
  if (!probs.device().is_cpu()) {
    Tensor g = make_tensor(probs.shape(), probs.dtype(), probs.device());
    detail::gpu::cross_entropy_backward(g, probs, labels, gy, count);
    return g;
  }
  const double scale = gy.item() / count;  // a host tensor here: no wait
  Tensor gx = make_tensor(probs.shape(), probs.dtype());
  const std::int64_t n = probs.shape()[0], c = probs.shape()[1];
  const auto* t = labels.data<std::int64_t>();
  detail::dispatch_float(probs.dtype(), "softmax_cross_entropy", [&](auto tag) {
    using T = decltype(tag);
    const T* p = probs.data<T>();
    T* g = gx.data<T>();
    const T s = static_cast<T>(scale);
    for (std::int64_t i = 0; i < n * c; ++i) g[i] = p[i] * s;
    for (std::int64_t i = 0; i < n; ++i) g[i * c + t[i]] -= s;
  });
  return gx;
}

Tensor log_softmax(const Tensor& x, std::int64_t axis) {
  Tensor y = make_tensor(x.shape(), x.dtype(), x.device());
  if (!x.device().is_cpu()) return detail::gpu::along_lines(1, y, x, axis), y;
  detail::dispatch_float(x.dtype(), "log_softmax", [&](auto tag) {
    using T = decltype(tag);
    for_each_line<T>(x, y, axis, [](const T* p, T* q, std::int64_t n, std::int64_t stride) {
      const auto [m, ls] = shifted_logsumexp(p, n, stride);
      for (std::int64_t k = 0; k < n; ++k) q[k * stride] = static_cast<T>(static_cast<double>(p[k * stride]) - m - ls);
    });
  });
  return y;
}

Tensor logsumexp(const Tensor& x, std::int64_t axis, bool keepdims) {
  Shape shape = x.shape();
  shape[axis] = 1;
  Tensor y = make_tensor(shape, x.dtype(), x.device());
  if (!x.device().is_cpu()) detail::gpu::along_lines(2, y, x, axis);
  else detail::dispatch_float(x.dtype(), "logsumexp", [&](auto tag) {
    using T = decltype(tag);
    const AxisSplit s(x.shape(), axis);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    for (std::int64_t o = 0; o < s.outer; ++o)
      for (std::int64_t i = 0; i < s.inner; ++i) {
        const auto [m, ls] = shifted_logsumexp(px + o * s.n * s.inner + i, s.n, s.inner);
        py[o * s.inner + i] = static_cast<T>(m + ls);
      }
  });
  if (keepdims) return y;
  shape.erase(shape.begin() + axis);
  return detail::alias(y, shape);
}

}  // namespace xg::kernel
