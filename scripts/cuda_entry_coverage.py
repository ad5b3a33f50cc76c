"""Proves that every CUDA kernel entry point ran on a GPU: compares the entry points declared in
tensor/cuda/kernels.h with the call counts a run of the CUDA tests wrote at exit
(XGRAD_CUDA_ENTRY_REPORT=<file>, tensor/cuda/entry_count.h). Prints each entry point's calls
and exits 1 when one was never called (or the report is missing).

    python3 scripts/cuda_entry_coverage.py tensor/cuda/kernels.h "$OUT/entry_counts.txt"
"""
import re
import sys


def main(header, report):
    declared = re.findall(r"^(?:void|bool) ([a-z_0-9]+)\(", open(header).read(), re.M)
    try:
        counts = dict((name, int(n)) for name, n in (line.split() for line in open(report) if line.strip()))
    except OSError as e:
        print(f"no report: {e} (was the test binary run with XGRAD_CUDA_ENTRY_REPORT set, and did it exit normally?)")
        return 1
    missing = [name for name in declared if counts.get(name, 0) == 0]
    for name in declared:
        print(f"{name:28s} {counts.get(name, 0)}")
    print(f"{len(declared) - len(missing)} of {len(declared)} entry points ran on the GPU"
          + (f"; never called: {', '.join(missing)}" if missing else ""))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
