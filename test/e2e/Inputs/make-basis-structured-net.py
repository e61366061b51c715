#!/usr/bin/python3
"""Writes DIR/net.onnx, a small CNN whose 3x3 layers with >= 4 input
channels are basis-structured (every kernel W[o][i] is an exact mixture of
the layer's own K = 3 shared basis kernels, the coefficients having about
40 % zeros), and DIR/x.npy, one seeded input:
  Conv 3->8 3x3 pad 1 (random: few input channels, left alone), ReLU,
  Conv 8->16 3x3 pad 1 (K=3), ReLU, Conv 16->16 3x3 stride 2 pad 1 (K=3),
  ReLU, GlobalAveragePool, Flatten, Gemm 16->10 -> y [1, 10].
Usage: make-basis-structured-net.py DIR"""
import os
import sys

import numpy as np
import onnx
import onnx.helper as oh
import onnx.numpy_helper as nh


def basis_kernels(rng, cout, cin, k=3):
    basis = rng.standard_normal((k, 3, 3)).astype(np.float32)
    coeff = rng.standard_normal((cout, cin, k)).astype(np.float32)
    coeff[rng.random(coeff.shape) < 0.4] = 0
    scale = np.sqrt(2.0 / (cin * 9))
    return (np.einsum("oik,kab->oiab", coeff, basis) * scale).astype(
        np.float32)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)
    weights = {
        "w1": (rng.standard_normal((8, 3, 3, 3)) * 0.4).astype(np.float32),
        "w2": basis_kernels(rng, 16, 8),
        "w3": basis_kernels(rng, 16, 16),
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
