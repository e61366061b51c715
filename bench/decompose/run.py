#!/usr/bin/python3
"""Basis decomposition (issue 5): what it costs in fidelity and buys in
weights, MACs and CPU time, per model and decomposition setting.

Models: the trained Fashion-MNIST ResNet (scripts/train-fashion-mnist.py
--cached), the same network trained with a low-rank penalty on its 3x3
kernels (scripts/train-fashion-mnist-low-rank.py --cached) and the seeded
random-weight torchvision exports of scripts/export-torch-models.py --cached
(resnet18, mobilenet_v2, squeezenet1_1). The Fashion-MNIST rows also include
the original network fine-tuned in basis form by distillation
(scripts/finetune-fashion-mnist-basis.py --cached, FINETUNED_SETTINGS),
measured against the original. Random weights are full rank: their rows check correctness
(the fast pipeline's sparse kernel against the reference lowering of the same
decomposed model), not the trade-off.

For each model the original is imported (spade-import); each setting
runs the model passes with spade-opt (spade-decompose-basis,
spade-prune-coefficients, spade-quantize-coefficients; data-aware settings
get the calibration inputs of every convolution, recorded here as
conv<i>.npy by running the original with those inputs exposed as outputs).
Then, per setting:
  * conv-weight bytes: the weights of every convolution as the compiled
    model holds them (dense f32 for ordinary convolutions; for basis
    convolutions the f32 basis plus the CSR form the CPU kernel stores:
    the nonzero coefficients at their width, a 16-bit index per nonzero,
    32-bit row starts and f32 scales), and the ratio to the original;
  * MACs of the convolutions (basis stage + one per nonzero coefficient and
    output pixel);
  * latency, 1 thread, spade-run --bench (min and median over the runs: the
    machine is shared, the minimum is the least disturbed run), of the
    original and of the decomposed model compiled by Spade, and of
    onnxruntime-node on the original; the original is re-timed after every
    setting and the speed-up (min) uses its least disturbed run so far;
  * the paired speed-up: the median of t(original) / t(decomposed) over
    10 x runs rounds of one run each, back to back in one process (robust
    to the load of a shared machine, see paired_speedup);
  * fidelity against the original model run by Spade: top-1 agreement and
    max / mean absolute output error on the evaluation inputs (the 10k test
    images for Fashion-MNIST, with accuracy; seeded random images for the
    others), and for random-weight models the max error of the fast
    pipeline against the reference one on the decomposed model.
Writes Markdown to stdout (and --out).

Usage: run.py [--models fmnist,resnet18,...] [--build-dir DIR] [--runs N]
              [--inputs N] [--work DIR] [--out FILE]"""
import argparse
import ctypes
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnx.shape_inference

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SCRIPTS = os.path.join(ROOT, "scripts")

# (label, passes); {act} is the calibration directory. Data-aware settings
# re-fit coefficients to each layer's output on the calibration inputs.
FMNIST_SETTINGS = [
    ("svd K=6", "spade-decompose-basis{num-basis=6}"),
    ("svd K=4", "spade-decompose-basis{num-basis=4}"),
    ("svd K=4 refit", "spade-decompose-basis{num-basis=4 activations={act}}"),
    ("budget 0.05 refit",
     "spade-decompose-basis{error-budget=0.05 activations={act}}"),
    ("budget 0.05 + 50% + int8",
     "spade-decompose-basis{error-budget=0.05 activations={act}},"
     "spade-prune-coefficients{sparsity=0.5 activations={act}},"
     "spade-quantize-coefficients{bits=8}"),
    ("K=4 refit + 50% + int8",
     "spade-decompose-basis{num-basis=4 activations={act}},"
     "spade-prune-coefficients{sparsity=0.5 activations={act}},"
     "spade-quantize-coefficients{bits=8}"),
    ("K=3 refit + 60% + int4",
     "spade-decompose-basis{num-basis=3 activations={act}},"
     "spade-prune-coefficients{sparsity=0.6 activations={act}},"
     "spade-quantize-coefficients{bits=4}"),
    ("K=6 refit + 30% + int8",
     "spade-decompose-basis{num-basis=6 activations={act}},"
     "spade-prune-coefficients{sparsity=0.3 activations={act}},"
     "spade-quantize-coefficients{bits=8}"),
    ("K=5 refit + 40% + int8",
     "spade-decompose-basis{num-basis=5 activations={act}},"
     "spade-prune-coefficients{sparsity=0.4 activations={act}},"
     "spade-quantize-coefficients{bits=8}"),
    ("K=4 refit + 40% + int8",
     "spade-decompose-basis{num-basis=4 activations={act}},"
     "spade-prune-coefficients{sparsity=0.4 activations={act}},"
     "spade-quantize-coefficients{bits=8}"),
    ("K=3 refit + 40% + int8",
     "spade-decompose-basis{num-basis=3 activations={act}},"
     "spade-prune-coefficients{sparsity=0.4 activations={act}},"
     "spade-quantize-coefficients{bits=8}"),
    ("K=3 refit + 30% + int8",
     "spade-decompose-basis{num-basis=3 activations={act}},"
     "spade-prune-coefficients{sparsity=0.3 activations={act}},"
     "spade-quantize-coefficients{bits=8}"),
    # The driver's sequential refit: each layer fitted on the inputs the
    # already-approximated layers produce.
    ("K=4 sequential refit + 50% + int8",
     "driver:num-basis=4,sparsity=0.5,bits=8,sequential=1,calibration={calib}"),
    ("K=5 sequential refit + 40% + int8",
     "driver:num-basis=5,sparsity=0.4,bits=8,sequential=1,calibration={calib}"),
    ("budget 0.01 refit + budget 0.01 + int8",
     "spade-decompose-basis{error-budget=0.01 activations={act}},"
     "spade-prune-coefficients{error-budget=0.01 activations={act}},"
     "spade-quantize-coefficients{bits=8}"),
    ("budget 0.02 refit + budget 0.04 + int8",
     "spade-decompose-basis{error-budget=0.02 activations={act}},"
     "spade-prune-coefficients{error-budget=0.04 activations={act}},"
     "spade-quantize-coefficients{bits=8}"),
]
# (label, K, sparsity, epochs): the network fine-tuned in basis form from the
# original (scripts/finetune-fashion-mnist-basis.py, cached), compiled with
# its pairs raised and its int8-valued coefficients stored as int8; its
# fidelity and speed are measured against the original, like the others.
FINETUNED_SETTINGS = [
    ("fine-tuned K=4 + 50% + int8", 4, 0.5, 5),
    ("fine-tuned K=4 + 40% + int8", 4, 0.4, 5),
    ("fine-tuned K=5 + 50% + int8", 5, 0.5, 5),
    ("fine-tuned K=5 + 60% + int8", 5, 0.6, 5),
    ("fine-tuned 10 epochs K=5 + 50% + int8", 5, 0.5, 10),
    ("fine-tuned 10 epochs K=6 + 60% + int8", 6, 0.6, 10),
]
FINETUNED_PASSES = ("spade-raise-basis-convs,"
                    "spade-quantize-coefficients{bits=8}")
RANDOM_SETTINGS = [
    ("K=4 + 50% + int8",
     "spade-decompose-basis{num-basis=4},"
     "spade-prune-coefficients{sparsity=0.5},"
     "spade-quantize-coefficients{bits=8}"),
    ("K=3 + 60% + int4",
     "spade-decompose-basis{num-basis=3},"
     "spade-prune-coefficients{sparsity=0.6},"
     "spade-quantize-coefficients{bits=4}"),
]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"{os.path.basename(cmd[0])} exit {p.returncode}: "
                           + (p.stderr.strip() or p.stdout.strip())[-800:])
    return p.stdout


def setup_output(cmd):
    return run(cmd).strip().splitlines()[-1]


# --- conv weights and MACs from the MLIR text ---------------------------

TENSOR = r"tensor<([0-9x]+)x([a-z0-9]+)>"


def dims(text):
    m = re.fullmatch(TENSOR, text.strip())
    return [int(d) for d in m.group(1).split("x")], m.group(2)


def resources(mlir):
    """dense_resource blobs: name -> raw bytes (after the alignment word)."""
    out = {}
    m = re.search(r"\{-#\s*dialect_resources:(.*)#-\}", mlir, re.S)
    if m:
        for name, hexdata in re.findall(r'^\s*"?([^"\s]+?)"?: "0x([0-9A-Fa-f]+)"',
                                        m.group(1), re.M):
            out[name] = bytes.fromhex(hexdata)[4:]
    return out


def constant_values(mlir, blobs, name, shape, elem):
    """The values of the arith.constant named `name` as a flat array."""
    m = re.search(rf"^\s*{re.escape(name)} = arith\.constant (dense(?:_resource)?<.*?>) :",
                  mlir, re.M)
    if not m:
        return None
    attr = m.group(1)
    count = int(np.prod(shape))
    np_type = {"f32": np.float32, "i8": np.int8, "i4": np.int8}[elem]
    if attr.startswith("dense_resource<"):
        data = blobs[attr[len("dense_resource<"):-1].strip('"')]
        return np.frombuffer(data, np_type)[:count]
    body = attr[len("dense<"):-1]
    if body.startswith('"0x'):
        return np.frombuffer(bytes.fromhex(body[3:-1]), np_type)[:count]
    values = np.array([float(v) for v in re.findall(
        r"[-+0-9.eE]+|true|false", body)], np.float64)
    if values.size == 1:
        values = np.full(count, values[0])
    return values


def conv_stats(mlir):
    """(weight bytes, MACs) over the convolutions of a module."""
    blobs = resources(mlir)
    total_bytes = total_macs = 0
    for line in mlir.splitlines():
        if re.search(r"linalg\.(depthwise_)?conv_2d", line):
            types = re.search(r"ins\(.*? : (.*?)\) outs\(.*? : (.*?)\)", line)
            if not types:
                continue
            ins = [t.strip() for t in re.findall(TENSOR.replace("(", "(?:"),
                                                  types.group(1))]
            w, _ = dims(ins[1])
            out, _ = dims(types.group(2))
            total_bytes += 4 * int(np.prod(w))
            # Per output element: every weight of one output channel.
            per_output = int(np.prod(w)) // (w[0] if len(w) == 4 else 1)
            if "depthwise" in line:
                per_output = int(np.prod(w[1:]))
            if "ngchw" in line:
                per_output = int(np.prod(w[2:]))
            total_macs += int(np.prod(out)) * per_output
        elif "spade.basis_conv" in line:
            m = re.search(r"spade\.basis_conv (%[\w#]+), (%[\w#]+), (%[\w#]+)", line)
            types = line.rsplit(" : ", 1)[1]
            ts, result = types.split("->")
            tlist = re.findall(TENSOR.replace("(", "(?:"), ts)
            xin, _ = dims(tlist[0])
            basis, _ = dims(tlist[1])
            coeff, elem = dims(tlist[2])
            out, _ = dims(result)
            values = constant_values(mlir, blobs, m.group(3), coeff, elem)
            nnz = int(np.count_nonzero(values)) if values is not None \
                else int(np.prod(coeff))
            bits = {"f32": 32, "i8": 8, "i4": 4}[elem]
            cout = coeff[0]
            nbytes = 4 * int(np.prod(basis)) + nnz * bits / 8 + 2 * nnz + \
                4 * (cout + 1) + (4 * cout if bits != 32 else 0)
            pixels = out[0] * out[2] * out[3]
            total_bytes += nbytes
            total_macs += pixels * (xin[1] * int(np.prod(basis)) + nnz)
    return total_bytes, total_macs



# --- running models -------------------------------------------------------

class CompiledModel:
    """A model compiled by spade-compile into a shared library, run in
    process through its C API (include/spade-c/Runtime.h) with ctypes."""

    def __init__(self, so_path, threads=1):
        lib = self.lib = ctypes.CDLL(so_path)
        lib.spade_model_create.restype = ctypes.c_void_p
        for f in ("input", "output"):
            getattr(lib, f"spade_model_{f}_rank").restype = ctypes.c_size_t
            getattr(lib, f"spade_model_{f}_shape").restype = \
                ctypes.POINTER(ctypes.c_int64)
            for g in ("rank", "shape", "dtype", "num_bytes"):
                getattr(lib, f"spade_model_{f}_{g}").argtypes = [
                    ctypes.c_void_p, ctypes.c_size_t]
        lib.spade_model_num_outputs.restype = ctypes.c_size_t
        lib.spade_model_num_outputs.argtypes = [ctypes.c_void_p]
        lib.spade_model_set_num_threads.argtypes = [ctypes.c_void_p,
                                                    ctypes.c_int]
        lib.spade_model_run.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_size_t,
            ctypes.POINTER(ctypes.c_void_p), ctypes.c_size_t]
        lib.spade_model_last_error.restype = ctypes.c_char_p
        lib.spade_model_last_error.argtypes = [ctypes.c_void_p]
        self.handle = lib.spade_model_create()
        lib.spade_model_set_num_threads(self.handle, threads)
        self.in_shape = self.shape("input", 0)
        self.out_shapes = [self.shape("output", i) for i in
                           range(lib.spade_model_num_outputs(self.handle))]

    def shape(self, kind, i):
        rank = getattr(self.lib, f"spade_model_{kind}_rank")(self.handle, i)
        dims = getattr(self.lib, f"spade_model_{kind}_shape")(self.handle, i)
        return tuple(dims[d] for d in range(rank))

    def run(self, x):
        """All (f32) outputs for one input of the model's input shape."""
        x = np.ascontiguousarray(x, np.float32).reshape(self.in_shape)
        outs = [np.empty(s, np.float32) for s in self.out_shapes]
        ins = (ctypes.c_void_p * 1)(x.ctypes.data)
        ptrs = (ctypes.c_void_p * len(outs))(*[o.ctypes.data for o in outs])
        if self.lib.spade_model_run(self.handle, ins, 1, ptrs, len(outs)):
            raise RuntimeError(self.lib.spade_model_last_error(self.handle))
        return outs


class Runner:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.join(args.build_dir, "bin")
        self.work = args.work
        os.makedirs(self.work, exist_ok=True)

    def tool(self, name, *args, env=None):
        return run([os.path.join(self.bin, name), *args], env=env)

    def import_onnx(self, onnx_path, out):
        self.tool("spade-import", onnx_path, "-o", out)

    def passes(self, src, pipeline, out):
        self.tool("spade-opt", src,
                  f"--pass-pipeline=builtin.module({pipeline})", "-o", out)

    def compile(self, model_path, pipeline="fast"):
        out = os.path.splitext(model_path)[0] + f".{pipeline}"
        self.tool("spade-compile", model_path, f"--pipeline={pipeline}",
                  "-o", out)
        return CompiledModel(out + ".so")

    def outputs(self, model_path, inputs, pipeline="fast"):
        """First output of the model for each input (batch 1 each), and the
        compiled model."""
        model = self.compile(model_path, pipeline)
        return np.stack([model.run(x[None])[0][0] for x in inputs]), model

    def compile_decomposed(self, onnx_path, flag, out):
        """spade-compile --decompose=FLAG (the driver, for what the passes
        alone do not do, like sequential refit): the shared library and
        the conv-weight bytes and MACs from its report."""
        base = os.path.splitext(out)[0]
        self.tool("spade-compile", onnx_path, f"--decompose={flag}",
                  f"--decompose-report={base}.json", "-o", base)
        with open(f"{base}.json") as f:
            total = json.load(f)["total"]
        return base + ".so", total["param_bytes_after"], total["macs_after"]

    def latency(self, model_path, input_file, runs):
        """spade-run --bench on the shared library that outputs() compiled
        from an .mlir model, so that latency, paired speed-up and outputs
        all come from the same binaries."""
        if model_path.endswith(".mlir"):
            model_path = os.path.splitext(model_path)[0] + ".fast.so"
        out = self.tool("spade-run", model_path, "--input", input_file,
                        "--threads", "1", "--bench", str(runs),
                        env=dict(os.environ, OMP_NUM_THREADS="1"))
        m = re.search(r"min ([0-9.]+) ms, median ([0-9.]+) ms", out)
        return float(m.group(1)), float(m.group(2))

    def ort_latency(self, model_path, input_file, runs, node_path):
        out = run(["node", os.path.join(SCRIPTS, "ort-run.js"), model_path,
                   "--input", input_file, "--threads", "1", "--bench",
                   str(runs)], env=dict(os.environ, NODE_PATH=node_path))
        m = re.search(r"min ([0-9.]+) ms, median ([0-9.]+) ms", out)
        return float(m.group(1)), float(m.group(2))

    def record_conv_inputs(self, onnx_path, inputs, out_dir, mlir=None):
        """conv<i>.npy: the input of the i-th Conv node (graph order) on
        `inputs`, zero-padded as the convolution reads it (what the passes
        expect), by running the original with those inputs exposed as
        outputs."""
        model = onnx.shape_inference.infer_shapes(onnx.load(onnx_path))
        convs = [n.input[0] for n in model.graph.node if n.op_type == "Conv"]
        known = {v.name: v for v in list(model.graph.value_info) +
                 list(model.graph.input) + list(model.graph.output)}
        outputs = [o.name for o in model.graph.output]
        for name in convs:
            if name not in outputs:
                model.graph.output.append(known[name])
                outputs.append(name)
        path = os.path.join(out_dir, "probe.onnx")
        onnx.save(model, path)
        probe = self.compile(path)
        per_input = [probe.run(x[None]) for x in inputs]
        nodes = [n for n in model.graph.node if n.op_type == "Conv"]
        shapes = [dims(m)[0] for m in re.findall(
            r"linalg\.(?:depthwise_)?conv_2d\w* .*?ins\(.*? : "
            r"(tensor<[0-9x]+xf32>)", mlir or "")]
        if len(shapes) != len(convs):
            shapes = None
        for i, name in enumerate(convs):
            k = outputs.index(name)
            x = np.concatenate([r[k] for r in per_input])
            # The passes read the input of the (padded) linalg convolution.
            pads = [a.ints for a in nodes[i].attribute if a.name == "pads"]
            if pads:
                t, l, b, rr = pads[0]
                x = np.pad(x, ((0, 0), (0, 0), (t, b), (l, rr)))
            if shapes:
                # The importer drops padding no window reaches.
                x = x[:, :, :shapes[i][2], :shapes[i][3]]
            np.save(os.path.join(out_dir, f"conv{i}.npy"), x)


def paired_speedup(original, decomposed, x, rounds):
    """Median over `rounds` of t(original) / t(decomposed), one run of each
    back to back in this process on one thread: the two runs of a round see
    the same load from the other users of the machine, which separate
    min-over-runs measurements taken minutes apart do not."""
    x = x[None]
    original.run(x)
    decomposed.run(x)
    ratios = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        original.run(x)
        t1 = time.perf_counter()
        decomposed.run(x)
        ratios.append((t1 - t0) / (time.perf_counter() - t1))
    return float(np.median(ratios))


def top1(a, b):
    return float(np.mean(a.argmax(1) == b.argmax(1)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models",
                    default="fmnist,fmnist-low-rank,resnet18,mobilenet_v2,"
                    "squeezenet1_1")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--inputs", type=int, default=8,
                    help="random evaluation inputs of the random-weight models")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(),
                                                   "spade-decompose-bench"))
    ap.add_argument("--out")
    ap.add_argument("--settings", help="only settings whose label contains "
                    "one of these comma-separated strings")
    ap.add_argument("--skip", help="skip settings whose label contains one "
                    "of these comma-separated strings")
    args = ap.parse_args()
    r = Runner(args)
    node_path = setup_output(["bash", os.path.join(SCRIPTS,
                                                   "setup-onnxruntime.sh")])
    rows = []
    header = ("| model | setting | conv weights | compression | conv MACs | "
              "MAC ratio | Spade ms (min/med) | decomposed ms (min/med) | "
              "speed-up (min) | speed-up (paired) | ORT ms (min/med) | "
              "top-1 agreement | "
              "max / mean abs err | accuracy |")
    rows.append(header)
    rows.append("|" + "---|" * (header.count("|") - 1))

    for model in args.models.split(","):
        mdir = os.path.join(r.work, model)
        os.makedirs(mdir, exist_ok=True)
        if model in ("fmnist", "fmnist-low-rank"):
            script = {"fmnist": "train-fashion-mnist.py",
                      "fmnist-low-rank": "train-fashion-mnist-low-rank.py"}
            data = setup_output([sys.executable, os.path.join(
                SCRIPTS, script[model]), "--cached"])
            onnx_path = os.path.join(data, "model.onnx")
            inputs = np.load(os.path.join(data, "test_images.npy"))
            labels = np.load(os.path.join(data, "test_labels.npy"))
            calib_file = os.path.join(data, "calibration.npy")
            calib = np.load(calib_file)
            settings = FMNIST_SETTINGS
            if model == "fmnist":
                settings = settings + [(label, FINETUNED_PASSES, tuning)
                                       for label, *tuning in FINETUNED_SETTINGS]
        else:
            models = setup_output([sys.executable, os.path.join(
                SCRIPTS, "export-torch-models.py"), "--cached"])
            onnx_path = os.path.join(models, model, "model.onnx")
            rng = np.random.default_rng(1)
            inputs = rng.standard_normal(
                (args.inputs, 3, 224, 224)).astype(np.float32)
            labels = None
            calib = rng.standard_normal((4, 3, 224, 224)).astype(np.float32)
            calib_file = os.path.join(mdir, "calibration.npy")
            np.save(calib_file, calib)
            settings = RANDOM_SETTINGS
        if args.settings:
            keep = args.settings.split(",")
            settings = [s for s in settings if any(k in s[0] for k in keep)]
        if args.skip:
            skip = args.skip.split(",")
            settings = [s for s in settings
                        if not any(k in s[0] for k in skip)]
        orig_mlir = os.path.join(mdir, "original.mlir")
        r.import_onnx(onnx_path, orig_mlir)
        input_file = os.path.join(mdir, "input.npy")
        np.save(input_file, inputs[:1])
        act = os.path.join(mdir, "act")
        os.makedirs(act, exist_ok=True)
        settings = [s if len(s) == 3 else (*s, None) for s in settings]
        if any("{act}" in p for _, p, _ in settings):
            with open(orig_mlir) as f:
                r.record_conv_inputs(onnx_path, calib, act, f.read())

        with open(orig_mlir) as f:
            orig_bytes, orig_macs = conv_stats(f.read())
        log(f"{model}: original outputs on {len(inputs)} inputs")
        ref, orig_model = r.outputs(orig_mlir, inputs)
        orig_lat = r.latency(orig_mlir, input_file, args.runs)
        ort_lat = r.ort_latency(onnx_path, input_file, args.runs, node_path)
        acc = ""
        if labels is not None:
            acc = f"{np.mean(ref.argmax(1) == labels):.4f}"
        rows.append(f"| {model} | original | {orig_bytes / 1e6:.3f} MB | 1x | "
                    f"{orig_macs / 1e6:.1f} M | 1x | {orig_lat[0]:.2f} / "
                    f"{orig_lat[1]:.2f} | | | | {ort_lat[0]:.2f} / "
                    f"{ort_lat[1]:.2f} | | | {acc} |")
        log(rows[-1])
        for label, pipeline, finetuned in settings:
            out = os.path.join(mdir, re.sub(r"\W+", "_", label) + ".mlir")
            t0 = time.monotonic()
            so = None
            try:
                if pipeline.startswith("driver:"):
                    so, nbytes, macs = r.compile_decomposed(
                        onnx_path, pipeline[len("driver:"):].replace(
                            "{calib}", calib_file), out)
                    pipeline = ""
                source = orig_mlir
                if finetuned:
                    log(f"{model} {label}: fine-tuning (cached)")
                    tuned = setup_output([sys.executable, os.path.join(
                        SCRIPTS, "finetune-fashion-mnist-basis.py"),
                        *map(str, finetuned), "--cached"])
                    source = out.replace(".mlir", ".imported.mlir")
                    r.import_onnx(os.path.join(tuned, "model.onnx"), source)
                if pipeline:
                    r.passes(source, pipeline.replace("{act}", act), out)
            except RuntimeError as e:
                rows.append(f"| {model} | {label} | failed: "
                            f"{str(e).splitlines()[0][:200]} |")
                log(rows[-1])
                continue
            log(f"{model} {label}: passes {time.monotonic() - t0:.1f} s")
            if so:
                decomposed = CompiledModel(so)
                outs = np.stack([decomposed.run(x[None])[0][0]
                                 for x in inputs])
            else:
                with open(out) as f:
                    nbytes, macs = conv_stats(f.read())
                outs, decomposed = r.outputs(out, inputs)
            paired = paired_speedup(orig_model, decomposed, inputs[0],
                                    10 * args.runs)
            lat = r.latency(so or out, input_file, args.runs)
            # The original again, right after: the speed-up divides the
            # least disturbed runs seen so far of both.
            again = r.latency(orig_mlir, input_file, args.runs)
            orig_lat = (min(orig_lat[0], again[0]), orig_lat[1])
            err = np.abs(outs - ref)
            acc = ""
            if labels is not None:
                acc = f"{np.mean(outs.argmax(1) == labels):.4f}"
            else:
                # Correctness of the kernel: fast vs reference pipeline on
                # the decomposed model itself.
                fast = outs[:1]
                slow, _ = r.outputs(out, inputs[:1], "reference")
                acc = f"fast vs reference: {np.abs(fast - slow).max():.2e}"
            rows.append(
                f"| {model} | {label} | {nbytes / 1e6:.3f} MB | "
                f"{orig_bytes / nbytes:.2f}x | {macs / 1e6:.1f} M | "
                f"{orig_macs / macs:.2f}x | {orig_lat[0]:.2f} / "
                f"{orig_lat[1]:.2f} | {lat[0]:.2f} / {lat[1]:.2f} | "
                f"{orig_lat[0] / lat[0]:.2f}x | {paired:.2f}x | | "
                f"{top1(outs, ref):.4f} | "
                f"{err.max():.3g} / {err.mean():.3g} | {acc} |")
            log(rows[-1])
    text = "\n".join(rows)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
