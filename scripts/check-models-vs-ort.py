#!/usr/bin/python3
"""Checks that Spade computes what onnxruntime-node computes on real models.

For each model exported by export-torch-models.py (cached outside the clone),
makes seeded random inputs (normal floats; integer indices within each
table's range), runs onnxruntime-node (scripts/ort-run.js, installed by
scripts/setup-onnxruntime.sh) and spade-run, and compares every output with
|spade - ort| <= atol + rtol * |ort|. Prints one line per model
  NAME: max abs error A, max rel error R, K/N outside tolerance: PASS|FAIL
and last "N passed, M failed". Exits 1 if any model failed or could not run;
missing PyTorch, npm or onnxruntime-node are failures, not skips.

When spade-compile supports --emit=shared, models are compiled ahead of time
to a shared library and spade-run runs that (--aot=auto, the default);
--aot=no always uses spade-run's in-process JIT on the .onnx file."""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODELS = "squeezenet1_1,mobilenet_v2,transformer,dlrm,dlrm_b32,resnet18"


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(cmd, timeout, env=None):
    """Runs cmd; returns (ok, stdout, one-line reason)."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return False, "", f"timed out after {timeout} s"
    except OSError as e:
        return False, "", str(e)
    if p.returncode != 0:
        lines = (p.stderr.strip() or p.stdout.strip() or "no output").splitlines()
        return False, p.stdout, f"exit {p.returncode}: {lines[-1]}"
    return True, p.stdout, ""


def models_dir():
    p = subprocess.run([sys.executable, os.path.join(
        SCRIPTS, "export-torch-models.py"), "--cached"],
        capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("check-models-vs-ort: exporting the models failed (is "
                 "python3-torch installed? scripts/install-deps.sh installs "
                 "it):\n" + p.stderr.strip())
    return p.stdout.strip().splitlines()[-1]


def onnxruntime_node_path():
    p = subprocess.run(["bash", os.path.join(SCRIPTS, "setup-onnxruntime.sh")],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("check-models-vs-ort: installing onnxruntime-node failed:\n"
                 + p.stderr.strip())
    return p.stdout.strip().splitlines()[-1]


def tool_help_matches(tool, pattern):
    """Whether `tool --help` has a line matching pattern: the tools are
    growing the flags this script uses (--emit=shared, .so models in
    spade-run, --threads)."""
    if not tool or not os.access(tool, os.X_OK):
        return False
    p = subprocess.run([tool, "--help"], capture_output=True, text=True)
    return re.search(pattern, p.stdout, re.MULTILINE) is not None


def make_inputs(model, folder, seed):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    args = []
    for spec in model["inputs"]:
        if "high" in spec:
            x = rng.integers(spec["low"], spec["high"], spec["shape"])
        else:
            x = rng.standard_normal(spec["shape"])
        path = os.path.join(folder, spec["name"] + ".npy")
        np.save(path, x.astype(spec["dtype"]))
        args += ["--input", f"{spec['name']}={path}"]
    return args


def compare(actual, expected, rtol, atol):
    """Returns (max abs error, max rel error, mismatches, elements, problem)."""
    if actual.shape != expected.shape or actual.dtype != expected.dtype:
        return 0, 0, expected.size, expected.size, (
            f"{actual.dtype}{list(actual.shape)} vs ort "
            f"{expected.dtype}{list(expected.shape)}")
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    err = np.abs(a - e)
    err[np.isnan(a) & np.isnan(e)] = 0
    err[np.isnan(err)] = np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(err > 0, err / np.abs(e), 0)
    bad = int(np.count_nonzero(~(err <= atol + rtol * np.abs(e))))
    return (float(err.max(initial=0)), float(rel.max(initial=0)), bad, e.size,
            "")


def check(model, args, mdir, node_path, aot):
    name = model["name"]
    onnx_file = os.path.join(mdir, name, "model.onnx")
    work = os.path.join(args.work, name)
    inputs = make_inputs(model, os.path.join(work, "inputs"), args.seed)
    threads = ["--threads", str(args.threads)]
    # Older spade-run has no --threads; OpenMP then reads OMP_NUM_THREADS.
    spade_threads = threads if args.spade_run_threads else []
    spade_env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    pipeline = [f"--pipeline={args.pipeline}"] if args.pipeline else []

    env = dict(os.environ, NODE_PATH=node_path)
    t0 = time.monotonic()
    ok, _, why = run(["node", os.path.join(SCRIPTS, "ort-run.js"), onnx_file,
                      *inputs, *threads, "--output-dir",
                      os.path.join(work, "ort")], args.timeout, env)
    if not ok:
        return False, f"onnxruntime-node failed: {why}"
    t1 = time.monotonic()

    spade_model = onnx_file
    if aot:
        spade_model = os.path.join(work, "model.so")
        ok, _, why = run([args.spade_compile, onnx_file, "--emit=shared",
                          *pipeline, "-o", spade_model[:-3]], args.timeout)
        if not ok:
            return False, f"spade-compile failed: {why}"
    ok, _, why = run([args.spade_run, spade_model, *inputs, *spade_threads,
                      *([] if aot else pipeline),
                      "--output-dir", os.path.join(work, "spade")],
                     args.timeout, spade_env)
    if not ok:
        return False, f"spade-run failed: {why}"
    t2 = time.monotonic()

    worst = (0.0, 0.0, 0, 0)
    for out in model["outputs"]:
        try:
            expected = np.load(os.path.join(work, "ort", out + ".npy"))
            actual = np.load(os.path.join(work, "spade", out + ".npy"))
        except OSError as e:
            return False, f"output '{out}': {e}"
        abs_err, rel_err, bad, n, problem = compare(actual, expected,
                                                    args.rtol, args.atol)
        if problem:
            return False, f"output '{out}': {problem}"
        worst = (max(worst[0], abs_err), max(worst[1], rel_err),
                 worst[2] + bad, worst[3] + n)
    passed = worst[2] == 0
    return passed, (f"max abs error {worst[0]:.3g}, max rel error "
                    f"{worst[1]:.3g}, {worst[2]}/{worst[3]} outside tolerance "
                    f"(wall time: ort {t1 - t0:.1f} s, spade compile + run "
                    f"{t2 - t1:.1f} s)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spade-run", required=True)
    ap.add_argument("--spade-compile", default="",
                    help="used for --emit=shared when it supports it")
    ap.add_argument("--aot", choices=("auto", "no"), default="auto")
    ap.add_argument("--pipeline", default="",
                    help="spade-compile/spade-run --pipeline (default: "
                    "theirs)")
    ap.add_argument("--models", default=DEFAULT_MODELS,
                    help=f"comma-separated (default {DEFAULT_MODELS}); 'all' "
                    "adds resnet18_b32 and the GEMM models")
    ap.add_argument("--work", default="ort-check",
                    help="directory for inputs and outputs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--atol", type=float, default=1e-4)
    ap.add_argument("--timeout", type=int, default=900,
                    help="seconds per tool invocation")
    args = ap.parse_args()

    mdir = models_dir()
    node_path = onnxruntime_node_path()
    manifest = {m["name"]: m for m in json.load(
        open(os.path.join(mdir, "manifest.json")))["models"]}
    names = list(manifest) if args.models == "all" else args.models.split(",")
    unknown = [n for n in names if n not in manifest]
    if unknown:
        sys.exit(f"check-models-vs-ort: unknown model(s) {', '.join(unknown)}"
                 f"; known: {', '.join(manifest)}")
    aot = (args.aot == "auto"
           and tool_help_matches(args.spade_compile, r"^\s+=shared\s")
           and tool_help_matches(args.spade_run, r"^USAGE:.*\.so"))
    # An LLVM library registers a --threads without description.
    args.spade_run_threads = tool_help_matches(args.spade_run,
                                               r"^\s+--threads\S*\s+- \S")
    log(f"models from {mdir}; spade-run on "
        f"{'compiled .so' if aot else '.onnx (in-process JIT)'}, "
        f"pipeline {args.pipeline or 'default'}, "
        f"{args.threads} thread(s)")

    passed = failed = 0
    for name in names:
        ok, detail = check(manifest[name], args, mdir, node_path, aot)
        print(f"{name}: {detail}: {'PASS' if ok else 'FAIL'}", flush=True)
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
