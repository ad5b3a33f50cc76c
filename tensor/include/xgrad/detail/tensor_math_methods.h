// The method forms of libtorch's elementwise math, special functions, running reductions,
// order statistics, products and the numpy-style conveniences (each an xg:: function in
// autograd/, forwarded by autograd/tensor_math_methods.cpp). A fragment of class Tensor, included
// once inside its body by xgrad/tensor.h, so that header keeps the handle, its state and the
// core operations readable; do not include it anywhere else.
// NOLINT(build/header_guard): a class-body fragment has no guard.

  /// xg::floor, ceil, round, trunc, frac, sign, tan, ..., isnan, any, all, prod, cumprod,
  /// logcumsumexp, cummax, cummin
  /// (autograd/ops_math.cpp, ops_sort.cpp), with libtorch's names and meanings.
  Tensor floor() const;
  Tensor ceil() const;
  Tensor round() const;
  Tensor round(std::int64_t decimals) const;
  Tensor trunc() const;
  Tensor frac() const;
  Tensor sign() const;
  Tensor tan() const;
  Tensor asin() const;
  Tensor acos() const;
  Tensor atan() const;
  Tensor sinh() const;
  Tensor cosh() const;
  Tensor asinh() const;
  Tensor acosh() const;
  Tensor atanh() const;
  Tensor log2() const;
  Tensor log10() const;
  Tensor exp2() const;
  Tensor atan2(const Tensor& other) const;
  Tensor logaddexp(const Tensor& other) const;
  Tensor logaddexp2(const Tensor& other) const;
  Tensor hypot(const Tensor& other) const;
  Tensor xlogy(const Tensor& other) const;
  Tensor xlogy(double other) const;
  Tensor fmod(const Tensor& other) const;
  Tensor fmod(double other) const;
  Tensor remainder(const Tensor& other) const;
  Tensor remainder(double other) const;
  Tensor lerp(const Tensor& end, const Tensor& weight) const;
  Tensor lerp(const Tensor& end, double weight) const;
  Tensor nan_to_num(std::optional<double> nan = 0.0, std::optional<double> posinf = std::nullopt,
                    std::optional<double> neginf = std::nullopt) const;
  Tensor isnan() const;
  /// xg::logical_not and friends: int64 1/0, nonzero (NaN included) is true.
  Tensor logical_not() const;
  Tensor logical_and(const Tensor& other) const;
  Tensor logical_or(const Tensor& other) const;
  Tensor logical_xor(const Tensor& other) const;
  Tensor isinf() const;
  Tensor isfinite() const;
  Tensor any() const;
  Tensor any(std::int64_t dim, bool keepdim = false) const;
  Tensor all() const;
  Tensor all(std::int64_t dim, bool keepdim = false) const;
  Tensor prod() const;
  Tensor prod(std::int64_t dim, bool keepdim = false) const;
  Tensor cumprod(std::int64_t dim) const;
  Tensor logcumsumexp(std::int64_t dim) const;
  std::tuple<Tensor, Tensor> cummax(std::int64_t dim) const;
  std::tuple<Tensor, Tensor> cummin(std::int64_t dim) const;
  /// xg::erf ... signbit (autograd/ops_special.cpp), addmm ... kron (ops_products.cpp),
  /// swapaxes ... count_nonzero (ops_assemble.cpp, ops_scatter.cpp), with libtorch's names and meanings.
  Tensor erf() const;
  Tensor erfc() const;
  Tensor erfinv() const;
  Tensor lgamma() const;
  Tensor digamma() const;
  Tensor polygamma(std::int64_t n) const;
  Tensor mvlgamma(std::int64_t p) const;
  Tensor sinc() const;
  Tensor copysign(const Tensor& other) const;
  Tensor copysign(double other) const;
  Tensor heaviside(const Tensor& values) const;
  Tensor signbit() const;
  Tensor addmm(const Tensor& mat1, const Tensor& mat2, double beta = 1, double alpha = 1) const;
  Tensor addmv(const Tensor& mat, const Tensor& vec, double beta = 1, double alpha = 1) const;
  Tensor addbmm(const Tensor& batch1, const Tensor& batch2, double beta = 1, double alpha = 1) const;
  Tensor baddbmm(const Tensor& batch1, const Tensor& batch2, double beta = 1, double alpha = 1) const;
  Tensor addr(const Tensor& vec1, const Tensor& vec2, double beta = 1, double alpha = 1) const;
  Tensor addcmul(const Tensor& tensor1, const Tensor& tensor2, double value = 1) const;
  Tensor addcdiv(const Tensor& tensor1, const Tensor& tensor2, double value = 1) const;
  Tensor kron(const Tensor& other) const;
  Tensor swapaxes(std::int64_t axis0, std::int64_t axis1) const;
  Tensor swapdims(std::int64_t dim0, std::int64_t dim1) const;
  std::vector<Tensor> tensor_split(std::int64_t sections, std::int64_t dim = 0) const;
  std::vector<Tensor> tensor_split(const std::vector<std::int64_t>& indices, std::int64_t dim = 0) const;
  Tensor take_along_dim(const Tensor& indices, std::optional<std::int64_t> dim = std::nullopt) const;
  Tensor rot90(std::int64_t k = 1, const std::vector<std::int64_t>& dims = {0, 1}) const;
  Tensor index_fill(std::int64_t dim, const Tensor& index, double value) const;
  Tensor index_copy(std::int64_t dim, const Tensor& index, const Tensor& source) const;
  Tensor take(const Tensor& index) const;
  /// xg::diag, mv, inner, vdot, ger, allclose, equal, deg2rad, rad2deg and libtorch's other
  /// names (clip, absolute, negative, positive, fix, sgn).
  Tensor diag(std::int64_t diagonal = 0) const;
  Tensor mv(const Tensor& v) const;
  Tensor inner(const Tensor& other) const;
  Tensor vdot(const Tensor& other) const;
  Tensor ger(const Tensor& other) const;
  bool allclose(const Tensor& other, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false) const;
  bool equal(const Tensor& other) const;
  Tensor deg2rad() const;
  Tensor rad2deg() const;
  Tensor clip(double lo, double hi) const;
  Tensor absolute() const;
  Tensor negative() const;
  Tensor positive() const;
  Tensor fix() const;
  Tensor sgn() const;
  Tensor put(const Tensor& index, const Tensor& source, bool accumulate = false) const;
  Tensor scatter(std::int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter(std::int64_t dim, const Tensor& index, double value) const;
  Tensor scatter_reduce(std::int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                        bool include_self = true) const;
  Tensor index_reduce(std::int64_t dim, const Tensor& index, const Tensor& source, const std::string& reduce,
                      bool include_self = true) const;
  std::tuple<Tensor, Tensor> aminmax(std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor count_nonzero(const std::vector<std::int64_t>& dims = {}) const;
  Tensor count_nonzero(std::int64_t dim) const;
  /// xg::diff ... isneginf (autograd/ops_numeric.cpp), ravel ... diagflat (ops_stack.cpp).
  Tensor diff(std::int64_t n = 1, std::int64_t dim = -1, const Tensor& prepend = Tensor(),
              const Tensor& append = Tensor()) const;
  Tensor cov(std::int64_t correction = 1) const;
  Tensor corrcoef() const;
  Tensor logit(std::optional<double> eps = std::nullopt) const;
  Tensor float_power(const Tensor& exponent) const;
  Tensor float_power(double exponent) const;
  Tensor true_divide(const Tensor& other) const;
  Tensor isclose(const Tensor& other, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false) const;
  Tensor isposinf() const;
  Tensor isneginf() const;
  Tensor ravel() const;
  Tensor fliplr() const;
  Tensor flipud() const;
  Tensor msort() const;
  Tensor diag_embed(std::int64_t offset = 0, std::int64_t dim1 = -2, std::int64_t dim2 = -1) const;
  Tensor diagflat(std::int64_t offset = 0) const;
  Tensor amax(const Axes& dims = {}, bool keepdim = false) const;
  Tensor amin(const Axes& dims = {}, bool keepdim = false) const;
  Tensor multinomial(std::int64_t num_samples, bool replacement = false) const;
  /// xg::median, nanmedian, kthvalue, quantile, nanquantile, nansum, nanmean
  /// (autograd/ops_order.cpp), with libtorch's names and meanings.
  Tensor median() const;
  std::tuple<Tensor, Tensor> median(std::int64_t dim, bool keepdim = false) const;
  Tensor nanmedian() const;
  std::tuple<Tensor, Tensor> nanmedian(std::int64_t dim, bool keepdim = false) const;
  std::tuple<Tensor, Tensor> kthvalue(std::int64_t k, std::int64_t dim = -1, bool keepdim = false) const;
  std::tuple<Tensor, Tensor> mode(std::int64_t dim = -1, bool keepdim = false) const;
  Tensor quantile(double q, std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false,
                  const std::string& interpolation = "linear") const;
  Tensor quantile(const Tensor& q, std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false,
                  const std::string& interpolation = "linear") const;
  Tensor nanquantile(double q, std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false,
                     const std::string& interpolation = "linear") const;
  Tensor nanquantile(const Tensor& q, std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false,
                     const std::string& interpolation = "linear") const;
  Tensor nansum(const Axes& dims = {}, bool keepdim = false) const;
  Tensor nanmean(const Axes& dims = {}, bool keepdim = false) const;
  Tensor index_add(std::int64_t dim, const Tensor& index, const Tensor& source, double alpha = 1.0) const;
  Tensor scatter_add(std::int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor nonzero() const;
  Tensor masked_select(const Tensor& mask) const;
  Tensor masked_scatter(const Tensor& mask, const Tensor& source) const;
  Tensor div(const Tensor& other, const std::string& rounding_mode) const;
  Tensor floor_divide(const Tensor& other) const;
  // Bitwise operations of int64 tensors (ops_bitwise.h).
  Tensor bitwise_and(const Tensor& other) const;
  Tensor bitwise_and(double other) const;
  Tensor bitwise_or(const Tensor& other) const;
  Tensor bitwise_or(double other) const;
  Tensor bitwise_xor(const Tensor& other) const;
  Tensor bitwise_xor(double other) const;
  Tensor bitwise_not() const;
  Tensor bitwise_left_shift(const Tensor& other) const;
  Tensor bitwise_left_shift(double other) const;
  Tensor bitwise_right_shift(const Tensor& other) const;
  Tensor bitwise_right_shift(double other) const;
  /// xg::tril, triu, trace, bmm; the transposes of the last two axes (libtorch's mT; mH,
  /// adjoint() and, for a matrix, H are the same for real dtypes, which are xgrad's only ones).
  Tensor tril(std::int64_t diagonal = 0) const;
  Tensor triu(std::int64_t diagonal = 0) const;
  Tensor trace() const;
  Tensor bmm(const Tensor& other) const;
  Tensor mT() const;
  Tensor mH() const;
  Tensor adjoint() const;
  Tensor H() const;
  /// One axis: `x.norm(2, 1)` (a list of axes takes norm's own form).
  template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
  Tensor norm(double p, I dim, bool keepdim = false) const { return norm(p, Axes{static_cast<std::int64_t>(dim)}, keepdim); }
