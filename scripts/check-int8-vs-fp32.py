#!/usr/bin/env python3
"""Measures what int8 quantisation costs: int8 vs fp32 on the CPU backend.

check-int8-vs-fp32.py --tools DIR --work DIR [--inputs N] [--seed S] MODEL...

MODEL is an .onnx/.onnxtxt file or the name of a model exported by
scripts/export-torch-models.py (resnet18, mobilenet_v2, ...). Each model is
compiled twice with spade-compile, as is and with `--quantize=int8
--calibration C` (C: the exported model's inputs/input.npy, else a seeded
standard-normal tensor), and both run with spade-run on N other seeded
standard-normal inputs. Prints one line per model: the max abs error of the
int8 outputs, the largest |fp32 output|, and how often the arg-max of the
last axis (top-1) agrees.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx


def model_path(name):
    if os.path.exists(name):
        return name
    script = os.path.join(os.path.dirname(__file__), "export-torch-models.py")
    root = subprocess.run([sys.executable, script, "--cached"], check=True,
                          capture_output=True, text=True).stdout.strip()
    return os.path.join(root, name, "model.onnx")


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(" ".join(cmd) + ":\n" + result.stderr.strip())
    return result


def measure(name, args):
    path = model_path(name)
    short = os.path.splitext(os.path.basename(name))[0]
    if short == "model":
        short = os.path.basename(os.path.dirname(path))
    work = os.path.join(args.work, short)
    os.makedirs(work, exist_ok=True)
    model = onnx.load(path, load_external_data=False)
    initializers = {i.name for i in model.graph.initializer}
    graph_inputs = [v for v in model.graph.input if v.name not in initializers]
    if len(graph_inputs) != 1:
        raise RuntimeError(f"{name}: calibration needs one input, the model "
                           f"has {len(graph_inputs)}")
    dims = [d.dim_value for d in graph_inputs[0].type.tensor_type.shape.dim]
    rng = np.random.default_rng(args.seed)
    calibration = os.path.join(os.path.dirname(path), "inputs", "input.npy")
    if not os.path.exists(calibration):
        calibration = os.path.join(work, "calibration.npy")
        np.save(calibration, rng.standard_normal(dims).astype(np.float32))
    tools = args.tools
    fp32, int8 = os.path.join(work, "fp32"), os.path.join(work, "int8")
    run([os.path.join(tools, "spade-compile"), path, "-o", fp32])
    run([os.path.join(tools, "spade-compile"), path, "-o", int8,
         "--quantize=int8", f"--calibration={calibration}"])
    max_err, max_ref, agree, total = 0.0, 0.0, 0, 0
    for i in range(args.inputs):
        x = os.path.join(work, f"x{i}.npy")
        np.save(x, rng.standard_normal(dims).astype(np.float32))
        outs = {}
        for kind, lib in (("fp32", fp32), ("int8", int8)):
            out = os.path.join(work, f"{kind}-out{i}")
            run([os.path.join(tools, "spade-run"), lib + ".so", "--input", x,
                 "--output-dir", out])
            outs[kind] = [np.load(os.path.join(out, o.name + ".npy"))
                          for o in model.graph.output]
        for ref, got in zip(outs["fp32"], outs["int8"]):
            max_err = max(max_err, float(np.abs(got.astype(np.float64)
                                                - ref).max()))
            max_ref = max(max_ref, float(np.abs(ref).max()))
            if ref.ndim >= 1 and ref.shape[-1] > 1:
                a = ref.reshape(-1, ref.shape[-1]).argmax(-1)
                b = got.reshape(-1, got.shape[-1]).argmax(-1)
                agree += int((a == b).sum())
                total += a.size
    top1 = f"{agree}/{total}" if total else "n/a"
    print(f"{short}: max abs error {max_err:.3g} (max |fp32| {max_ref:.3g}), "
          f"top-1 agreement {top1}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--tools", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--inputs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    failed = 0
    for name in args.models:
        try:
            measure(name, args)
        except RuntimeError as error:
            print(f"{name}: {error}", flush=True)
            failed += 1
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
