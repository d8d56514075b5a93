#!/usr/bin/env python3
"""Iris with backprop.MLPClassifier, next to scikit-learn's, then save / load / pickle.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/python/iris.py
"""
import pickle

from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

import backprop

X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
for name, cls in [("backprop", backprop.MLPClassifier), ("scikit-learn", SkMLPClassifier)]:
    clf = cls(hidden_layer_sizes=(32,), max_iter=500, random_state=0).fit(X_train, y_train)
    print(f"{name:12s} test accuracy {clf.score(X_test, y_test):.3f} after {clf.n_iter_} epochs")

clf = backprop.MLPClassifier(hidden_layer_sizes=(32,), max_iter=500, random_state=0).fit(X_train, y_train)
clf.save("iris.bpm")  # the CLI reads it: backprop predict --model iris.bpm --input data.csv
same = backprop.load("iris.bpm")
again = pickle.loads(pickle.dumps(clf))
assert (same.predict(X_test) == clf.predict(X_test)).all() and (again.predict(X_test) == clf.predict(X_test)).all()
print("saved to iris.bpm; load() and pickle give the same predictions")
