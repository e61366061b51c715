#!/usr/bin/env python3
"""Renders a spade-sim trace (Chrome trace-event JSON) as a PNG timeline:
one lane per unit of each accelerator (and per link), one bar per
instruction, coloured by opcode.

  scripts/render-trace.py trace.json out.png [--start US] [--end US]
                          [--title TEXT] [--width INCHES]
"""
import argparse
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

COLORS = {"load": "#4c72b0", "store": "#55a868", "preload": "#8172b2",
          "compute": "#c44e52", "sparse_coeff": "#dd8452", "vector": "#937860",
          "send": "#da8bc3", "recv": "#8c8c8c", "host": "#e5ae38"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace")
    ap.add_argument("png")
    ap.add_argument("--start", type=float, help="first microsecond shown")
    ap.add_argument("--end", type=float, help="last microsecond shown")
    ap.add_argument("--title", default=None)
    ap.add_argument("--width", type=float, default=14)
    args = ap.parse_args()

    try:
        events = json.load(open(args.trace))["traceEvents"]
    except (OSError, ValueError, KeyError) as e:
        print(f"{args.trace}: not a spade-sim trace: {e}", file=sys.stderr)
        return 1
    procs, threads = {}, {}
    for e in events:
        if e.get("ph") == "M":
            key = e["pid"] if e["name"] == "process_name" else (e["pid"], e["tid"])
            (procs if e["name"] == "process_name" else threads)[key] = e["args"]["name"]
    bars = [e for e in events if e.get("ph") == "X"]
    if args.start is not None:
        bars = [e for e in bars if e["ts"] + e["dur"] >= args.start]
    if args.end is not None:
        bars = [e for e in bars if e["ts"] <= args.end]
    lanes = sorted({(e["pid"], e["tid"]) for e in bars})
    if not lanes:
        print(f"{args.trace}: no events in the selected range", file=sys.stderr)
        return 1
    index = {lane: i for i, lane in enumerate(lanes)}
    fig, ax = plt.subplots(figsize=(args.width, 0.5 * len(lanes) + 1.5))
    by_op = {}
    for e in bars:
        by_op.setdefault(e["name"], []).append(e)
    for op, evs in by_op.items():
        for lane in lanes:
            spans = [(e["ts"], max(e["dur"], 1e-4)) for e in evs if (e["pid"], e["tid"]) == lane]
            if spans:
                ax.broken_barh(spans, (index[lane] - 0.4, 0.8),
                               facecolors=COLORS.get(op, "#cccccc"), linewidth=0)
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels([f"{procs.get(p, p)} / {threads.get((p, t), t)}" for p, t in lanes])
    ax.invert_yaxis()
    ax.set_xlabel("time (us)")
    if args.start is not None or args.end is not None:
        ax.set_xlim(args.start, args.end)
    ax.set_title(args.title or args.trace)
    ax.legend(handles=[Patch(color=COLORS.get(op, "#cccccc"), label=op) for op in sorted(by_op)],
              loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    fig.tight_layout()
    fig.savefig(args.png, dpi=120)
    print(f"wrote {args.png}: {len(bars)} events on {len(lanes)} lanes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
