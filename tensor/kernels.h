// Private: the raw kernels. They compute values only and know nothing of gradients; the
// differentiable operations in autograd/ call them and record the graph. Every kernel
// returns a fresh contiguous tensor unless its name ends in `_inplace`.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include <xgrad/tensor.h>

#include "tensor/resample_taps.h"

namespace xg::kernel {

enum class Binary {
  Add, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge,
  // Fused gradients, a = the saved tensor, b = gy: plain backward's one-pass forms.
  SigmoidGrad,  // b * a * (1 - a), a = sigmoid(x)
  TanhGrad,     // b * (1 - a^2), a = tanh(x)
  ReluGrad,     // a > 0 ? b : 0, a = x
  // Integer division, float or int64 (tensor/pointwise_rules.h's rules for int64; the caller
  // checks for a zero int64 divisor, with kernel::require_nonzero).
  Fmod,         // C's fmod: the remainder of a / b truncated, with a's sign
  Remainder,    // Python's a % b: the remainder of a / b floored, with b's sign
  FloorDivide,  // Python's a // b, PyTorch's div_floor_floating: (a - fmod(a, b)) / b, floored exactly
  TruncDivide,  // a / b truncated toward zero: trunc(a / b) for floats, C's a / b for int64
  // Float operands only (the autograd layer promotes or refuses int64).
  Atan2,      // atan2(a, b), the angle of the point (b, a)
  Hypot,        // sqrt(a^2 + b^2) without overflow or underflow (C's hypot)
  LogAddExp,    // log(exp(a) + exp(b)): max + log1p(exp(-|a - b|)); a for two equal infinities
  LogAddExp2,   // log2(2^a + 2^b): max + log1p(exp2(-|a - b|)) / ln 2; a for two equal infinities
  // int64 operands only (the autograd layer refuses floats): tensor/pointwise_rules.h's shifts.
  BitAnd, BitOr, BitXor,
  ShiftLeft,    // a << b; a count outside [0, 63] gives 0
  ShiftRight,   // a >> b, arithmetic; a count outside [0, 63] gives the sign (0 or -1)
};
enum class Unary {
  Neg, Exp, Log, Sqrt, Abs, Sin, Cos, Tanh, Sigmoid, Relu, Sign, Softplus, Log1p, Expm1, Erf,
  PowerOfTwoScale,  // 2^(e-1) for finite v > 0 with frexp exponent e != 0 (2^(e-1) <= v < 2^e); else 1
                    // (layer_norm's exact scale)
  // Rounding (Round: half to even, as nearbyint and PyTorch), more trigonometry, other bases.
  Floor, Ceil, Round, Trunc, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh, Log2, Log10, Exp2,
  // Special functions (tensor/special_rules.h where C's library has none).
  Lgamma, Digamma, Erfc, Erfinv,
  Signbit,  // 1 where the sign bit is set (-0.0, negative NaNs), else 0
};
enum class Reduce { Sum, Max, Min, Prod };
/// The value a fold of `kind` starts from: 0, the lowest value (-inf), the highest (inf), 1.
template <class T>
T reduce_identity(Reduce kind) {
  using L = std::numeric_limits<T>;
  switch (kind) {
    case Reduce::Max: return L::has_infinity ? -L::infinity() : L::lowest();
    case Reduce::Min: return L::has_infinity ? L::infinity() : L::max();
    case Reduce::Prod: return T(1);
    case Reduce::Sum: break;
  }
  return T(0);
}

/// Elementwise a (op) b with broadcasting; operands are promoted to a common dtype (int64
/// division gives float32). Comparisons give 1/0 in that dtype. `op` names errors.
Tensor binary(Binary kind, const Tensor& a, const Tensor& b, const char* op);
/// dst (op)= src in place, src broadcast to dst's shape and converted to its dtype.
void binary_inplace(Binary kind, Tensor& dst, const Tensor& src, const char* op);
/// dst += alpha * src in place (src broadcast to dst's shape and converted): the optimizer's
/// update, without a temporary for alpha * src.
void axpy_inplace(Tensor& dst, const Tensor& src, double alpha, const char* op);
/// Every element of t set to value (converted to t's dtype), on t's device; the caller bumps
/// the version if t may be seen by autograd.
void fill_inplace(Tensor& t, double value);
/// Elementwise unary function on a float tensor (Neg, Abs, Sign also on int64).
Tensor unary(Unary kind, const Tensor& x, const char* op);
/// x^c for a scalar exponent.
Tensor pow_scalar(const Tensor& x, double c);
/// Checks that every element of the float tensor x is greater than bound (NaN is not): on the
/// CPU now, on a GPU without a wait (reported at the next one, as check_indices). The error
/// names op, `bound_name` = bound and the first bad element's flat position.
void require_greater(const Tensor& x, double bound, const char* op, const char* bound_name);
/// Checks that no element of the int64 divisor x is zero, in the same way (now on the CPU,
/// at the GPU's next wait): the error names op and the first zero's flat position in x.
void require_nonzero_divisor(const Tensor& x, const char* op);
/// ψ⁽ⁿ⁾(x), the n-th derivative of digamma (n >= 0; the caller checks n), on a float tensor.
Tensor polygamma(int n, const Tensor& x, const char* op);
/// x > 0 ? x : slope * x.
Tensor leaky_relu(const Tensor& x, double slope);
/// GELU in one pass (tensor/activation.cpp): x Φ(x), or with tanh_form PyTorch's tanh
/// approximation; gelu_backward gives gy times its derivative at x. `op` names errors.
Tensor gelu(const Tensor& x, bool tanh_form, const char* op);
Tensor gelu_backward(const Tensor& x, const Tensor& gy, bool tanh_form, const char* op);
/// log(1 + e^x) = max(x, 0) + log1p(e^-|x|) of a float tensor on the host (unary's
/// Softplus), in xsimd batches.
Tensor softplus_host(const Tensor& x);
/// digamma and trigamma of a float CPU tensor in SIMD batches (tensor/special_host.cpp), with
/// the scalar functions' bits.
Tensor digamma_host(const Tensor& x);
Tensor trigamma_host(const Tensor& x);
/// erf, erfc, lgamma, log1p or expm1 of a float32 CPU tensor, in double vector lanes
/// rounded once (tensor/special_host.cpp).
Tensor float_through_double_host(Unary kind, const Tensor& x);
/// min(max(x, lo), hi).
Tensor clamp(const Tensor& x, double lo, double hi);
/// 1 where lo <= x <= hi, else 0, in x's dtype.
Tensor in_range_mask(const Tensor& x, double lo, double hi);
/// cond != 0 ? a : b, broadcasting all three.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
/// Converted copy.
Tensor cast(const Tensor& x, Dtype dtype);
/// Contiguous copy.
Tensor copy(const Tensor& x);
/// dst's elements replaced by src's (same shape and dtype), between any devices.
void copy_into(Tensor& dst, const Tensor& src);
/// n elements of src from element src_offset into dst from element dst_offset, read as flat
/// (same dtype), between any devices; `op` names a range outside either tensor.
void copy_range(Tensor& dst, std::int64_t dst_offset, const Tensor& src, std::int64_t src_offset, std::int64_t n,
                const char* op);
/// True when every element is finite (always true for int64).
bool all_finite(const Tensor& x);

/// Reduction over normalised, sorted, unique `axes` (all axes when empty).
Tensor reduce(Reduce kind, const Tensor& x, const Axes& axes, bool keepdims);
/// Index of the max (or min) along `axis`, or of the flattened tensor when axis < 0.
Tensor arg_reduce(bool is_max, const Tensor& x, std::int64_t axis, bool keepdims);
/// Stable softmax / log-softmax along a normalised axis.
Tensor softmax(const Tensor& x, std::int64_t axis);
Tensor log_softmax(const Tensor& x, std::int64_t axis);
/// For logits x (N, C) and int64 labels (N,): probs = softmax(x) row-wise (written to
/// `probs`), and returns the 0-d mean over rows of -log probs[n, t_n], computed stably as
/// logsumexp(x_n) - x[n, t_n].
Tensor softmax_cross_entropy(const Tensor& x, const Tensor& labels, Tensor& probs, const char* op);
/// (probs - onehot(labels)) * scale, in one pass: the gradient of the above times gy.
/// (probs - onehot(labels)) * gy / count: gy is the loss's one-element gradient, read where
/// it lives (on a GPU, by the kernel: the backward never waits for the device).
Tensor softmax_cross_entropy_backward(const Tensor& probs, const Tensor& labels, const Tensor& gy, double count);
/// log(sum(exp(x))) along a normalised axis, max-shifted.
Tensor logsumexp(const Tensor& x, std::int64_t axis, bool keepdims);

/// op(a) @ op(b) for 2-D operands, or batch-wise for 3-D operands of equal batch size,
/// straight through cblas_?gemm with transpose flags.
Tensor gemm(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b);
/// c = op(a) @ op(b) + beta c for 2-D float operands, c given (m, n) (a view may be given:
/// the product lands in its bytes); k > 0.
void gemm_into(Tensor& c, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, double beta);
/// Called with rows [row0, row1) of a product as soon as they are computed, and the product.
using RowsDone = std::function<void(std::int64_t row0, std::int64_t row1, const Tensor& product)>;
/// The 2-D gemm computed `block_rows` rows at a time (a positive multiple of
/// detail::kGemmRowAlign, so the bits are gemm's), `done` called after each block.
Tensor gemm_in_row_blocks(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, std::int64_t block_rows,
                          const RowsDone& done);

/// x @ W + b for x (N, in), W (in, out), b (out): b is broadcast into the output, then gemm
/// accumulates onto it (beta = 1), so the bias costs no extra pass. With trans_w, W is
/// stored (out, in) (PyTorch's layout) and read transposed in place.
Tensor linear(const Tensor& x, const Tensor& W, const Tensor& b, bool trans_w = false);

/// Materialised permutation of the axes.
Tensor permute(const Tensor& x, const Axes& perm);
/// Materialised broadcast to `shape`.
Tensor broadcast_to(const Tensor& x, const Shape& shape, const char* op);
/// Concatenation along a normalised axis (all dtypes equal, other axes equal).
Tensor concat(const tensor_list& xs, std::int64_t axis);
/// Slices [start, start+len) along `axis` into a fresh tensor.
Tensor narrow(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t len);
/// x's consecutive pieces of `sizes` (adding up to its size) along a normalised axis, each a
/// fresh tensor (on a GPU, all in one launch).
tensor_list split(const Tensor& x, std::int64_t axis, const std::vector<std::int64_t>& sizes);
/// Rows of x along `axis` picked by the int64 1-D `index`.
Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index, const char* op);
/// Checks user-given int64 indices into an axis of `size` (axis `axis` of the operand `like`
/// lives beside): on the CPU now, on a GPU without a wait (the first bad one reported with the
/// CPU's message at the next wait). index_add and scatter_add below do not check on a GPU
/// (an adjoint's indices were checked by its forward); a public caller checks with this.
void check_indices(const Tensor& index, const Tensor& like, std::int64_t size, std::int64_t axis, const char* op);
/// Indices into `size` elements that may count from the end (take's and put's rule:
/// -size <= i < size), checked (on the CPU now, on a GPU at the next wait, one message naming
/// `op`, a string literal) and returned wrapped into [0, size).
Tensor wrap_indices(const Tensor& index, std::int64_t size, const char* op);
/// Zeros of `shape`, then src's slices added at `index` along `axis` (index_select's adjoint).
Tensor index_add(const Shape& shape, std::int64_t axis, const Tensor& index, const Tensor& src);
/// out[i][j] = x[i][index[i][j]] along `axis` (torch.gather); index has x's rank.
Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index, const char* op);
/// Running sums along a normalised axis (tensor/along_axis.cpp), from the end with `reverse`
/// (cumsum's adjoint); every dtype, each line summed in order (the same bits on any device's
/// thread count).
Tensor cumsum(const Tensor& x, std::int64_t axis, bool reverse);
/// Running products along a normalised axis, each line multiplied in order (int64 wraps
/// around, as PyTorch's).
Tensor cumprod(const Tensor& x, std::int64_t axis);
/// Running log(sum(exp)) along a normalised axis, from the end with `reverse` (float dtypes):
/// each step is a log-add-exp of the running value and the next element, accumulated in
/// double, so a line of very different magnitudes loses nothing (the max-shift form would
/// turn -1000 before 0 into -inf). -inf stays -inf; NaN propagates.
Tensor logcumsumexp(const Tensor& x, std::int64_t axis, bool reverse);
/// logcumsumexp's gradient in one pass (the plain backward; create_graph composes it):
/// g_i = exp(x_i - y_i) T_i with T the running sum of gy from the other end, each step
/// scaled by exp(y_i - y_next) <= 1 (y is monotone along the scan), so nothing overflows.
Tensor logcumsumexp_backward(const Tensor& x, const Tensor& y, const Tensor& gy, std::int64_t axis, bool reverse);
/// The int64 position of each line's running maximum (minimum) along a normalised axis:
/// an element at least as large (small) as the running one takes over, so ties take the
/// later position, and a NaN takes over and is kept until the next NaN (PyTorch's cummax).
Tensor running_extreme_indices(const Tensor& x, std::int64_t axis, bool is_max);
/// For each value, where it would go in its row of `sorted` (rows, M): the first position
/// whose element is >= it (> it with `right`), found by bisection with PyTorch's comparisons
/// (a NaN value goes to M). values is (rows, K), or any shape with rows = 1; both have one
/// dtype; M > 0 (the caller answers an empty row). The int64 result has values's shape.
Tensor searchsorted(const Tensor& sorted, const Tensor& values, bool right);
/// The int64 positions that sort each line along a normalised axis, ascending or descending,
/// stable (ties keep their order); NaN sorts above every number, as PyTorch's.
Tensor sort_indices(const Tensor& x, std::int64_t axis, bool descending);
/// For each line along `axis`, the position in x of the element of rank position[line] in
/// sort_indices's ascending order (NaN last, ties by position): position is int64 of x's
/// shape with `axis` of size 1, and so is the result. A selection (std::nth_element) on the
/// CPU, O(n) per line where the sort is O(n log n); the sort's column on a GPU.
Tensor select_indices(const Tensor& x, std::int64_t axis, const Tensor& position);
/// Zeros of `shape`, then src scattered and added at `index` along `axis` (gather's adjoint).
Tensor scatter_add(const Shape& shape, std::int64_t axis, const Tensor& index, const Tensor& src);
/// A copy of self with src folded in at `index` along `axis` (scatter_add's addressing; indices
/// checked by the caller): each target takes its contributions in index order (row-major),
/// starting from its own value (include_self) or the fold's identity, PyTorch's
/// scatter_reduce; Max/Min keep a NaN they meet in src. Any dtype; one device.
Tensor scatter_reduce(Reduce kind, const Tensor& self, std::int64_t axis, const Tensor& index, const Tensor& src,
                      bool include_self);
/// Throws, naming `op`, unless `labels` is int64 with every value in [0, num_classes)
/// (a float dtype gets a hint on making int64 labels). `what` names one value ("label").
void check_labels(const Tensor& labels, std::int64_t num_classes, const char* op, const char* what = "label");
/// check_labels for a loss with an ignore_index: values equal to it are allowed anywhere
/// (nll_loss's and cross_entropy's rule); on a GPU checked on the device, reported at the next
/// wait with the same message.
void check_labels_ignoring(const Tensor& labels, std::int64_t num_classes, std::int64_t ignore_index, const char* op);
/// One-hot float32 rows for int64 labels in [0, num_classes).
Tensor one_hot(const Tensor& labels, std::int64_t num_classes);

/// A fixed linear resampling of one axis: x viewed as (outer, r.in, inner) -> (outer, r.out,
/// inner), each output a weighted sum of its taps only (tensor/resample_taps.h), so a NaN
/// reaches only the outputs whose taps cover it.
Tensor resample(const Tensor& x, std::int64_t outer, std::int64_t inner, const detail::taps::Rule& r);
/// The adjoint: gy (outer, r.out, inner) -> (outer, r.in, inner), each tap's share added back.
Tensor resample_adjoint(const Tensor& gy, std::int64_t outer, std::int64_t inner, const detail::taps::Rule& r);

// Dense linear algebra through LAPACK (tensor/lapack.cpp), on contiguous (..., n, n) float
// matrices the caller has checked; a GPU tensor goes through the host. `op` names errors
// (a singular matrix, one not positive-definite, with the batch element).
/// LU with partial pivoting, kept on the host in LAPACK's layout: `factors` (a's shape) and
/// `pivots` (int64, a's shape without the last axis). A zero pivot (a singular matrix) is
/// an error with inversion's or solve's message, or Fine (det).
struct LU {
  Tensor factors, pivots;
};
enum class Singular { Fine, InverseError, SolveError };
LU lu_factor(const Tensor& a, Singular singular, const char* op);
/// The least, over the batch, of min |pivot| / max |pivot| (0 for an exactly singular
/// matrix, 1 for an empty batch): a cheap singularity test on the host, without a wait.
double lu_smallest_pivot_ratio(const LU& lu);
/// A^-1 (A^-T when transposed) from its factors, on `device`; a zero pivot is an error.
Tensor lu_inverse(const LU& lu, bool transposed, Device device, const char* op);
struct SignLogDet {
  Tensor sign, logabsdet, det;  // each of the batch's shape
};
SignLogDet slogdet(const LU& lu, Device device, const char* op);
/// X with A X = b (A^T X = b when adjoint) for b (..., n, k) of A's batch, on b's device.
Tensor lu_solve(const LU& lu, const Tensor& b, bool adjoint, const char* op);
/// LU with partial pivoting in PyTorch's layout (tensor/lapack_lu.cpp) for (..., m, n)
/// matrices: `factors` row-major with L's strict lower part and U packed, `pivots` (...,
/// min(m, n)) LAPACK's 1-based int64, both on a's device. A zero pivot is an error naming op
/// when error_if_singular (linalg::lu_factor), else kept (linalg::lu).
LU lu_factor_packed(const Tensor& a, bool error_if_singular, const char* op);
/// The rows the pivots (..., k) select: perm (..., m), int64 on the pivots' device, with
/// (L U)[r] = A[perm[r]], so A = P L U for P[perm[r], r] = 1. Pivots outside LAPACK's range
/// (position i holds a value in [i + 1, m]) are an error naming op.
Tensor lu_permutation(const Tensor& pivots, std::int64_t m, const char* op);
/// The lower Cholesky factor L (L L^T = a), from a's lower triangle.
Tensor cholesky(const Tensor& a, const char* op);
/// cholesky's gradient L^-T sym(tril(L^T gL)) L^-1 (PyTorch's rule) for gL of L's shape.
Tensor cholesky_backward(const Tensor& L, const Tensor& gL, const char* op);
struct Eigh {
  Tensor values, vectors;  // ascending eigenvalues (..., n); eigenvectors in the columns
};
Eigh eigh(const Tensor& a, bool lower, const char* op);
/// The SVD a = U diag(S) Vh of (..., m, n) matrices (tensor/lapack_svd_qr.cpp): U (..., m, k)
/// and Vh (..., k, n) with k = min(m, n), or square with full_matrices; S descending. Without
/// compute_uv, U and Vh are undefined (LAPACK skips them).
struct Svd {
  Tensor U, S, Vh;
};
Svd svd(const Tensor& a, bool full_matrices, bool compute_uv, const char* op);
/// a = Q R: Q (..., m, k) with orthonormal columns, R (..., k, n) upper triangular (complete:
/// Q m x m, R m x n). Without compute_q, Q is undefined.
struct Qr {
  Tensor Q, R;
};
Qr qr(const Tensor& a, bool complete, bool compute_q, const char* op);
/// X with a X = b (left) or X a = b, a triangular (only that triangle read), b of a's batch.
/// With transposed, op(a) = a^T replaces a (`upper` still names a's stored triangle): trsm's
/// flag, so a backward's A^-T is solved without copying the transpose.
Tensor solve_triangular(const Tensor& a, const Tensor& b, bool upper, bool left, bool unitriangular, const char* op,
                        bool transposed = false);

}  // namespace xg::kernel
