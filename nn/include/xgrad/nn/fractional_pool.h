// FractionalMaxPool2d and FractionalMaxPool3d (Graham, "Fractional Max-Pooling", 2014), with
// libtorch's options:
//   xg::nn::FractionalMaxPool2d pool(xg::nn::FractionalMaxPool2dOptions(3).output_ratio(0.5));
//   F::fractional_max_pool2d(x, F::FractionalMaxPool2dFuncOptions(2).output_size(14));
// Each (sample, channel) plane draws its own pseudo-random windows: kernel_size windows whose
// starts step by 1 or 2 (or more) so that output_size of them span the input. No parameters.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <tuple>
#include <type_traits>

#include <xgrad/nn/module.h>
#include <xgrad/ops.h>

namespace xg::nn {

/// Options of FractionalMaxPool{2,3}d: the kernel, and either output_size or output_ratio
/// (each output axis = floor(input axis · ratio)). `_random_samples` (N, C, D) in [0, 1), the
/// input's float dtype, fixes the windows (libtorch's name, leading underscore included);
/// undefined, each call draws them with xg::rand on the input's device.
template <std::size_t D>
class FractionalMaxPoolOptions {
 public:
  using Size = std::conditional_t<D == 2, Int2, Int3>;
  using Ratio = std::array<double, D>;
  FractionalMaxPoolOptions(Size kernel_size) : kernel_size_(kernel_size) {}  // NOLINT: implicit, as libtorch
  FractionalMaxPoolOptions& kernel_size(Size v) { kernel_size_ = v; return *this; }
  Size kernel_size() const { return kernel_size_; }
  FractionalMaxPoolOptions& output_size(Size v) { output_size_ = v; return *this; }
  std::optional<Size> output_size() const { return output_size_; }
  FractionalMaxPoolOptions& output_ratio(double v) { Ratio r; r.fill(v); output_ratio_ = r; return *this; }
  FractionalMaxPoolOptions& output_ratio(const Ratio& v) { output_ratio_ = v; return *this; }
  std::optional<Ratio> output_ratio() const { return output_ratio_; }
  FractionalMaxPoolOptions& _random_samples(const Tensor& v) { random_samples_ = v; return *this; }
  const Tensor& _random_samples() const { return random_samples_; }

 private:
  Size kernel_size_;
  std::optional<Size> output_size_;
  std::optional<Ratio> output_ratio_;
  Tensor random_samples_;
};
using FractionalMaxPool2dOptions = FractionalMaxPoolOptions<2>;
using FractionalMaxPool3dOptions = FractionalMaxPoolOptions<3>;

namespace functional {
using FractionalMaxPool2dFuncOptions = FractionalMaxPool2dOptions;
using FractionalMaxPool3dFuncOptions = FractionalMaxPool3dOptions;
/// The maximum of each window over (N, C, H, W) or unbatched (C, H, W); PyTorch's windows for
/// the same samples (sample 0 places the columns, 1 the rows), so its values and indices.
/// The winners by a kernel, their values by gather: gradients of every order, on every device.
Tensor fractional_max_pool2d(const Tensor& x, const FractionalMaxPool2dFuncOptions& options);
/// The maxima and their positions h·W + w in each plane (what F::max_unpool2d takes).
std::tuple<Tensor, Tensor> fractional_max_pool2d_with_indices(const Tensor& x,
                                                              const FractionalMaxPool2dFuncOptions& options);
/// Over (N, C, T, H, W) or (C, T, H, W); samples 0, 1, 2 place T, H, W; positions t·H·W + h·W + w.
Tensor fractional_max_pool3d(const Tensor& x, const FractionalMaxPool3dFuncOptions& options);
std::tuple<Tensor, Tensor> fractional_max_pool3d_with_indices(const Tensor& x,
                                                              const FractionalMaxPool3dFuncOptions& options);
}  // namespace functional

/// libtorch's module: the options checked when it is made (exactly one of output_size and
/// output_ratio; a ratio in (0, 1)); forward draws new windows each call unless the options
/// hold `_random_samples`.
template <std::size_t D>
class FractionalMaxPoolNd : public Module {
 public:
  explicit FractionalMaxPoolNd(const FractionalMaxPoolOptions<D>& options);
  Tensor forward(const Tensor& x) override { return std::get<0>(forward_with_indices(x)); }
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& x);
  const FractionalMaxPoolOptions<D>& options() const { return options_; }
  std::string type_name() const override { return D == 2 ? "FractionalMaxPool2d" : "FractionalMaxPool3d"; }

 private:
  FractionalMaxPoolOptions<D> options_;
};
using FractionalMaxPool2d = FractionalMaxPoolNd<2>;
using FractionalMaxPool3d = FractionalMaxPoolNd<3>;
extern template class FractionalMaxPoolNd<2>;
extern template class FractionalMaxPoolNd<3>;

}  // namespace xg::nn
