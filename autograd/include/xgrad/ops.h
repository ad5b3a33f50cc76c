// The differentiable operations. Each is recorded in the graph when an input requires grad
// and recording is on. Two operands broadcast by numpy's rules; float32 with float64
// computes in float64. Axes may be negative. Bad input throws xg::Error. The further
// elementwise functions are in ops_math.h, the image operations (convolution, pooling,
// padding, resampling) in ops_spatial.h, attention and the recurrent cells in ops_layers.h,
// and the rest of libtorch's functions in ops_assemble.h, ops_numeric.h and ops_products.h,
// all included here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <xgrad/ops_assemble.h>
#include <xgrad/ops_bitwise.h>
#include <xgrad/ops_layers.h>
#include <xgrad/ops_math.h>
#include <xgrad/ops_numeric.h>
#include <xgrad/ops_products.h>
#include <xgrad/ops_spatial.h>
#include <xgrad/ops_volume.h>
#include <xgrad/tensor.h>

namespace xg {

// ---- arithmetic (autograd/ops_arith.cpp) ----
/// a + b, a - b, a * b, a / b with broadcasting.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
/// -x
Tensor neg(const Tensor& x);
/// a^b elementwise (tensor exponent); the gradient for b is taken where a > 0.
Tensor pow(const Tensor& a, const Tensor& b);
/// x^c for a scalar exponent.
Tensor pow(const Tensor& x, double c);
/// Elementwise max / min; at ties the gradient is split equally.
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
/// cond != 0 ? a : b (cond is not differentiated).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
/// The coordinates of cond's nonzero elements, one int64 tensor per axis (libtorch's
/// one-argument where, numpy's nonzero): nonzero(cond)'s columns. A documented wait on a GPU.
std::vector<Tensor> where(const Tensor& cond);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);

// ---- comparisons: masks of 1 and 0 in the operands' dtype, not differentiable ----
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, double b);
Tensor operator!=(const Tensor& a, double b);
Tensor operator<(const Tensor& a, double b);
Tensor operator<=(const Tensor& a, double b);
Tensor operator>(const Tensor& a, double b);
Tensor operator>=(const Tensor& a, double b);

// ---- elementwise functions (autograd/ops_unary.cpp) ----
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
/// |x|; gradient sign(x), 0 at 0.
Tensor abs(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
/// 1 / (1 + e^-x)
Tensor sigmoid(const Tensor& x);
/// max(x, 0); gradient 0 at 0 (the textbook's Relu layer and PyTorch).
Tensor relu(const Tensor& x);
/// x > 0 ? x : slope * x
Tensor leaky_relu(const Tensor& x, double slope = 0.01);
/// log(1 + e^x), computed without overflow.
Tensor softplus(const Tensor& x);
/// PyTorch's softplus with its options: log(1 + e^(beta x)) / beta, and x itself where
/// beta x > threshold (F::softplus, nn::Softplus); beta must not be 0.
Tensor softplus(const Tensor& x, double beta, double threshold);
/// min(max(x, lo), hi); gradient 1 inside [lo, hi] (inclusive), 0 outside.
Tensor clamp(const Tensor& x, double lo, double hi);
/// libtorch's clamp with tensor bounds (broadcast; an undefined bound is none): min(max(x,
/// lo), hi), NaN in x kept, and PyTorch's gradients: to x inside [lo, hi], to lo where
/// x < lo < hi, to hi where x > hi or hi < lo (so where lo = hi and x is outside, none).
Tensor clamp(const Tensor& x, const Tensor& lo, const Tensor& hi);
Tensor clamp_min(const Tensor& x, const Tensor& min);
Tensor clamp_max(const Tensor& x, const Tensor& max);
/// log(1 + x) and e^x - 1, accurate near 0 (std::log1p, std::expm1).
Tensor log1p(const Tensor& x);
Tensor expm1(const Tensor& x);
/// The error function, 2/√π ∫_0^x e^(-t²) dt.
Tensor erf(const Tensor& x);
/// GELU: x Φ(x) = x/2 (1 + erf(x/√2)); with approximate = "tanh", PyTorch's
/// x/2 (1 + tanh(√(2/π) (x + 0.044715 x³))). One node, one kernel each way; any order.
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
/// SiLU (swish): x · sigmoid(x).
Tensor silu(const Tensor& x);
/// ELU: x for x > 0, alpha (e^x - 1) otherwise.
Tensor elu(const Tensor& x, double alpha = 1.0);
/// PyTorch's further activations, composed (so every order and device): SELU = λ elu(x, α)
/// with Klambauer et al.'s λ, α; CELU = x for x > 0, α (e^(x/α) - 1) else; Mish = x tanh
/// softplus(x); Hardswish = x relu6(x + 3) / 6; Hardsigmoid = relu6(x + 3) / 6; Softsign =
/// x / (1 + |x|); PReLU = x for x > 0, w x else, w one value or one per channel (axis 1).
Tensor selu(const Tensor& x);
Tensor celu(const Tensor& x, double alpha = 1.0);
Tensor mish(const Tensor& x);
Tensor hardswish(const Tensor& x);
Tensor hardsigmoid(const Tensor& x);
Tensor softsign(const Tensor& x);
Tensor prelu(const Tensor& x, const Tensor& weight);
/// More of PyTorch's activations, composed: hardtanh = clamp(x, min, max) with PyTorch's
/// gradient (0 at the bounds); relu6 = hardtanh(x, 0, 6); logsigmoid = -softplus(-x);
/// tanhshrink = x - tanh x; softshrink = x ∓ λ beyond ±λ, 0 within; hardshrink = x beyond
/// ±λ, 0 within; threshold = x where x > threshold, else value; glu = a · sigmoid(b) for
/// the halves a, b of `dim`.
Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0);
Tensor relu6(const Tensor& x);
Tensor logsigmoid(const Tensor& x);
Tensor tanhshrink(const Tensor& x);
Tensor softshrink(const Tensor& x, double lambda = 0.5);
Tensor hardshrink(const Tensor& x, double lambda = 0.5);
Tensor threshold(const Tensor& x, double threshold, double value);
Tensor glu(const Tensor& x, std::int64_t dim = -1);
/// 1/sqrt(x), 1/x, max(x, min), min(x, max): torch::rsqrt, reciprocal, clamp_min, clamp_max.
Tensor rsqrt(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor clamp_min(const Tensor& x, double min);
Tensor clamp_max(const Tensor& x, double max);

// ---- reductions (autograd/ops_reduce.cpp); empty axes = all axes ----
Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
/// The standard deviation, sqrt(var(x, axes, keepdims, ddof)) (ddof 0 by default, as var's:
/// libtorch's default is unbiased, ddof 1).
Tensor std(const Tensor& x, const Axes& axes = {}, bool keepdims = false, std::int64_t ddof = 0);
/// The p-norm over axes (all by default), torch::norm / linalg::vector_norm: p > 0, infinity
/// (the largest magnitude) or 0 (the count of nonzeros, no gradient); at a zero vector the
/// value is 0 with PyTorch's gradient 0 (not NaN).
Tensor norm(const Tensor& x, double p = 2.0, const Axes& axes = {}, bool keepdims = false);
/// Max / min over axes; the gradient is shared equally among tied maxima.
Tensor max(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor min(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
/// libtorch's one-axis forms: `xg::sum(x, 1)`, and `xg::max(x, 1)` / `xg::min(x, 1)` giving
/// (values, indices).
template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
Tensor sum(const Tensor& x, I dim, bool keepdim = false) { return x.sum(dim, keepdim); }
template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
Tensor mean(const Tensor& x, I dim, bool keepdim = false) { return x.mean(dim, keepdim); }
template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
std::tuple<Tensor, Tensor> max(const Tensor& x, I dim, bool keepdim = false) { return x.max(dim, keepdim); }
template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
std::tuple<Tensor, Tensor> min(const Tensor& x, I dim, bool keepdim = false) { return x.min(dim, keepdim); }
/// libtorch's amax / amin: max / min over `dims` (all when empty), the gradient shared
/// equally among tied extrema, as there.
inline Tensor amax(const Tensor& x, const Axes& dims = {}, bool keepdim = false) { return max(x, dims, keepdim); }
inline Tensor amin(const Tensor& x, const Axes& dims = {}, bool keepdim = false) { return min(x, dims, keepdim); }
template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
Tensor amax(const Tensor& x, I dim, bool keepdim = false) { return x.amax(dim, keepdim); }
template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
Tensor amin(const Tensor& x, I dim, bool keepdim = false) { return x.amin(dim, keepdim); }
/// libtorch's torch::max(a, b) / torch::min(a, b): elementwise, as maximum / minimum.
inline Tensor max(const Tensor& a, const Tensor& b) { return maximum(a, b); }
inline Tensor min(const Tensor& a, const Tensor& b) { return minimum(a, b); }
/// Variance, numpy's convention: divided by n - ddof (ddof = 0 by default).
Tensor var(const Tensor& x, const Axes& axes = {}, bool keepdims = false, std::int64_t ddof = 0);
/// libtorch's var_mean / std_mean: (var, mean) and (std, mean) over axes, from one centring
/// (ddof 0 by default, as var's; libtorch's default is unbiased).
std::tuple<Tensor, Tensor> var_mean(const Tensor& x, const Axes& axes = {}, bool keepdims = false, std::int64_t ddof = 0);
std::tuple<Tensor, Tensor> std_mean(const Tensor& x, const Axes& axes = {}, bool keepdims = false, std::int64_t ddof = 0);
/// Index of the max / min of the flattened tensor, or along an axis (int64, not differentiable).
Tensor argmax(const Tensor& x);
Tensor argmax(const Tensor& x, std::int64_t axis, bool keepdims = false);
Tensor argmin(const Tensor& x);
Tensor argmin(const Tensor& x, std::int64_t axis, bool keepdims = false);
/// Layer normalisation over the last normalized_shape.size() axes (which must equal
/// normalized_shape): (x - mean) / sqrt(var + eps), biased variance, times weight plus bias
/// when they are defined (both of normalized_shape). libtorch's argument order.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
/// Group normalisation (Wu and He 2018, libtorch's torch::group_norm): x (N, C, *) with its C
/// channels in num_groups groups, each sample's group normalised over its channels and
/// positions (biased variance), then times weight plus bias per channel (each (C,), when
/// defined). num_groups = C is instance normalisation, 1 normalises each sample whole.
Tensor group_norm(const Tensor& x, std::int64_t num_groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
/// Inverted dropout as libtorch's torch::dropout: in training, zeroes each element with
/// probability p and scales the rest by 1/(1-p); the identity when not training.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);
/// Numerically stable softmax, log-softmax and log-sum-exp along an axis.
Tensor softmax(const Tensor& x, std::int64_t axis = -1);
Tensor log_softmax(const Tensor& x, std::int64_t axis = -1);
Tensor logsumexp(const Tensor& x, std::int64_t axis = -1, bool keepdims = false);

// ---- shape (autograd/ops_shape.cpp) ----
/// Same data, new shape; one entry may be -1.
Tensor reshape(const Tensor& x, const Shape& shape);
/// Merges axes start_dim..end_dim into one.
Tensor flatten(const Tensor& x, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
/// Splits axis `dim` into `sizes` (one may be -1), torch::unflatten.
Tensor unflatten(const Tensor& x, std::int64_t dim, const Shape& sizes);
// ---- reordering and repeating (autograd/ops_reorder.cpp), as libtorch's ----
/// The order of each of `dims` reversed.
Tensor flip(const Tensor& x, const std::vector<std::int64_t>& dims);
/// Elements shifted along each of `dims` by its shift, wrapping around; no dims: the
/// flattened tensor by one shift.
Tensor roll(const Tensor& x, const std::vector<std::int64_t>& shifts, const std::vector<std::int64_t>& dims = {});
/// x repeated along each axis (repeats may add leading axes; at least x.dim() of them).
Tensor repeat(const Tensor& x, const Shape& repeats);
/// repeat with missing leading repeats taken as 1 (torch::tile).
Tensor tile(const Tensor& x, const Shape& dims);
/// Each element repeated `repeats` times in place along dim (the flattened tensor without it).
Tensor repeat_interleave(const Tensor& x, std::int64_t repeats, std::optional<std::int64_t> dim = std::nullopt);
/// Axes `source` moved to `destination`, the others keeping their order.
Tensor movedim(const Tensor& x, const std::vector<std::int64_t>& source, const std::vector<std::int64_t>& destination);
/// (*, C·r², H, W) -> (*, C, H·r, W·r) and back: torch::pixel_shuffle / pixel_unshuffle.
Tensor pixel_shuffle(const Tensor& x, std::int64_t upscale_factor);
Tensor pixel_unshuffle(const Tensor& x, std::int64_t downscale_factor);
Tensor squeeze(const Tensor& x, std::int64_t axis);
Tensor unsqueeze(const Tensor& x, std::int64_t axis);
Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1);
Tensor permute(const Tensor& x, const Axes& perm);
/// Repeats x along broadcast axes to `shape` (numpy rules).
Tensor broadcast_to(const Tensor& x, const Shape& shape);
/// Sums x down to `shape`: the adjoint of broadcast_to, used to undo broadcasting in backward.
Tensor sum_to(const Tensor& x, const Shape& shape);
Tensor concat(const tensor_list& xs, std::int64_t axis = 0);
/// libtorch's name for concat.
inline Tensor cat(const tensor_list& xs, std::int64_t dim = 0) { return concat(xs, dim); }
/// Stacks equal-shaped tensors along a new axis.
Tensor stack(const tensor_list& xs, std::int64_t axis = 0);
/// Splits along an axis into pieces of the given sizes (they must add up to the axis size).
tensor_list split(const Tensor& x, const std::vector<std::int64_t>& sizes, std::int64_t axis = 0);
/// Splits along an axis into `chunks` pieces of equal size (the axis size must divide).
tensor_list chunk(const Tensor& x, std::int64_t chunks, std::int64_t axis = 0);
/// The slices of x along `dim`, that axis removed (libtorch's unbind; Python's list(x)).
tensor_list unbind(const Tensor& x, std::int64_t dim = 0);
/// Entries start, start+step, ... < end of axis `dim`, as libtorch's slice (and Python's
/// x[start:end:step] on that axis): negative start/end count from the end, out of range clamps.
Tensor slice(const Tensor& x, std::int64_t dim = 0, std::int64_t start = 0, std::int64_t end = INT64_MAX,
             std::int64_t step = 1);
/// `length` entries of axis `dim` from `start` (negative counts from the end), as libtorch's
/// narrow; unlike slice, a range that does not fit is an error.
Tensor narrow(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length);
/// Entry `index` of axis `dim`, that axis removed (libtorch's select; Python's x[index] on
/// axis 0): negative counts from the end; an index outside the axis is an error.
Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index);

// ---- indexing (autograd/ops_index.cpp) ----
/// Slices of x along `axis` at the int64 1-D `index` (rows for axis 0).
Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index);
/// out[i][j] = x[i][index[i][j]] for axis 1 (torch.gather); index has x's rank.
Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index);
/// self with source's slices added at the int64 1-D `index` along dim, times alpha
/// (torch::index_add, out of place): source is self's shape with index.numel() on dim.
/// Duplicate indices add up, in index order. Gradients: self's gy, source's the selected gy.
Tensor index_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source, double alpha = 1.0);
/// self with src[i][j] added at self[index[i][j]][j] for dim 0 (torch::scatter_add): index,
/// src and self of one rank, index no larger than src, nor than self except on dim.
Tensor scatter_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src);
/// The coordinates of x's nonzero elements, (count, x.dim()) int64 in row-major order
/// (torch::nonzero; torch::argwhere). Read on the host: a documented wait on a GPU.
Tensor nonzero(const Tensor& x);
inline Tensor argwhere(const Tensor& x) { return nonzero(x); }
/// The elements of x where the int64 mask (nonzero = selected) is set, broadcasting both, as
/// a 1-D tensor in row-major order (torch::masked_select); the gradient flows back to them.
Tensor masked_select(const Tensor& x, const Tensor& mask);
/// masked_select's adjoint: x (broadcast with the mask) with its selected elements replaced,
/// in row-major order, by source's first elements (source read as one line; it needs at least
/// as many as the mask selects). torch::masked_scatter; gradients to x's unselected elements
/// and to source's used ones. Counting the mask is a documented wait on a GPU.
Tensor masked_scatter(const Tensor& x, const Tensor& mask, const Tensor& source);
/// Running sums along `dim` (libtorch's cumsum; int64 stays int64).
Tensor cumsum(const Tensor& x, std::int64_t dim);
/// Running products along `dim` (libtorch's cumprod; int64 stays int64, wrapping). The
/// gradient is PyTorch's, correct where x has zeros (no 0/0) and differentiable again.
Tensor cumprod(const Tensor& x, std::int64_t dim);
/// Running log(sum(exp)) along `dim` (libtorch's logcumsumexp; float dtypes): a log-add-exp
/// per step, exact for lines of any range (-1000 before 0 stays -1000); differentiable to
/// every order.
Tensor logcumsumexp(const Tensor& x, std::int64_t dim);
/// The running maximum (minimum) along `dim` and its int64 positions (libtorch's cummax,
/// cummin): ties take the later position, a NaN takes over until the next NaN. The values
/// carry x's gradient to the positions.
std::tuple<Tensor, Tensor> cummax(const Tensor& x, std::int64_t dim);
std::tuple<Tensor, Tensor> cummin(const Tensor& x, std::int64_t dim);
/// Where each value would go in its row of a sorted sequence (autograd/ops_search.cpp;
/// libtorch's searchsorted): the first position whose element is >= the value (> with
/// `right`, or side "right"). sorted_sequence is 1-D (for values of any shape) or has the
/// values' leading dimensions; `sorter` holds int64 positions that sort it. int64 positions
/// (out_int32 is refused: xgrad has no int32); a NaN value goes to the end.
Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool out_int32 = false, bool right = false,
                    const std::optional<std::string>& side = std::nullopt,
                    const std::optional<Tensor>& sorter = std::nullopt);
Tensor searchsorted(const Tensor& sorted_sequence, double value, bool out_int32 = false, bool right = false,
                    const std::optional<std::string>& side = std::nullopt,
                    const std::optional<Tensor>& sorter = std::nullopt);
/// The bucket of each element among 1-D sorted boundaries (libtorch's bucketize):
/// searchsorted(boundaries, input, out_int32, right).
Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool out_int32 = false, bool right = false);
Tensor bucketize(double value, const Tensor& boundaries, bool out_int32 = false, bool right = false);
/// Counting (autograd/ops_count.cpp), libtorch's; not differentiable. bincount: how often
/// each value of a 1-D non-negative int64 x occurs (int64), or the sum of its weights (their
/// dtype), at least minlength bins. histc: a histogram of a float x in `bins` equal bins over
/// [min, max] (the data's range when min == max), x's dtype; values outside and NaN count
/// nothing. unique: (sorted distinct values, each element's index into them in x's shape,
/// their counts), the last two empty unless asked (torch::_unique2's triple); each NaN is a
/// value of its own. unique_consecutive: the same for runs of equal neighbours. The sizes
/// these read from the data are documented waits on a GPU.
Tensor bincount(const Tensor& x, const Tensor& weights = Tensor(), std::int64_t minlength = 0);
Tensor histc(const Tensor& x, std::int64_t bins = 100, double min = 0, double max = 0);
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& x, bool sorted = true, bool return_inverse = false,
                                          bool return_counts = false);
std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& x, bool return_inverse = false,
                                                      bool return_counts = false);
/// The product of all elements, or along `dim` (libtorch's prod; the empty product is 1); its
/// gradient is the product of the other elements, zeros included.
Tensor prod(const Tensor& x);
Tensor prod(const Tensor& x, std::int64_t dim, bool keepdim = false);
/// Each line along `dim` sorted: (values, int64 positions). Stable (ties keep their order);
/// NaN sorts above every number, as PyTorch's. The values carry x's gradient.
std::tuple<Tensor, Tensor> sort(const Tensor& x, std::int64_t dim = -1, bool descending = false);
/// libtorch's sort(x, stable, dim, descending): xgrad's sort is always stable, so `stable`
/// changes nothing (an optional, as libtorch's, so that sort(x, true) still means dim 1).
std::tuple<Tensor, Tensor> sort(const Tensor& x, std::optional<bool> stable, std::int64_t dim = -1, bool descending = false);
/// sort's positions alone.
Tensor argsort(const Tensor& x, std::int64_t dim = -1, bool descending = false);
/// The k largest (or smallest) of each line along `dim`, in order: (values, positions).
std::tuple<Tensor, Tensor> topk(const Tensor& x, std::int64_t k, std::int64_t dim = -1, bool largest = true,
                                bool sorted = true);
/// Order statistics (autograd/ops_order.cpp), libtorch's: the k-th smallest of each line
/// (k from 1; NaN counts as the largest) as (values, int64 positions); the lower median of
/// all elements or of each line (NaN if the line has one; its position the first NaN's), and
/// nanmedian, the same over the numbers only. The gradient goes to the element picked (for
/// the all-element forms, shared among the elements equal to the median, as PyTorch's).
/// Tied elements are ranked by position (a stable sort), which PyTorch leaves open.
std::tuple<Tensor, Tensor> kthvalue(const Tensor& x, std::int64_t k, std::int64_t dim = -1, bool keepdim = false);
/// The most frequent value of each line along dim and the position of its last occurrence
/// (torch::mode); of equally frequent values the smallest; NaNs count as one value above
/// every number. The gradient goes to that position.
std::tuple<Tensor, Tensor> mode(const Tensor& x, std::int64_t dim = -1, bool keepdim = false);
Tensor median(const Tensor& x);
std::tuple<Tensor, Tensor> median(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor nanmedian(const Tensor& x);
std::tuple<Tensor, Tensor> nanmedian(const Tensor& x, std::int64_t dim, bool keepdim = false);
/// The q-quantiles (q in [0, 1], a scalar or a 1-D tensor of x's dtype, whose axis comes
/// first in the result) of all elements or of each line along dim, as torch::quantile:
/// rank q (n - 1) in the sorted line, read by `interpolation` ("linear", "lower", "higher",
/// "midpoint", "nearest"). A line with NaN gives NaN; nanquantile ranks among its numbers.
/// Float inputs; the gradient flows to the elements read (and to q).
Tensor quantile(const Tensor& x, const Tensor& q, std::optional<std::int64_t> dim = std::nullopt,
                bool keepdim = false, const std::string& interpolation = "linear");
Tensor quantile(const Tensor& x, double q, std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false,
                const std::string& interpolation = "linear");
Tensor nanquantile(const Tensor& x, const Tensor& q, std::optional<std::int64_t> dim = std::nullopt,
                   bool keepdim = false, const std::string& interpolation = "linear");
Tensor nanquantile(const Tensor& x, double q, std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false,
                   const std::string& interpolation = "linear");
/// sum and mean treating NaN as absent (nansum: as 0; nanmean: over the numbers, NaN where
/// there are none). The gradient does not reach the NaN elements.
Tensor nansum(const Tensor& x, const Axes& dims = {}, bool keepdim = false);
Tensor nanmean(const Tensor& x, const Axes& dims = {}, bool keepdim = false);
/// Draws (autograd/ops_sampling.cpp), not recorded, from the thread's generator on the
/// probabilities' device: num_samples int64 category indices per row of probs (1-D (C,) or
/// 2-D (N, C), non-negative weights, not necessarily normalised), with or without
/// replacement (without: distinct indices, never a zero-probability category), as
/// torch::multinomial. bernoulli(p): 1 with probability p per element (p in [0, 1], p's
/// dtype); bernoulli(x, p): x's shape and dtype, one probability. Both read the
/// probabilities' range first (a documented wait on a GPU).
Tensor multinomial(const Tensor& probs, std::int64_t num_samples, bool replacement = false);
Tensor bernoulli(const Tensor& p);
Tensor bernoulli(const Tensor& x, double p);
/// y[np.arange(N), t]: for x of shape (N, C) and int64 labels t of shape (N,), the (N,) picks.
Tensor pick(const Tensor& x, const Tensor& labels);
/// One-hot float32 rows of int64 labels (not differentiable).
Tensor one_hot(const Tensor& labels, std::int64_t num_classes);

// ---- linear algebra (autograd/ops_linalg.cpp) ----
/// Matrix product with numpy's (and torch.matmul's) rules: 1-D @ 1-D is a dot product; a 1-D
/// left (right) operand is a row (column) that is removed from the result; operands of rank
/// >= 3 are stacks of matrices whose leading axes broadcast ((B, H, T, d) @ (B, H, d, T),
/// (B, T, d) @ (d, e), (H, T, d) @ (B, 1, d, T)); gradients are summed back over broadcast axes.
Tensor matmul(const Tensor& a, const Tensor& b);
/// Batched product (B, n, k) @ (B, k, m) with equal B, as torch::bmm (no broadcasting).
Tensor bmm(const Tensor& a, const Tensor& b);
/// x @ W + b, fused: for 2-D x (N, in), W (in, out), b (out), one gemm writes onto the
/// broadcast bias. Other shapes fall back to matmul(x, W) + b. What nn::Linear computes.
Tensor linear(const Tensor& x, const Tensor& W, const Tensor& b);
/// x @ W^T + b for x (N, in) and W stored (out, in), PyTorch's layout (what
/// torch::nn::functional::linear computes); b (out) may be undefined. gemm reads W
/// transposed in place, so no copy of W is made. What the recurrent layers use.
Tensor linear_t(const Tensor& x, const Tensor& W, const Tensor& b = Tensor());
/// The diagonal of axes dim1 and dim2 (entries (i, i + offset)) as a new last axis, the other
/// axes in order: torch::diagonal's shape and values. A copy (libtorch's is a view); its
/// gradient goes back to the diagonal's entries.
Tensor diagonal(const Tensor& x, std::int64_t offset = 0, std::int64_t dim1 = 0, std::int64_t dim2 = 1);
/// The dot product of two 1-D tensors of one length, and their outer product (torch::dot, outer).
Tensor dot(const Tensor& a, const Tensor& b);
Tensor outer(const Tensor& a, const Tensor& b);
/// libtorch's other products: ger (outer's old name), vdot (dot: xgrad has no complex
/// conjugate), mv (matrix (n, m) times vector (m,)), inner (sums over both last axes: the
/// result has a's leading axes then b's; a 0-d operand scales the other).
Tensor ger(const Tensor& a, const Tensor& b);
Tensor vdot(const Tensor& a, const Tensor& b);
Tensor mv(const Tensor& m, const Tensor& v);
Tensor inner(const Tensor& a, const Tensor& b);
/// The p-norm distance between each row of x1 (..., P, M) and each of x2 (..., R, M), leading
/// axes broadcasting: (..., P, R), torch::cdist. For p = 2 with P or R above 25 (PyTorch's
/// default compute_mode), through one matrix product as PyTorch computes it; otherwise the
/// exact norm of every difference (memory (..., P, R, M)).
Tensor cdist(const Tensor& x1, const Tensor& x2, double p = 2.0,
             const std::string& compute_mode = "use_mm_for_euclid_dist_if_necessary");
/// The sum of a 2-D tensor's diagonal (torch::trace).
Tensor trace(const Tensor& x);
/// Einstein summation as torch::einsum ("bij,bjk->bik", "ii->i", "...ij,...jk"): letters
/// a-z and A-Z, one "..." per side for broadcast axes, spaces ignored; without "->" the
/// output is the ellipsis's axes then the letters used once, alphabetically. Sizes must
/// agree or be 1 (broadcast). Operands are contracted left to right, each pair by one matmul
/// (autograd/ops_einsum.cpp), so gradients of every order and both devices come with it.
Tensor einsum(const std::string& equation, const tensor_list& operands);

}  // namespace xg
