#!/usr/bin/python3
"""W2, PyTorch peer: Fashion-MNIST 784-256-128-10 MLP (ReLU, nn.Linear default init), softmax
cross-entropy, SGD lr 0.1 momentum 0.9, batch 128, shuffled (torch.randperm), pixels / 255, float32,
one epoch; then test accuracy. Reads the IDX .gz files itself (gzip + numpy.frombuffer).
Threads: torch.set_num_threads(--threads). Debian's torch runs float32 matmuls in OpenBLAS, whose
pool is sized by OPENBLAS_NUM_THREADS / OMP_NUM_THREADS: set those in the environment (run.sh does)
before Python starts; they are echoed in the RESULT line.

Prints: RESULT workload=W2 impl=torch threads=T blas_threads=B samples_per_s=R train_s=S
        test_acc=A rss_mib=M
"""
import argparse
import gzip
import os
import resource
import time

import numpy as np
import torch


def idx(path, header):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def load(d, split):
    x = idx(f"{d}/{split}-images-idx3-ubyte.gz", 16).reshape(-1, 784)
    y = idx(f"{d}/{split}-labels-idx1-ubyte.gz", 8)
    return torch.from_numpy(x.astype(np.float32) / 255.0), torch.from_numpy(y.astype(np.int64))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--samples", type=int, default=60000)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr, ytr = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    xtr, ytr = xtr[: a.samples], ytr[: a.samples]
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                              torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.SGD(net.parameters(), lr=a.lr, momentum=a.momentum)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = xtr.shape[0]
    net.train()
    t0 = time.perf_counter()
    for _ in range(a.epochs):
        order = torch.randperm(n)
        for s in range(0, n, a.batch_size):
            idx_b = order[s:s + a.batch_size]
            opt.zero_grad()
            loss = loss_fn(net(xtr[idx_b]), ytr[idx_b])
            loss.backward()
            opt.step()
    train_s = time.perf_counter() - t0
    net.eval()
    with torch.no_grad():
        acc = (net(xte).argmax(1) == yte).float().mean().item()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB -> MiB on Linux
    blas = os.environ.get("OPENBLAS_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "default"))
    print(f"RESULT workload=W2 impl=torch threads={a.threads} blas_threads={blas} "
          f"samples_per_s={n * a.epochs / train_s:.1f} train_s={train_s:.3f} test_acc={acc:.4f} "
          f"rss_mib={rss:.1f}")


if __name__ == "__main__":
    main()
