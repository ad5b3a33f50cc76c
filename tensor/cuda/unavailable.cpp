// xg::cuda in a build without the CUDA backend: nothing is available, and the calls that
// need a device say why.
#include <xgrad/detail/format.h>

#include <xgrad/cuda.h>
#include <xgrad/error.h>

#include "tensor/checked.h"
#include "tensor/cuda/capture.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/runtime.h"

namespace xg::detail::gpu {
struct GraphState {};
}  // namespace xg::detail::gpu

namespace xg::cuda {

namespace {
[[noreturn]] void unavailable(const char* op) {
  fail("xg::cuda::", op, ": CUDA is not available (built without CUDA)");
}
}  // namespace

bool is_available() { return false; }
std::string unavailable_reason() { return "built without CUDA"; }
int device_count() { return 0; }
void synchronize() { unavailable("synchronize"); }
std::size_t memory_allocated() { unavailable("memory_allocated"); }
std::size_t max_memory_allocated() { unavailable("max_memory_allocated"); }
std::size_t memory_reserved() { unavailable("memory_reserved"); }
void empty_cache() {}
std::uint64_t launch_count() { return 0; }

Graph::Graph() = default;
Graph::~Graph() = default;
Graph::Graph(Graph&&) noexcept = default;
Graph& Graph::operator=(Graph&&) noexcept = default;
void Graph::capture_begin() { unavailable("Graph::capture_begin"); }
void Graph::capture_end() { unavailable("Graph::capture_end"); }
void Graph::replay() { unavailable("Graph::replay"); }
void Graph::reset() {}
bool Graph::captured() const { return false; }
bool is_current_stream_capturing() { return false; }

}  // namespace xg::cuda

// No CUDA tensor can exist in this build (detail::check_device refuses the device first):
// reaching these is a bug, said as such.
namespace xg::detail::gpu {
Device resolve(Device device) { return device.is_cpu() ? Device(kCPU) : device; }
void* allocate(std::size_t, int, const char* op) { fail(op, ": internal error: device memory in a build without CUDA"); }
void release(void*, std::size_t, int) noexcept {}
void copy(void*, Device, const void*, Device, std::size_t, const char* op) {
  fail(op, ": internal error: a device copy in a build without CUDA");
}
std::uint64_t begin_private_pool(int) { return 0; }
void end_private_pool() noexcept {}
void release_private_pool(std::uint64_t) noexcept {}
int capturing_device() { return -1; }
void refuse_in_capture(const char*, const char*) {}
void before_each_replay(std::function<void(ReplayWriter&)>) { fail("before_each_replay: internal error: no capture in a build without CUDA"); }
void* capture_scratch(std::size_t, const char* op) { fail(op, ": internal error: no capture in a build without CUDA"); }

[[noreturn]] static void no_kernels() { fail(call_or("tensor"), ": internal error: a CUDA kernel in a build without CUDA"); }
void binary(kernel::Binary, Tensor&, const Tensor&, const Tensor&) { no_kernels(); }
void axpy(Tensor&, const Tensor&, double) { no_kernels(); }
void iota(Tensor&, double, double) { no_kernels(); }
void philox_fill(Tensor&, PhiloxDraw, std::uint64_t, std::uint64_t, std::uint64_t, std::int64_t, const std::uint64_t*) {
  no_kernels();
}
void fused_update(const kernel::UpdateHyper&, const std::vector<kernel::UpdateTarget>&, const char*) { no_kernels(); }
CapturedUpdate fused_update_captured(const kernel::UpdateHyper&, const kernel::UpdateTarget*, std::size_t, const char*) {
  no_kernels();
}
void resample(Tensor&, const Tensor&, std::int64_t, std::int64_t, const taps::Rule&) { no_kernels(); }
void resample_adjoint(Tensor&, const Tensor&, std::int64_t, std::int64_t, const taps::Rule&) { no_kernels(); }
void lstm_cell_forward(Tensor&, Tensor&, Tensor&, const Tensor&, const Tensor&) { no_kernels(); }
void lstm_cell_backward(Tensor&, Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&) {
  no_kernels();
}
void gru_cell_forward(Tensor&, Tensor&, const Tensor&, const Tensor&, const Tensor&) { no_kernels(); }
void gru_cell_backward(Tensor&, Tensor&, Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&) {
  no_kernels();
}
void unary(kernel::Unary, Tensor&, const Tensor&) { no_kernels(); }
void pow_scalar(Tensor&, const Tensor&, double) { no_kernels(); }
void polygamma(Tensor&, const Tensor&, int) { no_kernels(); }
void leaky_relu(Tensor&, const Tensor&, double) { no_kernels(); }
void gelu(Tensor&, const Tensor&, bool) { no_kernels(); }
void cumsum(Tensor&, const Tensor&, std::int64_t, std::int64_t, std::int64_t, bool) { no_kernels(); }
void cumprod(Tensor&, const Tensor&, std::int64_t, std::int64_t, std::int64_t) { no_kernels(); }
void sort_indices(Tensor&, const Tensor&, std::int64_t, std::int64_t, std::int64_t, bool) { no_kernels(); }
void logcumsumexp(Tensor&, const Tensor&, std::int64_t, std::int64_t, std::int64_t, bool) { no_kernels(); }
void logcumsumexp_backward(Tensor&, const Tensor&, const Tensor&, const Tensor&, std::int64_t, std::int64_t, std::int64_t,
                           bool) {
  no_kernels();
}
void running_extreme_indices(Tensor&, const Tensor&, std::int64_t, std::int64_t, std::int64_t, bool) { no_kernels(); }
void searchsorted(Tensor&, const Tensor&, const Tensor&, std::int64_t, std::int64_t, std::int64_t, bool) {
  no_kernels();
}
void gelu_backward(Tensor&, const Tensor&, const Tensor&, bool) { no_kernels(); }
void layer_norm_forward(kernel::LayerNormOut&, const Tensor&, std::int64_t, const Tensor&, const Tensor&, double) {
  no_kernels();
}
void layer_norm_backward(kernel::LayerNormGrads&, const Tensor&, std::int64_t, const Tensor&, const Tensor&,
                         const Tensor&) {
  no_kernels();
}
void clamp(Tensor&, const Tensor&, double, double) { no_kernels(); }
void in_range_mask(Tensor&, const Tensor&, double, double) { no_kernels(); }
void where(Tensor&, const Tensor&, const Tensor&, const Tensor&) { no_kernels(); }
void cast(Tensor&, const Tensor&) { no_kernels(); }
void gemm(Tensor&, const Tensor&, const Tensor&, bool, bool, std::int64_t, std::int64_t, std::int64_t, std::int64_t) {
  no_kernels();
}
void linear(Tensor&, const Tensor&, const Tensor&, const Tensor&, bool) { no_kernels(); }
void gemm_strided(const GemmArgs&, const Tensor&, std::int64_t, const Tensor&, std::int64_t, double, Tensor&, std::int64_t) {
  no_kernels();
}
void reduce(kernel::Reduce, Tensor&, const Tensor&, const std::vector<bool>&) { no_kernels(); }
void arg_reduce(bool, Tensor&, const Tensor&, const std::vector<bool>&) { no_kernels(); }
void along_lines(int, Tensor&, const Tensor&, std::int64_t) { no_kernels(); }
void cross_entropy_loss(Tensor&, const Tensor&, const Tensor&) { no_kernels(); }
void cross_entropy_backward(Tensor&, const Tensor&, const Tensor&, const Tensor&, double) { no_kernels(); }
void mark_first_out_of_range(void*, const Tensor&, std::int64_t, const char*) { no_kernels(); }
void keep_first_out_of_range(void*, const void*, const Tensor&, const char*) { no_kernels(); }
void check_range_later(const Tensor&, std::int64_t, std::function<void(std::int64_t, std::int64_t)>, const char*) {
  no_kernels();
}
void raise_pending_checks(const char*) {}
bool all_finite(const Tensor&) { no_kernels(); }
void strided_copy(Tensor&, const Tensor&, const Shape&) { no_kernels(); }
void concat(Tensor&, const tensor_list&, std::int64_t) { no_kernels(); }
void split(tensor_list&, const Tensor&, std::int64_t) { no_kernels(); }
void narrow(Tensor&, const Tensor&, std::int64_t, std::int64_t) { no_kernels(); }
void index_select(Tensor&, const Tensor&, std::int64_t, const Tensor&) { no_kernels(); }
void index_add(Tensor&, std::int64_t, const Tensor&, const Tensor&) { no_kernels(); }
void gather(Tensor&, const Tensor&, std::int64_t, const Tensor&) { no_kernels(); }
void scatter_add(Tensor&, std::int64_t, const Tensor&, const Tensor&) { no_kernels(); }
void scatter_reduce(Tensor&, std::int64_t, const Tensor&, const Tensor&, kernel::Reduce, bool) { no_kernels(); }
void one_hot(Tensor&, const Tensor&, std::int64_t) { no_kernels(); }
void conv2d_forward(Tensor&, const Tensor&, const Tensor&, const Tensor&, const kernel::ConvGeom&) { no_kernels(); }
void conv2d_input_grad(Tensor&, const Tensor&, const Tensor&, const kernel::ConvGeom&) { no_kernels(); }
void conv2d_weight_grad(Tensor&, const Tensor&, const Tensor&, const kernel::ConvGeom&) { no_kernels(); }
void im2col(Tensor&, const Tensor&, const kernel::ConvGeom&) { no_kernels(); }
void col2im(Tensor&, const Tensor&, const kernel::ConvGeom&) { no_kernels(); }
void max_pool2d(Tensor&, Tensor&, const Tensor&, const kernel::ConvGeom&) { no_kernels(); }
void box_argmax(Tensor&, const Tensor&, const std::vector<kernel::BoxAxis>&) { no_kernels(); }
void embed(Tensor&, const Tensor&, const std::vector<std::int64_t>&, double) { no_kernels(); }
void window_average(Tensor&, const Tensor&, const kernel::PoolWindows&) { no_kernels(); }
void window_average_adjoint(Tensor&, const Tensor&, const kernel::PoolWindows&) { no_kernels(); }
}  // namespace xg::detail::gpu
