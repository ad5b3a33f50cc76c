// libtorch's layers that work across channels, and RReLU (nn/channel_layers.cpp):
//   xg::nn::LocalResponseNorm lrn(xg::nn::LocalResponseNormOptions(5).alpha(1e-4));
//   xg::nn::ChannelShuffle shuffle(2);   xg::nn::Softmax2d softmax;   xg::nn::RReLU rrelu;
// Compositions of differentiable operations, so every order and both devices come with them.
#pragma once

#include <cstdint>

#include <xgrad/nn/module.h>
#include <xgrad/tensor.h>

namespace xg::nn {

/// x / (k + alpha/size · Σ x² over `size` neighbouring channels)^beta (AlexNet's); the window
/// is centred on the channel (size/2 before, (size-1)/2 after), zeros past the edges.
class LocalResponseNormOptions {
 public:
  LocalResponseNormOptions(std::int64_t size) : size_(size) {}  // NOLINT: implicit, as libtorch
  LocalResponseNormOptions& size(std::int64_t v) { size_ = v; return *this; }
  std::int64_t size() const { return size_; }
  LocalResponseNormOptions& alpha(double v) { alpha_ = v; return *this; }
  double alpha() const { return alpha_; }
  LocalResponseNormOptions& beta(double v) { beta_ = v; return *this; }
  double beta() const { return beta_; }
  LocalResponseNormOptions& k(double v) { k_ = v; return *this; }
  double k() const { return k_; }

 private:
  std::int64_t size_;
  double alpha_ = 1e-4, beta_ = 0.75, k_ = 1.0;
};

/// Leaky ReLU with a random negative slope: drawn from U(lower, upper) per element while
/// training (from xgrad's generator), (lower + upper)/2 in eval mode.
class RReLUOptions {
 public:
  RReLUOptions& lower(double v) { lower_ = v; return *this; }
  double lower() const { return lower_; }
  RReLUOptions& upper(double v) { upper_ = v; return *this; }
  double upper() const { return upper_; }

 private:
  double lower_ = 1.0 / 8, upper_ = 1.0 / 3;
};

namespace functional {
using LocalResponseNormFuncOptions = LocalResponseNormOptions;
/// x of 3 or more dimensions (N, C, ...).
Tensor local_response_norm(const Tensor& x, const LocalResponseNormFuncOptions& options);
/// (N, C, ...) with its channels in `groups` groups interleaved: (N, g, C/g, ...) transposed to
/// (N, C/g, g, ...) (ShuffleNet's).
Tensor channel_shuffle(const Tensor& x, std::int64_t groups);
class RReLUFuncOptions : public RReLUOptions {
 public:
  RReLUFuncOptions& lower(double v) { RReLUOptions::lower(v); return *this; }
  double lower() const { return RReLUOptions::lower(); }
  RReLUFuncOptions& upper(double v) { RReLUOptions::upper(v); return *this; }
  double upper() const { return RReLUOptions::upper(); }
  /// false by default, as libtorch's F::rrelu: the mean slope.
  RReLUFuncOptions& training(bool v) { training_ = v; return *this; }
  bool training() const { return training_; }

 private:
  bool training_ = false;
};
Tensor rrelu(const Tensor& x, const RReLUFuncOptions& options = {});
}  // namespace functional

class LocalResponseNorm : public Module {
 public:
  explicit LocalResponseNorm(const LocalResponseNormOptions& options) : options_(options) {}
  Tensor forward(const Tensor& x) override { return functional::local_response_norm(x, options_); }

 private:
  LocalResponseNormOptions options_;
};

class ChannelShuffle : public Module {
 public:
  explicit ChannelShuffle(std::int64_t groups) : groups_(groups) {}
  Tensor forward(const Tensor& x) override { return functional::channel_shuffle(x, groups_); }

 private:
  std::int64_t groups_;
};

/// Softmax over the channels of (N, C, H, W) or (C, H, W) (dim -3).
class Softmax2d : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

class RReLU : public Module {
 public:
  explicit RReLU(const RReLUOptions& options = {}) : options_(options) {}
  Tensor forward(const Tensor& x) override;

 private:
  RReLUOptions options_;
};

}  // namespace xg::nn
