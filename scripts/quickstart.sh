#!/usr/bin/env bash
# The main job: installs what is missing (Debian's dataset-fashion-mnist among it), builds
# backprop, and trains the default MLP on Fashion-MNIST (examples/fashion-mnist.json) with
# progress, ending with the test accuracy and the path of the saved model.
# Extra arguments go to `backprop train` and override the config, e.g. --epochs 5.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target backprop-cli
mkdir -p runs
exec build/release/tools/backprop/backprop train --config examples/fashion-mnist.json \
  --output runs/fashion-mnist.bpm --metrics-log runs/fashion-mnist.csv "$@"
