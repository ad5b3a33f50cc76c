// Runtime element types of a tensor.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xg {

/// Element type of a tensor. Floats are differentiable; int64 holds labels and indices.
enum class Dtype : std::uint8_t { Float32, Float64, Int64 };

inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;
inline constexpr Dtype kInt64 = Dtype::Int64;
// libtorch's other spellings of the same types.
inline constexpr Dtype kFloat = Dtype::Float32;
inline constexpr Dtype kDouble = Dtype::Float64;
inline constexpr Dtype kLong = Dtype::Int64;

/// "float32", "float64" or "int64".
const char* dtype_name(Dtype dtype);

/// Bytes per element.
std::size_t dtype_size(Dtype dtype);

/// True for float32 and float64.
inline bool is_floating(Dtype dtype) { return dtype != Dtype::Int64; }

/// The dtype two operands are computed in: float64 beats float32 beats int64 (as numpy and PyTorch).
inline Dtype promote(Dtype a, Dtype b) {
  if (a == Dtype::Float64 || b == Dtype::Float64) return Dtype::Float64;
  if (a == Dtype::Float32 || b == Dtype::Float32) return Dtype::Float32;
  return Dtype::Int64;
}

/// The dtype tag of a C++ element type (float, double, int64_t).
template <class T>
constexpr Dtype dtype_of();
template <>
constexpr Dtype dtype_of<float>() { return Dtype::Float32; }
template <>
constexpr Dtype dtype_of<double>() { return Dtype::Float64; }
template <>
constexpr Dtype dtype_of<std::int64_t>() { return Dtype::Int64; }

}  // namespace xg
