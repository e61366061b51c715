import sys

import numpy as np
import onnx
import spade
from onnx import numpy_helper

model, node_tests = sys.argv[1], sys.argv[2]
text = spade.import_onnx(model)
print("import:", next(l.strip() for l in text.splitlines() if "func.func" in l)[:24])
m = spade.Model(model)
print("inputs:", m.inputs)
print("outputs:", m.outputs)
(probs,) = m.run([np.random.default_rng(0).standard_normal((1, 3, 32, 32))])
print("probs:", probs.shape, probs.dtype, "sum", round(float(probs.sum()), 4))


def load(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


d = node_tests + "/test_add_bcast/"
add = spade.Model(d + "model.onnx")
(z,) = add.run([load(d + "test_data_set_0/input_0.pb"),
                load(d + "test_data_set_0/input_1.pb")])
print("add_bcast matches:", bool(np.allclose(z, load(d + "test_data_set_0/output_0.pb"))))
for bad in (lambda: spade.Model("missing.onnx"),
            lambda: m.run([np.zeros((1, 3, 32, 32)), np.zeros(1)])):
    try:
        bad()
    except RuntimeError as e:
        print("error: RuntimeError", e)
