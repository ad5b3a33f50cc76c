#!/usr/bin/env bash
# Installs xgrad's build and test dependencies from Debian 12's packages (nothing is
# downloaded from anywhere else). Run as root, or with sudo available.
# --dev also installs what the sanitizer and fuzzing scripts need (clang, libFuzzer).
set -euo pipefail

packages=(
  build-essential cmake               # compiler and build system
  libxtensor-dev libxsimd-dev         # elementwise kernels (header-only)
  libxtensor-blas-dev libopenblas-dev # matrix products
  libdivide-dev                       # int64 division by one divisor (header-only)
  libdnnl-dev                         # oneDNN: float32 products on AVX-512 CPUs
  ocl-icd-opencl-dev                  # OpenCL's headers: Debian's oneDNN package config requires them
  zlib1g-dev                          # .npz archives (CRC-32, deflate)
  libstb-dev                          # PNG images (stb_image_write)
  gnuplot-nox                         # PNG charts of training curves
  libcli11-dev                        # the examples' command-line options
  libgtest-dev                        # tests
  python3-numpy                       # a test reads saved .npz files with numpy.load
  dataset-fashion-mnist               # Fashion-MNIST for the examples (--data fashion)
  libopenmpi-dev openmpi-bin          # data-parallel training across processes (xg::dist)
)
if [ "${1:-}" = "--dev" ]; then
  packages+=(clang libclang-rt-14-dev)  # scripts/fuzz.sh (libFuzzer) and the ThreadSanitizer build
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all dependencies are installed"
  exit 0
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
