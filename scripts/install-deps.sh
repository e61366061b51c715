#!/usr/bin/env bash
# Installs every build, run and test dependency of Spade on Debian 12 (idempotent).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
PKGS=(
  cmake ninja-build g++ git ccache pkg-config
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-22 lld-22 libclang-rt-22-dev
  libgtest-dev libeigen3-dev libprotobuf-dev protobuf-compiler libonnx-dev libonnx-testdata
  libomp-22-dev liblld-22-dev libopenblas-dev
  pybind11-dev python3-pybind11 python3-dev python3-numpy python3-onnx
  python3-torch python3-torchvision python3-matplotlib
  mpich libmpich-dev dataset-fashion-mnist
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
