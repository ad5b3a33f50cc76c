// Linear, Sequential, the activation modules, Flatten and Embedding.
#include <xgrad/detail/format.h>
#include <cmath>
#include <memory>
#include <mutex>

#include <xgrad/autograd.h>
#include <xgrad/nn/init.h>
#include <xgrad/nn/layers.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "tensor/kernels.h"
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
Tensor ReLU::forward(const Tensor& x) { return relu(x); }
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

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, Dtype dtype)
    : Embedding(EmbeddingOptions(num_embeddings, embedding_dim).dtype(dtype)) {}

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, std::int64_t padding_idx, Dtype dtype)
    : Embedding(EmbeddingOptions(num_embeddings, embedding_dim).padding_idx(padding_idx).dtype(dtype)) {}

Embedding::Embedding(const EmbeddingOptions& o) {
  detail::CallScope call("Embedding");
  const std::int64_t num_embeddings = o.num_embeddings(), embedding_dim = o.embedding_dim();
  if (num_embeddings <= 0 || embedding_dim <= 0)
    fail("Embedding: sizes must be positive, got num_embeddings=", num_embeddings, ", embedding_dim=", embedding_dim);
  W = randn({num_embeddings, embedding_dim}, o.dtype());
  register_parameter("W", W);
  if (!o.has_padding_idx()) return;
  set_padding_idx(o.padding_idx(), "Embedding");
  NoGradGuard no_grad;
  W.index_put_({padding_idx_}, 0.0);  // the padding row starts at zero
}

Embedding Embedding::from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options) {
  return Embedding(Pretrained{}, embeddings, options);
}

Embedding::Embedding(Pretrained, const Tensor& embeddings, const EmbeddingFromPretrainedOptions& o) {
  const char* call = "Embedding::from_pretrained";
  detail::CallScope scope(call);
  if (!embeddings.defined() || embeddings.dim() != 2)
    fail(call, ": expected 2-D embeddings (num_embeddings, embedding_dim), got ",
         embeddings.defined() ? detail::shape_str(embeddings.shape()) : std::string("an undefined tensor"));
  if (!is_floating(embeddings.dtype())) fail(call, ": expected float embeddings, got ", dtype_name(embeddings.dtype()));
  if (embeddings.numel() == 0) fail(call, ": the embeddings ", detail::shape_str(embeddings.shape()), " are empty");
  W = embeddings.detach();  // the same storage, as PyTorch's Parameter(embeddings); a leaf of its own
  register_parameter("W", W);
  if (o.padding_idx()) set_padding_idx(*o.padding_idx(), call);  // keeps its pretrained values
  W.requires_grad_(!o.freeze());  // after the padding hook, which needs a tensor requiring grad
}

void Embedding::set_padding_idx(std::int64_t padding_idx, const char* call) {
  const std::int64_t num_embeddings = W.shape()[0];
  if (padding_idx < -num_embeddings || padding_idx >= num_embeddings)
    fail(call, ": padding_idx ", padding_idx, " is out of range for ", num_embeddings, " embeddings");
  padding_idx_ = padding_idx < 0 ? padding_idx + num_embeddings : padding_idx;
  std::vector<double> keep(static_cast<std::size_t>(num_embeddings), 1.0);
  keep[static_cast<std::size_t>(padding_idx_)] = 0.0;
  const Tensor mask = tensor(keep, {num_embeddings, 1}, TensorOptions(W.dtype()).device(W.device()));
  // The padding row never learns: a gradient hook on the table drops that row's gradient.
  // The mask follows the gradient to its device and dtype once (a copy to a GPU waits), then
  // stays there; under a lock, since backward passes on two threads may share the table.
  struct Mask {
    std::mutex lock;
    Tensor values;
  };
  auto held = std::make_shared<Mask>();
  held->values = mask;
  W.register_hook([held](const Tensor& g) {
    Tensor m;
    {
      std::lock_guard<std::mutex> guard(held->lock);
      if (held->values.device() != g.device() || held->values.dtype() != g.dtype())
        held->values = held->values.to(g.device(), g.dtype());
      m = held->values;
    }
    return g * m;
  });
}

Tensor Embedding::forward(const Tensor& indices) {
  kernel::check_labels(indices, W.shape()[0], "Embedding", "index");
  Shape shape = indices.shape();
  shape.push_back(W.shape()[1]);
  return reshape(index_select(W, 0, reshape(indices, {-1})), shape);
}

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
