"""Writes a small CNN whose layer shapes exercise every path of the fast CPU
schedule: 3x3 and 7x7 convolutions with unit and non-unit strides, 1x1
convolutions, a depthwise convolution, spatial maps that are and are not whole vectors (16x16, 7x7),
channel counts with register-tile remainders, max pooling, a residual add and
a Gemm whose columns do not divide the register tile."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)
inits, nodes = [], []


def weight(name, shape):
    fan_in = int(np.prod(shape[1:]))
    inits.append(numpy_helper.from_array(
        (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32), name))
    return name


def conv(x, y, cin, cout, k, stride, pad):
    w = weight(y + "_w", [cout, cin, k, k])
    b = weight(y + "_b", [cout, 1, 1, 1])
    inits[-1] = numpy_helper.from_array(
        numpy_helper.to_array(inits[-1]).reshape(cout), y + "_b")
    nodes.append(helper.make_node("Conv", [x, w, b], [y + "_c"],
                                  kernel_shape=[k, k], strides=[stride] * 2,
                                  pads=[pad] * 4))
    nodes.append(helper.make_node("Relu", [y + "_c"], [y]))
    return y


x = conv("x", "c1", 3, 24, 7, 2, 3)          # 32x32 -> 16x16
nodes.append(helper.make_node("MaxPool", ["c1"], ["p1"], kernel_shape=[3, 3],
                              strides=[2, 2], pads=[1, 1, 1, 1]))  # -> 8x8
a = conv("p1", "c2", 24, 40, 3, 1, 1)        # 8x8, 40 channels
b = conv("p1", "c3", 24, 40, 1, 1, 0)        # 1x1 shortcut
nodes.append(helper.make_node("Add", [a, b], ["r1"]))
c = conv("r1", "c4", 40, 48, 3, 2, 1)        # -> 4x4... then 7x7 below
nodes.append(helper.make_node("Resize", ["c4", "", "scale"], ["up"],
                              mode="nearest"))  # 4x4 -> 8x8
inits.append(numpy_helper.from_array(
    np.array([1, 1, 2, 2], dtype=np.float32), "scale"))
d = conv("up", "c5", 48, 64, 2, 1, 0)        # 8x8 -> 7x7 map, 64 channels
dw = weight("dw_w", [64, 1, 3, 3])           # depthwise, unit stride
nodes.append(helper.make_node("Conv", [d, dw], ["dwc"], kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1], group=64))
d = "dwc"
nodes.append(helper.make_node("GlobalAveragePool", [d], ["g"]))
nodes.append(helper.make_node("Flatten", ["g"], ["f"]))
fc = weight("fc_w", [40, 64])
nodes.append(helper.make_node("Gemm", ["f", fc], ["y"], transB=1))

graph = helper.make_graph(
    nodes, "conv_net",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 32, 32])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 40])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
