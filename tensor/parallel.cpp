// One short-lived std::thread per extra chunk: a convolution worth splitting takes
// milliseconds, against tens of microseconds to start a thread, and no pool lingers.
#include "tensor/parallel.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <xgrad/tensor.h>

namespace xg::detail {

namespace {
// Below this many multiply-adds a second thread costs more than it saves (measured on the
// SimpleConvNet conv, 1.7 M per sample: see docs/benchmarks.md).
constexpr double kMinWorkPerThread = 4e6;
}  // namespace

int parallel_chunks(std::int64_t n, double work) {
  const int threads = get_num_threads();
  if (threads <= 1 || n <= 1) return 1;
  const auto by_work = static_cast<std::int64_t>(work / kMinWorkPerThread);
  return static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>({threads, n, by_work})));
}

void parallel_for(std::int64_t n, double work, const std::function<void(std::int64_t, std::int64_t, int)>& body) {
  parallel_for_chunks(n, parallel_chunks(n, work), body);
}

void parallel_for_chunks(std::int64_t n, int chunks, const std::function<void(std::int64_t, std::int64_t, int)>& body) {
  if (chunks <= 1 || n <= 1) {
    body(0, n, 0);
    return;
  }
  std::exception_ptr error;
  std::mutex error_mutex;
  const auto run = [&](int k) {
    try {
      body(n * k / chunks, n * (k + 1) / chunks, k);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(chunks - 1));
  for (int k = 1; k < chunks; ++k) workers.emplace_back(run, k);
  run(0);
  for (auto& t : workers) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace xg::detail
