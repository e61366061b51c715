#!/usr/bin/env bash
# Simulated MACs per second of spade-sim's functional + timing model on one
# core: a tiled GEMM program (test/Sim/Inputs/accelprog.py) per element type
# and array preset, timed end to end (load, all instructions, outputs).
#
# usage: bench/sim-speed/run.sh [M N K] [RUNS]   (default 1024 1024 1024, 3)
# Environment: SPADE_SIM (default build/bin/spade-sim).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
sim=${SPADE_SIM:-$root/build/bin/spade-sim}
M=${1:-1024} N=${2:-1024} K=${3:-1024} runs=${4:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-8s %-5s %-4s %14s %10s %12s\n' preset elem df MACs "best s" "MAC/s"
for spec in "gemmini i8 os" "gemmini i8 ws" "gemmini f32 os" "large i8 ws" "large f32 ws"; do
  read -r preset elem df <<<"$spec"
  dir=$tmp/$preset-$elem-$df
  /usr/bin/python3 "$root/test/Sim/Inputs/accelprog.py" gen gemm "$dir" \
    --preset "$preset" --elem "$elem" --dataflow "$df" --m "$M" --n "$N" --k "$K"
  "$sim" "$dir/prog.s" --assemble -o "$dir/prog.spadebin"
  best=
  for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    taskset -c 0 "$sim" "$dir/prog.spadebin" --input "$dir/a.npy" --input "$dir/b.npy" \
      --output-dir "$dir/out" --stats "$dir/stats.json" 2>/dev/null
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  /usr/bin/python3 "$root/test/Sim/Inputs/accelprog.py" check "$dir" >/dev/null
  macs=$((M * N * K))
  printf '%-8s %-5s %-4s %14d %10.3f %12.3g\n' "$preset" "$elem" "$df" "$macs" "$best" \
    "$(echo "$macs / $best" | bc -l)"
done
