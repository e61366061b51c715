#!/usr/bin/python3
"""Exports the models Spade is checked and benchmarked on, with seeded random
weights, to ONNX:

  resnet18, resnet18_b32 (batch 32), mobilenet_v2, squeezenet1_1:
                torchvision, opset 13
  transformer   4-layer encoder, seq 128, d 256, 4 heads, GELU, LayerNorm; opset 14
  dlrm          DLRM-style recommender: bottom MLP on 13 dense features, 3
                embedding bags of 100k x 64 (Gather + ReduceSum over 4
                indices) and 2 one-hot tables (1k, 10k rows), pairwise dot
                product interaction, top MLP, sigmoid; opset 14; batch 1,
                and 32 as dlrm_b32
  matmul_1024, matmul_2048   one MatMul of two N x N float inputs (GEMM bench)

BatchNorm statistics are calibrated on random data (cumulative average over a
few training-mode passes) and all-zero Linear layers are re-initialised, so
outputs have a realistic magnitude. For every model DIR/<name>/ holds
model.onnx, inputs/<input>.npy (seed 0) and torch/<output>.npy (PyTorch's
outputs on them); DIR/manifest.json lists each model's inputs with dtype,
shape and, for integer inputs, the valid index range [low, high).

Usage: export-torch-models.py DIR       export into DIR
       export-torch-models.py --cached  export once into
         ${SPADE_CACHE:-~/.cache/spade}/models/<hash of this script>/ and
         print that directory (the models are large: keep them outside the
         clone; exports of older versions of this script are deleted)
Needs Debian's python3-torch and python3-torchvision."""
import hashlib
import json
import os
import shutil
import sys
import warnings

import numpy as np
import onnx
import onnx.helper
import torch
import torchvision
from torch import nn

SEED = 0


def calibrate_batchnorm(model, input_shape, passes=4, batch=8):
    """Replaces the initial running statistics (mean 0, var 1), which do not
    match the activations of a randomly initialised network, by their
    cumulative average over a few training-mode passes on random data."""
    norms = [m for m in model.modules()
             if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average
    model.train()
    with torch.no_grad():
        for _ in range(passes):
            model(torch.randn(batch, *input_shape[1:]))


def reinit_zero_linears(model):
    for m in model.modules():
        if isinstance(m, nn.Linear) and not m.weight.any():
            m.reset_parameters()


class DLRM(nn.Module):
    """A DLRM-style click-through-rate model (Naumov et al. 2019)."""

    def __init__(self, dense_features=13, dim=64,
                 tables=((100000, 4), (100000, 4), (100000, 4), (1000, 1),
                         (10000, 1))):
        super().__init__()
        self.bags = [bag for _, bag in tables]
        self.bottom = nn.Sequential(
            nn.Linear(dense_features, 256), nn.ReLU(),
            nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, dim), nn.ReLU())
        self.embeddings = nn.ModuleList(
            nn.Embedding(rows, dim) for rows, _ in tables)
        for e in self.embeddings:
            nn.init.normal_(e.weight, std=0.1)
        n = len(tables) + 1
        upper = [i * n + j for i in range(n) for j in range(i + 1, n)]
        self.register_buffer("pairs", torch.tensor(upper, dtype=torch.int64))
        self.top = nn.Sequential(
            nn.Linear(dim + len(upper), 256), nn.ReLU(),
            nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 1))

    def forward(self, dense, *sparse):
        x = self.bottom(dense)
        # EmbeddingBag(mode="sum") as Gather + ReduceSum over the bag.
        features = [x] + [table(idx).sum(1)
                          for table, idx in zip(self.embeddings, sparse)]
        t = torch.stack(features, 1)                        # [B, n, dim]
        dots = torch.bmm(t, t.transpose(1, 2)).flatten(1)  # [B, n * n]
        interaction = torch.index_select(dots, 1, self.pairs)
        return torch.sigmoid(self.top(torch.cat([x, interaction], 1)))


def input_spec(name, x, high=None):
    spec = {"name": name, "dtype": str(x.dtype).replace("torch.", ""),
            "shape": list(x.shape)}
    if high is not None:
        spec.update(low=0, high=high)
    return spec


def save_tensors(folder, names, tensors):
    os.makedirs(folder, exist_ok=True)
    for name, t in zip(names, tensors):
        np.save(os.path.join(folder, name + ".npy"), t.numpy())


def export_torch(out, name, model, inputs, specs, output_names, opset):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    model.eval()
    input_names = [s["name"] for s in specs]
    torch.onnx.export(model, tuple(inputs), os.path.join(folder, "model.onnx"),
                      opset_version=opset, input_names=input_names,
                      output_names=output_names)
    with torch.no_grad():
        outputs = model(*inputs)
    if isinstance(outputs, torch.Tensor):
        outputs = [outputs]
    save_tensors(os.path.join(folder, "inputs"), input_names, inputs)
    save_tensors(os.path.join(folder, "torch"), output_names, outputs)
    rms = " ".join(f"{float(o.float().pow(2).mean().sqrt()):.3g}"
                   for o in outputs)
    print(f"{name}: opset {opset}, output rms {rms}", file=sys.stderr)
    return {"name": name, "opset": opset, "inputs": specs,
            "outputs": output_names}


def export_matmul(out, n):
    name = f"matmul_{n}"
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("MatMul", ["A", "B"], ["C"])], name,
        [onnx.helper.make_tensor_value_info(v, onnx.TensorProto.FLOAT, [n, n])
         for v in "AB"],
        [onnx.helper.make_tensor_value_info("C", onnx.TensorProto.FLOAT,
                                            [n, n])])
    model = onnx.helper.make_model(
        graph, opset_imports=[onnx.helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(folder, "model.onnx"))
    rng = np.random.default_rng(SEED)
    a, b = (torch.from_numpy(rng.uniform(-1, 1, (n, n)).astype(np.float32))
            for _ in range(2))
    save_tensors(os.path.join(folder, "inputs"), "AB", [a, b])
    save_tensors(os.path.join(folder, "torch"), ["C"], [a @ b])
    print(f"{name}: opset 13", file=sys.stderr)
    return {"name": name, "opset": 13, "gemm": n,
            "inputs": [input_spec(v, a) for v in "AB"], "outputs": ["C"]}


def export_all(out):
    warnings.filterwarnings("ignore")
    os.makedirs(out, exist_ok=True)
    models = []
    for name, batch in (("resnet18", 1), ("resnet18_b32", 32),
                        ("mobilenet_v2", 1), ("squeezenet1_1", 1)):
        torch.manual_seed(SEED)
        model = getattr(torchvision.models, name.split("_b")[0])()
        reinit_zero_linears(model)
        calibrate_batchnorm(model, (batch, 3, 224, 224))
        x = torch.randn(batch, 3, 224, 224)
        models.append(export_torch(out, name, model, [x],
                                   [input_spec("input", x)], ["output"], 13))

    torch.manual_seed(SEED)
    layer = nn.TransformerEncoderLayer(
        d_model=256, nhead=4, dim_feedforward=512, activation="gelu",
        batch_first=True)
    encoder = nn.TransformerEncoder(layer, num_layers=4)
    # The encoder deep-copies one layer; give every layer its own weights
    # (identical layers would also be deduplicated by the exporter).
    for copy in encoder.layers:
        copy.self_attn._reset_parameters()
        copy.linear1.reset_parameters()
        copy.linear2.reset_parameters()
    x = torch.randn(1, 128, 256)
    models.append(export_torch(out, "transformer", encoder, [x],
                               [input_spec("input", x)], ["output"], 14))

    for name, batch in (("dlrm", 1), ("dlrm_b32", 32)):
        torch.manual_seed(SEED)
        dlrm = DLRM()
        dense = torch.randn(batch, 13)
        sparse = [torch.randint(0, e.num_embeddings, (batch, bag))
                  for e, bag in zip(dlrm.embeddings, dlrm.bags)]
        specs = [input_spec("dense", dense)] + [
            input_spec(f"sparse_{i}", idx, e.num_embeddings)
            for i, (idx, e) in enumerate(zip(sparse, dlrm.embeddings))]
        models.append(export_torch(out, name, dlrm, [dense] + sparse, specs,
                                   ["ctr"], 14))

    for n in (1024, 2048):
        models.append(export_matmul(out, n))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"models": models}, f, indent=1)
    print(f"exported {len(models)} models to {out}", file=sys.stderr)


def cached():
    with open(os.path.abspath(__file__), "rb") as f:
        key = hashlib.sha256(f.read()).hexdigest()[:16]
    cache = os.environ.get("SPADE_CACHE") or os.path.expanduser(
        "~/.cache/spade")
    out = os.path.join(cache, "models", key)
    if not os.path.exists(os.path.join(out, "manifest.json")):
        # Export beside the final place and rename, so that a concurrent or
        # interrupted run never leaves a half-written directory behind.
        tmp = f"{out}.tmp{os.getpid()}"
        export_all(tmp)
        try:
            os.rename(tmp, out)
        except OSError:  # another run finished first
            shutil.rmtree(tmp)
        # Hundreds of MB per version: drop the exports of older versions.
        for old in os.listdir(os.path.dirname(out)):
            path = os.path.join(os.path.dirname(out), old)
            if ".tmp" not in old and path != out:
                shutil.rmtree(path, ignore_errors=True)
    return out


def main():
    if sys.argv[1:] == ["--cached"]:
        print(cached())
    elif len(sys.argv) == 2 and not sys.argv[1].startswith("-"):
        export_all(sys.argv[1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
