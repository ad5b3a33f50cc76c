// Private: the CUDA bodies behind the kernel entry points of tensor/kernels.h. An entry point
// asks detail::compute_device (the device rule) where its operands live and, for a GPU,
// allocates the result there and calls the body here. No CUDA header here: the bodies are in
// tensor/cuda/*.cu; tensor/cuda/unavailable.cpp defines them to throw in a build without
// CUDA (where no CUDA tensor can exist, so they are never reached).
//
// Operands are contiguous (every xgrad tensor is), already in the result's dtype unless said;
// an operand that is a 0-d CPU tensor is read on the host and passed by value (libtorch's
// CPU-scalar rule), never copied to the device.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "tensor/cell_kernels.h"
#include "tensor/conv_kernels.h"
#include "tensor/cuda/capture.h"
#include "tensor/kernels.h"
#include "tensor/norm_kernels.h"
#include "tensor/optim_kernels.h"

namespace xg::detail::gpu {

/// out = a (kind) b; out has the broadcast shape of a and b.
void binary(kernel::Binary kind, Tensor& out, const Tensor& a, const Tensor& b);
/// dst += alpha * src (same shape and dtype).
void axpy(Tensor& dst, const Tensor& src, double alpha);
/// out = f(x), float dtypes (Neg, Abs, Sign also int64), the CPU's formulas.
void unary(kernel::Unary kind, Tensor& out, const Tensor& x);
void pow_scalar(Tensor& out, const Tensor& x, double c);
void polygamma(Tensor& out, const Tensor& x, int n);
void leaky_relu(Tensor& out, const Tensor& x, double slope);
/// GELU and its gradient (gy, x's shape and dtype), tensor/pointwise_rules.h's arithmetic.
void gelu(Tensor& out, const Tensor& x, bool tanh_form);
void gelu_backward(Tensor& out, const Tensor& x, const Tensor& gy, bool tanh_form);
/// cumsum, cumprod and sort_indices (tensor/cuda/along_axis.cu): one thread per line (outer, inner)
/// of x seen as (outer, n, inner), the CPU's order and comparisons.
void cumsum(Tensor& out, const Tensor& x, std::int64_t outer, std::int64_t n, std::int64_t inner, bool reverse);
void cumprod(Tensor& out, const Tensor& x, std::int64_t outer, std::int64_t n, std::int64_t inner);
void sort_indices(Tensor& out, const Tensor& x, std::int64_t outer, std::int64_t n, std::int64_t inner, bool descending);
void logcumsumexp(Tensor& out, const Tensor& x, std::int64_t outer, std::int64_t n, std::int64_t inner, bool reverse);
void logcumsumexp_backward(Tensor& out, const Tensor& x, const Tensor& y, const Tensor& gy, std::int64_t outer,
                           std::int64_t n, std::int64_t inner, bool reverse);
void running_extreme_indices(Tensor& out, const Tensor& x, std::int64_t outer, std::int64_t n, std::int64_t inner,
                             bool is_max);
/// One thread per value: bisection of its row of sorted (rows, m), k values per row.
void searchsorted(Tensor& out, const Tensor& sorted, const Tensor& values, std::int64_t rows, std::int64_t m,
                  std::int64_t k, bool right);
/// layer_norm's forward and backward (tensor/cuda/norm.cu) into the entry points' allocated
/// results, the CPU's arithmetic (tensor/layer_norm.cpp).
void layer_norm_forward(kernel::LayerNormOut& out, const Tensor& x, std::int64_t cols, const Tensor& weight,
                        const Tensor& bias, double eps);
void layer_norm_backward(kernel::LayerNormGrads& out, const Tensor& x, std::int64_t cols, const Tensor& stats,
                         const Tensor& weight, const Tensor& gy);
void clamp(Tensor& out, const Tensor& x, double lo, double hi);
void in_range_mask(Tensor& out, const Tensor& x, double lo, double hi);
/// out = cond != 0 ? a : b, broadcast to out's shape.
void where(Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b);
/// out = x converted to out's dtype (and broadcast to out's shape).
void cast(Tensor& out, const Tensor& x);
/// out[i] = start + i step in out's dtype (arange's values, made on the GPU: no host copy).
void iota(Tensor& out, double start, double step);
/// Random draws (tensor/cuda/random.cu): out[i] = f(philox(seed, offset + i)) with f rand's
/// uniform, randn's normal or randint's low + [0, span) integer, the CPU Philox fill's values.
/// With `words` (device memory, a captured graph's), seed and offset are read from words[0]
/// and words[1] when the kernel runs instead.
enum class PhiloxDraw : std::uint8_t { kUniform, kNormal, kBelow };
void philox_fill(Tensor& out, PhiloxDraw draw, std::uint64_t seed, std::uint64_t offset, std::uint64_t span = 0,
                 std::int64_t low = 0, const std::uint64_t* words = nullptr);

/// Reductions (tensor/cuda/reduce.cu). out holds x's shape with the reduced axes (flags per
/// axis) set to 1; sums of float32 in double; deterministic (no atomics, a fixed fold).
void reduce(kernel::Reduce kind, Tensor& out, const Tensor& x, const std::vector<bool>& reduced);
/// First index of the max (min) over the reduced axes, the first NaN winning (int64 out).
void arg_reduce(bool is_max, Tensor& out, const Tensor& x, const std::vector<bool>& reduced);
/// Along `axis`: 0 softmax, 1 log_softmax (y shaped as x), 2 logsumexp (y with axis of 1).
void along_lines(int kind, Tensor& y, const Tensor& x, std::int64_t axis);
/// loss (0-d) = the mean over rows of logsumexp(x_row) - x_row[label]; labels checked first.
void cross_entropy_loss(Tensor& loss, const Tensor& x, const Tensor& labels);
/// g = (probs - onehot(labels)) * gy / count, gy read by the kernel (or by value on the CPU).
void cross_entropy_backward(Tensor& g, const Tensor& probs, const Tensor& labels, const Tensor& gy, double count);
/// Queues, on ints' stream, the search for the first element of ints outside [0, size): the
/// position lands in the device word `slot` (all ones when there is none).
void mark_first_out_of_range(void* slot, const Tensor& ints, std::int64_t size, const char* op);
/// Queues: when the two device words `kept` say "none" (all ones) and `slot` holds a position,
/// copies it and ints' value there into kept (the first failing replay of a graph's check).
void keep_first_out_of_range(void* kept, const void* slot, const Tensor& ints, const char* op);
/// A range check without a wait (tensor/cuda/deferred.cpp): ints (int64, on a GPU) must lie in
/// [0, size). The device records the first bad position; the next wait for the GPU (any copy
/// to or from the host, synchronize) reads the pending checks and, for the first that failed,
/// calls report(position, value), which throws the CPU's message. Kernels skip bad indices
/// meanwhile (no out-of-bounds access, no device assert), so the process goes on. With
/// XGRAD_CUDA_SYNC=1 the check is made at once.
void check_range_later(const Tensor& ints, std::int64_t size, std::function<void(std::int64_t, std::int64_t)> report,
                       const char* op);
/// Reports the pending range checks (after the wait that `op` made): throws for the first
/// that failed, forgetting all of them.
void raise_pending_checks(const char* op);
/// Whether every element is finite; waits for the GPU (anomaly mode's per-operation check).
bool all_finite(const Tensor& x);

/// out (a contiguous shape) = x read through element `strides` (permute, broadcast_to).
void strided_copy(Tensor& out, const Tensor& x, const Shape& strides);
/// The index family (tensor/cuda/index.cu). Indices were checked by the caller. The adjoints
/// are deterministic: a stable sort of the indices, then each target summed in index order
/// (the CPU's order, so the same bits).
void concat(Tensor& out, const tensor_list& xs, std::int64_t axis);
/// outs (allocated, their sizes along `axis` adding up to x's) = x's consecutive pieces.
void split(tensor_list& outs, const Tensor& x, std::int64_t axis);
void narrow(Tensor& out, const Tensor& x, std::int64_t axis, std::int64_t start);
void index_select(Tensor& out, const Tensor& x, std::int64_t axis, const Tensor& index);
void index_add(Tensor& out, std::int64_t axis, const Tensor& index, const Tensor& src);
void gather(Tensor& out, const Tensor& x, std::int64_t axis, const Tensor& index);
void scatter_add(Tensor& out, std::int64_t axis, const Tensor& index, const Tensor& src);
/// out (self's copy) with src folded in at index along axis, each target in index order,
/// from its value (include_self) or the fold's identity (kernel::reduce_identity).
void scatter_reduce(Tensor& out, std::int64_t axis, const Tensor& index, const Tensor& src, kernel::Reduce kind,
                    bool include_self);
void one_hot(Tensor& out, const Tensor& labels, std::int64_t num_classes);

/// Convolution and pooling (tensor/cuda/conv.cu), outputs allocated by the entry points of
/// tensor/conv_kernels.h with the geometry they checked.
void conv2d_forward(Tensor& y, const Tensor& x, const Tensor& W, const Tensor& b, const kernel::ConvGeom& g);
void conv2d_input_grad(Tensor& gx, const Tensor& gy, const Tensor& W, const kernel::ConvGeom& g);
void conv2d_weight_grad(Tensor& gW, const Tensor& x, const Tensor& gy, const kernel::ConvGeom& g);
void im2col(Tensor& out, const Tensor& x, const kernel::ConvGeom& g);
void col2im(Tensor& gx, const Tensor& cols, const kernel::ConvGeom& g);
void max_pool2d(Tensor& y, Tensor& argmax, const Tensor& x, const kernel::ConvGeom& g);
/// kernel::box_argmax's positions into `at` (P, out...); boxes checked by the caller's shapes.
void box_argmax(Tensor& at, const Tensor& x, const std::vector<kernel::BoxAxis>& boxes);
/// Average pooling over a table of windows (and its adjoint, a gather in the CPU's order).
void window_average(Tensor& y, const Tensor& x, const kernel::PoolWindows& win);
void window_average_adjoint(Tensor& gx, const Tensor& gy, const kernel::PoolWindows& win);
/// out (already filled with value) with x written at `offset` per axis (pad's forward).
void embed(Tensor& out, const Tensor& x, const std::vector<std::int64_t>& offset, double value);

/// The fused optimizer update of up to kernel::kMaxFusedTargets parameters of one device and
/// dtype, checked by the entry point: one launch (tensor/cuda/optim.cu).
void fused_update(const kernel::UpdateHyper& h, const std::vector<kernel::UpdateTarget>& targets, const char* op);
/// The same update inside a CUDA graph capture: the kernel reads its table and constants from
/// the graph's memory; the function returned writes them for a replay, from that replay's
/// hyper-parameters and the targets' step sizes (the same `count` targets, in order).
using CapturedUpdate =
    std::function<void(const kernel::UpdateHyper& h, const kernel::UpdateTarget* targets, ReplayWriter& w)>;
CapturedUpdate fused_update_captured(const kernel::UpdateHyper& h, const kernel::UpdateTarget* targets,
                                     std::size_t count, const char* op);

/// interpolate's resampling of one axis and its adjoint (tensor/cuda/resample.cu): x viewed
/// as (outer, rule.in, inner), y as (outer, rule.out, inner); taps computed in place.
void resample(Tensor& y, const Tensor& x, std::int64_t outer, std::int64_t inner, const taps::Rule& rule);
void resample_adjoint(Tensor& gx, const Tensor& gy, std::int64_t outer, std::int64_t inner, const taps::Rule& rule);

/// The fused recurrent cells (tensor/cuda/cells.cu), shapes checked by the entry points of
/// tensor/cell_kernels.h, outputs allocated there.
void lstm_cell_forward(Tensor& h1, Tensor& c1, Tensor& acts, const Tensor& gates, const Tensor& c);
void lstm_cell_backward(Tensor& dgates, Tensor& dc, const Tensor& acts, const Tensor& c, const Tensor& c1,
                        const Tensor& dh1, const Tensor& dc1);
void gru_cell_forward(Tensor& h1, Tensor& acts, const Tensor& xp, const Tensor& hp, const Tensor& h);
void gru_cell_backward(Tensor& gxp, Tensor& ghp, Tensor& gh, const Tensor& acts, const Tensor& hp, const Tensor& h,
                       const Tensor& dh1);

/// c = op(a) @ op(b), 2-D or `batch` products of (m, k) @ (k, n) stored one after another;
/// float dtypes; cuBLAS (tensor/cuda/blas.cpp).
void gemm(Tensor& c, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, std::int64_t m, std::int64_t n,
          std::int64_t k, std::int64_t batch);
/// A strided-batched product: batch x (C_i = op(A_i) op(B_i) + beta C_i), row-major with
/// leading dimensions and element strides between the batch's matrices (0: the same matrix).
struct GemmArgs {
  bool trans_a = false, trans_b = false;
  std::int64_t m = 0, n = 0, k = 0, lda = 0, ldb = 0, ldc = 0, sa = 0, sb = 0, sc = 0, batch = 1;
};
/// The product of GemmArgs on a, b, c's storage from element offsets a_off, b_off, c_off.
void gemm_strided(const GemmArgs& g, const Tensor& a, std::int64_t a_off, const Tensor& b, std::int64_t b_off, double beta,
                  Tensor& c, std::int64_t c_off);
/// c (N, out) = x @ W + bias (W read transposed when trans_w), the bias written first.
void linear(Tensor& c, const Tensor& x, const Tensor& W, const Tensor& bias, bool trans_w);

}  // namespace xg::detail::gpu
