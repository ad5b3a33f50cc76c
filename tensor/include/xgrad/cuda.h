// xg::cuda: is there a GPU, and the device-wide calls libtorch users know (torch::cuda::*).
// Present in every build; in a build without CUDA, is_available() is false and says why.
// No CUDA header is reachable from here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace xg::detail::gpu {
struct GraphState;  // tensor/cuda/graph.cu
}  // namespace xg::detail::gpu

namespace xg::cuda {

/// True when this build has the CUDA backend and the machine has a driver and a device.
bool is_available();
/// Why is_available() is false: "built without CUDA", "no CUDA driver (...)", "no CUDA
/// device"; empty when it is true.
std::string unavailable_reason();
/// CUDA devices this process can use (0 when is_available() is false).
int device_count();
/// Waits until all work queued on the GPU has finished (an xg::Error without CUDA).
void synchronize();
/// Seeds the CUDA generators; ignored without CUDA, as libtorch's (xg::manual_seed seeds
/// every device).
void manual_seed(std::uint64_t seed);
/// Bytes of device memory held by tensors now / at most since the start (an xg::Error
/// without CUDA).
std::size_t memory_allocated();
std::size_t max_memory_allocated();
/// Bytes the caching allocator holds from the driver, in use or cached for reuse.
std::size_t memory_reserved();
/// Returns cached, unused device memory to the driver (nothing to do without CUDA).
void empty_cache();

/// What happens when the host waits for a GPU inside an operation that is not documented to
/// wait (the documented ones: item, at, to_vector, printing, saving, to(kCPU), synchronize;
/// README "On a GPU"). PyTorch's torch.cuda.set_sync_debug_mode, with its three levels; the
/// environment variable XGRAD_CUDA_SYNC_DEBUG=warn|error sets it at start-up.
enum class SyncDebugMode : std::uint8_t { kOff, kWarn, kError };
void set_sync_debug_mode(SyncDebugMode mode);
SyncDebugMode get_sync_debug_mode();
/// How many times this process has waited for a GPU (every copy to or from host memory and
/// every synchronize): a test counts the waits of a training step with it. 0 without CUDA.
std::uint64_t host_wait_count();
/// How many kernels and library calls (cuBLAS) this process has queued on a GPU: a benchmark
/// reports launches per training step with it (each costs host time). 0 without CUDA.
std::uint64_t launch_count();

/// Whether float32 matrix products on a GPU (matmul, linear, convolution through im2col) may
/// use TF32 tensor cores: about 10 bits of mantissa in the products' inputs, sums in float32.
/// Off by default, as PyTorch's torch.backends.cuda.matmul.allow_tf32 (libtorch's
/// at::globalContext().setAllowTF32CuBLAS); float64 is never affected. Takes effect at the
/// next product on every thread; settable in every build.
void set_allow_tf32(bool allow);
bool allow_tf32();

/// A CUDA graph (libtorch's at::cuda::CUDAGraph, torch.cuda.CUDAGraph): the GPU work that the
/// host queues between capture_begin() and capture_end() is recorded, not run, and replay()
/// runs all of it with one launch, without the host's per-operation cost. The rules (docs/
/// design.md, "CUDA graphs"): run the work once before capturing it (libraries make their
/// handles and workspaces on first use, which a capture cannot hold); inside the capture
/// nothing may wait for the GPU or copy from host memory (item(), to(kCPU), creating a CUDA
/// tensor from host values, a DataLoader batch: each is an xg::Error naming the operation);
/// replays read and write the very tensors the capture used, so copy new inputs into those
/// (copy_) before replay() and read results from the captured outputs after it. Memory
/// allocated during the capture comes from the graph's private pool and serves nothing else
/// while the graph lives. Random draws (dropout) take new numbers on every replay, from the
/// CUDA generator's offsets as eager draws would; the built-in optimizers (fused, the
/// default) read their learning rate and Adam's step counts at each replay, so a scheduler and
/// zero_grad() between replays work as in eager steps. One capture at a time, on cuda:0. In a
/// build or on a machine without CUDA, capture_begin() throws saying why.
class Graph {
 public:
  Graph();
  ~Graph();
  Graph(Graph&&) noexcept;
  Graph& operator=(Graph&&) noexcept;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  /// Starts capturing xgrad's stream on this thread.
  void capture_begin();
  /// Ends the capture and makes it replayable; an xg::Error if CUDA invalidated it.
  void capture_end();
  /// Runs the captured work once more (asynchronously, as any GPU operation).
  void replay();
  /// Forgets the capture and gives back its memory; the graph can capture again.
  void reset();
  /// Whether a capture is held (capture_end() succeeded and reset() has not been called).
  bool captured() const;

 private:
  std::unique_ptr<detail::gpu::GraphState> impl_;
};

/// Whether a Graph capture is under way (torch.cuda.is_current_stream_capturing).
bool is_current_stream_capturing();

}  // namespace xg::cuda
