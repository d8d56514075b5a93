#!/usr/bin/env bash
# Installs what is missing, then builds and runs the whole test suite twice: a normal build with
# warnings as errors, and an AddressSanitizer + UndefinedBehaviorSanitizer build; then builds the
# libFuzzer targets (clang) and runs each briefly on its seed corpus (docs/fuzzing.md).
#   scripts/test.sh            all three stages
#   scripts/test.sh --quick    the normal build only
# FUZZ_SECONDS (default 10) sets the time per fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)
run_suite() {  # run_suite BUILD_DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DBACKPROP_WARNINGS_AS_ERRORS=ON -DBACKPROP_BUILD_BENCH=ON \
        -DBACKPROP_REQUIRE_PICTURE_TOOLS=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
}
echo "== release build, warnings as errors"
run_suite build/release -DCMAKE_BUILD_TYPE=Release -DBACKPROP_REQUIRE_PYTHON=ON -DBACKPROP_REQUIRE_MPI=ON
if [[ "${1:-}" != "--quick" ]]; then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
  # OpenBLAS's own threads are not instrumented; one thread keeps the reports about our code.
  # Open MPI is left out of this build (as Python is): its libraries are not instrumented and it
  # hooks the allocator that ASan replaces; the release build runs the MPI tests, and this one the
  # refusal of a launch under mpirun without MPI.
  OPENBLAS_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build/sanitize -DCMAKE_BUILD_TYPE=Debug -DBACKPROP_SANITIZE=address,undefined -DBACKPROP_MPI=OFF
fi
if [[ "${1:-}" != "--quick" ]]; then
  echo "== fuzz targets (libFuzzer + ASan + UBSan, clang), ${FUZZ_SECONDS:-10} s each"
  fuzz/run.sh "${FUZZ_SECONDS:-10}"
fi
