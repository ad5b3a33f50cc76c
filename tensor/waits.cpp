// The host's waits for a GPU: a count, and the sync-debug mode that finds the implicit ones.
// Device-agnostic (a build without CUDA simply never waits), so the rule is tested on the CPU.
#include <xgrad/detail/format.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <xgrad/cuda.h>

#include "tensor/checked.h"
#include "tensor/waits.h"

namespace xg {

namespace {

std::atomic<std::uint64_t> g_waits{0};

cuda::SyncDebugMode mode_from_environment() {
  const char* v = std::getenv("XGRAD_CUDA_SYNC_DEBUG");
  if (!v || !*v || std::strcmp(v, "0") == 0 || std::strcmp(v, "off") == 0) return cuda::SyncDebugMode::kOff;
  if (std::strcmp(v, "warn") == 0 || std::strcmp(v, "1") == 0) return cuda::SyncDebugMode::kWarn;
  if (std::strcmp(v, "error") == 0 || std::strcmp(v, "2") == 0) return cuda::SyncDebugMode::kError;
  std::cerr << "xgrad: XGRAD_CUDA_SYNC_DEBUG='" << v << "' is not off, warn or error; ignored\n";
  return cuda::SyncDebugMode::kOff;
}

std::atomic<cuda::SyncDebugMode>& mode() {
  static std::atomic<cuda::SyncDebugMode> m{mode_from_environment()};
  return m;
}

}  // namespace

void cuda::set_sync_debug_mode(SyncDebugMode m) { mode().store(m); }
cuda::SyncDebugMode cuda::get_sync_debug_mode() { return mode().load(); }
std::uint64_t cuda::host_wait_count() { return g_waits.load(); }

// The waiting calls: reading values on the host (item, at, to_vector, printing through
// them), saving, moving to the CPU, synchronize. Calls that copy host values to a GPU
// (tensor, scalar_tensor, tril_indices / triu_indices, randperm's shuffle, loading into a CUDA model, a DataLoader batch of
// a data set on a GPU: its indices) stay on the list: their copies are staged without a wait
// (tensor/cuda/staging.cpp), but wait for back-pressure when the GPU is a whole pinned ring
// behind. Constants, ranges and random draws are made on the GPU and wait for nothing, so they
// are not on the list: a wait inside them would be a bug. multinomial and bernoulli read their
// probabilities' range on the host before drawing, and gaussian_nll_loss its variances' sign
// (PyTorch's checks), so they wait, as ctc_loss reads its lengths and targets (PyTorch reads
// the lengths on the host too); nonzero and masked_select size their result by the mask,
// and embedding_bag's max mode sizes its (bags, longest bag, dim) gather by the longest bag;
// bincount, histc (without a range) and unique size their results by the data.
// The LAPACK-backed linalg functions compute on the host (tensor/lapack.cpp); LBFGS reads
// the loss and its dot products to steer each iteration, as PyTorch's does.
bool detail::is_documented_wait(const char* call) {
  static const char* const kList[] = {
      "item", "at", "to_vector", "to", "cpu", "Module::to", "save", "save_npz", "save_checkpoint", "load",
      "resume", "xg::cuda::synchronize", "tensor", "tril_indices", "triu_indices", "randperm", "scalar_tensor", "DataLoader::sample",
      "multinomial", "bernoulli", "gaussian_nll_loss", "ctc_loss", "nonzero", "masked_select", "embedding_bag", "bincount", "histc", "unique", "unique_consecutive", "linalg.inv", "linalg.det",
      "linalg.slogdet", "logdet", "linalg.solve", "linalg.solve_triangular", "linalg.cholesky", "linalg.eigh",
      "linalg.eigvalsh", "LBFGS::step"};
  for (const char* name : kList)
    if (std::strcmp(call, name) == 0) return true;
  return false;
}

void detail::note_host_wait(const char* op) {
  g_waits.fetch_add(1, std::memory_order_relaxed);
  const auto m = mode().load(std::memory_order_relaxed);
  if (m == cuda::SyncDebugMode::kOff) return;
  const char* call = current_call();  // the user's operation, if an entry point named itself
  if (!call) call = op;
  if (is_documented_wait(call)) return;
  const std::string what = cat(call, ": waited for the GPU (", op,
                               " inside it): an implicit wait, found by the sync-debug mode; only item, at, "
                               "to_vector, printing, saving, to(kCPU) and xg::cuda::synchronize should wait");
  if (m == cuda::SyncDebugMode::kError) fail(what);
  std::cerr << "xgrad warning: " << what << "\n";
}

}  // namespace xg
