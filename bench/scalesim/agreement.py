#!/usr/bin/env python3
"""Compute-cycle agreement between spade-sim and SCALE-Sim v2.

For every conv/GEMM layer of a SCALE-Sim topology, array size and dataflow:
  scalesim  SCALE-Sim v2's own compute model, run from a checkout given on
            the command line: its operand_matrix builds the layer's operand
            matrices, systolic_compute_{os,ws,is} the demand matrices; their
            row count is SCALE-Sim's compute cycles (no memory stalls).
  ours      spade-sim running a program with one PRELOAD (WS/IS) and the
            COMPUTEs of each fold (the stream split in chunks of at most
            4096), reporting the array unit's busy cycles.
Needs Debian's python3-numpy/pandas/tqdm/absl (SCALE-Sim's imports).

  agreement.py SCALESIM_CHECKOUT [--spade-sim PATH] [--topology CSV]
               [--arrays 16x16,32x32,128x128] [--dataflows os,ws,is]
               [--max-folds N] [--markdown FILE]

SCALE-Sim's OS and IS models concatenate the demand matrices fold by fold
(quadratic time), so layers with more than --max-folds folds are skipped
and listed as such.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

CHUNK = 4096


def scalesim_cycles(ss, topo, layer_id, rows, cols, df):
    cfg = ss["scale_config"]()
    cfg.set_arr_dims(rows, cols)
    cfg.set_dataflow(df)
    cfg.force_valid()
    op = ss["operand_matrix"]()
    op.set_params(config_obj=cfg, topoutil_obj=topo, layer_id=layer_id)
    op.create_operand_matrices()
    _, ifmap = op.get_ifmap_matrix()
    _, filt = op.get_filter_matrix()
    _, ofmap = op.get_ofmap_matrix()
    compute = ss[df]()
    compute.set_params(config_obj=cfg, ifmap_op_mat=ifmap, filter_op_mat=filt,
                       ofmap_op_mat=ofmap)
    compute.create_demand_matrices()
    cycles = compute.ifmap_demand_matrix.shape[0]
    assert cycles == compute.filter_demand_matrix.shape[0] == compute.ofmap_demand_matrix.shape[0]
    return cycles, ifmap.shape[0], filt.shape[1], ifmap.shape[1]


def folds(df, rows, cols, M, N, K):
    sr, sc = {"os": (M, N), "ws": (K, N), "is": (K, M)}[df]
    return math.ceil(sr / rows) * math.ceil(sc / cols)


def fold_program(df, rows, cols, M, N, K):
    """One fold per (row tile, column tile) of SCALE-Sim's mapping; the
    operands' values do not matter for timing, so all tiles share SPAD
    rows and no DMA is issued."""
    lines = lambda c: (c + cols - 1) // cols
    out = [f".dram 64", '.layer name="layer" op="conv" macs=0',
           f"config dataflow={df} type=i8"]
    if df == "os":
        for i0 in range(0, M, rows):
            m = min(rows, M - i0)
            for j0 in range(0, N, cols):
                n = min(cols, N - j0)
                for c, k0 in enumerate(range(0, K, CHUNK)):
                    k = min(CHUNK, K - k0)
                    b = m * lines(k)
                    out.append(f"compute a=0 b={b} c=0 m={m} n={n} k={k}" + (" acc" if c else ""))
    elif df == "ws":
        for k0 in range(0, K, rows):
            k = min(rows, K - k0)
            for j0 in range(0, N, cols):
                n = min(cols, N - j0)
                out.append(f"preload local=0 rows={k} cols={n}")
                for i0 in range(0, M, CHUNK):
                    m = min(CHUNK, M - i0)
                    out.append(f"compute a={k} b=0 c=0 m={m} n={n} k={k}")
    else:
        for k0 in range(0, K, rows):
            k = min(rows, K - k0)
            for i0 in range(0, M, cols):
                m = min(cols, M - i0)
                out.append(f"preload local=0 rows={m} cols={k}")
                for j0 in range(0, N, CHUNK):
                    n = min(CHUNK, N - j0)
                    out.append(f"compute a=0 b={m} c=0 m={m} n={n} k={k}")
    out.append("halt")
    return "\n".join(out) + "\n"


def spade_cycles(sim, tmp, df, rows, cols, M, N, K):
    config = {"base": "gemmini", "rows": rows, "cols": cols, "dataflow": df,
              "spad_rows": 2 * CHUNK + 2 * rows, "acc_rows": CHUNK * 2}
    prog = os.path.join(tmp, "fold.s")
    with open(prog, "w") as f:
        f.write(".config_json " + json.dumps(config) + "\n")
        f.write(fold_program(df, rows, cols, M, N, K))
    stats = os.path.join(tmp, "stats.json")
    subprocess.run([sim, prog, "--stats", stats], check=True, stderr=subprocess.DEVNULL)
    s = json.load(open(stats))
    return s["accelerators"][0]["busy_cycles"]["array"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scalesim", help="SCALE-Sim v2 checkout (contains scalesim/)")
    ap.add_argument("--spade-sim", default=os.path.join(root, "build", "bin", "spade-sim"))
    ap.add_argument("--topology", help="conv topology CSV (default: the checkout's "
                    "topologies/conv_nets/Resnet18.csv)")
    ap.add_argument("--arrays", default="16x16,32x32,128x128")
    ap.add_argument("--dataflows", default="os,ws,is")
    ap.add_argument("--max-folds", type=int, default=800)
    ap.add_argument("--markdown", help="also write the table as markdown")
    args = ap.parse_args()

    sys.path.insert(0, os.path.abspath(args.scalesim))
    from scalesim.topology_utils import topologies
    from scalesim.scale_config import scale_config
    from scalesim.compute.operand_matrix import operand_matrix
    from scalesim.compute.systolic_compute_os import systolic_compute_os
    from scalesim.compute.systolic_compute_ws import systolic_compute_ws
    from scalesim.compute.systolic_compute_is import systolic_compute_is
    ss = {"scale_config": scale_config, "operand_matrix": operand_matrix,
          "os": systolic_compute_os, "ws": systolic_compute_ws, "is": systolic_compute_is}

    topofile = args.topology or os.path.join(args.scalesim, "topologies", "conv_nets",
                                             "Resnet18.csv")
    topo = topologies()
    topo.load_arrays(topofile=topofile)
    names = [topo.get_layer_name(i) for i in range(topo.get_num_layers())]

    header = ["layer", "array", "dataflow", "M", "N", "K", "ours", "scalesim", "error %"]
    rows_out, skipped, worst = [], [], 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for arr in args.arrays.split(","):
            r, c = (int(x) for x in arr.split("x"))
            for df in args.dataflows.split(","):
                for lid, name in enumerate(names):
                    M = int(topo.get_layer_ofmap_dims(lid)[0] * topo.get_layer_ofmap_dims(lid)[1])
                    K = int(topo.get_layer_window_size(lid))
                    N = int(topo.get_layer_num_filters(lid))
                    if folds(df, r, c, M, N, K) > args.max_folds:
                        skipped.append(f"{name} {arr} {df}")
                        continue
                    theirs, m2, n2, k2 = scalesim_cycles(ss, topo, lid, r, c, df)
                    assert (m2, n2, k2) == (M, N, K)
                    ours = spade_cycles(args.spade_sim, tmp, df, r, c, M, N, K)
                    err = 100.0 * (ours - theirs) / theirs
                    worst = max(worst, abs(err))
                    row = [name, arr, df, M, N, K, ours, theirs, f"{err:+.2f}"]
                    rows_out.append(row)
                    print("  ".join(str(x) for x in row), flush=True)
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(str(x) for x in row) + " |" for row in rows_out]
    print("\n".join(table))
    print(f"\n{len(rows_out)} layer x array x dataflow points, worst |error| {worst:.2f} %")
    if skipped:
        print(f"skipped (more than {args.max_folds} folds): {len(skipped)}: " + ", ".join(skipped))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join(table) + "\n")
    return 0 if worst <= 5.0 else 1


if __name__ == "__main__":
    sys.exit(main())
