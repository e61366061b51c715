#!/usr/bin/env bash
# The main job on the bundled example model: install dependencies, build, and
# import models/tiny_cnn.onnx into MLIR (printed to stdout).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
"$root/build/bin/spade-import" "$root/models/tiny_cnn.onnx" \
  --mlir-elide-resource-strings-if-larger=16
