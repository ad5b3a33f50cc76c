#!/usr/bin/env bash
# 1. Builds xgrad and its tests with AddressSanitizer and UndefinedBehaviorSanitizer (GCC)
#    in build-asan/ and runs the whole suite there (LeakSanitizer included).
# 2. Builds the library and the threaded tests with clang and ThreadSanitizer in
#    build-tsan/ and runs them: several threads building and training models at once.
#    (This is also CI's clang build of the library.)
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build-asan -DXGRAD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build build-asan -j2
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j2 --output-on-failure

# OpenBLAS's own worker threads are not instrumented: one thread keeps TSan's view exact.
CC=clang CXX=clang++ cmake -S . -B build-tsan -DXGRAD_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXGRAD_BUILD_EXAMPLES=OFF
cmake --build build-tsan -j2 --target xgrad xgrad_thread_tests
OPENBLAS_NUM_THREADS=1 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ./build-tsan/tests/xgrad_thread_tests
