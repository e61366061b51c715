#!/usr/bin/env bash
# Builds Spade (scripts/build.sh, into ${SPADE_BUILD_DIR:-build}) and runs the
# benchmark: Spade vs onnxruntime-node per model and thread count, and a GEMM
# micro-benchmark against OpenBLAS. Prints Markdown tables and writes them to
# bench/results/latest.md. Options go to bench/run.py (--help), e.g.
#   bench/run.sh --models resnet18,dlrm --gemm 1024 --threads 1,2 --budget 10
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export SPADE_BUILD_DIR=${SPADE_BUILD_DIR:-$root/build}
"$root/scripts/build.sh" >&2
exec /usr/bin/python3 "$root/bench/run.py" --build-dir "$SPADE_BUILD_DIR" "$@"
