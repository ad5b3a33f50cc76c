// Linear, Sequential, the activation modules, Flatten and Embedding.
#include <xgrad/detail/format.h>
#include <cmath>

#include <xgrad/nn/init.h>
#include <xgrad/nn/layers.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "tensor/kernels.h"

namespace xg::nn {

Linear::Linear(std::int64_t in_features, std::int64_t out_features, bool bias, Dtype dtype) {
  create(in_features, out_features, bias, dtype);
}

void Linear::create(std::int64_t in_features, std::int64_t out_features, bool bias, Dtype dtype) {
  if (in_features <= 0 || out_features <= 0)
    fail("Linear: sizes must be positive, got in=", in_features, ", out=", out_features);
  W = empty({in_features, out_features}, dtype);
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
  if (!module) fail("Sequential::add: null module");
  register_module(std::to_string(modules_.size()), *module);
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

Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, slope_); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor Softplus::forward(const Tensor& x) { return softplus(x); }
Tensor Softmax::forward(const Tensor& x) { return softmax(x, axis_); }
Tensor Flatten::forward(const Tensor& x) { return flatten(x, start_, end_); }

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, Dtype dtype) {
  W = randn({num_embeddings, embedding_dim}, dtype);
  register_parameter("W", W);
}

Tensor Embedding::forward(const Tensor& indices) {
  kernel::check_labels(indices, W.shape()[0], "Embedding", "index");
  Shape shape = indices.shape();
  shape.push_back(W.shape()[1]);
  return reshape(index_select(W, 0, reshape(indices, {-1})), shape);
}

}  // namespace xg::nn
