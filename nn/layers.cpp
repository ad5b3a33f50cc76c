// Linear, Sequential, the activation modules, Flatten and LayerNorm (Embedding: embedding.cpp).
#include <xgrad/detail/format.h>
#include <cmath>
#include <memory>

#include <xgrad/autograd.h>
#include <xgrad/nn/init.h>
#include <xgrad/nn/layers.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "tensor/tensor_impl.h"
#include "tensor/checked.h"

namespace xg::nn {

Linear::Linear(std::int64_t in_features, std::int64_t out_features, bool bias, Dtype dtype) {
  create(in_features, out_features, bias, dtype);
}

Linear::Linear(const LinearOptions& o) { create(o.in_features(), o.out_features(), o.bias(), o.dtype()); }

void Linear::create(std::int64_t in_features, std::int64_t out_features, bool bias, Dtype dtype) {
  detail::CallScope call("Linear");
  if (in_features <= 0 || out_features <= 0)
    fail("Linear: sizes must be positive, got in=", in_features, ", out=", out_features);
  W = empty({in_features, out_features}, dtype);
  W.impl()->in_out_layout = true;  // libtorch's initialisers take its fans the right way round
  init::xavier_normal(W);
  register_parameter("W", W);
  if (bias) {
    b = zeros({out_features}, dtype);
    register_parameter("b", b);
  }
}

Tensor Linear::forward(const Tensor& x) {
  if (x.dim() == 0 || x.shape().back() != W.shape()[0])
    fail("Linear: expected input with last axis ", W.shape()[0], ", got shape ", detail::shape_str(x.shape()));
  return b.defined() ? linear(x, W, b) : matmul(x, W);
}

LazyLinear::LazyLinear(std::int64_t out_features, bool bias, Dtype dtype)
    : out_(out_features), bias_(bias), dtype_(dtype) {
  if (out_features <= 0) fail("LazyLinear: out_features must be positive, got ", out_features);
}

Tensor LazyLinear::forward(const Tensor& x) {
  if (!W.defined()) {
    if (x.dim() == 0) fail("LazyLinear: expected an input with a feature axis, got a 0-d tensor");
    create(x.shape().back(), out_, bias_, dtype_);
  }
  return Linear::forward(x);
}

Sequential& Sequential::add(std::shared_ptr<Module> module) {
  return push_back(std::to_string(modules_.size()), std::move(module));
}

Sequential& Sequential::push_back(const std::string& name, std::shared_ptr<Module> module) {
  if (!module) fail("Sequential::push_back: null module");
  register_module(name, *module);
  modules_.push_back(std::move(module));
  return *this;
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (auto& m : modules_) y = (*m)(y);
  return y;
}

Module& Sequential::operator[](std::size_t i) const {
  if (i >= modules_.size()) fail("Sequential: index ", i, " is out of range for ", modules_.size(), " modules");
  return *modules_[i];
}

ModuleList& ModuleList::push_back(std::shared_ptr<Module> module) {
  if (!module) fail("ModuleList::push_back: null module");
  register_module(std::to_string(modules_.size()), *module);
  modules_.push_back(std::move(module));
  return *this;
}

Tensor ModuleList::forward(const Tensor&) {
  fail("ModuleList: has no forward; iterate over its modules and call each");
}

Module& ModuleList::operator[](std::size_t i) const {
  if (i >= modules_.size()) fail("ModuleList: index ", i, " is out of range for ", modules_.size(), " modules");
  return *modules_[i];
}

Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor ReLU::forward(const Tensor& x) {
  if (!options_.inplace()) return relu(x);
  Tensor y = x;  // the caller's tensor itself, as libtorch's inplace ReLU
  return y.relu_();
}
Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, slope_); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor Softplus::forward(const Tensor& x) { return softplus(x, options_.beta(), options_.threshold()); }
Tensor Softmax::forward(const Tensor& x) { return softmax(x, axis_); }
GELU::GELU(std::string approximate) : approximate_(std::move(approximate)) {
  if (approximate_ != "none" && approximate_ != "tanh")
    fail("GELU: approximate must be \"none\" or \"tanh\", got \"", approximate_, "\"");
}
Tensor GELU::forward(const Tensor& x) { return gelu(x, approximate_); }
Tensor SiLU::forward(const Tensor& x) { return silu(x); }
Tensor ELU::forward(const Tensor& x) { return elu(x, alpha_); }
Tensor SELU::forward(const Tensor& x) { return selu(x); }
CELU::CELU(double alpha) : alpha_(alpha) {
  if (alpha == 0) fail("CELU: alpha must not be 0 (it divides x)");
}
Tensor CELU::forward(const Tensor& x) { return celu(x, alpha_); }
Tensor Mish::forward(const Tensor& x) { return mish(x); }
Tensor Hardswish::forward(const Tensor& x) { return hardswish(x); }
Tensor Hardsigmoid::forward(const Tensor& x) { return hardsigmoid(x); }
Tensor Softsign::forward(const Tensor& x) { return softsign(x); }

PReLU::PReLU(const PReLUOptions& options) {
  if (options.num_parameters() <= 0) fail("PReLU: num_parameters must be positive, got ", options.num_parameters());
  if (!is_floating(options.dtype())) fail("PReLU: dtype must be a float type, got ", dtype_name(options.dtype()));
  W = full({options.num_parameters()}, options.init(), options.dtype());
  register_parameter("W", W);
}
Tensor PReLU::forward(const Tensor& x) { return prelu(x, W); }
Tensor Flatten::forward(const Tensor& x) { return flatten(x, start_, end_); }

LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine, Dtype dtype)
    : normalized_shape_(std::move(normalized_shape)), eps_(eps) {
  detail::CallScope call("LayerNorm");
  if (normalized_shape_.empty()) fail("LayerNorm: normalized_shape must not be empty");
  for (auto d : normalized_shape_)
    if (d <= 0) fail("LayerNorm: normalized_shape ", detail::shape_str(normalized_shape_), " must be positive");
  if (!(eps > 0)) fail("LayerNorm: eps must be positive, got ", eps);
  if (elementwise_affine) {
    gamma = ones(normalized_shape_, dtype);
    beta = zeros(normalized_shape_, dtype);
    register_parameter("gamma", gamma);
    register_parameter("beta", beta);
  }
}

Tensor LayerNorm::forward(const Tensor& x) {
  const auto k = static_cast<std::int64_t>(normalized_shape_.size());
  if (x.dim() < k || !std::equal(normalized_shape_.begin(), normalized_shape_.end(), x.shape().end() - k))
    fail("LayerNorm: expected an input ending in ",
         detail::shape_str(normalized_shape_), ", got ", detail::shape_str(x.shape()));
  return layer_norm(x, normalized_shape_, gamma, beta, eps_);
}

}  // namespace xg::nn
