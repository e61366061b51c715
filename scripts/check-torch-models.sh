#!/usr/bin/env bash
# Exports resnet18, mobilenet_v2, squeezenet1_1, a transformer encoder and a
# DLRM-style recommender with PyTorch (seeded random weights; cached outside
# the clone by scripts/export-torch-models.py --cached) and checks that
# spade-run reproduces PyTorch's outputs (rtol 1e-3, atol 1e-4). Installs
# python3-torch and python3-torchvision if missing (large); uses the build in
# ${SPADE_BUILD_DIR:-build}. Usage: check-torch-models.sh [MODEL...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if ! /usr/bin/python3 -c "import torch, torchvision" 2>/dev/null; then
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends python3-torch python3-torchvision
fi
dir=$(/usr/bin/python3 "$root/scripts/export-torch-models.py" --cached)
spade_run=${SPADE_BUILD_DIR:-$root/build}/bin/spade-run
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(resnet18 mobilenet_v2 squeezenet1_1 transformer dlrm)
status=0
for m in "${models[@]}"; do
  echo "== $m"
  args=()
  for f in "$dir/$m"/inputs/*.npy; do args+=(--input "$(basename "$f" .npy)=$f"); done
  # --expect takes outputs in order; the manifest lists them.
  while read -r out; do args+=(--expect "$dir/$m/torch/$out.npy"); done < <(
    /usr/bin/python3 -c "import json, sys
m = {x['name']: x for x in json.load(open(sys.argv[1]))['models']}[sys.argv[2]]
print('\n'.join(m['outputs']))" "$dir/manifest.json" "$m")
  "$spade_run" "$dir/$m/model.onnx" "${args[@]}" --rtol 1e-3 --atol 1e-4 || status=1
done
exit $status
