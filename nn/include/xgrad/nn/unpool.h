// MaxUnpool1d, MaxUnpool2d, MaxUnpool3d: max pooling's partial inverse, with libtorch's
// options and forward(input, indices, output_size):
//   xg::nn::MaxPool2d pool(xg::nn::MaxPool2dOptions(2).stride(2));
//   xg::nn::MaxUnpool2d unpool(xg::nn::MaxUnpool2dOptions(2).stride(2));
//   auto [y, indices] = pool.forward_with_indices(x);
//   auto back = unpool.forward(y, indices);            // x's maxima in place, zeros elsewhere
//   F::max_unpool2d(y, indices, F::MaxUnpool2dFuncOptions(2).output_size({5, 5}));
// No parameters. The work is xg::max_unpool1d/2d/3d (autograd/ops_unpool.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <xgrad/nn/module.h>
#include <xgrad/ops.h>

namespace xg::nn {

/// Options of MaxUnpool{1,2,3}d (Size: std::int64_t, Int2 or Int3); stride defaults to the
/// kernel, as max pooling's.
template <class Size>
class MaxUnpoolOptions {
 public:
  MaxUnpoolOptions(Size kernel_size) : kernel_size_(kernel_size) {}  // NOLINT: implicit, as libtorch
  MaxUnpoolOptions& kernel_size(Size v) { kernel_size_ = v; return *this; }
  Size kernel_size() const { return kernel_size_; }
  MaxUnpoolOptions& stride(Size v) { stride_ = v; return *this; }
  std::optional<Size> stride() const { return stride_; }
  MaxUnpoolOptions& padding(Size v) { padding_ = v; return *this; }
  Size padding() const { return padding_; }

 private:
  Size kernel_size_;
  std::optional<Size> stride_;
  Size padding_ = 0;
};
using MaxUnpool1dOptions = MaxUnpoolOptions<std::int64_t>;
using MaxUnpool2dOptions = MaxUnpoolOptions<Int2>;
using MaxUnpool3dOptions = MaxUnpoolOptions<Int3>;

/// What the three share: forward and a call with the indices (and output_size: the pooled
/// input's spatial sizes, or its whole shape, when the default (in - 1)·stride - 2·padding +
/// kernel is not it); the one-input forward of every Module is an error naming the layer.
class MaxUnpoolBase : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  virtual Tensor forward(const Tensor& x, const Tensor& indices, const std::vector<std::int64_t>& output_size) = 0;
  using Module::operator();
  /// Through the module's hooks, as a one-input call.
  Tensor operator()(const Tensor& x, const Tensor& indices, const std::vector<std::int64_t>& output_size = {});
};

/// (N, C, L) or (C, L) maxima back at their positions.
class MaxUnpool1d : public MaxUnpoolBase {
 public:
  explicit MaxUnpool1d(const MaxUnpool1dOptions& options) : options_(options) {}
  using MaxUnpoolBase::forward;
  Tensor forward(const Tensor& x, const Tensor& indices, const std::vector<std::int64_t>& output_size = {}) override;

 private:
  MaxUnpool1dOptions options_;
};

/// (N, C, H, W) or (C, H, W) maxima back at their positions.
class MaxUnpool2d : public MaxUnpoolBase {
 public:
  explicit MaxUnpool2d(const MaxUnpool2dOptions& options) : options_(options) {}
  using MaxUnpoolBase::forward;
  Tensor forward(const Tensor& x, const Tensor& indices, const std::vector<std::int64_t>& output_size = {}) override;

 private:
  MaxUnpool2dOptions options_;
};

/// (N, C, D, H, W) or (C, D, H, W) maxima back at their positions.
class MaxUnpool3d : public MaxUnpoolBase {
 public:
  explicit MaxUnpool3d(const MaxUnpool3dOptions& options) : options_(options) {}
  using MaxUnpoolBase::forward;
  Tensor forward(const Tensor& x, const Tensor& indices, const std::vector<std::int64_t>& output_size = {}) override;

 private:
  MaxUnpool3dOptions options_;
};

namespace functional {

/// F::max_unpool{1,2,3}d's options: the module's and an output_size.
template <class Size>
class MaxUnpoolFuncOptions : public MaxUnpoolOptions<Size> {
 public:
  using MaxUnpoolOptions<Size>::MaxUnpoolOptions;
  MaxUnpoolFuncOptions& stride(Size v) { MaxUnpoolOptions<Size>::stride(v); return *this; }
  using MaxUnpoolOptions<Size>::stride;
  MaxUnpoolFuncOptions& padding(Size v) { MaxUnpoolOptions<Size>::padding(v); return *this; }
  using MaxUnpoolOptions<Size>::padding;
  MaxUnpoolFuncOptions& output_size(std::vector<std::int64_t> v) { output_size_ = std::move(v); return *this; }
  const std::vector<std::int64_t>& output_size() const { return output_size_; }

 private:
  std::vector<std::int64_t> output_size_;
};
using MaxUnpool1dFuncOptions = MaxUnpoolFuncOptions<std::int64_t>;
using MaxUnpool2dFuncOptions = MaxUnpoolFuncOptions<Int2>;
using MaxUnpool3dFuncOptions = MaxUnpoolFuncOptions<Int3>;

inline Tensor max_unpool1d(const Tensor& x, const Tensor& indices, const MaxUnpool1dFuncOptions& o) {
  return xg::max_unpool1d(x, indices, o.kernel_size(), o.stride(), o.padding(), o.output_size());
}
inline Tensor max_unpool2d(const Tensor& x, const Tensor& indices, const MaxUnpool2dFuncOptions& o) {
  return xg::max_unpool2d(x, indices, o.kernel_size(), o.stride().value_or(Int2()), o.padding(), o.output_size());
}
inline Tensor max_unpool3d(const Tensor& x, const Tensor& indices, const MaxUnpool3dFuncOptions& o) {
  return xg::max_unpool3d(x, indices, o.kernel_size(), o.stride().value_or(Int3()), o.padding(), o.output_size());
}

}  // namespace functional

}  // namespace xg::nn
