// LPPool1d, LPPool2d, LPPool3d: power-average pooling, (Σ_window x^p)^(1/p), with libtorch's
// options:
//   xg::nn::LPPool2d pool(xg::nn::LPPool2dOptions(2, 3).stride(2));   // p = 2, 3x3 windows
//   F::lp_pool1d(x, F::LPPool1dFuncOptions(1.5, 2));
// p = 1 is sum pooling, p → ∞ max pooling. No parameters; no padding (as PyTorch).
#pragma once

#include <cstdint>
#include <optional>

#include <xgrad/nn/module.h>
#include <xgrad/ops.h>

namespace xg::nn {

/// Options of LPPool{1,2,3}d (Size: std::int64_t, Int2 or Int3); stride defaults to the kernel.
template <class Size>
class LPPoolOptions {
 public:
  LPPoolOptions(double norm_type, Size kernel_size) : norm_type_(norm_type), kernel_size_(kernel_size) {}
  LPPoolOptions& norm_type(double v) { norm_type_ = v; return *this; }
  double norm_type() const { return norm_type_; }
  LPPoolOptions& kernel_size(Size v) { kernel_size_ = v; return *this; }
  Size kernel_size() const { return kernel_size_; }
  LPPoolOptions& stride(Size v) { stride_ = v; return *this; }
  std::optional<Size> stride() const { return stride_; }
  /// Count a last window cut by the edge (the average pool's ceil_mode).
  LPPoolOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  bool ceil_mode() const { return ceil_mode_; }

 private:
  double norm_type_;
  Size kernel_size_;
  std::optional<Size> stride_;
  bool ceil_mode_ = false;
};
using LPPool1dOptions = LPPoolOptions<std::int64_t>;
using LPPool2dOptions = LPPoolOptions<Int2>;
using LPPool3dOptions = LPPoolOptions<Int3>;

namespace functional {
using LPPool1dFuncOptions = LPPool1dOptions;
using LPPool2dFuncOptions = LPPool2dOptions;
using LPPool3dFuncOptions = LPPool3dOptions;
/// PyTorch's composition: the mean of x^p over each window (avg_pool), times the window's
/// size, to the power 1/p (through sign(s)·relu(|s|), PyTorch's spelling, so the gradients
/// at 0 are PyTorch's too). Over (N, C, L), (N, C, H, W), (N, C, D, H, W), or unbatched
/// without N; ceil_mode as the average pool's.
Tensor lp_pool1d(const Tensor& x, const LPPool1dFuncOptions& options);
Tensor lp_pool2d(const Tensor& x, const LPPool2dFuncOptions& options);
Tensor lp_pool3d(const Tensor& x, const LPPool3dFuncOptions& options);
}  // namespace functional

class LPPool1d : public Module {
 public:
  explicit LPPool1d(const LPPool1dOptions& options) : options_(options) {}
  Tensor forward(const Tensor& x) override { return functional::lp_pool1d(x, options_); }

 private:
  LPPool1dOptions options_;
};

class LPPool2d : public Module {
 public:
  explicit LPPool2d(const LPPool2dOptions& options) : options_(options) {}
  Tensor forward(const Tensor& x) override { return functional::lp_pool2d(x, options_); }

 private:
  LPPool2dOptions options_;
};

class LPPool3d : public Module {
 public:
  explicit LPPool3d(const LPPool3dOptions& options) : options_(options) {}
  Tensor forward(const Tensor& x) override { return functional::lp_pool3d(x, options_); }

 private:
  LPPool3dOptions options_;
};

}  // namespace xg::nn
