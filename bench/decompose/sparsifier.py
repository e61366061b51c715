#!/usr/bin/python3
"""The alternative to the dedicated CSR kernel of spade-basis-conv-to-csr-kernel
for the coefficient stage: MLIR's sparsifier on the same product,
Y[Cout][P] = C[Cout][Cin*K] (CSR, f32) x R[Cin*K][P], timed with mlir-runner
(minimum over 200 calls, 1 thread). Compare with the basis-conv layer of
bench/decompose/layers.py at the same shape minus its basis stage (time a
layer with one output channel, --shapes CIN,1,H, for that stage alone).

Usage: sparsifier.py [--cout 128] [--rows 256] [--pixels 784]
                     [--sparsity 0.7] [--options "enable-runtime-library=false vl=16"]"""
import argparse
import os
import re
import subprocess
import tempfile

import numpy as np

LLVM = "/usr/lib/llvm-22"


def module(cout, rows, pixels, sparsity):
    rng = np.random.default_rng(0)
    c = rng.standard_normal((cout, rows)).astype(np.float32)
    c[rng.random(c.shape) < sparsity] = 0
    cty = f"tensor<{cout}x{rows}xf32"
    rty = f"tensor<{rows}x{pixels}xf32>"
    yty = f"tensor<{cout}x{pixels}xf32>"
    return f'''#CSR = #sparse_tensor.encoding<{{map = (d0, d1) -> (d0 : dense, d1 : compressed)}}>
func.func @mix(%cs: {cty}, #CSR>, %r: {rty}) -> {yty} {{
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {yty}
  %f = linalg.fill ins(%z : f32) outs(%e : {yty}) -> {yty}
  %y = linalg.matmul ins(%cs, %r : {cty}, #CSR>, {rty}) outs(%f : {yty}) -> {yty}
  return %y : {yty}
}}
func.func private @rtclock() -> f64
func.func @main() {{
  %c = arith.constant dense<"0x{c.tobytes().hex().upper()}"> : {cty}>
  %cs = sparse_tensor.convert %c : {cty}> to {cty}, #CSR>
  %one = arith.constant 1.0 : f32
  %re = tensor.empty() : {rty}
  %r = linalg.fill ins(%one : f32) outs(%re : {rty}) -> {rty}
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 200 : index
  %best0 = arith.constant 1.0e9 : f64
  %best = scf.for %i = %c0 to %n step %c1 iter_args(%b = %best0) -> f64 {{
    %t0 = func.call @rtclock() : () -> f64
    %y = func.call @mix(%cs, %r) : ({cty}, #CSR>, {rty}) -> {yty}
    %t1 = func.call @rtclock() : () -> f64
    %d = arith.subf %t1, %t0 : f64
    %m = arith.minimumf %b, %d : f64
    scf.yield %m : f64
  }}
  vector.print str "min seconds: "
  vector.print %best : f64
  return
}}
'''


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cout", type=int, default=128)
    ap.add_argument("--rows", type=int, default=256)
    ap.add_argument("--pixels", type=int, default=784)
    ap.add_argument("--sparsity", type=float, default=0.7)
    ap.add_argument("--options",
                    default="enable-runtime-library=false vl=16")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "mix.mlir")
        with open(src, "w") as f:
            f.write(module(args.cout, args.rows, args.pixels, args.sparsity))
        low = os.path.join(tmp, "mix.llvm.mlir")
        subprocess.run([f"{LLVM}/bin/mlir-opt", src,
                        f"--sparsifier={args.options}", "-o", low], check=True)
        libs = ",".join(f"{LLVM}/lib/lib{n}.so"
                        for n in ("mlir_c_runner_utils", "mlir_runner_utils"))
        out = subprocess.run(
            [f"{LLVM}/bin/mlir-runner", low, "-e", "main", "-O3",
             "-entry-point-result=void", f"-shared-libs={libs}"],
            check=True, capture_output=True, text=True,
            env=dict(os.environ, OMP_NUM_THREADS="1")).stdout
    seconds = float(re.search(r"min seconds: ([0-9.e+-]+)", out).group(1))
    print(f"sparsifier ({args.options}): {args.cout}x{args.rows} CSR "
          f"({args.sparsity:g} zeros) x {args.rows}x{args.pixels}: "
          f"{seconds * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
