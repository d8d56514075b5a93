"""What users rely on: fit is `backprop train` bit for bit, no input copies, the GIL released,
Ctrl-C leaves a usable model."""
import os
import signal
import subprocess
import threading
import time
import tracemalloc

import numpy as np
import pytest

import backprop
from backprop import MLPClassifier


def write_csv(path, X, y):
    with open(path, "w") as f:
        f.write(",".join(f"x{i}" for i in range(X.shape[1])) + ",label\n")
        for row, label in zip(X, y):
            f.write(",".join(f"{v:.9g}" for v in row) + f",{label}\n")


def weights(model):
    return [value.tobytes() for _, value in model._core.params()]


@pytest.mark.parametrize("params, flags", [
    ({}, ["--optimizer", "adam", "--lr", "0.001", "--beta1", "0.9", "--beta2", "0.999", "--eps", "1e-08"]),
    ({"solver": "sgd", "learning_rate_init": 0.05},
     ["--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--nesterov", "true"]),
])
def test_fit_is_bit_identical_to_the_cli(cli, blobs, tmp_path, params, flags):
    X, y = blobs
    clf = MLPClassifier(hidden_layer_sizes=(16, 8), batch_size=50, max_iter=30, random_state=7, **params)
    clf.fit(X, y)
    write_csv(tmp_path / "train.csv", X, y)
    subprocess.run([cli, "train", "--train", str(tmp_path / "train.csv"), "--output", str(tmp_path / "cli.bpm"),
                    "--hidden", "16,8", "--activation", "relu", "--init", "xavier-uniform", "--preprocess", "none",
                    "--batch-size", "50", "--epochs", "30", "--seed", "7", "--weight-decay", repr(0.0001 / 50),
                    "--early-stopping", "loss", "--patience", "10", "--min-delta", "0.0001",
                    "--verbose", "0", *flags], check=True, stdout=subprocess.DEVNULL)
    theirs = backprop.load(tmp_path / "cli.bpm")
    assert weights(theirs) == weights(clf)
    np.testing.assert_array_equal(theirs.predict_proba(X), clf.predict_proba(X))


def traced_peak(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_float32_input_is_not_copied_and_other_input_is_copied_once():
    rng = np.random.default_rng(0)
    X32 = rng.random((20000, 100), dtype=np.float32)  # 8 MB
    y = (X32[:, 0] > 0.5).astype(np.int64)
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, batch_size=1000, random_state=0)
    clf.fit(X32[:10], y[:10])  # imports and first-call allocations out of the way
    assert traced_peak(lambda: clf.fit(X32, y)) < X32.nbytes // 8
    X64 = X32.astype(np.float64)
    peak = traced_peak(lambda: clf.fit(X64, y))
    assert X32.nbytes <= peak < X32.nbytes + X32.nbytes // 8  # the float32 copy, once
    Xf = np.asfortranarray(X32)
    peak = traced_peak(lambda: clf.fit(Xf, y))
    assert X32.nbytes <= peak < X32.nbytes + X32.nbytes // 8


def count_while(fn):
    """Runs fn in this thread while another thread counts; returns (count during fn, seconds)."""
    count, running = [0], [True]

    def counter():
        while running[0]:
            count[0] += 1

    t = threading.Thread(target=counter)
    t.start()
    time.sleep(0.05)
    start_count, t0 = count[0], time.perf_counter()
    fn()
    seconds, during = time.perf_counter() - t0, count[0] - start_count
    running[0] = False
    t.join()
    return during, seconds


def test_gil_is_released_in_fit_and_predict():
    rng = np.random.default_rng(0)
    X = rng.random((20000, 200), dtype=np.float32)
    y = (X[:, 0] > 0.5).astype(int)
    clf = MLPClassifier(hidden_layer_sizes=(256,), max_iter=2, random_state=0, threads=1)
    during, seconds = count_while(lambda: clf.fit(X, y))
    assert seconds > 0.1 and during > 1000
    big = np.repeat(X, 5, axis=0)
    during, seconds = count_while(lambda: clf.predict(big))
    assert seconds > 0.05 and during > 1000, (during, seconds)


def test_ctrl_c_stops_fit_and_leaves_a_usable_model():
    rng = np.random.default_rng(0)
    X = rng.random((5000, 50), dtype=np.float32)
    y = (X[:, 0] > 0.5).astype(int)
    clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=100000, n_iter_no_change=100000, random_state=0)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert time.perf_counter() - t0 < 5
    assert 0 < clf.n_iter_ < 100000
    assert clf.predict(X).shape == (5000,)
    assert clf.score(X, y) > 0.5
