#!/usr/bin/env python3
"""Compiles models for the accelerator and checks spade-sim against the CPU.

check-accel-vs-cpu.py --tools DIR --work DIR [--accel-config C] [--array RxC]
                      [--dataflow DF] [--rtol R] [--atol A] [--int8]
                      MODEL...

MODEL is an .onnx/.onnxtxt file or the name of a model exported by
scripts/export-torch-models.py (resnet18, mobilenet_v2, ...; exported into
the cache on first use). Each model is compiled with
`spade-compile --target=accel`, run by `spade-sim` on seeded random inputs
(or the exported model's inputs/input.npy) and by `spade-run` (the CPU
backend, JIT) on the same inputs, and the outputs are compared. Prints one
line per model, "NAME: max abs error E, max rel error R, cycles C, host H%:
PASS|FAIL" (H: the share of the cycles the host fallback was busy),
then "N passed, M failed"; exits 1 if any failed.

With --int8 both are compiled with `--quantize=int8`, calibrated on those
inputs, and run on other seeded standard-normal inputs (so that some values
fall outside the calibrated ranges and saturate); the CPU backend then runs
the host reference of the quantised computation and the outputs must be
equal bit for bit ("max abs error 0").
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import onnx.mapping
import onnx.parser


def model_path(name):
    if os.path.exists(name):
        return name
    script = os.path.join(os.path.dirname(__file__), "export-torch-models.py")
    root = subprocess.run([sys.executable, script, "--cached"], check=True,
                          capture_output=True, text=True).stdout.strip()
    return os.path.join(root, name, "model.onnx")


def make_inputs(path, work, seed):
    if path.endswith(".onnxtxt"):
        with open(path) as f:
            model = onnx.parser.parse_model(f.read())
    else:
        model = onnx.load(path, load_external_data=False)
    initializers = {i.name for i in model.graph.initializer}
    exported = os.path.join(os.path.dirname(path), "inputs", "input.npy")
    files = []
    rng = np.random.default_rng(seed)
    for value in model.graph.input:
        if value.name in initializers:
            continue
        dims = [d.dim_value for d in value.type.tensor_type.shape.dim]
        dtype = onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[
            value.type.tensor_type.elem_type]
        if os.path.exists(exported) and not files:
            data = np.load(exported).astype(np.float32)
        elif np.issubdtype(dtype, np.integer):
            # Indices (e.g. into embedding tables): small valid ones.
            data = rng.integers(0, 2, dims).astype(dtype)
        else:
            data = rng.standard_normal(dims).astype(dtype)
        file = os.path.join(work, f"in{len(files)}.npy")
        np.save(file, data)
        files.append((value.name, file))
    return files, [o.name for o in model.graph.output]


def _fresh_input(calibration, rng):
    """A new input like `calibration` (seeded standard normal if float)."""
    data = np.load(calibration)
    if np.issubdtype(data.dtype, np.floating):
        data = rng.standard_normal(data.shape).astype(data.dtype)
    path = calibration.replace(".npy", "-run.npy")
    np.save(path, data)
    return path


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(" ".join(cmd) + ":\n" + result.stderr.strip())
    return result


def check(name, args):
    path = model_path(name)
    short = os.path.splitext(os.path.basename(name))[0]
    if short == "model":
        short = os.path.basename(os.path.dirname(path))
    work = os.path.join(args.work, short)
    os.makedirs(work, exist_ok=True)
    inputs, outputs = make_inputs(path, work, args.seed)
    binary = os.path.join(work, "model.spadebin")
    accel = [f"--accel-config={args.accel_config}"]
    if args.array:
        accel.append(f"--array={args.array}")
    if args.dataflow:
        accel.append(f"--dataflow={args.dataflow}")
    compile_cmd = [os.path.join(args.tools, "spade-compile"), path]
    reference = path
    if args.int8:
        mode = "int8-per-tensor" if args.per_tensor else "int8"
        compile_cmd += [f"--quantize={mode}", f"--calibration={inputs[0][1]}"]
        reference = os.path.join(work, "cpu_int8")
        run(compile_cmd + ["-o", reference])
        reference += ".so"
        rng = np.random.default_rng(args.seed + 1)
        inputs = [(n, _fresh_input(f, rng)) for n, f in inputs]
    run(compile_cmd + ["-o", binary, "--target=accel"] + accel)
    sim_out, cpu_out = os.path.join(work, "sim"), os.path.join(work, "cpu")
    stats = os.path.join(work, "stats.json")
    run([os.path.join(args.tools, "spade-sim"), binary, "--output-dir",
         sim_out, "--stats", stats] + [f"--input={n}={f}" for n, f in inputs])
    run([os.path.join(args.tools, "spade-run"), reference, "--output-dir",
         cpu_out] + [f"--input={n}={f}" for n, f in inputs])
    ok, abs_err, rel_err = True, 0.0, 0.0
    for out in outputs:
        got = np.load(os.path.join(sim_out, out + ".npy"))
        want = np.load(os.path.join(cpu_out, out + ".npy"))
        if got.shape != want.shape:
            ok = False
            continue
        diff = np.abs(got.astype(np.float64) - want)
        abs_err = max(abs_err, float(diff.max()))
        rel_err = max(rel_err, float((diff / (np.abs(want) + 1e-30)).max()))
        ok = ok and bool(np.all(diff <= args.atol + args.rtol * np.abs(want)))
    with open(stats) as f:
        report = json.load(f)
    cycles = report["total"]["cycles"]
    host = sum(a["busy_cycles"].get("host", 0) for a in report["accelerators"])
    share = 100.0 * host / max(1, report["makespan_cycles"])
    print(f"{short}: max abs error {abs_err:.3g}, max rel error {rel_err:.3g}, "
          f"cycles {cycles}, host {share:.1f}%: {'PASS' if ok else 'FAIL'}",
          flush=True)
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--tools", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--accel-config", default="gemmini")
    parser.add_argument("--array")
    parser.add_argument("--dataflow")
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--atol", type=float, default=1e-5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--int8", action="store_true",
                        help="quantise both and require equal outputs")
    parser.add_argument("--per-tensor", action="store_true",
                        help="--int8 with one weight scale per tensor")
    args = parser.parse_args()
    if args.int8:
        args.rtol = args.atol = 0.0
    passed = failed = 0
    for name in args.models:
        try:
            ok = check(name, args)
        except RuntimeError as error:
            print(f"{name}: {error}: FAIL", flush=True)
            ok = False
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
