#!/usr/bin/env bash
# Runs every example from a fresh directory and writes docs/tutorials.md: the command,
# its running time and full output, and the images it produced (copied to docs/images/).
# Usage: bash scripts/tutorials.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=$(cd "${1:-build}" && pwd)
run=$(mktemp -d)
mkdir -p docs/images
out=docs/tutorials.md
examples=(two_layer_net numerical_gradient gradient_check boston_housing xor pima_diabetes forward_pass saliency_map optimizers higher_order overfitting custom_operation simple_convnet keras_mnist_cnn cnn_visualisation deep_convnet sin_curve sequential_digits spatial_transformer char_lstm char_gpt)
{
  echo "# Tutorials: the examples, run on this machine"
  echo
  echo "Each program in \`examples/\` reproduces a lesson of *Deep Learning from Scratch* (chapters 4-6),"
  echo "of DeZero, or of the Keras and from-scratch tutorials that accompany them. Below: the command,"
  echo "how long it took, its complete output and the images it wrote, from one run made by"
  echo "\`bash scripts/tutorials.sh\` on $(nproc) cores ($(date -u +%Y-%m-%d))."
  echo
} > "$out"
for e in "${examples[@]}"; do
  start=$(date +%s.%N)
  (cd "$run" && "$build/examples/$e" > "$run/$e.txt" 2>&1)
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  {
    printf '## %s\n\n' "$e"
    printf '`./build/examples/%s` (%.1f s; source: [examples/%s.cpp](../examples/%s.cpp))\n\n' "$e" "$secs" "$e" "$e"
    echo '```'
    cat "$run/$e.txt"
    echo '```'
    echo
    for png in "$run"/*.png; do
      [ -e "$png" ] || continue
      name=$(basename "$png")
      mv "$png" "docs/images/$name"
      printf '![%s](images/%s)\n\n' "$name" "$name"
    done
  } >> "$out"
  rm -f "$run"/*.csv "$run"/*.dot
  find "$run" -name '*.npz' ! -name keras_mnist_cnn.npz -delete  # cnn_visualisation loads it
done
rm -rf "$run"
echo "wrote $out"
