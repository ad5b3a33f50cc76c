// What the CUDA tests share: the skip without a device, and comparisons with the CPU.
#pragma once

#include <cmath>
#include <cstring>
#include <functional>

#include <xgrad/detail/format.h>

#include "test_util.h"

#define XG_REQUIRE_CUDA()                                                                     \
  do {                                                                                        \
    if (!xg::cuda::is_available()) GTEST_SKIP() << "CUDA is not available: " << xg::cuda::unavailable_reason(); \
  } while (0)

namespace xg::test {

template <class T>
void expect_same_bits(const xg::Tensor& a, const xg::Tensor& b) {
  ASSERT_EQ(a.shape(), b.shape());
  ASSERT_EQ(a.dtype(), b.dtype());
  const auto va = a.to_vector<T>(), vb = b.to_vector<T>();
  ASSERT_EQ(va.size(), vb.size());
  for (std::size_t i = 0; i < va.size(); ++i)
    if (std::memcmp(&va[i], &vb[i], sizeof(T)) != 0) FAIL() << "element " << i << " differs: " << va[i] << " vs " << vb[i];
}

/// The same network built twice by `build` (which seeds itself), the second moved to the GPU:
/// the pair each training-parity test compares step by step.
template <class Build>
void build_on_cpu_and_gpu(xg::nn::Sequential& cpu, xg::nn::Sequential& gpu, Build build) {
  build(cpu);
  build(gpu);
  gpu.to(xg::kCUDA);
}

/// Values from their own seed (standard normals; int64 in [-50, 50)), on the CPU: a test's
/// inputs do not depend on what other tests drew.
inline xg::Tensor seeded(const xg::Shape& shape, xg::Dtype dtype, std::uint64_t seed) {
  xg::Generator g(seed);
  xg::GeneratorGuard use(g);
  return dtype == xg::kInt64 ? xg::randint(-50, 50, shape) : xg::randn(shape, dtype);
}

/// |gpu - cpu| <= rtol * (1 + |cpu|) elementwise, same shape, dtype and NaN positions; the
/// GPU result comes back to the host for the comparison. rtol 0: the same bits.
inline ::testing::AssertionResult matches_cpu(const xg::Tensor& gpu, const xg::Tensor& cpu, double rtol) {
  if (!gpu.is_cuda()) return ::testing::AssertionFailure() << "the result is on " << gpu.device().str() << ", not on CUDA";
  if (gpu.shape() != cpu.shape() || gpu.dtype() != cpu.dtype())
    return ::testing::AssertionFailure() << "shape or dtype differs";
  if (cpu.dtype() == xg::kInt64) {  // exactly: float64 holds no more than 53 bits of an int64
    const auto g = gpu.cpu().to_vector<std::int64_t>(), c = cpu.to_vector<std::int64_t>();
    for (std::size_t i = 0; i < g.size(); ++i)
      if (g[i] != c[i]) return ::testing::AssertionFailure() << "element " << i << ": " << g[i] << " on CUDA, " << c[i] << " on the CPU";
    return ::testing::AssertionSuccess();
  }
  const auto g = gpu.cpu().to(xg::kFloat64).to_vector<double>(), c = cpu.to(xg::kFloat64).to_vector<double>();
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(g[i]) && std::isnan(c[i])) continue;
    if (rtol == 0 ? std::memcmp(&g[i], &c[i], sizeof(double)) != 0 : !(std::fabs(g[i] - c[i]) <= rtol * (1 + std::fabs(c[i]))))
      return ::testing::AssertionFailure() << "element " << i << ": " << g[i] << " on CUDA, " << c[i] << " on the CPU";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace xg::test
