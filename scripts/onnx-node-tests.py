#!/usr/bin/python3
"""ONNX backend node-test conformance for Spade.

Runs spade-import over every node test shipped by Debian's libonnx-testdata
(<data>/node/*/model.onnx) and classifies each as passed (imported, MLIR
verifies), unsupported (a diagnostic saying Spade lacks the feature), failed
(any other diagnostic), crash (signal, assertion, non-1 exit) or timeout.

A test whose shape-like integer or bool inputs must be constants (e.g. Reshape's
target shape fed as a graph input) is retried with those inputs bound from
test_data_set_0 (--constant-input), as onnx-mlir's backend tests do; such
tests are counted as passed and listed as "bound".

With --spade-run, every test that imports is also compiled for the host CPU
and run on each test_data_set_*; its outputs must match the expected ones
within ONNX's default tolerances (rtol 1e-3, atol 1e-7), otherwise the test
is a "mismatch" with the reported max error.

The last line is "N passed, M failed (U unsupported, C crashes, T timeouts,
X mismatches)".
"""
import argparse
import concurrent.futures as cf
import glob
import os
import re
import subprocess
import sys

DEFAULT_DATA = "/usr/share/libonnx-testdata/data/node"
RETRY_HINTS = ("Spade needs static shapes", "not a constant",
               "data-dependent shape", "unknown rank")


def graph_inputs(model_path):
    """(name, elem_type) of the graph inputs that are not initializers."""
    import onnx  # Debian's python3-onnx, only needed for retries
    m = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    return [(i.name, i.type.tensor_type.elem_type)
            for i in m.graph.input if i.name not in inits]


def run_import(tool, model, extra, timeout):
    try:
        p = subprocess.run([tool, model, "-o", os.devnull] + extra,
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", f"no result after {timeout}s"
    err = p.stderr.strip()
    first = err.splitlines()[0] if err else ""
    if p.returncode == 0:
        return "passed", ""
    if p.returncode != 1 or re.search(r"Assertion|Stack dump|PLEASE submit",
                                      err):
        return "crash", f"exit {p.returncode}: {first}"
    if ": unsupported" in err or "unsupported element type" in err or \
            "is not a tensor" in err:
        return "unsupported", first
    return "failed", first


def run_numeric(runner, model, test_dir, extra, timeout):
    """Runs every test_data_set_* through spade-run; (status, message)."""
    for data in sorted(glob.glob(os.path.join(test_dir, "test_data_set_*"))):
        inputs = sorted(glob.glob(os.path.join(data, "input_*.pb")),
                        key=lambda p: int(re.findall(r"\d+", p)[-1]))
        outputs = sorted(glob.glob(os.path.join(data, "output_*.pb")),
                         key=lambda p: int(re.findall(r"\d+", p)[-1]))
        bound = {a.split("=", 1)[1] for a in extra if "=" in a}
        cmd = [runner, model] + extra
        for f in inputs:
            if f not in bound:
                cmd += ["--input", f]
        for f in outputs:
            cmd += ["--expect", f]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timeout", f"running: no result after {timeout}s"
        if p.returncode < 0 or p.returncode > 1:
            err = p.stderr.strip().splitlines()
            return "crash", f"running: exit {p.returncode}: " + \
                (err[0] if err else "")
        if p.returncode == 1:
            bad = [l for l in p.stdout.splitlines() if "MISMATCH" in l]
            err = p.stderr.strip().splitlines()
            why = bad[0] if bad else (err[0] if err else "failed")
            return "mismatch", f"{os.path.basename(data)}: {why}"
    return "passed", ""


def run_test(tool, test_dir, timeout, runner=None):
    status, msg, extra = import_test(tool, test_dir, timeout)
    if status == "passed" and runner:
        model = os.path.join(test_dir, "model.onnx")
        status2, msg2 = run_numeric(runner, model, test_dir, extra, timeout)
        if status2 != "passed":
            return status2, msg2
    return status, msg


def import_test(tool, test_dir, timeout):
    model = os.path.join(test_dir, "model.onnx")
    status, msg = run_import(tool, model, [], timeout)
    if status in ("failed", "unsupported") and any(h in msg
                                                   for h in RETRY_HINTS):
        data = os.path.join(test_dir, "test_data_set_0")
        extra = []
        # ONNX integer and bool element types
        int_types = {2, 3, 4, 5, 6, 7, 9, 12, 13}
        for k, (name, elem) in enumerate(graph_inputs(model)):
            pb = os.path.join(data, f"input_{k}.pb")
            if elem in int_types and os.path.exists(pb):
                extra += ["--constant-input", f"{name}={pb}"]
        if extra:
            s2, m2 = run_import(tool, model, extra, timeout)
            if s2 == "passed":
                return "passed", "bound", extra
            if s2 == "crash":
                return s2, m2, []
    return status, msg, []


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spade-import", required=True)
    ap.add_argument("--spade-run",
                    help="also compile, run and compare each test's outputs")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--filter", default="", help="regex on test names")
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--log", help="write one line per non-passing test here")
    ap.add_argument("--min-pass-rate", type=float, default=0.0,
                    help="exit 1 if fewer pass (0-1), or on any crash/timeout")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    tests = sorted(d for d in glob.glob(os.path.join(args.data, "*"))
                   if os.path.isfile(os.path.join(d, "model.onnx"))
                   and re.search(args.filter, os.path.basename(d)))
    if not tests:
        print(f"no node tests under {args.data}", file=sys.stderr)
        return 2
    results = {}
    with cf.ThreadPoolExecutor(args.jobs) as ex:
        futs = {ex.submit(run_test, args.spade_import, t, args.timeout,
                          args.spade_run): t
                for t in tests}
        for f in cf.as_completed(futs):
            results[os.path.basename(futs[f])] = f.result()

    counts = {k: 0 for k in ("passed", "failed", "unsupported", "crash",
                             "timeout", "mismatch")}
    bound = 0
    lines = []
    for name in sorted(results):
        status, msg = results[name]
        counts[status] += 1
        bound += status == "passed" and msg == "bound"
        if status != "passed":
            lines.append(f"{status:11} {name}: {msg}")
    if args.log:
        with open(args.log, "w") as f:
            f.write("\n".join(lines) + "\n")
    if args.verbose:
        print("\n".join(lines))
    total = len(results)
    passed = counts["passed"]
    failed = total - passed
    what = "imported, ran and matched" if args.spade_run else \
        "imported and verified"
    print(f"node tests: {total}, {what}: {passed} "
          f"({100.0 * passed / total:.1f}%, {bound} with constant-bound "
          f"inputs)")
    mism = f", {counts['mismatch']} mismatches" if args.spade_run else ""
    print(f"{passed} passed, {failed} failed ({counts['unsupported']} "
          f"unsupported, {counts['crash']} crashes, {counts['timeout']} "
          f"timeouts{mism})")
    ok = (passed >= args.min_pass_rate * total and counts["crash"] == 0
          and counts["timeout"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
