// A small persistent pool: workers sleep on a condition variable between jobs, so a kernel
// pays a wake-up (microseconds) rather than a thread start (tens of microseconds) per split,
// which is what makes splitting elementwise kernels and optimizer updates pay at all.
// Chunks are numbered and cut from the job's size; which thread runs a chunk never changes
// what it computes, so results do not depend on scheduling.
#include "tensor/parallel.h"

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <xgrad/tensor.h>

namespace xg::detail {

namespace {

// Below this many multiply-adds a second thread costs more than it saves (measured on the
// SimpleConvNet conv, 1.7 M per sample: see docs/benchmarks.md).
constexpr double kMinWorkPerThread = 4e6;
// Below this many simple element operations per thread, waking a second thread costs more
// than it saves (bench/ops, ParallelElementwise).
constexpr double kMinElementWorkPerThread = 65536;
// Reductions cut into at most this many partial sums, whatever the thread count.
constexpr int kMaxReductionBlocks = 16;

thread_local bool t_inside_job = false;  // a chunk that splits again runs inline

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  // Runs task(0) .. task(chunks - 1) on this thread and up to threads - 1 workers; returns
  // when all have finished, rethrowing the first exception. One job at a time: a second
  // caller (another user thread) runs its chunks itself.
  void run(int chunks, int threads, const std::function<void(int)>& task) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return run_inline(chunks, task);
    std::unique_lock<std::mutex> lock(m_);
    while (static_cast<int>(workers_.size()) < threads - 1) workers_.emplace_back([this] { work(); });
    helpers_ = threads - 1;
    task_ = &task;
    chunks_ = chunks;
    next_ = 0;
    pending_ = chunks;
    error_ = nullptr;
    ++generation_;
    lock.unlock();
    wake_.notify_all();
    lock.lock();
    drain(lock);
    done_.wait(lock, [this] { return pending_ == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

  static void run_inline(int chunks, const std::function<void(int)>& task) {
    for (int k = 0; k < chunks; ++k) task(k);
  }

 private:
  // Claims and runs chunks of the current job until none are left; called with the lock held.
  void drain(std::unique_lock<std::mutex>& lock) {
    while (task_ && next_ < chunks_) {
      const int k = next_++;
      const auto* task = task_;
      lock.unlock();
      std::exception_ptr error;
      const bool was_inside = t_inside_job;
      t_inside_job = true;
      try {
        (*task)(k);
      } catch (...) {
        error = std::current_exception();
      }
      t_inside_job = was_inside;
      lock.lock();
      if (error && !error_) error_ = error;
      if (--pending_ == 0) done_.notify_all();
    }
  }

  void work() {
    std::unique_lock<std::mutex> lock(m_);
    std::uint64_t seen = generation_;
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (helpers_ == 0) continue;  // the job has all the threads it asked for
      --helpers_;
      drain(lock);
    }
  }

  std::mutex busy_, m_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* task_ = nullptr;
  int chunks_ = 0, next_ = 0, pending_ = 0, helpers_ = 0;
  std::uint64_t generation_ = 0;
  std::exception_ptr error_;
  bool stop_ = false;
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int parallel_chunks(std::int64_t n, double work) {
  const int threads = get_num_threads();
  if (threads <= 1 || n <= 1) return 1;
  const auto by_work = static_cast<std::int64_t>(work / kMinWorkPerThread);
  return static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>({threads, n, by_work})));
}

int reduction_blocks(std::int64_t n, double work) {
  const auto by_work = static_cast<std::int64_t>(work / kMinWorkPerThread);
  return static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>({kMaxReductionBlocks, n, by_work})));
}

int elementwise_chunks(std::int64_t n, double cost) {
  const int threads = get_num_threads();
  if (threads <= 1) return 1;
  const auto by_work = static_cast<std::int64_t>(static_cast<double>(n) * cost / kMinElementWorkPerThread);
  return static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(threads, by_work)));
}

void parallel_for(std::int64_t n, double work, const std::function<void(std::int64_t, std::int64_t, int)>& body) {
  parallel_for_chunks(n, parallel_chunks(n, work), body);
}

void parallel_for_chunks(std::int64_t n, int chunks, const std::function<void(std::int64_t, std::int64_t, int)>& body) {
  if (chunks <= 1 || n <= 1) return body(0, n, 0);
  const auto task = [&](int k) { body(n * k / chunks, n * (k + 1) / chunks, k); };
  const int threads = std::min(chunks, get_num_threads());
  // One thread, or a chunk splitting again: the same chunks, in order, on this thread.
  if (threads <= 1 || t_inside_job) return Pool::run_inline(chunks, task);
  pool().run(chunks, threads, task);
}

}  // namespace xg::detail
