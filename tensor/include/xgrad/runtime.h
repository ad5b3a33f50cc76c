// Process-wide settings of the CPU runtime: the buffer cache, the allocation limit, threads,
// the float32 matrix-product engine. Included by tensor.h.
#pragma once

#include <cstddef>
#include <string>

namespace xg {

/// Frees the buffers this thread keeps for reuse (up to 256 MiB of tensors freed recently;
/// training loops reuse them every step instead of asking malloc again).
void release_cached_memory();

/// The largest single buffer (a tensor, a kernel's scratch) xgrad allocates, in bytes. A
/// request above it, computed from an operation's arguments (an output size, a hidden
/// size, a batch size), is an xg::Error naming the call before any work is done. Default
/// (and after `set_allocation_limit(0)`): this machine's physical memory.
void set_allocation_limit(std::size_t bytes);
std::size_t allocation_limit();

/// Sets the number of threads xgrad's kernels split their work over (matrix products,
/// convolutions, attention, and elementwise kernels, reductions, pooling, softmax and the
/// optimizers' updates above a measured size); default 1. Results are bit-identical for any
/// count (docs/design.md, "Threads").
void set_num_threads(int n);
int get_num_threads();

/// The library float32 matrix products run on, and with them linear layers, convolutions
/// and attention. float64 products always run on OpenBLAS.
enum class SgemmEngine { Auto, OpenBLAS, OneDNN };
/// Auto (the default, or what the environment's XGRAD_SGEMM=auto|openblas|onednn says):
/// oneDNN where this build has it and the CPU has AVX-512, OpenBLAS elsewhere (measured:
/// docs/design.md, "Matrix products"). OneDNN in a build without it is an xg::Error.
void set_sgemm_engine(SgemmEngine engine);
/// What float32 products run on now, kernels included: "OpenBLAS 0.3.21 (Haswell kernels)",
/// "oneDNN 2.6.3 (avx512_core kernels)".
std::string sgemm_engine_name();

/// What float32 convolutions on the CPU run on: oneDNN's direct convolution, or im2col and
/// a matrix product (conv3d: depth taps gathered as channels, then conv2d's). Auto (the
/// default, or XGRAD_CONV=auto|im2col|onednn): oneDNN where this build has it and oneDNN
/// offers a direct JIT kernel on this CPU, for every conv3d and for the 2-D convolutions
/// where it measured faster (8 or more input channels, or groups; not 1x1 pointwise ones);
/// im2col elsewhere
/// (docs/design.md, "Convolution on oneDNN"). conv1d, conv_transpose and the gradients
/// follow their convolution. float64 and GPU tensors never use it. OneDNN in a build without
/// it is an xg::Error.
enum class ConvEngine { Auto, Im2col, OneDNN };
void set_conv_engine(ConvEngine engine);

}  // namespace xg
