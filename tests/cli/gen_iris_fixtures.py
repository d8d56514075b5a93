#!/usr/bin/env python3
"""Writes tests/cli/fixtures/iris_train.csv and iris_test.csv from scikit-learn's copy of the iris
data (Debian's python3-sklearn): the split of bench/sklearn_defaults.py (stratified, 25 % test,
random_state=0), a header, the species names as labels in the last column. The files are
committed; this runs only when they need to change:
    python3 tests/cli/gen_iris_fixtures.py
On this split scikit-learn's MLPClassifier() reaches test accuracy 1.0000 and StandardScaler +
MLPClassifier() 0.9737 (median of random_state 1..5; docs/defaults.md), hence the bound of the
cli_train_iris_no_flags test: at least 0.90.
"""
import os

from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
iris = load_iris()
xtr, xte, ytr, yte = train_test_split(iris.data, iris.target, test_size=0.25, random_state=0, stratify=iris.target)
names = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
for path, x, y in [("iris_train.csv", xtr, ytr), ("iris_test.csv", xte, yte)]:
    with open(os.path.join(here, path), "w") as f:
        f.write(",".join(names) + "\n")
        for row, t in zip(x, y):
            f.write(",".join("%g" % v for v in row) + "," + iris.target_names[t] + "\n")
