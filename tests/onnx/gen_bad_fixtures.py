#!/usr/bin/python3
"""Writes tests/onnx/bad/*.onnx: small hostile or unsupported ONNX files that `backprop import`
must refuse in one line with exit 65 (tests/CMakeLists.txt, cli_import_bad_*), each a valid
protobuf made with onnx.helper (Debian's python3-onnx) around a 4-2 Gemm network."""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bad")
rng = np.random.default_rng(1)


def init(name, shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def model(nodes, inits, in_dims=("batch", 4), opset=13, out="y"):
    g = helper.make_graph(nodes, "bad", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(in_dims))],
                          [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def gemm(name="Gemm_3", inp="x", out="y", **attrs):
    return helper.make_node("Gemm", [inp, "w", "b"], [out], name=name, transB=1, **attrs)


def raw_tensor(dims, nbytes):
    """A weight tensor "w" whose dims say one size and whose raw_data holds another."""
    t = TensorProto()
    t.name, t.data_type = "w", TensorProto.FLOAT
    t.dims.extend(dims)
    t.raw_data = b"\0" * nbytes
    return t


W, B = init("w", (2, 4)), init("b", (2,))


def cases():
    yield "transA", model([gemm(transA=1)], [W, B])
    yield "unknown_op", model([helper.make_node("LSTM", ["x", "w"], ["y"], name="lstm_1")], [W])
    yield "conv_group", model([helper.make_node("Conv", ["x", "cw"], ["y"], name="conv_g", group=2)],
                              [init("cw", (2, 1, 3, 3))], in_dims=("batch", 2, 8, 8))
    yield "opset_12", model([gemm()], [W, B], opset=12)
    yield "huge_input", model([gemm()], [W, B], in_dims=("batch", 1 << 40))
    yield "zero_input", model([gemm()], [W, B], in_dims=("batch", 0))
    yield "huge_initializer", model([gemm()], [raw_tensor([1 << 30, 1 << 30], 16), B])
    yield "size_mismatch", model([gemm()], [raw_tensor([2, 4], 12), B])
    ext = init("w", (2, 4))
    ext.ClearField("raw_data")
    ext.data_location = TensorProto.EXTERNAL
    ext.external_data.add(key="location", value="/etc/passwd")
    yield "external_data", model([gemm()], [ext, B])
    cyc = [helper.make_node("Relu", ["x2"], ["h"], name="relu_a"), helper.make_node("Relu", ["h"], ["x2"], name="relu_b"),
           gemm(inp="x")]
    yield "cycle", model(cyc, [W, B])
    yield "missing_input", model([helper.make_node("Gemm", ["x", "w", "nowhere"], ["y"], name="Gemm_3", transB=1)], [W])
    yield "branch", model([gemm(out="h"), helper.make_node("Relu", ["x"], ["r"], name="relu_side"),
                           helper.make_node("Add", ["h", "r"], ["y"], name="add_1")], [W, B])


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, m in cases():
        with open(os.path.join(OUT, f"{name}.onnx"), "wb") as f:
            f.write(m.SerializeToString())
    with open(os.path.join(OUT, "truncated.onnx"), "wb") as f:  # a valid file cut short
        f.write(model([gemm()], [W, B]).SerializeToString()[:-7])
    with open(os.path.join(OUT, "not_onnx.onnx"), "wb") as f:
        f.write(b"\x08\x07\x3a\xff\xff\xff\xff\x0f")  # IR 7, then a graph claiming 4 GiB
    print("wrote", len(os.listdir(OUT)), "files to", OUT)


if __name__ == "__main__":
    main()
