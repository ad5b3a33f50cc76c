// xg::cuda in a build without the CUDA backend: nothing is available, and the calls that
// need a device say why.
#include <xgrad/detail/format.h>

#include <xgrad/cuda.h>
#include <xgrad/error.h>

#include "tensor/cuda/runtime.h"

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
}  // namespace xg::detail::gpu
