// Bitwise operations on int64 tensors, libtorch's names: bitwise_and, bitwise_or,
// bitwise_xor, bitwise_not, bitwise_left_shift, bitwise_right_shift and the operators &, |,
// ^, ~ (also as Tensor methods). Part of ops.h.
#pragma once

#include <xgrad/tensor.h>

namespace xg {

/// Elementwise a & b, a | b, a ^ b of int64 tensors (broadcasting), or of one and an
/// integral scalar; int64 results. xgrad has no bool dtype: masks are int64 1/0 (what
/// isnan, signbit and logical_and give), so `mask_a & mask_b` combines them. A float operand
/// is an xg::Error naming the call and both dtypes (PyTorch's "not implemented for 'Float'");
/// a comparison's float 1/0 converts with `.to(xg::kInt64)`. Not differentiable (integers).
Tensor bitwise_and(const Tensor& a, const Tensor& b);
Tensor bitwise_and(const Tensor& a, double b);
Tensor bitwise_and(double a, const Tensor& b);
Tensor bitwise_or(const Tensor& a, const Tensor& b);
Tensor bitwise_or(const Tensor& a, double b);
Tensor bitwise_or(double a, const Tensor& b);
Tensor bitwise_xor(const Tensor& a, const Tensor& b);
Tensor bitwise_xor(const Tensor& a, double b);
Tensor bitwise_xor(double a, const Tensor& b);
/// ~x: every bit flipped (-x - 1), int64.
Tensor bitwise_not(const Tensor& x);
/// a << b and a >> b (arithmetic: the sign fills), elementwise, int64. A count outside
/// [0, 63] shifts every bit out: 0 on the left, the sign (0 or -1) on the right, as PyTorch 2
/// defines it (PyTorch 1.13's CPU takes the count mod 64).
Tensor bitwise_left_shift(const Tensor& a, const Tensor& b);
Tensor bitwise_left_shift(const Tensor& a, double b);
Tensor bitwise_left_shift(double a, const Tensor& b);
Tensor bitwise_right_shift(const Tensor& a, const Tensor& b);
Tensor bitwise_right_shift(const Tensor& a, double b);
Tensor bitwise_right_shift(double a, const Tensor& b);

Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator&(const Tensor& a, double b);
Tensor operator&(double a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, double b);
Tensor operator|(double a, const Tensor& b);
Tensor operator^(const Tensor& a, const Tensor& b);
Tensor operator^(const Tensor& a, double b);
Tensor operator^(double a, const Tensor& b);
Tensor operator~(const Tensor& x);

}  // namespace xg
