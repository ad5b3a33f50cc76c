// libtorch's Bilinear layer and F::bilinear: y = x1ᵀ A x2 + b, one bilinear form per output.
#pragma once

#include <cstdint>
#include <vector>

#include <xgrad/nn/module.h>

namespace xg::nn {

class BilinearOptions {
 public:
  BilinearOptions(std::int64_t in1_features, std::int64_t in2_features, std::int64_t out_features)
      : in1_(in1_features), in2_(in2_features), out_(out_features) {}
  BilinearOptions& in1_features(std::int64_t v) { in1_ = v; return *this; }
  std::int64_t in1_features() const { return in1_; }
  BilinearOptions& in2_features(std::int64_t v) { in2_ = v; return *this; }
  std::int64_t in2_features() const { return in2_; }
  BilinearOptions& out_features(std::int64_t v) { out_ = v; return *this; }
  std::int64_t out_features() const { return out_; }
  BilinearOptions& bias(bool v) { bias_ = v; return *this; }
  bool bias() const { return bias_; }
  BilinearOptions& dtype(Dtype v) { dtype_ = v; return *this; }
  Dtype dtype() const { return dtype_; }

 private:
  std::int64_t in1_, in2_, out_;
  bool bias_ = true;
  Dtype dtype_ = kFloat32;
};

/// y[..., o] = Σ_ij x1[..., i] W[o, i, j] x2[..., j] + b[o], with W of shape (out, in1, in2)
/// and b of shape (out), PyTorch's layout and names (weight, bias). Default init, PyTorch's:
/// both uniform in ±1/sqrt(in1). Two inputs: call bilinear(x1, x2); forward hooks see x1.
class Bilinear : public Module {
 public:
  Bilinear(std::int64_t in1_features, std::int64_t in2_features, std::int64_t out_features, bool bias = true,
           Dtype dtype = kFloat32);
  explicit Bilinear(const BilinearOptions& options);
  /// The one-input call of every Module: an xg::Error saying this layer takes two.
  Tensor forward(const Tensor& x) override;
  Tensor forward(const Tensor& x1, const Tensor& x2);
  using Module::operator();
  Tensor operator()(const Tensor& x1, const Tensor& x2);
  std::vector<TorchName> torch_names() const override { return {{"W", "weight"}, {"b", "bias"}}; }
  Tensor W;
  Tensor b;  // undefined without bias
};

namespace functional {
/// F::bilinear: x1 (..., in1), x2 (..., in2) with the same leading axes, weight (out, in1,
/// in2), bias (out) or undefined; (..., out).
Tensor bilinear(const Tensor& x1, const Tensor& x2, const Tensor& weight, const Tensor& bias = Tensor());
}  // namespace functional

}  // namespace xg::nn
