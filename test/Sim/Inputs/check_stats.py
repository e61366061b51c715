#!/usr/bin/env python3
"""Prints the structure of a spade-sim stats.json and trace.json."""
import json
import sys

stats = json.load(open(sys.argv[1]))
layers = stats["layers"]
print("layer keys:", " ".join(sorted(layers[0])))
print("layers:", " ".join(l["name"] for l in layers))
summed = ["macs", "compute_cycles", "stall_cycles", "cycles", "bytes_moved"]
ok = all(stats["total"][k] == sum(l[k] for l in layers) for k in summed)
ok &= abs(stats["total"]["energy_pj"] - sum(l["energy_pj"] for l in layers)) < 1e-6
print("total sums:", "ok" if ok else "MISMATCH")
ok = all(l["compute_cycles"] + l["stall_cycles"] == l["cycles"] for l in layers + [stats["total"]])
print("compute + stall = cycles:", "ok" if ok else "MISMATCH")
events = json.load(open(sys.argv[2]))["traceEvents"]
print("tracks:", " ".join(e["args"]["name"] for e in events
                          if e["ph"] == "M" and e["name"] == "thread_name"))
print("events:", " ".join(sorted({e["name"] for e in events if e["ph"] == "X"})))
