#!/usr/bin/python3
"""Side-by-side speed of one training step: xgrad, PyTorch and the textbook's numpy layers,
in one run, alternating them round by round, with identical thread settings for all three.
Prints ms per step (best of each implementation's rounds), the GEMM-only bound and every
ratio. A missing PyTorch or numpy is reported and skipped; xgrad is always measured.

    /usr/bin/python3 bench/compare.py [--build build-bench] [--threads 1] [--dtype float32] [--rounds 3] [--suite all|mlp|conv|lstm|attention|gemm|compositions]

The CNN suite (conv_section) times bench/conv_steps against bench/conv_reference.py, the
LSTM suite (lstm_section) bench/lstm_steps against bench/lstm_reference.py, the attention
suite (attention_section) bench/attention_steps against bench/attention_reference.py, the
compositions suite (composition_section) bench/composition_steps against
bench/composition_reference.py (operations libtorch users port: padding modes, upsampling,
einsum, cumprod, prod, elementwise math, multinomial), the
GEMM suite (gemm_section, printed first by every suite) bench/gemm_engines: sgemm on each
engine this machine has, naming the kernels each picked; the GEMM-only bounds below are
OpenBLAS's, and this table says whether a faster GEMM exists here.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# What each section measured for issue 23's target table (printed at the end of --suite all).
SUMMARY = {}


def available(module):
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


def run(cmd, env):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(HERE, "..", "build-bench"))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--dtype", default="float32")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--suite", choices=["all", "mlp", "conv", "lstm", "attention", "gemm", "ddp", "compositions"], default="all")
    a = p.parse_args()
    t = str(a.threads)
    # One setting for all three: OpenBLAS's threads, OpenMP's, and passive waiting so that
    # PyTorch's OpenMP workers do not spin against OpenBLAS's on two cores.
    env = dict(os.environ, OPENBLAS_NUM_THREADS=t, OMP_NUM_THREADS=t, MKL_NUM_THREADS=t, OMP_WAIT_POLICY="PASSIVE")
    if a.suite == "ddp":
        ddp_section(a)
        return
    if a.suite == "compositions":  # no GEMM table: these workloads are not products
        composition_section(a, env)
        return
    gemm_section(a, env)
    if a.suite == "gemm":
        return
    if a.suite in ("all", "attention"):
        attention_section(a, env)
    if a.suite == "attention":
        return
    if a.suite in ("all", "lstm"):
        lstm_section(a, env)
    if a.suite in ("all", "conv"):
        conv_section(a, env)
    if a.suite in ("conv", "lstm"):
        return
    mlp_section(a, env)
    if a.suite == "all":
        targets_section()


def mlp_section(a, env):
    """The MLP workloads (bench/steps, bench/reference.py), the per-operation overhead, the
    large network on 2 threads and the DDP wait."""
    t = str(a.threads)
    impls = {"xgrad": [os.path.join(a.build, "bench", "steps"), "--threads", t, "--dtype", a.dtype, "--repeats", "3"]}
    for name, module in (("numpy", "numpy"), ("torch", "torch")):
        if available(module):
            impls[name] = [sys.executable, os.path.join(HERE, "reference.py"), "--impl", name, "--threads", t,
                           "--dtype", a.dtype, "--repeats", "3"]
        else:
            print(f"note: {module} is not importable by {sys.executable}; {name} is skipped")
    best, gemm, overhead = {}, {}, {}
    for r in range(a.rounds):
        for name, cmd in impls.items():  # alternate implementations within every round
            for row in run(cmd, env):
                if row["workload"] == "overhead":
                    overhead[name] = min(overhead.get(name, float("inf")), row["us_per_op"])
                    continue
                key = (row["workload"], name)
                best[key] = min(best.get(key, float("inf")), row["ms"])
                if "gemm_ms" in row:
                    gemm[row["workload"]] = min(gemm.get(row["workload"], float("inf")), row["gemm_ms"])
    names = [n for n in ("xgrad", "numpy", "torch") if n in impls]
    print(f"\nms per training step (forward + backward + SGD), {a.dtype}, {a.threads} thread(s), best of {a.rounds} rounds")
    header = f"| workload | GEMM-only | " + " | ".join(names) + (" | xgrad / torch |" if "torch" in names else " |")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for w in gemm:
        cells = [f"{best[(w, n)]:.3f} ({best[(w, n)] / gemm[w]:.2f}x)" for n in names]
        ratio = f" {best[(w, 'xgrad')] / best[(w, 'torch')]:.2f} |" if "torch" in names else ""
        print(f"| {w} | {gemm[w]:.3f} | " + " | ".join(cells) + " |" + ratio)
    print("\n(x) = time / GEMM-only bound; GEMM-only = the step's matrix products alone through OpenBLAS.")
    if overhead:
        cells = ", ".join(f"{n} {v:.2f} us" for n, v in overhead.items())
        print(f"per-operation overhead (forward + backward of a 10-element multiplication, graph recorded): {cells}")
        SUMMARY["per_op"] = overhead
    SUMMARY["mlp"] = {w: (best[(w, "xgrad")], best.get((w, "torch")), gemm[w]) for w in gemm}
    if a.threads == 1:
        w = "784-1024-1024-10 relu b256"
        two = dict(env, OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2")
        cmd = [impls["xgrad"][0], "--threads", "2", "--dtype", a.dtype, "--repeats", "3", "--workload", w]
        ms2 = min(r["ms"] for _ in range(a.rounds) for r in run(cmd, two))
        print(f"xgrad {w} on 2 threads: {ms2:.3f} ms, {best[(w, 'xgrad')] / ms2:.2f}x faster than on 1")
    ddp_section(a)


def attention_section(a, env):
    """MultiheadAttention forward + backward at three sequence lengths, and char_gpt's training
    step: xgrad and PyTorch alternating, one process per workload (so each peak is its own)."""
    t = str(a.threads)
    workloads = [["--workload", "mha", "--seq", str(n)] for n in (128, 512, 2048)] + [["--workload", "gpt"]]
    impls = {"xgrad": [os.path.join(a.build, "bench", "attention_steps"), "--threads", t]}
    if available("torch"):
        impls["torch"] = [sys.executable, os.path.join(HERE, "attention_reference.py"), "--threads", t]
    best, peak, gemm, order = {}, {}, {}, []
    for _ in range(a.rounds):
        for w in workloads:
            for name, cmd in impls.items():
                for row in run(cmd + w, env):
                    key = (row["workload"], name)
                    if row["workload"] not in order:
                        order.append(row["workload"])
                    best[key] = min(best.get(key, float("inf")), row["ms"])
                    peak[key] = max(peak.get(key, 0.0), row["peak_mib"])
                    if "gemm_ms" in row:
                        gemm[row["workload"]] = min(gemm.get(row["workload"], float("inf")), row["gemm_ms"])
    names = list(impls)
    print(f"\nms per step and peak memory added, float32, {a.threads} thread(s), best of {a.rounds} rounds")
    print("| workload | GEMM-only (OpenBLAS) | " + " | ".join(f"{n} ms | {n} MiB" for n in names) +
          " | xgrad / torch (time) | xgrad / torch (memory) |")
    print("|---|---|" + "---|---|" * len(names) + "---|---|")
    for w in order:
        bound = f"{gemm[w]:.1f}" if w in gemm else "-"
        cells = [f"{best[(w, n)]:.1f} ({best[(w, n)] / gemm[w]:.2f}x) | {peak[(w, n)]:.0f}" if w in gemm
                 else f"{best[(w, n)]:.1f} | {peak[(w, n)]:.0f}" for n in names]
        ratio = ""
        if "torch" in names:
            ratio = f" {best[(w, 'xgrad')] / best[(w, 'torch')]:.2f} | {peak[(w, 'xgrad')] / max(peak[(w, 'torch')], 1.0):.2f} |"
        print(f"| {w} | {bound} | " + " | ".join(cells) + " |" + ratio)


def composition_section(a, env):
    """Operations libtorch users port (bench/composition_steps, bench/composition_reference.py):
    xgrad and PyTorch alternating within every round, ms per forward + backward (draws:
    forward only) and the ratio."""
    t = str(a.threads)
    impls = {"xgrad": [os.path.join(a.build, "bench", "composition_steps"), "--threads", t]}
    if available("torch"):
        impls["torch"] = [sys.executable, os.path.join(HERE, "composition_reference.py"), "--threads", t]
    else:
        print(f"note: torch is not importable by {sys.executable}; torch is skipped")
    best, order = {}, []
    for _ in range(a.rounds):
        for name, cmd in impls.items():
            for row in run(cmd, env):
                if row["workload"] not in order:
                    order.append(row["workload"])
                best[(row["workload"], name)] = min(best.get((row["workload"], name), float("inf")), row["ms"])
    names = list(impls)
    print(f"\nms per forward + backward (draws: per call), float32, {a.threads} thread(s), best of {a.rounds} rounds")
    print("| workload | " + " | ".join(names) + (" | xgrad / torch |" if "torch" in names else " |"))
    print("|---|" + "---|" * len(names) + ("---|" if "torch" in names else ""))
    for w in order:
        cells = [f"{best[(w, n)]:.3f}" for n in names]
        ratio = f" {best[(w, 'xgrad')] / best[(w, 'torch')]:.2f} |" if "torch" in names else ""
        print(f"| {w} | " + " | ".join(cells) + " |" + ratio)


def lstm_section(a, env):
    """The recurrent workloads, LSTM and GRU: xgrad (bench/lstm_steps) and PyTorch's nn.LSTM and
    nn.GRU alternating within every round, with the GEMM-only bound and the time left per
    recorded operation."""
    t = str(a.threads)
    impls = {}
    for cell in ("lstm", "gru"):
        impls[("xgrad", cell)] = [os.path.join(a.build, "bench", "lstm_steps"), "--threads", t, "--repeats", "2",
                                  "--cell", cell]
        if available("torch"):
            impls[("torch", cell)] = [sys.executable, os.path.join(HERE, "lstm_reference.py"), "--threads", t,
                                      "--repeats", "2", "--cell", cell]
    best, gemm, per_step = {}, {}, {}
    for _ in range(a.rounds):
        for (name, _), cmd in impls.items():
            for row in run(cmd, env):
                w = row["workload"]
                best[(w, name)] = min(best.get((w, name), float("inf")), row["ms"])
                if "gemm_ms" in row:
                    gemm[w] = min(gemm.get(w, float("inf")), row["gemm_ms"])
                    per_step[w] = min(per_step.get(w, float("inf")), row["us_per_step"])
    names = sorted({n for n, _ in impls}, key=lambda n: n != "xgrad")
    print(f"\nms per recurrent training step (forward + backward + Adam), float32, {a.threads} thread(s), best of {a.rounds} rounds")
    print("| workload | GEMM-only | " + " | ".join(names) + " | xgrad / torch |")
    print("|---|---|" + "---|" * len(names) + "---|")
    for w in gemm:
        cells = [f"{best[(w, n)]:.1f} ({best[(w, n)] / gemm[w]:.2f}x)" for n in names]
        ratio = f" {best[(w, 'xgrad')] / best[(w, 'torch')]:.2f} |" if "torch" in names else " |"
        print(f"| {w} | {gemm[w]:.1f} | " + " | ".join(cells) + " |" + ratio)
    for w in gemm:
        print(f"{w.split()[0]}: xgrad's time outside the GEMMs {best[(w, 'xgrad')] - gemm[w]:.1f} ms per step; "
              f"host time per time step of a layer of one unit (forward + backward) {per_step[w]:.2f} us")
    SUMMARY["lstm"] = {w: (best[(w, "xgrad")], best.get((w, "torch")), gemm[w]) for w in gemm}


def ddp_section(a):
    """The exposed all-reduce wait of a DDP step, 2 ranks x 1 thread (bench/allreduce under
    mpirun), as a fraction of one all-reduce of all gradients."""
    exe = os.path.join(a.build, "bench", "allreduce")
    if not os.path.exists(exe) or subprocess.run(["which", "mpirun"], capture_output=True).returncode:
        print("(bench/allreduce or mpirun missing: no DDP figure)")
        return
    # Open MPI refuses root unless told (CI's containers run as root).
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    waits = {}
    for _ in range(a.rounds):
        # A 4 MB bucket cap: 3 buckets, the best measured for this model (docs/benchmarks.md);
        # the first layer's gradient in 1 MB row blocks (DDP's default), and whole (0), for the
        # comparison.
        for stream_mb in ("1", "0"):
            out = subprocess.run(["mpirun", "--oversubscribe", "-np", "2", exe, "4", "1", stream_mb], env=env,
                                 capture_output=True, text=True)
            waits.setdefault(stream_mb, []).extend(
                json.loads(l)["wait_over_allreduce"] for l in out.stdout.splitlines() if l.startswith("{"))
            if out.returncode:
                print(f"(bench/allreduce failed: {out.stderr.strip().splitlines()[-1:]})")
                return
    for stream_mb, how in (("0", "whole (as before)"), ("1", "in 1 MB row blocks")):
        w = waits.get(stream_mb)
        if w:
            print(f"DDP 784-1024-1024-10, 2 ranks x 1 thread, bucket cap 4 MB, first layer's gradient {how}: "
                  f"communication exposed after backward {min(w):.0%}-{max(w):.0%} of one all-reduce ({len(w)} runs)")
    if waits.get("1"):
        SUMMARY["ddp"] = (min(waits["1"]), max(waits["1"]))


def targets_section():
    """Issue 23's table, from this run's figures only, each with its source."""
    if not SUMMARY:
        return
    g = SUMMARY.get("sgemm", "OpenBLAS")
    rows = []

    def ratio(section, w, i):
        r = SUMMARY.get(section, {}).get(w)
        return None if not r or r[i] is None else r[0] / r[i]
    for w, target in (("784-50-10 sigmoid b100", 0.45), ("784-100-10 sigmoid b100", 0.45)):
        v = ratio("mlp", w, 1)
        rows.append((f"TwoLayerNet {w}", f"<= {target} of PyTorch", v, v is not None and v <= target, f"bench/steps, {g}"))
    v = ratio("mlp", "784-1024-1024-10 relu b256", 2)
    rows.append(("784-1024-1024-10 ReLU b256", "<= 1.05x GEMM-only", v, v is not None and v <= 1.05,
                 f"bound: OpenBLAS sgemm; fastest here: {', '.join(sorted(set(SUMMARY.get('gemm_best', {}).values())))}"))
    for w, target in (("SimpleConvNet b100", 0.40), ("Keras mnist_cnn b128", 0.60)):
        v = ratio("conv", w, 1)
        rows.append((w, f"<= {target} of PyTorch (oneDNN)", v, v is not None and v <= target, f"bench/conv_steps, {g}"))
    v = SUMMARY.get("conv_two", {}).get("Keras mnist_cnn b128")
    rows.append(("Keras mnist_cnn, 2 threads against 1", ">= 1.75x", v, v is not None and v >= 1.75, "xgrad's pool"))
    for w in [w for w in SUMMARY.get("lstm", {}) if w.startswith("LSTM")]:  # issue 23's target is the LSTM's
        v = ratio("lstm", w, 1)
        rows.append((w, "<= 0.60 of PyTorch", v, v is not None and v <= 0.60, f"bench/lstm_steps, {g}"))
    v = SUMMARY.get("per_op", {}).get("xgrad")
    rows.append(("per recorded operation, fwd + bwd (us)", "<= 0.5 us", v, v is not None and v <= 0.5,
                 f"bench/steps overhead; PyTorch {SUMMARY.get('per_op', {}).get('torch', float('nan')):.2f} us"))
    d = SUMMARY.get("ddp")
    rows.append(("DDP exposed wait, 2 ranks, 784-1024-1024-10", "<= 30% of one all-reduce", d[1] if d else None,
                 d is not None and d[1] <= 0.30, "bench/allreduce: median over steps of the least rank's wait, max of runs"))
    print("\nissue 23's targets, this run (one thread unless said)")
    print("| workload | target | measured | met | source |")
    print("|---|---|---|---|---|")
    for name, target, v, met, src in rows:
        shown = "-" if v is None else f"{v:.2f}"
        print(f"| {name} | {target} | {shown} | {'yes' if met else 'no'} | {src} |")


def gemm_section(a, env):
    """sgemm GFLOP/s on one thread, each engine this build has (bench/gemm_engines), and which
    engine xgrad's float32 products use here (xg::SgemmEngine::Auto)."""
    exe = os.path.join(a.build, "bench", "gemm_engines")
    if not os.path.exists(exe):
        print("(bench/gemm_engines not built: no GEMM engine table)")
        return
    rows = run([exe], env)
    engines = list(dict.fromkeys(r["engine"] for r in rows if "engine" in r))
    print("\nsgemm GFLOP/s, one thread, OPENBLAS_CORETYPE=" + os.environ.get("OPENBLAS_CORETYPE", "(unset)"))
    print("| m x n x k | " + " | ".join(engines) + " |")
    print("|---|" + "---|" * len(engines))
    by = {(r["shape"], r["engine"]): r["gflops"] for r in rows if "engine" in r}
    for shape in dict.fromkeys(r["shape"] for r in rows if "shape" in r):
        print(f"| {shape} | " + " | ".join(f"{by[(shape, e)]:.0f}" for e in engines) + " |")
    auto = next((r["auto"] for r in rows if "auto" in r), None)
    if auto:
        print(f"xgrad's float32 products here (xg::SgemmEngine::Auto): {auto}")
        SUMMARY["sgemm"] = auto
    SUMMARY["gemm_best"] = {shape: max(engines, key=lambda e: by[(shape, e)]) for shape in
                            dict.fromkeys(r["shape"] for r in rows if "shape" in r)}


def conv_section(a, env):
    """The CNN workloads: xgrad (bench/conv_steps), PyTorch with oneDNN and with im2col,
    alternating within every round; the GEMM-only bound; peak memory; 2 threads against 1."""
    t = str(a.threads)
    impls = {"xgrad": [os.path.join(a.build, "bench", "conv_steps"), "--threads", t, "--repeats", "2"]}
    if available("torch"):
        for mode in ("onednn", "im2col"):
            impls[f"torch-{mode}"] = [sys.executable, os.path.join(HERE, "conv_reference.py"), "--mode", mode,
                                      "--threads", t, "--repeats", "2"]
    best, gemm, rss, cols = {}, {}, {}, {}
    for _ in range(a.rounds):
        for name, cmd in impls.items():
            for row in run(cmd, env):
                w = row["workload"]
                best[(w, name)] = min(best.get((w, name), float("inf")), row["ms"])
                rss[(w, name)] = min(rss.get((w, name), float("inf")), row["peak_rss_mb"])
                if "gemm_ms" in row:
                    gemm[w] = min(gemm.get(w, float("inf")), row["gemm_ms"])
                    cols[w] = row["im2col_mb"]
    names = list(impls)
    print(f"\nms per CNN training step (forward + backward + update), float32, {a.threads} thread(s), best of {a.rounds} rounds")
    print("| workload | GEMM-only | " + " | ".join(names) + " | xgrad / torch-onednn |")
    print("|---|---|" + "---|" * len(names) + "---|")
    for w in gemm:
        cells = [f"{best[(w, n)]:.1f} ({best[(w, n)] / gemm[w]:.2f}x)" for n in names]
        ratio = f" {best[(w, 'xgrad')] / best[(w, 'torch-onednn')]:.2f} |" if "torch-onednn" in names else " |"
        print(f"| {w} | {gemm[w]:.1f} | " + " | ".join(cells) + " |" + ratio)
    print("\npeak resident memory (MB, the process's whole run, batch pools of >= 64 MiB included):")
    for w in gemm:
        print(f"  {w}: " + ", ".join(f"{n} {rss[(w, n)]:.0f}" for n in names))
    print("column buffers (MB per conv layer: xgrad's per-sample scratch x threads, the textbook's whole-batch col):")
    for w, c in cols.items():
        print(f"  {w}: " + "; ".join(f"conv{i + 1} {c[2 * i]:.2f} vs {c[2 * i + 1]:.1f}" for i in range(len(c) // 2)))
    SUMMARY["conv"] = {w: (best[(w, "xgrad")], best.get((w, "torch-onednn")), gemm[w]) for w in gemm}
    if a.threads == 1:
        two = dict(env, OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2")
        for w in gemm:
            cmd = [impls["xgrad"][0], "--threads", "2", "--repeats", "2", "--workload", w, "--memory", "1"]
            ms2 = min(r["ms"] for _ in range(a.rounds) for r in run(cmd, two))
            print(f"xgrad {w} on 2 threads: {ms2:.1f} ms, {best[(w, 'xgrad')] / ms2:.2f}x faster than on 1")
            SUMMARY.setdefault("conv_two", {})[w] = best[(w, "xgrad")] / ms2


if __name__ == "__main__":
    main()
