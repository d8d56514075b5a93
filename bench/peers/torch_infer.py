#!/usr/bin/python3
"""W4, PyTorch peer: inference of the W2 network (784-256-128-10, ReLU, softmax at the end as our
forward does), float32, eval mode under torch.no_grad(). Latency: median of --calls single-sample
calls, each timed alone; throughput: median over --reps calls at batch --batch. Seeded uniform
[0, 1] inputs; nn.Linear default init (timing does not depend on the values).

Prints: RESULT workload=W4 impl=torch threads=T latency_us=L throughput=R batch=B
"""
import argparse
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                              torch.nn.ReLU(), torch.nn.Linear(128, 10), torch.nn.Softmax(dim=1))
    net.eval()
    xb = torch.rand(a.batch, 784)
    lat, per_batch = [], []
    with torch.no_grad():
        for k in range(a.calls + 100):  # the first 100 calls warm up, untimed
            x1 = xb[k % a.batch:k % a.batch + 1]
            t0 = time.perf_counter()
            net(x1)
            if k >= 100:
                lat.append((time.perf_counter() - t0) * 1e6)
        net(xb)
        for _ in range(a.reps):
            t0 = time.perf_counter()
            net(xb)
            per_batch.append(time.perf_counter() - t0)
    print(f"RESULT workload=W4 impl=torch threads={a.threads} latency_us={statistics.median(lat):.3f} "
          f"throughput={a.batch / statistics.median(per_batch):.1f} batch={a.batch}")


if __name__ == "__main__":
    main()
