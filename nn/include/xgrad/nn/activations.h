// More of libtorch's activation layers and their functional forms, over the compositions
// in xgrad/ops.h (hardtanh, relu6, logsigmoid, tanhshrink, softshrink, hardshrink,
// threshold, glu; softmin = softmax(-x); LogSoftmax over log_softmax):
//   xg::nn::Hardtanh clip(xg::nn::HardtanhOptions().min_val(-2).max_val(2));
//   F::glu(x, F::GLUFuncOptions(1));
#pragma once

#include <cstdint>

#include <xgrad/nn/module.h>
#include <xgrad/nn/options.h>
#include <xgrad/ops.h>

namespace xg::nn {

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
