// Padding layers, libtorch's names and options:
//   xg::nn::ReflectionPad2d pad(xg::nn::ReflectionPad2dOptions({1, 1, 2, 0}));
//   xg::nn::ZeroPad2d zero(1);  xg::nn::ConstantPad1d fill(xg::nn::ConstantPad1dOptions(2, 3.5));
// padding is one size for every side, or 2·D of them in F::pad's order (left, right, then
// top, bottom, then front, back). Inputs are batched (N, C, ...) or not (C, ...). Each layer
// is xg::pad in its mode (autograd/ops_pad.cpp): no parameters, every order, every device.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <xgrad/nn/module.h>
#include <xgrad/ops.h>

namespace xg::nn {

/// The padding sizes of a D-dimensional padding layer's options (libtorch's
/// ExpandingArray<2·D>): one value for every side, or all 2·D.
template <std::size_t D, class Self>
class PadOptionsBase {
 public:
  PadOptionsBase(std::int64_t padding) : padding_(2 * D, padding) {}  // NOLINT: implicit, as libtorch
  PadOptionsBase(std::initializer_list<std::int64_t> padding) : padding_(padding) {}
  Self& padding(std::vector<std::int64_t> v) { padding_ = std::move(v); return static_cast<Self&>(*this); }
  const std::vector<std::int64_t>& padding() const { return padding_; }

 private:
  std::vector<std::int64_t> padding_;
};

/// Reflection's, replication's and zero padding's options: the sizes alone (the mode is
/// the class's: ReflectionPadOptions<2> is PadModeOptions<2, PadMode::Reflect>).
template <std::size_t D, PadMode M>
class PadModeOptions : public PadOptionsBase<D, PadModeOptions<D, M>> {
 public:
  using PadOptionsBase<D, PadModeOptions<D, M>>::PadOptionsBase;
};
template <std::size_t D>
using ReflectionPadOptions = PadModeOptions<D, PadMode::Reflect>;
template <std::size_t D>
using ReplicationPadOptions = PadModeOptions<D, PadMode::Replicate>;
template <std::size_t D>
using ZeroPadOptions = PadModeOptions<D, PadMode::Constant>;
template <std::size_t D>
class ConstantPadOptions : public PadOptionsBase<D, ConstantPadOptions<D>> {
 public:
  ConstantPadOptions(std::int64_t padding, double value)
      : PadOptionsBase<D, ConstantPadOptions<D>>(padding), value_(value) {}
  ConstantPadOptions(std::initializer_list<std::int64_t> padding, double value)
      : PadOptionsBase<D, ConstantPadOptions<D>>(padding), value_(value) {}
  ConstantPadOptions& value(double v) { value_ = v; return *this; }
  double value() const { return value_; }

 private:
  double value_;
};

using ReflectionPad1dOptions = ReflectionPadOptions<1>;
using ReflectionPad2dOptions = ReflectionPadOptions<2>;
using ReflectionPad3dOptions = ReflectionPadOptions<3>;
using ReplicationPad1dOptions = ReplicationPadOptions<1>;
using ReplicationPad2dOptions = ReplicationPadOptions<2>;
using ReplicationPad3dOptions = ReplicationPadOptions<3>;
using ZeroPad1dOptions = ZeroPadOptions<1>;
using ZeroPad2dOptions = ZeroPadOptions<2>;
using ZeroPad3dOptions = ZeroPadOptions<3>;
using ConstantPad1dOptions = ConstantPadOptions<1>;
using ConstantPad2dOptions = ConstantPadOptions<2>;
using ConstantPad3dOptions = ConstantPadOptions<3>;

/// What every padding layer is: D padded axes, 2·D sizes, a mode and (constant) a value.
class PadLayer : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  /// "ReflectionPad2d((1, 1, 2, 0))", "ConstantPad1d(padding=(2, 2), value=3.5)", as PyTorch.
  std::string describe() const;
  const std::vector<std::int64_t>& padding() const { return padding_; }
  PadMode mode() const { return mode_; }

 protected:
  /// `name` is the layer's class name (a literal), for messages: typeid says PadLayer here.
  PadLayer(const char* name, std::size_t dims, std::vector<std::int64_t> padding, PadMode mode, double value,
           bool show_value);

 private:
  const char* name_;
  std::size_t dims_;
  std::vector<std::int64_t> padding_;
  PadMode mode_;
  double value_;
  bool show_value_;
};

#define XGRAD_PAD_LAYER(Name, D, Options, mode, value, show_value)                                         \
  class Name : public PadLayer {                                                                           \
   public:                                                                                                 \
    explicit Name(const Options& options) : PadLayer(#Name, D, options.padding(), mode, value, show_value) {} \
  };
XGRAD_PAD_LAYER(ReflectionPad1d, 1, ReflectionPad1dOptions, kReflect, 0.0, false)
XGRAD_PAD_LAYER(ReflectionPad2d, 2, ReflectionPad2dOptions, kReflect, 0.0, false)
XGRAD_PAD_LAYER(ReflectionPad3d, 3, ReflectionPad3dOptions, kReflect, 0.0, false)
XGRAD_PAD_LAYER(ReplicationPad1d, 1, ReplicationPad1dOptions, kReplicate, 0.0, false)
XGRAD_PAD_LAYER(ReplicationPad2d, 2, ReplicationPad2dOptions, kReplicate, 0.0, false)
XGRAD_PAD_LAYER(ReplicationPad3d, 3, ReplicationPad3dOptions, kReplicate, 0.0, false)
XGRAD_PAD_LAYER(ZeroPad1d, 1, ZeroPad1dOptions, kConstant, 0.0, false)
XGRAD_PAD_LAYER(ZeroPad2d, 2, ZeroPad2dOptions, kConstant, 0.0, false)
XGRAD_PAD_LAYER(ZeroPad3d, 3, ZeroPad3dOptions, kConstant, 0.0, false)
XGRAD_PAD_LAYER(ConstantPad1d, 1, ConstantPad1dOptions, kConstant, options.value(), true)
XGRAD_PAD_LAYER(ConstantPad2d, 2, ConstantPad2dOptions, kConstant, options.value(), true)
XGRAD_PAD_LAYER(ConstantPad3d, 3, ConstantPad3dOptions, kConstant, options.value(), true)
#undef XGRAD_PAD_LAYER

}  // namespace xg::nn
