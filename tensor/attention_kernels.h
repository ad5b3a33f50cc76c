// Private: the fused attention kernels (tensor/attention.cpp). Forward streams over blocks of
// keys with an online softmax and keeps only the output and each query's log-sum-exp; backward
// recomputes each block's probabilities from them. No (L, S) matrix is ever held whole.
#pragma once

#include <cstdint>
#include <vector>

#include <xgrad/tensor.h>

namespace xg::kernel {

/// A mask broadcast over (batch, L, S) without being materialised: element (b, i, j) is at
/// batch_offset[b] + i * row_stride + j * col_stride (strides 0 on broadcast axes).
struct MaskView {
  Tensor data;  // undefined: no mask. keep: int64 (nonzero = takes part); bias: the scores' dtype
  std::vector<std::int64_t> batch_offset;
  std::int64_t row_stride = 0, col_stride = 0;
};

struct AttentionArgs {
  MaskView keep, bias;
  bool causal = false;  // key j takes part for query i only when j <= i
  double scale = 1.0;
};

/// q (B, L, E), k (B, S, E), v (B, S, Ev), contiguous, one float dtype. Returns the output
/// (B, L, Ev) and the log-sum-exp of each query's scaled, masked scores (B, L); a query with
/// no key taking part gets a zero output and lse = -inf.
std::vector<Tensor> attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionArgs& args);

/// The gradients (dq, dk, dv) from the forward's inputs, output, lse and the output's
/// gradient gy (B, L, Ev), recomputing the probabilities block by block.
std::vector<Tensor> attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                                       const Tensor& lse, const Tensor& gy, const AttentionArgs& args);

}  // namespace xg::kernel
