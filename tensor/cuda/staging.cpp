// Host-to-device copies without a wait (issue 21, "data to the GPU without waiting"): the bytes
// are copied on the host into a ring of pinned memory, and the copy to the device is queued
// from there (cudaMemcpyAsync from pinned memory returns at once), with an event marking when
// the GPU has read that stretch of the ring. The caller's memory is free to go as soon as
// stage_to_device returns, and the host runs ahead: a batch sent while the previous training
// step still runs overlaps it. The host waits only when the ring is full of copies the GPU has
// not made yet (back-pressure), on the oldest one.
//
// Before this, every host-to-device copy synchronised the stream, so sending a batch waited
// for the whole previous step (PyTorch's pin_memory + non_blocking=True, made the default).
#include <cuda_runtime_api.h>

#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "tensor/cuda/check.h"
#include "tensor/cuda/runtime.h"
#include "tensor/waits.h"

namespace xg::detail::gpu {

namespace {

constexpr std::size_t kRingBytes = std::size_t{64} << 20;
constexpr std::size_t kChunk = kRingBytes / 4;  // a larger copy goes through in chunks
constexpr std::size_t kAlign = 256;

struct Span {
  std::size_t begin, end;
  cudaEvent_t done;  // recorded after the copy that reads [begin, end)
};

struct Ring {
  std::mutex mutex;
  char* base = nullptr;  // pinned; never freed (process lifetime, as the streams)
  bool unavailable = false;
  std::size_t head = 0;
  std::deque<Span> in_flight;  // oldest first; sequential in the ring, so the oldest is reused first
  std::vector<cudaEvent_t> spare;
};

Ring& ring() {
  static Ring* r = new Ring;
  return *r;
}

// Retires the oldest copy if the GPU has made it, or, when `wait` (a stretch it precedes is
// needed now), after waiting for it.
bool retire_front(Ring& r, bool wait, const char* op) {
  Span& s = r.in_flight.front();
  if (cudaEventQuery(s.done) != cudaSuccess) {
    cudaGetLastError();  // cudaErrorNotReady is not an error to keep
    if (!wait) return false;
    check_wait(cudaEventSynchronize(s.done), op);
    note_host_wait(op);  // back-pressure: the GPU is behind by a whole ring of copies
  }
  r.spare.push_back(s.done);
  r.in_flight.pop_front();
  return true;
}

// Whether the oldest copy in flight reads [begin, end). The stretches are handed out in ring
// order, so the oldest is the next one a new stretch can reach (see stage_chunk's wrap).
bool front_overlaps(const Ring& r, std::size_t begin, std::size_t end) {
  const Span& s = r.in_flight.front();
  return s.begin < end && begin < s.end;
}

// One stretch of at most kChunk bytes (the lock held).
void stage_chunk(Ring& r, void* dst, const void* src, std::size_t nbytes, cudaStream_t stream, const char* op) {
  const std::size_t size = (nbytes + kAlign - 1) / kAlign * kAlign;
  if (r.head + size > kRingBytes) {
    // Wrap. Copies still in flight in the tail this lap skips are a lap older than the rest:
    // retire them now, so that the oldest copy is again the next stretch ahead of the head.
    while (!r.in_flight.empty() && r.in_flight.front().begin >= r.head) retire_front(r, true, op);
    r.head = 0;
  }
  while (!r.in_flight.empty() && retire_front(r, front_overlaps(r, r.head, r.head + size), op)) {
  }
  char* stretch = r.base + r.head;
  std::memcpy(stretch, src, nbytes);
  check(cudaMemcpyAsync(dst, stretch, nbytes, cudaMemcpyHostToDevice, stream), op);
  cudaEvent_t done = nullptr;
  if (!r.spare.empty()) {
    done = r.spare.back();
    r.spare.pop_back();
  } else {
    check(cudaEventCreateWithFlags(&done, cudaEventDisableTiming), op);
  }
  check(cudaEventRecord(done, stream), op);
  r.in_flight.push_back({r.head, r.head + size, done});
  r.head += size;
}

}  // namespace

bool stage_to_device(void* dst, const void* src, std::size_t nbytes, int device, const char* op) {
  Ring& r = ring();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.unavailable) return false;
  if (!r.base) {
    check(cudaSetDevice(device), op);
    void* p = nullptr;
    if (cudaHostAlloc(&p, kRingBytes, cudaHostAllocPortable) != cudaSuccess) {
      cudaGetLastError();
      r.unavailable = true;  // no pinned memory to be had: the copies wait, as before
      return false;
    }
    r.base = static_cast<char*>(p);
  }
  check(cudaSetDevice(device), op);
  const cudaStream_t s = stream(device);
  const auto* from = static_cast<const char*>(src);
  auto* to = static_cast<char*>(dst);
  for (std::size_t done = 0; done < nbytes; done += kChunk)
    stage_chunk(r, to + done, from + done, std::min(kChunk, nbytes - done), s, op);
  return true;
}

}  // namespace xg::detail::gpu
