#!/usr/bin/env python3
"""Writes the tiny image data set the CNN CLI tests train on (tests/cli/fixtures/bars.csv): 8x8
grey images of three classes, a horizontal bar, a vertical bar or a diagonal, at random positions
with noise; 64 pixel columns p0..p63 (row-major) and a label column. Standard library only; the
file is committed, so this runs only when it needs to change:
    python3 tests/cli/gen_images.py
"""
import os
import random

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
rng = random.Random(20261208)
S = 8


def image(kind):
    img = [[rng.uniform(0.0, 0.2) for _ in range(S)] for _ in range(S)]
    k = rng.randrange(1, S - 1)
    for i in range(S):
        if kind == "horizontal":
            img[k][i] = rng.uniform(0.7, 1.0)
        elif kind == "vertical":
            img[i][k] = rng.uniform(0.7, 1.0)
        else:
            img[i][(i + k) % S] = rng.uniform(0.7, 1.0)
    return [v for row in img for v in row]


with open(os.path.join(here, "bars.csv"), "w") as f:
    f.write(",".join(f"p{i}" for i in range(S * S)) + ",label\n")
    kinds = ["horizontal", "vertical", "diagonal"]
    for n in range(240):
        kind = kinds[n % 3]
        f.write(",".join(f"{v:.2f}" for v in image(kind)) + "," + kind + "\n")
