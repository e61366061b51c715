#!/usr/bin/env bash
# Installs onnxruntime-node (the reference runtime for model agreement tests
# and benchmarks) with npm into a cache directory outside the clone:
# ${SPADE_CACHE:-$HOME/.cache/spade}/ort. Installs nodejs/npm with apt-get if
# missing. Idempotent: returns at once when the pinned version is there.
# Prints the NODE_PATH to use (the directory holding node_modules) last.
set -euo pipefail
version=1.30.0
dir=${SPADE_CACHE:-$HOME/.cache/spade}/ort
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends nodejs npm
fi
installed() {
  node -e "const p = require('$dir/node_modules/onnxruntime-node/package.json');
           if (p.version !== '$version') process.exit(1);
           require('$dir/node_modules/onnxruntime-node');" 2>/dev/null
}
if ! installed; then
  mkdir -p "$dir"
  # The CPU build only: never fetch the CUDA/TensorRT provider libraries.
  printf 'onnxruntime-node-install=skip\n' > "$dir/.npmrc"
  [ -f "$dir/package.json" ] || printf '{ "private": true }\n' > "$dir/package.json"
  echo "setup-onnxruntime: installing onnxruntime-node@$version into $dir" >&2
  (cd "$dir" && ONNXRUNTIME_NODE_INSTALL_CUDA=skip ONNXRUNTIME_NODE_INSTALL=skip \
     npm install --no-audit --no-fund --loglevel=error "onnxruntime-node@$version" >&2)
  installed || { echo "setup-onnxruntime: onnxruntime-node@$version does not load from $dir" >&2; exit 1; }
fi
echo "$dir/node_modules"
