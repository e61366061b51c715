#!/usr/bin/env bash
# Prints the HyPar networks tables (training at 16 devices / batch 256 and at
# AccPar's 128 / 512, batch-1 inference at 4 devices) and the search time for
# 50 layers x 64 devices. Needs a build (scripts/build.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bench=${SPADE_BUILD_DIR:-$root/build}/bin/spade-hypar-bench
nets=$root/bench/hypar/networks.txt
"$bench" --networks "$nets"
echo
"$bench" --networks "$nets" --devices 128 --batch 512
echo
"$bench" --networks "$nets" --devices 4 --batch 1 --mode infer
echo
"$bench" --time --devices 64 --layers 50 --repeat 1000
