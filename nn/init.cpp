// Initialisers, filling in place from the global generator.
#include <xgrad/detail/format.h>
#include <algorithm>
#include <cmath>
#include <vector>

#include <xgrad/autograd.h>
#include <xgrad/linalg.h>
#include <xgrad/nn/init.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "tensor/tensor_impl.h"

namespace xg::nn::init {

namespace {

// Inputs feeding one output unit: rows of a (in, out) weight; C*FH*FW of a (FN, C, FH, FW)
// convolution filter; the length of a vector.
double fan_in(const Tensor& w) {
  if (w.dim() == 0) fail("init: a 0-d tensor has no fan-in");
  if (w.dim() <= 2) return static_cast<double>(w.shape()[0]);
  return static_cast<double>(w.numel() / w.shape()[0]);
}

Tensor& fill_from(Tensor& w, const Tensor& values) {
  if (!w.defined()) fail("init: tensor is undefined");
  NoGradGuard no_grad;
  w.copy_(values);
  return w;
}

}  // namespace

Tensor& normal(Tensor& w, double std, double mean) { return fill_from(w, randn(w.shape(), kFloat64) * std + mean); }
Tensor& uniform(Tensor& w, double low, double high) {
  return fill_from(w, rand(w.shape(), kFloat64) * (high - low) + low);
}
Tensor& xavier_normal(Tensor& w) { return normal(w, std::sqrt(1.0 / fan_in(w))); }
Tensor& xavier_uniform(Tensor& w) {
  const double a = std::sqrt(3.0 / fan_in(w));
  return uniform(w, -a, a);
}
Tensor& glorot_uniform(Tensor& w) {
  if (w.dim() != 2 && w.dim() != 4)
    fail("glorot_uniform: expected a (in, out) weight or a (out, in, kh, kw) filter, got ", detail::shape_str(w.shape()));
  // Keras: a filter's fans are its channels times the receptive field.
  const double fans = w.dim() == 2 ? static_cast<double>(w.shape()[0] + w.shape()[1])
                                   : static_cast<double>((w.shape()[0] + w.shape()[1]) * w.shape()[2] * w.shape()[3]);
  const double a = std::sqrt(6.0 / fans);
  return uniform(w, -a, a);
}
Tensor& he_normal(Tensor& w) { return normal(w, std::sqrt(2.0 / fan_in(w))); }
Tensor& kaiming(Tensor& w) {
  const double a = std::sqrt(6.0 / fan_in(w));
  return uniform(w, -a, a);
}
Tensor& zeros(Tensor& w) { return constant(w, 0.0); }
Tensor& ones(Tensor& w) { return constant(w, 1.0); }
Tensor& constant(Tensor& w, double value) {
  NoGradGuard no_grad;
  w.fill_(value);
  return w;
}

// ---- libtorch's ----

double calculate_gain(Nonlinearity nonlinearity, double param) {
  switch (nonlinearity) {
    case Nonlinearity::Linear:
    case Nonlinearity::Sigmoid:
      return 1.0;
    case Nonlinearity::Tanh:
      return 5.0 / 3.0;
    case Nonlinearity::ReLU:
      return std::sqrt(2.0);
    case Nonlinearity::LeakyReLU:
      break;
  }
  return std::sqrt(2.0 / (1.0 + param * param));
}

std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& w) {
  if (!w.defined() || w.dim() < 2)
    fail("calculate_fan_in_and_fan_out: fans need a tensor of at least 2 dimensions, got ",
         w.defined() ? detail::shape_str(w.shape()) : "an undefined tensor");
  const std::int64_t receptive = w.numel() / (w.shape()[0] * w.shape()[1] == 0 ? 1 : w.shape()[0] * w.shape()[1]);
  std::int64_t fan_in = w.shape()[1] * receptive, fan_out = w.shape()[0] * receptive;
  if (w.impl()->in_out_layout) std::swap(fan_in, fan_out);  // the house's (in, out) Linear.W
  return {fan_in, fan_out};
}

Tensor uniform_(Tensor w, double a, double b) { return uniform(w, a, b); }
Tensor normal_(Tensor w, double mean, double std) { return normal(w, std, mean); }
Tensor constant_(Tensor w, double value) { return constant(w, value); }
Tensor ones_(Tensor w) { return constant(w, 1.0); }
Tensor zeros_(Tensor w) { return constant(w, 0.0); }

Tensor eye_(Tensor w) {
  if (!w.defined() || w.dim() != 2) fail("eye_: expects a 2-D tensor, got ", w.defined() ? detail::shape_str(w.shape()) : "an undefined tensor");
  Tensor id = xg::zeros(w.shape(), kFloat64);
  const std::int64_t rows = w.shape()[0], cols = w.shape()[1];
  for (std::int64_t i = 0; i < std::min(rows, cols); ++i) id.data<double>()[i * cols + i] = 1.0;
  return fill_from(w, id);
}

Tensor xavier_uniform_(Tensor w, double gain) {
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(w);
  const double a = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  return uniform(w, -a, a);
}

Tensor xavier_normal_(Tensor w, double gain) {
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(w);
  return normal(w, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)));
}

namespace {
double kaiming_std(const Tensor& w, double a, FanMode mode, Nonlinearity nonlinearity) {
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(w);
  const std::int64_t fan = mode == FanMode::FanIn ? fan_in : fan_out;
  if (fan == 0) fail("kaiming: a tensor with no elements has no fan, shape ", detail::shape_str(w.shape()));
  return calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
}
}  // namespace

Tensor kaiming_uniform_(Tensor w, double a, FanMode mode, Nonlinearity nonlinearity) {
  const double bound = std::sqrt(3.0) * kaiming_std(w, a, mode, nonlinearity);
  return uniform(w, -bound, bound);
}

Tensor kaiming_normal_(Tensor w, double a, FanMode mode, Nonlinearity nonlinearity) {
  return normal(w, kaiming_std(w, a, mode, nonlinearity));
}

// PyTorch's orthogonal_: the QR of a standard normal (rows, cols) matrix (transposed when
// wide), Q's columns signed by R's diagonal so the result is uniform over orthogonal
// matrices (Mezzadri 2007), scaled by gain. The house's (in, out) Linear.W needs no care:
// a 2-D result has orthonormal columns when tall and rows when wide either way round.
Tensor orthogonal_(Tensor w, double gain) {
  if (!w.defined() || w.dim() < 2)
    fail("orthogonal_: only tensors with 2 or more dimensions are supported, got ",
         w.defined() ? detail::shape_str(w.shape()) : "an undefined tensor");
  if (w.numel() == 0) return w;
  NoGradGuard no_grad;
  const std::int64_t rows = w.shape()[0], cols = w.numel() / rows;
  Tensor flat = randn({rows, cols}, kFloat64);
  if (rows < cols) flat = flat.t();
  auto [q, r] = linalg::qr(flat);
  q = q * sign(diagonal(r)).unsqueeze(0);
  if (rows < cols) q = q.t();
  return fill_from(w, q.reshape(w.shape()) * gain);
}

Tensor dirac_(Tensor w, std::int64_t groups) {
  if (!w.defined() || w.dim() < 3 || w.dim() > 5)
    fail("dirac_: only tensors with 3, 4 or 5 dimensions (a convolution's weight) are supported, got ",
         w.defined() ? detail::shape_str(w.shape()) : "an undefined tensor");
  const Shape& s = w.shape();
  if (groups < 1 || s[0] % groups != 0)
    fail("dirac_: groups must be positive and divide the weight's first axis ", s[0], ", got ", groups);
  Tensor id = xg::zeros(s, kFloat64);
  const std::int64_t per_group = s[0] / groups, channels = std::min(per_group, s[1]);
  // The kernel's centre (size / 2 on each spatial axis), as an offset within one (out, in) kernel.
  std::int64_t centre = 0, kernel = 1;
  for (std::size_t a = 2; a < s.size(); ++a) {
    centre = centre * s[a] + s[a] / 2;
    kernel *= s[a];
  }
  double* p = id.data<double>();
  for (std::int64_t g = 0; g < groups; ++g)
    for (std::int64_t d = 0; d < channels; ++d) p[((g * per_group + d) * s[1] + d) * kernel + centre] = 1.0;
  return fill_from(w, id);
}

Tensor sparse_(Tensor w, double sparsity, double std) {
  if (!w.defined() || w.dim() != 2)
    fail("sparse_: only 2-D tensors are supported, got ", w.defined() ? detail::shape_str(w.shape()) : "an undefined tensor");
  if (!(sparsity >= 0 && sparsity <= 1)) fail("sparse_: sparsity must be in [0, 1], got ", sparsity);
  const std::int64_t rows = w.shape()[0], cols = w.shape()[1];
  const auto zeros_per_column = static_cast<std::int64_t>(std::ceil(sparsity * static_cast<double>(rows)));
  Tensor values = randn(w.shape(), kFloat64) * std;
  double* p = values.data<double>();
  for (std::int64_t c = 0; c < cols; ++c) {
    const Tensor order = randperm(rows);  // the column's zeros: the first rows of a permutation
    const auto* at = order.data<std::int64_t>();
    for (std::int64_t i = 0; i < zeros_per_column; ++i) p[at[i] * cols + c] = 0.0;
  }
  return fill_from(w, values);
}

namespace {
// erf^-1 in double: Giles' single-precision approximation (2010), then two Newton steps on
// std::erf, which double the correct digits each.
double erfinv(double y) {
  if (y <= -1) return -INFINITY;
  if (y >= 1) return INFINITY;
  double w = -std::log((1.0 - y) * (1.0 + y)), x;
  if (w < 5.0) {
    w -= 2.5;
    x = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
                     0.246640727, 1.50140941})
      x = c + x * w;
  } else {
    w = std::sqrt(w) - 3.0;
    x = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
                     1.00167406, 2.83297682})
      x = c + x * w;
  }
  x *= y;
  for (int i = 0; i < 2; ++i) x -= (std::erf(x) - y) / (1.1283791670955126 * std::exp(-x * x));
  return x;
}
}  // namespace

// PyTorch's trunc_normal_: the inverse CDF of N(mean, std²) applied to uniforms drawn between
// the CDF's values at a and b, then clamped to [a, b] against rounding.
Tensor trunc_normal_(Tensor w, double mean, double std, double a, double b) {
  if (!w.defined()) fail("trunc_normal_: the tensor is undefined");
  if (!(std > 0) || !std::isfinite(std)) fail("trunc_normal_: std must be positive and finite, got ", std);
  if (!(a < b)) fail("trunc_normal_: expected a < b, got a = ", a, " and b = ", b);
  if (!std::isfinite(mean)) fail("trunc_normal_: mean must be finite, got ", mean);
  const auto cdf = [](double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); };
  const double lo = cdf((a - mean) / std), hi = cdf((b - mean) / std);
  std::vector<double> v = (rand(w.shape(), kFloat64) * (hi - lo) + lo).to_vector<double>();
  for (double& x : v) x = std::min(std::max(mean + std * std::sqrt(2.0) * erfinv(2.0 * x - 1.0), a), b);
  return fill_from(w, tensor(v, w.shape(), kFloat64));
}

}  // namespace xg::nn::init
