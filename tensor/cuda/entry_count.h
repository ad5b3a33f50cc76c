// Private: how often each CUDA kernel entry point (tensor/cuda/kernels.h) has been called in
// this process, so a run of the CUDA tests can prove that every entry point ran on a GPU
// (scripts/gpu-check.sh: XGRAD_CUDA_ENTRY_REPORT=<file> writes the counts at exit, and
// scripts/cuda_entry_coverage.py compares them with the declarations). Every entry point's
// body starts with XG_GPU_ENTRY(name); a CPU test checks that none lacks it. No CUDA header.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace xg::detail::gpu {

/// One entry point's calls; made on its first call and never destroyed, so the report at exit
/// can still read it.
class EntryCounter {
 public:
  explicit EntryCounter(const char* name);
  void hit() { count_.fetch_add(1, std::memory_order_relaxed); }
  const char* name() const { return name_; }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  const char* name_;
  std::atomic<std::uint64_t> count_{0};
};

/// (name, calls) of every entry point called so far, sorted by name.
std::vector<std::pair<std::string, std::uint64_t>> entry_counts();

}  // namespace xg::detail::gpu

/// The first statement of every CUDA kernel entry point: one relaxed increment per call.
#define XG_GPU_ENTRY(name)                                                                  \
  static ::xg::detail::gpu::EntryCounter* const xg_gpu_entry_counter_ =                    \
      new ::xg::detail::gpu::EntryCounter(#name);                                          \
  xg_gpu_entry_counter_->hit()
