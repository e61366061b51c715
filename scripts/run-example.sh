#!/usr/bin/env bash
# The main job on the bundled example model: install dependencies, build,
# import models/tiny_cnn.onnx into MLIR (printed to stdout), then compile it
# for this CPU and run it on seeded random inputs (outputs in
# build/example-out/*.npy).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
"$root/build/bin/spade-import" "$root/models/tiny_cnn.onnx" \
  --mlir-elide-resource-strings-if-larger=16
"$root/build/bin/spade-run" "$root/models/tiny_cnn.onnx" --random-inputs 1 \
  --output-dir "$root/build/example-out" --bench 10
