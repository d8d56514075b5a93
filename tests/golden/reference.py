#!/usr/bin/env python3
"""Independent reference for the golden version-1 files in this directory (tests/io/test_golden.cpp).

v1-blobs.bpm (a float model) and v1-blobs.bpc (a double checkpoint) were written by backprop at
format version 1, before version 2 added column names (commands in README.md here). This script
reads them with its own parser, written from docs/file-formats.md (standard library only: struct,
zlib, math), and writes v1-reference.txt:
  - every weight, bias and preprocessing value as the hex of its stored bits, and
  - the network's outputs for a few inputs, computed here in double precision,
so that the C++ test checks what backprop reads against values that do not come from backprop.
    python3 tests/golden/reference.py
"""
import math
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = [(-0.947236, 2.737292), (2.336973, -1.754289), (-2.381128, -0.459310), (0.0, 0.0), (1.5, 1.5)]


class Bytes:
    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos

    def take(self, fmt):
        v = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return v if len(v) > 1 else v[0]

    def raw(self, n):
        v = self.data[self.pos:self.pos + n]
        self.pos += n
        return v

    def str(self):
        return self.raw(self.take("I")).decode()


def frame(data, magic):
    """Magic, version, scalar size, body; checks the CRC-32 of everything before it."""
    assert data[:8] == magic, data[:8]
    version, scalar, size = struct.unpack_from("<IIQ", data, 8)
    assert len(data) == 24 + size + 4
    assert zlib.crc32(data[:24 + size]) == struct.unpack_from("<I", data, 24 + size)[0]
    return version, scalar, Bytes(data[:24 + size], 24)


def parse_model(data):
    version, scalar, b = frame(data, b"BPMODEL\0")
    assert version == 1
    m = {"scalar": scalar, "loss": b.str(), "layers": []}
    for _ in range(b.take("I")):
        n_in, n_out = b.take("QQ")
        act = b.str()
        b.take("dd")  # alpha, dropout
        b.take("BB")  # train flags
        m["layers"].append([n_in, n_out, act])
    m["pre"] = b.str()
    p = b.take("Q")
    m["offset"] = [b.take("d") for _ in range(p)]
    m["scale"] = [b.take("d") for _ in range(p)]
    m["classes"] = [b.str() for _ in range(b.take("I"))]
    m["seed"] = b.take("Q")
    b.str()  # config
    code = "f" if scalar == 4 else "d"
    for layer in m["layers"]:
        n_in, n_out = layer[0], layer[1]
        layer.append([b.take(code) for _ in range(n_in * n_out)])
        layer.append([b.take(code) for _ in range(n_out)])
    assert b.pos == len(b.data)
    return m


def forward(m, x):
    x = [(v - o) / s for v, o, s in zip(x, m["offset"], m["scale"])] if m["pre"] != "none" else list(x)
    for n_in, n_out, act, w, bias in m["layers"]:
        z = [sum(w[o * n_in + i] * x[i] for i in range(n_in)) + bias[o] for o in range(n_out)]
        if act == "tanh":
            x = [math.tanh(v) for v in z]
        elif act == "softmax":
            top = max(z)
            e = [math.exp(v - top) for v in z]
            x = [v / sum(e) for v in e]
        elif act == "identity":
            x = z
        else:
            raise ValueError(act)
    return x


def hexbits(v, scalar):
    return struct.pack("<f" if scalar == 4 else "<d", v)[::-1].hex()


def describe(name, m, out):
    out.append(f"model {name} scalar {m['scalar']} loss {m['loss']} seed {m['seed']} classes {' '.join(m['classes'])}")
    out.append(f"preprocessing {m['pre']}")
    out.append("offset " + " ".join(hexbits(v, 8) for v in m["offset"]))
    out.append("scale " + " ".join(hexbits(v, 8) for v in m["scale"]))
    for n_in, n_out, act, w, bias in m["layers"]:
        out.append(f"layer {n_in} {n_out} {act}")
        out.append("weights " + " ".join(hexbits(v, m["scalar"]) for v in w))
        out.append("bias " + " ".join(hexbits(v, m["scalar"]) for v in bias))
    for x in INPUTS:
        out.append("sample " + " ".join(repr(v) for v in x) + " -> " + " ".join("%.17g" % v for v in forward(m, x)))


def main():
    out = ["# written by tests/golden/reference.py from v1-blobs.bpm and v1-blobs.bpc; do not edit"]
    with open(os.path.join(HERE, "v1-blobs.bpm"), "rb") as f:
        describe("v1-blobs.bpm", parse_model(f.read()), out)
    with open(os.path.join(HERE, "v1-blobs.bpc"), "rb") as f:
        data = f.read()
    version, scalar, b = frame(data, b"BPCKPT\0\0")
    assert version == 1
    model = parse_model(b.raw(b.take("Q")))
    assert model["scalar"] == scalar
    b.take("QQQI")  # training data fingerprint
    b.take("QQQI")  # validation data fingerprint
    epoch, batch, steps = b.take("QQQ")
    describe("v1-blobs.bpc", model, out)
    out.append(f"position epoch {epoch} batch {batch} of {steps}")
    with open(os.path.join(HERE, "v1-reference.txt"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
