#!/usr/bin/python3
"""Single-layer benchmark of the basis-convolution CPU kernel
(spade-basis-conv-to-csr-kernel) against the dense convolution it replaces,
both compiled by Spade's fast pipeline and timed with spade-run --bench, on
the 3x3 layer shapes of resnet18 (batch 1, stride 1, pad 1): for each shape,
the dense Conv (an ONNX model) and spade.basis_conv models (MLIR) with K basis
kernels, a fraction of the coefficients zeroed (unstructured) and f32 / int8
/ int4 coefficients. Data are random: this measures speed only.

Usage: layers.py [--spade-run PATH] [--threads N] [--runs N]
                 [--shapes CIN,COUT,H;...] [--settings K:SPARSITY:BITS,...]
Writes a Markdown table to stdout: min / median latency over the runs (on a
shared machine the minimum is the least disturbed run; speed-ups use it)."""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnx.helper
import onnx.numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SHAPES = "64,64,56;128,128,28;256,256,14;512,512,7"
SETTINGS = "9:0:32,4:0:32,4:0.5:8,3:0.5:8,3:0.7:4,2:0.7:4"


def dense_conv_model(path, cin, cout, h, rng):
    w = rng.standard_normal((cout, cin, 3, 3)).astype(np.float32) * 0.05
    node = onnx.helper.make_node("Conv", ["x", "w"], ["y"],
                                 kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    graph = onnx.helper.make_graph(
        [node], "conv",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT,
                                            [1, cin, h, h])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT,
                                            [1, cout, h, h])],
        [onnx.numpy_helper.from_array(w, "w")])
    model = onnx.helper.make_model(
        graph, opset_imports=[onnx.helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)


def hexdense(a, ty):
    """A dense attribute as a hex string: fast to print and parse."""
    return f'dense<"0x{a.tobytes().hex().upper()}"> : {ty}'


def basis_conv_model(path, cin, cout, h, k, sparsity, bits, rng):
    basis = rng.standard_normal((k, 3, 3)).astype(np.float32)
    if bits == 32:
        coeff = rng.standard_normal((cout, cin, k)).astype(np.float32)
        elem = "f32"
    else:
        hi = 2 ** (bits - 1) - 1
        coeff = rng.integers(-hi, hi + 1, (cout, cin, k)).astype(np.int8)
        coeff[coeff == 0] = 1
        elem = f"i{bits}"
    coeff[rng.random(coeff.shape) < sparsity] = 0
    xty = f"tensor<1x{cin}x{h}x{h}xf32>"
    yty = f"tensor<1x{cout}x{h}x{h}xf32>"
    cty = f"tensor<{cout}x{cin}x{k}x{elem}>"
    cattr = hexdense(coeff, cty)  # i4 too: one element per byte in hex
    lines = [f"func.func @main_graph(%x: {xty}) -> {yty} {{",
             f"  %b = arith.constant {hexdense(basis, f'tensor<{k}x3x3xf32>')}",
             f"  %c = arith.constant {cattr}"]
    scales = ""
    if bits != 32:
        s = np.full(cout, 0.01, np.float32)
        lines.append(f"  %s = arith.constant {hexdense(s, f'tensor<{cout}xf32>')}")
        scales = f" scales(%s : tensor<{cout}xf32>)"
    lines += [f"  %y = spade.basis_conv %x, %b, %c{scales} "
              "{pads = array<i64: 1, 1, 1, 1>} : "
              f"{xty}, tensor<{k}x3x3xf32>, {cty} -> {yty}",
              f"  return %y : {yty}", "}"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def bench(spade_run, model, threads, runs):
    out = subprocess.run([spade_run, model, "--random-inputs", "1",
                          "--threads", str(threads), "--bench", str(runs)],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"min ([0-9.]+) ms, median ([0-9.]+) ms", out)
    return float(m.group(1)), float(m.group(2))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spade-run",
                    default=os.path.join(ROOT, "build", "bin", "spade-run"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--shapes", default=SHAPES)
    ap.add_argument("--settings", default=SETTINGS)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print("| layer (Cin→Cout, HxW) | K | sparsity | bits | dense ms "
          "(min/med) | basis ms (min/med) | speed-up | MAC ratio |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shapes.split(";"):
            cin, cout, h = map(int, shape.split(","))
            dense = os.path.join(tmp, "dense.onnx")
            dense_conv_model(dense, cin, cout, h, rng)
            dense_ms = bench(args.spade_run, dense, args.threads, args.runs)
            for setting in args.settings.split(","):
                k, sparsity, bits = setting.split(":")
                k, sparsity, bits = int(k), float(sparsity), int(bits)
                model = os.path.join(tmp, "basis.mlir")
                basis_conv_model(model, cin, cout, h, k, sparsity, bits, rng)
                ms = bench(args.spade_run, model, args.threads, args.runs)
                macs = cin * k * 9 + cout * cin * k * (1 - sparsity)
                print(f"| {cin}→{cout}, {h}x{h} | {k} | {sparsity:g} | "
                      f"{bits} | {dense_ms[0]:.3f} / {dense_ms[1]:.3f} | "
                      f"{ms[0]:.3f} / {ms[1]:.3f} | "
                      f"{dense_ms[0] / ms[0]:.2f}x | "
                      f"{cout * cin * 9 / macs:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
