// Private: XG_HOST_DEVICE marks a function written once for the host and, compiled in a .cu
// file, for the GPU too (the per-element rules: tensor/*_rules.h, philox.h, resample_taps.h).
#pragma once

#if defined(__CUDACC__)
#define XG_HOST_DEVICE __host__ __device__ inline
#else
#define XG_HOST_DEVICE inline
#endif
