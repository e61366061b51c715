#!/usr/bin/env bash
# Builds the .spadebin loader's libFuzzer target with clang-22 (ASan,
# coverage) and runs it on seeds assembled from the test/Sim programs.
#
# usage: scripts/fuzz-sim.sh [SECONDS] [CRASH_DIR] [-- LIBFUZZER_ARGS...]
#   SECONDS    total fuzzing time (default 600)
#   CRASH_DIR  where reproducers go (default $SPADE_FUZZ_BUILD_DIR/sim-crashes)
# Environment: SPADE_FUZZ_BUILD_DIR (default build-fuzz), SPADE_JOBS,
# SPADE_FUZZ_NO_BUILD=1, SPADE_SIM (a spade-sim to assemble the seeds with;
# default build/bin/spade-sim).
# Reproduce a crash: build-fuzz/bin/spade-sim-fuzzer CRASH_FILE
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-600}
build=${SPADE_FUZZ_BUILD_DIR:-$root/build-fuzz}
crashes=${2:-$build/sim-crashes}
shift $(($# < 2 ? $# : 2))
[ "${1:-}" = "--" ] && shift

if [ -z "${SPADE_FUZZ_NO_BUILD:-}" ]; then
  if [ ! -f "$build/build.ninja" ]; then
    CC=${CC:-clang-22} CXX=${CXX:-clang++-22} cmake -G Ninja -S "$root" \
      -B "$build" -DCMAKE_BUILD_TYPE=Release \
      -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
      -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit -DLLVM_USE_LINKER=lld \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DSPADE_ENABLE_FUZZERS=ON
  fi
  # Only the fuzzer and SpadeSim: nothing else is needed.
  cmake --build "$build" -j "${SPADE_JOBS:-1}" --target spade-sim-fuzzer
fi

corpus=${SPADE_FUZZ_CORPUS:-$build/sim-corpus}
seeds=$build/sim-seeds
mkdir -p "$corpus" "$crashes" "$seeds"
sim=${SPADE_SIM:-$root/build/bin/spade-sim}
gen=$root/test/Sim/Inputs/accelprog.py
if [ -x "$sim" ]; then
  for spec in "gemm --dataflow ws --m 8 --n 8 --k 8" "conv --h 5 --w 5" \
    "pool --h 4 --w 4" "depthwise --dataflow st-os --m 4 --n 4" \
    "sparse --m 4 --n 4 --k 8" "multi --m 4 --n 4 --k 4" \
    "gemm --dataflow is --elem f32 --m 4 --n 4 --k 4 --preset small"; do
    set -- $spec
    name=$(echo "$spec" | tr ' ' '_' | tr -d '-')
    [ -f "$seeds/$name.spadebin" ] && continue
    tmp=$(mktemp -d)
    /usr/bin/python3 "$gen" gen "$1" "$tmp" "${@:2}" >/dev/null
    "$sim" "$tmp/prog.s" --assemble -o "$seeds/$name.spadebin"
    rm -rf "$tmp"
  done
fi

exec "$build/bin/spade-sim-fuzzer" "$corpus" "$seeds" \
  -max_total_time="$seconds" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
  -ignore_ooms=1 -max_len=65536 -timeout=30 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$crashes/" "$@"
