// Bilinear and F::bilinear, composed: x1 times the weight seen as (in1, out·in2) is one
// matrix product, then each output's row of in2 is multiplied by x2 and summed. Every order
// of gradient and every device come with matmul, mul and sum.
#include <xgrad/nn/bilinear.h>

#include <cmath>

#include <xgrad/detail/format.h>
#include <xgrad/nn/init.h>
#include <xgrad/ops.h>

#include "tensor/checked.h"

namespace xg::nn {

namespace functional {

Tensor bilinear(const Tensor& x1, const Tensor& x2, const Tensor& weight, const Tensor& bias) {
  detail::CallScope call("bilinear");
  if (!x1.defined() || !x2.defined() || !weight.defined())
    fail("bilinear: ", !x1.defined() ? "input1" : !x2.defined() ? "input2" : "weight", " is undefined");
  if (weight.dim() != 3) fail("bilinear: expected a weight of shape (out, in1, in2), got ", detail::shape_str(weight.shape()));
  const std::int64_t out = weight.size(0), in1 = weight.size(1), in2 = weight.size(2);
  if (x1.dim() == 0 || x1.size(-1) != in1 || x2.dim() == 0 || x2.size(-1) != in2)
    fail("bilinear: expected input1 (..., ", in1, ") and input2 (..., ", in2, ") for weight ",
         detail::shape_str(weight.shape()), ", got ", detail::shape_str(x1.shape()), " and ", detail::shape_str(x2.shape()));
  const Shape lead(x1.shape().begin(), x1.shape().end() - 1);
  if (Shape(x2.shape().begin(), x2.shape().end() - 1) != lead)
    fail("bilinear: expected input1 ", detail::shape_str(x1.shape()), " and input2 ", detail::shape_str(x2.shape()),
         " to agree on every axis but the last");
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != out))
    fail("bilinear: expected a bias of shape (", out, "), got ", detail::shape_str(bias.shape()));
  const std::int64_t rows = x1.numel() / std::max<std::int64_t>(in1, 1);
  const Tensor a = x1.reshape({rows, in1});
  const Tensor w = weight.permute({1, 0, 2}).reshape({in1, out * in2});
  Tensor y = (matmul(a, w).reshape({rows, out, in2}) * x2.reshape({rows, 1, in2})).sum(Axes{2});
  if (bias.defined()) y = y + bias;
  Shape shape = lead;
  shape.push_back(out);
  return y.reshape(shape);
}

}  // namespace functional

Bilinear::Bilinear(std::int64_t in1_features, std::int64_t in2_features, std::int64_t out_features, bool bias,
                   Dtype dtype)
    : Bilinear(BilinearOptions(in1_features, in2_features, out_features).bias(bias).dtype(dtype)) {}

Bilinear::Bilinear(const BilinearOptions& o) {
  detail::CallScope call("Bilinear");
  if (o.in1_features() <= 0 || o.in2_features() <= 0 || o.out_features() <= 0)
    fail("Bilinear: sizes must be positive, got in1=", o.in1_features(), ", in2=", o.in2_features(),
         ", out=", o.out_features());
  const double bound = 1.0 / std::sqrt(static_cast<double>(o.in1_features()));
  W = empty({o.out_features(), o.in1_features(), o.in2_features()}, o.dtype());
  init::uniform_(W, -bound, bound);
  register_parameter("W", W);
  if (o.bias()) {
    b = empty({o.out_features()}, o.dtype());
    init::uniform_(b, -bound, bound);
    register_parameter("b", b);
  }
}

Tensor Bilinear::forward(const Tensor&) {
  fail("Bilinear: takes two inputs, bilinear(input1, input2), not one");
}

Tensor Bilinear::forward(const Tensor& x1, const Tensor& x2) { return functional::bilinear(x1, x2, W, b); }

Tensor Bilinear::operator()(const Tensor& x1, const Tensor& x2) {
  return call(x1, [&](const Tensor& a) { return forward(a, x2); });
}

}  // namespace xg::nn
