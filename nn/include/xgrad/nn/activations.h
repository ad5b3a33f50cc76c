// The activation layers: the textbook's (Sigmoid, ReLU, Tanh, Softmax) and libtorch's
// (LeakyReLU, Softplus, GELU, SiLU, SELU, CELU, Mish, Hardswish, Hardsigmoid, Softsign, PReLU,
// ELU; nn/activations.cpp, nn/layers.cpp), then more of libtorch's layers with their functional
// forms, over the compositions in xgrad/ops.h (hardtanh, relu6, logsigmoid, tanhshrink,
// softshrink, hardshrink, threshold, glu; softmin = softmax(-x); LogSoftmax over log_softmax):
//   xg::nn::ReLU relu(xg::nn::ReLUOptions().inplace(true));
//   xg::nn::Hardtanh clip(xg::nn::HardtanhOptions().min_val(-2).max_val(2));
//   F::glu(x, F::GLUFuncOptions(1));
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <xgrad/nn/module.h>
#include <xgrad/nn/options.h>
#include <xgrad/ops.h>

namespace xg::nn {

// ---- the activation layers of the textbook and PyTorch's common ones ----
class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
class ReLU : public Module {
 public:
  explicit ReLU(const ReLUOptions& options = {}) : options_(options) {}
  Tensor forward(const Tensor& x) override;
  const ReLUOptions& options() const { return options_; }

 private:
  ReLUOptions options_;
};
class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double slope = 0.01) : slope_(slope) {}
  explicit LeakyReLU(const LeakyReLUOptions& options) : slope_(options.negative_slope()) {}
  Tensor forward(const Tensor& x) override;

 private:
  double slope_;
};
class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
/// PyTorch's Softplus: beta 1 and threshold 20 by default (x itself above it), or options.
class Softplus : public Module {
 public:
  Softplus() = default;
  explicit Softplus(const SoftplusOptions& options) : options_(options) {}
  Tensor forward(const Tensor& x) override;

 private:
  SoftplusOptions options_;
};
/// GELU; approximate "tanh" for PyTorch's tanh form (see xg::gelu).
class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none");
  explicit GELU(const GELUOptions& options) : GELU(options.approximate()) {}
  Tensor forward(const Tensor& x) override;

 private:
  std::string approximate_;
};
/// SiLU (swish): x · sigmoid(x).
class SiLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
/// PyTorch's further activations (xg::selu, celu, mish, hardswish, hardsigmoid, softsign).
class SELU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
class CELU : public Module {
 public:
  explicit CELU(double alpha = 1.0);
  explicit CELU(const CELUOptions& options) : CELU(options.alpha()) {}
  Tensor forward(const Tensor& x) override;

 private:
  double alpha_;
};
class Mish : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
class Hardswish : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
class Hardsigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
class Softsign : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
/// PReLU: a learnt slope for negative inputs, one (num_parameters 1) or one per channel
/// (axis 1), starting at init (0.25); parameter W, PyTorch's `weight`.
class PReLU : public Module {
 public:
  explicit PReLU(const PReLUOptions& options = {});
  Tensor forward(const Tensor& x) override;
  std::vector<TorchName> torch_names() const override { return {{"W", "weight"}}; }
  Tensor W;
};

/// ELU with scale alpha for negative inputs.
class ELU : public Module {
 public:
  explicit ELU(double alpha = 1.0) : alpha_(alpha) {}
  explicit ELU(const ELUOptions& options) : alpha_(options.alpha()) {}
  Tensor forward(const Tensor& x) override;

 private:
  double alpha_;
};
class Softmax : public Module {
 public:
  explicit Softmax(std::int64_t axis = -1) : axis_(axis) {}
  explicit Softmax(const SoftmaxOptions& options) : axis_(options.dim()) {}
  Tensor forward(const Tensor& x) override;

 private:
  std::int64_t axis_;
};

// ---- more of libtorch's ----
class HardtanhOptions {
 public:
  HardtanhOptions& min_val(double v) { min_ = v; return *this; }
  double min_val() const { return min_; }
  HardtanhOptions& max_val(double v) { max_ = v; return *this; }
  double max_val() const { return max_; }

 private:
  double min_ = -1.0, max_ = 1.0;
};

/// Softshrink's and Hardshrink's λ (libtorch's `lambda`).
class ShrinkOptions {
 public:
  ShrinkOptions(double lambda = 0.5) : lambda_(lambda) {}  // NOLINT: implicit, as libtorch
  ShrinkOptions& lambda(double v) { lambda_ = v; return *this; }
  double lambda() const { return lambda_; }

 private:
  double lambda_;
};
using SoftshrinkOptions = ShrinkOptions;
using HardshrinkOptions = ShrinkOptions;

class ThresholdOptions {
 public:
  ThresholdOptions(double threshold, double value) : threshold_(threshold), value_(value) {}
  ThresholdOptions& threshold(double v) { threshold_ = v; return *this; }
  double threshold() const { return threshold_; }
  ThresholdOptions& value(double v) { value_ = v; return *this; }
  double value() const { return value_; }

 private:
  double threshold_, value_;
};

class GLUOptions {
 public:
  GLUOptions(std::int64_t dim = -1) : dim_(dim) {}  // NOLINT: implicit, as libtorch
  GLUOptions& dim(std::int64_t v) { dim_ = v; return *this; }
  std::int64_t dim() const { return dim_; }

 private:
  std::int64_t dim_;
};

using LogSoftmaxOptions = SoftmaxOptions;
using SoftminOptions = SoftmaxOptions;

class Hardtanh : public Module {
 public:
  explicit Hardtanh(const HardtanhOptions& options = {});
  Tensor forward(const Tensor& x) override { return hardtanh(x, options_.min_val(), options_.max_val()); }

 private:
  HardtanhOptions options_;
};
class ReLU6 : public Module {
 public:
  Tensor forward(const Tensor& x) override { return relu6(x); }
};
class LogSigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override { return logsigmoid(x); }
};
class Tanhshrink : public Module {
 public:
  Tensor forward(const Tensor& x) override { return tanhshrink(x); }
};
class Softshrink : public Module {
 public:
  explicit Softshrink(const SoftshrinkOptions& options = {});
  Tensor forward(const Tensor& x) override { return softshrink(x, lambda_); }

 private:
  double lambda_;
};
class Hardshrink : public Module {
 public:
  explicit Hardshrink(const HardshrinkOptions& options = {});
  Tensor forward(const Tensor& x) override { return hardshrink(x, lambda_); }

 private:
  double lambda_;
};
class Threshold : public Module {
 public:
  explicit Threshold(const ThresholdOptions& options) : options_(options) {}
  Threshold(double threshold, double value) : options_(threshold, value) {}
  Tensor forward(const Tensor& x) override { return xg::threshold(x, options_.threshold(), options_.value()); }

 private:
  ThresholdOptions options_;
};
class GLU : public Module {
 public:
  explicit GLU(const GLUOptions& options = {}) : dim_(options.dim()) {}
  Tensor forward(const Tensor& x) override { return glu(x, dim_); }

 private:
  std::int64_t dim_;
};
class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(const LogSoftmaxOptions& options) : dim_(options.dim()) {}
  Tensor forward(const Tensor& x) override { return log_softmax(x, dim_); }

 private:
  std::int64_t dim_;
};
class Softmin : public Module {
 public:
  explicit Softmin(const SoftminOptions& options) : dim_(options.dim()) {}
  Tensor forward(const Tensor& x) override;

 private:
  std::int64_t dim_;
};

namespace functional {
using HardtanhFuncOptions = HardtanhOptions;
inline Tensor hardtanh(const Tensor& x, const HardtanhFuncOptions& o = {}) {
  return xg::hardtanh(x, o.min_val(), o.max_val());
}
inline Tensor relu6(const Tensor& x) { return xg::relu6(x); }
inline Tensor logsigmoid(const Tensor& x) { return xg::logsigmoid(x); }
inline Tensor tanhshrink(const Tensor& x) { return xg::tanhshrink(x); }
using SoftshrinkFuncOptions = ShrinkOptions;
using HardshrinkFuncOptions = ShrinkOptions;
inline Tensor softshrink(const Tensor& x, const SoftshrinkFuncOptions& o = {}) { return xg::softshrink(x, o.lambda()); }
inline Tensor hardshrink(const Tensor& x, const HardshrinkFuncOptions& o = {}) { return xg::hardshrink(x, o.lambda()); }
using ThresholdFuncOptions = ThresholdOptions;
inline Tensor threshold(const Tensor& x, const ThresholdFuncOptions& o) {
  return xg::threshold(x, o.threshold(), o.value());
}
using GLUFuncOptions = GLUOptions;
inline Tensor glu(const Tensor& x, const GLUFuncOptions& o = {}) { return xg::glu(x, o.dim()); }
using SoftminFuncOptions = SoftminOptions;
/// softmax(-x) along dim.
Tensor softmin(const Tensor& x, const SoftminFuncOptions& options);
}  // namespace functional

}  // namespace xg::nn
