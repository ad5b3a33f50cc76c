// More of libtorch's elementwise functions: rounding, the rest of trigonometry, division
// with rounding, fmod/remainder, lerp, nan_to_num and the predicates. Part of ops.h (which
// includes it), in its own header to keep that one readable; same conventions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <xgrad/tensor.h>

namespace xg {

// ---- more of libtorch's elementwise functions (autograd/ops_math.cpp) ----
/// Rounding: floor, ceil, round (half to even, as PyTorch), trunc (toward zero); their
/// gradient is 0 (PyTorch's), int64 input is returned as a copy. round(x, decimals) rounds
/// to 10^-decimals as PyTorch. frac = x - trunc(x) (gradient 1). sign: -1, 0 or 1
/// (gradient 0; int64 stays int64).
Tensor floor(const Tensor& x);
Tensor ceil(const Tensor& x);
Tensor round(const Tensor& x);
Tensor round(const Tensor& x, std::int64_t decimals);
Tensor trunc(const Tensor& x);
Tensor frac(const Tensor& x);
Tensor sign(const Tensor& x);
/// The rest of trigonometry, the hyperbolic functions and their inverses, logarithms to
/// base 2 and 10, and 2^x; float tensors, PyTorch's values (NaN outside a domain).
Tensor tan(const Tensor& x);
Tensor asin(const Tensor& x);
Tensor acos(const Tensor& x);
Tensor atan(const Tensor& x);
Tensor sinh(const Tensor& x);
Tensor cosh(const Tensor& x);
Tensor asinh(const Tensor& x);
Tensor acosh(const Tensor& x);
Tensor atanh(const Tensor& x);
Tensor log2(const Tensor& x);
Tensor log10(const Tensor& x);
Tensor exp2(const Tensor& x);
/// The angle of the point (other, x) in (-π, π], broadcasting; int64 operands become float32.
Tensor atan2(const Tensor& x, const Tensor& other);
/// log(e^x + e^other) and log2(2^x + 2^other), broadcasting: exact for operands far apart,
/// two equal infinities give themselves; the gradients are the operands' shares (sigmoids).
Tensor logaddexp(const Tensor& x, const Tensor& other);
Tensor logaddexp2(const Tensor& x, const Tensor& other);
/// sqrt(x^2 + other^2) without overflow (C's hypot), broadcasting.
Tensor hypot(const Tensor& x, const Tensor& other);
/// x · log(other), 0 where x is 0 unless other is NaN (so 0 log 0 = 0), broadcasting;
/// PyTorch's gradients. int64 operands become float32, as for atan2.
Tensor xlogy(const Tensor& x, const Tensor& other);
Tensor xlogy(double x, const Tensor& other);
Tensor xlogy(const Tensor& x, double other);
/// x / other rounded by rounding_mode: "trunc" (toward zero) or "floor" (torch::div with a
/// rounding mode; floor_divide is the floor form), broadcasting; gradient 0 as PyTorch's.
/// Two int64 operands give int64 (a zero divisor is an xg::Error; INT64_MIN / -1 wraps to
/// INT64_MIN); an int64 operand beside a float one is promoted.
Tensor div(const Tensor& x, const Tensor& other, const std::string& rounding_mode);
Tensor floor_divide(const Tensor& x, const Tensor& other);
/// x - other · q with q = x / other truncated (fmod: the sign of x, C's fmod) or floored
/// (remainder: the sign of other, Python's %), broadcasting. The gradient for other is -q
/// (PyTorch's). int64 operands as div's (an integral scalar keeps int64: x % 3); `%` is
/// remainder, as libtorch's.
Tensor fmod(const Tensor& x, const Tensor& other);
Tensor fmod(const Tensor& x, double other);
Tensor remainder(const Tensor& x, const Tensor& other);
Tensor remainder(const Tensor& x, double other);
Tensor remainder(double x, const Tensor& other);
Tensor operator%(const Tensor& x, const Tensor& other);
Tensor operator%(const Tensor& x, double other);
Tensor operator%(double x, const Tensor& other);
/// start + weight (end - start), broadcasting; every operand differentiable.
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight);
Tensor lerp(const Tensor& start, const Tensor& end, double weight);
/// NaN, +inf and -inf replaced by nan (0), posinf and neginf (the dtype's largest and lowest
/// finite values unless given); the gradient reaches the finite elements only.
Tensor nan_to_num(const Tensor& x, std::optional<double> nan = 0.0, std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);
/// Special functions (autograd/ops_special.cpp), PyTorch's values at the poles; int64 input
/// becomes float32. Each derivative is the next function, so every order follows: lgamma' =
/// digamma, digamma' = polygamma(1, x), polygamma(n, x)' = polygamma(n + 1, x) (n >= 0),
/// erfc' = -2/√π e^(-x²), erfinv' = √π/2 e^(erfinv(x)²). digamma, polygamma and erfinv are
/// computed in double on both devices (the same bits), more exact than PyTorch's near erfinv's
/// ends and for polygamma(1, x). mvlgamma is log Γ_p(x) = Σ_j<p lgamma(x - j/2) + p(p-1)/4 log π,
/// every element above (p - 1)/2 (an error otherwise, on a GPU at its next wait).
Tensor erfc(const Tensor& x);
Tensor erfinv(const Tensor& x);
Tensor lgamma(const Tensor& x);
Tensor digamma(const Tensor& x);
Tensor polygamma(std::int64_t n, const Tensor& x);
Tensor mvlgamma(const Tensor& x, std::int64_t p);
/// sin(πx)/(πx), 1 at 0 (gradient 0 there, as PyTorch's).
Tensor sinc(const Tensor& x);
/// |x| with the sign bit of other (of -0.0 and a negative NaN too); the gradient reaches x
/// (0 where x is 0, as PyTorch's), not other. Float operands.
Tensor copysign(const Tensor& x, const Tensor& other);
Tensor copysign(const Tensor& x, double other);
/// 0 where x < 0, values where x == 0, 1 where x > 0 (NaN gives 0, as PyTorch); like
/// PyTorch's, its derivative is not implemented: a backward through it is an error.
Tensor heaviside(const Tensor& x, const Tensor& values);
/// Whether each element's sign bit is set (-0.0 and negative NaNs included), as int64 1/0.
Tensor signbit(const Tensor& x);
/// Predicates as int64 1/0 (xgrad's bool: what masked_fill takes), not differentiable.
Tensor isnan(const Tensor& x);
Tensor isinf(const Tensor& x);
Tensor isfinite(const Tensor& x);
/// Whether any (all) element is nonzero, over the whole tensor or along dim; NaN is nonzero.
/// An empty tensor: any 0, all 1.
Tensor any(const Tensor& x);
Tensor any(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor all(const Tensor& x);
Tensor all(const Tensor& x, std::int64_t dim, bool keepdim = false);
/// NaN-ignoring maximum / minimum (C's fmax, fmin): a NaN operand gives the other, two
/// NaNs NaN; broadcasting. The gradient goes to a where a wins or ties (or b is NaN), to b
/// elsewhere, as PyTorch's.
Tensor fmax(const Tensor& a, const Tensor& b);
Tensor fmin(const Tensor& a, const Tensor& b);
/// libtorch's logical operations, elementwise with broadcasting: nonzero (NaN included) is
/// true; the result is int64 1/0 (xgrad's bool), not differentiable. Any dtypes.
Tensor logical_not(const Tensor& x);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);

}  // namespace xg
