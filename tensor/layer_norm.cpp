// layer_norm's fused kernels on the CPU: each row in a few passes over its cols elements
// (rows split over threads), the weight and bias gradients as column sums in row order
// (columns split over threads, so the bits never depend on the thread count). Sums are
// accumulated in double. On a GPU, tensor/cuda/norm.cu.
#include "tensor/norm_kernels.h"

#include <xgrad/detail/format.h>

#include <cmath>
#include <vector>

#include "tensor/checked.h"
#include "tensor/cuda/kernels.h"
#include "tensor/parallel.h"
#include "tensor/pointwise_rules.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

namespace {

using detail::make_tensor;

void check_operands(const Tensor& x, std::int64_t cols, const Tensor& weight, const Tensor& bias, const char* op) {
  if (!is_floating(x.dtype())) fail(op, ": expected a float input, got ", dtype_name(x.dtype()));
  if (cols <= 0 || x.numel() % cols != 0)
    fail(op, ": ", cols, " elements per row do not divide the input ", detail::shape_str(x.shape()));
  for (const Tensor* p : {&weight, &bias}) {
    if (!p->defined()) continue;
    const char* name = p == &weight ? "weight" : "bias";
    if (p->numel() != cols || p->dtype() != x.dtype() || p->device() != x.device())
      fail(op, ": ", name, " ", dtype_name(p->dtype()), " ", detail::shape_str(p->shape()), " on ", p->device().str(),
           " does not match ", cols, " elements of the input's ", dtype_name(x.dtype()), " on ", x.device().str());
  }
}

// Rows [0, rows) split over threads, each worth about `cols` simple operations per pass.
template <class F>
void over_rows(std::int64_t rows, std::int64_t cols, F&& body) {
  detail::parallel_elements(rows, 6.0 * static_cast<double>(cols), [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) body(r);
  }, 1);
}

// sum over j in [0, n) of f(j) in double, in 8 interleaved partial sums (fixed, so the same
// bits everywhere) that the compiler can keep in vector registers: one running sum waits
// for each add in turn, which made the passes latency-bound.
template <class F>
double lane_sum(std::int64_t n, F&& f) {
  constexpr std::int64_t kLanes = 8;
  double part[kLanes] = {};
  std::int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (std::int64_t k = 0; k < kLanes; ++k) part[k] += f(j + k);
  for (; j < n; ++j) part[0] += f(j);
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

// Calls body(z) with z(v) = v / s for the row's power of two s: as a product with 1/s, which
// is exact and so the same number, unless 1/s overflows (s below 2^-127 in float32).
template <class T, class F>
void with_scale(T s, F&& body) {
  const T inv = T(1) / s;
  if (std::isfinite(inv)) body([inv](T v) { return v * inv; });
  else body([s](T v) { return v / s; });
}

}  // namespace

LayerNormOut layer_norm_forward(const Tensor& x, std::int64_t cols, const Tensor& weight, const Tensor& bias, double eps,
                                const char* op) {
  check_operands(x, cols, weight, bias, op);
  if (!(eps > 0)) fail(op, ": eps must be positive, got ", eps);
  const std::int64_t rows = x.numel() / cols;
  LayerNormOut out{make_tensor(x.shape(), x.dtype(), x.device()), make_tensor({rows, 3}, x.dtype(), x.device())};
  if (!x.device().is_cpu()) return detail::gpu::layer_norm_forward(out, x, cols, weight, bias, eps), out;
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    const T* pw = weight.defined() ? weight.data<T>() : nullptr;
    const T* pb = bias.defined() ? bias.data<T>() : nullptr;
    T* py = out.y.data<T>();
    T* ps = out.stats.data<T>();
    over_rows(rows, cols, [&](std::int64_t r) {
      const T* xr = px + r * cols;
      T* yr = py + r * cols;
      T big = 0;
      bool nan = false;
      for (std::int64_t j = 0; j < cols; ++j) {
        const T a = std::fabs(xr[j]);
        big = a > big ? a : big;
        nan |= a != a;
      }
      // A NaN anywhere makes the row NaN (as the composed path's max would): s = 1 lets it through.
      const T s = nan ? T(1) : detail::power_of_two_scale(big);
      with_scale(s, [&](auto z) {
        const double mean = lane_sum(cols, [&](std::int64_t j) { return static_cast<double>(z(xr[j])); }) /
                            static_cast<double>(cols);
        const double sq = lane_sum(cols, [&](std::int64_t j) {
          const double c = static_cast<double>(z(xr[j])) - mean;
          return c * c;
        });
        const double sd = static_cast<double>(s);
        const T m = static_cast<T>(mean);
        const T q = static_cast<T>(1.0 / std::sqrt(sq / static_cast<double>(cols) + eps / (sd * sd)));
        for (std::int64_t j = 0; j < cols; ++j) {
          T v = (z(xr[j]) - m) * q;
          if (pw) v *= pw[j];
          if (pb) v += pb[j];
          yr[j] = v;
        }
        ps[3 * r] = s;
        ps[3 * r + 1] = m;
        ps[3 * r + 2] = q;
      });
    });
  });
  return out;
}

LayerNormGrads layer_norm_backward(const Tensor& x, std::int64_t cols, const Tensor& stats, const Tensor& weight,
                                   const Tensor& gy, bool weight_grad, bool bias_grad, const char* op) {
  check_operands(x, cols, weight, Tensor(), op);
  const std::int64_t rows = x.numel() / cols;
  if (stats.shape() != Shape{rows, 3} || stats.dtype() != x.dtype() || gy.shape() != x.shape() ||
      gy.dtype() != x.dtype() || gy.device() != x.device())
    fail(op, ": backward expected the input's gradient ", dtype_name(x.dtype()), " ", detail::shape_str(x.shape()),
         ", got ", dtype_name(gy.dtype()), " ", detail::shape_str(gy.shape()), " on ", gy.device().str());
  LayerNormGrads g;
  g.x = make_tensor(x.shape(), x.dtype(), x.device());
  const Shape wshape{cols};
  if (weight_grad) g.weight = make_tensor(wshape, x.dtype(), x.device());
  if (bias_grad) g.bias = make_tensor(wshape, x.dtype(), x.device());
  if (!x.device().is_cpu()) return detail::gpu::layer_norm_backward(g, x, cols, stats, weight, gy), g;
  detail::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    const T* pst = stats.data<T>();
    const T* pw = weight.defined() ? weight.data<T>() : nullptr;
    const T* pg = gy.data<T>();
    T* pgx = g.x.data<T>();
    // Per row: gx = rstd (h - mean(h) - xhat mean(h xhat)) / s, h = gy * weight, xhat = (x / s - mean) rstd.
    over_rows(rows, cols, [&](std::int64_t r) {
      const T* xr = px + r * cols;
      const T* gr = pg + r * cols;
      const T s = pst[3 * r], m = pst[3 * r + 1], q = pst[3 * r + 2];
      with_scale(s, [&](auto z) {
        const auto h = [&](std::int64_t j) { return pw ? gr[j] * pw[j] : gr[j]; };
        const double sh = lane_sum(cols, [&](std::int64_t j) { return static_cast<double>(h(j)); });
        const double shx = lane_sum(cols, [&](std::int64_t j) {
          return static_cast<double>(h(j)) * static_cast<double>((z(xr[j]) - m) * q);
        });
        const T a = static_cast<T>(sh / static_cast<double>(cols)), b = static_cast<T>(shx / static_cast<double>(cols));
        T* out = pgx + r * cols;
        for (std::int64_t j = 0; j < cols; ++j) out[j] = z(q * (h(j) - a - (z(xr[j]) - m) * q * b));
      });
    });
    if (!weight_grad && !bias_grad) return;
    // Column sums over the rows, in row order whatever the thread count.
    T* pgw = weight_grad ? g.weight.data<T>() : nullptr;
    T* pgb = bias_grad ? g.bias.data<T>() : nullptr;
    detail::parallel_elements(cols, 4.0 * static_cast<double>(rows), [&](std::int64_t j0, std::int64_t j1) {
      std::vector<double> sw(static_cast<std::size_t>(j1 - j0)), sb(static_cast<std::size_t>(j1 - j0));
      for (std::int64_t r = 0; r < rows; ++r) {
        const T* xr = px + r * cols;
        const T* gr = pg + r * cols;
        const T s = pst[3 * r], m = pst[3 * r + 1], q = pst[3 * r + 2];
        with_scale(s, [&](auto z) {
          for (std::int64_t j = j0; j < j1; ++j) {
            const auto k = static_cast<std::size_t>(j - j0);
            sw[k] += static_cast<double>(gr[j]) * static_cast<double>((z(xr[j]) - m) * q);
            sb[k] += static_cast<double>(gr[j]);
          }
        });
      }
      for (std::int64_t j = j0; j < j1; ++j) {
        const auto k = static_cast<std::size_t>(j - j0);
        if (pgw) pgw[j] = static_cast<T>(sw[k]);
        if (pgb) pgb[j] = static_cast<T>(sb[k]);
      }
    }, 1);
  });
  return g;
}

}  // namespace xg::kernel
