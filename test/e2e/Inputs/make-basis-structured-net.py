#!/usr/bin/python3
"""Writes DIR/net.onnx, a small CNN whose 3x3 layers with >= 4 input
channels are basis-structured (every kernel W[o][i] is an exact mixture of
the layer's own K = 3 shared basis kernels, the coefficients having about
40 % zeros), DIR/x.npy, one seeded input, and DIR/basis.npz, the bases and
coefficients it was built from:
  Conv 3->8 3x3 pad 1 (random: few input channels), ReLU,
  Conv 8->16 3x3 pad 1 (K=3), ReLU, Conv 16->16 3x3 stride 2 pad 1 (K=3),
  ReLU, GlobalAveragePool, Flatten, Gemm 16->10 -> y [1, 10].

With --rewrite IN.mlir OUT.mlir BITS (32, 8 or 4), rewrites the two
structured convolutions of IN.mlir (the model as spade-import writes it)
into spade.basis_conv with those bases and coefficients: f32 (exact), or
quantised per output channel to BITS-bit integers with scales.
Usage: make-basis-structured-net.py DIR
       make-basis-structured-net.py --rewrite DIR IN.mlir OUT.mlir BITS"""
import os
import re
import sys

import numpy as np
import onnx
import onnx.helper as oh
import onnx.numpy_helper as nh


def basis_kernels(rng, cout, cin, k=3):
    basis = rng.standard_normal((k, 3, 3)).astype(np.float32)
    coeff = rng.standard_normal((cout, cin, k)).astype(np.float32)
    coeff[rng.random(coeff.shape) < 0.4] = 0
    coeff *= np.float32(np.sqrt(2.0 / (cin * 9)))
    return np.einsum("oik,kab->oiab", coeff, basis).astype(np.float32), \
        basis, coeff


def hexdense(a, ty):
    return f'dense<"0x{a.tobytes().hex().upper()}"> : {ty}'


def rewrite(folder, src, dst, bits):
    """Replaces the 2nd and 3rd linalg convolution by spade.basis_conv."""
    data = np.load(os.path.join(folder, "basis.npz"))
    out, conv = [], 0
    for line in open(src).read().splitlines():
        m = re.match(r"(\s*)(%\w+) = linalg\.conv_2d_nchw_fchw \{dilations = "
                     r"dense<1> : tensor<2xi64>, strides = dense<(\d+)> : "
                     r"tensor<2xi64>\} ins\((%\w+), %\w+ : (\S+), \S+\) "
                     r"outs\(%\w+ : (\S+)\) -> \S+$", line)
        if not m or conv == 0:
            conv += bool(m)
            out.append(line)
            continue
        conv += 1
        ind, res, stride, x, xty, yty = m.groups()
        basis, coeff = data[f"basis{conv}"], data[f"coeff{conv}"]
        name = f"bc{conv}"
        bty = "tensor<" + "x".join(map(str, basis.shape)) + "xf32>"
        shape = "x".join(map(str, coeff.shape))
        out.append(f"{ind}%{name}_b = arith.constant {hexdense(basis, bty)}")
        scales = ""
        if bits == 32:
            cty = f"tensor<{shape}xf32>"
        else:
            qmax = 2 ** (bits - 1) - 1
            scale = np.abs(coeff).reshape(len(coeff), -1).max(1) / qmax
            coeff = np.round(coeff / scale[:, None, None]).astype(np.int8)
            cty = f"tensor<{shape}xi{bits}>"
            sty = f"tensor<{len(scale)}xf32>"
            out.append(f"{ind}%{name}_s = arith.constant "
                       f"{hexdense(scale.astype(np.float32), sty)}")
            scales = f" scales(%{name}_s : {sty})"
        out.append(f"{ind}%{name}_c = arith.constant {hexdense(coeff, cty)}")
        out.append(f"{ind}{res} = spade.basis_conv {x}, %{name}_b, "
                   f"%{name}_c{scales} {{strides = array<i64: {stride}, "
                   f"{stride}>}} : {xty}, {bty}, {cty} -> {yty}")
    with open(dst, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "--rewrite":
        rewrite(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)
    w2, basis2, coeff2 = basis_kernels(rng, 16, 8)
    w3, basis3, coeff3 = basis_kernels(rng, 16, 16)
    np.savez(os.path.join(out, "basis.npz"), basis2=basis2, coeff2=coeff2,
             basis3=basis3, coeff3=coeff3)
    weights = {
        "w1": (rng.standard_normal((8, 3, 3, 3)) * 0.4).astype(np.float32),
        "w2": w2,
        "w3": w3,
        "b2": rng.uniform(-0.1, 0.1, 16).astype(np.float32),
        "fc": (rng.standard_normal((10, 16)) * 0.3).astype(np.float32),
        "fcb": np.zeros(10, np.float32),
    }
    nodes = [
        oh.make_node("Conv", ["x", "w1"], ["c1"], kernel_shape=[3, 3],
                     pads=[1, 1, 1, 1]),
        oh.make_node("Relu", ["c1"], ["r1"]),
        oh.make_node("Conv", ["r1", "w2", "b2"], ["c2"], kernel_shape=[3, 3],
                     pads=[1, 1, 1, 1]),
        oh.make_node("Relu", ["c2"], ["r2"]),
        oh.make_node("Conv", ["r2", "w3"], ["c3"], kernel_shape=[3, 3],
                     pads=[1, 1, 1, 1], strides=[2, 2]),
        oh.make_node("Relu", ["c3"], ["r3"]),
        oh.make_node("GlobalAveragePool", ["r3"], ["g"]),
        oh.make_node("Flatten", ["g"], ["f"]),
        oh.make_node("Gemm", ["f", "fc", "fcb"], ["y"], transB=1),
    ]
    graph = oh.make_graph(
        nodes, "basis_structured",
        [oh.make_tensor_value_info("x", onnx.TensorProto.FLOAT,
                                   [1, 3, 20, 20])],
        [oh.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 10])],
        [nh.from_array(v, k) for k, v in weights.items()])
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "net.onnx"))
    np.save(os.path.join(out, "x.npy"),
            rng.standard_normal((1, 3, 20, 20)).astype(np.float32))


if __name__ == "__main__":
    main()
