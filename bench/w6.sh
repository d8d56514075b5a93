#!/usr/bin/env bash
# W6 (docs/distributed.md, docs/performance.md): data-parallel training over MPI on this machine.
# For the W2 network (784-256-128-10, batch 128) and a larger MLP (784-1024-1024-10, batch 1024),
# SGD lr 0.1 momentum 0.9, one epoch over the first SAMPLES Fashion-MNIST training images:
#   backprop train, one process, --threads 2          (today's path)
#   mpirun -np 1 backprop train --threads 2           (the exact chunked reduction, P = 1)
#   mpirun -np 2 backprop train --threads 1           (P = 2)
#   PyTorch 1.13 DistributedDataParallel (gloo), P = 1 x 2 threads and P = 2 x 1 thread, same global batch
# Runs them alternately RUNS times and prints medians; then the reduction alone (bench_allreduce):
# the exact reduction against a plain float MPI_Allreduce(SUM), per step, at P = 2.
# Environment: RUNS [3]  SAMPLES [20000]  BUILD_DIR [build/release]  DATA [/usr/share/datasets/fashion-mnist]
#              PYTHON [/usr/bin/python3]  OUT [BUILD_DIR/w6-results]
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3} SAMPLES=${SAMPLES:-20000} DATA=${DATA:-/usr/share/datasets/fashion-mnist}
BUILD_DIR=${BUILD_DIR:-build/release} PYTHON=${PYTHON:-/usr/bin/python3}
build="$root/$BUILD_DIR" OUT=${OUT:-$root/$BUILD_DIR/w6-results}
cli="$build/tools/backprop/backprop"
mkdir -p "$OUT"
# Open MPI as root needs these two, here only; shared memory between the processes.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_btl_vader_single_copy_mechanism=none
echo "# W6 on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# The first SAMPLES training images and labels as IDX files.
"$PYTHON" - "$DATA" "$OUT" "$SAMPLES" <<'PY'
import gzip, struct, sys
d, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
x = gzip.open(f"{d}/train-images-idx3-ubyte.gz").read()[16:16 + n * 784]
y = gzip.open(f"{d}/train-labels-idx1-ubyte.gz").read()[8:8 + n]
open(f"{out}/w6-images.idx", "wb").write(struct.pack(">IIII", 0x803, n, 28, 28) + x)
open(f"{out}/w6-labels.idx", "wb").write(struct.pack(">II", 0x801, n) + y)
PY

# ours ID NP THREADS LAYERS BATCH: samples/s of the epoch (its --verbose 2 line); NP 0 = no mpirun.
ours() {
  local id=$1 np=$2 t=$3 layers=$4 batch=$5
  local cmd=("$cli" train --train "$OUT/w6-images.idx" --train-labels "$OUT/w6-labels.idx" --layers "$layers"
             --activation relu --loss cross-entropy --optimizer sgd --lr 0.1 --momentum 0.9 --batch-size "$batch"
             --epochs 1 --early-stopping none --preprocess minmax --seed 1 --threads "$t" --verbose 2
             --output "$OUT/$id.bpm")
  ((np > 0)) && cmd=(mpirun --oversubscribe -np "$np" "${cmd[@]}")
  "${cmd[@]}" >"$OUT/$id.out" 2>&1 || { echo "FAIL"; return; }
  grep '^Epoch 1/1' "$OUT/$id.out" | grep -o '[0-9.]* samples/s' | tail -1 | awk '{print $1}'
}
torch() {
  local id=$1 np=$2 t=$3 layers=$4 batch=$5
  OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t "$PYTHON" "$root/bench/peers/torch_ddp.py" --data "$DATA" \
    --layers "$layers" --procs "$np" --threads "$t" --batch-size "$batch" --samples "$SAMPLES" >"$OUT/$id.out" 2>&1 ||
    { echo "FAIL"; return; }
  grep -o 'samples_per_s=[0-9.]*' "$OUT/$id.out" | cut -d= -f2
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "n/a")}'; }

declare -A res
cases=("ours_plain:0:2" "ours_p1:1:2" "ours_p2:2:1" "torch_p1:1:2" "torch_p2:2:1")
for net in "784,256,128,10:128" "784,1024,1024,10:1024"; do
  IFS=: read -r layers batch <<<"$net"
  for ((r = 1; r <= RUNS; r++)); do
    for c in "${cases[@]}"; do
      IFS=: read -r name np t <<<"$c"
      if [[ $name == ours_* ]]; then v=$(ours "${name}_$batch" "$np" "$t" "$layers" "$batch")
      else v=$(torch "${name}_$batch" "$np" "$t" "$layers" "$batch"); fi
      res["$layers/$name"]+=" $v"
    done
  done
done
echo "load after the training runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| network, global batch | backprop 1 process x 2 threads | backprop P=1 x 2 threads | backprop P=2 x 1 thread | PyTorch DDP P=1 x 2 | PyTorch DDP P=2 x 1 | P=2 ours / DDP P=2 |"
echo "|---|---|---|---|---|---|---|"
for net in "784,256,128,10:128" "784,1024,1024,10:1024"; do
  IFS=: read -r layers batch <<<"$net"
  row="| ${layers//,/-}, $batch |"
  for c in "${cases[@]}"; do row+=" $(median <<<"${res[$layers/${c%%:*}]}") |"; done
  ratio=$(awk -v a="$(median <<<"${res[$layers/ours_p2]}")" -v b="$(median <<<"${res[$layers/torch_p2]}")" \
          'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
  echo "$row $ratio |"
done
echo "(samples/s, median of $RUNS; runs: ${res[*]})" | head -c 2000; echo
echo
echo "Reduction alone, per step (median of 200), P=2 and P=1:"
for net in "784,256,128,10:128" "784,1024,1024,10:1024"; do
  IFS=: read -r layers batch <<<"$net"
  for np in 1 2; do
    mpirun --oversubscribe -np "$np" "$build/bench/bench_allreduce" --layers "$layers" --batch "$batch" --reps 200 2>&1 | grep RESULT
  done
done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
