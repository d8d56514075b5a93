#!/usr/bin/env bash
# The main job: installs what is missing, builds backprop, and works the seed's example
# (shared/seed) by backpropagation: the full derivation, then 10,000 online updates.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target backprop-cli
exec build/release/tools/backprop/backprop explain --steps 10000 "$@"
