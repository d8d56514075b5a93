#!/usr/bin/python3
"""W6, PyTorch peer: DistributedDataParallel (gloo backend) on one machine, P processes of T threads.
An MLP (--layers, ReLU, nn.Linear default init), softmax cross-entropy, SGD lr 0.1 momentum 0.9,
a GLOBAL batch of --batch-size split evenly across the P processes (each takes every P-th sample
of the global batch's slice, as DistributedSampler does), pixels / 255, float32, --samples samples of
Fashion-MNIST for one epoch. The same network, global batch and ranks as `mpirun -np P backprop train`.

Prints: RESULT workload=W6 impl=torch_ddp layers=L procs=P threads=T batch=B samples_per_s=R train_s=S
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def load(d, n):
    with gzip.open(f"{d}/train-images-idx3-ubyte.gz", "rb") as f:
        x = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)[:n]
    with gzip.open(f"{d}/train-labels-idx1-ubyte.gz", "rb") as f:
        y = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:n]
    return torch.from_numpy(x.astype(np.float32) / 255.0), torch.from_numpy(y.astype(np.int64))


def worker(rank, a, port):
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
    torch.set_num_threads(a.threads)
    dist.init_process_group("gloo", rank=rank, world_size=a.procs)
    torch.manual_seed(a.seed)
    x, y = load(a.data, a.samples)
    sizes = [int(s) for s in a.layers.split(",")]
    mods = []
    for i in range(len(sizes) - 1):
        mods.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            mods.append(torch.nn.ReLU())
    net = torch.nn.parallel.DistributedDataParallel(torch.nn.Sequential(*mods))
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    g = torch.Generator().manual_seed(a.seed)
    dist.barrier()
    t0 = time.perf_counter()
    order = torch.randperm(n, generator=g)
    for s in range(0, n, a.batch_size):
        idx = order[s:s + a.batch_size][rank::a.procs]
        opt.zero_grad()
        loss_fn(net(x[idx]), y[idx]).backward()  # DDP averages the gradients over the processes
        opt.step()
    dist.barrier()
    secs = time.perf_counter() - t0
    if rank == 0:
        print(f"RESULT workload=W6 impl=torch_ddp layers={a.layers} procs={a.procs} threads={a.threads} "
              f"batch={a.batch_size} samples_per_s={n / secs:.1f} train_s={secs:.3f}", flush=True)
    dist.destroy_process_group()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--layers", default="784,256,128,10")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--samples", type=int, default=60000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--port", type=int, default=29561)
    a = ap.parse_args()
    mp.spawn(worker, args=(a, a.port), nprocs=a.procs, join=True)


if __name__ == "__main__":
    main()
