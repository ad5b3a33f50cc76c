// Devices and TensorOptions (libtorch's names and meanings), in every build: what works on the
// CPU, and the errors a device this process cannot use gives. Tests that need a GPU live with
// the CUDA backend and skip without one.
#include <sstream>

#include "test_util.h"

#include "tensor/checked.h"
#include "tensor/waits.h"

TEST(Device, ParsesPrintsAndCompares) {
  EXPECT_EQ(xg::Device("cpu"), xg::Device(xg::kCPU));
  EXPECT_EQ(xg::Device("cuda:1").index(), 1);
  EXPECT_TRUE(xg::Device("cuda:1").is_cuda());
  EXPECT_EQ(xg::Device("cuda").str(), "cuda");
  EXPECT_EQ(xg::Device(xg::kCUDA, 0).str(), "cuda:0");
  EXPECT_FALSE(xg::Device("cuda").has_index());
  EXPECT_NE(xg::Device("cuda"), xg::Device("cuda:0"));  // as libtorch: index -1 is not 0
  std::ostringstream os;
  os << xg::Device("cuda:2");
  EXPECT_EQ(os.str(), "cuda:2");
  const xg::Device implicit = xg::kCUDA;  // implicit from a DeviceType, as libtorch
  EXPECT_EQ(implicit.type(), xg::DeviceType::CUDA);
}

TEST(Device, RefusesSpecsThatAreNotDevices) {
  EXPECT_XG_ERROR(xg::Device("gpu"), "Device: 'gpu' is not a device (expected cpu, cuda or cuda:N)");
  EXPECT_XG_ERROR(xg::Device("cuda:"), "Device: 'cuda:' has no valid index");
  EXPECT_XG_ERROR(xg::Device("cuda:x1"), "'cuda:x1' has no valid index");
  EXPECT_XG_ERROR(xg::Device("cuda:99999999999"), "'cuda:99999999999' has no valid index");
  EXPECT_XG_ERROR(xg::Device(xg::kCUDA, -2), "Device: index -2 is negative");
  EXPECT_XG_ERROR(xg::Device("cpu:1"), "the CPU has no index 1");
}

TEST(TensorOptions, CreationTakesDtypeDeviceAndRequiresGrad) {
  const auto a = xg::zeros({2, 3}, xg::TensorOptions().dtype(xg::kFloat64).requires_grad(true));
  EXPECT_EQ(a.dtype(), xg::kFloat64);
  EXPECT_TRUE(a.requires_grad());
  EXPECT_TRUE(a.is_leaf());
  EXPECT_TRUE(a.is_cpu());
  EXPECT_FALSE(a.is_cuda());
  EXPECT_EQ(a.device(), xg::Device(xg::kCPU));
  // The spellings that compiled before, and libtorch's shorthands.
  EXPECT_EQ(xg::ones({2}, xg::kFloat64).dtype(), xg::kFloat64);
  EXPECT_EQ(xg::ones({2}, xg::kCPU).dtype(), xg::kFloat32);
  EXPECT_EQ(xg::full({2}, 3.0, xg::dtype(xg::kInt64)).to_vector<std::int64_t>(), (std::vector<std::int64_t>{3, 3}));
  EXPECT_TRUE(xg::randn({3}, xg::requires_grad()).requires_grad());
  EXPECT_EQ(xg::randn({3}, xg::device(xg::kCPU).dtype(xg::kFloat64)).dtype(), xg::kFloat64);
  // Each function's own default dtype stays when the options set none.
  EXPECT_EQ(xg::arange(4.0, xg::kCPU).dtype(), xg::kInt64);
  EXPECT_EQ(xg::randint(0, 3, {2}, xg::TensorOptions()).dtype(), xg::kInt64);
  EXPECT_EQ(xg::randperm(4, xg::kFloat64).dtype(), xg::kFloat64);
  EXPECT_EQ(xg::eye(2, xg::requires_grad()).sum().item(), 2.0);
  EXPECT_EQ(xg::tensor({{1, 2}}, xg::dtype(xg::kFloat64).requires_grad(true)).grad_fn_name(), "");
  // An integer tensor cannot require grad, whichever way it is asked.
  EXPECT_XG_ERROR(xg::zeros({2}, xg::dtype(xg::kInt64).requires_grad(true)), "int64");
}

TEST(TensorOptions, LikeFunctionsKeepTheInputsDtypeAndDeviceUnlessSet) {
  const auto x = xg::ones({2, 2}, xg::kFloat64);
  EXPECT_EQ(xg::zeros_like(x).dtype(), xg::kFloat64);
  EXPECT_EQ(xg::full_like(x, 2.0, xg::kFloat32).dtype(), xg::kFloat32);
  EXPECT_EQ(xg::rand_like(x).device(), x.device());
  EXPECT_TRUE(xg::randn_like(x, xg::requires_grad()).requires_grad());
  EXPECT_EQ(xg::ones_like(x, xg::kCPU).dtype(), xg::kFloat64);
}

TEST(Cuda, AvailabilityComesWithAReason) {
  if (xg::cuda::is_available()) {
    EXPECT_EQ(xg::cuda::unavailable_reason(), "");
    EXPECT_GE(xg::cuda::device_count(), 1);
    GTEST_SKIP() << "a CUDA device is present: the errors below are for machines without one";
  }
  EXPECT_FALSE(xg::cuda::unavailable_reason().empty());
  EXPECT_EQ(xg::cuda::device_count(), 0);
  const std::string why = xg::cuda::unavailable_reason();
  // Creation, moves and device calls name the operation, the device and the reason, before any work.
  EXPECT_XG_ERROR(xg::zeros({2}, xg::kCUDA), "zeros: cannot use cuda: CUDA is not available (" + why + ")");
  EXPECT_XG_ERROR(xg::randn({2}, xg::Device("cuda:0")), "randn: cannot use cuda:0: CUDA is not available");
  EXPECT_XG_ERROR(xg::arange(3.0, xg::device(xg::kCUDA)), "arange: cannot use cuda");
  EXPECT_XG_ERROR(xg::tensor({1, 2}, xg::kCUDA), "tensor: cannot use cuda");
  EXPECT_XG_ERROR(xg::empty({2}, xg::kCUDA), "empty: cannot use cuda");
  EXPECT_XG_ERROR(xg::ones({2}, xg::kCUDA), "ones: cannot use cuda");
  EXPECT_XG_ERROR(xg::full({2}, 1.0, xg::kCUDA), "full: cannot use cuda");
  EXPECT_XG_ERROR(xg::eye(2, xg::kCUDA), "eye: cannot use cuda");
  EXPECT_XG_ERROR(xg::scalar_tensor(1.0, xg::kCUDA), "scalar_tensor: cannot use cuda");
  EXPECT_XG_ERROR(xg::rand({2}, xg::kCUDA), "rand: cannot use cuda");
  EXPECT_XG_ERROR(xg::randint(0, 5, {2}, xg::kCUDA), "randint: cannot use cuda");
  EXPECT_XG_ERROR(xg::randperm(5, xg::kCUDA), "randperm: cannot use cuda");
  EXPECT_XG_ERROR(xg::zeros({std::int64_t(1) << 40}, xg::kCUDA), "zeros: cannot use cuda");  // before any work
  const auto x = xg::ones({2});
  EXPECT_XG_ERROR(x.to(xg::kCUDA), "to: cannot use cuda: CUDA is not available");
  EXPECT_XG_ERROR(x.cuda(), "to: cannot use cuda");
  EXPECT_XG_ERROR(x.to(xg::kCUDA, xg::kFloat64), "to: cannot use cuda");
  EXPECT_XG_ERROR(xg::zeros_like(x, xg::kCUDA), "zeros: cannot use cuda");
  EXPECT_XG_ERROR(xg::cuda::synchronize(), "xg::cuda::synchronize: CUDA is not available");
  EXPECT_XG_ERROR(xg::cuda::memory_allocated(), "xg::cuda::memory_allocated: CUDA is not available");
  xg::cuda::empty_cache();   // nothing cached: nothing to do
  xg::cuda::manual_seed(1);  // ignored without CUDA, as libtorch's
}

TEST(Cuda, TheUsualDeviceIdiomRuns) {
  // libtorch's `torch::Device device(torch::cuda::is_available() ? torch::kCUDA : torch::kCPU)`.
  const xg::Device device(xg::cuda::is_available() ? xg::kCUDA : xg::kCPU);
  auto x = xg::randn({4, 3}, xg::TensorOptions().device(device).requires_grad(true));
  EXPECT_EQ(x.device().type(), device.type());
  EXPECT_TRUE(x.to(device).is_same(x));  // already there: the same tensor
  EXPECT_TRUE(x.cpu().cpu().is_cpu());
  // Computed on the CPU (the CUDA kernels are issue 20's next steps); the gradient comes back.
  const auto z = x.cpu().to(xg::kFloat64);
  EXPECT_EQ(z.dtype(), xg::kFloat64);
  z.sum().backward();
  EXPECT_EQ(x.grad().device().type(), device.type());
  EXPECT_EQ(x.grad().cpu().sum().item(), 12.0);
  EXPECT_EQ(x.to(device, xg::kFloat32).device().type(), device.type());
}

TEST(Cuda, ModulesMoveInPlaceOrSayWhyNot) {
  xg::nn::Linear layer(3, 2);
  const auto weight = layer.W;
  layer.to(xg::Device(xg::kCPU));
  EXPECT_TRUE(layer.W.is_same(weight));
  layer.to(xg::Device("cpu:0"));  // the CPU under another name: nothing moves
  EXPECT_TRUE(layer.W.is_same(weight));
  layer.to(xg::kCPU, xg::kFloat64);
  EXPECT_EQ(layer.W.dtype(), xg::kFloat64);
  EXPECT_TRUE(layer.W.is_same(weight));  // the same handle, as to(Dtype) keeps it
  if (!xg::cuda::is_available()) EXPECT_XG_ERROR(layer.to(xg::kCUDA), "Module::to: cannot use cuda");
}

// The sync-debug rule is host logic: checked here on the CPU by calling the function every
// GPU copy and synchronize calls (tests/cuda/ counts real waits).
TEST(SyncDebug, ImplicitWaitsWarnOrFailAndDocumentedOnesPass) {
  ASSERT_EQ(xg::cuda::get_sync_debug_mode(), xg::cuda::SyncDebugMode::kOff);
  const auto before = xg::cuda::host_wait_count();
  xg::detail::note_host_wait("to");  // off: only counted
  EXPECT_EQ(xg::cuda::host_wait_count(), before + 1);
  xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kError);
  for (const char* call : {"item", "at", "to_vector", "to", "save", "xg::cuda::synchronize"}) {
    EXPECT_TRUE(xg::detail::is_documented_wait(call)) << call;
    EXPECT_NO_THROW(xg::detail::note_host_wait(call));  // the user's own call
  }
  {
    xg::detail::CallScope user("softmax_cross_entropy");  // an item() inside an operation
    EXPECT_XG_ERROR(xg::detail::note_host_wait("item"), "softmax_cross_entropy: waited for the GPU (item inside it)",
                    "implicit wait", "item, at, to_vector");
  }
  {
    xg::detail::CallScope user("save");  // saving reads values: documented
    EXPECT_NO_THROW(xg::detail::note_host_wait("save_npz"));
  }
  EXPECT_FALSE(xg::detail::is_documented_wait("add"));
  EXPECT_TRUE(xg::detail::is_documented_wait("embedding_bag"));  // max mode's longest bag
  EXPECT_FALSE(xg::detail::is_documented_wait("searchsorted"));   // bisection stays on the device
  EXPECT_TRUE(xg::detail::is_documented_wait("tril_indices"));    // host coordinates copied, as tensor's
  EXPECT_FALSE(xg::detail::is_documented_wait("mvlgamma"));       // its domain check waits for nothing
  xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kWarn);
  testing::internal::CaptureStderr();
  {
    xg::detail::CallScope user("backward");
    EXPECT_NO_THROW(xg::detail::note_host_wait("item"));
  }
  const std::string warned = testing::internal::GetCapturedStderr();
  EXPECT_NE(warned.find("xgrad warning: backward: waited for the GPU (item inside it)"), std::string::npos) << warned;
  xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kOff);
  EXPECT_EQ(xg::cuda::host_wait_count(), before + 10);  // every wait counted, refused or not
}

// A CUDA build opens cuBLAS on the first product on a GPU, never for CPU work: linked, it
// made every program 150 MB larger in resident memory at start-up (docs/design.md, Devices).
TEST(Cuda, CpuWorkDoesNotLoadCublas) {
  if (xg::test::library_mapped("libcublas")) GTEST_SKIP() << "an earlier test in this process ran a product on a GPU";
  auto x = xg::randn({64, 32}).requires_grad_();
  auto w = xg::randn({32, 16}).requires_grad_();
  xg::matmul(x, w).relu().sum().backward();
  EXPECT_EQ(w.grad().shape(), (xg::Shape{32, 16}));
  EXPECT_FALSE(xg::test::library_mapped("libcublas"));
}

TEST(Cuda, Tf32IsOffUntilAsked) {
  // Settable in every build, as PyTorch's flag; what it changes is tested on a GPU
  // (CudaLinalg.Tf32ChangesFloat32ProductsOnly).
  EXPECT_FALSE(xg::cuda::allow_tf32());
  xg::cuda::set_allow_tf32(true);
  EXPECT_TRUE(xg::cuda::allow_tf32());
  xg::cuda::set_allow_tf32(false);
  EXPECT_FALSE(xg::cuda::allow_tf32());
}
