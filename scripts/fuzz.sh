#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz) with clang, ASan and UBSan in build-asan/
# (scripts/test-sanitizers.sh's tree, configured the same way, so one sanitized library serves both):
# the file readers' (npz, idx, csv, state) and the operations' arguments (ops). Seeds each
# from the shipped data, from files xg::save writes and from valid argument bytes, and runs each for
# SECONDS (default 30). Any finding (crash, sanitizer report, an exception other than
# xg::Error, a leak, an input slower than 10 s) fails the script and leaves the
# reproducer in build-asan/fuzz/findings/.
# usage: bash scripts/fuzz.sh [SECONDS] [harness ...]   (harnesses: npz idx csv state ops)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(npz idx csv state ops)

out=build-asan/fuzz
mkdir -p $out
CC=clang CXX=clang++ cmake -S . -B build-asan -DXGRAD_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug > $out/build.log
cmake --build build-asan -j2 --target fuzz_make_seeds $(printf 'fuzz_%s ' "${harnesses[@]}") >> $out/build.log
rm -rf $out/seeds && ASAN_OPTIONS=detect_leaks=0 ./build-asan/tests/fuzz/fuzz_make_seeds data $out/seeds
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import numpy' 2> /dev/null; then  # deflate entries, as numpy writes them
  /usr/bin/python3 -c "import numpy; numpy.savez_compressed('$out/seeds/npz/compressed.npz', a=numpy.arange(6).reshape(2, 3), b=numpy.float32([0.5, -1]))"
fi
mkdir -p $out/findings
status=0
for h in "${harnesses[@]}"; do
  corpus=$out/corpus/$h
  mkdir -p "$corpus"
  echo "fuzz: $h for ${seconds} s"
  # -rss_limit_mb: a reader that believes a hostile size claim runs out of this, and fails.
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "./build-asan/tests/fuzz/fuzz_$h" "$corpus" "$out/seeds/${h}" -max_total_time="$seconds" \
      -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$out/findings/${h}-" > "$out/fuzz-$h.log" 2>&1; then
    echo "fuzz: $h FOUND A PROBLEM ($out/fuzz-$h.log, reproducer in $out/findings/):"
    grep -E "ERROR|SUMMARY|terminate|what\\(\\)" "$out/fuzz-$h.log" | head -20
    status=1
  else
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$out/fuzz-$h.log" | sed "s/^/fuzz: $h /"
  fi
done
exit $status
