// Range checks of labels and indices on a GPU without waiting for it (issue 20; REFERENCE-GPU.md
// d.5): each check's first bad position lands in a device word of a small table; the next wait
// for the GPU, which has to synchronise anyway, reads the table and raises the CPU's message
// for the first check that failed. Up to kSlots checks may be pending; one more makes the host
// wait for the table first (a bound, not the common case: every training step reads its loss).
#include <cuda_runtime_api.h>

#include <mutex>
#include <vector>

#include "tensor/checked.h"
#include "tensor/cuda/capture.h"
#include "tensor/cuda/check.h"
#include "tensor/cuda/entry_count.h"
#include "tensor/cuda/kernels.h"
#include "tensor/cuda/runtime.h"
#include "tensor/tensor_impl.h"
#include "tensor/waits.h"

namespace xg::detail::gpu {

namespace {

constexpr int kSlots = 64;

struct Pending {
  int slot;     // a word of the table, or -1 for:
  Tensor word;  // a captured graph's own words (see check_range_later), kept alive by the entry
  Tensor ints;  // kept alive, to read the bad value at the report (a graph's words hold it)
  std::function<void(std::int64_t, std::int64_t)> report;
};

struct Checks {
  std::mutex mutex;
  int device = -1;
  unsigned long long* table = nullptr;  // kSlots device words, from the caching allocator, never freed
  int table_used = 0;                   // the table's words taken by pending checks
  std::vector<Pending> pending;
};

Checks& checks() {
  static Checks* c = new Checks;  // never destroyed: waits at exit may still look
  return *c;
}

// Reads the table and the bad values; returns the first failed check's report and its
// arguments. Called with the mutex held, after the stream has been synchronised.
bool first_failure(Checks& c, const char* op, std::function<void(std::int64_t, std::int64_t)>& report, std::int64_t& pos,
                   std::int64_t& value) {
  std::vector<unsigned long long> words(kSlots);
  if (c.table_used > 0)
    check_wait(cudaMemcpy(words.data(), c.table, sizeof(unsigned long long) * kSlots, cudaMemcpyDeviceToHost), op);
  for (const auto& p : c.pending) {
    if (p.word.defined()) {  // a replayed graph's check: the first failing replay's position and value
      unsigned long long kept[2] = {0, 0};
      check_wait(cudaMemcpy(kept, static_cast<const unsigned long long*>(p.word.impl()->storage->data) + 1, sizeof kept,
                            cudaMemcpyDeviceToHost),
                 op);
      if (kept[0] == ~0ull) continue;
      pos = static_cast<std::int64_t>(kept[0]);
      value = static_cast<std::int64_t>(kept[1]);
    } else {
      const unsigned long long w = words[static_cast<std::size_t>(p.slot)];
      if (w == ~0ull) continue;
      pos = static_cast<std::int64_t>(w);
      check_wait(cudaMemcpy(&value, static_cast<const std::int64_t*>(p.ints.impl()->storage->data) + pos, sizeof value,
                            cudaMemcpyDeviceToHost),
                 op);
    }
    report = p.report;
    return true;
  }
  return false;
}

}  // namespace

void raise_pending_checks(const char* op) {
  XG_GPU_ENTRY(raise_pending_checks);
  Checks& c = checks();
  std::function<void(std::int64_t, std::int64_t)> report;
  std::int64_t pos = 0, value = 0;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.pending.empty()) return;
    const bool failed = first_failure(c, op, report, pos, value);
    c.pending.clear();
    c.table_used = 0;
    if (!failed) return;
  }
  report(pos, value);  // throws the CPU's message, outside the lock
}

void check_range_later(const Tensor& ints, std::int64_t size, std::function<void(std::int64_t, std::int64_t)> report,
                       const char* op) {
  XG_GPU_ENTRY(check_range_later);
  Checks& c = checks();
  const int device = ints.device().index();
  if (capturing()) {
    // In a capture the check is two kernels of the graph on three words of the graph's pool:
    // the search writes this replay's first bad position into word 0, and a second kernel
    // keeps the first failing replay's position and value in words 1 and 2 (the value too,
    // since the next replay's batch overwrites the captured labels). Each replay makes the
    // check pending; the one that makes it newly pending (the first since the last wait) has
    // words 1-2 reset to "none" before it runs, so the next wait reports the first bad replay
    // since the previous wait, however many replays were queued between. The words are a
    // tensor, so a pending entry keeps them even if the graph dies before that wait.
    const Tensor word = make_tensor({3}, kInt64, ints.device());
    auto* words = static_cast<unsigned long long*>(word.impl()->storage->data);
    mark_first_out_of_range(words, ints, size, op);
    keep_first_out_of_range(words + 1, words, ints, op);
    before_each_replay([word, words, ints, report = std::move(report)](ReplayWriter& writer) {
      Checks& cc = checks();
      std::lock_guard<std::mutex> lock(cc.mutex);
      for (const Pending& p : cc.pending)
        if (p.word.is_same(word)) return;  // pending already: keep what an earlier replay found
      static constexpr unsigned long long kNone[2] = {~0ull, ~0ull};
      writer.write(words + 1, kNone, sizeof kNone);
      cc.pending.push_back({-1, word, ints, report});
    });
    return;
  }
  bool full = false;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.device >= 0 && c.device != device)
      fail(op, ": range checks on ", ints.device().str(), " while cuda:", c.device,
           " has some pending: this version checks on one GPU");
    full = c.table_used >= kSlots;
  }
  if (full) {  // the bound: make room by reporting what is pending (a wait)
    check_wait(cudaStreamSynchronize(stream(device)), op);
    note_host_wait("range_check");
    raise_pending_checks(op);
  }
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (!c.table) {
      c.table = static_cast<unsigned long long*>(allocate(sizeof(unsigned long long) * kSlots, device, op));
      c.device = device;
    }
    const int slot = c.table_used++;
    mark_first_out_of_range(c.table + slot, ints, size, op);
    c.pending.push_back({slot, Tensor(), ints, std::move(report)});
  }
  if (sync_each_launch()) {  // XGRAD_CUDA_SYNC=1: every error where it happens
    check_wait(cudaStreamSynchronize(stream(device)), op);
    raise_pending_checks(op);
  }
}

}  // namespace xg::detail::gpu
