// libtorch's numeric conveniences (autograd/ops_numeric.cpp): differences and integrals
// (diff, trapezoid, cumulative_trapezoid), statistics of observations (cov, corrcoef, pdist),
// logit, xlog1py, float_power, true_divide and the comparisons isclose, isin, isposinf,
// isneginf. Part of ops.h (which includes it); composed of differentiable operations, so
// gradients of every order and both devices come with them.
#pragma once

#include <cstdint>
#include <optional>

#include <xgrad/tensor.h>

namespace xg {

/// The n-th forward difference along dim (x[i+1] - x[i], n times), with prepend / append
/// concatenated first (their shapes must match x's except along dim); int64 stays int64.
Tensor diff(const Tensor& x, std::int64_t n = 1, std::int64_t dim = -1, const Tensor& prepend = Tensor(),
            const Tensor& append = Tensor());
/// The trapezoidal rule along dim: with spacing dx, or at the sample points x (broadcast
/// against y, or 1-D of y's length along dim). cumulative_trapezoid gives the running integral
/// (one fewer element along dim).
Tensor trapezoid(const Tensor& y, double dx = 1.0, std::int64_t dim = -1);
Tensor trapezoid(const Tensor& y, const Tensor& x, std::int64_t dim = -1);
Tensor cumulative_trapezoid(const Tensor& y, double dx = 1.0, std::int64_t dim = -1);
Tensor cumulative_trapezoid(const Tensor& y, const Tensor& x, std::int64_t dim = -1);
/// The covariance of the variables in x's rows (observations in columns; a 1-D x is one
/// variable), divided by observations - correction (1: unbiased, as PyTorch's default), and
/// the correlation coefficients (clipped to [-1, 1], as PyTorch). Float input.
Tensor cov(const Tensor& x, std::int64_t correction = 1);
Tensor corrcoef(const Tensor& x);
/// The p-norm distance between every pair of rows i < j of x (N, M), in row-major order of
/// the pairs: N(N-1)/2 values (torch::pdist); the gradient at a zero distance is 0.
Tensor pdist(const Tensor& x, double p = 2.0);
/// log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given (the gradient is 0
/// outside, as PyTorch's).
Tensor logit(const Tensor& x, std::optional<double> eps = std::nullopt);
/// x · log1p(y), 0 where x is 0 unless y is NaN (xlogy's rule), broadcasting; the gradient
/// for x is log1p(y) (0 where y <= -1), as PyTorch's.
Tensor xlog1py(const Tensor& x, const Tensor& y);
/// x^exponent computed in float64 (torch::float_power: the result is float64).
Tensor float_power(const Tensor& x, const Tensor& exponent);
Tensor float_power(const Tensor& x, double exponent);
/// x / y, always a float division (torch::true_divide, an alias of div).
Tensor true_divide(const Tensor& x, const Tensor& y);
/// |a - b| <= atol + rtol |b| elementwise (equal infinities match, NaN only with equal_nan),
/// broadcasting, as int64 1/0.
Tensor isclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
/// Whether isclose holds everywhere (torch::allclose; a wait on a GPU: the answer is a bool on
/// the host). Operands broadcast; unlike PyTorch's, two float dtypes may be compared.
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
/// Whether a and b have one shape and equal elements (torch::equal; NaN is unequal to itself;
/// a wait on a GPU).
bool equal(const Tensor& a, const Tensor& b);
/// Degrees to radians and back (torch::deg2rad, rad2deg): x times pi / 180 or 180 / pi,
/// integers as float32.
Tensor deg2rad(const Tensor& x);
Tensor rad2deg(const Tensor& x);
/// libtorch's other names: clip (clamp), absolute (abs), negative (neg), positive (x
/// itself), fix (trunc), sgn (sign: real tensors).
Tensor clip(const Tensor& x, double lo, double hi);
Tensor clip(const Tensor& x, const Tensor& lo, const Tensor& hi);
Tensor absolute(const Tensor& x);
Tensor negative(const Tensor& x);
Tensor positive(const Tensor& x);
Tensor fix(const Tensor& x);
Tensor sgn(const Tensor& x);
/// Whether each element occurs in test_elements (any shape), as int64 1/0; with invert, the
/// opposite. Sorting and a binary search, so O((n + m) log m); NaN never occurs.
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool invert = false);
/// x == +inf and x == -inf, as int64 1/0.
Tensor isposinf(const Tensor& x);
Tensor isneginf(const Tensor& x);

}  // namespace xg
