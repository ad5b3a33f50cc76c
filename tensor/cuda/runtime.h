// Private: what the rest of tensor/ asks of the CUDA runtime (device memory, copies). No
// CUDA header here; tensor/cuda/runtime.cpp and allocator.cpp implement it with the CUDA
// runtime, tensor/cuda/unavailable.cpp for a build without it (where no CUDA tensor can
// exist: detail::check_device refuses them first).
#pragma once

#include <cstddef>
#include <cstdint>

#include <xgrad/device.h>

namespace xg::detail::gpu {

/// The device a "cuda" without an index means (cuda:0 in this version); other devices as given.
Device resolve(Device device);
/// `nbytes` of device memory on cuda:`index` from the caching allocator (null for 0 bytes);
/// out of memory is an xg::Error naming `op` with what was asked, in use and cached.
void* allocate(std::size_t nbytes, int index, const char* op);
/// Gives a block back to the cache (or to the driver under XGRAD_CUDA_NO_CACHE=1).
void release(void* block, std::size_t nbytes, int index) noexcept;
/// A CUDA graph capture's private pool (tensor/cuda/allocator.cpp): after begin, blocks
/// allocated on cuda:`index` belong to it, until end; release hands its free blocks back to the
/// device's cache when its graph dies (blocks still in tensors follow when they are freed).
std::uint64_t begin_private_pool(int index);
void end_private_pool() noexcept;
void release_private_pool(std::uint64_t id) noexcept;
/// A host-to-device copy that does not wait (tensor/cuda/staging.cpp): `src` is copied into
/// pinned memory now and sent from there in the device's stream order. False when no pinned
/// memory could be had (the caller copies and waits instead).
bool stage_to_device(void* dst, const void* src, std::size_t nbytes, int device, const char* op);
/// Copies `nbytes` from `src` on `from` to `dst` on `to` (host to device, device to host or
/// device to device) in the device's stream order; returns when `dst` holds them if `to` is
/// the CPU (the only copies that wait for the GPU; host to device goes through pinned staging).
void copy(void* dst, Device to, const void* src, Device from, std::size_t nbytes, const char* op);

}  // namespace xg::detail::gpu
