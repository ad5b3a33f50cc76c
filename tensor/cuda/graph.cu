// xg::cuda::Graph: the GPU work of a stretch of host code (a training step), captured from
// xgrad's stream into a CUDA graph and replayed with one launch. The capture's state lives
// here: its device, its private memory pool (tensor/cuda/allocator.cpp), its scratch words and
// the refreshers that compute, before every replay, what its kernels read from them
// (tensor/cuda/capture.h). One capture at a time in the process, on cuda:0 (v1 computes there).
#include <cuda_runtime.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

#include <xgrad/cuda.h>
#include <xgrad/detail/format.h>

#include "tensor/checked.h"
#include "tensor/cuda/capture.h"
#include "tensor/cuda/check.h"
#include "tensor/cuda/runtime.h"

namespace xg {

struct detail::gpu::GraphState {
  int device = 0;
  bool capturing = false;
  cudaGraphExec_t exec = nullptr;
  std::uint64_t pool = 0;  // the private pool's id (0: none)
  std::vector<std::function<void(detail::gpu::ReplayWriter&)>> refreshers;
  std::vector<std::pair<void*, std::size_t>> scratch;
};

namespace detail::gpu {

namespace {

struct CaptureState {
  std::mutex mutex;  // guards `graph` (the device word is read without it)
  std::atomic<int> device{-1};
  GraphState* graph = nullptr;
};

CaptureState& state() {
  static CaptureState* s = new CaptureState;  // never destroyed: graphs die at exit too
  return *s;
}

// The writes of one replay, carried to the device in kernel arguments (copied at launch, so
// the next replay's values cannot overwrite a queued copy's source).
constexpr int kSegments = 48;
constexpr int kBytes = 3072;
struct WriteBatch {
  unsigned char* dst[kSegments];
  std::uint16_t begin[kSegments];
  std::uint16_t length[kSegments];
  int count;
  unsigned char data[kBytes];
};
static_assert(sizeof(WriteBatch) < 4000, "kernel arguments over 4 KiB");

__global__ void write_batch(const WriteBatch b) {
  for (int s = 0; s < b.count; ++s)
    for (int i = threadIdx.x; i < b.length[s]; i += blockDim.x) b.dst[s][i] = b.data[b.begin[s] + i];
}

class BatchWriter final : public ReplayWriter {
 public:
  BatchWriter(cudaStream_t stream, const char* op) : stream_(stream), op_(op) {}
  void write(void* dst, const void* src, std::size_t bytes) override {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* p = static_cast<const unsigned char*>(src);
    while (bytes > 0) {
      if (batch_.count == kSegments || used_ == kBytes) flush();
      const std::size_t n = std::min<std::size_t>(bytes, static_cast<std::size_t>(kBytes - used_));
      batch_.dst[batch_.count] = d;
      batch_.begin[batch_.count] = static_cast<std::uint16_t>(used_);
      batch_.length[batch_.count] = static_cast<std::uint16_t>(n);
      ++batch_.count;
      std::memcpy(batch_.data + used_, p, n);
      used_ += static_cast<int>(n);
      d += n;
      p += n;
      bytes -= n;
    }
  }
  void flush() {
    if (batch_.count == 0) return;
    write_batch<<<1, 256, 0, stream_>>>(batch_);
    launched(op_);
    batch_.count = 0;
    used_ = 0;
  }

 private:
  cudaStream_t stream_;
  const char* op_;
  WriteBatch batch_{};
  int used_ = 0;
};

// After cudaStreamEndCapture: no capture under way any more, allocations back to the cache.
void forget_capture(GraphState& g) noexcept {
  CaptureState& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.graph = nullptr;
  s.device.store(-1);
  end_private_pool();
  g.capturing = false;
}

// Ends the capture under way on `g` without keeping it (an error inside the captured code, or
// reset() during a capture). Never throws.
void abandon_capture(GraphState& g) noexcept {
  cudaGraph_t graph = nullptr;
  cudaStreamEndCapture(stream(g.device), &graph);
  if (graph) cudaGraphDestroy(graph);
  cudaGetLastError();
  forget_capture(g);
}

// Gives back everything the graph holds: its executable, scratch words and private pool.
void release_graph(GraphState& g) noexcept {
  if (g.capturing) abandon_capture(g);
  if (g.exec) cudaGraphExecDestroy(g.exec);  // a replay in flight completes first (CUDA frees it then)
  g.exec = nullptr;
  for (const auto& [block, bytes] : g.scratch) release(block, bytes, g.device);
  g.scratch.clear();
  g.refreshers.clear();
  if (g.pool) release_private_pool(g.pool);
  g.pool = 0;
}

GraphState& active(const char* op) {
  CaptureState& s = state();
  if (!s.graph) fail(op, ": internal error: no CUDA graph capture is under way");
  return *s.graph;
}

}  // namespace

int capturing_device() { return state().device.load(std::memory_order_relaxed); }

void refuse_in_capture(const char* op, const char* what) {
  if (!capturing()) return;
  fail(op, ": ", what, " inside a CUDA graph capture: a captured step cannot wait for the GPU or read host memory "
       "(nothing has run yet, and a replay would not repeat it); move inputs to the GPU before capturing and read "
       "results after replay() (docs/design.md, \"CUDA graphs\")");
}

void before_each_replay(std::function<void(ReplayWriter&)> refresh) {
  CaptureState& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  active("before_each_replay").refreshers.push_back(std::move(refresh));
}

void* capture_scratch(std::size_t nbytes, const char* op) {
  CaptureState& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  GraphState& g = active(op);
  void* block = allocate(nbytes, g.device, op);  // from the capture's private pool: cudaMalloc's alignment
  g.scratch.emplace_back(block, nbytes);
  return block;
}

}  // namespace detail::gpu

namespace cuda {

Graph::Graph() : impl_(std::make_unique<detail::gpu::GraphState>()) {}
Graph::~Graph() {
  if (impl_) detail::gpu::release_graph(*impl_);
}
Graph::Graph(Graph&& other) noexcept = default;
Graph& Graph::operator=(Graph&& other) noexcept {
  if (this != &other) {
    if (impl_) detail::gpu::release_graph(*impl_);
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void Graph::capture_begin() {
  using namespace detail::gpu;
  const char* op = "xg::cuda::Graph::capture_begin";
  if (!is_available()) fail(op, ": CUDA is not available (", unavailable_reason(), ")");
  if (!impl_) impl_ = std::make_unique<detail::gpu::GraphState>();
  if (impl_->capturing) fail(op, ": this graph's capture is already under way; call capture_end() first");
  if (impl_->exec) fail(op, ": this graph already holds a capture; call reset() before capturing again");
  GraphState& g = *impl_;
  g.device = resolve(Device(kCUDA)).index();
  const cudaStream_t s = stream(g.device);
  CaptureState& st = state();
  std::lock_guard<std::mutex> lock(st.mutex);
  if (st.graph) fail(op, ": another graph's capture is under way (one capture at a time in this version)");
  check(cudaSetDevice(g.device), op);
  g.pool = begin_private_pool(g.device);
  // Thread-local: potentially unsafe CUDA calls of this thread (a synchronisation, a legacy
  // copy) invalidate the capture, so capture_end reports them; other threads are not affected.
  const cudaError_t err = cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal);
  if (err != cudaSuccess) {
    end_private_pool();
    release_private_pool(g.pool);
    g.pool = 0;
    check(err, op);
  }
  g.capturing = true;
  st.graph = &g;
  st.device.store(g.device);
}

void Graph::capture_end() {
  using namespace detail::gpu;
  const char* op = "xg::cuda::Graph::capture_end";
  if (!impl_ || !impl_->capturing) fail(op, ": no capture under way on this graph; call capture_begin() first");
  GraphState& g = *impl_;
  cudaGraph_t graph = nullptr;
  const cudaError_t err = cudaStreamEndCapture(stream(g.device), &graph);
  forget_capture(g);
  if (err != cudaSuccess || !graph) {
    cudaGetLastError();
    if (graph) cudaGraphDestroy(graph);
    release_graph(g);
    fail(op, ": the capture was invalidated (CUDA error ", cudaGetErrorName(err), ": ", cudaGetErrorString(err),
         "): something inside it asked CUDA for work a graph cannot hold, such as a synchronisation, a copy "
         "through pageable host memory, or a library's first use (cuBLAS makes its handle then); run the step "
         "once before capturing it");
  }
  const cudaError_t made = cudaGraphInstantiate(&g.exec, graph, 0);
  cudaGraphDestroy(graph);
  if (made != cudaSuccess) {
    g.exec = nullptr;
    release_graph(g);
    check(made, op);
  }
}

void Graph::replay() {
  using namespace detail::gpu;
  const char* op = "xg::cuda::Graph::replay";
  if (!impl_ || !impl_->exec)
    fail(op, ": nothing captured; capture_begin(), the work, then capture_end() first");
  if (capturing()) fail(op, ": a capture is under way; replay after capture_end()");
  GraphState& g = *impl_;
  check(cudaSetDevice(g.device), op);
  const cudaStream_t s = stream(g.device);
  BatchWriter writer(s, op);
  for (auto& refresh : g.refreshers) refresh(writer);  // in capture order
  writer.flush();
  check(cudaGraphLaunch(g.exec, s), op);
  launched(op);
}

void Graph::reset() {
  if (impl_) detail::gpu::release_graph(*impl_);
}

bool Graph::captured() const { return impl_ && impl_->exec; }

bool is_current_stream_capturing() { return detail::gpu::capturing(); }

}  // namespace cuda
}  // namespace xg
