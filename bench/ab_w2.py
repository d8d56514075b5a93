#!/usr/bin/python3
"""A/B comparison of two `backprop` CLI binaries on the W2 workload, alternating.

    bench/ab_w2.py OLD_BINARY NEW_BINARY [PAIRS=7]     (T=2 in the environment: 2 threads)

Each pair runs OLD's W2 epoch, NEW's, then `bench_gemm_limit --repeat 1` (the GEMM floor, from
build/release unless GEMM_LIMIT names another), so that slow drift of a shared machine hits all
three alike. Prints each pair, then the medians, NEW's change over OLD and each one's fraction of
the floor (floor seconds / epoch seconds). Model files go to a temporary directory.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    old, new = sys.argv[1], sys.argv[2]
    pairs = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    threads = os.environ.get("T", "1")
    floor_bin = os.environ.get("GEMM_LIMIT", os.path.join(ROOT, "build/release/bench/bench_gemm_limit"))
    out = os.path.join(tempfile.mkdtemp(prefix="ab_w2_"), "w2.bpm")
    args = ("train --dataset fashion-mnist --layers 784,256,128,10 --activation relu "
            "--loss cross-entropy --optimizer sgd --lr 0.1 --momentum 0.9 --batch-size 128 "
            f"--epochs 1 --preprocess minmax --seed 1 --threads {threads} --verbose 2 "
            f"--output {out}").split()

    def epoch(binary: str) -> float:
        r = subprocess.run([binary] + args, capture_output=True, text=True, check=True)
        m = re.search(r"Epoch 1/1 .*?(\d+) samples/s", r.stdout + r.stderr)
        if not m:
            raise SystemExit(f"ab_w2: no epoch line from {binary}")
        return float(m.group(1))

    def floor() -> float:
        r = subprocess.run([floor_bin, "--repeat", "1", "--threads", threads],
                           capture_output=True, text=True, check=True)
        return float(re.search(r"seconds=([\d.]+)", r.stdout).group(1))

    o, n, f = [], [], []
    for _ in range(pairs):
        o.append(epoch(old))
        n.append(epoch(new))
        f.append(floor())
        print(f"old {o[-1]:.0f}  new {n[-1]:.0f}  floor {f[-1]:.4f} s", flush=True)
    mo, mn, mf = statistics.median(o), statistics.median(n), statistics.median(f)
    print(f"median: old {mo:.0f}, new {mn:.0f} samples/s ({100 * (mn / mo - 1):+.1f} %); "
          f"floor {mf:.4f} s: old {mf / (60000 / mo):.3f}, new {mf / (60000 / mn):.3f} of the floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
