// Where a tensor lives, and the options a creation function takes: libtorch's Device and
// TensorOptions, with their meanings. `xg::zeros({3, 4}, xg::kCUDA)`,
// `xg::randn({3}, xg::TensorOptions().dtype(xg::kFloat64).device(xg::kCUDA))` and the older
// `xg::zeros(shape, xg::kFloat64)` all compile: a Dtype, a Device or a DeviceType converts
// to TensorOptions.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include <xgrad/dtype.h>

namespace xg {

enum class DeviceType : std::uint8_t { CPU, CUDA };
inline constexpr DeviceType kCPU = DeviceType::CPU;
inline constexpr DeviceType kCUDA = DeviceType::CUDA;

/// A device type and an index: "cpu", "cuda" (the current CUDA device), "cuda:1".
class Device {
 public:
  /// Implicit from a DeviceType, as libtorch: `Device d = xg::kCUDA;`. Index -1: none given
  /// (the CPU, or the current CUDA device).
  Device(DeviceType type = DeviceType::CPU, int index = -1) : type_(type), index_(index) {  // NOLINT: implicit
    if (index < -1 || (type == DeviceType::CPU && index > 0)) invalid(type, index);  // inline: made per tensor
  }
  /// "cpu", "cuda" or "cuda:N"; anything else is an xg::Error quoting it.
  explicit Device(const std::string& spec);
  DeviceType type() const { return type_; }
  int index() const { return index_; }
  bool has_index() const { return index_ >= 0; }
  bool is_cpu() const { return type_ == DeviceType::CPU; }
  bool is_cuda() const { return type_ == DeviceType::CUDA; }
  /// "cpu", "cuda", "cuda:0".
  std::string str() const;
  bool operator==(const Device& other) const { return type_ == other.type_ && index_ == other.index_; }
  bool operator!=(const Device& other) const { return !(*this == other); }

 private:
  [[noreturn]] static void invalid(DeviceType type, int index);
  DeviceType type_;
  int index_;
};
std::ostream& operator<<(std::ostream& os, const Device& device);

/// What a creation function makes: dtype (each function's own default when not set: float32,
/// int64 for randint and arange), device (the CPU by default) and requires_grad. Setters
/// return a modified copy, as libtorch's: `TensorOptions().dtype(kFloat64).requires_grad(true)`.
class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(Dtype dtype) : dtype_(dtype) {}             // NOLINT: implicit, as libtorch
  TensorOptions(Device device) : device_(device) {}         // NOLINT
  TensorOptions(DeviceType type) : device_(Device(type)) {}  // NOLINT
  TensorOptions dtype(Dtype dtype) const;
  TensorOptions device(Device device) const;
  TensorOptions requires_grad(bool requires_grad) const;
  /// The dtype set, or float32.
  Dtype dtype() const { return dtype_.value_or(kFloat32); }
  bool has_dtype() const { return dtype_.has_value(); }
  /// The dtype set, or `fallback` (a function's own default).
  Dtype dtype_or(Dtype fallback) const { return dtype_.value_or(fallback); }
  /// The device set, or the CPU.
  Device device() const { return device_.value_or(Device()); }
  bool has_device() const { return device_.has_value(); }
  bool requires_grad() const { return requires_grad_; }

 private:
  std::optional<Dtype> dtype_;
  std::optional<Device> device_;
  bool requires_grad_ = false;
};

// libtorch's shorthands: `xg::dtype(xg::kFloat64).requires_grad(true)`.
inline TensorOptions dtype(Dtype d) { return TensorOptions(d); }
inline TensorOptions device(Device d) { return TensorOptions(d); }
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }

}  // namespace xg
