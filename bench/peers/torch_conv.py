#!/usr/bin/python3
"""PyTorch peer of bench/bench_conv.cpp: the convolutional part of the issue-11 CNN at batch 128,
float32, forward + backward:
    input 1x28x28 -> Conv2d(1, 32, 3, padding=1) -> ReLU -> MaxPool2d(2)
                  -> Conv2d(32, 64, 3, padding=1) -> ReLU -> MaxPool2d(2)
(padding=1 is 'same' for a 3x3 kernel; padding='same' itself is 20-30x slower for the first layer
in PyTorch 1.13 with oneDNN on this machine: 131 ms against 7 ms per batch, so the peer avoids it.)
Times, per batch (median of --repeat runs of --iters iterations after --warmup):
  conv1_fwd, conv1_bwd (dw, db; the input needs no gradient), conv2_fwd, conv2_bwd (dx, dw, db),
  stack (the whole stack forward + backward, as a training step runs it).
Best configuration for PyTorch: torch.set_num_threads(--threads); PyTorch 1.13 runs CPU
convolutions through oneDNN (mkldnn) where it is built in (torch.backends.mkldnn.is_available()),
otherwise through its own im2col + BLAS path; run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
unset and OPENBLAS_NUM_THREADS / OMP_NUM_THREADS = --threads, e.g.
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 \\
        /usr/bin/python3 bench/peers/torch_conv.py --threads 2

--channels-last puts layers and tensors in torch.channels_last (NHWC), PyTorch's faster layout for
this network in the W5 epoch (docs/performance.md).

Prints one RESULT line per thread count:
    RESULT impl=torch threads=T conv1_fwd_ms=.. conv1_bwd_ms=.. conv2_fwd_ms=.. conv2_bwd_ms=..
           stack_ms=.. stack_cpu_ms=.. stack_samples_per_s=..
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F


def timed(fn, warmup, iters, repeat):
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        runs.append((time.perf_counter() - t0) / iters * 1e3)
    return statistics.median(runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--channels-last", action="store_true",
                    help="layers and tensors in torch.channels_last (oneDNN's NHWC kernels)")
    a = ap.parse_args()
    mem = torch.channels_last if a.channels_last else torch.contiguous_format
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    conv1 = torch.nn.Conv2d(1, 32, 3, padding=1).to(memory_format=mem)
    conv2 = torch.nn.Conv2d(32, 64, 3, padding=1).to(memory_format=mem)
    x = torch.rand(a.batch, 1, 28, 28).contiguous(memory_format=mem)
    x2 = torch.rand(a.batch, 32, 14, 14).contiguous(memory_format=mem).requires_grad_()
    with torch.no_grad():
        y1 = conv1(x)
        y2 = conv2(x2)
    dy1, dy2 = torch.rand_like(y1), torch.rand_like(y2)

    def fwd1():
        with torch.no_grad():
            conv1(x)

    def fwd2():
        with torch.no_grad():
            conv2(x2)

    out1 = [None]

    def bwd(layer, inp, dy):
        # forward with autograd, then backward only (the forward is timed separately)
        def prep():
            out1[0] = layer(inp)

        def run():
            for p in layer.parameters():
                p.grad = None
            if inp.grad is not None:
                inp.grad = None
            out1[0].backward(dy)
        return prep, run

    def time_backward(layer, inp, dy):
        prep, run = bwd(layer, inp, dy)
        total = []
        for _ in range(a.warmup):
            prep()
            run()
        for _ in range(a.repeat):
            acc = 0.0
            for _ in range(a.iters):
                prep()
                t0 = time.perf_counter()
                run()
                acc += time.perf_counter() - t0
            total.append(acc / a.iters * 1e3)
        return statistics.median(total)

    def stack():
        for p in list(conv1.parameters()) + list(conv2.parameters()):
            p.grad = None
        h = F.max_pool2d(F.relu(conv1(x)), 2)
        h = F.max_pool2d(F.relu(conv2(h)), 2)
        h.backward(torch.ones_like(h))

    # CPU time of the whole stack too (time.process_time): on a shared host the wall clock also
    # counts other processes' time slices; at 1 thread CPU time is the fairer measure.
    c0 = time.process_time()
    for _ in range(a.iters):
        stack()
    stack_cpu_ms = (time.process_time() - c0) / a.iters * 1e3
    r = dict(
        conv1_fwd_ms=timed(fwd1, a.warmup, a.iters, a.repeat),
        conv1_bwd_ms=time_backward(conv1, x, dy1),
        conv2_fwd_ms=timed(fwd2, a.warmup, a.iters, a.repeat),
        conv2_bwd_ms=time_backward(conv2, x2, dy2),
        stack_ms=timed(stack, a.warmup, a.iters, a.repeat),
    )
    r["stack_cpu_ms"] = stack_cpu_ms
    r["stack_samples_per_s"] = a.batch / (r["stack_ms"] / 1e3)
    print(f"RESULT impl=torch threads={a.threads} mkldnn={int(torch.backends.mkldnn.is_available())} "
          f"channels_last={int(a.channels_last)} "
          + " ".join(f"{k}={v:.3f}" if k.endswith("ms") else f"{k}={v:.0f}" for k, v in r.items()))


if __name__ == "__main__":
    main()
