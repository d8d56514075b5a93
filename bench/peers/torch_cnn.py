#!/usr/bin/python3
"""PyTorch peer of bench/bench_cnn_epoch.cpp (workload W5, docs/performance.md): one epoch of the
Fashion-MNIST CNN, the network read from the same config file's "network" array
(examples/fashion-mnist-cnn.json by default) and built as a torch.nn.Sequential:

  conv2d      -> nn.Conv2d (+ nn.ZeroPad2d for asymmetric pads; 'same' becomes explicit pads:
                 padding='same' itself is 20-30x slower in PyTorch 1.13 on this machine)
  maxpool2d   -> nn.MaxPool2d           avgpool2d   -> nn.AvgPool2d
  batchnorm1d -> nn.BatchNorm1d         batchnorm2d -> nn.BatchNorm2d (momentum, eps as given)
  flatten     -> nn.Flatten             dropout     -> nn.Dropout
  dense       -> nn.Linear + its activation module; a final softmax is left to the loss
                 (nn.CrossEntropyLoss takes logits), as ours fuses softmax with cross-entropy
  activation  -> nn.ReLU, nn.Sigmoid, nn.Tanh, nn.LeakyReLU, nn.ELU, nn.Softplus, nn.Identity

Training loop: the 60,000 training images (IDX .gz read here), standardised per pixel with the
training set's mean and population standard deviation (0 -> 1), as ours does; torch.randperm
order; batches by tensor indexing (no DataLoader); model.train() (dropout on); optim.Adam(lr);
nn.CrossEntropyLoss. Default PyTorch initialisation (the draw does not change the speed).
Options:
  --threads T        torch.set_num_threads(T) (set OPENBLAS/OMP_NUM_THREADS in the environment)
  --channels-last    model and input in torch.channels_last memory format
  --no-mkldnn        torch.backends.mkldnn.enabled = False (PyTorch's own im2col + BLAS conv)
  --store u8         keep the images as uint8 and standardise each batch (less memory); default
                     f32: one standardised float tensor of 60,000 x 784
  --probe            also print which convolution kernel autograd ran (torch.profiler)
Prints: RESULT workload=W5 impl=torch threads=T samples_per_s=S epoch_s=E cpu_s=C loss=L acc=A
        max_rss_mib=R (resource.getrusage ru_maxrss: the whole process's peak); cpu_s is the
        process CPU time of the epoch (all threads), which a busy host does not inflate
"""
import argparse
import gzip
import json
import resource
import struct
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = bytearray(f.read())  # writable, so torch.from_numpy can share it
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def activation(name, alpha=None):
    name = name.replace("_", "-")
    table = {
        "relu": lambda: nn.ReLU(),
        "sigmoid": lambda: nn.Sigmoid(),
        "tanh": lambda: nn.Tanh(),
        "leaky-relu": lambda: nn.LeakyReLU(0.01 if alpha is None else alpha),
        "elu": lambda: nn.ELU(1.0 if alpha is None else alpha),
        "softplus": lambda: nn.Softplus(),
        "identity": lambda: nn.Identity(),
        "linear": lambda: nn.Identity(),
        "softmax": lambda: nn.Softmax(dim=1),
    }
    if name not in table:
        raise SystemExit(f"torch_cnn.py: activation '{name}' has no PyTorch module here")
    return table[name]()


def pair(v, default=None):
    if v is None:
        return default
    return (v, v) if isinstance(v, int) else tuple(v)


def pads(v, kernel):
    """[top, left, bottom, right] from a padding value of the config."""
    if v is None or v == "valid":
        return [0, 0, 0, 0]
    if v == "same":
        kh, kw = kernel
        return [(kh - 1) // 2, (kw - 1) // 2, kh - 1 - (kh - 1) // 2, kw - 1 - (kw - 1) // 2]
    if isinstance(v, int):
        return [v] * 4
    if len(v) == 2:
        return [v[0], v[1], v[0], v[1]]
    return list(v)


def windowed(make, spec, kernel, stride, in_c=None):
    """The module with symmetric pads, or ZeroPad2d + the module unpadded."""
    t, l, b, r = pads(spec.get("padding"), kernel)
    if t == b and l == r:
        return [make(padding=(t, l))]
    return [nn.ZeroPad2d((l, r, t, b)), make(padding=0)]


def layer(kind, spec, shape, last, loss):
    """Modules for one layer of the spec; shape is the input shape (without the batch)."""
    if kind == "conv2d":
        k = pair(spec["kernel"])
        s = pair(spec.get("stride"), (1, 1))
        return windowed(lambda padding: nn.Conv2d(shape[0], spec["filters"], k, s, padding,
                                                  bias=spec.get("bias", True)), spec, k, s)
    if kind in ("maxpool2d", "avgpool2d"):
        k = pair(spec["kernel"])
        s = pair(spec.get("stride"), k)
        if kind == "maxpool2d":
            return windowed(lambda padding: nn.MaxPool2d(k, s, padding), spec, k, s)
        inc = spec.get("count_include_pad", True)
        return windowed(lambda padding: nn.AvgPool2d(k, s, padding, count_include_pad=inc), spec, k, s)
    if kind == "batchnorm2d":
        return [nn.BatchNorm2d(shape[0], eps=spec.get("eps", 1e-5), momentum=spec.get("momentum", 0.1))]
    if kind == "batchnorm1d":
        feats = int(np.prod(shape))
        return [nn.Flatten(), nn.BatchNorm1d(feats, eps=spec.get("eps", 1e-5), momentum=spec.get("momentum", 0.1))]
    if kind == "flatten":
        return [nn.Flatten()]
    if kind == "dropout":
        return [nn.Dropout(spec.get("p", 0.5))]
    if kind == "dense":
        mods = [nn.Flatten(), nn.Linear(int(np.prod(shape)), spec["units"])]
        act = spec.get("activation", "identity")
        if not (last and act == "softmax" and loss == "cross-entropy"):
            mods.append(activation(act, spec.get("alpha")))
        return mods
    if kind == "activation":
        act = spec["activation"]
        if last and act == "softmax" and loss == "cross-entropy":
            return []
        return [activation(act, spec.get("alpha"))]
    raise SystemExit(f"torch_cnn.py: layer kind '{kind}' has no PyTorch equivalent here")


def build(cfg):
    shape = tuple(cfg.get("input_shape", [1, 28, 28]))
    loss = cfg.get("loss", "cross-entropy")
    if loss not in ("cross-entropy", "softmax-cross-entropy", "ce"):
        raise SystemExit(f"torch_cnn.py: loss '{loss}' not supported (cross-entropy only)")
    loss = "cross-entropy"
    mods = []
    specs = cfg["network"]
    for i, spec in enumerate(specs):
        for m in layer(spec["type"], spec, shape, i == len(specs) - 1, loss):
            mods.append(m)
            with torch.no_grad():
                m.eval()
                shape = tuple(m(torch.zeros((2,) + shape)).shape[1:])
                m.train()
    return nn.Sequential(*mods)


def conv_kernels(model, x, y, crit):
    """The names of the convolution ops autograd runs, forward and backward, for one batch."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        crit(model(x), y).backward()
    names = sorted({e.key for e in prof.key_averages() if "conv" in e.key.lower()})
    return ",".join(n.replace("aten::", "") for n in names)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="examples/fashion-mnist-cnn.json")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--samples", type=int, default=0)
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--no-mkldnn", action="store_true")
    ap.add_argument("--store", choices=["f32", "u8"], default="f32")
    ap.add_argument("--probe", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.no_mkldnn:
        torch.backends.mkldnn.enabled = False
    torch.manual_seed(1)
    with open(a.config) as f:
        cfg = json.load(f)

    images = read_idx(f"{a.data}/train-images-idx3-ubyte.gz")
    labels = read_idx(f"{a.data}/train-labels-idx1-ubyte.gz")
    if 0 < a.samples < len(images):
        images, labels = images[:a.samples], labels[:a.samples]
    n = len(images)
    flat = images.reshape(n, -1)
    # Mean and population standard deviation per pixel in float64, in chunks (a float64 copy of
    # the whole set would add 376 MB to the peak RSS for nothing).
    chunks = range(0, n, 4096)
    mean = sum(flat[i:i + 4096].sum(axis=0, dtype=np.float64) for i in chunks) / n
    var = sum(((flat[i:i + 4096] - mean) ** 2).sum(axis=0) for i in chunks) / n
    std = np.sqrt(var)
    std[std == 0] = 1.0
    shape = tuple(cfg.get("input_shape", [1, 28, 28]))
    mem = torch.channels_last if a.channels_last else torch.contiguous_format
    if a.store == "f32":  # (u8 - mean) / std in float64, rounded to float32, as ours
        xs = torch.empty((n, flat.shape[1]), dtype=torch.float32)
        for i in chunks:
            xs[i:i + 4096] = torch.from_numpy(((flat[i:i + 4096] - mean) / std).astype(np.float32))
        xs = xs.view((n,) + shape).contiguous(memory_format=mem)
        del flat  # the bytes are no longer needed
        batch_x = lambda idx: xs[idx]
    else:
        xs = torch.from_numpy(flat)
        m32 = torch.from_numpy(mean.astype(np.float32))
        r32 = torch.from_numpy((1.0 / std).astype(np.float32))
        batch_x = lambda idx: ((xs[idx].float() - m32) * r32).view((-1,) + shape).contiguous(memory_format=mem)
    del images
    ys = torch.from_numpy(labels.astype(np.int64))

    model = build(cfg).to(memory_format=mem)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=cfg.get("lr", 1e-3))
    crit = nn.CrossEntropyLoss()
    bs = cfg.get("batch_size", 128)
    gen = torch.Generator().manual_seed(cfg.get("seed", 1))
    probe = ""
    if a.probe:  # on a copy, so the timed run starts from the same weights and optimizer state
        import copy
        probe = conv_kernels(copy.deepcopy(model), batch_x(torch.arange(min(bs, n))), ys[:bs], crit)

    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(a.epochs):
        perm = torch.randperm(n, generator=gen)
        loss_sum, correct = 0.0, 0
        for start in range(0, n, bs):
            idx = perm[start:start + bs]
            x, y = batch_x(idx), ys[idx]
            opt.zero_grad(set_to_none=True)
            out = model(x)
            loss = crit(out, y)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            correct += int((out.argmax(1) == y).sum())
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"RESULT workload=W5 impl=torch threads={a.threads} samples_per_s={n * a.epochs / secs:.1f} "
          f"epoch_s={secs / a.epochs:.3f} cpu_s={cpu / a.epochs:.3f} loss={loss_sum / n:.4f} acc={correct / n:.4f} max_rss_mib={rss:.1f} "
          f"mkldnn={int(torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled)} "
          f"channels_last={int(a.channels_last)} store={a.store}" + (f" conv_ops={probe}" if probe else ""))


if __name__ == "__main__":
    main()
