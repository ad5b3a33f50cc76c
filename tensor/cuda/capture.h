// Private: what the rest of tensor/ asks of a CUDA graph capture under way (xg::cuda::Graph,
// tensor/cuda/graph.cpp). No CUDA header here.
//
// A captured graph replays its kernels with the arguments they had at capture. What must
// change from one replay to the next (a random draw's Philox offset, an optimizer's learning
// rate and Adam's bias corrections) is therefore read by those kernels from device memory
// owned by the graph, and a host function registered at capture (a "refresher") computes the
// new values before every replay; the replay writes them all with one small kernel whose
// arguments carry them (kernel arguments are copied at launch, so no host buffer can change
// under a queued copy), then launches the graph.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace xg::detail::gpu {

/// The device index of the capture under way in this process, or -1 (one relaxed load).
int capturing_device();
inline bool capturing() { return capturing_device() >= 0; }

/// Throws xg::Error naming `op` when a capture is under way: the host cannot wait for the
/// GPU inside a capture (nothing has run yet), and a copy from host memory would be replayed
/// from whatever that memory holds then.
void refuse_in_capture(const char* op, const char* what);

/// Collects the bytes a replay writes into graph-owned device memory before launching.
class ReplayWriter {
 public:
  virtual ~ReplayWriter() = default;
  /// Queues `bytes` bytes from `src` (copied now) to device address `dst`.
  virtual void write(void* dst, const void* src, std::size_t bytes) = 0;
};

/// Registers, in the capture under way, a host function run before each replay in the order
/// of registration (so draws take the generator's offsets in capture order). Throws when no
/// capture is under way.
void before_each_replay(std::function<void(ReplayWriter&)> refresh);

/// `nbytes` of device memory owned by the graph being captured (freed with it), 16-byte
/// aligned; for the values the refreshers write.
void* capture_scratch(std::size_t nbytes, const char* op);

}  // namespace xg::detail::gpu
