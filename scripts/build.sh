#!/usr/bin/env bash
# Configures and builds Spade into build/ (or $SPADE_BUILD_DIR).
# Extra CMake arguments are passed through, e.g. -DSPADE_ENABLE_SANITIZERS=ON.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SPADE_BUILD_DIR:-$root/build}
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DLLVM_USE_LINKER=lld \
    "${launcher[@]}" "$@"
fi
cmake --build "$build" -j "${SPADE_JOBS:-$(nproc)}"
