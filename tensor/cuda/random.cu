// Random draws on a GPU: element i of a draw at the generator's (seed, offset) is
// f(philox(seed, offset + i)), the very function the CPU's Philox fill computes
// (tensor/philox.h is compiled for both), so a CUDA draw equals a CPU draw of a generator in
// the same state bit for bit (normals to an ulp of the device's log and cos). Made where the
// tensor lives: no host buffer, no copy, no wait (dropout in a training step included).
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "tensor/checked.h"
#include "tensor/cuda/check.h"
#include "tensor/cuda/entry_count.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/launch.h"
#include "tensor/philox.h"
#include "tensor/tensor_impl.h"

namespace xg::detail::gpu {

namespace {

constexpr int kThreads = 256;

template <class T>
__global__ void philox_kernel(T* out, std::int64_t n, PhiloxDraw draw, std::uint64_t seed, std::uint64_t offset,
                              std::uint64_t span, std::int64_t low, const std::uint64_t* words) {
  if (words) {  // a captured draw: this replay's state, written before the graph's launch
    seed = words[0];
    offset = words[1];
  }
  XG_GRID_LOOP(i, n) {
    const philox::Words r = philox::at(seed, offset + static_cast<std::uint64_t>(i));
    if (draw == PhiloxDraw::kUniform) {  // rand's values, as tensor/random.cpp writes them
      if constexpr (std::is_same_v<T, float>) out[i] = philox::uniform_float(r);
      else out[i] = static_cast<T>(philox::uniform_double(r));
    } else if (draw == PhiloxDraw::kNormal) {
      out[i] = static_cast<T>(philox::normal(r));
    } else {  // randint: low + below(span), in unsigned arithmetic (no signed overflow)
      out[i] = static_cast<T>(static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + philox::below(r, span)));
    }
  }
}

}  // namespace

void philox_fill(Tensor& out, PhiloxDraw draw, std::uint64_t seed, std::uint64_t offset, std::uint64_t span,
                 std::int64_t low, const std::uint64_t* words) {
  XG_GPU_ENTRY(philox_fill);
  const char* op = call_or("rand");
  const cudaStream_t s = on(out, op);
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    philox_kernel<T><<<grid_for(out.numel(), kThreads), kThreads, 0, s>>>(dptr<T>(out), out.numel(), draw, seed,
                                                                            offset, span, low, words);
  });
  launched(op);
}

}  // namespace xg::detail::gpu
