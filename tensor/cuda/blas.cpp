// Matrix products on CUDA through cuBLAS (the library made for them): row-major products
// computed as the transposed column-major ones, batches as one strided-batched call. One
// handle per thread and device (cuBLAS handles are not safe to share between threads), bound
// to the device's stream with a fixed workspace, so results are deterministic and the calls
// can later be captured into a CUDA graph. Default math unless xg::cuda::set_allow_tf32(true)
// asks for TF32 tensor cores in float32 products.
#include <mutex>
#include <vector>

#include <xgrad/cuda.h>

#include "tensor/checked.h"
#include "tensor/cuda/check.h"
#include "tensor/cuda/cublas_library.h"
#include "tensor/cuda/entry_count.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/launch.h"
#include "tensor/cuda/runtime.h"
#include "tensor/tensor_impl.h"

namespace xg::detail::gpu {

namespace {

constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;  // NVIDIA's advice for Hopper

void check_blas(cublasStatus_t status, const char* op) {
  if (status != CUBLAS_STATUS_SUCCESS)
    fail(op, ": cuBLAS error ", cublas(op).status_name(status), ": ", cublas(op).status_string(status));
}

// Kept for the thread's life and never destroyed: destroying a handle at exit, after the
// static CUDA runtime has shut down, would crash (PyTorch leaks its handles for this reason).
cublasHandle_t handle(int index, const char* op) {
  struct Handle {
    cublasHandle_t h = nullptr;
    bool tf32 = false;
  };
  thread_local std::vector<Handle> handles;
  if (handles.size() <= static_cast<std::size_t>(index)) handles.resize(static_cast<std::size_t>(index) + 1);
  Handle& h = handles[static_cast<std::size_t>(index)];
  check(cudaSetDevice(index), op);
  const bool tf32 = xg::cuda::allow_tf32();
  if (!h.h) {
    const CublasApi& api = cublas(op);
    check_blas(api.create(&h.h), op);
    check_blas(api.set_stream(h.h, stream(index)), op);
    check_blas(api.set_workspace(h.h, allocate(kWorkspaceBytes, index, op), kWorkspaceBytes), op);
  } else if (h.tf32 == tf32) {
    return h.h;
  }
  // TF32 applies to float32 products only; CUBLAS_DEFAULT_MATH keeps them exact float32.
  check_blas(cublas(op).set_math_mode(h.h, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), op);
  h.tf32 = tf32;
  return h.h;
}

// C (m x n, row-major, leading dimension ldc) = alpha op(A) op(B) + beta C, as C^T = op(B)^T
// op(A)^T column-major; `batch` products with element strides sa, sb, sc between them.
template <class T>
void gemm_rows(cublasHandle_t h, bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha,
               const T* a, std::int64_t lda, std::int64_t sa, const T* b, std::int64_t ldb, std::int64_t sb, T beta, T* c,
               std::int64_t ldc, std::int64_t sc, std::int64_t batch, const char* op) {
  const auto ta = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, tb = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const auto i32 = [op](std::int64_t v) {
    if (v > 2147483647) fail(op, ": a matrix dimension of ", v, " exceeds cuBLAS's 32-bit sizes");
    return static_cast<int>(v);
  };
  const int M = i32(m), N = i32(n), K = i32(k), LDA = i32(lda), LDB = i32(ldb), LDC = i32(ldc), B = i32(batch);
  const CublasApi& api = cublas(op);  // opened by handle() already: one atomic load
  if constexpr (std::is_same_v<T, float>)
    check_blas(api.sgemm_strided_batched(h, tb, ta, N, M, K, &alpha, b, LDB, sb, a, LDA, sa, &beta, c, LDC, sc, B), op);
  else
    check_blas(api.dgemm_strided_batched(h, tb, ta, N, M, K, &alpha, b, LDB, sb, a, LDA, sa, &beta, c, LDC, sc, B), op);
  launched(op);
}

}  // namespace

void gemm(Tensor& c, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, std::int64_t m, std::int64_t n,
          std::int64_t k, std::int64_t batch) {
  XG_GPU_ENTRY(gemm);
  const char* op = call_or("matmul");
  cublasHandle_t h = handle(c.device().index(), op);
  const std::int64_t lda = trans_a ? m : k, ldb = trans_b ? k : n;
  if (c.dtype() == kFloat32)
    gemm_rows<float>(h, trans_a, trans_b, m, n, k, 1.0f, dptr<float>(a), lda, m * k, dptr<float>(b), ldb, k * n, 0.0f,
                     dptr<float>(c), n, m * n, batch, op);
  else
    gemm_rows<double>(h, trans_a, trans_b, m, n, k, 1.0, dptr<double>(a), lda, m * k, dptr<double>(b), ldb, k * n, 0.0,
                      dptr<double>(c), n, m * n, batch, op);
}

void gemm_strided(const GemmArgs& g, const Tensor& a, std::int64_t a_off, const Tensor& b, std::int64_t b_off, double beta,
                  Tensor& c, std::int64_t c_off) {
  XG_GPU_ENTRY(gemm_strided);
  const char* op = call_or("conv2d");
  cublasHandle_t h = handle(c.device().index(), op);
  if (c.dtype() == kFloat32)
    gemm_rows<float>(h, g.trans_a, g.trans_b, g.m, g.n, g.k, 1.0f, dptr<float>(a) + a_off, g.lda, g.sa,
                     dptr<float>(b) + b_off, g.ldb, g.sb, static_cast<float>(beta), dptr<float>(c) + c_off, g.ldc, g.sc,
                     g.batch, op);
  else
    gemm_rows<double>(h, g.trans_a, g.trans_b, g.m, g.n, g.k, 1.0, dptr<double>(a) + a_off, g.lda, g.sa,
                      dptr<double>(b) + b_off, g.ldb, g.sb, beta, dptr<double>(c) + c_off, g.ldc, g.sc, g.batch, op);
}

void linear(Tensor& c, const Tensor& x, const Tensor& W, const Tensor& bias, bool trans_w) {
  XG_GPU_ENTRY(linear);
  const char* op = call_or("linear");
  const std::int64_t m = x.shape()[0], k = x.shape()[1], n = W.shape()[trans_w ? 0 : 1];
  cast(c, bias);  // the bias in every row (a broadcast copy), then the product added (beta = 1)
  if (!(m && n && k)) return;
  cublasHandle_t h = handle(c.device().index(), op);
  const std::int64_t ldw = trans_w ? k : n;
  if (c.dtype() == kFloat32)
    gemm_rows<float>(h, false, trans_w, m, n, k, 1.0f, dptr<float>(x), k, 0, dptr<float>(W), ldw, 0, 1.0f, dptr<float>(c),
                     n, 0, 1, op);
  else
    gemm_rows<double>(h, false, trans_w, m, n, k, 1.0, dptr<double>(x), k, 0, dptr<double>(W), ldw, 0, 1.0,
                      dptr<double>(c), n, 0, 1, op);
}

}  // namespace xg::detail::gpu
