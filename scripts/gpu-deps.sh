#!/usr/bin/env bash
# Debian's packages that xgrad builds from and the GPU machine lacks (it runs Ubuntu, without
# network), downloaded as .deb files into .gpudeps/debs (about 16 MB), which the device tool
# carries there: `run(carry: [".gpudeps"], command: "bash scripts/gpu-check.sh")`. Run here, on
# a Debian 12 machine with apt. The folder is excluded from git.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gpudeps/debs
grep -qx '/.gpudeps/' .git/info/exclude 2>/dev/null || echo /.gpudeps/ >> .git/info/exclude
apt-get update -qq
cd .gpudeps/debs
apt-get download libxtensor-dev xtl-dev nlohmann-json3-dev libxsimd-dev libxtensor-blas-dev \
  libopenblas0-pthread libopenblas-pthread-dev libopenblas-dev libopenblas0 libgfortran5 libquadmath0 \
  libstb-dev libstb0 libcli11-dev libgtest-dev googletest zlib1g-dev libdivide-dev
ls -la
