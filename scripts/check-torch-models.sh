#!/usr/bin/env bash
# Exports resnet18, mobilenet_v2, squeezenet1_1 and a transformer encoder with
# PyTorch (seeded random weights) and checks that spade-run reproduces
# PyTorch's outputs (rtol 1e-3, atol 1e-4). Installs python3-torch and
# python3-torchvision if missing (large); expects a build in build/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if ! /usr/bin/python3 -c "import torch, torchvision" 2>/dev/null; then
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends python3-torch python3-torchvision
fi
dir=${1:-$root/build/torch-models}
/usr/bin/python3 "$root/scripts/export-torch-models.py" "$dir" 2>/dev/null
status=0
for m in resnet18 mobilenet_v2 squeezenet1_1 transformer; do
  echo "== $m"
  "$root/build/bin/spade-run" "$dir/$m.onnx" --input "$dir/${m}_in.npy" \
    --expect "$dir/${m}_out.npy" --rtol 1e-3 --atol 1e-4 || status=1
done
exit $status
