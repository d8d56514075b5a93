#!/usr/bin/env python3
"""backprop's Python module against scikit-learn's MLPClassifier on Fashion-MNIST, in one run.

W2's configuration (bench/run.sh): 784-256-128-10, ReLU, softmax cross-entropy, SGD with
momentum 0.9 (no Nesterov), learning rate 0.1, batch 128, no L2 penalty, features / 255, the same
number of epochs for both, no early stopping. Each side runs in its own process, so that its
peak RSS (VmHWM) is its own; scikit-learn's process runs without OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE and with each OPENBLAS_NUM_THREADS of --sklearn-threads (its fastest is kept).
Then the calling overhead: predict on one sample through the estimator, against the same C++
call timed in C++ (backprop._core's predict_latency_ns).

    /usr/bin/python3 bench/python_vs_sklearn.py [--epochs 2] [--sklearn-threads 1,2] [--threads 1,2]
    (PYTHONPATH=build/release/python, or after pip install .)
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import time

import numpy as np

DATA = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load():
    Xtr = (idx("train-images-idx3-ubyte.gz").reshape(60000, 784) / np.float32(255)).astype(np.float32)
    Xte = (idx("t10k-images-idx3-ubyte.gz").reshape(10000, 784) / np.float32(255)).astype(np.float32)
    return Xtr, idx("train-labels-idx1-ubyte.gz"), Xte, idx("t10k-labels-idx1-ubyte.gz")


def status_mib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib():
    return status_mib("VmHWM:")


def current_rss_mib():
    return status_mib("VmRSS:")


def one(impl, epochs, threads):
    import warnings
    Xtr, ytr, Xte, yte = load()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current RSS: the peak below is the fit's own
    base = current_rss_mib()
    common = dict(hidden_layer_sizes=(256, 128), activation="relu", solver="sgd", learning_rate_init=0.1,
                  momentum=0.9, nesterovs_momentum=False, batch_size=128, alpha=0.0, max_iter=epochs,
                  tol=0.0, n_iter_no_change=epochs + 1, random_state=1)
    if impl == "backprop":
        from backprop import MLPClassifier
        clf = MLPClassifier(init="auto", threads=threads, **common)
    else:
        from sklearn.neural_network import MLPClassifier
        clf = MLPClassifier(**common)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        clf.fit(Xtr, ytr)
        seconds = time.perf_counter() - t0
    peak = peak_rss_mib()  # before predict: the fit's peak
    result = {"impl": impl, "fit_s": seconds, "samples_per_s": 60000 * clf.n_iter_ / seconds,
              "epochs": clf.n_iter_, "test_acc": float((clf.predict(Xte) == yte).mean()),
              "peak_rss_mib": peak, "fit_rss_mib": peak - base, "threads": threads,
              "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "")}
    if impl == "backprop":
        result.update(latency(clf, Xte))
    print("RESULT " + json.dumps(result))


def latency(clf, Xte, reps=20000):
    x = np.ascontiguousarray(Xte[:1])
    for _ in range(1000):
        clf.predict(x)
    t0 = time.perf_counter()
    for _ in range(reps):
        clf.predict(x)
    py_us = (time.perf_counter() - t0) / reps * 1e6
    t0 = time.perf_counter()
    for _ in range(reps):
        clf.predict_proba(x)
    proba_us = (time.perf_counter() - t0) / reps * 1e6
    cpp_us = clf._core.predict_latency_ns(x, reps) / 1000
    return {"predict1_us": py_us, "predict_proba1_us": proba_us, "cpp_predict1_us": cpp_us}


def run_child(impl, epochs, threads, env):
    out = subprocess.run([sys.executable, __file__, "--one", impl, "--epochs", str(epochs), "--threads",
                          str(threads)], env=env, capture_output=True, text=True)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if out.returncode != 0 or not lines:
        sys.exit(f"{impl} failed (exit {out.returncode}):\n{out.stderr[-2000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", default="1,2", help="backprop's thread counts to try (0: all cores)")
    ap.add_argument("--sklearn-threads", default="1,2", help="OPENBLAS_NUM_THREADS values to try for scikit-learn")
    ap.add_argument("--one", choices=["backprop", "sklearn"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        return one(args.one, args.epochs, args.threads)
    mine = [run_child("backprop", args.epochs, t, dict(os.environ)) for t in args.threads.split(",")]
    ours = max(mine, key=lambda r: r["samples_per_s"])
    peers = []
    for t in args.sklearn_threads.split(","):
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        env["OPENBLAS_NUM_THREADS"] = t
        peers.append(run_child("sklearn", args.epochs, 0, env))
    theirs = max(peers, key=lambda r: r["samples_per_s"])
    print(f"load average: {os.getloadavg()}; CPU: {cpu_name()}; epochs: {args.epochs}")
    print("| impl | samples/s | test accuracy | peak RSS MiB (process) | RSS growth in fit MiB | fit s |")
    print("|---|---|---|---|---|---|")
    for r in mine + peers:
        name = (f"sklearn (OPENBLAS_NUM_THREADS={r['openblas_threads']})" if r["impl"] == "sklearn"
                else f"backprop (threads={r['threads']})")
        print(f"| {name} | {r['samples_per_s']:.0f} | {r['test_acc']:.4f} | {r['peak_rss_mib']:.0f} | "
              f"{r['fit_rss_mib']:.0f} | {r['fit_s']:.1f} |")
    print(f"speed-up vs scikit-learn's fastest: {ours['samples_per_s'] / theirs['samples_per_s']:.2f}x; "
          f"accuracy difference: {100 * (ours['test_acc'] - theirs['test_acc']):+.2f} points")
    print(f"predict, 1 sample: estimator.predict {ours['predict1_us']:.2f} us, predict_proba "
          f"{ours['predict_proba1_us']:.2f} us, the C++ call {ours['cpp_predict1_us']:.2f} us: "
          f"overhead {ours['predict1_us'] - ours['cpp_predict1_us']:.2f} us")


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


if __name__ == "__main__":
    main()
