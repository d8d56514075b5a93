#!/usr/bin/env python3
"""backprop's no-flag defaults against scikit-learn's MLP defaults on small tabular data.

Writes iris, wine, breast_cancer and digits (scikit-learn's bundled copies, Debian's
python3-sklearn) as train/test CSV files with a header and string class labels -- iris with its
label column first, breast_cancer with it in the middle, the others last -- and two regression
sets (diabetes; Friedman #1, generated). Then, for seeds 1..5 on the same split:
  ours:    backprop train --train TRAIN.csv --test TEST.csv --seed S
           (plus --label-column NAME where the label is not the last column, and --task
           regression for diabetes, whose targets are whole numbers; --verbose 0 and --output
           only silence the progress and place the model file)
  sklearn: MLPClassifier(random_state=S) / MLPRegressor(random_state=S), all defaults, and the
           same after StandardScaler (our default preprocessing is standardisation too).
Prints a Markdown table of the median test accuracy (R² for regression) over the 5 seeds.

    python3 bench/sklearn_defaults.py [--backprop build/release/tools/backprop/backprop] [--seeds 5]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
FLAGS = []  # --flags


def write_csv(path, names, x, y, label_name, label_pos, labels=None):
    """One sample per row; the label (a class name, or a number) at column label_pos."""
    cols = list(names)
    cols.insert(label_pos, label_name)
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for row, t in zip(x, y):
            fields = [repr(float(v)) for v in row]
            fields.insert(label_pos, labels[t] if labels is not None else repr(float(t)))
            f.write(",".join(fields) + "\n")


def clean(name):
    return re.sub(r"[^A-Za-z0-9_]+", "_", str(name)).strip("_")


def classification_sets():
    iris = datasets.load_iris()
    wine = datasets.load_wine()
    bc = datasets.load_breast_cancer()
    digits = datasets.load_digits()
    return [
        # name, bunch, label column name, label position (None = last), class names
        ("iris", iris, "species", 0, list(iris.target_names)),
        ("wine", wine, "cultivar", None, ["cultivar_" + str(c + 1) for c in range(3)]),
        ("breast_cancer", bc, "diagnosis", 5, list(bc.target_names)),
        ("digits", digits, "digit", None, ["zero", "one", "two", "three", "four", "five", "six", "seven",
                                           "eight", "nine"]),
    ]


def regression_sets():
    d = datasets.load_diabetes()
    fx, fy = datasets.make_friedman1(n_samples=1000, noise=1.0, random_state=0)
    return [
        ("diabetes", d.data, d.target, list(d.feature_names), ["--task", "regression"]),
        ("friedman1", fx, fy, ["x%d" % (i + 1) for i in range(fx.shape[1])], []),
    ]


def run_ours(bp, train, test, seed, extra, out_dir):
    cmd = [bp, "train", "--train", train, "--test", test, "--seed", str(seed), *extra, *FLAGS,
           "--verbose", "0", "--output", os.path.join(out_dir, "model.bpm")]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), r.stderr))
    m = re.search(r"accuracy ([0-9.]+)", r.stdout) or re.search(r"r2 (-?[0-9.]+)", r.stdout)
    return float(m.group(1))


def median(v):
    return statistics.median(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backprop", default=os.path.join(HERE, "..", "build", "release", "tools", "backprop", "backprop"))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--only", nargs="*", help="data set names (default: all)")
    ap.add_argument("--flags", default="", help="extra flags for backprop train (experiments; the table of "
                    "record has none)")
    args = ap.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    FLAGS[:] = args.flags.split()
    seeds = range(1, args.seeds + 1)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, b, label, pos, classes in classification_sets():
            if args.only and name not in args.only:
                continue
            names = [clean(n) for n in b.feature_names]
            pos = len(names) if pos is None else pos
            xtr, xte, ytr, yte = train_test_split(b.data, b.target, test_size=0.25, random_state=0, stratify=b.target)
            tr, te = os.path.join(tmp, name + "_train.csv"), os.path.join(tmp, name + "_test.csv")
            write_csv(tr, names, xtr, ytr, label, pos, classes)
            write_csv(te, names, xte, yte, label, pos, classes)
            extra = [] if pos == len(names) else ["--label-column", label]
            ours = [run_ours(args.backprop, tr, te, s, extra, tmp) for s in seeds]
            sk = [MLPClassifier(random_state=s).fit(xtr, ytr).score(xte, yte) for s in seeds]
            sks = [make_pipeline(StandardScaler(), MLPClassifier(random_state=s)).fit(xtr, ytr).score(xte, yte)
                   for s in seeds]
            rows.append((name, "accuracy", len(ytr), len(yte), b.data.shape[1], len(classes), extra, ours, sk, sks))
        for name, x, y, names, extra in regression_sets():
            if args.only and name not in args.only:
                continue
            xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=0)
            tr, te = os.path.join(tmp, name + "_train.csv"), os.path.join(tmp, name + "_test.csv")
            write_csv(tr, names, xtr, ytr, "target", len(names))
            write_csv(te, names, xte, yte, "target", len(names))
            ours = [run_ours(args.backprop, tr, te, s, extra, tmp) for s in seeds]
            sk = [MLPRegressor(random_state=s).fit(xtr, ytr).score(xte, yte) for s in seeds]
            sks = [make_pipeline(StandardScaler(), MLPRegressor(random_state=s)).fit(xtr, ytr).score(xte, yte)
                   for s in seeds]
            rows.append((name, "R²", len(ytr), len(yte), x.shape[1], "-", extra, ours, sk, sks))
    print("| data set | train / test | features | classes | metric | backprop, no flags | MLP() | "
          "StandardScaler + MLP() | backprop − best sklearn | extra flags |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, metric, ntr, nte, nf, nc, extra, ours, sk, sks in rows:
        o, a, b2 = median(ours), median(sk), median(sks)
        print("| %s | %d / %d | %d | %s | %s | %.4f | %.4f | %.4f | %+.4f | %s |"
              % (name, ntr, nte, nf, nc, metric, o, a, b2, round(o - max(a, b2), 4) + 0.0, " ".join(extra) or "none"))
    print("\nmedian over seeds %s; per seed (ours):" % list(seeds))
    for name, _, _, _, _, _, _, ours, sk, sks in rows:
        print("  %-14s ours %s  MLP() %s  scaled %s" % (name, np.round(ours, 4).tolist(), np.round(sk, 4).tolist(),
                                                      np.round(sks, 4).tolist()))


if __name__ == "__main__":
    main()
