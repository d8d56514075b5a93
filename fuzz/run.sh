#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into build/fuzz and runs each for SECONDS on
# a fresh copy of its seed corpus (fuzz/corpus/<target>/). Prints, per target, the executions, the
# corpus size at the end and whether it found anything; exits non-zero when any target did.
#   fuzz/run.sh [SECONDS] [TARGET...]      default 30 s, every target (csv idx npy fann model
#                                          netspec network_spec config features checkpoint onnx)
# Environment: FUZZ_BUILD (build directory, default build/fuzz), FUZZ_KEEP_CORPUS=1 (continue from
# the corpus a previous run left in $FUZZ_BUILD/work/<target> instead of a fresh copy),
# FUZZ_ARGS (extra libFuzzer flags, e.g. "-jobs=2"). Crashing inputs go to
# $FUZZ_BUILD/artifacts/<target>/; docs/fuzzing.md says how to reproduce and minimise them.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
[[ $# -gt 0 ]] && shift
all=(csv idx npy fann model netspec network_spec config features checkpoint onnx)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all[@]}")
build=${FUZZ_BUILD:-build/fuzz}

declare -A dict=([csv]=csv [features]=csv [idx]=idx [npy]=npy [fann]=fann [model]=model
                 [checkpoint]=model [netspec]=json [network_spec]=json [config]=json [onnx]=onnx)

mkdir -p "$build"
if ! { CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBACKPROP_BUILD_FUZZ=ON \
         -DBACKPROP_BUILD_TESTS=OFF -DBACKPROP_BUILD_BENCH=OFF &&
       cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"; } >"$build/build.log" 2>&1; then
  tail -40 "$build/build.log" >&2
  echo "fuzz: build failed; full log: $build/build.log" >&2
  exit 2
fi

export OPENBLAS_NUM_THREADS=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
failed=()
for t in "${targets[@]}"; do
  work=$build/work/$t
  art=$build/artifacts/$t
  mkdir -p "$art"
  if [[ "${FUZZ_KEEP_CORPUS:-0}" != 1 || ! -d $work ]]; then
    rm -rf "$work" && mkdir -p "$work" && cp fuzz/corpus/"$t"/* "$work"/
  fi
  log=$build/fuzz_$t.log
  rc=0
  # shellcheck disable=SC2086
  "$build/fuzz/fuzz_$t" "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -max_len=16384 -print_final_stats=1 -dict="fuzz/dict/${dict[$t]}.dict" \
    -artifact_prefix="$art/" ${FUZZ_ARGS:-} >"$log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  corpus=$(find "$work" -type f | wc -l)
  if ((rc != 0)); then
    failed+=("$t")
    echo "fuzz $t: FOUND a problem after ${execs:-?} executions (exit $rc); input: $(ls -t "$art" | head -1 | sed "s|^|$art/|"); log: $log"
    grep -m3 -E 'ERROR|runtime error|uncaught|fuzz finding|terminate' "$log" | sed 's/^/    /' || true
  else
    echo "fuzz $t: ${seconds}s, ${execs:-?} executions, corpus $corpus files, no findings"
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
