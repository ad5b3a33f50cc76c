// Private: what the LAPACK kernels (tensor/lapack.cpp, tensor/lapack_svd_qr.cpp) share:
// cxxlapack (the raw-pointer LAPACK interface xtensor-blas bundles), the batch walk with its
// 32-bit bound, PyTorch's batch-element prefix for errors, layout changes, the trip through
// the host for GPU tensors and the dispatch on float32/float64. Included by .cpp files only.
#pragma once

#include <xgrad/detail/format.h>

#include <climits>
#include <string>

// cxxlapack asserts through cxxblas's macro.
#include <xflens/cxxblas/auxiliary/debugmacro.h>
#include <xflens/cxxlapack/cxxlapack.cxx>

#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel::lapack {

using Index = int;  // LAPACK's integer (OpenBLAS's default 32-bit interface)

struct Batch {
  std::int64_t count;  // matrices in the batch
  Index n;             // rows of each
  Index cols;          // columns of each
};

inline Batch batch_of(const Tensor& t, const char* op) {
  const std::int64_t r = t.shape()[t.dim() - 2], c = t.shape()[t.dim() - 1];
  if (r > INT_MAX || c > INT_MAX || r * c > INT_MAX)
    fail(op, ": a matrix of ", r, " x ", c, " exceeds LAPACK's 32-bit indexing (", INT_MAX, " elements)");
  const std::int64_t count = r * c == 0 ? 0 : t.numel() / (r * c);
  return {count, static_cast<Index>(r), static_cast<Index>(c)};
}

// The batch element named in an error, as PyTorch names it, when there is a batch.
inline std::string batch_prefix(const Tensor& t, std::int64_t b) {
  return t.dim() > 2 ? detail::cat("(Batch element ", b, "): ") : std::string();
}

// src (rows x cols, row-major) into dst column-major: dst holds src^T as rows.
template <class T>
void transpose_copy(const T* src, T* dst, Index rows, Index cols) {
  for (Index i = 0; i < rows; ++i)
    for (Index j = 0; j < cols; ++j) dst[static_cast<std::int64_t>(j) * rows + i] = src[static_cast<std::int64_t>(i) * cols + j];
}

// A GPU tensor's values on the host, and a result moved back to its input's device.
inline Tensor on_host(const Tensor& x, const char* op) { return detail::copy_to(x, Device(), op); }
inline Tensor back_to(const Tensor& y, Device device, const char* op) {
  return device.is_cpu() ? y : detail::copy_to(y, device, op);
}

// f(T{}) with T the float type of a.
template <class R, class F>
R by_dtype(const Tensor& a, F&& f) {
  return a.dtype() == kFloat64 ? f(double{}) : f(float{});
}

}  // namespace xg::kernel::lapack
