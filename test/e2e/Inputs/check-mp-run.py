"""Checks a partitioned spade-sim run with model-parallel layers against the
single-accelerator run and the bytes HyPar's model predicts.

usage: check-mp-run.py ONE.npy PART.npy REPORT.json STATS.json DISASSEMBLY
                       INPUT_ELEMS OUTPUT_ELEMS

Prints the largest relative error (partial sums change the order of the
additions, so the bound is rtol 1e-5, not bit equality), the partition, and
the link bytes against the formula of docs/HyPar.md ("Partitioned execution
on the simulated array"), term by term, all derived from the report:

  measured = 2 x forward_bytes          (the model, both link directions)
           - not_executed                (transitions charged on edges whose
                                          producer's output is already whole
                                          there: out of op levels and of dp
                                          levels that could not split the
                                          batch)
           + 4 x (gather_back + op_gather + scatter + gather)   elements, fp32

with `full` topology (one hop per message). Then the layers whose
instructions use the links (from `spade-sim --disassemble`)."""
import json
import math
import sys

import numpy as np

from array_run import linked_layers

one, part, report, stats, disassembly, in_elems, out_elems = sys.argv[1:]
in_elems, out_elems = int(in_elems), int(out_elems)
a, b = np.load(one), np.load(part)
if a.shape != b.shape:
    sys.exit(f"shapes differ: {a.shape} vs {b.shape}")
rel = np.abs(a - b).max() / max(np.abs(a).max(), 1e-30)
print("results:", "bit-exact" if np.array_equal(a, b) else
      f"max relative error {'below' if rel <= 1e-5 else 'ABOVE'} 1e-5")

r = json.load(open(report))
n, batch, eb = r["num_devices"], r["batch"], r["element_bytes"]
levels = int(math.log2(n))
layers = r["layers"]
print("choices:", " ".join(f"{l['name']} [{','.join(l['choices'])}]"
                           for l in layers))


def executed_dp(layer):
    """Levels that split the batch, and dp levels that cannot (replicated)."""
    rows, dp, replicated = batch, [], []
    for h, choice in enumerate(layer["choices"]):
        if choice != "dp":
            continue
        if rows % 2 == 0:
            dp.append(h)
            rows //= 2
        else:
            replicated.append(h)
    return dp, replicated


by_name = {l["name"]: l for l in layers}
# The model's share of |F| per group on an edge, forward only.
share = {("dp", "mp"): 1 / 4, ("dp", "op"): 1 / 2, ("op", "dp"): 1 / 4,
         ("op", "op"): 1 / 2}
not_executed = gather_back = op_gather = 0
for layer in layers:
    choices = layer["choices"]
    dp, replicated = executed_dp(layer)
    mp = [h for h, c in enumerate(choices) if c == "mp"]
    op = [h for h, c in enumerate(choices) if c == "op"]
    local = layer["output_elements"] // 2 ** len(dp)
    # Every halving is undone by an exchange in which each device sends its
    # part: N x region / 2^j; the op levels' output channels first halve the
    # region the mp levels reduce.
    for j in range(1, len(op) + 1):
        op_gather += n * local // 2 ** j
    if mp:
        for j in range(1, len(replicated) + len(mp)):
            gather_back += n * (local // 2 ** len(op)) // 2 ** j
    for producer in layer["inputs"]:
        p_choices = by_name[producer]["choices"]
        _, p_replicated = executed_dp(by_name[producer])
        for h in range(levels):
            if p_choices[h] == "op" or h in p_replicated:
                # Model: 2^h pairs x share x |F_h| per direction, F_h the
                # consumer's input with B (dp) and Cin (mp) halved above h.
                halved = sum(c != "op" for c in choices[:h])
                f_h = layer["input_elements"] / 2 ** halved
                frac = share.get(("op" if p_choices[h] == "op" else "dp",
                                  choices[h]), 0)
                not_executed += 2 * 2 ** h * frac * f_h * eb
first_dp, _ = executed_dp(layers[0])
last_dp, _ = executed_dp(layers[-1])
scatter = (n - 1) * in_elems // 2 ** len(first_dp)
gather = (2 ** len(last_dp) - 1) * out_elems // 2 ** len(last_dp)
expected = 2 * r["forward_bytes"] - round(not_executed) + 4 * (
    gather_back + op_gather + scatter + gather)
measured = sum(link["bytes"] for link in json.load(open(stats))["links"])
print(f"model forward bytes {r['forward_bytes']} x 2 - not executed "
      f"{round(not_executed)} + gather-back {4 * gather_back} + op gather "
      f"{4 * op_gather} + scatter/gather {4 * (scatter + gather)} = "
      f"{expected}")
print(f"measured link bytes {measured}:",
      "equal" if measured == expected else "DIFFERENT")

print("layers on the links:", ", ".join(linked_layers(disassembly)))
