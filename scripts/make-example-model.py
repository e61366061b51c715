#!/usr/bin/python3
"""Writes models/tiny_cnn.onnx, the bundled example: a small CNN (conv, batch
norm, relu, max pool, conv, global average pool, gemm, softmax) on a
1x3x32x32 input with seeded random weights. Needs Debian's python3-onnx."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(2026)


def weight(name, *shape, scale=0.2):
    return numpy_helper.from_array(
        (rng.standard_normal(shape) * scale).astype(np.float32), name)


inits = [
    weight("conv1.w", 8, 3, 3, 3), weight("conv1.b", 8),
    numpy_helper.from_array(np.ones(8, np.float32), "bn1.scale"),
    weight("bn1.bias", 8, scale=0.1), weight("bn1.mean", 8, scale=0.1),
    numpy_helper.from_array(
        (1.0 + rng.random(8)).astype(np.float32), "bn1.var"),
    weight("conv2.w", 16, 8, 3, 3), weight("conv2.b", 16),
    weight("fc.w", 10, 16), weight("fc.b", 10),
]
nodes = [
    helper.make_node("Conv", ["input", "conv1.w", "conv1.b"], ["c1"],
                     name="conv1", pads=[1, 1, 1, 1]),
    helper.make_node("BatchNormalization",
                     ["c1", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"],
                     ["b1"], name="bn1"),
    helper.make_node("Relu", ["b1"], ["r1"], name="relu1"),
    helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1",
                     kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Conv", ["p1", "conv2.w", "conv2.b"], ["c2"],
                     name="conv2", pads=[1, 1, 1, 1], strides=[2, 2]),
    helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
    helper.make_node("GlobalAveragePool", ["r2"], ["g"], name="gap"),
    helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
    helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["logits"], name="fc",
                     transB=1),
    helper.make_node("Softmax", ["logits"], ["probs"], name="softmax",
                     axis=1),
]
graph = helper.make_graph(
    nodes, "tiny_cnn",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                   [1, 3, 32, 32])],
    [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="spade-examples")
model.ir_version = 8
onnx.checker.check_model(model)
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "models", "tiny_cnn.onnx")
onnx.save(model, out)
print(f"wrote {out}")
