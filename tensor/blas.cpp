// Matrix products on OpenBLAS or oneDNN (see blas.h). OpenBLAS's cblas.h cannot share a
// translation unit with xtensor-blas, so nothing else lives here.
#include "tensor/blas.h"

#include <xgrad/detail/format.h>
#include <xgrad/tensor.h>
#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

#ifdef XGRAD_WITH_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif

#include "tensor/parallel.h"

// OpenBLAS's controls (declared in its cblas.h on Debian; re-declared in case another CBLAS
// header is found first).
extern "C" {
void openblas_set_num_threads(int num_threads);
char* openblas_get_config(void);
char* openblas_get_corename(void);
#ifdef XGRAD_WITH_ONEDNN
void omp_set_num_threads(int n);  // oneDNN's CPU runtime is OpenMP (Debian's build)
#endif
}

namespace xg {

namespace {

std::atomic<int> g_threads = [] {
  // OpenBLAS always runs on the calling thread: xgrad splits work over its own threads
  // (detail::parallel_for). OpenBLAS's workers spin for a while after each product, and
  // measured to take the second core from the convolution threads that followed (a Keras
  // CNN step on 2 threads was 1.26x faster than on 1 with them, see docs/benchmarks.md).
  openblas_set_num_threads(1);
  return 1;
}();

#ifdef XGRAD_WITH_ONEDNN
constexpr bool kHaveOneDnn = true;
// oneDNN dispatches by the CPU's feature flags; ask it what it would run.
bool onednn_has_avx512() { return dnnl_get_effective_cpu_isa() >= dnnl_cpu_isa_avx512_core; }
#else
constexpr bool kHaveOneDnn = false;
bool onednn_has_avx512() { return false; }
#endif

// Auto: oneDNN where it has AVX-512 kernels and OpenBLAS (Debian 12's 0.3.21, run on its
// Haswell kernels on recent AMD parts) does not use them; OpenBLAS elsewhere, where the two
// measured equal or OpenBLAS faster (docs/design.md, "Matrix products").
bool resolve(SgemmEngine e) {
  if (e == SgemmEngine::OneDNN && !kHaveOneDnn)
    fail("set_sgemm_engine: this xgrad was built without oneDNN (install libdnnl-dev and rebuild)");
  return e == SgemmEngine::OneDNN || (e == SgemmEngine::Auto && kHaveOneDnn && onednn_has_avx512());
}

SgemmEngine engine_from_environment() {
  const char* v = std::getenv("XGRAD_SGEMM");
  if (!v || !*v || !std::strcmp(v, "auto")) return SgemmEngine::Auto;
  if (!std::strcmp(v, "openblas")) return SgemmEngine::OpenBLAS;
  if (!std::strcmp(v, "onednn")) return SgemmEngine::OneDNN;
  fail("XGRAD_SGEMM: expected auto, openblas or onednn, got '", v, "'");
}

// -1 until the first product or set_sgemm_engine: a bad XGRAD_SGEMM is then an xg::Error
// from a call the user made, not a failure before main.
std::atomic<int> g_onednn{-1};

bool use_onednn() {
  int v = g_onednn.load(std::memory_order_relaxed);
  if (v < 0) {
    v = resolve(engine_from_environment()) ? 1 : 0;
    g_onednn = v;
  }
  return v == 1;
}

void check_int(const char* op, std::int64_t v) {
  if (v > INT_MAX)
    fail(op, ": a matrix dimension of ", v, " exceeds the BLAS interface's 32-bit limit (", INT_MAX, ")");
}

}  // namespace

void set_num_threads(int n) {
  if (n < 1) fail("set_num_threads: need at least one thread, got ", n);
  g_threads = n;
}

int get_num_threads() { return g_threads; }

void set_sgemm_engine(SgemmEngine engine) { g_onednn = resolve(engine) ? 1 : 0; }

std::string sgemm_engine_name() {
#ifdef XGRAD_WITH_ONEDNN
  if (use_onednn()) {
    const dnnl_version_t* v = dnnl_version();
    const dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    const char* isa_name = isa >= dnnl_cpu_isa_avx512_core ? "avx512_core"
                           : isa >= dnnl_cpu_isa_avx2      ? "avx2"
                                                           : "sse4.1";
    return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) +
           " (" + isa_name + " kernels)";
  }
#endif
  std::string config = openblas_get_config();
  const std::string version = config.substr(0, config.find(' ', config.find(' ') + 1));
  return version + " (" + openblas_get_corename() + " kernels)";
}

namespace detail {

void onednn_on_this_thread() {
#ifdef XGRAD_WITH_ONEDNN
  thread_local const bool one_thread = (omp_set_num_threads(1), true);
  (void)one_thread;
#endif
}

void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
          std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc, const char* op) {
  for (const std::int64_t v : {m, n, k, lda, ldb, ldc}) check_int(op, v);
#ifdef XGRAD_WITH_ONEDNN
  if (use_onednn()) {
    // Each calling thread runs its share on itself, as OpenBLAS does (xgrad splits the rows).
    onednn_on_this_thread();
    if (dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) != dnnl_success)
      fail(op, ": oneDNN's sgemm failed on ", m, "x", k, " @ ", k, "x", n);
    return;
  }
#endif
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(m),
              static_cast<int>(n), static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta,
              c, static_cast<int>(ldc));
}

void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, double alpha, const double* a,
          std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c, std::int64_t ldc,
          const char* op) {
  for (const std::int64_t v : {m, n, k, lda, ldb, ldc}) check_int(op, v);
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(m),
              static_cast<int>(n), static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta,
              c, static_cast<int>(ldc));
}

template <class T>
void parallel_gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
                   std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc, const char* op) {
  // oneDNN's sgemm with B transposed gave other bits for rows split at any multiple tried
  // (its AVX2 kernels, measured): those products stay whole, so results stay independent
  // of the thread count.
  const bool whole = std::is_same<T, float>::value && use_onednn() && tb;
  const std::int64_t blocks = whole ? 1 : (m + kGemmRowAlign - 1) / kGemmRowAlign;
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  parallel_for(blocks, work, [&](std::int64_t b0, std::int64_t b1, int) {
    const std::int64_t r0 = whole ? 0 : b0 * kGemmRowAlign, r1 = whole ? m : std::min(m, b1 * kGemmRowAlign);
    gemm(ta, tb, r1 - r0, n, k, alpha, a + (ta ? r0 : r0 * lda), lda, b, ldb, beta, c + r0 * ldc, ldc, op);
  });
}

template void parallel_gemm<float>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const float*,
                                   std::int64_t, const float*, std::int64_t, float, float*, std::int64_t, const char*);
template void parallel_gemm<double>(bool, bool, std::int64_t, std::int64_t, std::int64_t, double, const double*,
                                    std::int64_t, const double*, std::int64_t, double, double*, std::int64_t,
                                    const char*);

}  // namespace detail
}  // namespace xg
