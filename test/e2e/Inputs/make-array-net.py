"""Writes the small CNN + MLP chain of the accelerator-array test: a padded
3x3 convolution with bias and ReLU, 2x2 max pooling, a 1x1 convolution,
flatten and two Gemm layers (ReLU between), batch 4 (argv[2])."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

batch = int(sys.argv[2]) if len(sys.argv) > 2 else 4
rng = np.random.default_rng(11)
inits = []


def weight(name, shape):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    inits.append(numpy_helper.from_array(
        (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32), name))
    return name


nodes = [
    helper.make_node("Conv", ["x", weight("w1", [8, 3, 3, 3]), weight("b1", [8])],
                     ["c1"], name="conv1", kernel_shape=[3, 3], pads=[1] * 4),
    helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
    helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1",
                     kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Conv", ["p1", weight("w2", [16, 8, 1, 1]), weight("b2", [16])],
                     ["c2"], name="conv2", kernel_shape=[1, 1]),
    helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
    helper.make_node("Flatten", ["r2"], ["f"], name="flatten"),
    helper.make_node("Gemm", ["f", weight("w3", [256, 32]), weight("b3", [32])],
                     ["g1"], name="fc1"),
    helper.make_node("Relu", ["g1"], ["r3"], name="relu3"),
    helper.make_node("Gemm", ["r3", weight("w4", [32, 10]), weight("b4", [10])],
                     ["y"], name="fc2"),
]
graph = helper.make_graph(
    nodes, "array_net",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 3, 8, 8])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 10])],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
