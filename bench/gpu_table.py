#!/usr/bin/env python3
"""Merges bench/gpu_steps and bench/gpu_reference.py output (JSON lines, one file each) into the
GPU table of docs/benchmarks.md: ms per step (median), the ratio to PyTorch, issue 20's target,
launches and host waits per step.

    gpu_table.py xgrad.jsonl torch.jsonl > table.md
"""
import json
import sys

TARGETS = {  # issue 20 (eager), ms per step on the H200
    "mlp_784_50_10_b100": 0.30, "mlp_784_1024_1024_10_b256": 0.45, "mlp_784_1024_1024_10_b4096": 1.15,
    "simple_convnet_b100": 1.0, "keras_cnn_b128": 2.2, "keras_cnn_b1024": 5.0, "lstm_i64_h256_b64_t50": 4.5,
}
TARGETS_21 = {  # issue 21: (eager, graph) ms per step on the H200
    "mlp_784_50_10_b100": (0.15, 0.05), "mlp_784_1024_1024_10_b256": (0.30, 0.17),
    "mlp_784_1024_1024_10_b4096": (1.08, 1.06), "simple_convnet_b100": (0.60, 0.30), "keras_cnn_b128": (1.50, 1.00),
    "keras_cnn_b1024": (3.50, 3.30), "lstm_i64_h256_b64_t50": (2.50, 1.50),
}


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                rows[r["workload"]] = r
    return rows


def main():
    mine, ref = load(sys.argv[1]), load(sys.argv[2])
    print("| workload | xgrad ms | PyTorch ms | xgrad / PyTorch | target ms | met | launches | waits |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in mine.items():
        if name == "per_op_overhead_us":
            continue
        t = ref.get(name, {})
        ratio = r["ms_med"] / t["ms_med"] if t.get("ms_med") else float("nan")
        target = TARGETS.get(name)
        met = "" if target is None else ("yes" if r["ms_med"] <= target else "no")
        print(f"| {name} | {r['ms_med']:.3f} | {t.get('ms_med', float('nan')):.3f} | {ratio:.2f} | "
              f"{'' if target is None else target} | {met} | {r.get('launches_per_step', '')} | {r.get('waits_per_step', '')} |")
    print("\n| workload (issue 21) | PyTorch eager | PyTorch graph | xgrad eager | xgrad graph | targets (eager, graph) | "
          "launches eager, graph |")
    print("|---|---|---|---|---|---|---|")
    for name, (te, tg) in TARGETS_21.items():
        def ms(rows, key):
            r = rows.get(key, {})
            return f"{r['ms_med']:.3f}" if "ms_med" in r else r.get("error", "n/a")[:40]
        e, g = mine.get(name, {}), mine.get(name + ":graph", {})
        print(f"| {name} | {ms(ref, name)} | {ms(ref, name + ':graph')} | {ms(mine, name)} | {ms(mine, name + ':graph')} | "
              f"<= {te}, <= {tg} | {e.get('launches_per_step', '')}, {g.get('launches_per_step', '')} |")
    if "per_op_overhead_us" in mine:
        print(f"\nper recorded operation, forward + backward: xgrad {mine['per_op_overhead_us']['us_per_op']} us, "
              f"PyTorch {ref.get('per_op_overhead_us', {}).get('us_per_op', 'n/a')} us (target <= 10 us)")


if __name__ == "__main__":
    main()
