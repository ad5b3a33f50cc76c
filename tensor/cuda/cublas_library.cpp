// Opens cuBLAS on first use (see cublas_library.h for why).
#include "tensor/cuda/cublas_library.h"

#include <dlfcn.h>

#include <atomic>
#include <mutex>
#include <string>

#include <xgrad/detail/format.h>

#ifndef XGRAD_CUBLAS_DIR
#define XGRAD_CUBLAS_DIR ""
#endif

#define XG_CUBLAS_STR2(x) #x
#define XG_CUBLAS_STR(x) XG_CUBLAS_STR2(x)  // the symbol after cublas_v2.h's renaming (cublasCreate_v2)

namespace xg::detail::gpu {

namespace {

std::atomic<bool> g_loaded{false};

template <class F>
void bind(void* library, F& f, const char* symbol, const std::string& file, const char* op) {
  f = reinterpret_cast<F>(dlsym(library, symbol));
  if (!f) fail(op, ": cuBLAS (", file, ") has no ", symbol, "; xgrad was built against cuBLAS ", CUBLAS_VER_MAJOR, ".", CUBLAS_VER_MINOR);
}

CublasApi open_library(const char* op) {
  const std::string soname = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
  std::string tried = soname, file = soname, reason;
  void* library = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    reason = dlerror();
    if (const std::string dir = XGRAD_CUBLAS_DIR; !dir.empty()) {
      file = dir + "/" + soname;
      tried += ", " + file;
      library = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!library) reason = dlerror();
    }
  }
  if (!library) fail(op, ": cannot load cuBLAS (tried ", tried, "): ", reason);
  CublasApi api{};
  bind(library, api.create, XG_CUBLAS_STR(cublasCreate), file, op);
  bind(library, api.set_stream, XG_CUBLAS_STR(cublasSetStream), file, op);
  bind(library, api.set_workspace, XG_CUBLAS_STR(cublasSetWorkspace), file, op);
  bind(library, api.set_math_mode, XG_CUBLAS_STR(cublasSetMathMode), file, op);
  bind(library, api.sgemm_strided_batched, XG_CUBLAS_STR(cublasSgemmStridedBatched), file, op);
  bind(library, api.dgemm_strided_batched, XG_CUBLAS_STR(cublasDgemmStridedBatched), file, op);
  bind(library, api.status_name, XG_CUBLAS_STR(cublasGetStatusName), file, op);
  bind(library, api.status_string, XG_CUBLAS_STR(cublasGetStatusString), file, op);
  return api;
}

}  // namespace

const CublasApi& cublas(const char* op) {
  // Opened once; a failure is not remembered, so it is reported (naming the call) each time.
  static std::mutex mutex;
  static CublasApi api{};
  if (!g_loaded.load(std::memory_order_acquire)) {
    const std::lock_guard<std::mutex> lock(mutex);
    if (!g_loaded.load(std::memory_order_relaxed)) {
      api = open_library(op);
      g_loaded.store(true, std::memory_order_release);
    }
  }
  return api;
}

bool cublas_loaded() { return g_loaded.load(std::memory_order_acquire); }

}  // namespace xg::detail::gpu
