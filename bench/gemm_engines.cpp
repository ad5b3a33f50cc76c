// sgemm on each engine this machine has, one thread, GFLOP/s: OpenBLAS (the kernels its core
// table picked, named) and oneDNN (the ISA its feature flags picked, named). compare.py
// --suite gemm prints the table; the fastest is the GEMM-only bound's best case and
// xg::SgemmEngine::Auto's reason (docs/design.md, "Matrix products").
#include <xgrad/xgrad.h>
#include <cblas.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include "timing.h"

#ifdef XGRAD_WITH_ONEDNN
#include <oneapi/dnnl/dnnl.h>
extern "C" void omp_set_num_threads(int);
#endif

extern "C" {
void openblas_set_num_threads(int);
char* openblas_get_corename(void);
}

namespace {

template <class F>
double gflops(int m, int n, int k, F f) {
  const double flop = 2.0 * m * n * k;
  const int iters = std::max(3, static_cast<int>(2e10 / flop));
  return flop / (time_ms(f, iters, 5) * 1e6);  // time_ms warms up, then the best of 5 repeats
}

}  // namespace

int main() {
  openblas_set_num_threads(1);
#ifdef XGRAD_WITH_ONEDNN
  omp_set_num_threads(1);
  const char* isa = dnnl_get_effective_cpu_isa() >= dnnl_cpu_isa_avx512_core ? "avx512_core" : "avx2";
#endif
  // The three shapes, then the TwoLayerNet's backward and the Keras CNN's conv2 product.
  const int shapes[][3] = {{1024, 1024, 1024}, {100, 50, 784}, {256, 1024, 1024}, {784, 50, 100}, {64, 576, 288}};
  for (const auto& s : shapes) {
    const int m = s[0], n = s[1], k = s[2];
    std::vector<float> a(static_cast<std::size_t>(m) * k), b(static_cast<std::size_t>(k) * n),
        c(static_cast<std::size_t>(m) * n);
    std::mt19937 gen(1);
    std::normal_distribution<float> d;
    for (auto& v : a) v = d(gen);
    for (auto& v : b) v = d(gen);
    const double ob = gflops(m, n, k, [&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n);
    });
    std::printf("{\"shape\": \"%d x %d x %d\", \"engine\": \"OpenBLAS (%s kernels)\", \"gflops\": %.1f}\n", m, n, k,
                openblas_get_corename(), ob);
#ifdef XGRAD_WITH_ONEDNN
    const double dn = gflops(m, n, k, [&] { dnnl_sgemm('N', 'N', m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n); });
    std::printf("{\"shape\": \"%d x %d x %d\", \"engine\": \"oneDNN (%s kernels)\", \"gflops\": %.1f}\n", m, n, k, isa, dn);
#endif
  }
  std::printf("{\"auto\": \"%s\"}\n", xg::sgemm_engine_name().c_str());
}
