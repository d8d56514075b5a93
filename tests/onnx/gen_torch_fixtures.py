#!/usr/bin/python3
"""Writes tests/onnx/torch/*.onnx: small MLPs and CNNs exported by torch.onnx.export (Debian's
PyTorch 1.13) at opsets 13 to 17, for `backprop import`, and NAME.expected.npy: torch's own
outputs (float32) on the first 100 Fashion-MNIST test images. tests/onnx/onnx_test.sh compares
the imported models' predictions with those and with ONNX Runtime's on the same files. Weights
are torch's random initialisation under a fixed seed. Run with /usr/bin/python3; CI needs only
the output."""
import gzip
import os

import numpy as np

import torch
from torch import nn

torch.manual_seed(13)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch")


class MatMulAdd(nn.Module):
    """x @ W + b written out, so the export has MatMul and Add instead of Gemm."""

    def __init__(self, i, o):
        super().__init__()
        self.w = nn.Parameter(torch.randn(i, o) / i ** 0.5)
        self.b = nn.Parameter(torch.randn(o) / 10)

    def forward(self, x):
        return torch.matmul(x, self.w) + self.b


class View(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k

    def forward(self, x):
        return x.view(-1, self.k)  # Reshape to 2-D with a constant shape


MODELS = {
    "mlp_gemm_relu_softmax": (13, [1, 784], nn.Sequential(
        nn.Linear(784, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 10), nn.Softmax(dim=1))),
    "mlp_matmul_tanh_leaky": (17, [1, 784], nn.Sequential(
        MatMulAdd(784, 24), nn.Tanh(), nn.Linear(24, 16), nn.LeakyReLU(0.1), nn.Linear(16, 10))),
    "mlp_sigmoid_elu_softplus": (14, [1, 784], nn.Sequential(
        nn.Linear(784, 20), nn.Sigmoid(), nn.Linear(20, 12), nn.ELU(0.5), nn.Linear(12, 8),
        nn.Softplus(), nn.Identity(), nn.Linear(8, 10), nn.Softmax(dim=1))),
    "mlp_batchnorm1d": (15, [1, 784], nn.Sequential(
        nn.Linear(784, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 10))),
    "cnn_flatten": (13, [1, 1, 28, 28], nn.Sequential(
        # BatchNorm2d after the ReLU: right after a Conv, the export folds it into the Conv.
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(4), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, stride=2), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
        nn.Linear(6 * 3 * 3, 10), nn.Softmax(dim=1))),
    "cnn_reshape_pads": (16, [1, 1, 28, 28], nn.Sequential(
        nn.Conv2d(1, 3, 5, stride=2, padding=2, bias=False), nn.ReLU(),
        nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
        nn.MaxPool2d(2, padding=1), nn.AvgPool2d(3, stride=1, padding=1),  # Pad + AveragePool
        View(3 * 4 * 4), nn.Linear(48, 10))),
}


def first_images(n):
    with gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") as f:
        b = f.read()
    return np.frombuffer(b, np.uint8, n * 784, 16).astype(np.float32).reshape(n, 784)


def main():
    os.makedirs(OUT, exist_ok=True)
    images = torch.from_numpy(first_images(100))
    for name, (opset, shape, model) in MODELS.items():
        model.eval()
        for m in model.modules():  # non-trivial running statistics
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
        with torch.no_grad():  # weights for raw 0..255 inputs
            first = next(p for n, p in model.named_parameters() if n.endswith("weight") or n.endswith("w"))
            first.div_(255.0)
        path = os.path.join(OUT, f"{name}.onnx")
        torch.onnx.export(model, torch.rand(*shape) * 255, path, opset_version=opset,
                          input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
        with torch.no_grad():
            y = model(images.reshape([100] + shape[1:])).numpy().astype(np.float32)
        np.save(os.path.join(OUT, f"{name}.expected.npy"), y)
        print(path, "opset", opset)


if __name__ == "__main__":
    main()
