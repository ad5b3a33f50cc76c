// Initialisers, filling in place from the global generator.
#include <xgrad/detail/format.h>
#include <cmath>

#include <xgrad/autograd.h>
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

}  // namespace xg::nn::init
