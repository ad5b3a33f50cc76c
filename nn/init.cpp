// Initialisers, filling in place from the global generator.
#include <xgrad/detail/format.h>
#include <cmath>

#include <xgrad/autograd.h>
#include <xgrad/nn/init.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

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

}  // namespace xg::nn::init
