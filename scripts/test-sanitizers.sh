#!/usr/bin/env bash
# Builds xgrad and its tests with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-asan/ and runs the whole suite there (LeakSanitizer included).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-asan -DXGRAD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build build-asan -j2
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j2 --output-on-failure
