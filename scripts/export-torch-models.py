#!/usr/bin/python3
"""Exports real architectures with seeded random weights to ONNX, with an
input and PyTorch's output for each: torchvision resnet18, mobilenet_v2,
squeezenet1_1 (opset 13) and a 4-layer transformer encoder (seq 128,
d 256, 4 heads, GELU, LayerNorm; opset 14). Usage: export-torch-models.py DIR
Needs Debian's python3-torch and python3-torchvision."""
import os
import sys

import numpy as np
import torch
import torchvision


def export(model, x, path, opset):
    model.eval()
    torch.onnx.export(model, x, path + ".onnx", opset_version=opset,
                      input_names=["input"], output_names=["output"])
    np.save(path + "_in.npy", x.numpy())
    with torch.no_grad():
        np.save(path + "_out.npy", model(x).numpy())


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "torch-models"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name in ("resnet18", "mobilenet_v2", "squeezenet1_1"):
        model = getattr(torchvision.models, name)()
        export(model, torch.randn(1, 3, 224, 224), os.path.join(out, name), 13)
    layer = torch.nn.TransformerEncoderLayer(
        d_model=256, nhead=4, dim_feedforward=512, activation="gelu",
        batch_first=True)
    encoder = torch.nn.TransformerEncoder(layer, num_layers=4)
    export(encoder, torch.randn(1, 128, 256),
           os.path.join(out, "transformer"), 14)
    print(f"exported 4 models to {out}")


if __name__ == "__main__":
    main()
