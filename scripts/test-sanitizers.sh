#!/usr/bin/env bash
# 1. Builds xgrad and its tests with AddressSanitizer and UndefinedBehaviorSanitizer in
#    build-asan/ and runs the suite there (LeakSanitizer included), all but the longest
#    example runs. With clang: it builds this Debug tree in 312 s where GCC took 496 s on
#    CI's two cores, and its UBSan also checks float-to-int conversions. GCC builds the
#    Quick start's release tree, so CI compiles everything with both. The tree is also
#    scripts/fuzz.sh's (XGRAD_FUZZ: the library carries libFuzzer's coverage, 10% more
#    compile time), so CI compiles the sanitized library once, not twice.
# 2. Builds the library and the threaded tests with clang and ThreadSanitizer in
#    build-tsan/ and runs them: several threads building and training models at once.
#    Debug (the library at -O1) compiles 2.5x faster than -O2 under TSan.
set -euo pipefail
cd "$(dirname "$0")/.."

CC=clang CXX=clang++ cmake -S . -B build-asan -DXGRAD_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build build-asan -j2
# The five CNN training examples run for 10-35 s each in this Debug build (half of its test
# time): the release run covers them, and the convolution, pooling and visualisation code
# they drive is unit-tested here.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j2 --output-on-failure \
  -E '^example\.(keras_mnist_cnn|cnn_visualisation|simple_convnet|simple_convnet_textbook|deep_convnet)$'

# OpenBLAS's own worker threads are not instrumented: one thread keeps TSan's view exact.
CC=clang CXX=clang++ cmake -S . -B build-tsan -DXGRAD_TSAN=ON -DCMAKE_BUILD_TYPE=Debug -DXGRAD_BUILD_EXAMPLES=OFF
cmake --build build-tsan -j2 --target xgrad xgrad_thread_tests
OPENBLAS_NUM_THREADS=1 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ./build-tsan/tests/xgrad_thread_tests
