#!/usr/bin/env python3
"""The int8 network quantize-int8-net.mlir becomes, computed with numpy from
the accelerator ISA's int8 rules (include/spade/Sim/ISA.h) and the scales
the ranges there imply; compares it bit for bit with what the CPU backend
computed from the quantised IR (DIR/output_{0,1,2}.npy: logits, conv and
residual-add layer outputs).

quantize-int8-emulate.py INPUT.npy DIR
"""
import sys

import numpy as np

f32 = np.float32


def sat8(v):
    return np.clip(v, -128, 127).astype(np.int64)


def quantize(x, s):
    # sat8(roundeven(x * f32(1/s))), in fp32
    return sat8(np.rint((x.astype(f32) * f32(1 / s)).astype(f32)))


def store(acc, scale, lo=None, hi=None):
    # STORE ACC -> int8: f32(acc) * scale in fp32, roundeven, activation,
    # saturation.
    y = np.rint((acc.astype(f32) * np.asarray(scale, f32)).astype(f32))
    if lo is not None:
        y = np.maximum(y, lo)
    if hi is not None:
        y = np.minimum(y, hi)
    return sat8(y)


def per_channel(w, axis):
    # One scale per output channel (w's `axis`): max |w| / 127.
    other = tuple(i for i in range(w.ndim) if i != axis)
    return np.abs(w).max(axis=other) / 127


x = np.load(sys.argv[1])

# Scales from the spade.absmax ranges of the network.
s_in, s_conv, s_add, s_out = 2 / 127, 5 / 127, 6.5 / 127, 9 / 127

# conv 3x3 (pad 1), then (x + bias) * bnscale and ReLU6, folded.
w = np.array([[[[0.5, -0.25, 0.125], [1.0, 0.75, -0.5], [0.3, 0.2, -0.1]],
               [[-1.0, 0.5, 0.25], [0.6, -0.7, 0.8], [0.05, 0.9, -0.3]]],
              [[[0.01, -0.02, 0.03], [0.04, 0.05, -0.06], [0.07, 0.08, -0.09]],
               [[0.02, 0.01, -0.03], [-0.05, 0.06, 0.04], [0.09, -0.08, 0.07]]]],
             f32).astype(np.float64)
bias = np.array([0.1, -0.02], f32).astype(np.float64)
bnscale = np.array([1.5, 20.0], f32).astype(np.float64)
w = w * bnscale[:, None, None, None]
b = bias * bnscale
sw = per_channel(w, 0)
wq = sat8(np.rint(w / sw[:, None, None, None]))
bq = np.rint(b / (s_in * sw)).astype(np.int64)
xq = quantize(x, s_in)
xp = np.pad(xq, ((0, 0), (0, 0), (1, 1), (1, 1)))
acc = np.zeros((1, 2, 8, 8), np.int64)
for kh in range(3):
    for kw in range(3):
        acc += np.einsum("nchw,fc->nfhw", xp[:, :, kh:kh + 8, kw:kw + 8],
                         wq[:, :, kh, kw])
acc = (acc + bq[None, :, None, None]).astype(np.int32)  # wraps like the ACC
conv = store(acc, f32(s_in * sw / s_conv)[None, :, None, None], 0,
             np.rint(6 / s_conv))

# Residual add + ReLU: operands to the output scale with 8 fractional bits,
# a saturating i32 add, the STORE by 1/256.
def to_acc(q, s):
    return np.rint((q.astype(f32) * f32(s / s_add * 256)).astype(f32))


t = np.clip(to_acc(conv, s_conv).astype(np.float64) +
            to_acc(xq, s_in), -2**31, 2**31 - 1).astype(np.int64)
add = store(t, f32(1 / 256), 0)

# 2x2 max pooling, global average pooling (f64 division).
pool = add.reshape(1, 2, 4, 2, 4, 2).max(axis=(3, 5))
avg = sat8(np.rint(pool.sum(axis=(2, 3)).astype(np.float64) / 16))

# Gemm with bias, per-column weight scales.
fcw = np.array([[1.0, 0.5, -0.5], [0.25, -1.0, 2.0]], f32).astype(np.float64)
fcb = np.array([0.5, -0.25, 0.0], f32).astype(np.float64)
sw = per_channel(fcw, 1)
wq = sat8(np.rint(fcw / sw[None, :]))
bq = np.rint(fcb / (s_add * sw)).astype(np.int64)
acc = (avg @ wq + bq[None, :]).astype(np.int32)
logits = store(acc, f32(s_add * sw / s_out)[None, :])

ok = True
for i, (q, s) in enumerate([(logits, s_out), (conv, s_conv), (add, s_add)]):
    got = np.load(f"{sys.argv[2]}/output_{i}.npy")
    want = q.astype(f32) * f32(s)
    if got.shape != want.shape or not np.array_equal(got, want):
        print(f"output_{i}: MISMATCH in {np.sum(got != want)} elements")
        ok = False
if not ok:
    sys.exit(1)
print("bit-exact; logits", logits.tolist(), "; saturated inputs",
      int(np.sum(np.abs(xq) >= 127)))
