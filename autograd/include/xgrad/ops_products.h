// libtorch's scaled products and sums of products: addmm, addmv, addbmm, baddbmm, addr,
// addcmul, addcdiv, tensordot and kron (autograd/ops_products.cpp). Part of ops.h (which
// includes it). Each is composed of matmul / bmm and elementwise operations, so every order of
// gradient and both devices come with it.
#pragma once

#include <cstdint>
#include <vector>

#include <xgrad/tensor.h>

namespace xg {

/// beta · input + alpha · (mat1 @ mat2) for 2-D mat1 (n, k) and mat2 (k, m); input broadcasts
/// to (n, m). As PyTorch: with beta = 0 the input's values are ignored (a NaN there does not
/// reach the result) and it gets no gradient, only its shape is checked.
Tensor addmm(const Tensor& input, const Tensor& mat1, const Tensor& mat2, double beta = 1, double alpha = 1);
/// beta · input + alpha · (mat @ vec) for mat (n, m) and vec (m); input broadcasts to (n).
Tensor addmv(const Tensor& input, const Tensor& mat, const Tensor& vec, double beta = 1, double alpha = 1);
/// beta · input + alpha · Σ_b batch1[b] @ batch2[b] for (B, n, k) and (B, k, m); input
/// broadcasts to (n, m).
Tensor addbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2, double beta = 1, double alpha = 1);
/// beta · input + alpha · bmm(batch1, batch2); input broadcasts to (B, n, m).
Tensor baddbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2, double beta = 1, double alpha = 1);
/// beta · input + alpha · outer(vec1, vec2); input broadcasts to (n, m).
Tensor addr(const Tensor& input, const Tensor& vec1, const Tensor& vec2, double beta = 1, double alpha = 1);
/// input + value · tensor1 · tensor2 and input + value · tensor1 / tensor2, broadcasting (the
/// optimizers' building blocks; torch::addcmul / addcdiv).
Tensor addcmul(const Tensor& input, const Tensor& tensor1, const Tensor& tensor2, double value = 1);
Tensor addcdiv(const Tensor& input, const Tensor& tensor1, const Tensor& tensor2, double value = 1);
/// Contracts a's last `dims` axes with b's first `dims` axes (torch::tensordot(a, b, dims)),
/// or the listed axes pairwise (dims_a[i] with dims_b[i], sizes equal); the result has a's
/// free axes then b's, in order. One matrix product after moving the axes.
Tensor tensordot(const Tensor& a, const Tensor& b, std::int64_t dims = 2);
Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<std::int64_t>& dims_a,
                 const std::vector<std::int64_t>& dims_b);
/// The Kronecker product: for a (a0, a1, ...) and b (b0, b1, ...) (the shorter padded with
/// leading 1s), the block tensor (a0·b0, a1·b1, ...) whose block i is a[i] · b.
Tensor kron(const Tensor& a, const Tensor& b);

}  // namespace xg
