#!/usr/bin/python3
"""Writes small ONNX models whose convolutions are written in basis form,
as a network trained decomposed exports them (a grouped convolution with one
input channel per group and the same K kernels in every group, then a 1x1
convolution with the coefficients), and DIR/x.npy, one seeded input:
  pairs.onnx   x [1,4,12,12] -> pair "enc" (K=3, pad 1, ~40 % zero
               coefficients, bias) -> Relu -> pair "down" (K=2, stride 2,
               pad 1) -> y [1,8,6,6]
  differ.onnx  pair "enc" whose group 2 holds other kernels
  other.onnx   look-alikes that are not basis pairs: a grouped convolution
               with two input channels per group before a 1x1, and a pair
               whose 1x1 convolution has stride 2
Usage: make-basis-pair-net.py DIR"""
import os
import sys

import numpy as np
import onnx
import onnx.helper as oh
import onnx.numpy_helper as nh


def pair(rng, name, x, y, cin, cout, k, stride=1, mix_stride=1, same=True):
    """Nodes and initializers of one basis pair x -> y."""
    basis = rng.standard_normal((k, 1, 3, 3)).astype(np.float32)
    grouped = np.tile(basis, (cin, 1, 1, 1))
    if not same:
        grouped[2 * k] += 0.5
    coeffs = rng.standard_normal((cout, cin * k, 1, 1)).astype(np.float32)
    coeffs[rng.random(coeffs.shape) < 0.4] = 0
    bias = rng.standard_normal(cout).astype(np.float32)
    nodes = [
        oh.make_node("Conv", [x, f"{name}_b"], [f"{name}_r"],
                     name=f"{name}.basis", group=cin, kernel_shape=[3, 3],
                     pads=[1, 1, 1, 1], strides=[stride, stride]),
        oh.make_node("Conv", [f"{name}_r", f"{name}_c", f"{name}_bias"], [y],
                     name=name, kernel_shape=[1, 1],
                     strides=[mix_stride, mix_stride])]
    inits = [nh.from_array(grouped, f"{name}_b"),
             nh.from_array(coeffs, f"{name}_c"),
             nh.from_array(bias, f"{name}_bias")]
    return nodes, inits


def save(path, nodes, inits, out_shape):
    graph = oh.make_graph(
        nodes, "basis_pairs",
        [oh.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 4, 12, 12])],
        [oh.make_tensor_value_info("y", onnx.TensorProto.FLOAT, out_shape)],
        inits)
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    rng = np.random.default_rng(0)
    a, ai = pair(rng, "enc", "x", "h", 4, 6, 3)
    b, bi = pair(rng, "down", "hr", "y", 6, 8, 2, stride=2)
    save(os.path.join(out, "pairs.onnx"),
         a + [oh.make_node("Relu", ["h"], ["hr"])] + b, ai + bi, [1, 8, 6, 6])

    d, di = pair(rng, "enc", "x", "y", 4, 6, 3, same=False)
    save(os.path.join(out, "differ.onnx"), d, di, [1, 6, 12, 12])

    # Two input channels per group: a grouped convolution, not a basis.
    grouped = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
    mix = rng.standard_normal((6, 4, 1, 1)).astype(np.float32)
    s, si = pair(rng, "strided", "g", "y", 6, 8, 2, mix_stride=2)
    save(os.path.join(out, "other.onnx"),
         [oh.make_node("Conv", ["x", "gw"], ["gr"], name="grouped", group=2,
                       kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
          oh.make_node("Conv", ["gr", "mw"], ["g"], name="mix",
                       kernel_shape=[1, 1])] + s,
         [nh.from_array(grouped, "gw"), nh.from_array(mix, "mw")] + si,
         [1, 8, 6, 6])
    np.save(os.path.join(out, "x.npy"),
            rng.standard_normal((1, 4, 12, 12)).astype(np.float32))


if __name__ == "__main__":
    main()
