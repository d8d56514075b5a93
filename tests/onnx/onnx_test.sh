#!/usr/bin/env bash
# `backprop export` checked by independent tools (docs/onnx.md, "Verification"):
#   onnx_test.sh BACKPROP MAKE_MODELS DATA_DIR WORK_DIR
# 1. models: the quick-start MLP (examples/fashion-mnist.json, 1 epoch) trained by the CLI; a CNN
#    with every spatial layer kind and one MLP per activation trained by onnx_make_models;
# 2. each exported at opset 13 (and the MLP and CNN at 17), checked by Debian's python3-onnx
#    (onnx.checker, full_check) and run by ONNX Runtime (npm's onnxruntime-node) on the first
#    1,000 Fashion-MNIST test images: max |Δ| against `backprop predict --probabilities` <= 1e-6;
# 3. --logits: the last Softmax is gone; --format npz: numpy.load reads every parameter;
# 4. import: export -> import -> export gives the same bytes and the same predictions; each
#    torch.onnx.export fixture (tests/onnx/torch/, gen_torch_fixtures.py) imported predicts as
#    ONNX Runtime does on the same file, within 1e-6; `train --init-from` fine-tunes one.
set -euo pipefail
bp=$1 make_models=$2 data=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
tol=1e-6
rm -rf "$work" && mkdir -p "$work" && cd "$work"
"$bp" train -c "$src/examples/fashion-mnist.json" --epochs 1 --output mlp.bpm --verbose 0
"$make_models" "$data" .
(cd "$here" && node compare.mjs images "$data/t10k-images-idx3-ubyte.gz" 1000 "$work/images.npy")
check() {  # check MODEL OPSET [C,H,W]
  local m=$1 opset=$2 chw=${3:-}
  "$bp" export "$m.bpm" -o "$m-$opset.onnx" --opset "$opset"
  /usr/bin/python3 "$here/check_model.py" "$m-$opset.onnx"
  "$bp" predict --model "$m.bpm" --input images.npy --probabilities --output "$m.csv"
  (cd "$here" && node compare.mjs compare "$work/$m-$opset.onnx" "$work/images.npy" "$work/$m.csv" $tol $chw)
}
check mlp 13
check mlp 17
check cnn 13 1,28,28
check cnn 17 1,28,28
for act in identity sigmoid tanh relu leaky-relu elu softplus; do check "act_$act" 13; done
# --logits drops the output Softmax and nothing else.
"$bp" export mlp.bpm -o mlp-logits.onnx --logits
/usr/bin/python3 - mlp-13.onnx mlp-logits.onnx <<'PY'
import sys, onnx
full, logits = (onnx.load(p) for p in sys.argv[1:])
ops = lambda m: [n.op_type for n in m.graph.node]
assert ops(full)[-1] == "Softmax" and ops(logits) == ops(full)[:-1], (ops(full), ops(logits))
meta = {p.key: p.value for p in full.metadata_props}
assert meta["class_names"].startswith('["T-shirt/top"'), meta
assert "backprop.weights_crc32" in meta and "backprop.training_config" in meta, meta
print("--logits:", ops(logits))
PY
# --format npz: every param and buffer under its name, as numpy reads it.
"$bp" export cnn.bpm -o cnn.npz --format npz
/usr/bin/python3 - cnn.npz <<'PY'
import sys, numpy as np
z = np.load(sys.argv[1])
names = sorted(z.files)
assert "conv2d_1.w" in names and z["conv2d_1.w"].shape == (6, 9), names
assert z["batchnorm2d_1.running_var"].shape == (1, 6) and z["dense_2.w"].shape == (10, 32)
assert all(z[n].dtype == np.float32 and np.isfinite(z[n]).all() for n in names)
print("npz:", len(names), "arrays:", ", ".join(names))
PY
# Export, import, export: the same bytes; the imported model predicts the same digits.
for m in mlp cnn act_leaky-relu; do
  "$bp" import "$m-13.onnx" -o "$m-imported.bpm"
  "$bp" export "$m-imported.bpm" -o "$m-again.onnx"
  cmp "$m-13.onnx" "$m-again.onnx"
  "$bp" predict --model "$m-imported.bpm" --input images.npy --probabilities --output "$m-imported.csv"
  cmp "$m.csv" "$m-imported.csv"
  echo "$m: export -> import -> export identical, predictions identical"
done
# PyTorch's exports, imported, against ONNX Runtime on the same files.
for f in "$here"/torch/*.onnx; do
  n=$(basename "$f" .onnx) chw=""
  [[ $n == cnn* ]] && chw=1,28,28
  "$bp" import "$f" -o "torch-$n.bpm"
  "$bp" predict --model "torch-$n.bpm" --input images.npy --probabilities --output "torch-$n.csv"
  (cd "$here" && node compare.mjs compare "$f" "$work/images.npy" "$work/torch-$n.csv" $tol $chw)
  /usr/bin/python3 - "$here/torch/$n.expected.npy" "torch-$n.csv" $tol <<'PY'
import sys, numpy as np
expected = np.load(sys.argv[1])  # torch's outputs on the first 100 images
got = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1)[: len(expected), 1:]
d = np.abs(got - expected).max()
print(f"{sys.argv[1]}: max |Δ| against torch = {d:.3e}")
sys.exit(0 if d <= float(sys.argv[3]) else 1)
PY
done
# Fine-tuning an imported model: one epoch from PyTorch's random weights learns something.
"$bp" train --dataset fashion-mnist --init-from torch-cnn_flatten.bpm --epochs 1 --batch-size 64 \
      --seed 1 --verbose 0 --output tuned.bpm --checkpoint tuned.bpc 2>&1 | tee tuned.txt
grep -E "^test: .*accuracy 0\.[6-9]" tuned.txt
