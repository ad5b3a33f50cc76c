#!/usr/bin/env python3
"""Checks that docs/libtorch.md and the tests in tests/libtorch/ agree: every table row of the
doc has a block in a test_rows_*.cpp marked `// row: <the row's libtorch cell>`, and every
marker a row. The tests compile and run each block, so no row claims what does not compile.
    python3 scripts/check_libtorch_doc.py docs/libtorch.md tests/libtorch
"""
import pathlib
import sys


def rows(doc):
    out = []
    for line in open(doc, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.startswith("| ") or line.startswith("| libtorch |"):
            continue
        out.append(line.split(" | ")[0][2:].strip())
    return out


def markers(test_dir):
    prefix = "// row: "
    out = []
    for test in sorted(pathlib.Path(test_dir).glob("test_rows_*.cpp")):
        out += [line.strip()[len(prefix):] for line in open(test, encoding="utf-8") if line.strip().startswith(prefix)]
    return out


def main():
    doc, test = sys.argv[1], sys.argv[2]
    documented, tested = rows(doc), markers(test)
    missing = [r for r in documented if r not in tested]
    stale = [m for m in tested if m not in documented]
    for r in missing:
        print(f"libtorch.md row without a compiled block in {test}: {r}")
    for m in stale:
        print(f"{test} block without a row in libtorch.md: {m}")
    if missing or stale:
        return 1
    print(f"libtorch rows: all {len(documented)} rows of {doc} are compiled by {test}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
