#!/usr/bin/env bash
# Builds the workload programs and runs ours and the peers ALTERNATELY (ours, peer 1, peer 2, ...,
# then again), RUNS times, then prints a Markdown table of medians (min–max) and ratios.
# Workloads and method: docs/performance.md. Usage:
#   bench/run.sh                       # everything, 5 runs each
#   RUNS=3 WORKLOADS="W1 W4" bench/run.sh
# Environment (defaults in brackets; BUILD_DIR=build/x SKIP_BUILD=1 measures an existing build):
#   RUNS [5]  WORKLOADS ["W1 W2 W3 W4 GEMM W5"]  THREADS ["1 2"] (W2, W4, GEMM, W5)
#   W1_UPDATES [10000]  W3_SAMPLES [10000]  W4_CALLS [10000]  DATA [/usr/share/datasets/fashion-mnist]
#   W5_CONFIG [examples/fashion-mnist-cnn.json: its "network" array is the CNN]  W5_SAMPLES [0: all 60,000]
#   W5_TORCH_SPLITS ["T:T T:1 1:T" at T > 1: torch.set_num_threads:OPENBLAS/OMP threads per row]
#   BUILD_DIR [build-bench]  JOBS [2]  SKIP_BUILD [0]  OUT [BUILD_DIR/bench-results/DATE]
#   PYTHON [/usr/bin/python3]  OPENBLAS_CORETYPE (passed through; see docs/performance.md)
# A missing peer (torch, FANN, the train command, the dataset) is reported as skipped, not an error.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-5}
WORKLOADS=${WORKLOADS:-"W1 W2 W3 W4 GEMM W5"}
THREADS=${THREADS:-"1 2"}
W1_UPDATES=${W1_UPDATES:-10000}
W3_SAMPLES=${W3_SAMPLES:-10000}
W4_CALLS=${W4_CALLS:-10000}
W5_CONFIG=${W5_CONFIG:-$root/examples/fashion-mnist-cnn.json}
W5_SAMPLES=${W5_SAMPLES:-0}
W5_TORCH_SPLITS=${W5_TORCH_SPLITS:-}
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
BUILD_DIR=${BUILD_DIR:-build-bench}
JOBS=${JOBS:-2}
PYTHON=${PYTHON:-/usr/bin/python3}
build="$root/$BUILD_DIR"
OUT=${OUT:-$build/bench-results/$(date +%Y%m%d-%H%M%S)}
bin="$build/bench"
cli="$build/tools/backprop/backprop"
peers="$root/bench/peers"
mkdir -p "$OUT"
log() { echo "run.sh: $*" >&2; }
has() { [[ " $WORKLOADS " == *" $1 "* ]]; }

# ---- build ------------------------------------------------------------------------------------
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  log "building in $build"
  cmake -S "$root" -B "$build" -DBACKPROP_BUILD_BENCH=ON -DCMAKE_BUILD_TYPE=Release >"$OUT/build.log" 2>&1 ||
    { log "cmake failed, see $OUT/build.log"; exit 1; }
  targets="bench_seed ref_seed_loop bench_online bench_infer bench_gemm_limit bench_cnn_epoch"
  make -C "$build" -j"$JOBS" $targets >>"$OUT/build.log" 2>&1 || { log "build failed, see $OUT/build.log"; exit 1; }
  for t in fann_seed fann_mlp_online; do  # only exist where FANN was found
    make -C "$build" -j"$JOBS" "$t" >>"$OUT/build.log" 2>&1 || true
  done
  if has W2; then  # the CLI may be mid-edit; W2 is skipped when it does not build
    make -C "$build" -j"$JOBS" backprop-cli >>"$OUT/build.log" 2>&1 || log "backprop CLI did not build; W2 ours will be skipped"
  fi
fi

# ---- what is available ---------------------------------------------------------------------------
torch_skip=""
"$PYTHON" -c "import torch" >/dev/null 2>&1 || torch_skip="torch not installed ($PYTHON -c 'import torch' failed)"
fann_seed_skip="" fann_mlp_skip=""
[[ -x "$bin/fann_seed" ]] || fann_seed_skip="FANN not installed (fann_seed not built)"
[[ -x "$bin/fann_mlp_online" ]] || fann_mlp_skip="FANN not installed (fann_mlp_online not built)"
data_skip=""
[[ -r "$DATA/train-images-idx3-ubyte.gz" ]] || data_skip="no Fashion-MNIST in $DATA"
cli_skip=""
"$cli" train --help >/dev/null 2>&1 || cli_skip="'backprop train' not available in $cli"
[[ -n "$data_skip" ]] && { [[ -z "$fann_mlp_skip" ]] && fann_mlp_skip=$data_skip; [[ -z "$cli_skip" ]] && cli_skip=$data_skip; }

# ---- wrappers that turn a run into one RESULT line -------------------------------------------------
# timed ID CMD...: runs CMD under /usr/bin/time -v, prints its RESULT line plus wall_s and
# max_rss_mib (whole process, including start-up and data loading).
timed() {
  local id=$1; shift
  local o="$OUT/$id.out" t="$OUT/$id.time"
  /usr/bin/time -v -o "$t" "$@" >"$o" 2>&1
  local rc=$?
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$t" | awk -F: '{s=0; for(i=1;i<=NF;i++) s=s*60+$i; print s}')
  rss=$(awk '/Maximum resident set size/ {printf "%.1f", $NF/1024}' "$t")
  local res
  res=$(grep -m1 '^RESULT' "$o")
  if [[ $rc -ne 0 ]]; then echo "FAIL exit $rc ($o)"; return; fi
  [[ -z "$res" ]] && res="RESULT"  # a program without a RESULT line (the CLI): its caller parses $o
  echo "$res wall_s=$wall max_rss_mib=$rss"
}

# W2, ours: the train CLI; samples/s from its per-epoch line (--verbose 2), test accuracy from its
# "test:" line.
w2_ours() {
  local T=$1 id=w2_ours_$1
  local res
  res=$(timed "$id" "$cli" train --dataset fashion-mnist --layers 784,256,128,10 --activation relu \
          --loss cross-entropy --optimizer sgd --lr 0.1 --momentum 0.9 --batch-size 128 --epochs 1 --init auto --early-stopping none \
          --preprocess minmax --seed 1 --threads "$T" --verbose 2 --output "$OUT/w2_model_$T.bpm")
  if [[ $res == FAIL* ]]; then echo "$res"; return; fi
  local o="$OUT/$id.out" sps acc
  sps=$(grep '^Epoch 1/1' "$o" | grep -o '[0-9.]* samples/s' | tail -1 | awk '{print $1}')
  acc=$(sed -n 's/^test:.*accuracy \([0-9.]*\).*/\1/p' "$o" | tail -1)
  [[ -z "$sps" ]] && { echo "FAIL no 'samples/s' in the epoch line ($o)"; return; }
  echo "RESULT workload=W2 impl=backprop threads=$T samples_per_s=$sps test_acc=${acc:-nan} ${res#RESULT }"
}
plain() {  # plain ID CMD...: runs CMD, prints its RESULT line
  local id=$1; shift
  "$@" >"$OUT/$id.out" 2>&1
  local rc=$? res
  res=$(grep -m1 '^RESULT' "$OUT/$id.out")
  if [[ $rc -ne 0 || -z "$res" ]]; then echo "FAIL exit $rc ($OUT/$id.out)"; else echo "$res"; fi
}

# ---- cases and groups ------------------------------------------------------------------------------
: >"$OUT/cases.tsv"; : >"$OUT/groups.tsv"; : >"$OUT/results.tsv"
declare -a ids=()
declare -A cmd=() skip=()
case_() {  # case_ ID LABEL SKIP-REASON CMD...
  local id=$1 label=$2 why=$3; shift 3
  ids+=("$id"); cmd[$id]=$(printf '%q ' "$@"); skip[$id]=$why
  printf '%s\t%s\t%s\t%s\n' "$id" "$label" "$why" "$*" >>"$OUT/cases.tsv"
}
group() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$OUT/groups.tsv"; }  # title metrics ours peers

if has W1; then
  U=$W1_UPDATES
  case_ w1_ours "backprop (bp::sgd_step, double)" "" plain w1_ours "$bin/bench_seed" --updates "$U"
  case_ w1_hand "hand-written scalar loop (double)" "" plain w1_hand "$bin/ref_seed_loop" --updates "$U"
  case_ w1_torch "PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null) (float64, 1 thread)" "$torch_skip" \
    plain w1_torch env OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$PYTHON" "$peers/torch_seed.py" --updates "$U" --repeat 1
  case_ w1_fann "FANN 2.2 (doublefann, biases frozen)" "$fann_seed_skip" plain w1_fann "$bin/fann_seed" --updates "$U"
  group "W1 seed 2-2-2, $U online updates: ms per $U updates (E = final E_total)" "ms:lower,E:lower" \
    w1_ours w1_hand,w1_torch,w1_fann
fi
for T in $THREADS; do
  if has W2; then
    case_ w2_ours_$T "backprop train CLI" "$cli_skip" w2_ours "$T"
    peers_w2=""
    if [[ $T == 1 ]]; then combos="1:1"; else combos="$T:$T $T:1 1:$T"; fi
    for c in $combos; do
      intra=${c%:*} blas=${c#*:}
      id=w2_torch_${T}_${intra}_${blas}
      case_ "$id" "PyTorch (set_num_threads $intra, OPENBLAS/OMP_NUM_THREADS $blas)" "${torch_skip:-$data_skip}" \
        timed "$id" env OPENBLAS_NUM_THREADS="$blas" OMP_NUM_THREADS="$blas" "$PYTHON" "$peers/torch_mlp.py" \
        --threads "$intra" --data "$DATA"
      peers_w2+="$id,"
    done
    if has GEMM; then peers_w2+="gemm_$T"; fi
    group "W2 Fashion-MNIST 784-256-128-10, batch 128, 1 epoch, $T thread(s): samples/s" \
      "samples_per_s:higher,test_acc:higher,wall_s:lower,max_rss_mib:lower" "w2_ours_$T" "$peers_w2"
  fi
  if has GEMM; then
    case_ gemm_$T "GEMM floor: the epoch's products only (our sgemm, same threads)" "" plain gemm_$T "$bin/bench_gemm_limit" --threads "$T" --repeat 1
    group "GEMM floor of one W2 epoch, $T thread(s)" "seconds:lower,gflops:higher,gflop:lower" "gemm_$T" ""
  fi
  if has W4; then
    case_ w4_ours_$T "backprop (Network<float>::predict)" "" plain w4_ours_$T "$bin/bench_infer" --threads "$T" --calls "$W4_CALLS"
    peers_w4=""
    if [[ $T == 1 ]]; then combos="1:1"; else combos="$T:$T $T:1 1:$T"; fi
    for c in $combos; do
      intra=${c%:*} blas=${c#*:}
      id=w4_torch_${T}_${intra}_${blas}
      case_ "$id" "PyTorch (no_grad, eval; set_num_threads $intra, OPENBLAS/OMP_NUM_THREADS $blas)" "$torch_skip" \
        plain "$id" env OPENBLAS_NUM_THREADS="$blas" OMP_NUM_THREADS="$blas" "$PYTHON" "$peers/torch_infer.py" \
        --threads "$intra" --calls "$W4_CALLS"
      peers_w4+="$id,"
    done
    group "W4 inference, $T thread(s): latency at batch 1 (µs, median of $W4_CALLS calls)" "latency_us:lower" "w4_ours_$T" "$peers_w4"
    group "W4 inference, $T thread(s): throughput at batch 1024 (samples/s)" "throughput:higher" "w4_ours_$T" "$peers_w4"
  fi
  if has W5; then
    # Ours: bp::train on the network of W5_CONFIG. PyTorch: the same network as nn.Sequential, in
    # channels_last (its fastest layout here, docs/performance.md), OPENBLAS_CORETYPE and
    # OPENBLAS_L2_SIZE unset for it alone; at 2 threads every intra-op / BLAS split, as for W2.
    w5_args=(--config "$W5_CONFIG" --data "$DATA" --samples "$W5_SAMPLES")
    case_ w5_ours_$T "backprop (bp::train)" "$data_skip" plain w5_ours_$T "$bin/bench_cnn_epoch" --threads "$T" "${w5_args[@]}"
    peers_w5=""
    if [[ $T == 1 ]]; then combos="1:1"; else combos=${W5_TORCH_SPLITS:-"$T:$T $T:1 1:$T"}; fi
    for c in $combos; do
      intra=${c%:*} blas=${c#*:}
      id=w5_torch_${T}_${intra}_${blas}
      case_ "$id" "PyTorch (channels_last; set_num_threads $intra, OPENBLAS/OMP_NUM_THREADS $blas)" "${torch_skip:-$data_skip}" \
        plain "$id" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$blas" OMP_NUM_THREADS="$blas" \
        "$PYTHON" "$peers/torch_cnn.py" --threads "$intra" --channels-last "${w5_args[@]}"
      peers_w5+="$id,"
    done
    group "W5 Fashion-MNIST CNN ($(basename "$W5_CONFIG")), batch 128, Adam, 1 epoch, $T thread(s): samples/s; peak RSS (MiB)" \
      "samples_per_s:higher,max_rss_mib:lower,cpu_s:lower,acc:higher,load1:lower" "w5_ours_$T" "$peers_w5"
  fi
done
if has W3; then
  case_ w3_ours "backprop, ReLU + softmax CE (the W2 network)" "$data_skip" plain w3_ours "$bin/bench_online" --samples "$W3_SAMPLES" --data "$DATA"
  group "W3 online (batch 1), $W3_SAMPLES samples, 1 thread: samples/s, ReLU/softmax network" "samples_per_s:higher,loss:lower" w3_ours ""
  case_ w3_ours_tanh "backprop, tanh + linear output, half-SSE" "$data_skip" plain w3_ours_tanh "$bin/bench_online" --samples "$W3_SAMPLES" --data "$DATA" --net tanh-mse
  case_ w3_fann "FANN 2.2 (floatfann), SIGMOID_SYMMETRIC + LINEAR" "$fann_mlp_skip" plain w3_fann "$bin/fann_mlp_online" --samples "$W3_SAMPLES" --data "$DATA"
  group "W3 online (batch 1), $W3_SAMPLES samples, 1 thread: samples/s, the network FANN can train (tanh, linear output, MSE)" \
    "samples_per_s:higher,loss:lower" w3_ours_tanh w3_fann
fi

# ---- run: every case once per round, in order (ours first in each group), RUNS rounds ---------------
core=$("$bin/bench_gemm_limit" --samples 128 --repeat 1 2>/dev/null | grep -o 'core=[A-Za-z0-9_]*' | cut -d= -f2)
log "results in $OUT; OpenBLAS core: ${core:-unknown}"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= RUNS; r++)); do
  for id in "${ids[@]}"; do
    [[ -n "${skip[$id]}" ]] && continue
    load1=$(cut -d' ' -f1 /proc/loadavg)  # the 1-minute load average as the run starts
    log "round $r/$RUNS: $id (load $load1)"
    line=$(eval "${cmd[$id]}")
    [[ $line == RESULT* ]] && line+=" load1=$load1"
    printf '%s\t%s\t%s\n' "$id" "$r" "$line" >>"$OUT/results.tsv"
  done
done

{
  echo "bench/run.sh: $RUNS run(s) each, alternating; $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) CPU(s)" \
       "($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)); load average (1, 5, 15 min)" \
       "$load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end;" \
       "OpenBLAS core ${core:-unknown}${OPENBLAS_CORETYPE:+ (OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE)}"
  echo
  "$PYTHON" "$root/bench/report.py" "$OUT" 2>/dev/null || python3 "$root/bench/report.py" "$OUT"
} | tee "$OUT/table.md"
