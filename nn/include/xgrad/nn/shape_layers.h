// Layers that only rearrange: Unflatten, PixelShuffle, PixelUnshuffle, and Unfold / Fold
// (sliding blocks to columns and back), with libtorch's options and functional forms:
//   xg::nn::PixelShuffle up(xg::nn::PixelShuffleOptions(2));
//   F::unfold(x, F::UnfoldFuncOptions(3).padding(1));   // (N, C·9, L)
// Unfold is the textbook's im2col laid out as PyTorch's (N, C·KH·KW, L), Fold its adjoint
// (col2im): overlapping blocks are summed, as there.
#pragma once

#include <cstdint>

#include <xgrad/nn/module.h>
#include <xgrad/ops.h>

namespace xg::nn {

class UnflattenOptions {
 public:
  UnflattenOptions(std::int64_t dim, Shape sizes) : dim_(dim), sizes_(std::move(sizes)) {}
  UnflattenOptions& dim(std::int64_t v) { dim_ = v; return *this; }
  std::int64_t dim() const { return dim_; }
  UnflattenOptions& sizes(Shape v) { sizes_ = std::move(v); return *this; }
  const Shape& sizes() const { return sizes_; }

 private:
  std::int64_t dim_;
  Shape sizes_;
};

class Unflatten : public Module {
 public:
  explicit Unflatten(const UnflattenOptions& options) : options_(options) {}
  Unflatten(std::int64_t dim, Shape sizes) : options_(dim, std::move(sizes)) {}
  Tensor forward(const Tensor& x) override { return unflatten(x, options_.dim(), options_.sizes()); }

 private:
  UnflattenOptions options_;
};

class PixelShuffleOptions {
 public:
  PixelShuffleOptions(std::int64_t upscale_factor) : factor_(upscale_factor) {}  // NOLINT: implicit, as libtorch
  PixelShuffleOptions& upscale_factor(std::int64_t v) { factor_ = v; return *this; }
  std::int64_t upscale_factor() const { return factor_; }

 private:
  std::int64_t factor_;
};
class PixelUnshuffleOptions {
 public:
  PixelUnshuffleOptions(std::int64_t downscale_factor) : factor_(downscale_factor) {}  // NOLINT: implicit, as libtorch
  PixelUnshuffleOptions& downscale_factor(std::int64_t v) { factor_ = v; return *this; }
  std::int64_t downscale_factor() const { return factor_; }

 private:
  std::int64_t factor_;
};

class PixelShuffle : public Module {
 public:
  explicit PixelShuffle(const PixelShuffleOptions& options) : factor_(options.upscale_factor()) {}
  Tensor forward(const Tensor& x) override { return pixel_shuffle(x, factor_); }

 private:
  std::int64_t factor_;
};
class PixelUnshuffle : public Module {
 public:
  explicit PixelUnshuffle(const PixelUnshuffleOptions& options) : factor_(options.downscale_factor()) {}
  Tensor forward(const Tensor& x) override { return pixel_unshuffle(x, factor_); }

 private:
  std::int64_t factor_;
};

/// Unfold's block geometry: kernel_size, and dilation 1, padding 0, stride 1 unless set.
class UnfoldOptions {
 public:
  UnfoldOptions(Int2 kernel_size) : kernel_(kernel_size) {}  // NOLINT: implicit, as libtorch
  UnfoldOptions& kernel_size(Int2 v) { kernel_ = v; return *this; }
  Int2 kernel_size() const { return kernel_; }
  UnfoldOptions& dilation(Int2 v) { dilation_ = v; return *this; }
  Int2 dilation() const { return dilation_; }
  UnfoldOptions& padding(Int2 v) { padding_ = v; return *this; }
  Int2 padding() const { return padding_; }
  UnfoldOptions& stride(Int2 v) { stride_ = v; return *this; }
  Int2 stride() const { return stride_; }

 private:
  Int2 kernel_, dilation_ = 1, padding_ = 0, stride_ = 1;
};
/// Fold's: the output's (H, W) and the blocks' geometry.
class FoldOptions : public UnfoldOptions {
 public:
  FoldOptions(Int2 output_size, Int2 kernel_size) : UnfoldOptions(kernel_size), output_size_(output_size) {}
  FoldOptions& output_size(Int2 v) { output_size_ = v; return *this; }
  Int2 output_size() const { return output_size_; }
  FoldOptions& kernel_size(Int2 v) { UnfoldOptions::kernel_size(v); return *this; }
  Int2 kernel_size() const { return UnfoldOptions::kernel_size(); }
  FoldOptions& dilation(Int2 v) { UnfoldOptions::dilation(v); return *this; }
  Int2 dilation() const { return UnfoldOptions::dilation(); }
  FoldOptions& padding(Int2 v) { UnfoldOptions::padding(v); return *this; }
  Int2 padding() const { return UnfoldOptions::padding(); }
  FoldOptions& stride(Int2 v) { UnfoldOptions::stride(v); return *this; }
  Int2 stride() const { return UnfoldOptions::stride(); }

 private:
  Int2 output_size_;
};

namespace functional {
using PixelShuffleFuncOptions = PixelShuffleOptions;
using PixelUnshuffleFuncOptions = PixelUnshuffleOptions;
inline Tensor pixel_shuffle(const Tensor& x, const PixelShuffleFuncOptions& o) {
  return xg::pixel_shuffle(x, o.upscale_factor());
}
inline Tensor pixel_unshuffle(const Tensor& x, const PixelUnshuffleFuncOptions& o) {
  return xg::pixel_unshuffle(x, o.downscale_factor());
}
using UnfoldFuncOptions = UnfoldOptions;
using FoldFuncOptions = FoldOptions;
/// (N, C, H, W) (or (C, H, W)) -> (N, C·KH·KW, L): each sliding block as a column.
Tensor unfold(const Tensor& x, const UnfoldFuncOptions& options);
/// (N, C·KH·KW, L) (or (C·KH·KW, L)) -> (N, C, H, W): the blocks summed back into place.
Tensor fold(const Tensor& x, const FoldFuncOptions& options);
}  // namespace functional

class Unfold : public Module {
 public:
  explicit Unfold(const UnfoldOptions& options) : options_(options) {}
  Tensor forward(const Tensor& x) override { return functional::unfold(x, options_); }

 private:
  UnfoldOptions options_;
};
class Fold : public Module {
 public:
  explicit Fold(const FoldOptions& options) : options_(options) {}
  Tensor forward(const Tensor& x) override { return functional::fold(x, options_); }

 private:
  FoldOptions options_;
};

}  // namespace xg::nn
