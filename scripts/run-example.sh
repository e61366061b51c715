#!/usr/bin/env bash
# The main job on the bundled example model: install dependencies, build,
# compile models/tiny_cnn.onnx to a native shared library with its C header
# (build/example/tiny_cnn.so, tiny_cnn.h), then run that library on seeded
# random inputs: outputs printed and written to build/example/out/*.npy,
# latency over 20 runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
out="$root/build/example"
mkdir -p "$out"
"$root/build/bin/spade-compile" "$root/models/tiny_cnn.onnx" -o "$out/tiny_cnn"
"$root/build/bin/spade-run" "$out/tiny_cnn.so" --random-inputs 1 \
  --output-dir "$out/out" --bench 20
for f in "$out"/out/*.npy; do
  /usr/bin/python3 -c 'import sys, numpy as np
np.set_printoptions(precision=4, suppress=True, threshold=64)
print(sys.argv[1].split("/")[-1], np.load(sys.argv[1]))' "$f"
done
