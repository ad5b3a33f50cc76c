// Upsample, libtorch's layer over F::interpolate:
//   xg::nn::Upsample up(xg::nn::UpsampleOptions().scale_factor({2, 2}).mode(xg::kNearest));
//   xg::nn::Upsample to28(xg::nn::UpsampleOptions().size({28, 28}).mode(xg::kBilinear).align_corners(false));
// (N, C, H, W) inputs; modes nearest (the default), bilinear, bicubic. No parameters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <xgrad/nn/functional.h>
#include <xgrad/nn/module.h>

namespace xg::nn {

class UpsampleOptions {
 public:
  UpsampleOptions& size(std::vector<std::int64_t> v) { size_ = std::move(v); return *this; }
  const std::vector<std::int64_t>& size() const { return size_; }
  UpsampleOptions& scale_factor(std::vector<double> v) { scale_factor_ = std::move(v); return *this; }
  const std::optional<std::vector<double>>& scale_factor() const { return scale_factor_; }
  UpsampleOptions& mode(InterpolateMode v) { mode_ = v; return *this; }
  InterpolateMode mode() const { return mode_; }
  UpsampleOptions& align_corners(bool v) { align_corners_ = v; return *this; }
  std::optional<bool> align_corners() const { return align_corners_; }

 private:
  std::vector<std::int64_t> size_;
  std::optional<std::vector<double>> scale_factor_;
  InterpolateMode mode_ = InterpolateMode::Nearest;
  std::optional<bool> align_corners_;
};

class Upsample : public Module {
 public:
  explicit Upsample(const UpsampleOptions& options = {});
  Tensor forward(const Tensor& x) override;
  /// "Upsample(scale_factor=2.0, mode=nearest)", "Upsample(size=(28, 28), mode=bilinear)", as PyTorch.
  std::string describe() const;
  const UpsampleOptions& options() const { return options_; }

 private:
  UpsampleOptions options_;
};

}  // namespace xg::nn
