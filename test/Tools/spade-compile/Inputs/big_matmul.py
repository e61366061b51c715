# Writes a MatMul model with a 2 MiB float initializer: big_matmul.py OUT.onnx
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

weights = numpy_helper.from_array(
    (np.arange(512 * 1024, dtype=np.float32) / 1e5).reshape(512, 1024), "W")
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "W"], ["y"])], "big_matmul",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 512])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1024])],
    [weights])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.save(model, sys.argv[1])
