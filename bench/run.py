#!/usr/bin/python3
"""Benchmarks Spade against onnxruntime-node 1.30 (CPU) and OpenBLAS.

Called by bench/run.sh after the build. For each model exported by
scripts/export-torch-models.py: Spade's compile time (spade-compile
--emit=shared, or --emit=obj when there is no shared output), then the median
latency of spade-run --bench and of onnxruntime-node (scripts/ort-run.js
--bench) at every thread count, with the ratio Spade/ORT. Then a GEMM
micro-benchmark (N x N x N, N = 1024, 2048): Spade on a one-MatMul ONNX model,
onnxruntime-node on the same model, and OpenBLAS cblas_sgemm (bench/sgemm.c,
compiled here) with OPENBLAS_CORETYPE=Haswell and with OpenBLAS's own choice
of kernel (OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset). Writes Markdown to
stdout and to bench/results/latest.md.

The number of timed runs adapts to the latency (one estimating run, then
enough runs to fill --budget seconds, between --min-runs and --max-runs, or
just the estimating run when --min-runs runs would exceed --max-seconds);
every figure is a median after one untimed warm-up run (spade-run, ort-run.js
and sgemm all run once untimed before --bench/RUNS timed runs)."""
import argparse
import datetime
import json
import math
import os
import platform
import re
import shlex
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "scripts")
DEFAULT_MODELS = ("resnet18,resnet18_b32,mobilenet_v2,squeezenet1_1,"
                  "transformer,dlrm,dlrm_b32")


def log(message):
    print(message, file=sys.stderr, flush=True)


class ToolError(Exception):
    pass


def run(cmd, env=None, timeout=3600):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                       timeout=timeout)
    if p.returncode != 0:
        lines = (p.stderr.strip() or p.stdout.strip() or "no output")
        raise ToolError(f"{os.path.basename(cmd[0])} exit {p.returncode}: "
                        f"{lines.splitlines()[-1]}")
    return p.stdout


def median_ms(output):
    m = re.search(r"median ([0-9.]+) ms", output)
    if not m:
        raise ToolError("no latency in output: " + output.strip()[:200])
    return float(m.group(1))


def help_matches(tool, pattern):
    if not os.access(tool, os.X_OK):
        return False
    p = subprocess.run([tool, "--help"], capture_output=True, text=True)
    return re.search(pattern, p.stdout, re.MULTILINE) is not None


def setup_output(cmd, what):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"bench: {what} failed:\n{p.stderr.strip()}")
    return p.stdout.strip().splitlines()[-1]


class Bench:
    def __init__(self, args):
        self.args = args
        bin_dir = os.path.join(args.build_dir, "bin")
        self.spade_run = os.path.join(bin_dir, "spade-run")
        self.spade_compile = os.path.join(bin_dir, "spade-compile")
        if not os.access(self.spade_run, os.X_OK):
            sys.exit(f"bench: no {self.spade_run}; build first")
        self.shared = help_matches(self.spade_compile, r"^\s+=shared\s")
        self.run_so = self.shared and help_matches(self.spade_run,
                                                   r"^USAGE:.*\.so")
        # An LLVM library registers a --threads without description.
        self.threads_flag = help_matches(self.spade_run,
                                         r"^\s+--threads\S*\s+- \S")
        self.models = setup_output(
            [sys.executable, os.path.join(SCRIPTS, "export-torch-models.py"),
             "--cached"], "exporting the models (python3-torch missing?)")
        self.node_path = setup_output(
            ["bash", os.path.join(SCRIPTS, "setup-onnxruntime.sh")],
            "installing onnxruntime-node")
        self.pipeline = ([f"--pipeline={args.pipeline}"] if args.pipeline
                         else [])
        self.work = args.work
        os.makedirs(self.work, exist_ok=True)
        self.failures = []

    def runs_for(self, estimate_ms):
        a = self.args
        n = math.ceil(a.budget * 1000 / max(estimate_ms, 1e-3))
        return max(a.min_runs, min(a.max_runs, n))

    def timed(self, make_cmd, env=None):
        """Median latency in ms, the number of timed runs and the output."""
        output = run(make_cmd(1), env)
        estimate = median_ms(output)
        # Very slow cases (the naive pipeline on a 2048^3 GEMM) keep the
        # estimating run: a warm-up and one timed run already took minutes.
        if estimate * self.args.min_runs > self.args.max_seconds * 1000:
            return estimate, 1, output
        runs = self.runs_for(estimate)
        output = run(make_cmd(runs), env)
        return median_ms(output), runs, output

    def inputs(self, name):
        folder = os.path.join(self.models, name, "inputs")
        return [arg for f in sorted(os.listdir(folder))
                for arg in ("--input", f"{f[:-4]}={os.path.join(folder, f)}")]

    def compile(self, name):
        """Compile time in s and the model file spade-run should run."""
        onnx_file = os.path.join(self.models, name, "model.onnx")
        if not os.access(self.spade_compile, os.X_OK):
            return None, onnx_file
        out = os.path.join(self.work, name)
        emit = "shared" if self.shared else "obj"
        t0 = time.monotonic()
        run([self.spade_compile, onnx_file, f"--emit={emit}",
             *self.pipeline, "-o", out])
        seconds = time.monotonic() - t0
        return seconds, (out + ".so" if self.run_so else onnx_file)

    def spade(self, model_file, name, threads):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        flags = ["--threads", str(threads)] if self.threads_flag else []
        if not model_file.endswith(".so"):
            flags += self.pipeline
        return self.timed(lambda n: [self.spade_run, model_file,
                                     *self.inputs(name), *flags, "--bench",
                                     str(n)], env)

    def ort(self, name, threads):
        env = dict(os.environ, NODE_PATH=self.node_path)
        model = os.path.join(self.models, name, "model.onnx")
        return self.timed(lambda n: [
            "node", os.path.join(SCRIPTS, "ort-run.js"), model,
            *self.inputs(name), "--threads", str(threads), "--bench", str(n)],
            env)

    def attempt(self, what, fn, *args):
        try:
            return fn(*args)
        except (ToolError, subprocess.TimeoutExpired) as e:
            self.failures.append(f"{what}: {e}")
            log(f"bench: {what}: {e}")
            return None

    def model_table(self, names, thread_counts):
        batch = {}
        with open(os.path.join(self.models, "manifest.json")) as f:
            for m in json.load(f)["models"]:
                batch[m["name"]] = m["inputs"][0]["shape"][0]
        rows = ["| model | batch | threads | Spade compile (s) | Spade median "
                "(ms) | ORT median (ms) | Spade/ORT | runs Spade/ORT |",
                "|---|---:|---:|---:|---:|---:|---:|---|"]
        for name in names:
            log(f"bench: {name}")
            compiled = self.attempt(f"{name} compile", self.compile, name)
            seconds, model_file = compiled or (None, None)
            for t in thread_counts:
                s = (self.attempt(f"{name} spade {t}T", self.spade,
                                  model_file, name, t)
                     if model_file else None)
                o = self.attempt(f"{name} ort {t}T", self.ort, name, t)
                ratio = f"{s[0] / o[0]:.1f}" if s and o else "—"
                rows.append(
                    f"| {name} | {batch[name]} | {t} | "
                    f"{f'{seconds:.1f}' if seconds is not None else '—'} | "
                    f"{f'{s[0]:.2f}' if s else 'error'} | "
                    f"{f'{o[0]:.2f}' if o else 'error'} | {ratio} | "
                    f"{s[1] if s else '—'}/{o[1] if o else '—'} |")
                log(rows[-1])
        return rows

    def openblas(self, n, threads, native):
        exe = os.path.join(self.work, "sgemm")
        if not os.path.exists(exe):
            run(["cc", "-O2", "-o", exe, os.path.join(ROOT, "bench", "sgemm.c"),
                 "-lopenblas"])
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads),
                   OMP_NUM_THREADS=str(threads))
        if native:
            env.pop("OPENBLAS_CORETYPE", None)
            env.pop("OPENBLAS_L2_SIZE", None)
        else:
            env["OPENBLAS_CORETYPE"] = "Haswell"
        ms, runs, output = self.timed(lambda r: [exe, str(n), str(r)], env)
        return ms, runs, re.match(r"openblas (\S+)", output).group(1)

    def gemm_table(self, sizes, thread_counts):
        rows = ["| N | threads | Spade (ms) | Spade GFLOP/s | ORT GFLOP/s | "
                "OpenBLAS Haswell GFLOP/s | OpenBLAS native GFLOP/s | "
                "runs Spade/ORT/Haswell/native |",
                "|---:|---:|---:|---:|---:|---:|---:|---|"]
        for n in sizes:
            name = f"matmul_{n}"
            log(f"bench: {name}")
            compiled = self.attempt(f"{name} compile", self.compile, name)
            model_file = compiled[1] if compiled else None
            flops = 2.0 * n ** 3
            for t in thread_counts:
                s = (self.attempt(f"{name} spade {t}T", self.spade,
                                  model_file, name, t)
                     if model_file else None)
                o = self.attempt(f"{name} ort {t}T", self.ort, name, t)
                h = self.attempt(f"sgemm {n} Haswell {t}T", self.openblas, n,
                                 t, False)
                v = self.attempt(f"sgemm {n} native {t}T", self.openblas, n,
                                 t, True)

                def gflops(r):
                    return f"{flops / (r[0] * 1e6):.1f}" if r else "error"

                native = f"{gflops(v)} ({v[2]})" if v else "error"
                runs = "/".join(str(r[1]) if r else "—" for r in (s, o, h, v))
                rows.append(f"| {n} | {t} | {f'{s[0]:.1f}' if s else 'error'}"
                            f" | {gflops(s)} | {gflops(o)} | {gflops(h)} | "
                            f"{native} | {runs} |")
                log(rows[-1])
        return rows


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.environ.get(
        "SPADE_BUILD_DIR", os.path.join(ROOT, "build")))
    ap.add_argument("--models", default=DEFAULT_MODELS,
                    help=f"comma-separated, '' for none (default "
                    f"{DEFAULT_MODELS})")
    ap.add_argument("--gemm", default="1024,2048",
                    help="GEMM sizes, '' for none")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--pipeline", default="",
                    help="spade-compile/spade-run --pipeline (default: "
                    "theirs)")
    ap.add_argument("--budget", type=float, default=10,
                    help="seconds of timed runs per measurement")
    ap.add_argument("--min-runs", type=int, default=3)
    ap.add_argument("--max-seconds", type=float, default=60,
                    help="when --min-runs runs would take longer, report the "
                    "single estimating run")
    ap.add_argument("--max-runs", type=int, default=50)
    ap.add_argument("--work", default="",
                    help="scratch directory (default BUILD/bench)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results",
                                                  "latest.md"))
    args = ap.parse_args()
    args.work = args.work or os.path.join(args.build_dir, "bench")
    threads = [int(t) for t in args.threads.split(",")]

    b = Bench(args)
    started = datetime.datetime.now(datetime.timezone.utc)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short",
                             "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    spade_mode = ("the shared library from spade-compile --emit=shared"
                  if b.run_so else "the .onnx, JIT-compiled in process")
    lines = [
        f"# Spade benchmark, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"Commit {commit} (build {args.build_dir}); {cpu_name()}, "
        f"{os.cpu_count()} cores. Spade: {args.pipeline or 'default'} CPU "
        f"pipeline, spade-run on {spade_mode}, threads "
        f"via {'--threads and ' if b.threads_flag else ''}OMP_NUM_THREADS; "
        f"compile time = wall time of spade-compile "
        f"--emit={'shared' if b.shared else 'obj'}. ORT: onnxruntime-node "
        "1.30.0, CPU execution provider, intra-op threads = threads, inter-op "
        "1, sequential execution, all graph optimisations. Latencies are "
        "medians over the runs given, after one warm-up run; inputs are the "
        "seed-0 inputs of scripts/export-torch-models.py.",
        "",
        "Command: `" + shlex.join([os.path.relpath(sys.argv[0], ROOT)]
                                  + sys.argv[1:]) + "` (bench/run.sh builds, "
        "then runs bench/run.py). Load average at the start: "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()) + ".",
        "",
    ]
    names = [n for n in args.models.split(",") if n]
    if names:
        lines += ["## Models", ""] + b.model_table(names, threads) + [""]
    sizes = [int(n) for n in args.gemm.split(",") if n]
    if sizes:
        lines += ["## GEMM (N x N x N, float32)", ""]
        lines += b.gemm_table(sizes, threads) + [""]
        lines += ["OpenBLAS is Debian's libopenblas (cblas_sgemm, bench/sgemm.c"
                  "); \"native\" is the kernel OpenBLAS picks for this CPU "
                  "(named in brackets) with OPENBLAS_CORETYPE and "
                  "OPENBLAS_L2_SIZE unset.", ""]
    elapsed = (datetime.datetime.now(datetime.timezone.utc) - started)
    lines.append(f"Total bench time {elapsed.total_seconds() / 60:.1f} min; "
                 "load average at the end: "
                 + " ".join(f"{x:.2f}" for x in os.getloadavg()) + ".")
    if b.failures:
        lines += ["", "Failures:", ""] + [f"- {f}" for f in b.failures]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    return 1 if b.failures else 0


if __name__ == "__main__":
    sys.exit(main())
