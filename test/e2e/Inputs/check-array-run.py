"""Checks a partitioned spade-sim run against the single-accelerator run.

usage: check-array-run.py ONE.npy PART.npy REPORT.json STATS.json TRACE.json
                          N IO_BYTES DISASSEMBLY

Prints whether the outputs are bit-exact (else the max relative error), the
chosen partition, the bytes HyPar's report predicts against the bytes the
links carried (the scatter of the inputs and gather of the outputs,
(N-1)/N of IO_BYTES with one hop per message, are not in HyPar's model and
are shown apart), the layers of the SEND/RECV instructions (from
`spade-sim --disassemble`), and the
trace's accelerator processes and link threads."""
import json
import sys

import numpy as np

from array_run import linked_layers

one, part, report, stats, trace, n, io_bytes, disassembly = sys.argv[1:]
n, io_bytes = int(n), int(io_bytes)
a, b = np.load(one), np.load(part)
if a.shape != b.shape:
    sys.exit(f"shapes differ: {a.shape} vs {b.shape}")
if np.array_equal(a, b):
    print("results: bit-exact")
else:
    rel = np.abs(a - b).max() / max(np.abs(a).max(), 1e-30)
    print(f"results: max relative error {rel:.3g}",
          "OK" if rel <= 1e-5 else "FAIL")

r = json.load(open(report))
print("choices:", " ".join(f"{l['name']} [{','.join(l['choices'])}]"
                           for l in r["layers"]))
s = json.load(open(stats))
measured = sum(link["bytes"] for link in s["links"])
distribution = (n - 1) * io_bytes // n
print(f"predicted bytes {r['total_bytes']}, measured link bytes {measured}"
      f" = scatter/gather {distribution} + {measured - distribution}")
linked = linked_layers(disassembly)
print("layers on the links:", ", ".join(linked))

events = json.load(open(trace))["traceEvents"]
names = {e["args"]["name"] for e in events if e["ph"] == "M"}
accels = sorted(x for x in names if x.startswith("accelerator "))
links = sorted(x for x in names if x.startswith("link "))
print(f"trace: accelerators {len(accels)}, links {links}")
