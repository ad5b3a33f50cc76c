// The fused optimizer update on a GPU: one launch for up to kMaxFusedTargets parameters of one
// device and dtype (PyTorch's multi-tensor apply, in its simplest form). The parameters'
// pointers, sizes and Adam's per-parameter step sizes travel in the kernel's arguments (under
// the 4 KiB every CUDA version takes); each parameter gets its own run of blocks, and a block
// finds its parameter in the table of first blocks. The per-element rule is
// tensor/update_rules.h, the CPU's text.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "tensor/cuda/capture.h"
#include "tensor/cuda/check.h"
#include "tensor/cuda/entry_count.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/launch.h"
#include "tensor/tensor_impl.h"
#include "tensor/update_rules.h"

namespace xg::detail::gpu {

namespace {

constexpr int kThreads = 256;
constexpr int kMax = kernel::kMaxFusedTargets;
// Blocks per parameter: enough to fill the GPU for a large one; a grid-stride loop covers the rest.
constexpr std::int64_t kMaxBlocksPerTarget = 1024;

template <class T>
struct Table {
  T* p[kMax];
  const T* g[kMax];
  T* s0[kMax];
  T* s1[kMax];
  T* s2[kMax];
  std::int64_t n[kMax];
  T step[kMax];
  T bc2[kMax];
  int first_block[kMax + 1];  // parameter j's blocks are [first_block[j], first_block[j + 1])
  int count;
};
static_assert(sizeof(Table<double>) + sizeof(update::Constants<double>) < 4000, "kernel arguments over 4 KiB");

template <kernel::UpdateRule R, update::Decay D, class T>
__device__ void fused_body(const update::Constants<T>& c, const Table<T>& table) {
  int j = 0;
  while (j + 1 < table.count && table.first_block[j + 1] <= static_cast<int>(blockIdx.x)) ++j;
  const std::int64_t blocks = table.first_block[j + 1] - table.first_block[j];
  const std::int64_t n = table.n[j];
  T* p = table.p[j];
  const T* g = table.g[j];
  T* s0 = table.s0[j];
  T* s1 = table.s1[j];
  T* s2 = table.s2[j];
  for (std::int64_t i = (blockIdx.x - table.first_block[j]) * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += blocks * blockDim.x) {
    T unused0 = 0, unused1 = 0, unused2 = 0;  // the buffers a rule does not keep
    update::element<R, D, T>(c, p[i], g[i], s0 ? s0[i] : unused0, s1 ? s1[i] : unused1, s2 ? s2[i] : unused2,
                             table.step[j], table.bc2[j]);
  }
}

// Eager: the table and constants in the kernel's arguments.
template <kernel::UpdateRule R, update::Decay D, class T>
__global__ void fused_kernel(const update::Constants<T> c, const Table<T> table) {
  fused_body<R, D, T>(c, table);
}

// Captured: read from device memory that a refresher rewrites before every replay.
template <kernel::UpdateRule R, update::Decay D, class T>
__global__ void fused_kernel_at(const update::Constants<T>* c, const Table<T>* table) {
  fused_body<R, D, T>(*c, *table);
}

// Where the kernel's arguments come from: by value, or from device memory (a capture).
template <class T>
struct Source {
  const update::Constants<T>* c;
  const Table<T>* table;
  const update::Constants<T>* c_dev = nullptr;
  const Table<T>* table_dev = nullptr;
};

template <kernel::UpdateRule R, update::Decay D, class T>
void launch_one(const Source<T>& src, unsigned blocks, cudaStream_t s) {
  if (src.table_dev)
    fused_kernel_at<R, D, T><<<blocks, kThreads, 0, s>>>(src.c_dev, src.table_dev);
  else
    fused_kernel<R, D, T><<<blocks, kThreads, 0, s>>>(*src.c, *src.table);
}

template <kernel::UpdateRule R, class T>
void launch_decay(const kernel::UpdateHyper& h, const Source<T>& src, unsigned blocks, cudaStream_t s) {
  using update::Decay;
  switch (update::decay_of(h)) {
    case Decay::None: return launch_one<R, Decay::None, T>(src, blocks, s);
    case Decay::Coupled: return launch_one<R, Decay::Coupled, T>(src, blocks, s);
    case Decay::Decoupled: return launch_one<R, Decay::Decoupled, T>(src, blocks, s);
  }
}

template <class T>
void launch_rule(const kernel::UpdateHyper& h, const Source<T>& src, unsigned blocks, cudaStream_t s) {
  using kernel::UpdateRule;
  switch (h.rule) {
    case UpdateRule::SGD: return launch_decay<UpdateRule::SGD, T>(h, src, blocks, s);
    case UpdateRule::SGDMomentum: return launch_decay<UpdateRule::SGDMomentum, T>(h, src, blocks, s);
    case UpdateRule::Nesterov: return launch_decay<UpdateRule::Nesterov, T>(h, src, blocks, s);
    case UpdateRule::AdaGrad: return launch_decay<UpdateRule::AdaGrad, T>(h, src, blocks, s);
    case UpdateRule::RMSprop: return launch_decay<UpdateRule::RMSprop, T>(h, src, blocks, s);
    case UpdateRule::AdaDelta: return launch_decay<UpdateRule::AdaDelta, T>(h, src, blocks, s);
    case UpdateRule::Adam: return launch_decay<UpdateRule::Adam, T>(h, src, blocks, s);
    case UpdateRule::AdamTextbook: return launch_decay<UpdateRule::AdamTextbook, T>(h, src, blocks, s);
    case UpdateRule::AdamAMSGrad: return launch_decay<UpdateRule::AdamAMSGrad, T>(h, src, blocks, s);
    case UpdateRule::AdamAMSGradTextbook: return launch_decay<UpdateRule::AdamAMSGradTextbook, T>(h, src, blocks, s);
  }
}

// The table of `count` targets (pointers, sizes, Adam's step sizes) and its number of blocks.
template <class T>
Table<T> make_table(const kernel::UpdateHyper& h, const kernel::UpdateTarget* targets, std::size_t count, int* blocks) {
  Table<T> table{};
  table.count = static_cast<int>(count);
  *blocks = 0;
  for (int j = 0; j < table.count; ++j) {
    const kernel::UpdateTarget& t = targets[j];
    table.p[j] = dptr<T>(*t.param);
    table.g[j] = dptr<T>(*t.grad);
    table.s0[j] = update::buffers(h.rule) > 0 ? dptr<T>(*t.state[0]) : nullptr;
    table.s1[j] = update::buffers(h.rule) > 1 ? dptr<T>(*t.state[1]) : nullptr;
    table.s2[j] = update::buffers(h.rule) > 2 ? dptr<T>(*t.state[2]) : nullptr;
    table.n[j] = t.param->numel();
    table.step[j] = static_cast<T>(t.step);
    table.bc2[j] = static_cast<T>(t.bc2);
    table.first_block[j] = *blocks;
    *blocks += static_cast<int>(std::min<std::int64_t>(std::max<std::int64_t>((table.n[j] + kThreads - 1) / kThreads, 1),
                                                       kMaxBlocksPerTarget));
  }
  table.first_block[table.count] = *blocks;
  return table;
}

}  // namespace

void fused_update(const kernel::UpdateHyper& h, const std::vector<kernel::UpdateTarget>& targets, const char* op) {
  XG_GPU_ENTRY(fused_update);
  const Tensor& first = *targets[0].param;
  const cudaStream_t s = on(first, op);
  dispatch_float(first.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    int blocks = 0;
    const Table<T> table = make_table<T>(h, targets.data(), targets.size(), &blocks);
    const update::Constants<T> c = update::constants<T>(h);
    launch_rule<T>(h, Source<T>{&c, &table}, static_cast<unsigned>(blocks), s);
    launched(op);
  });
}

CapturedUpdate fused_update_captured(const kernel::UpdateHyper& h, const kernel::UpdateTarget* targets,
                                     std::size_t count, const char* op) {
  XG_GPU_ENTRY(fused_update_captured);
  const Tensor& first = *targets[0].param;
  const cudaStream_t s = on(first, op);
  CapturedUpdate refresh;
  dispatch_float(first.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    int blocks = 0;
    const Table<T> table = make_table<T>(h, targets, count, &blocks);
    // Table, then the constants, in one block of the graph's memory (16-byte aligned parts).
    const std::size_t table_bytes = (sizeof(Table<T>) + 15) / 16 * 16;
    auto* block = static_cast<unsigned char*>(capture_scratch(table_bytes + sizeof(update::Constants<T>), op));
    auto* table_dev = reinterpret_cast<Table<T>*>(block);
    auto* c_dev = reinterpret_cast<update::Constants<T>*>(block + table_bytes);
    launch_rule<T>(h, Source<T>{nullptr, nullptr, c_dev, table_dev}, static_cast<unsigned>(blocks), s);
    launched(op);
    // Before each replay: this replay's step sizes and constants (pointers and sizes as captured).
    refresh = [table, table_dev, c_dev](const kernel::UpdateHyper& now, const kernel::UpdateTarget* t, ReplayWriter& w) {
      Table<T> fresh = table;
      for (int j = 0; j < fresh.count; ++j) {
        fresh.step[j] = static_cast<T>(t[j].step);
        fresh.bc2[j] = static_cast<T>(t[j].bc2);
      }
      const update::Constants<T> c = update::constants<T>(now);
      w.write(table_dev, &fresh, sizeof fresh);
      w.write(c_dev, &c, sizeof c);
    };
  });
  return refresh;
}

}  // namespace xg::detail::gpu
