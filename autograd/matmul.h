// Private: the matrix-product primitive and the batch flattening that matmul and attention
// share. Batched operands are flattened to 3-D (batch, rows, cols) so that one gemm call
// per batch entry reads them in place; transposes are gemm flags, never copies.
#pragma once

#include <xgrad/tensor.h>

namespace xg::autograd {

/// op(a) @ op(b) for 2-D operands, or 3-D operands with equal batch sizes, of one float
/// dtype; recorded, and its backward is mm again, so every order of gradient is available.
Tensor mm(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b);

class Node;
/// op(a) @ op(b) as the gradient of input i of `n` (a weight's gradient). When that input is
/// a leaf whose gradient this backward streams (DistributedDataParallel's last layer to
/// finish), computed in row blocks handed over as each is done, so its all-reduce starts
/// before the product ends.
Tensor gradient_product(const Node& n, std::size_t i, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b);

/// The broadcast of the leading (batch) axes of two operands of rank >= 2: all but their
/// last two axes. Throws naming `op` and both shapes when they do not broadcast.
Shape batch_shape(const Tensor& a, const Tensor& b, const char* op);

/// x (..., r, c) broadcast to batch + (r, c) and flattened to (prod(batch), r, c), recorded
/// (broadcasting sums gradients back in backward).
Tensor to_batch3(const Tensor& x, const Shape& batch);

/// Undoes to_batch3 on a product: (prod(batch), r, c) -> batch + (r, c).
Tensor from_batch3(const Tensor& y, const Shape& batch);

/// op(a) @ op(b) over equal batches of any rank through mm's transpose flags: the linalg
/// rules never copy a transposed operand.
Tensor product(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

}  // namespace xg::autograd
