#!/usr/bin/env python3
"""Writes the small data files the cli_* tests train on (tests/cli/fixtures/). Standard library
only; the files are committed, so this runs only when they need to change:
    python3 tests/cli/gen_fixtures.py
"""
import math
import os
import random

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
os.makedirs(here, exist_ok=True)
rng = random.Random(20261128)

# Three Gaussian blobs in 2-D with string labels and a header: a classification CSV.
centres = {"north": (0.0, 2.5), "east": (2.0, 0.0), "west": (-2.0, 0.0)}
with open(os.path.join(here, "blobs.csv"), "w") as f:
    f.write("x,y,label\n")
    for i in range(240):
        name = list(centres)[i % 3]
        cx, cy = centres[name]
        f.write(f"{cx + rng.gauss(0, 0.6):.6f},{cy + rng.gauss(0, 0.6):.6f},{name}\n")

# The same features without labels, for predict.
with open(os.path.join(here, "blobs-unlabelled.csv"), "w") as f:
    for cx, cy in [(0.1, 2.4), (2.1, -0.2), (-1.9, 0.3)]:
        f.write(f"{cx},{cy}\n")

# The blobs with the label first and the features swapped (label, y, x): a model trained on
# blobs.csv matches them by name. Three unlabelled points with the features swapped and an extra
# text column, and a header that lacks the column 'y'.
with open(os.path.join(here, "blobs.csv")) as src, open(os.path.join(here, "blobs-reordered.csv"), "w") as f:
    for line in src:
        x, y, label = line.rstrip("\n").split(",")
        f.write(f"{label},{y},{x}\n")
with open(os.path.join(here, "blobs-reordered-unlabelled.csv"), "w") as f:
    f.write("y,note,x\n")
    for note, (cx, cy) in zip(["a", "b", "c"], [(0.1, 2.4), (2.1, -0.2), (-1.9, 0.3)]):
        f.write(f"{cy},{note},{cx}\n")
with open(os.path.join(here, "blobs-renamed.csv"), "w") as f:
    f.write("x,z,label\n0.1,2.4,north\n")

# A regression CSV with a header: the target column is named.
with open(os.path.join(here, "wave.csv"), "w") as f:
    f.write("t,signal\n")
    for i in range(50):
        t = -1 + 2 * i / 49
        f.write(f"{t:.6f},{0.5 * t * t:.6f}\n")

# sin x on [-pi, pi]: a regression CSV without a header.
with open(os.path.join(here, "sin.csv"), "w") as f:
    for i in range(200):
        x = -math.pi + 2 * math.pi * i / 199
        f.write(f"{x:.6f},{math.sin(x):.6f}\n")

# XOR in FANN's training-data format, one-hot outputs (class 0 = "same", class 1 = "differ").
with open(os.path.join(here, "xor.data"), "w") as f:
    f.write("4 2 2\n0 0\n1 0\n0 1\n0 1\n1 0\n0 1\n1 1\n1 0\n")

# Five columns: fits no model of the tests.
with open(os.path.join(here, "wide.csv"), "w") as f:
    f.write("1,2,3,4,5\n")

# Malformed files, one fault each.
with open(os.path.join(here, "ragged.csv"), "w") as f:
    f.write("x,y,label\n1,2,a\n3,4\n")
with open(os.path.join(here, "nan.csv"), "w") as f:
    f.write("x,y,label\n1,2,a\nnan,4,b\n")
with open(os.path.join(here, "bad-config.json"), "w") as f:
    f.write('{"epochs": 3, "lerning_rate": 0.1}\n')
with open(os.path.join(here, "blobs-config.json"), "w") as f:
    f.write('{"layers": [2, 8, 3], "activation": "tanh", "epochs": 40, "batch_size": "16", '
            '"optimizer": "adam", "lr": 0.02, "seed": 7, "early_stopping": "none"}\n')

# Two classes for the one-sigmoid-output path: two Gaussian blobs with string labels, a header,
# and the label column first.
with open(os.path.join(here, "two.csv"), "w") as f:
    f.write("answer,u,v\n")
    for i in range(200):
        name, (cx, cy) = [("no", (-1.5, 0.0)), ("yes", (1.5, 0.5))][i % 2]
        f.write(f"{name},{cx + rng.gauss(0, 0.8):.6f},{cy + rng.gauss(0, 0.8):.6f}\n")
with open(os.path.join(here, "two-unlabelled.csv"), "w") as f:
    f.write("u,v\n-1.4,0.1\n1.6,0.4\n")
