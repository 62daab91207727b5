#!/usr/bin/env python3
"""Generates a deterministic mixed staged tree for the packaging benchmark.

usage: gen_tree.py DIR MEGABYTES

About 40% text (source-like, compressible), 40% binary (executables-like:
random runs mixed with repeated tables), 20% many small files (1-8 KiB),
all under DIR/opt/bench, with a few directories per level, like a real
/opt/<app> omnibus tree.
"""
import os
import random
import sys

root, mb = sys.argv[1], int(sys.argv[2])
rng = random.Random(20261121)
words = [
    "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(2, 12)))
    for _ in range(5000)
]
base = os.path.join(root, "opt", "bench")


def text(size):
    out, n = [], 0
    while n < size:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(3, 14))) + "\n"
        out.append(line)
        n += len(line)
    return "".join(out).encode()[:size]


def binary(size):
    table = rng.randbytes(4096)
    out, n = bytearray(), 0
    while n < size:
        chunk = rng.randbytes(rng.randint(256, 4096)) if rng.random() < 0.5 else table[: rng.randint(256, 4096)]
        out += chunk
        n += len(chunk)
    return bytes(out[:size])


def write(rel, data, mode=0o644):
    path = os.path.join(base, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


total = mb * 1024 * 1024
budget = {"text": total * 0.4, "bin": total * 0.4, "small": total * 0.2}
i = 0
while budget["text"] > 0:
    size = rng.randint(64 << 10, 2 << 20)
    write(f"lib/python3/site-packages/pkg{i % 50}/mod{i}.py", text(size))
    budget["text"] -= size
    i += 1
i = 0
while budget["bin"] > 0:
    size = rng.randint(1 << 20, 24 << 20)
    write(f"lib/native/lib{i}.so", binary(size), 0o755)
    budget["bin"] -= size
    i += 1
i = 0
while budget["small"] > 0:
    size = rng.randint(1 << 10, 8 << 10)
    data = text(size) if i % 2 else binary(size)
    write(f"share/data/d{i % 97}/e{i % 13}/f{i}.dat", data)
    budget["small"] -= size
    i += 1
os.makedirs(os.path.join(root, "usr", "bin"), exist_ok=True)
link = os.path.join(root, "usr", "bin", "bench")
if not os.path.islink(link):
    os.symlink("/opt/bench/lib/native/lib0.so", link)
