#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target under fuzz/corpus/<target>/ (docs/fuzzing.md):
small valid files of each format plus a few malformed ones. Deterministic; standard library only.
Targets that take an option byte get it as the first byte of each seed (see fuzz/fuzz_*.cpp).

    python3 fuzz/make_corpus.py [BACKPROP]     # (re)writes fuzz/corpus/

Checkpoints hold an optimizer's and a trainer's state, so their seeds come from the real writer:
given the path of a built `backprop` CLI, the script trains tiny networks with --checkpoint in
several configurations (float and double; SGD with momentum, Adam, RMSProp, iRPROP+, L-BFGS;
dropout, validation and early stopping, the plateau schedule). Without it, the checkpoint seeds
already under fuzz/corpus/checkpoint/ are kept.
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def gz(b):
    return gzip.compress(b, mtime=0)


def idx(type_code, dims, payload):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def npy(descr, shape, payload, major=1, fortran=False):
    shape_txt = "(" + "".join(f"{d}, " for d in shape).rstrip(" ") + ")" if len(shape) != 1 else f"({shape[0]},)"
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape_txt)
    prefix = 10 if major == 1 else 12
    while (prefix + len(header) + 1) % 64:
        header += " "
    header += "\n"
    size = struct.pack("<H", len(header)) if major == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([major, 0]) + size + header.encode() + payload


def u16(n):
    return struct.pack("<H", n)


def model(layers, loss="cross-entropy", scalar=4, pre="none", classes=None, version=3, corrupt_crc=False, scale=2.0,
          features=(), label="", label_index=-1, targets=(), records=None, input_shape=None):
    """A model file (docs/file-formats.md); layers: [(in, out, activation)] of dense layers. Version 2
    on: with the column names (features, label, label_index, targets). Version 3 on: layer records,
    by default the dense layers', or `records` [(kind, config JSON, in shape, params [(name, rows, cols)]
    [, buffers [(name, rows, cols)]])] after `input_shape`."""
    def s(t):
        t = t.encode()
        return struct.pack("<I", len(t)) + t
    fmt = "<f" if scalar == 4 else "<d"
    k = 0

    def values(n):
        nonlocal k
        out = b""
        for _ in range(n):
            out += struct.pack(fmt, ((k * 37) % 17 - 8) / 10.0)
            k += 1
        return out
    n_in = layers[0][0] if layers else (input_shape[0] * input_shape[1] * input_shape[2])
    if version >= 3:
        if records is None:
            records = [("dense", json.dumps({"units": o, "activation": act}, separators=(",", ":")), (i, 1, 1),
                        [(f"dense_{n + 1}.w", o, i), (f"dense_{n + 1}.b", 1, o)])
                       for n, (i, o, act) in enumerate(layers)]
            input_shape = (layers[0][0], 1, 1)
        body = s(loss) + struct.pack("<QQQ", *input_shape) + struct.pack("<I", len(records))
        for kind, config, shape, params, *rest in records:
            buffers = rest[0] if rest else []
            body += s(kind) + s(config) + struct.pack("<QQQ", *shape) + struct.pack("<I", len(params))
            body += b"".join(s(name) + struct.pack("<QQ", r, c) for name, r, c in params)
            body += struct.pack("<I", len(buffers)) + b"".join(s(name) + struct.pack("<QQ", r, c) for name, r, c in buffers)
            body += b"".join(values(r * c) for _, r, c in params)
            # running variances must be >= 0: the buffers hold 1s
            body += b"".join(struct.pack(fmt, 1.0) * (r * c) for _, r, c in buffers)
    else:
        body = s(loss) + struct.pack("<I", len(layers))
        for i, o, act in layers:
            body += struct.pack("<QQ", i, o) + s(act) + struct.pack("<dd", -1.0, 0.0) + bytes([1, 1])
    body += s(pre)
    if pre == "none":
        body += struct.pack("<Q", 0)
    else:
        body += struct.pack("<Q", n_in) + struct.pack(f"<{n_in}d", *[0.5] * n_in) + struct.pack(f"<{n_in}d", *[scale] * n_in)
    classes = classes or []
    body += struct.pack("<I", len(classes)) + b"".join(s(c) for c in classes)
    body += struct.pack("<Q", 42) + s('{"epochs": 1}')
    if version >= 2:
        body += struct.pack("<I", len(features)) + b"".join(s(n) for n in features)
        body += s(label) + struct.pack("<q", label_index)
        body += struct.pack("<I", len(targets)) + b"".join(s(n) for n in targets)
    if version < 3:
        for i, o, _ in layers:
            body += values((i + 1) * o)
    head = b"BPMODEL\0" + struct.pack("<IIQ", version, scalar, len(body))
    crc = zlib.crc32(head + body) ^ (1 if corrupt_crc else 0)
    return head + body + struct.pack("<I", crc)


# A version-3 model of every layer kind: flatten 2x2x1 -> 4, dense 4->3, dropout, activation, dense 3->2.
EVERY_KIND = [
    ("flatten", "{}", (2, 2, 1), []),
    ("dense", '{"units":3,"activation":"relu"}', (4, 1, 1), [("dense_1.w", 3, 4), ("dense_1.b", 1, 3)]),
    ("dropout", '{"p":0.25}', (3, 1, 1), []),
    ("activation", '{"activation":"tanh"}', (3, 1, 1), []),
    ("dense", '{"units":2}', (3, 1, 1), [("dense_2.w", 2, 3), ("dense_2.b", 1, 2)]),
]

# A version-3 CNN: conv2d 1x4x4 -> 2x4x4, batchnorm2d (with its running statistics), maxpool2d,
# conv2d without bias, avgpool2d, flatten, dense 2 -> 3 softmax.
CNN = [
    ("conv2d", '{"filters":2,"kernel":[3,3],"stride":[1,1],"padding":[1,1,1,1],"bias":true}', (1, 4, 4),
     [("conv2d_1.w", 2, 9), ("conv2d_1.b", 1, 2)]),
    ("batchnorm2d", '{"momentum":0.1,"eps":1e-05}', (2, 4, 4),
     [("batchnorm2d_1.gamma", 1, 2), ("batchnorm2d_1.beta", 1, 2)],
     [("batchnorm2d_1.running_mean", 1, 2), ("batchnorm2d_1.running_var", 1, 2)]),
    ("maxpool2d", '{"kernel":[2,2],"stride":[2,2],"padding":[0,0,0,0]}', (2, 4, 4), []),
    ("conv2d", '{"filters":2,"kernel":[1,1],"stride":[1,1],"padding":[0,0,0,0],"bias":false}', (2, 2, 2),
     [("conv2d_2.w", 2, 2)]),
    ("avgpool2d", '{"kernel":[2,2],"stride":[2,2],"padding":[0,0,0,0]}', (2, 2, 2), []),
    ("flatten", "{}", (2, 1, 1), []),
    ("dense", '{"units":3,"activation":"softmax"}', (2, 1, 1), [("dense_1.w", 3, 2), ("dense_1.b", 1, 3)]),
]


def seeds():
    csv = {
        "header.csv": b"x,y,label\n0.5,-1.25,north\n2,3e-2,east\n1,1,north\n",
        "quoted.csv": b'a,b,c\n"1.5", 2 ,"x,y"\r\n3,4,"q""q"\r\n',
        "noheader.csv": b"1,2,0\n3,4,1\n5,6,0\n",
        "ragged.csv": b"a,b,c\n1,2,x\n3,4\n",
        "nan.csv": b"a,b,c\n1,nan,x\n",
        "blank.csv": b"1,2,a\n\n3,4,b\n",
        "unterminated.csv": b'1,"2,a\n',
        "utf8.csv": "\ufeffa,b,étiquette\n1,2,ü\n".encode(),
        "badutf8.csv": b"a,b,c\n1,2,\xff\n",
        "gz.csv": gz(b"1,2,0\n3,4,1\n"),
    }
    out = {"csv": {}}
    for name, body in csv.items():
        for opt in (0, 1, 22, 30):  # ',' classification; tab; regression; features only
            out["csv"][f"{opt}-{name}"] = bytes([opt]) + body
    out["csv"]["semicolon.csv"] = bytes([2]) + b"1;2;a\n3;4;b\n"

    u8 = idx(0x08, [3, 2, 2], bytes(range(12)))
    f32 = idx(0x0D, [2, 3], b"".join(struct.pack(">f", v) for v in (0.5, -1, 2, 3, 4, 5.5)))
    labels = idx(0x08, [3], bytes([0, 1, 2]))
    out["idx"] = {
        "u8": b"\0" + u8, "f32": b"\0" + f32, "u8.gz": b"\0" + gz(u8),
        "truncated": b"\0" + u8[:-3], "trailing": b"\0" + u8 + b"xx",
        "badtype": b"\0" + idx(0x0B, [2], b"\0\0\0\0"), "zero-dim": b"\0" + idx(0x08, [0, 4], b""),
        "huge": b"\0" + idx(0x08, [0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], b""),
        "nan": b"\0" + idx(0x0D, [1, 1], b"\x7f\xc0\0\0"),
        "pair": b"\1" + u16(len(u8)) + u8 + labels,
        "pair.gz": b"\1" + u16(len(gz(u8))) + gz(u8) + gz(labels),
        "pair-classes": b"\3" + u16(len(u8)) + u8 + labels,
    }

    x = npy("<f4", (3, 2), struct.pack("<6f", 1, 2, 3, 4, 5, 6))
    y = npy("<i8", (3,), struct.pack("<3q", 0, 1, 2))
    yf = npy("<f8", (3, 1), struct.pack("<3d", 0.5, 1.5, -2))
    out["npy"] = {
        "array": b"\0" + x, "u1-v2": b"\0" + npy("|u1", (2, 2), bytes(4), major=2),
        "i4": b"\1" + npy("<i4", (2, 1, 2), struct.pack("<4i", 1, -2, 3, 4)),
        "fortran": b"\0" + npy("<f4", (1, 1), bytes(4), fortran=True),
        "bad-descr": b"\0" + npy(">f4", (1,), bytes(4)),
        "short": b"\0" + x[:-2], "gz": b"\1" + gz(x),
        "pair": b"\2" + u16(len(x)) + x + y, "regression": b"\3" + u16(len(x)) + x + yf,
    }

    out["fann"] = {
        "xor.data": b"4 2 1\n0 0\n0\n0 1\n1\n1 0\n1\n1 1\n0\n",
        "onehot.data": b"2 2 2\n0.5 1\n1 -1\n1e-3 -2.5\n-1 1\n",
        "short.data": b"2 2 1\n0 0\n0\n1 1\n",
        "more.data": b"1 1 1\n0 0 5\n",
        "huge.data": b"1000000000 1000000 1\n1 2\n",
        "gz.data": gz(b"1 1 1\n0.5 1\n"),
    }

    m = model([(2, 3, "relu"), (3, 2, "identity")], classes=["a", "b"], features=["x", "y"], label="label",
              label_index=2)
    # Mode byte 0: the target fixes up the body size and CRC (the fuzzer mutates the body); 1: as is.
    fix, raw = bytes([0]), bytes([1])
    out["model"] = {
        "float.bpm": fix + m,
        "double.bpm": fix + model([(3, 1, "tanh")], loss="mse", scalar=8, pre="standard", features=["a", "b", "c"],
                                  targets=["t"]),
        "classes.bpm": fix + model([(2, 3, "relu"), (3, 3, "softmax")], pre="minmax", classes=["a", "b", "c"]),
        # fuzz_model's first finding: a negative preprocessing scale was accepted at load
        "negative-scale.bpm": fix + model([(2, 1, "identity")], loss="mse", pre="standard", scale=-2.0),
        "version1.bpm": fix + model([(2, 3, "relu"), (3, 2, "identity")], classes=["a", "b"], version=1),
        "version2.bpm": fix + model([(2, 3, "relu"), (3, 2, "identity")], classes=["a", "b"], features=["x", "y"],
                                    version=2),
        "every-kind.bpm": fix + model([], loss="mse", records=EVERY_KIND, input_shape=(2, 2, 1)),
        "cnn.bpm": fix + model([], records=CNN, input_shape=(1, 4, 4), classes=["a", "b", "c"]),
        "version4.bpm": raw + model([(1, 1, "sigmoid")], loss="mse", version=4),
        "crc.bpm": raw + model([(1, 1, "sigmoid")], loss="mse", corrupt_crc=True),
        "truncated.bpm": raw + m[:-9], "gz.bpm": raw + gz(m),
    }
    out["checkpoint"] = dict(CHECKPOINTS)
    # A checkpoint of format version 1 (tests/golden/), which every later version still reads.
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "v1-blobs.bpc"), "rb") as f:
        out["checkpoint"]["golden-v1.bpc"] = fix + f.read()
    out["checkpoint"].update({"model.bpm": raw + m,
                              "magic": raw + b"BPCKPT\0\0" + struct.pack("<IIQ", 1, 4, 8) + bytes(12)})

    here = os.path.dirname(os.path.abspath(__file__))
    examples = os.path.join(here, "..", "examples")
    out["netspec"] = {}
    for name in ("seed.json", "xor-2-2-1.json"):
        with open(os.path.join(examples, name), "rb") as f:
            out["netspec"][name] = f.read()
    out["netspec"].update({
        "small.json": b'{"layers":[{"in":1,"out":1,"activation":"relu","weights":[[2]],"bias":[1]}],"input":[[1],[2]],"target":[[0],[1]]}',
        "huge.json": b'{"layers":[{"in":4294967296,"out":4294967296,"activation":"relu","weights":[]}],"input":[1],"target":[1]}',
        "bad.json": b'{"layers": [,]}',
    })
    with open(os.path.join(examples, "fashion-mnist.json"), "rb") as f:
        fm = f.read()
    with open(os.path.join(examples, "fashion-mnist-cnn.json"), "rb") as f:
        cnn_config = f.read()
    spec = json.loads(cnn_config)
    out["network_spec"] = {
        "fashion-mnist-cnn.json": json.dumps({"input_shape": spec["input_shape"], "network": spec["network"]}).encode(),
        "small-cnn.json": json.dumps({"input_shape": [1, 1, 2], "network": CNN_SPEC}).encode(),
        "strided.json": b'{"input_shape": [2, 7, 5], "network": [{"type": "conv2d", "filters": 3, "kernel": [3, 2], '
                        b'"stride": 2, "padding": [1, 0, 1, 1]}, {"type": "avgpool2d", "kernel": 2, "padding": 1}, '
                        b'{"type": "flatten"}, {"type": "batchnorm1d"}, {"type": "dropout", "p": 0.5}, '
                        b'{"type": "dense", "units": 2, "activation": "sigmoid"}]}',
        "dense.json": b'{"input_shape": [4], "network": [{"type": "dense", "units": 3, "activation": "tanh"}]}',
        "huge.json": b'{"input_shape": [1, 8, 8], "network": [{"type": "conv2d", "filters": 4294967296, "kernel": 3}]}',
        "kernel.json": b'{"input_shape": [1, 3, 3], "network": [{"type": "maxpool2d", "kernel": 5}]}',
        "bad.json": b'{"input_shape": [1], "network": [{"type": ]}',
    }
    out["config"] = {
        "fashion-mnist.json": fm,
        "fashion-mnist-cnn.json": cnn_config,
        "small.json": b'{"layers": [2, 8, 3], "epochs": 40, "batch_size": "16", "lr": 0.02, "seed": 7}',
        "unknown.json": b'{"epochs": 3, "lerning_rate": 0.1}',
        "type.json": b'{"epochs": "ten"}',
        "bignum.json": b'{"lr": 1e400}',
        "bad.json": b'{"epochs": 3,,}',
    }

    feats = {}
    for name, body in (("csv", csv["header.csv"]), ("csv-label", b"1,2,x\n3,4,y\n")):
        feats[name + "-w2"] = bytes([0 | (2 << 3)]) + body
        feats[name + "-auto"] = bytes([0]) + body
    feats["tsv"] = bytes([1]) + b"1\t2\n3\t4\n"
    feats["npy"] = bytes([3]) + x
    feats["fann"] = bytes([4 | (2 << 3)]) + out["fann"]["xor.data"]
    feats["idx"] = bytes([5]) + u8
    feats["csv.gz"] = bytes([6]) + gz(b"1,2\n3,4\n")
    feats["unknown-name"] = bytes([7]) + b"1,2\n"
    feats["forced-csv"] = bytes([0x87]) + b"1,2\n"
    out["features"] = feats
    return out


CHECKPOINTS = {}  # name -> bytes (with the mode byte), filled by main()

# (name, flags) of the tiny training runs whose checkpoints seed fuzz_checkpoint.
CHECKPOINT_RUNS = [
    ("sgd-momentum-float", ["--optimizer", "sgd", "--momentum", "0.9", "--lr", "0.1"]),
    ("adam-double-early-stopping", ["--precision", "double", "--optimizer", "adam", "--lr", "0.01",
                                    "--validation-split", "0.25", "--early-stopping", "val_loss"]),
    ("rmsprop-dropout-plateau", ["--optimizer", "rmsprop", "--lr", "0.01", "--layers", "2,4,3",
                                 "--dropout", "0.1", "--validation-split", "0.25", "--schedule", "plateau"]),
    ("irprop-plus-full-batch", ["--optimizer", "irprop+", "--batch-size", "full"]),
    ("lbfgs-double", ["--precision", "double", "--optimizer", "lbfgs", "--batch-size", "full", "--history-size", "4"]),
    # a network spec (conv2d, batchnorm2d with its running statistics, pooling) on 1x1x2 "images"
    ("cnn-adam", ["--network", "@SPEC@", "--input-shape", "1,1,2", "--optimizer", "adam", "--lr", "0.01"]),
]
CNN_SPEC = [{"type": "conv2d", "filters": 3, "kernel": [1, 2], "padding": [0, 1]}, {"type": "batchnorm2d"},
            {"type": "activation", "activation": "relu"}, {"type": "maxpool2d", "kernel": [1, 2]},
            {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]


def checkpoints_from_cli(backprop):
    """Trains each CHECKPOINT_RUNS configuration for 2 epochs on 12 points, 3 classes."""
    rows = ["x,y,label"] + [f"{(k * 7) % 5 - 2},{(k * 3) % 4 - 1.5},{'abc'[k % 3]}" for k in range(12)]
    found = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data.csv")
        with open(data, "w") as f:
            f.write("\n".join(rows) + "\n")
        spec = os.path.join(tmp, "spec.json")
        with open(spec, "w") as f:
            json.dump(CNN_SPEC, f)
        for name, flags in CHECKPOINT_RUNS:
            flags = [spec if a == "@SPEC@" else a for a in flags]
            ck = os.path.join(tmp, name + ".bpc")
            args = [backprop, "train", "--train", data, "--layers", "2,3,3", "--epochs", "2", "--batch-size", "4",
                    "--seed", "3", "--verbose", "0", "--output", os.path.join(tmp, "m.bpm"), "--checkpoint", ck,
                    "--checkpoint-every", "1steps"]
            if "--network" in flags:  # a spec describes the whole network: no --layers
                args = args[:4] + args[6:]
            # later flags override the defaults above (CLI11 keeps the last value)
            subprocess.run(args + flags, check=True, stdout=subprocess.DEVNULL)
            with open(ck, "rb") as f:
                found[name + ".bpc"] = bytes([0]) + f.read()
    return found


def main():
    d = os.path.join(ROOT, "checkpoint")
    if len(sys.argv) > 1:
        CHECKPOINTS.update(checkpoints_from_cli(sys.argv[1]))
        # Seeds of older versions (v2-*.bpc: written before version 3) are kept as they are.
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.startswith("v2-") and name.endswith(".bpc"):
                with open(os.path.join(d, name), "rb") as f:
                    CHECKPOINTS[name] = f.read()
    else:
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.endswith(".bpc"):
                with open(os.path.join(d, name), "rb") as f:
                    CHECKPOINTS[name] = f.read()
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    total = 0
    for target, files in seeds().items():
        d = os.path.join(ROOT, target)
        os.makedirs(d)
        for name, body in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(body)
            total += len(body)
    print(f"make_corpus: wrote {total} bytes under {ROOT}", file=sys.stderr)


if __name__ == "__main__":
    main()
