#!/usr/bin/python3
"""W1, PyTorch peer: the seed's 2-2-2 sigmoid network as two nn.Linear layers in float64, biases
frozen (requires_grad=False, as the seed never updates b1, b2), E_total = sum 1/2 (T - y)^2,
torch.optim.SGD(lr=0.5), one sample, --updates steps; median time over --repeat runs.

Prints: RESULT workload=W1 impl=torch updates=U ms=M E=E threads=N
"""
import argparse
import statistics
import time

import torch


def seed_net():
    l1, l2 = torch.nn.Linear(2, 2).double(), torch.nn.Linear(2, 2).double()
    with torch.no_grad():
        l1.weight.copy_(torch.tensor([[0.15, 0.20], [0.25, 0.30]]))
        l1.bias.fill_(0.35)
        l2.weight.copy_(torch.tensor([[0.40, 0.45], [0.50, 0.55]]))
        l2.bias.fill_(0.60)
    l1.bias.requires_grad_(False)
    l2.bias.requires_grad_(False)
    return torch.nn.Sequential(l1, torch.nn.Sigmoid(), l2, torch.nn.Sigmoid())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--updates", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    x = torch.tensor([[0.05, 0.10]], dtype=torch.float64)
    t = torch.tensor([[0.01, 0.99]], dtype=torch.float64)
    times, e = [], 0.0
    for _ in range(max(1, a.repeat)):
        net = seed_net()
        opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.5)
        t0 = time.perf_counter()
        for _ in range(a.updates):
            opt.zero_grad()
            loss = 0.5 * ((t - net(x)) ** 2).sum()
            loss.backward()
            opt.step()
        times.append((time.perf_counter() - t0) * 1e3)
        with torch.no_grad():
            e = (0.5 * ((t - net(x)) ** 2).sum()).item()
    print(f"RESULT workload=W1 impl=torch updates={a.updates} ms={statistics.median(times):.4f} "
          f"E={e:.12g} threads={a.threads}")


if __name__ == "__main__":
    main()
