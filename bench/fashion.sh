#!/usr/bin/env bash
# The 10,000-iteration Fashion-MNIST run (two_layer_net's recipe) in xgrad and in PyTorch,
# alternating, one thread each: wall time, final test accuracy and peak memory (max RSS).
# Usage: bash bench/fashion.sh [build-dir] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-2}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
tmp=$(mktemp -d)
measure() {  # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" > "$tmp/out" 2>&1
  read -r secs kib < "$tmp/time"
  printf '%-6s %6.2f s  peak %6.1f MiB  %s\n' "$name" "$secs" "$(echo "$kib / 1024" | bc -l)" "$(grep final "$tmp/out")"
}
for r in $(seq "$rounds"); do
  (cd "$tmp" && measure xgrad "$OLDPWD/$build/examples/two_layer_net" --data fashion --save "$tmp/w.npz")
  if /usr/bin/python3 -c "import torch" 2> /dev/null; then
    measure torch /usr/bin/python3 bench/fashion_torch.py 1
  else
    echo "torch: not importable by /usr/bin/python3; skipped"
  fi
done
rm -rf "$tmp"
