#!/usr/bin/env python3
"""Fashion-MNIST (Debian's dataset-fashion-mnist) with a 784-256-128-10 network: float32 input
goes to the C++ core without a copy; SGD with momentum, batch 128, a cosine schedule.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/python/fashion_mnist.py
"""
import gzip

import numpy as np

import backprop


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


root = "/usr/share/datasets/fashion-mnist/"
X_train = (idx(root + "train-images-idx3-ubyte.gz").reshape(-1, 784) / np.float32(255)).astype(np.float32)
y_train = idx(root + "train-labels-idx1-ubyte.gz")
X_test = (idx(root + "t10k-images-idx3-ubyte.gz").reshape(-1, 784) / np.float32(255)).astype(np.float32)
y_test = idx(root + "t10k-labels-idx1-ubyte.gz")

clf = backprop.MLPClassifier(hidden_layer_sizes=(256, 128), solver="sgd", learning_rate_init=0.1,
                             momentum=0.9, nesterovs_momentum=False, batch_size=128, alpha=0.0, max_iter=5,
                             schedule="cosine", init="auto", random_state=1, verbose=True)
clf.fit(X_train, y_train)
print(f"test accuracy {clf.score(X_test, y_test):.4f}")
