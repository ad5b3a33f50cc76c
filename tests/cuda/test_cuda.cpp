// CUDA tensors, first part (issue 20): memory, copies, moves and what waits for the GPU.
// Every test needs a CUDA device and skips, saying why, without one (CI has none; the GPU
// check, scripts/gpu-check.sh, runs them on the H200).
#include <cstdio>
#include <cstring>
#include <sstream>

#include "cuda/cuda_util.h"

using xg::test::expect_same_bits;

TEST(CudaTensors, RoundTripsKeepEveryBit) {
  XG_REQUIRE_CUDA();
  xg::manual_seed(7);
  for (const std::int64_t n : {0, 1, 7, 1000, 10000000}) {
    const auto f = xg::randn({n}), d = xg::randn({n}, xg::kFloat64), i = xg::randint(-1000, 1000, {n});
    for (const auto& x : {f, d, i}) {
      const auto g = x.to(xg::kCUDA);
      EXPECT_TRUE(g.is_cuda());
      EXPECT_EQ(g.device(), xg::Device("cuda:0"));
      const auto back = g.to(xg::kCPU);
      EXPECT_TRUE(back.is_cpu());
      if (x.dtype() == xg::kFloat32) expect_same_bits<float>(x, back);
      if (x.dtype() == xg::kFloat64) expect_same_bits<double>(x, back);
      if (x.dtype() == xg::kInt64) expect_same_bits<std::int64_t>(x, back);
      expect_same_bits<double>(g.clone().to(xg::kCPU).to(xg::kFloat64), x.to(xg::kFloat64));  // device to device
    }
  }
}

TEST(CudaTensors, CreationOnTheDeviceGivesTheCpuValues) {
  XG_REQUIRE_CUDA();
  const xg::Device gpu = xg::kCUDA;
  expect_same_bits<float>(xg::zeros({3, 4}, gpu).cpu(), xg::zeros({3, 4}));
  expect_same_bits<double>(xg::full({5}, 2.5, xg::dtype(xg::kFloat64).device(gpu)).cpu(), xg::full({5}, 2.5, xg::kFloat64));
  expect_same_bits<std::int64_t>(xg::arange(10.0, gpu).cpu(), xg::arange(10.0));
  expect_same_bits<float>(xg::eye(3, gpu).cpu(), xg::eye(3));
}

TEST(CudaRandom, TheCudaGeneratorIsPhiloxAndACpuPhiloxDrawsTheSameBits) {
  XG_REQUIRE_CUDA();
  const xg::Device gpu = xg::kCUDA;
  xg::manual_seed(3);  // seeds the CPU and the CUDA generator
  const auto u = xg::rand({1000}, gpu), n = xg::randn({1000}, xg::dtype(xg::kFloat64).device(gpu));
  const auto k = xg::randint(0, 10, {1000}, gpu);
  const auto big = xg::randint(-(1LL << 62), 1LL << 62, {1000}, gpu);  // low < 0, a span past 2^62
  const auto u64 = xg::rand({1000}, xg::dtype(xg::kFloat64).device(gpu)), n32 = xg::randn({1000}, gpu);
  EXPECT_TRUE(u.is_cuda());
  xg::Generator host(3, xg::kPhilox);
  {
    xg::GeneratorGuard use(host);
    expect_same_bits<float>(u.cpu(), xg::rand({1000}));
    // Normals use the device's log and cos (CUDA's are within 1-2 ulp of glibc's): to 1e-14.
    const auto n_cpu = xg::randn({1000}, xg::kFloat64).to_vector<double>(), n_gpu = n.cpu().to_vector<double>();
    for (std::size_t i = 0; i < n_cpu.size(); ++i) EXPECT_NEAR(n_gpu[i], n_cpu[i], 1e-14 * (1 + std::abs(n_cpu[i]))) << i;
    expect_same_bits<std::int64_t>(k.cpu(), xg::randint(0, 10, {1000}));
    expect_same_bits<std::int64_t>(big.cpu(), xg::randint(-(1LL << 62), 1LL << 62, {1000}));
    expect_same_bits<double>(u64.cpu(), xg::rand({1000}, xg::kFloat64));
    const auto m_cpu = xg::randn({1000}).to_vector<float>(), m_gpu = n32.cpu().to_vector<float>();
    for (std::size_t i = 0; i < m_cpu.size(); ++i) EXPECT_NEAR(m_gpu[i], m_cpu[i], 1e-6f * (1 + std::abs(m_cpu[i]))) << i;
  }
  // The CPU's own stream is untouched by CUDA draws: mt19937_64 from seed 3.
  xg::manual_seed(3);
  const auto a = xg::rand({4}, xg::kFloat64).to_vector<double>();
  xg::manual_seed(3);
  (void)xg::rand({4}, gpu);
  EXPECT_EQ(xg::rand({4}, xg::kFloat64).to_vector<double>(), a);
  // A guard's Philox generator draws CUDA tensors too; an mt19937_64 one cannot.
  xg::Generator mine(9, xg::kPhilox), again(9, xg::kPhilox);
  xg::Tensor on_gpu;
  {
    xg::GeneratorGuard use(mine);
    on_gpu = xg::rand({64}, gpu);
  }
  xg::GeneratorGuard use(again);
  expect_same_bits<float>(on_gpu.cpu(), xg::rand({64}));
  xg::Generator mt(9);
  xg::GeneratorGuard use_mt(mt);
  EXPECT_XG_ERROR(xg::rand({2}, gpu), "rand: a tensor on cuda", "Philox", "xg::kPhilox");
}

// Draws are made on the GPU (tensor/cuda/random.cu): no copy from the host, so neither a
// draw nor dropout waits, and a dropout mask equals the CPU Philox generator's.
TEST(CudaRandom, DrawsAndDropoutWaitForNothing) {
  XG_REQUIRE_CUDA();
  const auto x = xg::ones({256, 64}, xg::kCUDA).requires_grad_();
  xg::cuda::synchronize();
  xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kError);
  const auto before = xg::cuda::host_wait_count();
  xg::cuda::manual_seed(11);
  const auto u = xg::rand({1000}, xg::kCUDA);
  const auto y = xg::dropout(x, 0.25, true);
  y.sum().backward();
  EXPECT_EQ(xg::cuda::host_wait_count(), before);
  xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kOff);
  xg::Generator host(11, xg::kPhilox);
  xg::GeneratorGuard use(host);
  (void)xg::rand({1000});  // the same offsets as on the GPU
  const auto y_cpu = xg::dropout(xg::ones({256, 64}), 0.25, true);
  expect_same_bits<float>(y.cpu(), y_cpu);
  expect_same_bits<float>(x.grad().cpu(), y_cpu);  // the mask, scaled, is the gradient
}

TEST(CudaRandom, InPlaceFillsDrawOnTheDeviceAsACpuPhiloxGeneratorDoes) {
  XG_REQUIRE_CUDA();
  // exponential_, cauchy_, log_normal_, geometric_ and random_ draw from the CUDA generator
  // and transform on the device: a CPU Philox generator with the seed gives the same draws,
  // so the same values to the transforms' rounding (the integers exactly).
  xg::manual_seed(9);
  const auto on_gpu = xg::TensorOptions(xg::kFloat64).device(xg::kCUDA);
  auto g = xg::empty({1000}, on_gpu);
  const auto e = g.exponential_(2.0).cpu(), c = g.cauchy_(1.0, 0.5).cpu(), l = g.log_normal_(0.0, 0.5).cpu();
  const auto geo = g.geometric_(0.3).cpu();
  auto k = xg::empty({1000}, xg::TensorOptions(xg::kInt64).device(xg::kCUDA));
  const auto r = k.random_(-3, 9).cpu();
  EXPECT_TRUE(g.is_cuda() && k.is_cuda());
  xg::Generator host(9, xg::kPhilox);
  xg::GeneratorGuard use(host);
  auto h = xg::empty({1000}, xg::kFloat64);
  EXPECT_TRUE(xg::allclose(h.exponential_(2.0), e, 1e-12, 1e-14));
  EXPECT_TRUE(xg::allclose(h.cauchy_(1.0, 0.5), c, 1e-10, 1e-12));
  EXPECT_TRUE(xg::allclose(h.log_normal_(0.0, 0.5), l, 1e-12, 1e-14));
  EXPECT_TRUE(xg::allclose(h.geometric_(0.3), geo, 0, 0));
  expect_same_bits<std::int64_t>(xg::empty({1000}, xg::kInt64).random_(-3, 9), r);
}

TEST(CudaRandom, CudaManualSeedRestartsOnlyTheCudaStream) {
  XG_REQUIRE_CUDA();
  xg::cuda::manual_seed(5);
  const auto a = xg::randn({10}, xg::kCUDA).cpu();
  xg::cuda::manual_seed(5);
  expect_same_bits<float>(xg::randn({10}, xg::kCUDA).cpu(), a);
}

TEST(CudaTensors, CreationLikeKeepsTheDevice) {
  XG_REQUIRE_CUDA();
  const xg::Device gpu = xg::kCUDA;
  const auto x = xg::ones({2, 2}, xg::kFloat64).to(gpu);
  EXPECT_TRUE(xg::zeros_like(x).is_cuda());  // *_like keep the device
  EXPECT_TRUE(xg::zeros({2}, xg::device(gpu).requires_grad(true)).requires_grad());
}

TEST(CudaTensors, ToIsDifferentiableToEveryOrder) {
  XG_REQUIRE_CUDA();
  auto x = xg::tensor({1.0, -2.0, 3.0}, xg::kFloat64).requires_grad_();
  const auto y = x.to(xg::kCUDA).to(xg::kCPU);  // the values go there and back
  EXPECT_EQ(y.grad_fn_name(), "ToBackward");
  (y * y).sum().backward();
  EXPECT_TRUE(xg::test::values_near(x.grad(), {2.0, -4.0, 6.0}, 0));
  const auto f = [](const xg::tensor_list& in) { return in[0].to(xg::kCUDA).to(xg::kCPU) * in[0]; };
  EXPECT_TRUE(xg::gradcheck(f, {xg::randn({4}, xg::dtype(xg::kFloat64).requires_grad(true))}));
  EXPECT_TRUE(xg::gradgradcheck(f, {xg::randn({4}, xg::dtype(xg::kFloat64).requires_grad(true))}));
}

TEST(CudaTensors, ItemToVectorAtAndPrintingWaitAndShowTheValues) {
  XG_REQUIRE_CUDA();
  const auto g = xg::tensor({{1.5, 2.5}, {3.5, 4.5}}, xg::kCUDA);
  EXPECT_EQ(g.at({1, 0}), 3.5);
  EXPECT_EQ(g.to_vector<double>(), (std::vector<double>{1.5, 2.5, 3.5, 4.5}));
  EXPECT_EQ(xg::full({}, 7.0, xg::kCUDA).item(), 7.0);
  std::ostringstream os;
  os << g;
  EXPECT_NE(os.str().find("device=cuda:0"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("4.5"), std::string::npos) << os.str();
}

TEST(CudaTensors, AnOperationWithoutCudaKernelsSaysSoAndTheProcessGoesOn) {
  XG_REQUIRE_CUDA();
  const auto g = xg::ones({3}, xg::kCUDA);
  EXPECT_XG_ERROR(g + g, "not available for tensors on cuda:0 yet", ".to(xg::kCPU)");
  EXPECT_XG_ERROR(xg::matmul(xg::ones({2, 2}, xg::kCUDA), xg::ones({2, 2}, xg::kCUDA)), "matmul", "cuda:0");
  EXPECT_XG_ERROR(g.data<float>(), "not available for tensors on cuda:0 yet");
  EXPECT_EQ(g.cpu().sum().item(), 3.0);  // moved back, everything works
}

TEST(CudaMemory, StatisticsFollowTheTensorsAndDoNotGrow) {
  XG_REQUIRE_CUDA();
  xg::cuda::synchronize();
  const std::size_t before = xg::cuda::memory_allocated();
  {
    const auto g = xg::empty({1 << 20}, xg::kCUDA);  // 4 MiB: a whole number of 2 MiB blocks
    EXPECT_EQ(xg::cuda::memory_allocated(), before + (4u << 20));
    EXPECT_GE(xg::cuda::max_memory_allocated(), before + (4u << 20));
    EXPECT_GE(xg::cuda::memory_reserved(), xg::cuda::memory_allocated());
  }
  EXPECT_EQ(xg::cuda::memory_allocated(), before);
  const auto step = [] {  // a training loop's repeated sizes
    const auto a = xg::ones({1000}, xg::kCUDA);
    const auto b = a.clone();
  };
  step();  // the first time, the blocks come from the driver
  const std::size_t reserved = xg::cuda::memory_reserved();
  for (int i = 0; i < 2000; ++i) step();
  EXPECT_EQ(xg::cuda::memory_allocated(), before);
  EXPECT_EQ(xg::cuda::memory_reserved(), reserved);  // then from the cache: no growth
  xg::cuda::empty_cache();
  EXPECT_EQ(xg::cuda::memory_reserved(), xg::cuda::memory_allocated());
}

TEST(CudaMemory, OutOfMemorySaysWhatWasAskedAndTheProcessGoesOn) {
  XG_REQUIRE_CUDA();
  const std::size_t limit = xg::allocation_limit();
  xg::set_allocation_limit(std::size_t(1) << 50);  // past the host's memory: let the device refuse
  EXPECT_XG_ERROR(xg::empty({std::int64_t(1) << 42}, xg::kCUDA), "CUDA out of memory on cuda:0: asked for",
                  "MiB free of");
  xg::set_allocation_limit(limit);
  EXPECT_EQ(xg::ones({4}, xg::kCUDA).cpu().sum().item(), 4.0);
}

TEST(CudaModules, MoveInPlaceSaveAndLoad) {
  XG_REQUIRE_CUDA();
  xg::manual_seed(1);
  xg::nn::Linear layer(4, 3);
  const auto W = layer.W;
  const auto values = W.clone();
  xg::optim::SGD opt(layer.parameters(), 0.1);
  layer.to(xg::kCUDA);
  EXPECT_TRUE(layer.W.is_same(W));  // the same handle: the optimizer still holds it
  EXPECT_TRUE(W.is_cuda());
  EXPECT_TRUE(opt.param_groups()[0].params[0].is_cuda());
  expect_same_bits<float>(W.cpu(), values);
  const std::string path = ::testing::TempDir() + "cuda_layer.npz";
  xg::save(layer, path);  // the same .npz as a CPU model's
  xg::nn::Linear other(4, 3);
  other.to(xg::kCUDA);
  xg::load(other, path);
  EXPECT_TRUE(other.W.is_cuda());
  expect_same_bits<float>(other.W.cpu(), values);
  std::remove(path.c_str());
  layer.to(xg::kCPU);
  expect_same_bits<float>(layer.W, values);
}

TEST(CudaWaits, TheDocumentedWaitsAreCountedAndPassTheErrorMode) {
  XG_REQUIRE_CUDA();
  xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kError);
  const auto before = xg::cuda::host_wait_count();
  auto host = xg::tensor({1.0, 2.0}, xg::kFloat64);
  const auto x = host.to(xg::kCUDA);  // host to device: staged through pinned memory, no wait
  host.fill_(7.0);                    // the source may change or go away at once
  EXPECT_EQ(xg::cuda::host_wait_count(), before);
  const auto y = x.clone();  // device to device: no wait
  EXPECT_EQ(xg::cuda::host_wait_count(), before);
  EXPECT_EQ(y.at({1}), 2.0);
  EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{1.0, 2.0}));
  EXPECT_TRUE(x.cpu().is_cpu());
  xg::cuda::synchronize();
  EXPECT_EQ(xg::cuda::host_wait_count(), before + 4);
  xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kOff);
}

// Host-to-device copies go through a 64 MiB pinned ring: many small ones and a large one
// (chunked through it, wrapping several times) arrive intact, in order, and without a wait
// until the ring is full of copies the GPU has not made.
TEST(CudaWaits, HostToDeviceCopiesThroughTheRingArriveIntact) {
  XG_REQUIRE_CUDA();
  std::vector<xg::Tensor> sent;
  for (int i = 0; i < 300; ++i) sent.push_back(xg::full({1000}, i, xg::kFloat64).to(xg::kCUDA));
  const auto big = xg::test::seeded({5, 1 << 22}, xg::kFloat64, 9);  // 160 MiB
  const auto big_gpu = big.to(xg::kCUDA);
  for (int i = 0; i < 300; ++i)
    EXPECT_EQ(sent[static_cast<std::size_t>(i)].cpu().to_vector<double>(), std::vector<double>(1000, i)) << i;
  expect_same_bits<double>(big_gpu.cpu(), big);
}

TEST(CudaWaits, ABatchSentWhileAStepRunsDoesNotWaitForIt) {
  XG_REQUIRE_CUDA();
  const auto a = xg::randn({2048, 2048}, xg::kCUDA);
  const auto batch = xg::randn({256, 784});
  xg::cuda::synchronize();
  xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kError);
  const auto before = xg::cuda::host_wait_count();
  xg::Tensor c = a;
  for (int i = 0; i < 20; ++i) c = xg::matmul(c, a) * 1e-3;  // a few milliseconds queued
  const auto sent = batch.to(xg::kCUDA);                       // queued behind them, no wait
  const auto labels = xg::tensor({1.0, 2.0, 3.0}, xg::kInt64).to(xg::kCUDA);
  EXPECT_EQ(xg::cuda::host_wait_count(), before);
  xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kOff);
  expect_same_bits<float>(sent.cpu(), batch);
  EXPECT_EQ(labels.cpu().to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 2, 3}));
}

TEST(CudaOptimizers, LoadedStateLandsOnTheParametersDevice) {
  XG_REQUIRE_CUDA();
  auto w = xg::ones({3}, xg::kFloat64).requires_grad_();
  xg::optim::Adam cpu_opt({w}, xg::optim::AdamOptions(0.1));
  (w * w).sum().backward();
  cpu_opt.step();  // state m, v and step on the CPU
  const auto saved = cpu_opt.state_dict();
  auto v = xg::ones({3}, xg::kFloat64).to(xg::kCUDA).detach().requires_grad_();
  xg::optim::Adam gpu_opt({v}, xg::optim::AdamOptions(0.1));
  gpu_opt.load_state_dict(saved);
  int on_gpu = 0;
  for (const auto& [key, t] : gpu_opt.state_dict()) {
    if (key.find(".m") != std::string::npos || key.find(".v") != std::string::npos) {
      EXPECT_TRUE(t.is_cuda()) << key;
      ++on_gpu;
    }
  }
  EXPECT_EQ(on_gpu, 2);
}
