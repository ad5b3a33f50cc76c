// Private: cuBLAS, opened on the first product on a GPU instead of linked. Linking it made
// every program of a CUDA build 150 MB larger in resident memory at start-up (the dynamic
// loader relocates libcublasLt as it maps it), CPU-only programs and machines without a GPU
// included: measured with bench/conv_steps, peak RSS 120 -> 270 MB for SimpleConvNet on the
// CPU. The functions xgrad calls, as pointers of their own types.
#pragma once

#include <cublas_v2.h>

namespace xg::detail::gpu {

struct CublasApi {
  decltype(&cublasCreate) create;
  decltype(&cublasSetStream) set_stream;
  decltype(&cublasSetWorkspace) set_workspace;
  decltype(&cublasSetMathMode) set_math_mode;
  decltype(&cublasSgemmStridedBatched) sgemm_strided_batched;
  decltype(&cublasDgemmStridedBatched) dgemm_strided_batched;
  decltype(&cublasGetStatusName) status_name;
  decltype(&cublasGetStatusString) status_string;
};

/// The loaded library (opened once, by soname, then from the toolkit's directory the build
/// found, kept for the process's life); an xg::Error naming `op`, the files tried and the
/// loader's reason when it cannot be opened.
const CublasApi& cublas(const char* op);
/// Whether this process has opened it (for the test that CPU work does not).
bool cublas_loaded();

}  // namespace xg::detail::gpu
