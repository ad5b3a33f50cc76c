#!/usr/bin/env bash
# The one-command GPU check (issue 20): on a machine with an NVIDIA GPU and the CUDA toolkit
# but without Debian's packages, builds xgrad with the CUDA backend from the .deb files that
# scripts/gpu-deps.sh put in .gpudeps/debs, then runs the CUDA tests, the GPU benchmark beside
# PyTorch on the same GPU ($OUT/gpu_table.md), the device tests of the CPU suite, the whole
# CPU suite and compute-sanitizer's memcheck on the CUDA tests; with GPU_CHECK_EXAMPLES=1,
# the training examples with --device cuda.
# Every stage has its own time limit and log in $OUT, so a late failure still returns the
# early results; $OUT/summary.txt lists each stage's exit status.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
T0=$(date +%s)
[ -d /usr/local/cuda/bin ] && export PATH="/usr/local/cuda/bin:$PATH"  # nvcc, compute-sanitizer
log() { echo "[$(($(date +%s) - T0)) s] $*" | tee -a "$OUT/summary.txt"; }
stage() {
  local name=$1 limit=$2
  shift 2
  log "start $name (limit $limit s)"
  timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  log "$name rc=$rc"
  return $rc
}
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  command -v nvcc cmake ninja
  nvcc --version | tail -2
  cmake --version | head -1
  nproc
} > "$OUT/env.txt" 2>&1
[ -d .gpudeps/debs ] || { log "no .gpudeps/debs: run scripts/gpu-deps.sh where apt works, and carry .gpudeps"; exit 1; }
P=$PWD/.gpudeps/root/usr
L=$P/lib/x86_64-linux-gnu
mkdir -p .gpudeps/root
for f in .gpudeps/debs/*.deb; do dpkg -x "$f" .gpudeps/root; done
ln -sf /usr/lib/x86_64-linux-gnu/libz.so.1 "$L/libz.so"  # Debian's link names zlib 1.2.13's file
export LD_LIBRARY_PATH="$L/openblas-pthread:$L:${LD_LIBRARY_PATH:-}"
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
GEN=()
command -v ninja > /dev/null && GEN=(-G Ninja)
stage configure 120 cmake -S . -B build-gpu "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DXGRAD_CUDA=ON \
  -DCUDAToolkit_ROOT=/usr/local/cuda -DCMAKE_PREFIX_PATH="$P" -DCMAKE_LIBRARY_PATH="$L/openblas-pthread" \
  -DXGRAD_WITH_MPI=OFF -DXGRAD_BUILD_EXAMPLES=ON -DXGRAD_BUILD_BENCH=ON || exit 1
stage build 300 cmake --build build-gpu -j"$(nproc)" --target xgrad_cuda_tests xgrad_tests gpu_steps || exit 1
stage cuda_tests 240 env XGRAD_CUDA_ENTRY_REPORT="$OUT/entry_counts.txt" build-gpu/tests/xgrad_cuda_tests \
  --gtest_output=xml:"$OUT/cuda_tests.xml"
# Every kernel entry point of tensor/cuda/kernels.h ran in that process (calls counted at exit).
stage entry_coverage 20 python3 scripts/cuda_entry_coverage.py tensor/cuda/kernels.h "$OUT/entry_counts.txt"
# The GPU table: xgrad and PyTorch on this GPU in one run, merged with the ratios.
stage gpu_bench 150 build-gpu/bench/gpu_steps
grep '^{' "$OUT/gpu_bench.log" > "$OUT/xgrad_gpu.jsonl"
# The caching allocator against CUDA's stream-ordered pool, on the steps that allocate most.
stage gpu_bench_async 90 env XGRAD_CUDA_ALLOC=async build-gpu/bench/gpu_steps --only b1

if python3 -c 'import torch; assert torch.cuda.is_available()' 2> /dev/null; then
  stage torch_reference 150 python3 bench/gpu_reference.py
  grep '^{' "$OUT/torch_reference.log" > "$OUT/torch_gpu.jsonl"
  python3 bench/gpu_table.py "$OUT/xgrad_gpu.jsonl" "$OUT/torch_gpu.jsonl" > "$OUT/gpu_table.md" && cat "$OUT/gpu_table.md" >> "$OUT/summary.txt"
fi
stage cuda_tests_async 120 env XGRAD_CUDA_ALLOC=async build-gpu/tests/xgrad_cuda_tests \
  --gtest_filter='CudaTensors.*:CudaTraining.*:CudaConv.*'
stage device_tests 60 build-gpu/tests/xgrad_tests --gtest_filter='Device.*:TensorOptions.*:Cuda.*:SyncDebug.*:Philox.*'
stage cpu_suite 240 build-gpu/tests/xgrad_tests --gtest_brief=1
if command -v compute-sanitizer > /dev/null; then
  stage memcheck 180 env XGRAD_CUDA_NO_CACHE=1 compute-sanitizer --tool memcheck --error-exitcode 1 \
    build-gpu/tests/xgrad_cuda_tests --gtest_filter='CudaTensors.*:CudaModules.*:CudaElementwise.*:CudaReduce.*:CudaIndex.*'
fi
# The training examples with --device cuda (issue 20: their outputs go into docs/tutorials.md).
# Off by default to keep one run within a device session; GPU_CHECK_EXAMPLES=1 runs them (a
# second call on the warm machine finds build-gpu already built).
if [ "${GPU_CHECK_EXAMPLES:-0}" = 1 ]; then
  EX=(two_layer_net simple_convnet keras_mnist_cnn deep_convnet sin_curve sequential_digits char_lstm char_gpt cnn_visualisation)
  stage examples_build 240 cmake --build build-gpu -j"$(nproc)" --target "${EX[@]}"
  mkdir -p "$OUT/examples"
  B=$PWD/build-gpu/examples
  run_example() { local name=$1; shift; stage "example_$name" 150 env -C "$OUT/examples" "$B/$name" --device cuda "$@"; }
  run_example two_layer_net --iters 2000
  run_example simple_convnet --epochs 1
  run_example keras_mnist_cnn --epochs 2
  run_example deep_convnet --epochs 1 --samples 2000
  run_example sin_curve --epochs 20
  run_example sequential_digits --epochs 2
  run_example char_lstm --epochs 1 --chars 100000 --length 200
  run_example char_gpt --iters 600 --eval-interval 200 --chars 100000 --length 200
  run_example cnn_visualisation --weights none --epochs 1 --samples 2000 --iterations 50 --out "$OUT/examples"
  # The same steps replayed as CUDA graphs (issue 21): the accuracies must match the eager runs'.
  run_graphed() { local name=$1; shift; stage "example_${name}_graph" 150 env -C "$OUT/examples" "$B/$name" --device cuda --graph "$@"; }
  run_graphed two_layer_net --iters 2000
  run_graphed simple_convnet --epochs 1
  run_graphed keras_mnist_cnn --epochs 2
  run_graphed char_lstm --epochs 1 --chars 100000 --length 200
  tail -n 3 "$OUT"/example_*.log >> "$OUT/summary.txt"
fi
# Each test binary's totals, by log.
grep -HE '^\[  (PASSED|FAILED|SKIPPED) *\] [0-9]+ tests?[,.]' "$OUT"/*.log | sed "s|$OUT/||" | tee -a "$OUT/summary.txt"
log done
