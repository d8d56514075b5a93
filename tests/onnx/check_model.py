#!/usr/bin/python3
"""onnx.checker.check_model(full_check=True) on each file given (Debian's python3-onnx 1.12):
the ONNX project's own validation, with shape inference. Exit 1 on the first failure."""
import sys

import onnx

for path in sys.argv[1:]:
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    print(f"{path}: valid ONNX (IR {model.ir_version}, opset {model.opset_import[0].version}, "
          f"{len(model.graph.node)} nodes)")
