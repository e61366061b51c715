#!/usr/bin/env bash
# Builds the importer's libFuzzer target with clang-22 (ASan, coverage) and
# runs it on a seed corpus made of the ONNX node-test models.
#
# usage: scripts/fuzz-importer.sh [SECONDS] [CRASH_DIR] [-- LIBFUZZER_ARGS...]
#   SECONDS    total fuzzing time (default 600)
#   CRASH_DIR  where crash/leak/timeout reproducers go (default
#              $SPADE_FUZZ_BUILD_DIR/crashes)
# Environment: SPADE_FUZZ_BUILD_DIR (default build-fuzz), SPADE_JOBS,
# SPADE_FUZZ_NO_BUILD=1 (run the fuzzer as built, e.g. while others edit),
# SPADE_FUZZ_CORPUS (default $SPADE_FUZZ_BUILD_DIR/corpus; new inputs that
# increase coverage are added to it, so later runs resume from there).
# Reproduce a crash: build-fuzz/bin/spade-import-fuzzer CRASH_FILE
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-600}
build=${SPADE_FUZZ_BUILD_DIR:-$root/build-fuzz}
crashes=${2:-$build/crashes}
shift $(($# < 2 ? $# : 2))
[ "${1:-}" = "--" ] && shift

if [ -z "${SPADE_FUZZ_NO_BUILD:-}" ]; then
  CC=${CC:-clang-22} CXX=${CXX:-clang++-22} SPADE_BUILD_DIR=$build \
    SPADE_JOBS=${SPADE_JOBS:-1} bash "$root/scripts/build.sh" \
    -DSPADE_ENABLE_FUZZERS=ON
fi

corpus=${SPADE_FUZZ_CORPUS:-$build/corpus}
seeds=$build/fuzz-seeds
mkdir -p "$corpus" "$crashes" "$seeds"
for model in /usr/share/libonnx-testdata/data/node/*/model.onnx; do
  seed=$seeds/$(basename "$(dirname "$model")").onnx
  [ -f "$seed" ] || cp "$model" "$seed"
done
# Seeds for the other modes (see spade-import-fuzzer.cpp): the lit tests'
# text models with the checker on ('t') and off ('T'), and a few binary
# models with the checker off ('N').
for model in "$root"/test/Import/ONNX/*/*.onnxtxt; do
  [ -f "$model" ] || continue
  name=$(basename "$(dirname "$model")")-$(basename "$model")
  for mode in t T; do
    seed=$seeds/$mode-$name
    [ -f "$seed" ] || { printf $mode; grep -v '^#' "$model"; } >"$seed"
  done
done
for test in add conv_with_strides_padding layer_normalization_4d_axis0 \
  reshape_reordered_all_dims softmax_axis_0 gather_0 slice; do
  model=/usr/share/libonnx-testdata/data/node/test_$test/model.onnx
  seed=$seeds/N-test_$test.onnx
  if [ -f "$model" ] && [ ! -f "$seed" ]; then
    { printf N; cat "$model"; } >"$seed"
  fi
done

# detect_leaks=0: libonnx's schema registry and MLIR's uniquers keep
# process-lifetime allocations that LeakSanitizer would report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
# One fuzzing process at a time (-fork=1) that carries on after a crash, so
# one run collects every distinct crash; the node-test models are < 8 KB.
exec "$build/bin/spade-import-fuzzer" "$corpus" "$seeds" \
  -max_total_time="$seconds" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
  -ignore_ooms=1 -max_len=16384 -timeout=30 -rss_limit_mb=4096 \
  -print_final_stats=1 -artifact_prefix="$crashes/" "$@"
