#!/usr/bin/python3
"""Writes an MLIR module whose @main checks one spade.basis_conv against the
convolution with its reconstructed kernels W[o][i] = scale[o] * sum_k
C[o][i][k] * B[k] (linalg.conv_2d_ngchw_gfchw, an independent path), on
seeded random data, and prints "max error ok: 1" and "non-trivial: 1".
With --model, writes instead a model for spade-run: @main_graph(%x) returns
relu(basis_conv(%x)) with the same constants.

Usage: make-basis-conv-check.py N CIN H W COUT K KH KW STRIDE DILATION PAD
                                GROUPS DTYPE SPARSITY [--no-bias] [--model]
  DTYPE: f32, i8 or i4; SPARSITY: fraction of coefficients set to zero
  (unstructured; every output channel of the first group is left all-zero
  when SPARSITY is 1)."""
import sys

import numpy as np


def dense(a, ty):
    if a.dtype.kind == "f":
        body = np.array2string(a, separator=", ", threshold=10**9,
                               floatmode="unique", max_line_width=10**9)
    else:
        body = np.array2string(a, separator=", ", threshold=10**9,
                               max_line_width=10**9)
    return f"arith.constant dense<{body}> : {ty}"


def shape(dims, elem):
    return "tensor<" + "x".join(map(str, dims)) + f"x{elem}>"


def main():
    args = sys.argv[1:]
    no_bias = "--no-bias" in args
    model = "--model" in args
    args = [a for a in args if a not in ("--no-bias", "--model")]
    if len(args) != 14:
        sys.exit(__doc__)
    n, cin, h, w, cout, k, kh, kw, s, d, pad, groups = map(int, args[:12])
    dtype, sparsity = args[12], float(args[13])
    rng = np.random.default_rng(0)
    ho = (h + 2 * pad - d * (kh - 1) - 1) // s + 1
    wo = (w + 2 * pad - d * (kw - 1) - 1) // s + 1
    cing, coutg = cin // groups, cout // groups
    x = rng.uniform(-1, 1, (n, cin, h, w)).astype(np.float32)
    basis = rng.uniform(-1, 1, (k, kh, kw)).astype(np.float32)
    if dtype == "f32":
        coeff = rng.uniform(-1, 1, (cout, cing, k)).astype(np.float32)
    else:
        hi = 127 if dtype == "i8" else 7
        coeff = rng.integers(-hi - 1, hi + 1, (cout, cing, k)).astype(np.int8)
    coeff[rng.random(coeff.shape) < sparsity] = 0
    scales = rng.uniform(0.01, 0.1, cout).astype(np.float32)
    bias = rng.uniform(-1, 1, cout).astype(np.float32)
    # The tolerance scales with the output magnitude (summation order
    # differs between the two paths).
    wts = np.einsum("oik,kab->oiab", coeff.astype(np.float32), basis)
    if dtype != "f32":
        wts *= scales[:, None, None, None]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    bound = 0.0
    for a in range(kh):
        for b in range(kw):
            win = xp[:, :, a * d:a * d + s * (ho - 1) + 1:s,
                     b * d:b * d + s * (wo - 1) + 1:s]
            bound += np.abs(win).max() * np.abs(wts[:, :, a, b]).sum(1).max()
    tol = max(bound, 1.0) * 1e-5
    elem = "f32" if dtype == "f32" else dtype
    cty = shape((cout, cing, k), elem)
    quant = dtype != "f32"

    yty = shape((n, cout, ho, wo), "f32")
    if model:
        lines = [f"func.func @main_graph(%x: {shape(x.shape, 'f32')}) -> {yty} {{"]
    else:
        lines = ["func.func @main() {"]
        lines.append(f"  %x = {dense(x, shape(x.shape, 'f32'))}")
    lines.append(f"  %basis = {dense(basis, shape(basis.shape, 'f32'))}")
    lines.append(f"  %coeff = {dense(coeff, cty)}")
    lines.append(f"  %scales = {dense(scales, shape((cout,), 'f32'))}")
    lines.append(f"  %bias = {dense(bias, shape((cout,), 'f32'))}")
    lines.append(f"  %ones = arith.constant dense<1.0> : tensor<{cout}xf32>")
    lines.append(f"  %nobias = arith.constant dense<0.0> : tensor<{cout}xf32>")
    lines.append("  %zero = arith.constant 0.0 : f32")
    operands = ""
    if quant:
        operands += f" scales(%scales : tensor<{cout}xf32>)"
    if not no_bias:
        operands += f" bias(%bias : tensor<{cout}xf32>)"
    lines.append(
        f"  %y = spade.basis_conv %x, %basis, %coeff{operands} "
        f"{{strides = array<i64: {s}, {s}>, dilations = array<i64: {d}, {d}>, "
        f"pads = array<i64: {pad}, {pad}, {pad}, {pad}>, groups = {groups} : i64}}"
        f" : {shape(x.shape, 'f32')}, {shape(basis.shape, 'f32')}, {cty} -> {yty}")
    if model:
        lines += [
            f"  %ye = tensor.empty() : {yty}",
            "  %relu = linalg.generic {indexing_maps = ["
            "affine_map<(n, o, h, w) -> (n, o, h, w)>, "
            "affine_map<(n, o, h, w) -> (n, o, h, w)>], iterator_types = "
            "[\"parallel\", \"parallel\", \"parallel\", \"parallel\"]}",
            f"      ins(%y : {yty}) outs(%ye : {yty}) {{",
            "  ^bb0(%a: f32, %o: f32):",
            "    %r = arith.maximumf %a, %zero : f32",
            "    linalg.yield %r : f32",
            f"  }} -> {yty}",
            f"  return %relu : {yty}",
            "}"]
        print("\n".join(lines))
        return
    # Reference: W[o][i][kh][kw] = scale[o] * sum_k C * B.
    wty = shape((cout, cing, kh, kw), "f32")
    sc = "%scales" if quant else "%ones"
    bi = "%nobias" if no_bias else "%bias"
    cval = f"%cf = arith.sitofp %c : {elem} to f32" if quant else \
        "%cf = arith.addf %c, %zero : f32"
    lines += [
        f"  %we = tensor.empty() : {wty}",
        f"  %w0 = linalg.fill ins(%zero : f32) outs(%we : {wty}) -> {wty}",
        "  %w = linalg.generic {indexing_maps = ["
        "affine_map<(o, i, a, b, k) -> (o, i, k)>, "
        "affine_map<(o, i, a, b, k) -> (k, a, b)>, "
        "affine_map<(o, i, a, b, k) -> (o)>, "
        "affine_map<(o, i, a, b, k) -> (o, i, a, b)>], iterator_types = "
        "[\"parallel\", \"parallel\", \"parallel\", \"parallel\", \"reduction\"]}",
        f"      ins(%coeff, %basis, {sc} : {cty}, {shape(basis.shape, 'f32')}, "
        f"tensor<{cout}xf32>) outs(%w0 : {wty}) {{",
        f"  ^bb0(%c: {elem}, %b: f32, %s: f32, %acc: f32):",
        f"    {cval}",
        "    %cs = arith.mulf %cf, %s : f32",
        "    %p = arith.mulf %cs, %b : f32",
        "    %r = arith.addf %acc, %p : f32",
        "    linalg.yield %r : f32",
        f"  }} -> {wty}",
    ]
    hp, wp = h + 2 * pad, w + 2 * pad
    lines += [
        f"  %xp = tensor.pad %x low[0, 0, {pad}, {pad}] high[0, 0, {pad}, {pad}] {{",
        "  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):",
        "    tensor.yield %zero : f32",
        f"  }} : {shape(x.shape, 'f32')} to {shape((n, cin, hp, wp), 'f32')}",
        f"  %xg = tensor.expand_shape %xp [[0], [1, 2], [3], [4]] output_shape "
        f"[{n}, {groups}, {cing}, {hp}, {wp}] : {shape((n, cin, hp, wp), 'f32')} "
        f"into {shape((n, groups, cing, hp, wp), 'f32')}",
        f"  %wg = tensor.expand_shape %w [[0, 1], [2], [3], [4]] output_shape "
        f"[{groups}, {coutg}, {cing}, {kh}, {kw}] : {wty} into "
        f"{shape((groups, coutg, cing, kh, kw), 'f32')}",
    ]
    ygty = shape((n, groups, coutg, ho, wo), "f32")
    lines += [
        f"  %ye = tensor.empty() : {ygty}",
        f"  %y0 = linalg.fill ins(%zero : f32) outs(%ye : {ygty}) -> {ygty}",
        f"  %yg = linalg.conv_2d_ngchw_gfchw {{dilations = dense<{d}> : tensor<2xi64>, "
        f"strides = dense<{s}> : tensor<2xi64>}} ins(%xg, %wg : "
        f"{shape((n, groups, cing, hp, wp), 'f32')}, "
        f"{shape((groups, coutg, cing, kh, kw), 'f32')}) outs(%y0 : {ygty}) -> {ygty}",
        f"  %yc = tensor.collapse_shape %yg [[0], [1, 2], [3], [4]] : {ygty} into {yty}",
        "  %scalar = tensor.empty() : tensor<f32>",
        "  %m0 = linalg.fill ins(%zero : f32) outs(%scalar : tensor<f32>) -> tensor<f32>",
        "  %stats:2 = linalg.generic {indexing_maps = ["
        "affine_map<(n, o, h, w) -> (n, o, h, w)>, "
        "affine_map<(n, o, h, w) -> (n, o, h, w)>, "
        "affine_map<(n, o, h, w) -> (o)>, "
        "affine_map<(n, o, h, w) -> ()>, affine_map<(n, o, h, w) -> ()>], "
        "iterator_types = [\"reduction\", \"reduction\", \"reduction\", \"reduction\"]}",
        f"      ins(%y, %yc, {bi} : {yty}, {yty}, tensor<{cout}xf32>) "
        "outs(%m0, %m0 : tensor<f32>, tensor<f32>) {",
        "  ^bb0(%a: f32, %r: f32, %bi: f32, %maxd: f32, %suma: f32):",
        "    %rb = arith.addf %r, %bi : f32",
        "    %df = arith.subf %a, %rb : f32",
        "    %ad = math.absf %df : f32",
        "    %m = arith.maximumf %maxd, %ad : f32",
        "    %aa = math.absf %a : f32",
        "    %sa = arith.addf %suma, %aa : f32",
        "    linalg.yield %m, %sa : f32, f32",
        "  } -> (tensor<f32>, tensor<f32>)",
        "  %maxdiff = tensor.extract %stats#0[] : tensor<f32>",
        "  %sumabs = tensor.extract %stats#1[] : tensor<f32>",
        f"  %tol = arith.constant {tol:.6e} : f32",
        "  %close = arith.cmpf olt, %maxdiff, %tol : f32",
        "  %tiny = arith.constant 1.0 : f32",
        "  %nontrivial = arith.cmpf ogt, %sumabs, %tiny : f32",
        "  vector.print str \"max error ok: \"",
        "  vector.print %close : i1",
        "  vector.print str \"non-trivial: \"",
        "  vector.print %nontrivial : i1",
        "  return",
        "}",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
