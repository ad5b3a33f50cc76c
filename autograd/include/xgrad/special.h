// torch::special: libtorch's names for the special functions, each the xg:: operation of the
// same meaning (so the same values, gradients and devices). ndtr is a composition.
#pragma once

#include <cstdint>
#include <optional>

#include <xgrad/ops.h>

namespace xg::special {

inline Tensor expit(const Tensor& x) { return sigmoid(x); }
inline Tensor logit(const Tensor& x, std::optional<double> eps = std::nullopt) { return xg::logit(x, eps); }
inline Tensor erf(const Tensor& x) { return xg::erf(x); }
inline Tensor erfc(const Tensor& x) { return xg::erfc(x); }
inline Tensor erfinv(const Tensor& x) { return xg::erfinv(x); }
inline Tensor expm1(const Tensor& x) { return xg::expm1(x); }
inline Tensor exp2(const Tensor& x) { return xg::exp2(x); }
inline Tensor log1p(const Tensor& x) { return xg::log1p(x); }
inline Tensor gammaln(const Tensor& x) { return lgamma(x); }
inline Tensor digamma(const Tensor& x) { return xg::digamma(x); }
inline Tensor psi(const Tensor& x) { return xg::digamma(x); }
inline Tensor polygamma(std::int64_t n, const Tensor& x) { return xg::polygamma(n, x); }
inline Tensor xlogy(const Tensor& x, const Tensor& y) { return xg::xlogy(x, y); }
inline Tensor xlog1py(const Tensor& x, const Tensor& y) { return xg::xlog1py(x, y); }
inline Tensor sinc(const Tensor& x) { return xg::sinc(x); }
inline Tensor round(const Tensor& x) { return xg::round(x); }
inline Tensor softmax(const Tensor& x, std::int64_t dim) { return xg::softmax(x, dim); }
inline Tensor log_softmax(const Tensor& x, std::int64_t dim) { return xg::log_softmax(x, dim); }
inline Tensor logsumexp(const Tensor& x, std::int64_t dim, bool keepdim = false) { return xg::logsumexp(x, dim, keepdim); }
/// The standard normal CDF, erfc(-x / √2) / 2 (accurate in the far left tail, where
/// (1 + erf(x / √2)) / 2 cancels to 0).
inline Tensor ndtr(const Tensor& x) { return xg::erfc(x * -0.70710678118654752440) * 0.5; }

}  // namespace xg::special
