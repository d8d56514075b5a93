#!/usr/bin/env bash
# Installs the Debian 12 packages backprop needs to build, test and run its main job.
#   scripts/install-deps.sh          build + test + main-job dependencies
#   scripts/install-deps.sh --bench  also the peers used by bench/ (PyTorch, FANN, scikit-learn)
set -euo pipefail
pkgs=(build-essential cmake g++ pkg-config
      libgtest-dev libgmock-dev libbenchmark-dev
      libcli11-dev nlohmann-json3-dev zlib1g-dev libopenblas-dev
      libopenmpi-dev openmpi-bin   # data-parallel training over MPI (docs/distributed.md)
      dataset-fashion-mnist python3 python3-numpy
      python3-dev pybind11-dev python3-setuptools python3-wheel python3-pip  # the Python module
      python3-pytest python3-sklearn                                        # ... and its tests
      clang libclang-rt-14-dev   # the libFuzzer targets under fuzz/ (Debian 12's clang 14)
      graphviz chromium fonts-dejavu-core   # the picture tests: dot, and a headless browser
      dpkg-dev                  # cpack -G DEB's dependency list (dpkg-shlibdeps): tests/package
      python3-onnx)             # onnx.checker on the exported files: tests/onnx
# node and npm drive chromium in tests/browser/; a node installed some other way is kept.
command -v node >/dev/null || pkgs+=(nodejs)
command -v npm >/dev/null || pkgs+=(npm)
if [[ "${1:-}" == "--bench" ]]; then
  pkgs+=(python3-torch libfann-dev hyperfine)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# tests/browser's packages (puppeteer-core, pinned by package-lock.json), in that directory only:
# no global install, and no browser download (--ignore-scripts; the tests use Debian's chromium).
browser_dir="$(dirname "$0")/../tests/browser"
if [[ ! -f "$browser_dir/node_modules/puppeteer-core/package.json" ]]; then
  echo "install-deps: npm ci in tests/browser" >&2
  (cd "$browser_dir" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
fi
# tests/onnx's ONNX Runtime (onnxruntime-node, pinned by package-lock.json; its native library
# ships inside the package, so --ignore-scripts skips only the optional GPU download).
onnx_dir="$(dirname "$0")/../tests/onnx"
if [[ ! -f "$onnx_dir/node_modules/onnxruntime-node/package.json" ]]; then
  echo "install-deps: npm ci in tests/onnx" >&2
  (cd "$onnx_dir" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
fi
