// The benchmarks' timer, shared by bench/steps and bench/conv_steps (and mirrored by
// best_ms in bench/reference.py): best per-step milliseconds over `repeats` runs of `iters`
// calls, after a warm-up of a tenth of a run.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>

inline double time_ms(const std::function<void()>& step, int iters, int repeats) {
  for (int i = 0; i < std::max(1, iters / 10); ++i) step();
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; ++i) step();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / iters);
  }
  return best;
}
